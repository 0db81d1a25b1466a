//! The per-user socket's protocol, both ends. A client sends one request line:
//! - `open-dashboard` — the core's front ends show the dashboard; the answer is one text
//!   line ("hogwatch is running in the tray (pid N); dashboard: URL"), as from the first
//!   hogwatch on, so older clients keep working;
//! - `info` — one JSON line: `About`;
//! - `attach ROLE` — one JSON line `{"kind":"about",…}`, then one `{"kind":"update",…}`
//!   per refresh and `{"kind":"notice",…}` lines, until either side closes; the client
//!   may send `Request`s as JSON lines meanwhile.
//!
//! The socket lives in a 0700 folder of the user (see `instance`), so only the user's own
//! programs reach it; lines are still bounded both ways, and a client that stops reading
//! skips refreshes rather than holding the core up.

use super::link::{About, Link, Notice, Request, Role, Update};
use crate::wire::{read_line, ATTACH, MAX_MESSAGE};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{broadcast, mpsc, watch};

pub const OPEN_DASHBOARD: &str = "open-dashboard";
pub const INFO: &str = "info";

/// Longest request line a client may send, bytes.
const MAX_REQUEST: u64 = 512;
/// How long a client waits for the core to answer (it may still be starting).
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
/// A client that has not taken a line for this long is dropped.
const WRITE_WITHIN: Duration = Duration::from_secs(30);

/// One line from the core to an attached client.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Message {
    About(About),
    Update(Arc<Update>),
    Notice { notice: Notice },
}

async fn write_json<T: Serialize>(
    s: &mut (impl AsyncWriteExt + Unpin),
    v: &T,
) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(v).map_err(std::io::Error::other)?;
    line.push(b'\n');
    match tokio::time::timeout(WRITE_WITHIN, s.write_all(&line)).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::from(std::io::ErrorKind::TimedOut)),
    }
}

// ---- the core's end -------------------------------------------------------------------

/// What a connection handler needs from the core.
#[derive(Clone)]
pub struct Served {
    pub about: watch::Receiver<About>,
    pub latest: watch::Receiver<Option<Arc<Update>>>,
    pub updates: broadcast::Sender<Arc<Update>>,
    pub notices: broadcast::Sender<Notice>,
    pub requests: mpsc::UnboundedSender<Request>,
    /// Trays attached now (the core's `About::tray` counts them).
    pub trays: Arc<std::sync::atomic::AtomicUsize>,
}

