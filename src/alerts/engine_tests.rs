//! The alert engine with an injected clock: rate rules fire after their hold time,
//! storms fold into a summary under the rate limit, quotas fire once per period (also
//! after a restart), mutes and the pause silence without hiding, new apps after warm-up.

use super::engine::{Delivery, Engine, Inputs, Persisted};
use super::rules::{AlertConfig, Direction, Kind, Period, Rule, Subject};
use crate::clock::Mono;
use crate::model::Totals;
use crate::model::{Mode, ProcessUsage, Snapshot, Usage};
use crate::store::tiers::Zone;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

const MIB: f64 = 1024.0 * 1024.0;
const GB: u64 = 1_000_000_000;

fn rule(name: &str, kind: Kind, subject: Subject, direction: Direction) -> Rule {
    Rule {
        name: name.into(),
        kind,
        subject,
        direction,
        cooldown_s: 3600,
    }
}

fn rate(name: &str, subject: Subject, above_mib: f64, for_s: u64) -> Rule {
    rule(
        name,
        Kind::Rate {
            above: above_mib * MIB,
            for_s,
        },
        subject,
        Direction::Down,
    )
}

fn quota(name: &str, period: Period, limit: u64) -> Rule {
    rule(
        name,
        Kind::Quota {
            period,
            limit,
            warn_at: vec![80, 100],
        },
        Subject::Total,
        Direction::Total,
    )
}

fn engine(rules: Vec<Rule>, persisted: Persisted) -> Engine {
    let cfg = AlertConfig {
        enabled: true,
        max_per_minute: 3,
        rules,
    };
    Engine::new(cfg, Zone::utc(), 1, persisted, None, Mono(0))
}

/// A snapshot with apps (key, name, down rate in MiB/s) and that total down rate.
fn snap(apps: &[(&str, f64)]) -> Snapshot {
    let mut s = Snapshot::empty(Mode::PerProcess, "");
    let mut total = 0.0;
    s.processes = apps
        .iter()
        .enumerate()
        .map(|(i, &(name, down))| {
            total += down * MIB;
            ProcessUsage {
                id: i as u64 + 1,
                pid: 100 + i as u32,
                app: format!("/usr/bin/{name}"),
                app_name: name.to_string(),
                usage: Usage {
                    down_rate: down * MIB,
                    down_bytes: 1,
                    ..Usage::default()
                },
                ..ProcessUsage::default()
            }
        })
        .collect();
    s.total.down_rate = total;
    s
}

/// Noon UTC of 2026-11-`day`, in Unix seconds.
fn noon(day: u32) -> i64 {
    let d = NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default();
    Zone::utc().start_of(d) + 12 * 3600
}

struct Clock {
    t: u64,
    wall: i64,
}

impl Clock {
    fn new() -> Self {
        Clock {
            t: 0,
            wall: noon(25),
        }
    }
}

/// Steps `secs` seconds of one snapshot per second; every delivery with its second.
fn feed(
    e: &mut Engine,
    c: &mut Clock,
    secs: u64,
    s: &Snapshot,
    day: &Totals,
) -> Vec<(u64, Delivery)> {
    let mut out = Vec::new();
    for _ in 0..secs {
        c.t += 1;
        c.wall += 1;
        let inp = Inputs {
            snapshot: s,
            day,
            month: day,
            now: Mono(c.t * 1000),
            now_s: c.wall,
            gap_ms: 0,
        };
        out.extend(e.observe(&inp).into_iter().map(|d| (c.t, d)));
    }
    out
}

fn one(d: &Delivery) -> (&str, &str, &str) {
    match d {
        Delivery::One(a) => (a.rule.as_str(), a.summary.as_str(), a.body.as_str()),
        Delivery::Summary { .. } => panic!("expected one alert, got {d:?}"),
    }
}

