//! [`NotificationServer`]: a desktop notification server owned by the test, on a private
//! session bus (e.g. [`super::desktop::Desktop::bus_address`]).
//!
//! It owns `org.freedesktop.Notifications` and serves the spec's interface (version 1.2)
//! at `/org/freedesktop/Notifications`, so the app's notify-rust finds it like a real
//! one. Every `Notify` call is recorded as a [`Call`] (read with
//! [`NotificationServer::calls`] or waited for with [`NotificationServer::wait_calls`]);
//! nothing is shown and nothing expires on its own. [`NotificationServer::invoke_action`]
//! plays the user clicking a button: it emits `ActionInvoked` and then
//! `NotificationClosed(id, 2)` from the server's connection, as real servers do.
//! The capability list is the test's choice: without "actions" the server is one that
//! shows no buttons (and [`NotificationServer::invoke_action`] refuses).
//!
//! [`NotificationServer::stop`] (or drop) releases the name and closes the connection, so
//! the same bus can then be used to check the app's behaviour without a server.
//!
//! The blocking zbus API used here runs its own runtime: do not call into this (nor drop
//! it) from a tokio runtime thread.

use super::{err, wait_until, Result};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Display;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use zbus::blocking::Connection;
use zbus::fdo::{RequestNameFlags, RequestNameReply};
use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};

/// The well-known name a notification server owns.
pub const NAME: &str = "org.freedesktop.Notifications";
/// The object the spec puts the interface on.
pub const PATH: &str = "/org/freedesktop/Notifications";
/// The interface (same string as the name).
pub const INTERFACE: &str = "org.freedesktop.Notifications";
/// `GetServerInformation`'s reply: name, vendor, version, spec version.
pub const SERVER_INFO: (&str, &str, &str, &str) = ("hogwatch-test", "hogwatch", "1", "1.2");

/// `NotificationClosed` reason: the notification expired.
pub const CLOSED_EXPIRED: u32 = 1;
/// `NotificationClosed` reason: dismissed by the user (also sent after an action).
pub const CLOSED_DISMISSED: u32 = 2;
/// `NotificationClosed` reason: closed by a `CloseNotification` call.
pub const CLOSED_BY_CALL: u32 = 3;

/// Bound of the server's own calls to the bus (RequestName, ReleaseName, lookups), so a
/// hung bus fails the test instead of stalling it.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// One `Notify` call as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The id returned to the caller.
    pub id: u32,
    /// Unique bus name of the caller (e.g. `:1.7`).
    pub sender: String,
    pub app_name: String,
    pub replaces_id: u32,
    pub app_icon: String,
    pub summary: String,
    pub body: String,
    /// Flat `key, label, key, label, …` as in the spec; see [`action_pairs`].
    pub actions: Vec<String>,
    /// Each hint rendered as text: strings as they are (no quotes), numbers and booleans
    /// in decimal / `true`/`false` (urgency `byte 2` is `"2"`), byte arrays as
    /// `<N bytes>` (image data), containers as `(…)`, `[…]`, `{k: v}`.
    pub hints: HashMap<String, String>,
    pub expire_timeout: i32,
}

/// The `(key, label)` pairs of a call's actions (an odd trailing key is dropped, as a
/// server would).
pub fn action_pairs(call: &Call) -> Vec<(String, String)> {
    call.actions
        .chunks_exact(2)
        .map(|kv| (kv[0].clone(), kv[1].clone()))
        .collect()
}

impl Call {
    /// [`action_pairs`] of this call.
    pub fn action_pairs(&self) -> Vec<(String, String)> {
        action_pairs(self)
    }

    /// One line for messages: id, app, summary, body, action keys.
    pub fn brief(&self) -> String {
        let keys: Vec<String> = self.action_pairs().into_iter().map(|(k, _)| k).collect();
        format!(
            "#{} (replaces {}) from {} app {:?}: {:?} / {:?}, actions {keys:?}",
            self.id, self.replaces_id, self.sender, self.app_name, self.summary, self.body
        )
    }
}

