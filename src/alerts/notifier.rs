//! Delivering alerts as desktop notifications (org.freedesktop.Notifications, sent with
//! notify-rust), on a task of its own so a slow or missing notification server never
//! holds up the backend, and listening for the "Mute for 1 hour" action
//! (`ActionInvoked`) to hand it back. Where the server has no actions, the body says how
//! to mute from the tray instead. Without a server, nothing blocks: the alert stays in
//! the tray menu and the log. Bodies name other programs: they are escaped for a server
//! that reads markup (see `crate::notify`).

use super::engine::Delivery;
use crate::notify::{capabilities, Capabilities};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

pub const ACTION_MUTE: &str = "mute-1h";
pub const ACTION_DASHBOARD: &str = "open-dashboard";
const SEND_FOR: Duration = Duration::from_secs(5);
/// Notifications whose actions are still remembered (older ids are forgotten).
const REMEMBERED: usize = 64;

/// What came back from the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// "Mute for 1 hour" on a notification about these rules.
    Mute(Vec<String>),
    /// "Open dashboard".
    OpenDashboard,
}

const IFACE: &str = "org.freedesktop.Notifications";

/// Runs until `deliveries` closes: shows each delivery, forwards action clicks to
/// `replies`.
pub async fn run(
    mut deliveries: mpsc::UnboundedReceiver<Delivery>,
    replies: mpsc::UnboundedSender<Reply>,
) {
    let conn = match zbus::Connection::session().await {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::info!("no session bus ({e}): alerts show in the tray menu and the log only");
            None
        }
    };
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(IFACE)
        .and_then(|b| b.member("ActionInvoked"))
        .map(|b| b.build());
    let mut signals = match (&conn, rule) {
        (Some(c), Ok(rule)) => zbus::MessageStream::for_match_rule(rule, c, Some(16))
            .await
            .ok(),
        _ => None,
    };
    let mut sent: HashMap<u32, Vec<String>> = HashMap::new();
    let mut order: Vec<u32> = Vec::new();
    // Asked before the first notification, and again after one failed (the server may
    // have changed).
    let mut caps: Option<Capabilities> = None;
    loop {
        tokio::select! {
            d = deliveries.recv() => {
                let Some(d) = d else { break };
                let (summary, body, rules) = match d {
                    Delivery::One(a) => (a.summary, a.body, vec![a.rule]),
                    Delivery::Summary { summary, body, rules } => (summary, body, rules),
                };
                tracing::warn!("alert: {} — {}", crate::text::printable(&summary), crate::text::printable(&body));
                let Some(c) = &conn else { continue };
                if caps.is_none() {
                    caps = Some(capabilities(c).await.unwrap_or(Capabilities::UNKNOWN));
                }
                let can = caps.unwrap_or(Capabilities::UNKNOWN);
                let with_actions = can.actions;
                let mut n = if with_actions {
                    crate::notify::notification(&summary, &body, can)
                } else {
                    crate::notify::notification(
                        &summary,
                        &format!("{body}\nMute alerts from the hogwatch menu (Pause alerts)."),
                        can,
                    )
                };
                if with_actions {
                    n.action(ACTION_DASHBOARD, "Open dashboard")
                        .action(ACTION_MUTE, "Mute for 1 hour");
                }
                match tokio::time::timeout(SEND_FOR, n.show_async()).await {
                    Ok(Ok(handle)) => {
                        sent.insert(handle.id(), rules);
                        order.push(handle.id());
                        if order.len() > REMEMBERED {
                            let old = order.remove(0);
                            sent.remove(&old);
                        }
                        // Dropping the handle leaves the notification up.
                    }
                    Ok(Err(e)) => {
                        tracing::info!("no notification shown ({e}); the alert is in the tray menu");
                        caps = None;
                    }
                    Err(_) => tracing::info!("the notification server did not answer; the alert is in the tray menu"),
                }
            }
            Some(msg) = next_signal(&mut signals) => {
                let Ok((id, key)) = msg.body().deserialize::<(u32, String)>() else { continue };
                // Only our own notifications' buttons count.
                let Some(rules) = sent.get(&id) else { continue };
                match key.as_str() {
                    ACTION_MUTE => {
                        let _ = replies.send(Reply::Mute(rules.clone()));
                    }
                    ACTION_DASHBOARD => {
                        let _ = replies.send(Reply::OpenDashboard);
                    }
                    _ => {}
                }
            }
        }
    }
}

async fn next_signal(s: &mut Option<zbus::MessageStream>) -> Option<zbus::Message> {
    match s {
        Some(s) => s.next().await.and_then(Result::ok),
        None => std::future::pending().await,
    }
}
