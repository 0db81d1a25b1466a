//! A client of an app's StatusNotifierItem and its com.canonical.dbusmenu, as a tray
//! host sees them: finding the item a pid exports, reading the menu, clicking items,
//! reading the item's properties.

use super::super::{err, pid_alive, Result};
use super::bus::{bus_connect, bus_connect_with, call, child_nodes, dbus_call, variant_inner};
use super::menu::MenuNode;
use std::collections::HashMap;
use std::thread;
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedValue, Value};

/// Bound of an Introspect call while looking for an app's item (GDBus answers at once).
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// When a connection that did not answer Introspect is asked again.
const SILENT_RETRY: Duration = Duration::from_secs(5);

/// Menu properties asked from `GetLayout` (an empty list would mean "all").
const LAYOUT_PROPS: &[&str] = &[
    "label",
    "enabled",
    "visible",
    "type",
    "toggle-type",
    "toggle-state",
    "children-display",
];

const SNI_IFACE: &str = "org.kde.StatusNotifierItem";
pub(super) const WATCHER: &str = "org.kde.StatusNotifierWatcher";
const DBUSMENU_IFACE: &str = "com.canonical.dbusmenu";
const AYATANA_ROOT: &str = "/org/ayatana/NotificationItem";
/// Where pure-Rust items (ksni) export themselves.
const KSNI_PATH: &str = "/StatusNotifierItem";

/// Where an app's item is: unique bus name, item path, menu path.
struct FoundItem {
    name: String,
    item: String,
    menu: String,
}

/// A client of one StatusNotifierItem and its dbusmenu, as a tray host sees them.
pub struct TrayClient {
    conn: zbus::blocking::Connection,
    name: String,
    pid: u32,
    item_path: String,
    menu_path: String,
}

