//! The alert engine: every rule evaluated against each snapshot and the day's and billing
//! month's totals, with time injected. It decides what to say and when — per-rule state
//! machines, quotas once per period (remembered across restarts through `Persisted`),
//! mutes, a global pause, and a rate limit that folds a storm into one summary — and
//! leaves delivery to the notifier. Pure.
//!
//! What it keeps per app is bounded, whatever other users' processes do: state machines
//! for at most `MAX_TRACKED` apps per rule (the fastest), display names only of apps in
//! the snapshot or the period's totals, a bounded set of known apps (`known`), and at most
//! `MAX_HELD` alerts held back by the rate limit (the rest are counted).

use super::known::KnownApps;
use super::machine::{Machine, Step};
use super::quota;
use super::rules::{AlertConfig, Direction, Kind, Period, Rule, Subject};
use crate::clock::Mono;
use crate::model::Snapshot;
use crate::model::Totals;
use crate::store::tiers::Zone;
use crate::units;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// What the engine remembers across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persisted {
    /// Per quota rule: the period it last fired in, and the levels fired there.
    pub quotas: BTreeMap<String, (String, Vec<u32>)>,
    /// Per rule: muted until this Unix time (seconds).
    pub mutes: BTreeMap<String, i64>,
}

/// One alert, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The rule's name (what "Mute for 1 hour" mutes).
    pub rule: String,
    pub summary: String,
    pub body: String,
}

/// What to deliver after a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    One(Alert),
    /// Several alerts at once (or held back by the rate limit): one notification.
    Summary {
        summary: String,
        body: String,
        rules: Vec<String>,
    },
}

/// What the engine looks at, once per refresh.
pub struct Inputs<'a> {
    pub snapshot: &'a Snapshot,
    /// Totals's and this billing month's totals (history before this run + this run).
    pub day: &'a Totals,
    pub month: &'a Totals,
    pub now: Mono,
    /// Wall-clock Unix seconds.
    pub now_s: i64,
    /// The break in time before this refresh (`Refresh::gap_ms`), 0 if none: rates on it
    /// span the break, so rate rules only restart their holds.
    pub gap_ms: u64,
}

const WINDOW_MS: u64 = 60_000;
/// Apps an `app = "*"` rate rule follows at most: the fastest of the snapshot.
pub const MAX_TRACKED: usize = 500;
/// Alerts held back by the rate limit at most; the summary counts the others.
pub const MAX_HELD: usize = 20;
/// Display names remembered before those of apps no longer in view are dropped.
pub const MAX_NAMES: usize = 2_000;
/// New-app alerts wait this long after start (the first snapshots show every app).
const NEW_APP_WARMUP_MS: u64 = 60_000;

pub struct Engine {
    cfg: AlertConfig,
    zone: Zone,
    billing_day: u32,
    machines: HashMap<(usize, String), Machine>,
    /// Display names of app keys seen (for app quotas named by display name).
    names: HashMap<String, String>,
    /// Apps history (or this run) has seen; `None` when history is off (no new-app rule).
    known_apps: Option<KnownApps>,
    started: Mono,
    persisted: Persisted,
    dirty: bool,
    paused: bool,
    delivered: VecDeque<Mono>,
    held: Vec<Alert>,
    /// Alerts held back beyond `MAX_HELD`: how many, and their rules.
    held_more: usize,
    held_more_rules: Vec<String>,
    /// Current alerts by a stable key: (rule, menu line).
    active: BTreeMap<String, (String, String)>,
}

fn dur_words(ms: u64) -> String {
    let s = ms / 1000;
    if s < 120 {
        format!("{s} s")
    } else if s < 7200 {
        format!("{} min", s / 60)
    } else {
        format!("{} h", s / 3600)
    }
}

fn quoted(name: &str) -> String {
    format!("“{name}”")
}

