//! Alert rules from the config file (`[alerts]` and its `[[alerts.rule]]` tables): what
//! each rule watches and when it speaks. Reading never fails as a whole: a bad rule is
//! dropped with a message naming the rule, the key and the value, and the others work.

use crate::units::{parse_duration, parse_size};
use toml::{Table, Value};

/// Which way the bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    /// Either direction on its own (the larger one).
    Either,
    /// Up and down added.
    Total,
}

impl Direction {
    /// The figure of (up, down) this direction looks at.
    pub fn of(self, up: f64, down: f64) -> f64 {
        match self {
            Direction::Up => up,
            Direction::Down => down,
            Direction::Either => up.max(down),
            Direction::Total => up + down,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Direction::Up => "upload",
            Direction::Down => "download",
            Direction::Either => "traffic",
            Direction::Total => "traffic",
        }
    }
}

/// What a rule is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// All traffic (every device).
    Total,
    /// Each app on its own (`app = "*"`).
    AnyApp,
    /// One app, by its key (e.g. `/usr/bin/curl`) or its display name (`curl`).
    App(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    /// Billing months, starting on `history.billing_day`.
    Month,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A rate above `above` bytes/s for at least `for_s` seconds.
    Rate { above: f64, for_s: u64 },
    /// Bytes per period against `limit`, warning at each of `warn_at` percent.
    Quota {
        period: Period,
        limit: u64,
        warn_at: Vec<u32>,
    },
    /// An app moves its first bytes ever (per history).
    NewApp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub kind: Kind,
    pub subject: Subject,
    pub direction: Direction,
    /// Least time between two notifications of this rule (per app for `app = "*"`).
    pub cooldown_s: u64,
}

/// `[alerts]` settings and the rules that are on.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertConfig {
    pub enabled: bool,
    /// More notifications than this in a minute are folded into one summary.
    pub max_per_minute: u32,
    pub rules: Vec<Rule>,
}

pub const DEFAULT_COOLDOWN_S: u64 = 3600;
pub const DEFAULT_MAX_PER_MINUTE: u32 = 3;

impl Default for AlertConfig {
    /// The rules shipped on: only what cannot be noisy — one app uploading more than
    /// 5 MiB/s for two minutes (backups, sync, something leaking data), at most hourly.
    fn default() -> Self {
        AlertConfig {
            enabled: true,
            max_per_minute: DEFAULT_MAX_PER_MINUTE,
            rules: vec![Rule {
                name: "Heavy upload".into(),
                kind: Kind::Rate {
                    above: 5.0 * 1024.0 * 1024.0,
                    for_s: 120,
                },
                subject: Subject::AnyApp,
                direction: Direction::Up,
                cooldown_s: DEFAULT_COOLDOWN_S,
            }],
        }
    }
}