#[test]
fn a_total_rate_rule_fires_after_its_hold_time_with_a_clear_message() {
    let mut e = engine(
        vec![rate("Big download", Subject::Total, 10.0, 30)],
        Persisted::default(),
    );
    let mut c = Clock::new();
    let none = Totals::default();
    // First above at t = 1 s: the condition has held 30 s at t = 31 s, not before.
    assert!(feed(&mut e, &mut c, 30, &snap(&[("curl", 12.0)]), &none).is_empty());
    let d = feed(&mut e, &mut c, 1, &snap(&[("curl", 12.0)]), &none);
    assert_eq!(d.len(), 1);
    let (r, summary, body) = one(&d[0].1);
    assert_eq!(r, "Big download");
    assert_eq!(summary, "Download at 12.0 MiB/s");
    assert_eq!(
        body,
        "Total download above 10.0 MiB/s for 30 s (now 12.0 MiB/s). Rule “Big download”."
    );
    assert_eq!(
        e.active(c.wall),
        vec!["download 12.0 MiB/s (Big download)".to_string()]
    );
    // Held on: silent; gone quiet for long enough: no longer active.
    assert!(feed(&mut e, &mut c, 100, &snap(&[("curl", 12.0)]), &none).is_empty());
    feed(&mut e, &mut c, 31, &snap(&[]), &none);
    assert!(e.active(c.wall).is_empty());
}

/// hogwatch frozen (or asleep) for five minutes in the middle of a hold: the resume
/// refresh, whose rate is an average over the break, does not fire, and the hold starts
/// over from it. Quotas are bytes, which are counted across a break.
#[test]
fn a_break_in_time_fires_nothing_on_the_resume_refresh_and_restarts_the_hold() {
    let mut e = engine(
        vec![rate("Big download", Subject::AnyApp, 10.0, 30)],
        Persisted::default(),
    );
    let mut c = Clock::new();
    let none = Totals::default();
    let fast = snap(&[("curl", 12.0)]);
    assert!(feed(&mut e, &mut c, 20, &fast, &none).is_empty());
    c.t += 300;
    c.wall += 300;
    let resume = Inputs {
        snapshot: &fast,
        day: &none,
        month: &none,
        now: Mono(c.t * 1000),
        now_s: c.wall,
        gap_ms: 300_000,
    };
    assert!(e.observe(&resume).is_empty(), "fired on the resume refresh");
    // 29 s after the break: not yet; the 30th: the hold has been seen whole.
    assert!(feed(&mut e, &mut c, 29, &fast, &none).is_empty());
    assert_eq!(feed(&mut e, &mut c, 1, &fast, &none).len(), 1);
}

#[test]
fn an_any_app_rule_names_the_app_and_tracks_apps_apart() {
    let mut e = engine(
        vec![rate("Hog", Subject::AnyApp, 5.0, 10)],
        Persisted::default(),
    );
    let mut c = Clock::new();
    let none = Totals::default();
    // Two apps at 3 MiB/s each: the total is above 5, no app is.
    assert!(feed(&mut e, &mut c, 30, &snap(&[("a", 3.0), ("b", 3.0)]), &none).is_empty());
    let d = feed(&mut e, &mut c, 11, &snap(&[("a", 3.0), ("b", 8.0)]), &none);
    assert_eq!(d.len(), 1);
    assert_eq!(one(&d[0].1).1, "b: download at 8.00 MiB/s");
    // An app that leaves the snapshot ends its episode (bounded state).
    feed(&mut e, &mut c, 1, &snap(&[("a", 3.0)]), &none);
    assert!(e.active(c.wall).is_empty());
}

