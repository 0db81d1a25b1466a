//! Blocking D-Bus calls on the private bus (zbus), each bounded, with errors that name
//! the call.

use super::super::Result;
use super::ctx;
use std::time::Duration;
use zbus::zvariant::Value;

/// Bound of one D-Bus method call, so a hung peer fails a test instead of stalling it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn bus_connect(address: &str) -> Result<zbus::blocking::Connection> {
    bus_connect_with(address, CALL_TIMEOUT)
}

pub(super) fn bus_connect_with(
    address: &str,
    timeout: Duration,
) -> Result<zbus::blocking::Connection> {
    zbus::blocking::connection::Builder::address(address)
        .and_then(|b| b.method_timeout(timeout).build())
        .map_err(ctx(format!("cannot connect to the bus at {address}")))
}

/// Calls `iface.method(body)` on `dest` at `path` and deserializes the reply body.
pub(super) fn call<R, B>(
    conn: &zbus::blocking::Connection,
    dest: &str,
    path: &str,
    iface: &str,
    method: &str,
    body: &B,
) -> Result<R>
where
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    let what = format!("D-Bus {iface}.{method} on {dest} {path}");
    let msg = conn
        .call_method(Some(dest), path, Some(iface), method, body)
        .map_err(ctx(&what))?;
    msg.body().deserialize::<R>().map_err(ctx(&what))
}

/// A method of the bus itself (org.freedesktop.DBus).
pub(super) fn dbus_call<R, B>(
    conn: &zbus::blocking::Connection,
    method: &str,
    body: &B,
) -> Result<R>
where
    R: for<'d> serde::Deserialize<'d> + zbus::zvariant::Type,
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    call(
        conn,
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        method,
        body,
    )
}

/// Names of the child nodes in an introspection document (`<node name="x"/>`).
pub(super) fn child_nodes(xml: &str) -> Vec<String> {
    xml.split("<node name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|n| !n.is_empty() && !n.contains('/'))
        .map(str::to_owned)
        .collect()
}

/// The value inside any number of variant wrappers.
pub(super) fn variant_inner<'a, 'v>(v: &'a Value<'v>) -> &'a Value<'v> {
    let mut v = v;
    while let Value::Value(inner) = v {
        v = inner;
    }
    v
}