/// What the interface and the test share.
#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Ids shown and not closed yet.
    open: BTreeSet<u32>,
    /// Last id handed out (ids start at 1).
    last_id: u32,
    /// Ids of `CloseNotification` calls, in order (also refused ones).
    close_calls: Vec<u32>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide what was recorded.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The served object.
struct Notifications {
    state: Arc<Mutex<State>>,
    capabilities: Vec<String>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    // The argument list is the spec's.
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        #[zbus(header)] header: Header<'_>,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        expire_timeout: i32,
    ) -> u32 {
        let mut state = lock(&self.state);
        let id = if replaces_id != 0 {
            // The spec: the reply is replaces_id. Keep fresh ids clear of it.
            state.last_id = state.last_id.max(replaces_id);
            replaces_id
        } else {
            state.last_id += 1;
            state.last_id
        };
        state.open.insert(id);
        let hints = hints
            .iter()
            .map(|(k, v)| (k.clone(), render_hint(v)))
            .collect();
        state.calls.push(Call {
            id,
            sender: header.sender().map(|s| s.to_string()).unwrap_or_default(),
            app_name,
            replaces_id,
            app_icon,
            summary,
            body,
            actions,
            hints,
            expire_timeout,
        });
        id
    }

    /// The spec: closes and signals `NotificationClosed(id, 3)`; an id that is not shown
    /// gets an error reply.
    async fn close_notification(
        &self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        id: u32,
    ) -> zbus::fdo::Result<()> {
        let was_open = {
            let mut state = lock(&self.state);
            state.close_calls.push(id);
            state.open.remove(&id)
        };
        if !was_open {
            return Err(zbus::fdo::Error::Failed(format!(
                "notification {id} does not exist (or is closed)"
            )));
        }
        Self::notification_closed(&emitter, id, CLOSED_BY_CALL)
            .await
            .map_err(|e| zbus::fdo::Error::Failed(format!("NotificationClosed: {e}")))
    }

    fn get_capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        let (name, vendor, version, spec) = SERVER_INFO;
        (
            name.to_owned(),
            vendor.to_owned(),
            version.to_owned(),
            spec.to_owned(),
        )
    }

    // Declared so that they show in Introspect like a real server's.
    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// A running test notification server. See the module docs.
pub struct NotificationServer {
    conn: Option<Connection>,
    bus_address: String,
    unique_name: String,
    capabilities: Vec<String>,
    state: Arc<Mutex<State>>,
}

impl NotificationServer {
    /// Connects to the bus at `bus_address`, serves the interface and takes
    /// `org.freedesktop.Notifications`. Fails (naming the current owner) if another
    /// connection has the name: a test must not silently talk to someone else's server.
    pub fn start(bus_address: &str, capabilities: &[&str]) -> Result<NotificationServer> {
        let state = Arc::new(Mutex::new(State::default()));
        let iface = Notifications {
            state: Arc::clone(&state),
            capabilities: capabilities.iter().map(|c| (*c).to_owned()).collect(),
        };
        // The object is served before the name is taken, so a client that sees the name
        // always finds the object.
        let conn = zbus::blocking::connection::Builder::address(bus_address)
            .and_then(|b| b.method_timeout(CALL_TIMEOUT).serve_at(PATH, iface))
            .and_then(|b| b.build())
            .map_err(ctx(format!(
                "notification server: cannot connect to the bus at {bus_address}"
            )))?;
        let unique_name = conn
            .unique_name()
            .map(|n| n.to_string())
            .ok_or_else(|| err("notification server: the bus gave no unique name"))?;
        // DoNotQueue: waiting in line behind another server would make the test talk to
        // that one instead.
        let reply = conn.request_name_with_flags(NAME, RequestNameFlags::DoNotQueue.into());
        match reply {
            Ok(RequestNameReply::PrimaryOwner) | Ok(RequestNameReply::AlreadyOwner) => {}
            Ok(RequestNameReply::Exists) | Err(zbus::Error::NameTaken) => {
                let owner = describe_owner(&conn);
                let _ = conn.close();
                return Err(err(format!(
                    "notification server: {NAME} is already owned on {bus_address} by \
                     {owner}; stop that server first (or use a private bus)"
                )));
            }
            Ok(other) => {
                let _ = conn.close();
                return Err(err(format!(
                    "notification server: RequestName({NAME}) answered {other:?}"
                )));
            }
            Err(e) => {
                let _ = conn.close();
                return Err(err(format!(
                    "notification server: RequestName({NAME}) on {bus_address}: {e}"
                )));
            }
        }
        Ok(NotificationServer {
            conn: Some(conn),
            bus_address: bus_address.to_owned(),
            unique_name,
            capabilities: capabilities.iter().map(|c| (*c).to_owned()).collect(),
            state,
        })
    }