#[test]
fn a_storm_is_one_summary_and_the_rate_limit_holds_the_rest() {
    let rules: Vec<Rule> = (0..5)
        .map(|i| rate(&format!("R{i}"), Subject::Total, 1.0 + i as f64 * 0.01, 5))
        .collect();
    let mut e = engine(rules, Persisted::default());
    let mut c = Clock::new();
    let none = Totals::default();
    let d = feed(&mut e, &mut c, 6, &snap(&[("x", 50.0)]), &none);
    assert_eq!(d.len(), 1, "{d:?}");
    match &d[0].1 {
        Delivery::Summary {
            summary,
            body,
            rules,
        } => {
            assert_eq!(summary, "5 network alerts");
            assert_eq!(rules.len(), 5);
            assert_eq!(body.lines().count(), 5);
        }
        other => panic!("expected a summary, got {other:?}"),
    }
    assert_eq!(e.active(c.wall).len(), 5);
}

#[test]
fn over_the_limit_alerts_wait_and_come_as_one_summary() {
    let rules: Vec<Rule> = (0..6)
        .map(|i| rate(&format!("R{i}"), Subject::AnyApp, 1.0, 1))
        .collect::<Vec<_>>()
        .into_iter()
        .take(1)
        .collect();
    let mut e = engine(rules, Persisted::default());
    let mut c = Clock::new();
    let none = Totals::default();
    // Apps taking turns above the threshold: one new episode every 2 s.
    let mut got = Vec::new();
    for i in 0..10 {
        let name = format!("app{i}");
        got.extend(feed(&mut e, &mut c, 2, &snap(&[(&name, 9.0)]), &none));
    }
    // 3 a minute at most: three single alerts, then the rest wait for the window.
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().all(|(_, d)| matches!(d, Delivery::One(_))));
    let later = feed(&mut e, &mut c, 60, &snap(&[]), &none);
    assert_eq!(later.len(), 1);
    match &later[0].1 {
        Delivery::Summary { summary, .. } => assert_eq!(summary, "7 network alerts"),
        other => panic!("expected a summary, got {other:?}"),
    }
}

#[test]
fn quota_levels_fire_once_per_period_also_after_a_restart() {
    let plan = quota("Plan", Period::Month, 50 * GB);
    let mut e = engine(vec![plan.clone()], Persisted::default());
    let mut c = Clock::new();
    let mut month = Totals {
        total: (12 * GB, 30 * GB),
        ..Totals::default()
    };
    let d = feed(&mut e, &mut c, 1, &snap(&[]), &month);
    assert_eq!(d.len(), 1);
    let (_, summary, body) = one(&d[0].1);
    assert_eq!(summary, "Monthly data: 80% used (39.1 GiB of 46.6 GiB)");
    // 42 GB in 24.5 days (from Nov 1) is 1.71 GB a day: the last 8 GB take 4.7 days.
    assert_eq!(
        body,
        "39.1 GiB since Nov 1 (84% of 46.6 GiB). At this pace you reach 46.6 GiB on Nov 30. \
         Rule “Plan”."
    );
    assert!(feed(&mut e, &mut c, 100, &snap(&[]), &month).is_empty());

    // A restart with the saved state: 80% does not fire again; 100% does, once.
    let saved = e.take_dirty().expect("state to save");
    assert_eq!(
        saved.quotas["Plan"],
        ("month 2026-11-01".to_string(), vec![80])
    );
    let mut e = engine(vec![plan.clone()], saved);
    assert!(feed(&mut e, &mut c, 10, &snap(&[]), &month).is_empty());
    month.total = (20 * GB, 31 * GB);
    let d = feed(&mut e, &mut c, 10, &snap(&[]), &month);
    assert_eq!(d.len(), 1);
    assert_eq!(
        one(&d[0].1).1,
        "Monthly data: 100% reached (47.5 GiB of 46.6 GiB)"
    );
    assert_eq!(
        e.active(c.wall),
        vec!["Monthly data: 102% of 46.6 GiB (Plan)".to_string()]
    );

    // Next billing month: fresh levels.
    let saved = e.take_dirty().expect("state to save");
    let mut e = engine(vec![plan], saved);
    c.wall = noon(25) + 10 * 86_400; // Dec 5
    month.total = (0, 41 * GB);
    let d = feed(&mut e, &mut c, 1, &snap(&[]), &month);
    assert_eq!(d.len(), 1);
    assert!(one(&d[0].1).1.starts_with("Monthly data: 80% used"));
}

