//! The metrics over made-up refreshes: counters that only grow, bounded series with their
//! "other" (apps and users, under a flood), escaped and bounded labels, the health series.

use super::*;
use crate::model::{AppMoved, DeviceMoved, Moved, ProcessMoved, ProcessUsage, Snapshot};

/// A refresh that moved `apps` (name, bytes down) and `dev` bytes down on eth0.
fn refresh(apps: &[(&str, u64)], dev: u64) -> Refresh {
    Refresh {
        snapshot: Snapshot::empty(Mode::PerProcess, ""),
        moved: Moved {
            apps: apps
                .iter()
                .map(|&(app, down)| AppMoved {
                    app: format!("/usr/bin/{app}"),
                    name: app.to_string(),
                    down,
                    ..AppMoved::default()
                })
                .collect(),
            devices: vec![DeviceMoved {
                name: "eth0".into(),
                up: 0,
                down: dev,
            }],
            ..Moved::default()
        },
        gap_ms: 0,
    }
}

fn value(text: &str, series: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn counters_stay_monotonic_when_processes_leave() {
    let mut m = Metrics::default();
    // Two curl processes moved 100 and 50, then one of them 20 more.
    m.observe(&refresh(&[("curl", 150)], 200));
    m.observe(&refresh(&[("curl", 20)], 100));
    let text = m.render();
    assert_eq!(
        value(
            &text,
            r#"hogwatch_app_bytes_total{app="curl",key="/usr/bin/curl",direction="down"}"#
        ),
        Some(170)
    );
    assert_eq!(
        value(
            &text,
            r#"hogwatch_device_bytes_total{device="eth0",direction="down"}"#
        ),
        Some(300)
    );
    assert!(text.contains("# TYPE hogwatch_app_bytes_total counter"));
}

#[test]
fn cardinality_is_bounded_and_the_rest_is_other() {
    let mut m = Metrics::default();
    let apps: Vec<(String, u64)> = (0..50).map(|i| (format!("app{i:02}"), 1000 + i)).collect();
    let refs: Vec<(&str, u64)> = apps.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    m.observe(&refresh(&refs, 0));
    let text = m.render();
    let series = text
        .lines()
        .filter(|l| l.starts_with("hogwatch_app_bytes_total{") && l.contains("\"down\""))
        .count();
    assert_eq!(series, TOP_APPS + 1);
    // The 20 busiest (app30..app49) have series; the other 30 sum up.
    assert!(text.contains("app=\"app49\""));
    assert!(!text.contains("app=\"app29\""));
    let other: u64 = (0..30).map(|i| 1000 + i).sum();
    assert_eq!(
        value(
            &text,
            r#"hogwatch_app_bytes_total{app="other",key="",direction="down"}"#
        ),
        Some(other)
    );
}

#[test]
fn label_values_are_escaped() {
    let mut m = Metrics::default();
    m.observe(&refresh(&[("we\"ird\\name\nx", 5)], 5));
    let text = m.render();
    // The display name is made printable (a control character becomes U+FFFD); the
    // key is kept as it is, escaped.
    assert!(
        text.contains("app=\"we\\\"ird\\\\name\u{fffd}x\""),
        "{text}"
    );
    assert!(
        text.contains(r#"key="/usr/bin/we\"ird\\name\nx""#),
        "{text}"
    );
    assert!(text.lines().all(|l| !l.is_empty()));
}

/// A flood of 5,000 uniquely named apps, 500 a refresh: 21 app series (20 and
/// "other") whose sum is every byte the apps moved, and a state that holds no app
/// without a series. (What the state holds shows in its `Debug` form: the flood's keys
/// are counted there.)
#[test]
fn a_flood_of_apps_keeps_series_and_state_bounded() {
    let mut m = Metrics::default();
    let mut all = 0u64;
    for r in 0..10u64 {
        let apps: Vec<(String, u64)> = (0..500)
            .map(|i| (format!("flood-{r}-{i}"), 1 + (r * 500 + i) % 97))
            .collect();
        all += apps.iter().map(|a| a.1).sum::<u64>();
        let refs: Vec<(&str, u64)> = apps.iter().map(|(n, b)| (n.as_str(), *b)).collect();
        m.observe(&refresh(&refs, 0));
    }
    let text = m.render();
    let series: Vec<u64> = text
        .lines()
        .filter(|l| l.starts_with("hogwatch_app_bytes_total{") && l.contains("\"down\""))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse().ok())
        .collect();
    assert_eq!(series.len(), TOP_APPS + 1);
    assert_eq!(
        series.iter().sum::<u64>(),
        all,
        "named series + other = all"
    );
    let held = format!("{m:?}").matches("/usr/bin/flood-").count();
    assert!(
        held <= TOP_APPS,
        "the metrics' state holds {held} keys of flood apps; only the {TOP_APPS} with a \
         series should be kept"
    );
}

/// A refresh in which each of `procs` (uid, user name, bytes down) moved bytes.
fn users_refresh(procs: &[(u32, &str, u64)]) -> Refresh {
    let mut snapshot = Snapshot::empty(Mode::PerProcess, "");
    let mut moved = Moved::default();
    for (i, &(uid, user, down)) in procs.iter().enumerate() {
        let id = i as u64 + 1;
        snapshot.processes.push(ProcessUsage {
            id,
            pid: id as u32,
            uid,
            user: user.to_owned(),
            ..ProcessUsage::default()
        });
        moved.processes.push(ProcessMoved {
            id,
            pid: id as u32,
            up: 0,
            down,
        });
    }
    Refresh {
        snapshot,
        moved,
        gap_ms: 0,
    }
}

#[test]
fn users_are_bounded_escaped_and_add_up() {
    let mut m = Metrics::default();
    // 30 users with a process each, and alice with two.
    let names: Vec<String> = (0..30).map(|i| format!("u{i:02}")).collect();
    let mut procs: Vec<(u32, &str, u64)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (2000 + i as u32, n.as_str(), 100 + i as u64))
        .collect();
    procs.push((1000, "al\"ice\n", 5000));
    procs.push((1000, "al\"ice\n", 5000));
    procs.push((1001, "", 4000));
    m.observe(&users_refresh(&procs));
    let text = m.render();
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("hogwatch_user_bytes_total{") && l.contains("\"down\""))
        .collect();
    assert_eq!(rows.len(), TOP_USERS + 1, "{text}");
    // alice's name escaped and made printable, her two processes added up; a user without
    // a name is shown by uid.
    assert_eq!(
        value(
            &text,
            "hogwatch_user_bytes_total{user=\"al\\\"ice\u{fffd}\",uid=\"1000\",direction=\"down\"}"
        ),
        Some(10_000),
        "{text}"
    );
    assert!(text.contains("user=\"1001\",uid=\"1001\""), "{text}");
    let sum: u64 = rows
        .iter()
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<u64>().ok())
        .sum();
    assert_eq!(sum, procs.iter().map(|p| p.2).sum::<u64>());
}

