//! The lines around the rows: alerts, the unattributed share, the status in totals-only
//! and starting modes, pause.

use super::*;

#[test]
fn alerts_show_as_lines_and_many_are_summed_up() {
    let s = snapshot(Vec::new(), Usage::default());
    let mut settings = MenuSettings {
        alerts: vec!["firefox: upload 6.20 MiB/s (Heavy upload)".to_string()],
        ..MenuSettings::default()
    };
    let m = build(&s, &settings, None, &mut Ordering::new(), Mono(0));
    assert_eq!(
        m.alerts,
        vec!["⚠ firefox: upload 6.20 MiB/s (Heavy upload)"]
    );
    assert_eq!(m.alerts_pause_label, "Pause alerts");
    settings.alerts = (0..8).map(|i| format!("rule {i}\u{1b}[31m")).collect();
    settings.alerts_paused = true;
    let m = build(&s, &settings, None, &mut Ordering::new(), Mono(0));
    assert_eq!(m.alerts.len(), MAX_ALERTS);
    assert_eq!(m.alerts[MAX_ALERTS - 1], "⚠ … and 4 more alerts");
    assert!(
        m.alerts.iter().all(|a| !a.contains('\u{1b}')),
        "{:?}",
        m.alerts
    );
    assert_eq!(m.alerts_pause_label, "Resume alerts");
}

#[test]
fn unattributed_line_when_significant() {
    let procs = || {
        vec![process(
            1,
            11,
            "firefox",
            &[("eth0", 90.0 * KIB, 0.0, 9 * 1024, 0)],
        )]
    };
    // 10 KiB/s of 100: 10% and over 1 KiB/s.
    let s = snapshot(procs(), usage(10.0 * KIB, 0.0, 0, 0));
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(
        m.unattributed.as_deref(),
        Some("Unattributed (10%)  ↓ 10.0 KiB/s ↑ 0 B/s")
    );
    // 5%: not shown.
    let s = snapshot(procs(), usage(4.0 * KIB, 0.5 * KIB, 0, 0));
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(m.unattributed, None);
    // A large share of almost nothing: not shown.
    let s = snapshot(
        vec![process(1, 11, "x", &[("eth0", 100.0, 0.0, 0, 0)])],
        usage(900.0, 0.0, 0, 0),
    );
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(m.unattributed, None);
    // By amounts, the byte share counts.
    let s = snapshot(procs(), usage(0.0, 0.0, 3 * 1024, 1024));
    let by_session = MenuSettings {
        sort: Sort::SessionTotal,
        ..MenuSettings::default()
    };
    let m = build_at(&s, &by_session, &mut Ordering::new(), 0);
    assert_eq!(
        m.unattributed.as_deref(),
        Some("Unattributed (31%)  ↓ 3.00 KiB ↑ 1.00 KiB")
    );
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(m.unattributed, None);
}

#[test]
fn unattributed_follows_the_device_filter() {
    // eth0 carries 50 KiB/s nobody claims; wlan0 is fully attributed.
    let s = snapshot(
        vec![
            process(1, 11, "a", &[("eth0", 50.0 * KIB, 0.0, 0, 0)]),
            process(2, 12, "b", &[("wlan0", 500.0 * KIB, 0.0, 0, 0)]),
        ],
        usage(50.0 * KIB, 0.0, 0, 0),
    );
    let eth = MenuSettings {
        device: Some("eth0".into()),
        ..MenuSettings::default()
    };
    let m = build_at(&s, &eth, &mut Ordering::new(), 0);
    assert_eq!(
        m.unattributed.as_deref(),
        Some("Unattributed (50%)  ↓ 50.0 KiB/s ↑ 0 B/s")
    );
    let wlan = MenuSettings {
        device: Some("wlan0".into()),
        ..MenuSettings::default()
    };
    let m = build_at(&s, &wlan, &mut Ordering::new(), 0);
    assert_eq!(m.unattributed, None);
}

#[test]
fn totals_only_says_so_and_offers_the_retry() {
    let mut s = Snapshot::empty(Mode::TotalsOnly, "");
    s.total = usage(300.0 * KIB, 10.0 * KIB, 0, 0);
    s.unattributed = s.total;
    s.devices = vec![DeviceUsage {
        name: "eth0".into(),
        usage: s.total,
    }];
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert!(m.offer_enable_per_process);
    assert_eq!(
        m.status.as_deref(),
        Some("Totals only: per-process monitoring is off")
    );
    assert_eq!(m.unattributed, None);
    assert!(m.rows.is_empty());
    assert_eq!(m.placeholder.as_deref(), Some("No per-process data"));
    assert_eq!(m.header, "↓ 300 KiB/s ↑ 10.0 KiB/s");

    s.status = "nethogs is not installed:\n\x1b[31mapt install nethogs".into();
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(
        m.status.as_deref(),
        Some("nethogs is not installed:\u{FFFD}\u{FFFD}[31mapt install nethogs")
    );

    let starting = Snapshot::empty(Mode::Starting, "");
    let m = build_at(&starting, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(m.status.as_deref(), Some("Starting…"));
    assert!(!m.offer_enable_per_process);

    let mut restarting = talkers(&[("a", KIB)]);
    restarting.status = "helper exited; restarting in 2 s".into();
    let m = build_at(
        &restarting,
        &MenuSettings::default(),
        &mut Ordering::new(),
        0,
    );
    assert_eq!(
        m.status.as_deref(),
        Some("helper exited; restarting in 2 s")
    );
    assert!(!m.offer_enable_per_process);
}

#[test]
fn paused_shows_in_header_and_item() {
    let s = talkers(&[("a", KIB)]);
    let paused = MenuSettings {
        paused: true,
        ..MenuSettings::default()
    };
    let m = build(&s, &paused, Some((0, 0)), &mut Ordering::new(), Mono(0));
    assert_eq!(
        m.header,
        "↓ 1.00 KiB/s ↑ 0 B/s · today ↓ 0 B ↑ 0 B · paused"
    );
    assert_eq!(m.pause_label, "Resume");
}

#[test]
fn on_battery_the_menu_says_the_stretched_refresh_and_on_mains_nothing() {
    let menu = |s: &Snapshot| {
        let settings = MenuSettings::default();
        build(s, &settings, None, &mut Ordering::new(), Mono(0))
    };
    let mut s = snapshot(Vec::new(), Usage::default());
    assert_eq!(menu(&s).power, None);
    s.battery_refresh_s = Some(2);
    let on = menu(&s).power;
    assert_eq!(on.as_deref(), Some("On battery: refreshing every 2 s"));
    // Beside a status of the collector's, not instead of it.
    s.mode = Mode::TotalsOnly;
    let m = menu(&s);
    assert!(m.status.is_some() && m.power.is_some(), "{m:?}");
}
