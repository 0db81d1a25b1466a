//! `hogwatch server [PORT] [--bind ADDR [--insecure-http]]`: the dashboard for a browser,
//! without a tray.
//! When no hogwatch runs for this user it runs the core (collector, history, alerts) and
//! serves it; when one runs, it serves that one's live stream on its own port — or, asked
//! for the port that one already serves, prints its URL.

use crate::app::dashboard::{self, ServerOptions, StartError};
use crate::app::{self, headless, CoreOptions, Opened, Role, Settings, WhenRunning};
use crate::cli::{Global, ServerArgs, DEFAULT_PORT};
use std::process::ExitCode;

pub async fn run(global: Global, args: &ServerArgs) -> anyhow::Result<ExitCode> {
    // Before anything starts: a collector is no use when the address is refused.
    if let Some(why) = dashboard::refusal(args.bind, args.insecure_http) {
        anyhow::bail!(why);
    }
    let so = ServerOptions {
        addr: std::net::SocketAddr::new(args.bind, args.port.unwrap_or(DEFAULT_PORT)),
        any_port_if_taken: false,
        insecure_http: args.insecure_http,
        token_dir: None,
    };
    let opts = CoreOptions {
        role: Role::Server,
        server: Some(so.clone()),
        alerts: true,
        exit_when_source_ends: true,
    };
    match app::open(Settings::new(&global), opts, WhenRunning::Attach).await? {
        Opened::Local(link) => headless::run(link).await?,
        Opened::HandedOver(answer) => println!("hogwatch is already running: {answer}"),
        Opened::Attached(mut link) => {
            let updates = std::mem::replace(&mut link.updates, tokio::sync::mpsc::channel(1).1);
            let (feed, forwarding) = dashboard::feed_from(updates);
            match dashboard::start(&so, feed, link.about.history.clone()).await {
                Ok(d) => {
                    eprintln!("hogwatch: dashboard at {}", d.url);
                    eprintln!(
                        "hogwatch: serving the live data of {} (pid {}); no collector of its own",
                        link.about.role.name(),
                        link.about.pid
                    );
                    wait_for_end(forwarding).await;
                    d.stop();
                }
                // Asked for the very address the running hogwatch serves: that's the one.
                Err(StartError::InUse(addr)) if serves(&link.about, addr) => {
                    println!("hogwatch is already running: {}", link.about.line());
                }
                Err(e) => {
                    link.stop().await?;
                    return Err(e.into());
                }
            }
            link.stop().await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The running hogwatch's dashboard listens on `addr`'s port.
fn serves(about: &app::About, addr: std::net::SocketAddr) -> bool {
    about
        .dashboard
        .as_deref()
        .and_then(|u| u.strip_prefix("http://"))
        .and_then(|u| u.split('/').next())
        .and_then(|hostport| hostport.rsplit_once(':'))
        .and_then(|(_, port)| port.parse::<u16>().ok())
        == Some(addr.port())
}

/// Until a signal, or the end of the stream (the hogwatch attached to stopped).
async fn wait_for_end(forwarding: tokio::task::JoinHandle<()>) {
    let mut signals = app::signals::StopSignals::new();
    tokio::select! {
        _ = forwarding => eprintln!("hogwatch: the hogwatch this server was attached to stopped"),
        _ = signals.recv() => {}
    }
}