#[test]
fn an_app_quota_counts_that_app_only() {
    let mut r = quota("Firefox", Period::Day, 2 * GB);
    r.subject = Subject::App("firefox".into());
    let mut e = engine(vec![r], Persisted::default());
    let mut c = Clock::new();
    let day = Totals {
        total: (0, 9 * GB),
        apps: HashMap::from([
            ("/usr/bin/firefox".to_string(), (0, GB)),
            ("/usr/bin/curl".to_string(), (0, 8 * GB)),
        ]),
        ..Totals::default()
    };
    // The name is learned from the snapshot; 1 GB of 2 GB is under 80%.
    assert!(feed(&mut e, &mut c, 5, &snap(&[("firefox", 0.1)]), &day).is_empty());
    let more = Totals {
        apps: HashMap::from([("/usr/bin/firefox".to_string(), (0, 2 * GB))]),
        ..day
    };
    let d = feed(&mut e, &mut c, 1, &snap(&[("firefox", 0.1)]), &more);
    assert_eq!(
        one(&d[0].1).1,
        "firefox today: 100% reached (1.86 GiB of 1.86 GiB)"
    );
}

#[test]
fn mutes_and_the_pause_silence_but_keep_the_menu_line() {
    let mut e = engine(
        vec![rate("Big", Subject::Total, 10.0, 5)],
        Persisted::default(),
    );
    let mut c = Clock::new();
    let none = Totals::default();
    e.mute("Big", c.wall + 3600);
    assert!(e.muted("Big", c.wall));
    assert!(feed(&mut e, &mut c, 10, &snap(&[("x", 20.0)]), &none).is_empty());
    assert_eq!(e.active(c.wall).len(), 1);
    assert!(e.take_dirty().is_some_and(|p| p.mutes.contains_key("Big")));
    // The mute ends after an hour; a new episode after the cooldown notifies again.
    feed(&mut e, &mut c, 40, &snap(&[]), &none);
    c.wall += 3600;
    c.t += 3600;
    assert_eq!(
        feed(&mut e, &mut c, 6, &snap(&[("x", 20.0)]), &none).len(),
        1
    );
    // Paused: nothing is delivered, the line shows.
    let mut e = engine(
        vec![rate("Big", Subject::Total, 10.0, 5)],
        Persisted::default(),
    );
    e.set_paused(true);
    assert!(feed(&mut e, &mut c, 10, &snap(&[("x", 20.0)]), &none).is_empty());
    assert_eq!(e.active(c.wall).len(), 1);
    // Muting an unknown rule does nothing.
    e.mute("nope", c.wall + 10);
    assert!(!e.muted("nope", c.wall));
}

#[test]
fn new_apps_after_warm_up_only_and_once() {
    let cfg = AlertConfig {
        enabled: true,
        max_per_minute: 3,
        rules: vec![rule("New", Kind::NewApp, Subject::Total, Direction::Total)],
    };
    let known: HashSet<String> = ["/usr/bin/old".to_string()].into();
    let mut e = Engine::new(
        cfg,
        Zone::utc(),
        1,
        Persisted::default(),
        Some(known),
        Mono(0),
    );
    let mut c = Clock::new();
    let none = Totals::default();
    // In the warm-up: apps are learned silently.
    assert!(feed(
        &mut e,
        &mut c,
        5,
        &snap(&[("early", 0.1), ("old", 0.1)]),
        &none
    )
    .is_empty());
    c.t += 60;
    let d = feed(
        &mut e,
        &mut c,
        3,
        &snap(&[("early", 0.1), ("fresh", 0.1)]),
        &none,
    );
    assert_eq!(d.len(), 1);
    assert_eq!(one(&d[0].1).1, "New on the network: fresh");
}