/// Serves one connection to the end.
pub async fn serve(stream: UnixStream, core: Served) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let request = match tokio::time::timeout(ANSWER_WITHIN, read_line(&mut read, MAX_REQUEST)).await
    {
        Ok(Ok(Some(line))) => line,
        _ => return,
    };
    let (word, arg) = request.split_once(' ').unwrap_or((request.as_str(), ""));
    match word {
        OPEN_DASHBOARD => {
            let _ = core.requests.send(Request::OpenDashboard);
            let line = format!("{}\n", core.about.borrow().line());
            let _ = write.write_all(line.as_bytes()).await;
        }
        INFO => {
            let about = core.about.borrow().clone();
            let _ = write_json(&mut write, &about).await;
        }
        ATTACH => {
            let role: Role = match serde_json::from_value(serde_json::Value::String(arg.into())) {
                Ok(r) => r,
                Err(_) => return,
            };
            let tray = role == Role::Tray;
            if tray {
                core.trays.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            stream_to(read, write, &core).await;
            if tray {
                core.trays.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        _ => {
            // Not ours to answer; say who we are, as the first hogwatch did to anything.
            let line = format!("{}\n", core.about.borrow().line());
            let _ = write.write_all(line.as_bytes()).await;
        }
    }
}

/// An attached client: `About`, the latest update, then every update and notice; its
/// requests go to the core (but it cannot stop the core).
async fn stream_to(
    mut read: BufReader<tokio::net::unix::OwnedReadHalf>,
    mut write: tokio::net::unix::OwnedWriteHalf,
    core: &Served,
) {
    let mut updates = core.updates.subscribe();
    let mut notices = core.notices.subscribe();
    let about = core.about.borrow().clone();
    if write_json(&mut write, &Message::About(about))
        .await
        .is_err()
    {
        return;
    }
    let latest = core.latest.borrow().clone();
    if let Some(u) = latest {
        if write_json(&mut write, &Message::Update(u)).await.is_err() {
            return;
        }
    }
    // Its own task: reading a line is not cancel-safe, so it is never a `select!` arm.
    let requests = core.requests.clone();
    let (gone_tx, mut gone) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        while let Ok(Some(line)) = read_line(&mut read, MAX_REQUEST).await {
            match serde_json::from_str::<Request>(&line) {
                Ok(Request::Quit) | Err(_) => {}
                Ok(r) => {
                    let _ = requests.send(r);
                }
            }
        }
        let _ = gone_tx.send(());
    });
    loop {
        let msg = tokio::select! {
            u = updates.recv() => match u {
                Ok(u) => Message::Update(u),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!("an attached client skipped {n} refreshes");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            n = notices.recv() => match n {
                Ok(notice) => Message::Notice { notice },
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = &mut gone => break,
        };
        if write_json(&mut write, &msg).await.is_err() {
            break;
        }
    }
    reader.abort();
}

// ---- a client's end ---------------------------------------------------------------------

/// Connects to the core's socket; it may still be starting (locked, socket not yet bound).
async fn connect(socket: &Path) -> std::io::Result<UnixStream> {
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        match UnixStream::connect(socket).await {
            Ok(s) => return Ok(s),
            Err(e) if tokio::time::Instant::now() >= until => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn ask(
    socket: &Path,
    request: &str,
) -> std::io::Result<(
    BufReader<tokio::net::unix::OwnedReadHalf>,
    tokio::net::unix::OwnedWriteHalf,
    String,
)> {
    let (read, mut write) = connect(socket).await?.into_split();
    write.write_all(format!("{request}\n").as_bytes()).await?;
    let mut read = BufReader::new(read);
    let answer = tokio::time::timeout(ANSWER_WITHIN, read_line(&mut read, MAX_MESSAGE))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::UnexpectedEof))?;
    Ok((read, write, answer))
}

/// Why `info` has no `About`.
#[derive(Debug)]
pub enum InfoError {
    /// Nothing answered on the socket.
    Io(std::io::Error),
    /// A hogwatch too old to know `info` answered with its text line.
    Old(String),
}

/// The running core's `About`.
pub async fn info(socket: &Path) -> Result<About, InfoError> {
    let (_, _, answer) = ask(socket, INFO).await.map_err(InfoError::Io)?;
    serde_json::from_str(&answer)
        .map_err(|_| InfoError::Old(crate::text::printable(&answer).into_owned()))
}

/// Asks the running core to show its dashboard; its one-line answer.
pub async fn open_dashboard(socket: &Path) -> std::io::Result<String> {
    let (_, _, answer) = ask(socket, OPEN_DASHBOARD).await?;
    Ok(crate::text::printable(&answer).into_owned())
}

/// Attaches to the running core as `role`: its refreshes, notices and requests through
/// a `Link`, until it stops (or the link is stopped).
pub async fn attach(socket: &Path, role: Role) -> std::io::Result<Link> {
    let role_word = serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let (mut read, mut write, first) = ask(socket, &format!("{ATTACH} {role_word}")).await?;
    let about = match serde_json::from_str::<Message>(&first) {
        Ok(Message::About(a)) => a,
        _ => {
            return Err(std::io::Error::other(format!(
                "the running hogwatch answered {:?}",
                crate::text::truncate(&first, 200)
            )))
        }
    };
    let (updates_tx, updates) = mpsc::channel(256);
    let (notices_tx, notices) = mpsc::unbounded_channel();
    let (requests, mut requests_rx) = mpsc::unbounded_channel::<Request>();
    // Requests go out on their own task (reading is not cancel-safe: never a select arm);
    // it ends when the link's sender is dropped.
    tokio::spawn(async move {
        while let Some(r) = requests_rx.recv().await {
            if r == Request::Quit || write_json(&mut write, &r).await.is_err() {
                break;
            }
        }
    });
    let done = tokio::spawn(async move {
        while let Some(line) = read_line(&mut read, MAX_MESSAGE).await? {
            match serde_json::from_str::<Message>(&line) {
                Ok(Message::Update(u)) => {
                    if updates_tx.send(u).await.is_err() {
                        break;
                    }
                }
                Ok(Message::Notice { notice }) => {
                    let _ = notices_tx.send(notice);
                }
                Ok(Message::About(_)) => {}
                Err(e) => tracing::debug!("unreadable line from the core: {e}"),
            }
        }
        Ok(())
    });
    Ok(Link {
        about,
        local: false,
        updates,
        notices,
        requests,
        done,
    })
}
