//! On battery or not, from `/sys/class/power_supply`: the fallback where UPower does not
//! answer. Read when the collector refreshes (a few small files), never on a timer of
//! its own: sysfs sends no change events a user process could wait on cheaply.

use std::path::Path;

/// One entry of `/sys/class/power_supply` (what matters of it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Supply {
    /// `type`: "Mains", "USB", "Battery", "UPS", "Wireless"…
    pub kind: String,
    /// `online` (adapters): 1 = it powers the machine.
    pub online: Option<bool>,
    /// `present` (batteries); absent counts as present.
    pub present: Option<bool>,
    /// `scope`: "Device" for a mouse's or a headset's battery, which says nothing about
    /// what powers this machine.
    pub scope: String,
    /// `status` (batteries): "Charging", "Discharging", "Full", "Not charging"…
    pub status: String,
}

impl Supply {
    fn is_system_battery(&self) -> bool {
        self.kind == "Battery" && self.present != Some(false) && self.scope != "Device"
    }

    fn is_adapter(&self) -> bool {
        self.kind != "Battery" && self.scope != "Device"
    }
}

/// On battery: a battery of this machine is present and no adapter is online — with
/// adapters listed, all report offline; with none listed (some laptops list only the
/// battery), the battery says it discharges. No battery: on mains (a desktop, a server).
pub fn on_battery(supplies: &[Supply]) -> bool {
    if !supplies.iter().any(Supply::is_system_battery) {
        return false;
    }
    let adapters: Vec<&Supply> = supplies.iter().filter(|s| s.is_adapter()).collect();
    if adapters.iter().any(|a| a.online == Some(true)) {
        return false;
    }
    if adapters.iter().any(|a| a.online.is_some()) {
        return true;
    }
    supplies
        .iter()
        .filter(|s| s.is_system_battery())
        .any(|s| s.status == "Discharging")
}

/// Reads every supply under `root` (normally `/sys/class/power_supply`); a missing
/// folder or file is simply not there (containers, desktops).
pub fn read(root: &Path) -> Vec<Supply> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let field = |dir: &Path, name: &str| -> Option<String> {
        let text = std::fs::read_to_string(dir.join(name)).ok()?;
        Some(text.trim().to_owned())
    };
    let flag = |dir: &Path, name: &str| -> Option<bool> {
        match field(dir, name)?.as_str() {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    };
    let mut out: Vec<Supply> = entries
        .flatten()
        .map(|e| e.path())
        .filter_map(|dir| {
            Some(Supply {
                kind: field(&dir, "type")?,
                online: flag(&dir, "online"),
                present: flag(&dir, "present"),
                scope: field(&dir, "scope").unwrap_or_default(),
                status: field(&dir, "status").unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.kind.cmp(&b.kind));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn supply(kind: &str, online: Option<bool>, status: &str) -> Supply {
        Supply {
            kind: kind.into(),
            online,
            status: status.into(),
            ..Supply::default()
        }
    }

    #[test]
    fn a_laptop_unplugged_is_on_battery_and_plugged_in_is_not() {
        let unplugged = [
            supply("Mains", Some(false), ""),
            supply("Battery", None, "Discharging"),
        ];
        assert!(on_battery(&unplugged));
        let plugged = [
            supply("Mains", Some(true), ""),
            supply("Battery", None, "Charging"),
        ];
        assert!(!on_battery(&plugged));
        // USB-C power delivery shows as a USB supply.
        let usb_c = [
            supply("Mains", Some(false), ""),
            supply("USB", Some(true), ""),
            supply("Battery", None, "Not charging"),
        ];
        assert!(!on_battery(&usb_c));
    }

    #[test]
    fn no_battery_is_mains_and_a_mouse_battery_does_not_count() {
        assert!(!on_battery(&[]));
        assert!(!on_battery(&[supply("Mains", Some(false), "")]));
        let mouse = Supply {
            scope: "Device".into(),
            ..supply("Battery", None, "Discharging")
        };
        assert!(!on_battery(&[supply("Mains", Some(false), ""), mouse]));
        let absent = Supply {
            present: Some(false),
            ..supply("Battery", None, "Unknown")
        };
        assert!(!on_battery(&[supply("Mains", Some(false), ""), absent]));
    }

    #[test]
    fn without_adapters_the_battery_status_decides() {
        assert!(on_battery(&[supply("Battery", None, "Discharging")]));
        assert!(!on_battery(&[supply("Battery", None, "Full")]));
    }

    #[test]
    fn reads_a_sysfs_like_tree_and_skips_what_is_not_there() {
        let dir = std::env::temp_dir().join(format!("hogwatch-sysfs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let write = |name: &str, files: &[(&str, &str)]| {
            let d = dir.join(name);
            std::fs::create_dir_all(&d).unwrap();
            for (f, v) in files {
                std::fs::write(d.join(f), format!("{v}\n")).unwrap();
            }
        };
        write("AC", &[("type", "Mains"), ("online", "0")]);
        write(
            "BAT0",
            &[
                ("type", "Battery"),
                ("present", "1"),
                ("status", "Discharging"),
            ],
        );
        write(
            "hidpp_battery_0",
            &[("type", "Battery"), ("scope", "Device")],
        );
        write("junk", &[("online", "1")]); // no type: not a supply
        let found = read(&dir);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(on_battery(&found));
        write("AC", &[("online", "1")]);
        assert!(!on_battery(&read(&dir)));
        assert!(read(&dir.join("missing")).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
