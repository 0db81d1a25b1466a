//! The config file, `$XDG_CONFIG_HOME/hogwatch/config.toml`: written with defaults on
//! first run, read key by key so one bad value costs only that key. Loading never fails:
//! every problem becomes a message that names the key and the value, and the default is
//! used for that key.

use crate::units::parse_duration;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// How the tray orders its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Rate,
    Session,
    Today,
}

/// Settings from the file (command-line flags override them).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub interval: u64,
    /// Seconds between refreshes on battery (`monitor.battery_interval`).
    pub battery_interval: u64,
    /// Where per-process data comes from (`monitor.backend`): nethogs or ebpf.
    pub backend: crate::collect::source::SourceSpec,
    /// Empty: every up, non-loopback device.
    pub devices: Vec<String>,
    pub include_loopback: bool,
    pub top_n: usize,
    pub sort: Sort,
    /// Group processes into apps in the menu.
    pub group_apps: bool,
    pub history_max_mb: u64,
    /// Seconds between history writes on mains (the crash-safety point).
    pub history_write_every: u64,
    pub billing_day: u32,
    /// Retention of 10-second, minute and hour buckets, seconds.
    pub retention: (i64, i64, i64),
    pub alerts: crate::alerts::rules::AlertConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interval: 1,
            battery_interval: 2,
            backend: crate::collect::source::SourceSpec::Nethogs,
            devices: Vec::new(),
            include_loopback: false,
            top_n: 5,
            sort: Sort::Rate,
            group_apps: true,
            history_max_mb: 200,
            history_write_every: 90,
            billing_day: 1,
            retention: (86_400, 30 * 86_400, 365 * 86_400),
            alerts: crate::alerts::rules::AlertConfig::default(),
        }
    }
}

/// The file written on first run: every key with its default and what it means.
pub const DEFAULT_FILE: &str = r#"# hogwatch configuration. Delete a line to get its default back.
# Command-line flags override these values.

[monitor]
interval = 1              # seconds between refreshes, 1-60
battery_interval = 2      # seconds between refreshes on battery, 1-60 (never below interval)
backend = "nethogs"       # "nethogs", or "ebpf" (a kernel program; `hogwatch doctor` says if it works)
devices = []              # e.g. ["eth0", "wlan0"]; empty = every up, non-loopback device
include_loopback = false  # nethogs counts loopback traffic only as sent

[tray]
top_n = 5                 # rows in the menu, 1-20
sort = "rate"             # "rate", "session" (bytes since start) or "today"
group = "apps"            # "apps" (processes of one program together) or "processes"

[history]
max_mb = 200              # size cap of the history file, MiB
retention = "1d,30d,365d" # how long 10-second, minute and hour buckets are kept
write_every = 90          # seconds between writes, 5-3600 (a crash loses at most this; x5 on battery)
billing_day = 1           # day of the month (1-28) a billing month starts

[alerts]
enabled = true            # false: no notifications (the menu still lists active alerts)
max_per_minute = 3        # more become one summary notification

# Each [[alerts.rule]] has a name and a kind: "rate", "quota" or "new_app".
#   app = "*" (each app on its own), an app's name or path; omit it for all traffic
#   direction = "up", "down", "either" or "total" (up + down)
#   rate:  above = "5 MiB/s", for = "2m"
#   quota: period = "day" or "month" (from history.billing_day), limit = "50 GB",
#          warn_at = [80, 100] (percent)
#   cooldown = "1h" (least time between two notifications of the rule)
# Sizes: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
[[alerts.rule]]
name = "Heavy upload"
kind = "rate"
app = "*"
direction = "up"
above = "5 MiB/s"
for = "2m"

# [[alerts.rule]]
# name = "Monthly data plan"
# kind = "quota"
# period = "month"
# direction = "total"
# limit = "50 GB"
# warn_at = [80, 100]

# [[alerts.rule]]
# name = "New app on the network"
# kind = "new_app"
"#;

