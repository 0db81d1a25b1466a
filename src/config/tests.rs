//! Config file tests: defaults, per-key fallback, syntax errors, first run, and the
//! `[alerts]` section as the app reads it (rules parsed by `alerts::rules`).

use super::*;
use crate::alerts::rules::{AlertConfig, Direction, Kind, Period, Rule, Subject};

#[test]
fn the_default_file_reads_as_the_defaults() {
    let (c, p) = parse(DEFAULT_FILE, "x");
    assert_eq!(c, Config::default());
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn a_bad_value_costs_only_its_key() {
    let text = "[monitor]\ninterval = 0\ndevices = [\"eth0\", \"../x\"]\n[tray]\ntop_n = 7\nsort = \"size\"\ngroup = \"processes\"\n[history]\nretention = \"1d,30x,365d\"\nbilling_day = 15\ncolour = 3\n[what]\n";
    let (c, p) = parse(text, "config.toml");
    assert_eq!(c.interval, 1);
    assert_eq!(c.devices, Vec::<String>::new());
    assert_eq!(c.top_n, 7);
    assert_eq!(c.sort, Sort::Rate);
    assert!(!c.group_apps);
    assert_eq!(c.billing_day, 15);
    assert_eq!(c.retention, Config::default().retention);
    let all = p.join("\n");
    assert!(all.contains("monitor.interval = 0"), "{all}");
    assert!(all.contains("tray.sort = \"size\""), "{all}");
    assert!(all.contains("monitor.devices"), "{all}");
    assert!(all.contains("history.retention = \"1d,30x,365d\""), "{all}");
    assert!(all.contains("unknown key history.colour"), "{all}");
    assert!(all.contains("unknown section [what]"), "{all}");
    assert_eq!(p.len(), 6);
}

#[test]
fn the_backend_is_nethogs_or_ebpf() {
    use crate::collect::source::SourceSpec;
    let (c, p) = parse("[monitor]\nbackend = \"ebpf\"\n", "x");
    assert_eq!((c.backend, p.len()), (SourceSpec::Ebpf, 0));
    let (c, p) = parse("[monitor]\nbackend = \"replay:/tmp/x\"\n", "x");
    assert_eq!(c.backend, SourceSpec::Nethogs);
    assert!(p[0].contains("monitor.backend"), "{p:?}");
}

#[test]
fn syntax_errors_name_the_line() {
    let (c, p) = parse("[tray]\ntop_n = 5\nsort = \n", "c.toml");
    assert_eq!(c, Config::default());
    assert!(p[0].starts_with("c.toml: line 3"), "{p:?}");
}

#[test]
fn first_run_writes_the_defaults_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hogwatch/config.toml");
    let first = load(&path, true);
    assert!(first.created);
    assert_eq!(
        std::fs::read_to_string(&path).expect("written"),
        DEFAULT_FILE
    );
    std::fs::write(&path, "[tray]\ntop_n = 3\n").expect("edit");
    let second = load(&path, true);
    assert!(!second.created);
    assert_eq!(second.config.top_n, 3);
    let unreadable = load(dir.path(), true);
    assert_eq!(unreadable.config, Config::default());
    assert_eq!(unreadable.problems.len(), 1);
}

/// The alert settings of a whole config file (as the app reads them).
fn parse_text(text: &str) -> (AlertConfig, Vec<String>) {
    let (c, problems) = parse(text, "config.toml");
    (c.alerts, problems)
}

#[test]
fn the_default_section_parses_to_the_default_rules() {
    let (cfg, problems) = parse_text(DEFAULT_FILE);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(cfg, AlertConfig::default());
}

#[test]
fn every_kind_reads() {
    let (cfg, problems) = parse_text(
        r#"
            [alerts]
            max_per_minute = 5
            [[alerts.rule]]
            name = "Big download"
            kind = "rate"
            direction = "down"
            above = "10 MiB/s"
            for = "30s"
            cooldown = "10m"
            [[alerts.rule]]
            name = "Plan"
            kind = "quota"
            period = "month"
            limit = "50 GB"
            warn_at = [100, 80]
            [[alerts.rule]]
            name = "Firefox today"
            kind = "quota"
            app = "firefox"
            period = "day"
            direction = "down"
            limit = "2 GiB"
            [[alerts.rule]]
            name = "New"
            kind = "new_app"
            [[alerts.rule]]
            name = "Off"
            kind = "new_app"
            enabled = false
            "#,
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(cfg.max_per_minute, 5);
    assert_eq!(cfg.rules.len(), 4);
    assert_eq!(
        cfg.rules[0],
        Rule {
            name: "Big download".into(),
            kind: Kind::Rate {
                above: 10.0 * 1048576.0,
                for_s: 30
            },
            subject: Subject::Total,
            direction: Direction::Down,
            cooldown_s: 600,
        }
    );
    assert_eq!(
        cfg.rules[1].kind,
        Kind::Quota {
            period: Period::Month,
            limit: 50_000_000_000,
            warn_at: vec![80, 100]
        }
    );
    assert_eq!(cfg.rules[2].subject, Subject::App("firefox".into()));
    assert_eq!(cfg.rules[3].kind, Kind::NewApp);
}

#[test]
fn bad_rules_name_the_rule_and_the_key_and_the_rest_work() {
    let (cfg, problems) = parse_text(
        r#"
            [[alerts.rule]]
            name = "Odd"
            kind = "volcano"
            [[alerts.rule]]
            name = "Negative"
            kind = "rate"
            above = "-5 MB/s"
            [[alerts.rule]]
            name = "Typo"
            kind = "quota"
            limit = "5 GBB"
            [[alerts.rule]]
            name = "Good"
            kind = "rate"
            above = "1 MB/s"
            [[alerts.rule]]
            kind = "rate"
            [[alerts.rule]]
            name = "Good"
            kind = "new_app"
            [[alerts.rule]]
            name = "Extra"
            kind = "rate"
            above = "1 MB/s"
            threshold = 3
            "#,
    );
    assert_eq!(cfg.rules.len(), 1);
    assert_eq!(cfg.rules[0].name, "Good");
    let all = problems.join("\n");
    for want in [
        r#"alert rule "Odd": key `kind` = "volcano""#,
        r#"alert rule "Negative": key `above` = "-5 MB/s""#,
        r#"alert rule "Typo": key `limit` = "5 GBB": unknown unit "GBB""#,
        "alert rule #5: key `name` is missing",
        r#"alert rule "Good": another rule has this name"#,
        r#"alert rule "Extra": unknown key `threshold`"#,
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
    assert_eq!(problems.len(), 6);
}

#[test]
fn no_section_keeps_the_defaults_and_an_empty_list_turns_them_off() {
    assert_eq!(parse_text("").0, AlertConfig::default());
    let (cfg, problems) = parse_text("[alerts]\nrule = []\n");
    assert!(problems.is_empty());
    assert!(cfg.rules.is_empty());
}
