//! The config file (src/config): the input, as UTF-8 text (`load` reads the file with
//! `read_to_string`, so other bytes never reach the parser), parsed as hogwatch does.
//! Must never panic; every value used is within the bounds the default file documents
//! (anything else falls back to its default, with a problem said); parsing is
//! deterministic.
#![no_main]

use hogwatch::alerts::rules::Kind;
use hogwatch::collect::procfs::valid_device_name;
use hogwatch::config::{parse, Config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (c, problems) = parse(text, "fuzz.toml");
    assert!((1..=60).contains(&c.interval));
    assert!((1..=60).contains(&c.battery_interval));
    assert!(c.devices.iter().all(|d| valid_device_name(d)));
    assert!((1..=20).contains(&c.top_n));
    assert!((1..=1_000_000).contains(&c.history_max_mb));
    assert!((5..=3600).contains(&c.history_write_every));
    assert!((1..=28).contains(&c.billing_day));
    assert!((1..=60).contains(&c.alerts.max_per_minute));
    let (f, m, h) = c.retention;
    assert!([f, m, h]
        .iter()
        .all(|&d| (1..=100 * 365 * 86_400).contains(&d)));
    for rule in &c.alerts.rules {
        assert!(rule.cooldown_s > 0, "{rule:?}");
        match &rule.kind {
            Kind::Rate { above, for_s } => assert!(above.is_finite() && *above > 0.0 && *for_s > 0),
            Kind::Quota { warn_at, .. } => {
                assert!(!warn_at.is_empty() && warn_at.iter().all(|p| (1..=1000).contains(p)));
                assert!(warn_at.windows(2).all(|w| w[0] < w[1]), "{warn_at:?}");
            }
            Kind::NewApp => {}
        }
    }
    assert!(problems.iter().all(|p| p.starts_with("fuzz.toml: ")));
    if problems.is_empty() && text.trim().is_empty() {
        assert_eq!(c, Config::default());
    }
    assert_eq!(parse(text, "fuzz.toml"), (c, problems));
});