/// What loading found.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub config: Config,
    /// One line per problem: file, key, value, and what was used instead.
    pub problems: Vec<String>,
    /// The file did not exist and was written with the defaults.
    pub created: bool,
}

/// `$XDG_CONFIG_HOME/hogwatch/config.toml`, else `~/.config/hogwatch/config.toml`.
pub fn default_path() -> Option<PathBuf> {
    xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("config.toml"))
}

/// hogwatch's folder under an XDG base directory: `$VAR/hogwatch` when VAR is an
/// absolute path (the spec says to ignore relative ones), else `~/FALLBACK/hogwatch`.
pub fn xdg_dir(var: &str, home_fallback: &str) -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env(var)
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|h| h.join(home_fallback)))
        .map(|d| d.join("hogwatch"))
}

/// Loads `path`; when it does not exist and `create` is set, writes the defaults there.
pub fn load(path: &Path, create: bool) -> Loaded {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let (config, problems) = parse(&text, &path.display().to_string());
            Loaded {
                config,
                problems,
                created: false,
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut problems = Vec::new();
            let created = create
                && match write_default(path) {
                    Ok(()) => true,
                    Err(e) => {
                        problems.push(format!(
                            "{}: cannot write the default config: {e}",
                            path.display()
                        ));
                        false
                    }
                };
            Loaded {
                config: Config::default(),
                problems,
                created,
            }
        }
        Err(e) => Loaded {
            config: Config::default(),
            problems: vec![format!(
                "{}: cannot read ({e}); using defaults",
                path.display()
            )],
            created: false,
        },
    }
}

fn write_default(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // create_new: never overwrite a file another process just wrote.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    std::io::Write::write_all(&mut f, DEFAULT_FILE.as_bytes())
}

/// Parses config text; `origin` names it in messages.
pub fn parse(text: &str, origin: &str) -> (Config, Vec<String>) {
    let mut c = Config::default();
    let mut problems = Vec::new();
    let table: Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let msg = e.message().to_owned();
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            problems.push(match line {
                Some(l) => format!("{origin}: line {l}: {msg}; using all defaults"),
                None => format!("{origin}: {msg}; using all defaults"),
            });
            return (c, problems);
        }
    };
    let mut r = Reader {
        table: &table,
        origin,
        problems: &mut problems,
    };
    if let Some(v) = r.int("monitor", "interval", 1, 60) {
        c.interval = v as u64;
    }
    if let Some(v) = r.int("monitor", "battery_interval", 1, 60) {
        c.battery_interval = v as u64;
    }
    if let Some(v) = r.choice("monitor", "backend", &["nethogs", "ebpf"]) {
        c.backend = match v {
            "ebpf" => crate::collect::source::SourceSpec::Ebpf,
            _ => crate::collect::source::SourceSpec::Nethogs,
        };
    }
    if let Some(v) = r.devices() {
        c.devices = v;
    }
    if let Some(v) = r.boolean("monitor", "include_loopback") {
        c.include_loopback = v;
    }
    if let Some(v) = r.int("tray", "top_n", 1, 20) {
        c.top_n = v as usize;
    }
    if let Some(v) = r.choice("tray", "sort", &["rate", "session", "today"]) {
        c.sort = match v {
            "session" => Sort::Session,
            "today" => Sort::Today,
            _ => Sort::Rate,
        };
    }
    if let Some(v) = r.choice("tray", "group", &["apps", "processes"]) {
        c.group_apps = v == "apps";
    }
    if let Some(v) = r.int("history", "max_mb", 1, 1_000_000) {
        c.history_max_mb = v as u64;
    }
    if let Some(v) = r.int("history", "write_every", 5, 3600) {
        c.history_write_every = v as u64;
    }
    if let Some(v) = r.int("history", "billing_day", 1, 28) {
        c.billing_day = v as u32;
    }
    if let Some(v) = r.retention() {
        c.retention = v;
    }
    r.unknown_keys(&[
        (
            "monitor",
            &[
                "interval",
                "battery_interval",
                "backend",
                "devices",
                "include_loopback",
            ],
        ),
        ("tray", &["top_n", "sort", "group"]),
        (
            "history",
            &["max_mb", "retention", "write_every", "billing_day"],
        ),
        ("alerts", &["enabled", "max_per_minute", "rule"]),
    ]);
    if let Some(v) = r.boolean("alerts", "enabled") {
        c.alerts.enabled = v;
    }
    if let Some(v) = r.int("alerts", "max_per_minute", 1, 60) {
        c.alerts.max_per_minute = v as u32;
    }
    let (rules, more) = crate::alerts::rules::parse(&table, origin);
    if let Some(rules) = rules {
        c.alerts.rules = rules;
    }
    problems.extend(more);
    (c, problems)
}