    /// The bus this server is on.
    pub fn bus_address(&self) -> &str {
        &self.bus_address
    }

    /// The server connection's unique name (the sender of its signals).
    pub fn unique_name(&self) -> &str {
        &self.unique_name
    }

    /// Whether the server still runs (not stopped).
    pub fn is_running(&self) -> bool {
        self.conn.is_some()
    }

    /// Every `Notify` call so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.state).calls.clone()
    }

    /// Ids of the notifications shown and not closed (by a call, an action or a stop).
    pub fn open_ids(&self) -> Vec<u32> {
        lock(&self.state).open.iter().copied().collect()
    }

    /// Ids passed to `CloseNotification`, in order (also those refused as unknown).
    pub fn close_calls(&self) -> Vec<u32> {
        lock(&self.state).close_calls.clone()
    }

    /// Waits until at least `n` `Notify` calls arrived; returns all of them. The error
    /// lists what did arrive.
    pub fn wait_calls(&self, n: usize, timeout: Duration) -> Result<Vec<Call>> {
        wait_until(&format!("{n} Notify call(s)"), timeout, || {
            let calls = self.calls();
            (calls.len() >= n).then_some(calls)
        })
        .map_err(|e| {
            let calls = self.calls();
            let got: Vec<String> = calls.iter().map(Call::brief).collect();
            err(format!(
                "{e}; {} arrived{}{}",
                calls.len(),
                if got.is_empty() { "" } else { ":\n  " },
                got.join("\n  ")
            ))
        })
    }

    /// Plays the user clicking the button `action_key` of notification `id`: emits
    /// `ActionInvoked(id, action_key)` and then `NotificationClosed(id, 2)` (broadcast,
    /// from the server's connection and object, as real servers do). Refused unless the
    /// server has the "actions" capability and the latest `Notify` of `id` offered that
    /// key, and the notification is still open: a real server could not emit it either.
    pub fn invoke_action(&self, id: u32, action_key: &str) -> Result<()> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| err("invoke_action: the notification server is stopped"))?;
        if !self.capabilities.iter().any(|c| c == "actions") {
            return Err(err(format!(
                "invoke_action({id}, {action_key:?}): this server has no \"actions\" \
                 capability (capabilities {:?}), so it shows no buttons",
                self.capabilities
            )));
        }
        {
            let state = lock(&self.state);
            let Some(call) = state.calls.iter().rev().find(|c| c.id == id) else {
                let got: Vec<String> = state.calls.iter().map(Call::brief).collect();
                return Err(err(format!(
                    "invoke_action: no notification {id} was shown; calls: {got:#?}"
                )));
            };
            if !call.action_pairs().iter().any(|(k, _)| k == action_key) {
                return Err(err(format!(
                    "invoke_action: notification {id} offers no action {action_key:?}; \
                     its actions: {:?}",
                    call.action_pairs()
                )));
            }
            if !state.open.contains(&id) {
                return Err(err(format!(
                    "invoke_action({id}, {action_key:?}): notification {id} is closed"
                )));
            }
        }
        let what = format!("emitting ActionInvoked({id}, {action_key:?})");
        conn.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "ActionInvoked",
            &(id, action_key),
        )
        .map_err(ctx(&what))?;
        lock(&self.state).open.remove(&id);
        conn.emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "NotificationClosed",
            &(id, CLOSED_DISMISSED),
        )
        .map_err(ctx(format!("emitting NotificationClosed({id}, 2)")))?;
        Ok(())
    }

    /// Releases the name and closes the connection; afterwards the bus has no
    /// notification server (unless another one starts). Idempotent; drop calls it too.
    pub fn stop(&mut self) -> Result<()> {
        let Some(conn) = self.conn.take() else {
            return Ok(());
        };
        // ReleaseName is answered once the bus has dropped the ownership, so a
        // NameHasOwner right after this returns false; closing alone would free the name
        // only once the bus notices the disconnection.
        let released = conn.release_name(NAME);
        let closed = conn.close();
        lock(&self.state).open.clear();
        match (released, closed) {
            (Ok(_), Ok(())) => Ok(()),
            (Err(e), _) => Err(err(format!(
                "notification server: ReleaseName({NAME}) on {}: {e}",
                self.bus_address
            ))),
            (_, Err(e)) => Err(err(format!(
                "notification server: closing the connection to {}: {e}",
                self.bus_address
            ))),
        }
    }
}

