//! What a click in the tray menu means: menu item ids ↔ `Action`s, and how an action
//! changes the menu's settings. Pure, so the wiring's only job is to call `apply`.

use super::menu_model::{Group, MenuSettings, Sort};

/// Something the user asked for in the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Filter the menu and icon to one device (`None`: all devices).
    Device(Option<String>),
    Sort(Sort),
    Group(Group),
    /// Pause or resume the display (collection and history go on).
    TogglePause,
    /// Pause or resume alert notifications (alerts still show in the menu).
    ToggleAlerts,
    /// "Start at login" on or off.
    ToggleAutostart,
    /// "Show in dashboard" of the row in this slot.
    ShowRow(usize),
    OpenDashboard,
    /// "Enable per-process monitoring…": retry the helper through pkexec.
    EnablePerProcess,
    Quit,
}

// Item ids. Rows are "row:N" (their submenus) and "show:N"; devices "dev:NAME", with
// "dev:*" for all (`*` is not a valid device name, see `procfs::valid_device_name`).
pub const ID_HEADER: &str = "header";
pub const ID_STATUS: &str = "status";
pub const ID_POWER: &str = "power";
pub const ID_ENABLE: &str = "enable";
pub const ID_PLACEHOLDER: &str = "placeholder";
pub const ID_UNATTRIBUTED: &str = "unattributed";
pub const ID_DEVICES: &str = "devices";
pub const ID_SORT: &str = "sort";
pub const ID_GROUP: &str = "group";
pub const ID_PAUSE: &str = "pause";
pub const ID_ALERTS_PAUSE: &str = "alerts-pause";
pub const ID_AUTOSTART: &str = "autostart";
pub const ID_DASHBOARD: &str = "dashboard";
pub const ID_QUIT: &str = "quit";
const ALL_DEVICES: &str = "dev:*";

pub fn row_id(slot: usize) -> String {
    format!("row:{slot}")
}

pub fn alert_id(slot: usize) -> String {
    format!("alert:{slot}")
}

pub fn detail_id(slot: usize, line: usize) -> String {
    format!("row:{slot}:{line}")
}

pub fn show_id(slot: usize) -> String {
    format!("show:{slot}")
}

pub fn device_id(device: Option<&str>) -> String {
    match device {
        Some(d) => format!("dev:{d}"),
        None => ALL_DEVICES.to_string(),
    }
}

pub fn sort_id(s: Sort) -> &'static str {
    match s {
        Sort::Rate => "sort:rate",
        Sort::SessionTotal => "sort:session",
        Sort::Today => "sort:today",
    }
}

pub fn group_id(g: Group) -> &'static str {
    match g {
        Group::Apps => "group:apps",
        Group::Processes => "group:processes",
    }
}

/// The action of a clicked item; `None` for items that do nothing (labels, details).
pub fn parse(id: &str) -> Option<Action> {
    match id {
        ID_PAUSE => return Some(Action::TogglePause),
        ID_ALERTS_PAUSE => return Some(Action::ToggleAlerts),
        ID_AUTOSTART => return Some(Action::ToggleAutostart),
        ID_DASHBOARD => return Some(Action::OpenDashboard),
        ID_ENABLE => return Some(Action::EnablePerProcess),
        ID_QUIT => return Some(Action::Quit),
        ALL_DEVICES => return Some(Action::Device(None)),
        _ => {}
    }
    for s in [Sort::Rate, Sort::SessionTotal, Sort::Today] {
        if id == sort_id(s) {
            return Some(Action::Sort(s));
        }
    }
    for g in [Group::Apps, Group::Processes] {
        if id == group_id(g) {
            return Some(Action::Group(g));
        }
    }
    if let Some(d) = id.strip_prefix("dev:") {
        return (!d.is_empty()).then(|| Action::Device(Some(d.to_string())));
    }
    id.strip_prefix("show:")
        .and_then(|n| n.parse().ok())
        .map(Action::ShowRow)
}

/// Applies a settings action; true when the settings changed (the menu must be rebuilt).
/// Other actions (pause, quit …) are the event loop's and leave the settings alone.
pub fn apply(action: &Action, settings: &mut MenuSettings) -> bool {
    match action {
        Action::Device(d) if settings.device != *d => settings.device.clone_from(d),
        Action::Sort(s) if settings.sort != *s => settings.sort = *s,
        Action::Group(g) if settings.group != *g => settings.group = *g,
        Action::TogglePause => settings.paused = !settings.paused,
        Action::ToggleAlerts => settings.alerts_paused = !settings.alerts_paused,
        _ => return false,
    }
    true
}

/// A label for muda: its `&` marks a mnemonic, so a literal `&` (in a process name, say)
/// is written `&&`.
pub fn menu_text(label: &str) -> String {
    label.replace('&', "&&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_round_trips_to_its_action() {
        let cases = [
            (device_id(None), Action::Device(None)),
            (
                device_id(Some("wlan0")),
                Action::Device(Some("wlan0".into())),
            ),
            (sort_id(Sort::Rate).into(), Action::Sort(Sort::Rate)),
            (
                sort_id(Sort::SessionTotal).into(),
                Action::Sort(Sort::SessionTotal),
            ),
            (sort_id(Sort::Today).into(), Action::Sort(Sort::Today)),
            (group_id(Group::Apps).into(), Action::Group(Group::Apps)),
            (
                group_id(Group::Processes).into(),
                Action::Group(Group::Processes),
            ),
            (show_id(3), Action::ShowRow(3)),
            (ID_PAUSE.into(), Action::TogglePause),
            (ID_ALERTS_PAUSE.into(), Action::ToggleAlerts),
            (ID_AUTOSTART.into(), Action::ToggleAutostart),
            (ID_DASHBOARD.into(), Action::OpenDashboard),
            (ID_ENABLE.into(), Action::EnablePerProcess),
            (ID_QUIT.into(), Action::Quit),
        ];
        for (id, action) in cases {
            assert_eq!(parse(&id), Some(action), "{id}");
        }
    }

    #[test]
    fn labels_and_unknown_ids_do_nothing() {
        for id in [
            ID_HEADER,
            ID_STATUS,
            ID_POWER,
            ID_UNATTRIBUTED,
            ID_PLACEHOLDER,
            "row:0",
            "row:0:2",
            "dev:",
            "show:x",
            "sort:other",
            "",
        ] {
            assert_eq!(parse(id), None, "{id}");
        }
    }

    #[test]
    fn settings_change_only_when_the_choice_is_new() {
        let mut s = MenuSettings::default();
        assert!(!apply(&Action::Device(None), &mut s));
        assert!(apply(&Action::Device(Some("eth0".into())), &mut s));
        assert_eq!(s.device.as_deref(), Some("eth0"));
        assert!(!apply(&Action::Device(Some("eth0".into())), &mut s));
        assert!(apply(&Action::Sort(Sort::Today), &mut s));
        assert_eq!(s.sort, Sort::Today);
        assert!(apply(&Action::Group(Group::Processes), &mut s));
        assert!(apply(&Action::TogglePause, &mut s));
        assert!(s.paused);
        assert!(apply(&Action::TogglePause, &mut s));
        assert!(!s.paused);
        assert!(!apply(&Action::Quit, &mut s));
        assert!(!apply(&Action::ShowRow(0), &mut s));
    }

    #[test]
    fn ampersands_are_not_mnemonics() {
        assert_eq!(menu_text("R&D tool"), "R&&D tool");
        assert_eq!(menu_text("plain_name"), "plain_name");
    }
}