/// Reads the rules of `[alerts]` (`[[alerts.rule]]`); `None` when there are none in the
/// file (the default rules apply). Problems name the rule and the key. The section's
/// other keys (`enabled`, `max_per_minute`) are read with the rest of the config file.
pub fn parse(table: &Table, origin: &str) -> (Option<Vec<Rule>>, Vec<String>) {
    let mut problems = Vec::new();
    let Some(rules) = table
        .get("alerts")
        .and_then(Value::as_table)
        .and_then(|a| a.get("rule"))
    else {
        return (None, problems);
    };
    let Some(rules) = rules.as_array() else {
        problems.push(format!(
            "{origin}: alerts.rule must be [[alerts.rule]] tables; using the default rules"
        ));
        return (None, problems);
    };
    let mut out = Vec::new();
    let mut names = std::collections::HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        match rule(r, i) {
            Ok(Some(rule)) => {
                if names.insert(rule.name.clone()) {
                    out.push(rule);
                } else {
                    problems.push(format!(
                        "{origin}: alert rule {:?}: another rule has this name; this one is skipped",
                        rule.name
                    ));
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(format!("{origin}: {e}; this rule is skipped")),
        }
    }
    (Some(out), problems)
}

/// One rule; `Ok(None)` when it is switched off (`enabled = false`).
fn rule(v: &Value, index: usize) -> Result<Option<Rule>, String> {
    let t = v
        .as_table()
        .ok_or_else(|| format!("alert rule #{}: not a table", index + 1))?;
    let name = match t.get("name").and_then(Value::as_str) {
        Some(n) if !n.trim().is_empty() => crate::text::truncate(n.trim(), 60),
        _ => return Err(format!("alert rule #{}: key `name` is missing", index + 1)),
    };
    let bad = |key: &str, value: &Value, why: &str| {
        format!("alert rule {name:?}: key `{key}` = {value}: {why}")
    };
    let str_of = |key: &str| -> Result<Option<&str>, String> {
        match t.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| bad(key, v, "expected a string")),
        }
    };
    let known: &[&str] = &[
        "name",
        "kind",
        "app",
        "direction",
        "above",
        "for",
        "period",
        "limit",
        "warn_at",
        "cooldown",
        "enabled",
    ];
    if let Some(k) = t.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(format!("alert rule {name:?}: unknown key `{k}`"));
    }
    if let Some(e) = t.get("enabled") {
        match e.as_bool() {
            Some(false) => return Ok(None),
            Some(true) => {}
            None => return Err(bad("enabled", e, "expected true or false")),
        }
    }
    let subject = match str_of("app")? {
        None => Subject::Total,
        Some("*") => Subject::AnyApp,
        Some(a) if !a.trim().is_empty() => Subject::App(a.trim().to_string()),
        Some(_) => return Err(bad("app", &t["app"], "expected \"*\" or an app's name")),
    };
    let direction = match str_of("direction")? {
        None | Some("total") => Direction::Total,
        Some("up") => Direction::Up,
        Some("down") => Direction::Down,
        Some("either") => Direction::Either,
        Some(_) => {
            return Err(bad(
                "direction",
                &t["direction"],
                "expected \"up\", \"down\", \"either\" or \"total\"",
            ))
        }
    };
    let duration = |key: &str| -> Result<Option<u64>, String> {
        match str_of(key)? {
            None => Ok(None),
            Some(s) => parse_duration(s)
                .ok()
                .filter(|d| *d > 0)
                .map(|d| Some(d as u64))
                .ok_or_else(|| {
                    bad(
                        key,
                        &t[key],
                        "expected a duration like \"30s\", \"2m\" or \"1h\"",
                    )
                }),
        }
    };
    let size = |key: &str, rate: bool| -> Result<f64, String> {
        let s =
            str_of(key)?.ok_or_else(|| format!("alert rule {name:?}: key `{key}` is missing"))?;
        parse_size(s, rate).map_err(|why| {
            bad(
                key,
                &t[key],
                &format!(
                    "{why} (write a size like {})",
                    if rate {
                        "\"5 MiB/s\""
                    } else {
                        "\"50 GB\" or \"1.5 GiB\""
                    }
                ),
            )
        })
    };
    let cooldown_s = duration("cooldown")?.unwrap_or(DEFAULT_COOLDOWN_S);
    let kind = match str_of("kind")? {
        Some("rate") => Kind::Rate {
            above: size("above", true)?,
            for_s: duration("for")?.unwrap_or(30),
        },
        Some("quota") => {
            let period = match str_of("period")? {
                Some("day") => Period::Day,
                None | Some("month") => Period::Month,
                Some(_) => {
                    return Err(bad("period", &t["period"], "expected \"day\" or \"month\""))
                }
            };
            if subject == Subject::AnyApp {
                return Err(bad(
                    "app",
                    &t["app"],
                    "a quota is for all traffic or one app, not \"*\"",
                ));
            }
            let warn_at = match t.get("warn_at") {
                None => vec![80, 100],
                Some(v) => {
                    let list: Option<Vec<u32>> = v.as_array().and_then(|a| {
                        a.iter()
                            .map(|x| {
                                x.as_integer()
                                    .filter(|p| (1..=1000).contains(p))
                                    .map(|p| p as u32)
                            })
                            .collect()
                    });
                    match list {
                        Some(mut l) if !l.is_empty() => {
                            l.sort_unstable();
                            l.dedup();
                            l
                        }
                        _ => return Err(bad("warn_at", v, "expected percentages like [80, 100]")),
                    }
                }
            };
            Kind::Quota {
                period,
                limit: size("limit", false)? as u64,
                warn_at,
            }
        }
        Some("new_app") => Kind::NewApp,
        Some(_) => {
            return Err(bad(
                "kind",
                &t["kind"],
                "expected \"rate\", \"quota\" or \"new_app\"",
            ))
        }
        None => return Err(format!("alert rule {name:?}: key `kind` is missing")),
    };
    Ok(Some(Rule {
        name,
        kind,
        subject,
        direction,
        cooldown_s,
    }))
}