struct Reader<'a> {
    table: &'a Table,
    origin: &'a str,
    problems: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn get(&self, section: &str, key: &str) -> Option<&Value> {
        self.table.get(section)?.as_table()?.get(key)
    }

    fn bad(&mut self, section: &str, key: &str, value: &Value, why: &str) {
        self.problems.push(format!(
            "{}: {section}.{key} = {value}: {why}; using the default",
            self.origin
        ));
    }

    fn int(&mut self, section: &str, key: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.get(section, key)?.clone();
        match v.as_integer() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.bad(
                    section,
                    key,
                    &v,
                    &format!("expected a whole number from {min} to {max}"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, section: &str, key: &str) -> Option<bool> {
        let v = self.get(section, key)?.clone();
        v.as_bool().or_else(|| {
            self.bad(section, key, &v, "expected true or false");
            None
        })
    }

    fn choice(
        &mut self,
        section: &str,
        key: &str,
        allowed: &[&'static str],
    ) -> Option<&'static str> {
        let v = self.get(section, key)?.clone();
        let found = v
            .as_str()
            .and_then(|s| allowed.iter().find(|a| **a == s).copied());
        if found.is_none() {
            let list: Vec<String> = allowed.iter().map(|a| format!("\"{a}\"")).collect();
            self.bad(
                section,
                key,
                &v,
                &format!("expected one of {}", list.join(", ")),
            );
        }
        found
    }

    fn devices(&mut self) -> Option<Vec<String>> {
        let v = self.get("monitor", "devices")?.clone();
        let list: Option<Vec<String>> = v.as_array().and_then(|a| {
            a.iter()
                .map(|d| {
                    d.as_str()
                        .filter(|s| crate::collect::procfs::valid_device_name(s))
                        .map(str::to_owned)
                })
                .collect()
        });
        if list.is_none() {
            self.bad(
                "monitor",
                "devices",
                &v,
                "expected a list of device names like [\"eth0\"]",
            );
        }
        list
    }

    fn retention(&mut self) -> Option<(i64, i64, i64)> {
        let v = self.get("history", "retention")?.clone();
        let parsed = v.as_str().and_then(|s| {
            let d: Vec<i64> = s
                .split(',')
                .map(parse_duration)
                .collect::<Result<_, _>>()
                .ok()?;
            match d[..] {
                [f, m, h] => Some((f, m, h)),
                _ => None,
            }
        });
        if parsed.is_none() {
            self.bad(
                "history",
                "retention",
                &v,
                "expected \"FINE,MINUTE,HOUR\" durations like \"1d,30d,365d\"",
            );
        }
        parsed
    }

    fn unknown_keys(&mut self, known: &[(&str, &[&str])]) {
        for (section, value) in self.table {
            let Some(keys) = known.iter().find(|(s, _)| s == section).map(|k| k.1) else {
                self.problems.push(format!(
                    "{}: unknown section [{section}] (ignored)",
                    self.origin
                ));
                continue;
            };
            if let Some(t) = value.as_table() {
                for k in t.keys().filter(|k| !keys.contains(&k.as_str())) {
                    self.problems.push(format!(
                        "{}: unknown key {section}.{k} (ignored)",
                        self.origin
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