impl TrayClient {
    /// Connects to the bus at `bus_address` and waits up to `timeout` for process `pid`
    /// to export a StatusNotifierItem: libayatana's `/org/ayatana/NotificationItem/<id>`
    /// or ksni's `/StatusNotifierItem` (the first in name order if there are several).
    /// The menu path is the item's `Menu` property. Fails early if the process exits.
    pub fn find(bus_address: &str, pid: u32, timeout: Duration) -> Result<TrayClient> {
        let conn = bus_connect(bus_address)?;
        let probe = bus_connect_with(bus_address, PROBE_TIMEOUT)?;
        let mut silent = HashMap::new();
        let start = Instant::now();
        let mut last: String;
        loop {
            match TrayClient::try_find(&conn, &probe, pid, &mut silent) {
                Ok(Ok(found)) => {
                    return Ok(TrayClient {
                        conn,
                        name: found.name,
                        pid,
                        item_path: found.item,
                        menu_path: found.menu,
                    })
                }
                Ok(Err(why)) => last = why,
                Err(e) => last = e.0,
            }
            if !pid_alive(pid) {
                return Err(err(format!(
                    "process {pid} exited before exporting a tray item ({last})"
                )));
            }
            if start.elapsed() >= timeout {
                return Err(err(format!(
                    "no tray item of process {pid} on {bus_address} within {timeout:?}: {last}"
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// `Ok(Ok(item))`, or `Ok(Err(what is missing))`. The item is looked up like a tray
    /// host does, in the watcher's `RegisteredStatusNotifierItems`, when a watcher runs;
    /// else by introspecting each of the pid's connections. `silent` remembers when a
    /// connection did not answer Introspect (a zbus connection without an object server
    /// never does): it is asked again only after [`SILENT_RETRY`], so it does not cost
    /// [`PROBE_TIMEOUT`] every round (and a GDBus connection that was only busy is not
    /// given up).
    fn try_find(
        conn: &zbus::blocking::Connection,
        probe: &zbus::blocking::Connection,
        pid: u32,
        silent: &mut HashMap<String, Instant>,
    ) -> Result<std::result::Result<FoundItem, String>> {
        let names: Vec<String> = dbus_call(conn, "ListNames", &())?;
        // Never our own connections: they would have to answer their own Introspect.
        let ours: Vec<String> = [conn, probe]
            .iter()
            .filter_map(|c| c.unique_name().map(|n| n.to_string()))
            .collect();
        let mut owned = Vec::new();
        for n in names
            .iter()
            .filter(|n| n.starts_with(':') && !ours.contains(n))
        {
            // A connection may close between ListNames and this call.
            if dbus_call::<u32, _>(conn, "GetConnectionUnixProcessID", &(n,)).ok() == Some(pid) {
                owned.push(n.clone());
            }
        }
        if owned.is_empty() {
            return Ok(Err(format!(
                "no connection of pid {pid} on the bus ({} connections)",
                names.iter().filter(|n| n.starts_with(':')).count()
            )));
        }
        owned.sort();
        let mut candidates: Vec<(String, String)> = Vec::new();
        if names.iter().any(|n| n == WATCHER) {
            let registered: OwnedValue = call(
                conn,
                WATCHER,
                "/StatusNotifierWatcher",
                "org.freedesktop.DBus.Properties",
                "Get",
                &(WATCHER, "RegisteredStatusNotifierItems"),
            )?;
            let registered: Vec<String> = match &*registered {
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| match variant_inner(v) {
                        Value::Str(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for entry in registered {
                // libayatana registers "<unique name><path>", ksni a well-known name
                // (its item is then at /StatusNotifierItem).
                let (service, path) = match entry.find('/') {
                    Some(i) => (entry[..i].to_owned(), entry[i..].to_owned()),
                    None => (entry.clone(), KSNI_PATH.to_owned()),
                };
                let owner = if service.starts_with(':') {
                    Some(service)
                } else {
                    dbus_call::<String, _>(conn, "GetNameOwner", &(service.as_str(),)).ok()
                };
                if let Some(owner) = owner.filter(|o| owned.contains(o)) {
                    candidates.push((owner, path));
                }
            }
        }
        if candidates.is_empty() {
            for name in &owned {
                if silent.get(name).is_some_and(|t| t.elapsed() < SILENT_RETRY) {
                    continue;
                }
                let introspect = |path: &str| -> Result<String> {
                    call(
                        probe,
                        name,
                        path,
                        "org.freedesktop.DBus.Introspectable",
                        "Introspect",
                        &(),
                    )
                };
                let Ok(ayatana) = introspect(AYATANA_ROOT) else {
                    silent.insert(name.clone(), Instant::now());
                    continue;
                };
                silent.remove(name);
                for id in child_nodes(&ayatana) {
                    candidates.push((name.clone(), format!("{AYATANA_ROOT}/{id}")));
                }
                if introspect(KSNI_PATH).is_ok_and(|x| x.contains(SNI_IFACE)) {
                    candidates.push((name.clone(), KSNI_PATH.to_owned()));
                }
            }
        }
        candidates.sort();
        let Some((name, item)) = candidates.into_iter().next() else {
            let silent: Vec<&String> = owned.iter().filter(|n| silent.contains_key(*n)).collect();
            return Ok(Err(format!(
                "connections {owned:?} of pid {pid} export no item under {AYATANA_ROOT} or \
                 at {KSNI_PATH} (not answering Introspect: {silent:?})"
            )));
        };
        let menu: OwnedValue = call(
            conn,
            &name,
            &item,
            "org.freedesktop.DBus.Properties",
            "Get",
            &(SNI_IFACE, "Menu"),
        )?;
        let menu = match &*menu {
            Value::ObjectPath(p) => p.as_str().to_owned(),
            other => return Err(err(format!("{item}: Menu property is {other:?}"))),
        };
        Ok(Ok(FoundItem { name, item, menu }))
    }

    /// The app's unique bus name.
    pub fn bus_name(&self) -> &str {
        &self.name
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// e.g. `/org/ayatana/NotificationItem/tray_icon_tray_app_1234_1`.
    pub fn item_path(&self) -> &str {
        &self.item_path
    }

    /// e.g. `/org/ayatana/NotificationItem/tray_icon_tray_app_1234_1/Menu`.
    pub fn menu_path(&self) -> &str {
        &self.menu_path
    }

    /// The whole menu (`GetLayout(0, -1, …)`); the root node holds the top-level items.
    pub fn layout(&self) -> Result<MenuNode> {
        let (_revision, (id, props, children)): RawLayout = call(
            &self.conn,
            &self.name,
            &self.menu_path,
            DBUSMENU_IFACE,
            "GetLayout",
            &(0i32, -1i32, LAYOUT_PROPS.to_vec()),
        )?;
        let props: Vec<(&str, &Value<'_>)> = props
            .iter()
            .map(|(k, v)| (k.as_str(), variant_inner(v)))
            .collect();
        let children: Vec<&Value<'_>> = children.iter().map(|v| &**v).collect();
        MenuNode::from_parts(id, &props, &children)
    }

    /// Polls [`TrayClient::layout`] until `pred` holds; on timeout the error shows the
    /// last layout (or the last error).
    pub fn wait_layout(
        &self,
        timeout: Duration,
        pred: impl Fn(&MenuNode) -> bool,
    ) -> Result<MenuNode> {
        let start = Instant::now();
        let mut last: String;
        loop {
            match self.layout() {
                Ok(menu) if pred(&menu) => return Ok(menu),
                Ok(menu) => last = format!("last layout:\n{}", menu.dump()),
                Err(e) => last = format!("last error: {e}"),
            }
            if start.elapsed() >= timeout {
                return Err(err(format!(
                    "menu of pid {} did not reach the expected state within {timeout:?}; {last}",
                    self.pid
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends a dbusmenu event to item `id` (`Event(id, event, <int32 0>, 0)`).
    /// An app that exits while handling the event (Quit) cannot reply: the bus answers
    /// NoReply for it, which counts as delivered.
    pub fn event(&self, id: i32, event: &str) -> Result<()> {
        let res = self.conn.call_method(
            Some(self.name.as_str()),
            self.menu_path.as_str(),
            Some(DBUSMENU_IFACE),
            "Event",
            &(id, event, Value::I32(0), 0u32),
        );
        match res {
            Ok(_) => Ok(()),
            Err(zbus::Error::MethodError(name, _, _))
                if name.as_str() == "org.freedesktop.DBus.Error.NoReply" =>
            {
                Ok(())
            }
            Err(e) => Err(err(format!(
                "dbusmenu Event({id}, {event:?}) on {} {}: {e}",
                self.name, self.menu_path
            ))),
        }
    }

    /// Clicks item `id`, as a tray host does when the user picks it: the app receives
    /// the menu event (muda's `MenuEvent`; a CheckMenuItem toggles itself first).
    pub fn click(&self, id: i32) -> Result<()> {
        self.event(id, "clicked")
    }

    /// What a host does before showing (sub)menu `id`: `AboutToShow(id)` then the
    /// "opened" event. Not needed to read a libayatana/muda menu (GetLayout returns
    /// submenus complete); for apps that fill submenus lazily. Returns AboutToShow's
    /// "needs update".
    pub fn open_submenu(&self, id: i32) -> Result<bool> {
        let needs_update: bool = call(
            &self.conn,
            &self.name,
            &self.menu_path,
            DBUSMENU_IFACE,
            "AboutToShow",
            &(id,),
        )?;
        self.event(id, "opened")?;
        Ok(needs_update)
    }

    /// All `org.kde.StatusNotifierItem` properties (Id, Title, Status, IconName,
    /// IconThemePath, Menu, XAyatanaLabel, …).
    pub fn properties(&self) -> Result<HashMap<String, OwnedValue>> {
        call(
            &self.conn,
            &self.name,
            &self.item_path,
            "org.freedesktop.DBus.Properties",
            "GetAll",
            &(SNI_IFACE,),
        )
    }

    /// A string property of the item (`None` if absent or not a string).
    pub fn property_string(&self, name: &str) -> Result<Option<String>> {
        Ok(self.properties()?.get(name).and_then(|v| match &**v {
            Value::Str(s) => Some(s.to_string()),
            Value::ObjectPath(p) => Some(p.as_str().to_owned()),
            _ => None,
        }))
    }

    /// The item's label (libayatana's `XAyatanaLabel`, set by tray-icon's `set_title`).
    pub fn label(&self) -> Result<String> {
        self.property_string("XAyatanaLabel")?.ok_or_else(|| {
            err(format!(
                "item {} of pid {} has no XAyatanaLabel",
                self.item_path, self.pid
            ))
        })
    }

    /// Polls [`TrayClient::properties`] until `pred` holds, e.g. for a label change.
    pub fn wait_properties(
        &self,
        timeout: Duration,
        pred: impl Fn(&HashMap<String, OwnedValue>) -> bool,
    ) -> Result<HashMap<String, OwnedValue>> {
        let start = Instant::now();
        let mut last: String;
        loop {
            match self.properties() {
                Ok(p) if pred(&p) => return Ok(p),
                Ok(p) => {
                    let mut keys: Vec<_> = p.iter().collect();
                    keys.sort_by(|a, b| a.0.cmp(b.0));
                    // Icon pixmaps are large and say little: show their type only.
                    let shown: Vec<String> = keys
                        .into_iter()
                        .map(|(k, v)| match &**v {
                            Value::Array(_) => format!("{k}: <array>"),
                            other => format!("{k}: {other:?}"),
                        })
                        .collect();
                    last = format!("last properties: {}", shown.join(", "));
                }
                Err(e) => last = format!("last error: {e}"),
            }
            if start.elapsed() >= timeout {
                return Err(err(format!(
                    "item properties of pid {} not as expected within {timeout:?}; {last}",
                    self.pid
                )));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `GetLayout`'s reply: the layout revision and the root item, `(ia{sv}av)`.
type RawLayout = (u32, (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>));
