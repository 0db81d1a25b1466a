//! The tray menu's widgets (muda): built once, then updated in place from each
//! `MenuModel` — labels change, items are inserted or removed only where the model's
//! shape changed, so the open menu neither flickers nor jumps. GUI thread only (muda's
//! items are not `Send`). Rows' labels are also set in the GTK widgets themselves, which
//! muda's `Submenu::set_text` leaves unchanged (see `relabel_submenu_item`).

use super::actions::{self, menu_text};
use super::menu_model::{DeviceChoice, Group, MenuModel, MenuSettings, Sort, MAX_ALERTS};
use gtk::prelude::*;
use tray_icon::menu::{
    CheckMenuItem, ContextMenu, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu,
};

/// Row slots made up front: the most rows `top_n` may ask for.
pub const MAX_ROWS: usize = 20;
/// Detail lines a row's submenu can show (see `menu_model/labels.rs`, `details`).
const MAX_DETAILS: usize = 10;

/// The items between the header and the settings, in menu order; each shown or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Status,
    Power,
    Enable,
    Row(usize),
    Placeholder,
    Unattributed,
    Alert(usize),
}

struct RowSlot {
    sub: Submenu,
    details: Vec<MenuItem>,
    shown_details: usize,
    show: MenuItem,
}

pub struct MenuView {
    pub menu: Menu,
    header: MenuItem,
    status: MenuItem,
    power: MenuItem,
    enable: MenuItem,
    rows: Vec<RowSlot>,
    placeholder: MenuItem,
    unattributed: MenuItem,
    alerts: Vec<MenuItem>,
    alerts_pause: MenuItem,
    autostart: CheckMenuItem,
    devices: Submenu,
    device_items: Vec<(Option<String>, CheckMenuItem)>,
    sort_items: Vec<(Sort, CheckMenuItem)>,
    group_items: Vec<(Group, CheckMenuItem)>,
    pause: MenuItem,
    dashboard: MenuItem,
    /// The dynamic items now in the menu, in order (after the header).
    shown: Vec<Slot>,
    /// The app key of the row in each shown slot, for "Show in dashboard".
    pub row_apps: Vec<String>,
}

fn info(id: String, text: &str) -> MenuItem {
    MenuItem::with_id(id, menu_text(text), false, None)
}

/// Sets a label only when it changed (every change is a D-Bus signal to the tray host).
fn set_text(item: &MenuItem, text: &str) {
    let text = menu_text(text);
    if item.text() != text.replace("&&", "&") {
        item.set_text(text);
    }
}

/// A row's label as its GTK label holds it. muda writes mnemonics with `&` (`&&` for a
/// plain `&`, which `menu_text` makes of every `&`) and turns them into GTK's `_` (`__`
/// for a plain `_`) on a label that uses underlines: a hogwatch label's `&` comes out as
/// it is, its `_` doubled.
fn gtk_label_text(label: &str) -> String {
    label.replace('_', "__")
}

/// Sets a row's label in its GTK widget, `item` in the GTK menu the tray exports.
///
/// Works around muda 0.21.2 (the newest release; `src/platform_impl/gtk/mod.rs`,
/// `PlatformMenuItem::set_text`): it calls `gtk_menu_item_set_label`, which changes only a
/// `GtkLabel` child, but muda builds a submenu's `GtkMenuItem` around a `GtkBox` (icon and
/// `GtkAccelLabel`), so `Submenu::set_text` changed neither the screen nor the menu
/// libdbusmenu exports to the tray host: rows kept their first rates. The label in the box
/// is the widget both show. Any other widget tree (a muda that builds submenus otherwise)
/// is left alone: this is a no-op once muda sets that label itself, and can then go.
fn relabel_submenu_item(item: &gtk::Widget, text: &str) {
    let Some(item) = item.downcast_ref::<gtk::MenuItem>() else {
        return;
    };
    if item.submenu().is_none() {
        return;
    }
    let Some(content) = item.child().and_then(|c| c.downcast::<gtk::Box>().ok()) else {
        return;
    };
    // The GtkAccelLabel is a GtkLabel; a label unchanged stays untouched (no D-Bus signal).
    for label in content
        .children()
        .into_iter()
        .filter_map(|c| c.downcast::<gtk::Label>().ok())
    {
        if label.label() != text {
            label.set_label(text);
        }
    }
}

fn set_checked(item: &CheckMenuItem, checked: bool) {
    // A check item toggles itself when clicked: always restore the model's state.
    if item.is_checked() != checked {
        item.set_checked(checked);
    }
}

