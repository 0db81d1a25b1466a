//! The `hogwatch` binary: parse the command line, run the chosen front end.
#![forbid(unsafe_code)]

use clap::Parser;
use hogwatch::cli::{Cli, Cmd, TopArgs};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOGWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Front ends that collect write the default config on first run; the others only read.
    let collects = matches!(cli.command, None | Some(Cmd::Top(_)));
    for problem in cli.global.load_config(collects) {
        eprintln!("hogwatch: {}", hogwatch::text::printable(&problem));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
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
        match cli.command {
            Some(Cmd::Top(args)) => hogwatch::cmd::top::run(&cli.global, &args).await,
            Some(Cmd::Doctor) => hogwatch::cmd::doctor::run(&cli.global).await,
            Some(Cmd::History(args)) => hogwatch::cmd::history::run(&cli.global, &args),
            // Until the tray applet lands, plain `hogwatch` shows the live table.
            None => hogwatch::cmd::top::run(&cli.global, &TopArgs::default()).await,
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