/// A flood: after the warm-up, 30 refreshes of 1,000 new, uniquely named apps each, all
/// fast (so an `app = "*"` rate rule would follow each), besides firefox, whose daily
/// quota is crossed in the middle. Notifications stay short (the rate limit holds at most
/// `MAX_HELD` and counts the rest), what the engine keeps stays bounded, and firefox's
/// quota fires once, with its exact figure, though the day's table was full of the flood.
#[test]
fn a_flood_of_new_apps_keeps_the_engine_bounded_and_quotas_exact() {
    use super::engine::{MAX_HELD, MAX_NAMES, MAX_TRACKED};
    use super::known::MAX_KNOWN;
    let mut ff = quota("Firefox", Period::Day, 2 * GB);
    ff.subject = Subject::App("firefox".into());
    let cfg = AlertConfig {
        enabled: true,
        max_per_minute: 3,
        rules: vec![
            rule("New", Kind::NewApp, Subject::Total, Direction::Total),
            rate("Any", Subject::AnyApp, 0.5, 2),
            ff,
        ],
    };
    let mut e = Engine::new(
        cfg,
        Zone::utc(),
        1,
        Persisted::default(),
        Some(HashSet::new()),
        Mono(0),
    );
    let mut c = Clock::new();
    let mut day = crate::model::PeriodTotals::new(Totals::default(), NaiveDate::MIN);
    assert!(feed(&mut e, &mut c, 5, &snap(&[("firefox", 0.1)]), day.totals()).is_empty());
    c.t += 60;
    let mut deliveries = Vec::new();
    let mut firefox = 0u64;
    for r in 0..30 {
        let names: Vec<String> = (0..1000).map(|i| format!("flood-{r}-{i}")).collect();
        let mut apps: Vec<(&str, f64)> = names.iter().map(|n| (n.as_str(), 1.0)).collect();
        apps.push(("firefox", 0.1));
        // Each flood app moved 1 MB today; firefox 100 MB a refresh.
        let mut m = crate::model::Moved::default();
        for (name, _) in &apps {
            let (key, down) = (format!("/usr/bin/{name}"), 1_000_000);
            let down = if *name == "firefox" { 100 * down } else { down };
            m.apps.push(crate::model::AppMoved {
                app: key,
                name: name.to_string(),
                down,
                ..Default::default()
            });
        }
        firefox += 100_000_000;
        day.add(&m, NaiveDate::MIN);
        deliveries.extend(feed(&mut e, &mut c, 1, &snap(&apps), day.totals()));
        let (machines, names, known, held) = e.kept();
        assert!(
            machines <= MAX_TRACKED
                && names <= MAX_NAMES + 1001
                && known <= MAX_KNOWN
                && held <= MAX_HELD,
            "refresh {r}: the engine keeps {machines} state machines, {names} names, {known} \
             known apps, {held} held alerts"
        );
    }
    // After the flood, what the rate limit held back comes out.
    deliveries.extend(feed(
        &mut e,
        &mut c,
        70,
        &snap(&[("firefox", 0.1)]),
        day.totals(),
    ));
    for (t, d) in &deliveries {
        if let Delivery::Summary { body, .. } = d {
            assert!(
                body.lines().count() <= MAX_HELD + 1,
                "at {t} s a notification of {} lines",
                body.lines().count()
            );
        }
    }
    assert_eq!(
        day.totals().apps.get("/usr/bin/firefox"),
        Some(&(0, firefox))
    );
    let quota: Vec<&str> = deliveries
        .iter()
        .flat_map(|(_, d)| match d {
            Delivery::One(a) => vec![a.summary.as_str()],
            Delivery::Summary { body, .. } => body.lines().collect(),
        })
        .filter(|l| l.starts_with("firefox today"))
        .collect();
    assert_eq!(quota.len(), 2, "80% and 100%, once each: {quota:?}");
}