impl MenuView {
    /// The full menu, with no rows yet. Errors come from the toolkit (should not happen).
    pub fn new(settings: &MenuSettings) -> tray_icon::menu::Result<Self> {
        let menu = Menu::new();
        let header = info(actions::ID_HEADER.into(), "hogwatch: starting…");
        let status = info(actions::ID_STATUS.into(), "");
        let power = info(actions::ID_POWER.into(), "");
        let enable = MenuItem::with_id(
            actions::ID_ENABLE,
            "Enable per-process monitoring…",
            true,
            None,
        );
        let rows = (0..MAX_ROWS)
            .map(|slot| {
                let sub = Submenu::with_id(actions::row_id(slot), "", true);
                let details: Vec<MenuItem> = (0..MAX_DETAILS)
                    .map(|line| info(actions::detail_id(slot, line), ""))
                    .collect();
                sub.append(&PredefinedMenuItem::separator())?;
                // Enabled once the dashboard server listens.
                let show =
                    MenuItem::with_id(actions::show_id(slot), "Show in dashboard", false, None);
                sub.append(&show)?;
                Ok(RowSlot {
                    sub,
                    details,
                    shown_details: 0,
                    show,
                })
            })
            .collect::<tray_icon::menu::Result<Vec<_>>>()?;
        let placeholder = info(actions::ID_PLACEHOLDER.into(), "");
        let unattributed = info(actions::ID_UNATTRIBUTED.into(), "");
        let alerts = (0..MAX_ALERTS)
            .map(|i| info(actions::alert_id(i), ""))
            .collect();
        let alerts_pause = MenuItem::with_id(actions::ID_ALERTS_PAUSE, "Pause alerts", true, None);
        let autostart =
            CheckMenuItem::with_id(actions::ID_AUTOSTART, "Start at login", false, false, None);

        let devices = Submenu::with_id(actions::ID_DEVICES, "Device", true);
        let sort = Submenu::with_id(actions::ID_SORT, "Sort by", true);
        let sort_items = [
            (Sort::Rate, "Current rate"),
            (Sort::SessionTotal, "Transferred since start"),
            (Sort::Today, "Transferred today"),
        ]
        .into_iter()
        .map(|(s, label)| {
            let item =
                CheckMenuItem::with_id(actions::sort_id(s), label, true, settings.sort == s, None);
            sort.append(&item).map(|()| (s, item))
        })
        .collect::<tray_icon::menu::Result<Vec<_>>>()?;
        let group = Submenu::with_id(actions::ID_GROUP, "Show", true);
        let group_items = [
            (Group::Apps, "Apps (processes together)"),
            (Group::Processes, "Processes"),
        ]
        .into_iter()
        .map(|(g, label)| {
            let item = CheckMenuItem::with_id(
                actions::group_id(g),
                label,
                true,
                settings.group == g,
                None,
            );
            group.append(&item).map(|()| (g, item))
        })
        .collect::<tray_icon::menu::Result<Vec<_>>>()?;
        let pause = MenuItem::with_id(actions::ID_PAUSE, "Pause", true, None);
        // Enabled once the dashboard server listens.
        let dashboard = MenuItem::with_id(actions::ID_DASHBOARD, "Open dashboard", false, None);
        let quit = MenuItem::with_id(actions::ID_QUIT, "Quit", true, None);

        menu.append(&header)?;
        menu.append_items(&[
            &PredefinedMenuItem::separator(),
            &devices,
            &sort,
            &group,
            &PredefinedMenuItem::separator(),
            &pause,
            &alerts_pause,
            &autostart,
            &dashboard,
            &quit,
        ])?;
        let dashboard_item = dashboard;
        Ok(MenuView {
            menu,
            header,
            status,
            power,
            enable,
            rows,
            placeholder,
            unattributed,
            alerts,
            alerts_pause,
            autostart,
            devices,
            device_items: Vec::new(),
            sort_items,
            group_items,
            pause,
            dashboard: dashboard_item,
            shown: Vec::new(),
            row_apps: Vec::new(),
        })
    }

    /// The dashboard server listens: its items work.
    pub fn enable_dashboard(&self) {
        self.dashboard.set_enabled(true);
        for r in &self.rows {
            r.show.set_enabled(true);
        }
    }

    fn item(&self, slot: Slot) -> &dyn IsMenuItem {
        match slot {
            Slot::Status => &self.status,
            Slot::Power => &self.power,
            Slot::Enable => &self.enable,
            Slot::Row(i) => &self.rows[i].sub,
            Slot::Placeholder => &self.placeholder,
            Slot::Unattributed => &self.unattributed,
            Slot::Alert(i) => &self.alerts[i],
        }
    }

