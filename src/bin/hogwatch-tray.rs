//! The `hogwatch-tray` binary: the tray applet (GTK, tao, libayatana through tray-icon),
//! without WebKit — the dashboard window is a process of its own (`hogwatch-window`).
//! Users start it as `hogwatch` (which execs this with its arguments); it takes the same
//! command line, and runs only the tray.
#![forbid(unsafe_code)]

use clap::Parser;
use hogwatch::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    hogwatch::arenas::limit();
    let mut cli = Cli::parse();
    hogwatch::startup::init_logging();
    if cli.command.is_some() {
        eprintln!("hogwatch-tray runs the tray only; for a command, run `hogwatch COMMAND`");
        return ExitCode::from(2);
    }
    // The tray collects: it writes the default config on first run.
    hogwatch::startup::load_config_or_say(&mut cli.global, true);
    // tao's event loop must own this (the main) thread.
    match hogwatch::tray::app::run(cli.global) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hogwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}