#[test]
fn a_long_key_is_cut_and_two_alike_stay_apart() {
    let mut m = Metrics::default();
    let a = format!("{}a", "x".repeat(300));
    let b = format!("{}b", "x".repeat(300));
    m.observe(&refresh(&[(&a, 5), (&b, 6)], 11));
    let text = m.render();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("hogwatch_app_bytes_total{") && l.contains("\"down\""))
        .filter_map(|l| l.split("key=\"").nth(1)?.split('"').next())
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(keys.len(), 2, "{text}");
    assert_ne!(keys[0], keys[1]);
    assert!(keys.iter().all(|k| k.chars().count() <= slots::MAX_KEY));
    assert!(text.lines().all(|l| l.len() < 600), "a line is bounded");
}

#[test]
fn backend_health_mode_and_build_are_series() {
    let mut m = Metrics::default();
    let mut r = refresh(&[], 0);
    r.snapshot.mode = Mode::TotalsOnly;
    r.snapshot.health = Health {
        helper_starts: 3,
        dropped_lines: 7,
        map_full_bytes: 0,
        ..Health::default()
    }
    .of("ebpf");
    m.observe(&r);
    let text = m.render();
    assert_eq!(value(&text, "hogwatch_per_process"), Some(0));
    assert_eq!(value(&text, "hogwatch_mode{mode=\"totals-only\"}"), Some(1));
    assert_eq!(
        value(&text, "hogwatch_backend_info{backend=\"ebpf\"}"),
        Some(1)
    );
    assert_eq!(value(&text, "hogwatch_helper_starts_total"), Some(3));
    assert_eq!(value(&text, "hogwatch_helper_dropped_lines_total"), Some(7));
    assert_eq!(value(&text, "hogwatch_ebpf_map_full_bytes_total"), Some(0));
    let build = format!(
        "hogwatch_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(value(&text, &build), Some(1));
    // Every sample has its family's HELP and TYPE before it.
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let name = l.split(['{', ' ']).next().unwrap_or("");
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} has no TYPE"
        );
    }
}
