//! `hogwatch server [PORT] [--bind ADDR]`: collect and serve the dashboard to a browser,
//! without a tray. One per user, like the tray: when hogwatch already runs, this prints
//! its dashboard URL instead of starting a second collector.

use crate::cli::{Global, ServerArgs, DEFAULT_PORT};
use crate::instance::{self, Claim};
use crate::tray::backend::ServerOptions;
use std::process::ExitCode;

pub async fn run(global: Global, args: &ServerArgs) -> anyhow::Result<ExitCode> {
    let uid = crate::collect::probe::effective_uid().unwrap_or(u32::MAX);
    let dir = instance::runtime_dir(std::env::var_os("XDG_RUNTIME_DIR").map(Into::into), uid);
    let claimed =
        tokio::task::spawn_blocking(move || instance::claim(&dir, uid, instance::OPEN_DASHBOARD))
            .await?;
    let instance = match claimed {
        Ok(Claim::First(i)) => Some(i),
        Ok(Claim::Running(answer)) => {
            println!("hogwatch is already running: {answer}");
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => {
            tracing::warn!("cannot make sure only one hogwatch runs: {e}");
            None
        }
    };
    let server = ServerOptions {
        addr: std::net::SocketAddr::new(args.bind, args.port.unwrap_or(DEFAULT_PORT)),
        any_port_if_taken: false,
    };
    super::headless::run(global, instance, Some(server)).await
}
