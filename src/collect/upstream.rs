//! The system service as this collector's upstream: on a machine where `hogwatch service`
//! runs (docs/service.md), a user's core attaches to its socket and takes its refreshes as
//! they are — no helper of its own, no password dialog, no second nethogs — and everything
//! above the collector (history, alerts, the dashboard, the tray) works on them as on its
//! own. The wire is the core socket's (`wire`; `app::protocol`: `attach ROLE`, then one
//! JSON line per message); only what this needs of it is read here, so the collector stays
//! below the application that speaks it.

use crate::model::Refresh;
use crate::wire;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::unix::OwnedReadHalf;
use tokio::net::UnixStream;

/// The system service's runtime folder (systemd's `RuntimeDirectory=hogwatch`; only root
/// can make a folder in /run) and its socket's name in it: where it listens unless
/// `HOGWATCH_SYSTEM_SOCKET` says otherwise.
pub const RUNTIME_DIR: &str = "/run/hogwatch";
pub const SOCKET_NAME: &str = "hogwatch.sock";

/// How long the service has to say who it is.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// The system service's socket path.
pub fn system_socket() -> PathBuf {
    std::env::var_os("HOGWATCH_SYSTEM_SOCKET")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| Path::new(RUNTIME_DIR).join(SOCKET_NAME))
}

/// One line of the service's stream: a refresh, or something this does not need (who it
/// is, notices for its own front ends).
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Line {
    Update {
        refresh: Box<Refresh>,
    },
    #[serde(other)]
    Other,
}

/// An attached stream.
pub struct Stream {
    read: BufReader<OwnedReadHalf>,
    // Held, never written after the request: closing it would end the attachment.
    _write: tokio::net::unix::OwnedWriteHalf,
}

/// Attaches to the service at `socket` as a server-like front end (it is sent no
/// requests). Fails when no service listens, or this user may not connect (not in the
/// `hogwatch` group).
pub async fn attach(socket: &Path) -> std::io::Result<Stream> {
    let stream = tokio::time::timeout(ANSWER_WITHIN, UnixStream::connect(socket))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    let (read, mut write) = stream.into_split();
    write
        .write_all(format!("{} server\n", wire::ATTACH).as_bytes())
        .await?;
    Ok(Stream {
        read: BufReader::new(read),
        _write: write,
    })
}

impl Stream {
    /// The next refresh; `None` when the service closed the stream. A line too long, not
    /// UTF-8 JSON or of an unknown shape is an error (the stream is no longer in step).
    pub async fn next(&mut self) -> std::io::Result<Option<Refresh>> {
        while let Some(line) = wire::read_line(&mut self.read, wire::MAX_MESSAGE).await? {
            match serde_json::from_str::<Line>(&line) {
                Ok(Line::Update { refresh }) => return Ok(Some(*refresh)),
                Ok(Line::Other) => continue,
                Err(e) => {
                    return Err(std::io::Error::other(format!(
                        "the service sent a line this hogwatch does not understand: {e}"
                    )))
                }
            }
        }
        Ok(None)
    }
}

/// Waits after the `failures`th failed attach in a row: 1 s doubling to 30 s.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_other_than_updates_are_passed_over() {
        let about = br#"{"kind":"about","pid":1,"version":"0.1.0","role":"service"}"#;
        assert!(matches!(
            serde_json::from_slice::<Line>(about),
            Ok(Line::Other)
        ));
        let notice = br#"{"kind":"notice","notice":"open-dashboard"}"#;
        assert!(matches!(
            serde_json::from_slice::<Line>(notice),
            Ok(Line::Other)
        ));
        assert!(serde_json::from_slice::<Line>(br#"{"kind":"update"}"#).is_err());
    }

    #[test]
    fn backoff_doubles_to_half_a_minute() {
        let s: Vec<u64> = (1..=8).map(|f| backoff(f).as_secs()).collect();
        assert_eq!(s, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
