//! The front end with no screen — `hogwatch server`, and plain `hogwatch` where no tray can
//! be shown: it follows the core's updates and says in the log what the tray would say
//! in its status line, when that changes. It ends with the core (a signal, a replay's end)
//! or, attached to another hogwatch's core, on a signal or when that core stops.

use super::link::{Link, Notice};

/// Follows `link` to its end.
pub async fn run(mut link: Link) -> anyhow::Result<()> {
    let mut last_status = String::new();
    let mut signals = super::signals::StopSignals::new();
    loop {
        tokio::select! {
            u = link.updates.recv() => match u {
                Some(u) => {
                    let status = &u.refresh.snapshot.status;
                    if *status != last_status {
                        if !status.is_empty() {
                            eprintln!("hogwatch: {}", crate::text::printable(status));
                        }
                        last_status.clone_from(status);
                    }
                }
                None => break,
            },
            Some(n) = link.notices.recv() => {
                if n == Notice::OpenDashboard {
                    tracing::info!("the dashboard was asked for: its URL is in the log above");
                }
            }
            // A local core stops on these signals by itself (its updates then end); an
            // attached front end detaches.
            _ = signals.recv(), if !link.local => break,
        }
    }
    link.stop().await
}