impl Drop for NotificationServer {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("[notifications] {e}");
        }
    }
}

fn ctx<E: Display>(what: impl Display) -> impl FnOnce(E) -> super::Error {
    move |e| err(format!("{what}: {e}"))
}

/// "`:1.4` (pid 123, `argv…`)" for the current owner of [`NAME`], as far as the bus tells.
fn describe_owner(conn: &Connection) -> String {
    let bus_call = |method: &str, arg: &str| {
        conn.call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            method,
            &(arg,),
        )
    };
    let Ok(owner) = bus_call("GetNameOwner", NAME).and_then(|m| m.body().deserialize::<String>())
    else {
        return "another connection (its name is unknown)".to_owned();
    };
    let pid =
        bus_call("GetConnectionUnixProcessID", &owner).and_then(|m| m.body().deserialize::<u32>());
    match pid {
        Ok(pid) => {
            let argv = super::proc_cmdline(pid).join(" ");
            format!("{owner} (pid {pid}: {argv})")
        }
        Err(_) => owner,
    }
}

/// Text of a hint value; see [`Call::hints`].
fn render_hint(v: &Value<'_>) -> String {
    match v {
        Value::Value(inner) => render_hint(inner),
        Value::Str(s) => s.to_string(),
        Value::ObjectPath(p) => p.to_string(),
        Value::Signature(s) => s.to_string(),
        _ => render_nested(v),
    }
}

/// Like [`render_hint`], but strings are quoted (inside containers).
fn render_nested(v: &Value<'_>) -> String {
    let list = |items: Vec<String>| items.join(", ");
    match v {
        Value::Value(inner) => render_nested(inner),
        Value::U8(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::I16(n) => n.to_string(),
        Value::U16(n) => n.to_string(),
        Value::I32(n) => n.to_string(),
        Value::U32(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::U64(n) => n.to_string(),
        Value::F64(n) => n.to_string(),
        Value::Str(s) => format!("{:?}", s.as_str()),
        Value::ObjectPath(p) => format!("{:?}", p.as_str()),
        Value::Signature(s) => format!("{:?}", s.to_string()),
        // Pixel data says nothing in a message; its size does.
        Value::Array(a) if a.element_signature().to_string() == "y" => {
            format!("<{} bytes>", a.len())
        }
        Value::Array(a) => format!("[{}]", list(a.inner().iter().map(render_nested).collect())),
        Value::Dict(d) => format!(
            "{{{}}}",
            list(
                d.iter()
                    .map(|(k, v)| format!("{}: {}", render_nested(k), render_nested(v)))
                    .collect()
            )
        ),
        Value::Structure(s) => {
            format!("({})", list(s.fields().iter().map(render_nested).collect()))
        }
        other => other.to_string(),
    }
}
