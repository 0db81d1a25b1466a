//! The system bus's word on power: UPower's `OnBattery` (read once, then followed through
//! `PropertiesChanged`) and logind's `PrepareForSleep`. Both wait on signals: nothing
//! here wakes while the power does not change.

use super::PowerState;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

const UPOWER: &str = "org.freedesktop.UPower";
const UPOWER_PATH: &str = "/org/freedesktop/UPower";
const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
const LOGIND_PATH: &str = "/org/freedesktop/login1";

/// Follows UPower's `OnBattery` into `state` until the bus connection ends. `followed` is
/// true while UPower answers (the sysfs fallback stands aside). Errs when UPower does
/// not answer at all (not installed, no system bus).
pub async fn follow_upower(
    conn: &zbus::Connection,
    state: &watch::Sender<PowerState>,
    followed: &AtomicBool,
) -> zbus::Result<()> {
    let props = zbus::fdo::PropertiesProxy::builder(conn)
        .destination(UPOWER)?
        .path(UPOWER_PATH)?
        .build()
        .await?;
    // Subscribed before the first read, so a change between the two is not lost.
    let mut changes = props.receive_properties_changed().await?;
    let iface = zbus::names::InterfaceName::try_from(UPOWER)?;
    let read = |v: zbus::zvariant::OwnedValue| bool::try_from(v).map_err(zbus::Error::from);
    let on = read(props.get(iface.clone(), "OnBattery").await?)?;
    set_on_battery(state, on);
    followed.store(true, Ordering::SeqCst);
    tracing::info!(on_battery = on, "following UPower");
    while let Some(signal) = changes.next().await {
        let Ok(args) = signal.args() else {
            continue;
        };
        if args.interface_name().as_str() != UPOWER {
            continue;
        }
        let on = match args.changed_properties().get("OnBattery") {
            Some(v) => bool::try_from(v).ok(),
            None if args.invalidated_properties().contains(&"OnBattery") => props
                .get(iface.clone(), "OnBattery")
                .await
                .ok()
                .and_then(|v| read(v).ok()),
            None => None,
        };
        if let Some(on) = on {
            tracing::info!(on_battery = on, "UPower: power changed");
            set_on_battery(state, on);
        }
    }
    followed.store(false, Ordering::SeqCst);
    Ok(())
}

/// Counts logind's `PrepareForSleep(true)` into `state.sleeps` until the connection ends.
pub async fn follow_logind(
    conn: &zbus::Connection,
    state: &watch::Sender<PowerState>,
) -> zbus::Result<()> {
    count_sleeps(logind_signals(conn).await?, state).await;
    Ok(())
}

/// logind's `PrepareForSleep` signals on `conn`, subscribed (the bus has the match) when
/// this returns. Any peer on the system bus could send one: the worst it can do is make
/// whoever holds data in memory write it out early.
pub async fn logind_signals(conn: &zbus::Connection) -> zbus::Result<zbus::MessageStream> {
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(LOGIND_MANAGER)?
        .member("PrepareForSleep")?
        .path(LOGIND_PATH)?
        .build();
    zbus::MessageStream::for_match_rule(rule, conn, Some(16)).await
}

/// Each `PrepareForSleep(true)` (about to sleep; `false` is the wake-up) bumps `sleeps`.
pub async fn count_sleeps(mut signals: zbus::MessageStream, state: &watch::Sender<PowerState>) {
    while let Some(msg) = signals.next().await {
        let Ok(msg) = msg else {
            continue;
        };
        if msg.body().deserialize::<bool>().unwrap_or(false) {
            tracing::info!("logind: the system is about to sleep");
            state.send_modify(|s| s.sleeps = s.sleeps.wrapping_add(1));
        }
    }
}

/// Sets `on_battery`, telling watchers only when it changed.
pub fn set_on_battery(state: &watch::Sender<PowerState>, on: bool) {
    state.send_if_modified(|s| {
        let changed = s.on_battery != on;
        s.on_battery = on;
        changed
    });
}

/// Connects to the system bus (`DBUS_SYSTEM_BUS_ADDRESS`, else the standard socket) and
/// follows UPower and logind on it, each in its own task; returns at once. Where there
/// is no bus, or no UPower, the sysfs fallback decides.
pub fn spawn(state: Arc<watch::Sender<PowerState>>, followed: Arc<AtomicBool>) {
    tokio::spawn(async move {
        let conn = match zbus::Connection::system().await {
            Ok(c) => c,
            Err(e) => {
                tracing::info!(
                    "no system bus ({e}): on battery or not from /sys/class/power_supply"
                );
                return;
            }
        };
        let (c, s) = (conn.clone(), Arc::clone(&state));
        tokio::spawn(async move {
            if let Err(e) = follow_logind(&c, &s).await {
                tracing::info!("logind's sleep signal is not followed: {e}");
            }
        });
        if let Err(e) = follow_upower(&conn, &state, &followed).await {
            tracing::info!("no UPower ({e}): on battery or not from /sys/class/power_supply");
        }
    });
}
