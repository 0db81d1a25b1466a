//! The `hogwatch` binary: parse the command line, run the chosen front end.
#![forbid(unsafe_code)]

use clap::Parser;
use hogwatch::cli::{Cli, Cmd};
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
    let collects = matches!(cli.command, None | Some(Cmd::Top(_)) | Some(Cmd::Server(_)));
    for problem in load_config(&mut cli.global, collects) {
        eprintln!("hogwatch: {}", hogwatch::text::printable(&problem));
    }
    // The tray runs its own threads: tao's event loop must own this (the main) thread.
    let Some(command) = cli.command else {
        return match hogwatch::tray::app::run(cli.global) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("hogwatch: {e:#}");
                ExitCode::FAILURE
            }
        };
    };
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

/// Reads the config file (`--config`, else the default path) into `global.file`; `create`
/// writes the defaults there on first run. Returns the problems found, one line each (key,
/// value, and that the default is used).
fn load_config(global: &mut hogwatch::cli::Global, create: bool) -> Vec<String> {
    let (path, create) = match &global.config {
        Some(p) => (Some(p.clone()), false),
        None => (hogwatch::config::default_path(), create),
    };
    let Some(path) = path else {
        return Vec::new();
    };
    let loaded = hogwatch::config::load(&path, create);
    if loaded.created {
        tracing::info!("wrote the default config to {}", path.display());
    }
    global.file = loaded.config;
    loaded.problems
}
