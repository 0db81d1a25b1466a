//! What each of hogwatch's programs does first (`hogwatch`, `hogwatch-tray`,
//! `hogwatch-window`): the log on stderr, filtered by `HOGWATCH_LOG` (default `warn`), and
//! the config file read into the command line's options.

use crate::cli::Global;

/// Logs to stderr at the level `HOGWATCH_LOG` asks for (an `EnvFilter`), else warnings;
/// colours only on a terminal.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOGWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// Reads the config file (`--config`, else the default path) into `global.file`; `create`
/// writes the defaults there on first run. Returns the problems found, one line each (key,
/// value, and that the default is used).
pub fn load_config(global: &mut Global, create: bool) -> Vec<String> {
    let (path, create) = match &global.config {
        Some(p) => (Some(p.clone()), false),
        None => (crate::config::default_path(), create),
    };
    let Some(path) = path else {
        return Vec::new();
    };
    let loaded = crate::config::load(&path, create);
    if loaded.created {
        tracing::info!("wrote the default config to {}", path.display());
    }
    global.file = loaded.config;
    loaded.problems
}

/// [`load_config`], its problems printed on stderr as `hogwatch: …` (made printable).
pub fn load_config_or_say(global: &mut Global, create: bool) {
    for problem in load_config(global, create) {
        eprintln!("hogwatch: {}", crate::text::printable(&problem));
    }
}