impl Engine {
    /// `known_apps`: app keys history has seen (`None` without history: the new-app
    /// rule then stays silent rather than calling every app new).
    pub fn new(
        cfg: AlertConfig,
        zone: Zone,
        billing_day: u32,
        persisted: Persisted,
        known_apps: Option<HashSet<String>>,
        now: Mono,
    ) -> Self {
        Engine {
            cfg,
            zone,
            billing_day,
            machines: HashMap::new(),
            names: HashMap::new(),
            known_apps: known_apps.map(KnownApps::new),
            started: now,
            persisted,
            dirty: false,
            paused: false,
            delivered: VecDeque::new(),
            held: Vec::new(),
            held_more: 0,
            held_more_rules: Vec::new(),
            active: BTreeMap::new(),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.cfg.rules
    }

    /// The state to save, when it changed since the last call.
    pub fn take_dirty(&mut self) -> Option<Persisted> {
        std::mem::take(&mut self.dirty).then(|| self.persisted.clone())
    }

    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Silences `rule` until `until_s` (Unix seconds); its alerts still show in the menu.
    pub fn mute(&mut self, rule: &str, until_s: i64) {
        if self.cfg.rules.iter().any(|r| r.name == rule) {
            self.persisted.mutes.insert(rule.to_string(), until_s);
            self.dirty = true;
        }
    }

    pub fn muted(&self, rule: &str, now_s: i64) -> bool {
        self.persisted.mutes.get(rule).is_some_and(|u| *u > now_s)
    }

    /// Menu lines for the alerts that are current, in a stable order; muted ones say so.
    pub fn active(&self, now_s: i64) -> Vec<String> {
        self.active
            .values()
            .map(|(rule, line)| {
                if self.muted(rule, now_s) {
                    format!("{line} · muted")
                } else {
                    line.clone()
                }
            })
            .collect()
    }

    /// Evaluates every rule on this refresh; returns what to notify now.
    pub fn observe(&mut self, inp: &Inputs) -> Vec<Delivery> {
        for p in &inp.snapshot.processes {
            if !self.names.contains_key(&p.app) {
                self.names.insert(p.app.clone(), p.app_name.clone());
            }
        }
        self.persisted.mutes.retain(|_, until| *until > inp.now_s);
        let mut fresh = Vec::new();
        let rules = self.cfg.rules.clone();
        for (i, rule) in rules.iter().enumerate() {
            match &rule.kind {
                Kind::Rate { above, for_s } => {
                    self.rate_rule(i, rule, *above, *for_s, inp, &mut fresh)
                }
                Kind::Quota {
                    period,
                    limit,
                    warn_at,
                } => self.quota_rule(rule, *period, *limit, warn_at, inp, &mut fresh),
                Kind::NewApp => self.new_app_rule(rule, inp, &mut fresh),
            }
        }
        if self.names.len() > MAX_NAMES {
            // Only the names of apps that can still count for a quota: in view, or in the
            // period's totals (bounded: see `model::totals`).
            let in_view: HashSet<&str> = inp
                .snapshot
                .processes
                .iter()
                .map(|p| p.app.as_str())
                .collect();
            self.names.retain(|k, _| {
                in_view.contains(k.as_str())
                    || inp.day.apps.contains_key(k)
                    || inp.month.apps.contains_key(k)
            });
        }
        if !self.cfg.enabled || self.paused {
            return Vec::new();
        }
        fresh.retain(|a| !self.muted(&a.rule, inp.now_s));
        self.limit(fresh, inp.now)
    }

    /// Sizes of what the engine keeps per app or alert: (state machines, display names,
    /// known apps, held alerts).
    pub fn kept(&self) -> (usize, usize, usize, usize) {
        (
            self.machines.len(),
            self.names.len(),
            self.known_apps.as_ref().map_or(0, KnownApps::len),
            self.held.len(),
        )
    }

    /// The rate limit: at most `max_per_minute` notifications in any minute; several
    /// alerts at once, or what was held back, go out as one summary.
    fn limit(&mut self, fresh: Vec<Alert>, now: Mono) -> Vec<Delivery> {
        while self
            .delivered
            .front()
            .is_some_and(|t| now.since(*t) >= WINDOW_MS)
        {
            self.delivered.pop_front();
        }
        for a in fresh {
            // Full: a quota or rate alert takes the place of a new-app one (a flood of new
            // apps must not hide that a quota was reached); the one left out is counted.
            let out = if self.held.len() < MAX_HELD {
                self.held.push(a);
                None
            } else {
                let rank = |a: &Alert| self.rank(&a.rule);
                match self.held.iter().enumerate().max_by_key(|(_, h)| rank(h)) {
                    Some((i, h)) if rank(h) > rank(&a) => {
                        Some(std::mem::replace(&mut self.held[i], a))
                    }
                    _ => Some(a),
                }
            };
            if let Some(a) = out {
                self.held_more += 1;
                if !self.held_more_rules.contains(&a.rule) {
                    self.held_more_rules.push(a.rule);
                }
            }
        }
        if self.held.is_empty() || self.delivered.len() >= self.cfg.max_per_minute as usize {
            return Vec::new();
        }
        self.delivered.push_back(now);
        let mut all = std::mem::take(&mut self.held);
        let more = std::mem::take(&mut self.held_more);
        let more_rules = std::mem::take(&mut self.held_more_rules);
        if all.len() == 1 && more == 0 {
            return all.pop().map(Delivery::One).into_iter().collect();
        }
        let mut rules: Vec<String> = all.iter().map(|a| a.rule.clone()).collect();
        rules.extend(more_rules);
        rules.dedup();
        let mut body = all
            .iter()
            .map(|a| a.summary.clone())
            .collect::<Vec<_>>()
            .join("\n");
        if more > 0 {
            body.push_str(&format!("\n… and {more} more"));
        }
        Vec::from([Delivery::Summary {
            summary: format!("{} network alerts", all.len() + more),
            body,
            rules,
        }])
    }

    /// How much an alert of `rule` matters when alerts must be left out: quotas first,
    /// then rates, then new apps (lower is more).
    fn rank(&self, rule: &str) -> u8 {
        match self
            .cfg
            .rules
            .iter()
            .find(|r| r.name == rule)
            .map(|r| &r.kind)
        {
            Some(Kind::Quota { .. }) => 0,
            Some(Kind::Rate { .. }) => 1,
            _ => 2,
        }
    }

    /// (key, display name, up rate, down rate) of what `subject` covers.
    fn rate_subjects(&self, subject: &Subject, s: &Snapshot) -> Vec<(String, String, f64, f64)> {
        match subject {
            Subject::Total => vec![(
                String::new(),
                "Total".into(),
                s.total.up_rate,
                s.total.down_rate,
            )],
            Subject::AnyApp | Subject::App(_) => {
                let mut apps: BTreeMap<&str, (String, f64, f64)> = BTreeMap::new();
                for p in &s.processes {
                    let matches = match subject {
                        Subject::App(n) => p.app == *n || p.app_name == *n,
                        _ => true,
                    };
                    if matches {
                        let e = apps
                            .entry(p.app.as_str())
                            .or_insert_with(|| (p.app_name.clone(), 0.0, 0.0));
                        e.1 += p.usage.up_rate;
                        e.2 += p.usage.down_rate;
                    }
                }
                let mut apps: Vec<(String, String, f64, f64)> = apps
                    .into_iter()
                    .map(|(k, (n, u, d))| (k.to_string(), crate::text::truncate(&n, 40), u, d))
                    .collect();
                if apps.len() > MAX_TRACKED {
                    // The fastest (by the larger direction; ties by key), so what can fire
                    // is followed; the others' episodes end.
                    let speed = |a: &(String, String, f64, f64)| a.2.max(a.3);
                    apps.sort_by(|a, b| speed(b).total_cmp(&speed(a)).then(a.0.cmp(&b.0)));
                    apps.truncate(MAX_TRACKED);
                }
                apps
            }
        }
    }

    fn rate_rule(
        &mut self,
        i: usize,
        rule: &Rule,
        above: f64,
        for_s: u64,
        inp: &Inputs,
        fresh: &mut Vec<Alert>,
    ) {
        let subjects = self.rate_subjects(&rule.subject, inp.snapshot);
        let mut seen = HashSet::new();
        for (key, name, up, down) in subjects {
            let value = rule.direction.of(up, down);
            let m = self
                .machines
                .entry((i, key.clone()))
                .or_insert_with(|| Machine::new(for_s, rule.cooldown_s));
            // After a break the figure is an average over it: it neither holds nor clears.
            let step = if inp.gap_ms > 0 {
                m.interrupt(inp.now);
                Step::Nothing
            } else {
                m.step(value, above, inp.now)
            };
            let active_key = format!("{}\u{0}{key}", rule.name);
            if let Step::Fire { .. } = step {
                // The message names the rule's hold time: that is what has held. (The
                // measured time is one refresh longer or shorter, as ticks fall.)
                let held_ms = for_s.saturating_mul(1000);
                fresh.push(self.rate_alert(rule, &name, value, above, held_ms));
            }
            let m = &self.machines[&(i, key.clone())];
            if m.is_active() {
                let line = match rule.subject {
                    Subject::Total => format!(
                        "{} {} ({})",
                        rule.direction.word(),
                        units::rate(value),
                        rule.name
                    ),
                    _ => format!(
                        "{name}: {} {} ({})",
                        rule.direction.word(),
                        units::rate(value),
                        rule.name
                    ),
                };
                self.active.insert(active_key, (rule.name.clone(), line));
            } else {
                self.active.remove(&active_key);
            }
            seen.insert(key);
        }
        // Apps gone from the snapshot: their episodes end (their state is dropped, so
        // the table stays bounded under process churn).
        let gone: Vec<(usize, String)> = self
            .machines
            .keys()
            .filter(|(r, k)| *r == i && !seen.contains(k))
            .cloned()
            .collect();
        for k in gone {
            self.active.remove(&format!("{}\u{0}{}", rule.name, k.1));
            self.machines.remove(&k);
        }
    }

    fn rate_alert(&self, rule: &Rule, name: &str, value: f64, above: f64, held_ms: u64) -> Alert {
        let word = rule.direction.word();
        let (summary, who) = match rule.subject {
            Subject::Total => {
                let mut w = word.to_string();
                if let Some(c) = w.get_mut(0..1) {
                    c.make_ascii_uppercase();
                }
                (
                    format!("{w} at {}", units::rate(value)),
                    format!("Total {word}"),
                )
            }
            _ => (
                format!("{name}: {word} at {}", units::rate(value)),
                name.to_string(),
            ),
        };
        let hold = if held_ms >= 1000 {
            format!(" for {}", dur_words(held_ms))
        } else {
            String::new()
        };
        let direction = match rule.direction {
            Direction::Total => " (up + down)",
            _ => "",
        };
        Alert {
            rule: rule.name.clone(),
            summary,
            body: format!(
                "{who}{direction} above {}{hold} (now {}). Rule {}.",
                units::rate(above),
                units::rate(value),
                quoted(&rule.name)
            ),
        }
    }

    /// Bytes of the period for the rule's subject, in its direction.
    fn quota_used(&self, rule: &Rule, totals: &Totals) -> u64 {
        let (up, down) = match &rule.subject {
            Subject::App(n) => totals
                .apps
                .iter()
                .filter(|(k, _)| *k == n || self.names.get(*k).is_some_and(|d| d == n))
                .fold((0u64, 0u64), |a, (_, v)| {
                    (a.0.saturating_add(v.0), a.1.saturating_add(v.1))
                }),
            _ => totals.total,
        };
        match rule.direction {
            Direction::Up => up,
            Direction::Down => down,
            Direction::Either => up.max(down),
            Direction::Total => up.saturating_add(down),
        }
    }

    fn quota_rule(
        &mut self,
        rule: &Rule,
        period: Period,
        limit: u64,
        warn_at: &[u32],
        inp: &Inputs,
        fresh: &mut Vec<Alert>,
    ) {
        let span = quota::span(period, inp.now_s, &self.zone, self.billing_day);
        let totals = match period {
            Period::Day => inp.day,
            Period::Month => inp.month,
        };
        let used = self.quota_used(rule, totals);
        let fired: Vec<u32> = match self.persisted.quotas.get(&rule.name) {
            Some((key, levels)) if *key == span.key => levels.clone(),
            _ => Vec::new(),
        };
        let new = quota::newly_crossed(used, limit.max(1), warn_at, &fired);
        let what = match (&rule.subject, period) {
            (Subject::App(n), Period::Day) => format!("{n} today"),
            (Subject::App(n), Period::Month) => format!("{n} this month"),
            (_, Period::Day) => "Data today".to_string(),
            (_, Period::Month) => "Monthly data".to_string(),
        };
        let pct = (used as u128 * 100 / limit.max(1) as u128) as u64;
        let active_key = format!("{}\u{0}", rule.name);
        if let Some(top) = new.last().copied() {
            let mut levels = fired.clone();
            levels.extend(&new);
            self.persisted
                .quotas
                .insert(rule.name.clone(), (span.key.clone(), levels));
            self.dirty = true;
            let today = self.zone.date(inp.now_s);
            let projection = quota::project(used, limit, &span, inp.now_s, &self.zone);
            let reached = if top >= 100 { "reached" } else { "used" };
            fresh.push(Alert {
                rule: rule.name.clone(),
                summary: format!(
                    "{what}: {top}% {reached} ({} of {})",
                    units::bytes(used),
                    units::bytes(limit)
                ),
                body: format!(
                    "{} since {} ({pct}% of {}). {} Rule {}.",
                    units::bytes(used),
                    quota::short_date(span.first_day, today),
                    units::bytes(limit),
                    quota::projection_text(&projection, limit, &span, today),
                    quoted(&rule.name)
                ),
            });
        }
        let any_fired = match self.persisted.quotas.get(&rule.name) {
            Some((key, levels)) => *key == span.key && !levels.is_empty(),
            None => false,
        };
        if any_fired {
            let line = format!("{what}: {pct}% of {} ({})", units::bytes(limit), rule.name);
            self.active.insert(active_key, (rule.name.clone(), line));
        } else {
            self.active.remove(&active_key);
        }
    }

    fn new_app_rule(&mut self, rule: &Rule, inp: &Inputs, fresh: &mut Vec<Alert>) {
        let warm = inp.now.since(self.started) >= NEW_APP_WARMUP_MS;
        let Some(known) = self.known_apps.as_mut() else {
            return;
        };
        for p in &inp.snapshot.processes {
            if p.usage.bytes() == 0 || !known.see(&p.app) {
                continue;
            }
            if warm {
                let name = crate::text::truncate(&p.app_name, 40);
                fresh.push(Alert {
                    rule: rule.name.clone(),
                    summary: format!("New on the network: {name}"),
                    body: format!(
                        "{} (pid {}, user {}) used the network for the first time. Rule {}.",
                        crate::text::truncate(&p.exe_or_name(), 80),
                        p.pid,
                        crate::text::truncate(&p.user, 32),
                        quoted(&rule.name)
                    ),
                });
            }
        }
    }
}
