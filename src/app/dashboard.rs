//! Starting the dashboard server: the token and this run's key, the listening socket
//! (what a port taken means, and that anything but loopback must be asked for as plain
//! HTTP), the URL, and the feed of refreshes it serves — the core's own, or, for a
//! `hogwatch server` attached to another hogwatch, the attached stream's.

use super::link::Update;
use crate::model::Refresh;
use crate::web::auth::Keys;
use crate::web::server::{AppState, Feed};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

/// Where the dashboard server listens.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub addr: SocketAddr,
    /// Take any free port when `addr`'s is taken (the tray; `hogwatch server` fails).
    pub any_port_if_taken: bool,
    /// Serving beyond loopback over plain HTTP was asked for (`--insecure-http`).
    pub insecure_http: bool,
    /// The folder of the token file; `None`: the user's config folder. The system service
    /// keeps its token in its state folder, readable by it and root only.
    pub token_dir: Option<PathBuf>,
}

impl ServerOptions {
    /// Loopback at `port`.
    pub fn loopback(port: u16, any_port_if_taken: bool) -> Self {
        ServerOptions {
            addr: SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), port),
            any_port_if_taken,
            insecure_http: false,
            token_dir: None,
        }
    }
}

/// The flag that allows a non-loopback `--bind`.
pub const INSECURE_FLAG: &str = "--insecure-http";

/// Why `addr` may not be served, if it may not: beyond loopback the dashboard is plain
/// HTTP, so anyone on the path reads the figures and the key, and that must be asked for.
pub fn refusal(addr: std::net::IpAddr, insecure_http: bool) -> Option<String> {
    (!addr.is_loopback() && !insecure_http).then(|| {
        format!(
            "refusing to serve the dashboard on {addr}: beyond loopback it is plain HTTP \
             (no TLS), so anyone on the network path can read the figures and the key. \
             Bind to 127.0.0.1 and use an SSH tunnel, or pass {INSECURE_FLAG} to do it anyway"
        )
    })
}

/// A listening dashboard server.
pub struct Dashboard {
    /// The URL to open, with this run's key in its fragment.
    pub url: String,
    stop: oneshot::Sender<()>,
}

impl Dashboard {
    pub fn stop(self) {
        let _ = self.stop.send(());
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {0}: the address is in use")]
    InUse(SocketAddr),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

/// Binds `so.addr` and serves `feed` (history from `history`) until stopped.
pub async fn start(
    so: &ServerOptions,
    feed: Feed,
    history: Option<PathBuf>,
) -> Result<Dashboard, StartError> {
    let dir = so
        .token_dir
        .clone()
        .or_else(|| crate::config::xdg_dir("XDG_CONFIG_HOME", ".config"))
        .ok_or_else(|| anyhow::anyhow!("no config directory for the dashboard token (set HOME)"))?;
    if let Some(why) = refusal(so.addr.ip(), so.insecure_http) {
        return Err(anyhow::anyhow!(why).into());
    }
    let keys = tokio::task::spawn_blocking(move || -> std::io::Result<Keys> {
        Ok(Keys {
            token: crate::web::token::load_or_create(&dir)?,
            key: crate::web::token::random_hex()?,
        })
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(anyhow::Error::from)?;
    let listener = match tokio::net::TcpListener::bind(so.addr).await {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && so.any_port_if_taken => {
            tokio::net::TcpListener::bind((so.addr.ip(), 0))
                .await
                .map_err(anyhow::Error::from)?
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            return Err(StartError::InUse(so.addr))
        }
        Err(e) => return Err(anyhow::anyhow!("cannot listen on {}: {e}", so.addr).into()),
    };
    let addr = listener.local_addr().map_err(anyhow::Error::from)?;
    if !addr.ip().is_loopback() {
        tracing::warn!(
            "the dashboard listens on {addr}: anyone on the network who has the token sees which programs use the network"
        );
        eprintln!(
            "hogwatch: WARNING: listening on {addr}, not loopback, over plain HTTP ({INSECURE_FLAG}): the data is visible on the network to anyone with the token, and the key to anyone on the path"
        );
    }
    let host = if addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let url = crate::web::links::with_key(&host.to_string(), &keys.key);
    let state = AppState::new(keys, feed, history);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        if let Err(e) = crate::web::server::serve(listener, state, shutdown).await {
            tracing::warn!("the dashboard server stopped: {e}");
        }
    });
    Ok(Dashboard { url, stop })
}

/// A server's feed made from a front end's updates (an attached `hogwatch server`): a task
/// fans each update out to the latest value, the viewers, the metrics and the alerts.
/// The task (returned) ends when `updates` closes.
pub fn feed_from(mut updates: mpsc::Receiver<Arc<Update>>) -> (Feed, JoinHandle<()>) {
    let first = Arc::new(Refresh {
        snapshot: crate::model::Snapshot::empty(crate::model::Mode::Starting, "starting"),
        moved: crate::model::Moved::default(),
        gap_ms: 0,
    });
    let (latest_tx, latest) = watch::channel(first);
    let (viewers_tx, viewers) = broadcast::channel(16);
    let (every_tx, every) = mpsc::channel(256);
    let (alerts_tx, alerts) = watch::channel(Vec::new());
    let task = tokio::spawn(async move {
        while let Some(u) = updates.recv().await {
            latest_tx.send_replace(Arc::clone(&u.refresh));
            let _ = viewers_tx.send(Arc::clone(&u.refresh));
            if every_tx.send(Arc::clone(&u.refresh)).await.is_err() {
                break;
            }
            alerts_tx.send_if_modified(|a| {
                let changed = *a != u.alerts;
                if changed {
                    a.clone_from(&u.alerts);
                }
                changed
            });
        }
    });
    let feed = Feed {
        latest,
        updates: viewers,
        every,
        alerts,
    };
    (feed, task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beyond_loopback_only_when_asked() {
        for ok in ["127.0.0.1", "127.0.0.2", "::1"] {
            assert_eq!(
                refusal(ok.parse().unwrap_or_else(|_| unreachable!()), false),
                None
            );
        }
        for far in ["0.0.0.0", "::", "192.0.2.7"] {
            let ip = far.parse().unwrap_or_else(|_| unreachable!());
            assert!(refusal(ip, false).is_some_and(|m| m.contains(INSECURE_FLAG)));
            assert_eq!(refusal(ip, true), None);
        }
    }
}