    /// Makes the menu say what `m` says.
    pub fn apply(&mut self, m: &MenuModel, settings: &MenuSettings) {
        set_text(&self.header, &m.header);
        let mut want = Vec::new();
        if let Some(s) = &m.status {
            set_text(&self.status, s);
            want.push(Slot::Status);
        }
        if let Some(p) = &m.power {
            set_text(&self.power, p);
            want.push(Slot::Power);
        }
        if m.offer_enable_per_process {
            want.push(Slot::Enable);
        }
        self.row_apps.clear();
        let mut relabelled = Vec::new();
        for (i, row) in m.rows.iter().take(MAX_ROWS).enumerate() {
            let slot = &mut self.rows[i];
            // muda keeps the text as given (`&` doubled) and gives it back from `text()`.
            let label = menu_text(&row.label);
            if slot.sub.text() != label {
                slot.sub.set_text(&label);
                relabelled.push((i, gtk_label_text(&row.label)));
            }
            let n = row.details.len().min(MAX_DETAILS);
            for (item, line) in slot.details.iter().zip(&row.details) {
                set_text(item, line);
            }
            // Details are inserted/removed at the top of the submenu, before the
            // separator and "Show in dashboard".
            while slot.shown_details > n {
                slot.shown_details -= 1;
                let _ = slot.sub.remove(&slot.details[slot.shown_details]);
            }
            while slot.shown_details < n {
                let _ = slot
                    .sub
                    .insert(&slot.details[slot.shown_details], slot.shown_details);
                slot.shown_details += 1;
            }
            self.row_apps.push(row.app.clone());
            want.push(Slot::Row(i));
        }
        if let Some(p) = &m.placeholder {
            set_text(&self.placeholder, p);
            want.push(Slot::Placeholder);
        }
        if let Some(u) = &m.unattributed {
            set_text(&self.unattributed, u);
            want.push(Slot::Unattributed);
        }
        for (i, line) in m.alerts.iter().take(MAX_ALERTS).enumerate() {
            set_text(&self.alerts[i], line);
            want.push(Slot::Alert(i));
        }
        self.reconcile(&want);
        self.relabel_gtk_rows(&relabelled);
        self.apply_devices(&m.devices);
        set_text(&self.pause, m.pause_label);
        set_text(&self.alerts_pause, m.alerts_pause_label);
        if self.autostart.is_enabled() != m.autostart.is_some() {
            self.autostart.set_enabled(m.autostart.is_some());
        }
        set_checked(&self.autostart, m.autostart == Some(true));
        for (s, item) in &self.sort_items {
            set_checked(item, settings.sort == *s);
        }
        for (g, item) in &self.group_items {
            set_checked(item, settings.group == *g);
        }
    }

    /// Removes the slots not wanted, then inserts the missing ones at their place: both
    /// lists are in `Slot` order, so what stays keeps its relative order.
    fn reconcile(&mut self, want: &[Slot]) {
        if self.shown == want {
            return;
        }
        let mut shown = std::mem::take(&mut self.shown);
        shown.retain(|s| {
            let keep = want.contains(s);
            if !keep {
                let _ = self.menu.remove(self.item(*s));
            }
            keep
        });
        for (i, s) in want.iter().enumerate() {
            if shown.get(i) != Some(s) {
                // Position 0 is the header.
                let _ = self.menu.insert(self.item(*s), i + 1);
                shown.insert(i, *s);
            }
        }
        self.shown = shown;
    }

    /// Sets the rows' new labels in the GTK menu the tray exports (the same one tray-icon
    /// took from `gtk_context_menu`), where each row sits at its place in `shown`. A row
    /// inserted just now was built with its new label already.
    fn relabel_gtk_rows(&self, rows: &[(usize, String)]) {
        if rows.is_empty() {
            return;
        }
        let items = self.menu.gtk_context_menu().children();
        for (row, text) in rows {
            let Some(at) = self.shown.iter().position(|s| *s == Slot::Row(*row)) else {
                continue;
            };
            // Position 0 is the header.
            if let Some(item) = items.get(at + 1) {
                relabel_submenu_item(item, text);
            }
        }
    }

    /// The device submenu: rebuilt only when the set of devices changes.
    fn apply_devices(&mut self, choices: &[DeviceChoice]) {
        let same = self.device_items.len() == choices.len()
            && self
                .device_items
                .iter()
                .zip(choices)
                .all(|((d, _), c)| *d == c.device);
        if !same {
            for (_, item) in self.device_items.drain(..) {
                let _ = self.devices.remove(&item);
            }
            for c in choices {
                let item = CheckMenuItem::with_id(
                    actions::device_id(c.device.as_deref()),
                    menu_text(&c.label),
                    true,
                    c.selected,
                    None,
                );
                let _ = self.devices.append(&item);
                self.device_items.push((c.device.clone(), item));
            }
        }
        for ((_, item), c) in self.device_items.iter().zip(choices) {
            if item.text() != c.label {
                item.set_text(menu_text(&c.label));
            }
            set_checked(item, c.selected);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtk_labels_double_underscores_and_keep_ampersands() {
        assert_eq!(
            gtk_label_text("my_app & co  ↓ 1.0 KiB/s"),
            "my__app & co  ↓ 1.0 KiB/s"
        );
    }
}
