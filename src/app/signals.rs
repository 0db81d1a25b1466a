//! The signals that stop hogwatch: SIGINT (Ctrl-C) and SIGTERM (`kill`, a logout, systemd).
//! Listened to from start, so one that arrives between two `select!` rounds is not lost.

use tokio::signal::unix::{signal, Signal, SignalKind};

pub struct StopSignals {
    int: Option<Signal>,
    term: Option<Signal>,
}

impl StopSignals {
    /// Starts listening (a signal that cannot be listened to is ignored, as before).
    pub fn new() -> Self {
        StopSignals {
            int: signal(SignalKind::interrupt()).ok(),
            term: signal(SignalKind::terminate()).ok(),
        }
    }

    /// Resolves at the next SIGINT or SIGTERM.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = recv(&mut self.int) => {}
            _ = recv(&mut self.term) => {}
        }
    }
}

impl Default for StopSignals {
    fn default() -> Self {
        Self::new()
    }
}

async fn recv(s: &mut Option<Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}
