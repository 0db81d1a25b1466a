//! The `hogwatch` binary: parse the command line, run the chosen terminal front end. With no
//! command it becomes the tray: it execs `hogwatch-tray` (same pid, same arguments), so this
//! program never reaches GTK or WebKit and maps neither (`top`, `server` stay small).
#![forbid(unsafe_code)]

use clap::Parser;
use hogwatch::cli::{Cli, Cmd};
use std::process::ExitCode;

fn main() -> ExitCode {
    hogwatch::arenas::limit();
    let mut cli = Cli::parse();
    hogwatch::startup::init_logging();
    let Some(command) = cli.command else {
        return exec_tray();
    };
    // Front ends that collect write the default config on first run; the others only read.
    let collects = matches!(command, Cmd::Top(_) | Cmd::Server(_));
    if matches!(command, Cmd::Service(_)) && cli.global.config.is_none() {
        // /etc/hogwatch/config.toml, read only (`config` is explicit, so never created).
        cli.global.config = Some(hogwatch::cmd::service::Dirs::from_env().config_file());
    }
    hogwatch::startup::load_config_or_say(&mut cli.global, collects);
    // One thread runs every task: a refresh wakes it once and it hands the refresh on to
    // the writer, the totals, the dashboard and the front end in the same turn, where
    // worker threads woke one another for each hand-over (issue 14: an idle server woke
    // ~10 times a second). Blocking work (SQLite, files) goes to spawn_blocking threads,
    // which exit after 10 s idle.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hogwatch: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Cmd::Top(args) => hogwatch::cmd::top::run(&cli.global, &args).await,
            Cmd::Doctor => hogwatch::cmd::doctor::run(&cli.global).await,
            Cmd::History(args) => hogwatch::cmd::history::run(&cli.global, &args),
            Cmd::Server(args) => hogwatch::cmd::server::run(cli.global, &args).await,
            Cmd::Service(args) => hogwatch::cmd::service::run(cli.global, &args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hogwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Replaces this process with the tray applet, given this program's arguments as they
/// came (the tray parses them again). Returns only when it cannot.
fn exec_tray() -> ExitCode {
    use std::os::unix::process::CommandExt as _;
    let Some(tray) = hogwatch::exe::libexec(hogwatch::exe::TRAY) else {
        eprintln!(
            "hogwatch: {} is missing next to hogwatch and in {} — fix: reinstall hogwatch",
            hogwatch::exe::TRAY,
            hogwatch::exe::LIBEXEC
        );
        return ExitCode::FAILURE;
    };
    let e = std::process::Command::new(&tray)
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!("hogwatch: cannot run {}: {e}", tray.display());
    ExitCode::FAILURE
}
