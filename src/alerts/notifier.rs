//! Delivering alerts as desktop notifications (org.freedesktop.Notifications, sent with
//! notify-rust), on a task of its own so a slow or missing notification server never
//! holds up the backend, and listening for the "Mute for 1 hour" action
//! (`ActionInvoked`) to hand it back. Where the server has no actions, the body says how
//! to mute from the tray instead. Without a server, nothing blocks: the alert stays in
//! the tray menu and the log.

use super::engine::Delivery;
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
const PATH: &str = "/org/freedesktop/Notifications";

async fn capabilities(conn: &zbus::Connection) -> Option<Vec<String>> {
    let call = conn.call_method(Some(IFACE), PATH, Some(IFACE), "GetCapabilities", &());
    let reply = tokio::time::timeout(SEND_FOR, call).await.ok()?.ok()?;
    reply.body().deserialize().ok()
}

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
    let mut actions: Option<bool> = None;
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
                if actions.is_none() {
                    actions = Some(capabilities(c).await.is_some_and(|caps| caps.iter().any(|x| x == "actions")));
                }
                let with_actions = actions == Some(true);
                let mut n = if with_actions {
                    crate::notify::notification(&summary, &body)
                } else {
                    crate::notify::notification(
                        &summary,
                        &format!("{body}\nMute alerts from the hogwatch menu (Pause alerts)."),
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
                        actions = None;
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
