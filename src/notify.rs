//! Desktop notifications (org.freedesktop.Notifications over D-Bus, via notify-rust), sent
//! from the async side only: a missing or hung notification server costs a log line,
//! never a stuck GUI thread.

use std::time::Duration;

/// Longest wait for the notification server.
const SEND_FOR: Duration = Duration::from_secs(5);

/// A notification from hogwatch: its app name and icon, `summary` and `body`.
pub fn notification(summary: &str, body: &str) -> notify_rust::Notification {
    let mut n = notify_rust::Notification::new();
    n.appname("hogwatch")
        .summary(summary)
        .body(body)
        .icon("network-transmit-receive");
    n
}

/// Shows a notification; failures (no server, no session bus) are logged, not returned.
pub async fn show(summary: &str, body: &str) {
    let n = notification(summary, body);
    match tokio::time::timeout(SEND_FOR, n.show_async()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::info!("no notification shown ({e}): {summary}"),
        Err(_) => tracing::info!("the notification server did not answer: {summary}"),
    }
}
