//! A fake UPower and a fake logind on a private bus (a test's session bus given to
//! hogwatch as its system bus, `DBUS_SYSTEM_BUS_ADDRESS`).
//!
//! [`FakeUPower`] owns `org.freedesktop.UPower` and serves its `OnBattery` property at
//! `/org/freedesktop/UPower`; [`FakeUPower::set_on_battery`] changes it and emits
//! `PropertiesChanged` as UPower does. [`FakeLogind`] owns `org.freedesktop.login1` and
//! emits `PrepareForSleep` from `/org/freedesktop/login1`.
//!
//! The blocking zbus API used here runs its own runtime: do not call into this from a
//! tokio runtime thread.

use super::{err, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use zbus::blocking::Connection;
use zbus::zvariant::Value;

pub const UPOWER: &str = "org.freedesktop.UPower";
const UPOWER_PATH: &str = "/org/freedesktop/UPower";
pub const LOGIND: &str = "org.freedesktop.login1";
const LOGIND_PATH: &str = "/org/freedesktop/login1";

struct UPowerIface {
    on_battery: Arc<Mutex<bool>>,
}

#[zbus::interface(name = "org.freedesktop.UPower")]
impl UPowerIface {
    #[zbus(property)]
    fn on_battery(&self) -> bool {
        *self.on_battery.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Serves `iface` at `path` on the bus at `address` and takes `name` (the object first, so
/// whoever sees the name finds it).
fn serve<I: zbus::object_server::Interface>(
    address: &str,
    name: &str,
    path: &str,
    iface: Option<I>,
) -> Result<Connection> {
    let what = |e: zbus::Error| err(format!("fake {name} on {address}: {e}"));
    let mut b = zbus::blocking::connection::Builder::address(address).map_err(what)?;
    if let Some(iface) = iface {
        b = b.serve_at(path, iface).map_err(what)?;
    }
    b.name(name).map_err(what)?.build().map_err(what)
}

/// UPower as far as hogwatch asks it: `OnBattery`.
pub struct FakeUPower {
    conn: Connection,
    on_battery: Arc<Mutex<bool>>,
}

impl FakeUPower {
    pub fn start(bus_address: &str, on_battery: bool) -> Result<FakeUPower> {
        let state = Arc::new(Mutex::new(on_battery));
        let iface = UPowerIface {
            on_battery: Arc::clone(&state),
        };
        let conn = serve(bus_address, UPOWER, UPOWER_PATH, Some(iface))?;
        Ok(FakeUPower {
            conn,
            on_battery: state,
        })
    }

    /// Unplugged (true) or plugged in: the property changes and `PropertiesChanged`
    /// says so.
    pub fn set_on_battery(&self, on: bool) -> Result<()> {
        *self.on_battery.lock().unwrap_or_else(|p| p.into_inner()) = on;
        let changed: HashMap<&str, Value<'_>> = HashMap::from([("OnBattery", Value::from(on))]);
        self.conn
            .emit_signal(
                None::<&str>,
                UPOWER_PATH,
                "org.freedesktop.DBus.Properties",
                "PropertiesChanged",
                &(UPOWER, changed, Vec::<&str>::new()),
            )
            .map_err(|e| err(format!("fake UPower: PropertiesChanged: {e}")))
    }
}

/// logind as far as hogwatch listens to it: `PrepareForSleep`.
pub struct FakeLogind {
    conn: Connection,
}

impl FakeLogind {
    pub fn start(bus_address: &str) -> Result<FakeLogind> {
        let conn = serve::<UPowerIface>(bus_address, LOGIND, LOGIND_PATH, None)?;
        Ok(FakeLogind { conn })
    }

    /// `PrepareForSleep(start)`: true before the system sleeps, false after it woke.
    pub fn prepare_for_sleep(&self, start: bool) -> Result<()> {
        self.conn
            .emit_signal(
                None::<&str>,
                LOGIND_PATH,
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                &start,
            )
            .map_err(|e| err(format!("fake logind: PrepareForSleep: {e}")))
    }
}
