//! Rows: labels and details, top N, grouping, sorting by amounts, the device filter,
//! caps on long lists and stand-ins for missing names.

use super::*;

#[test]
fn header_and_labels_use_binary_units() {
    let s = snapshot(
        vec![process(
            1,
            42,
            "firefox",
            &[("eth0", 340.0 * KIB, 1_258_291.0, 5 * GIB, 3 * 1024 * 1024)],
        )],
        Usage::default(),
    );
    let m = build(
        &s,
        &MenuSettings::default(),
        Some((200 * 1024 * 1024, GIB * 6 / 5)),
        &mut Ordering::new(),
        Mono(0),
    );
    assert_eq!(
        m.header,
        "↓ 340 KiB/s ↑ 1.20 MiB/s · today ↓ 1.20 GiB ↑ 200 MiB"
    );
    assert_eq!(m.rows.len(), 1);
    let r = &m.rows[0];
    assert_eq!(r.label, "firefox  ↓ 340 KiB/s ↑ 1.20 MiB/s");
    assert_eq!(r.id, RowId::App("/usr/bin/firefox".into()));
    assert_eq!(r.id.to_string(), "app:/usr/bin/firefox");
    assert_eq!(r.pids, vec![42]);
    assert_eq!(
        r.details,
        vec![
            "PID: 42",
            "User: alice",
            "Executable: /usr/bin/firefox",
            "Device: eth0",
            "Rate: ↓ 340 KiB/s ↑ 1.20 MiB/s",
            "Session: ↓ 5.00 GiB ↑ 3.00 MiB",
        ]
    );
    assert_eq!(m.placeholder, None);
    assert_eq!(m.unattributed, None);
    assert_eq!(m.status, None);
    assert!(!m.offer_enable_per_process);
    assert_eq!(m.pause_label, "Pause");
    // Without history the header has no "today".
    let m = build(
        &s,
        &MenuSettings::default(),
        None,
        &mut Ordering::new(),
        Mono(0),
    );
    assert_eq!(m.header, "↓ 340 KiB/s ↑ 1.20 MiB/s");
}

#[test]
fn top_n_by_rate() {
    let s = talkers(&[
        ("a", 10.0 * KIB),
        ("b", 70.0 * KIB),
        ("c", 30.0 * KIB),
        ("d", 50.0 * KIB),
        ("e", 20.0 * KIB),
        ("f", 60.0 * KIB),
        ("g", 40.0 * KIB),
    ]);
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["b", "f", "d", "g", "c"]);
    let three = MenuSettings {
        top_n: 3,
        ..MenuSettings::default()
    };
    let m = build_at(&s, &three, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["b", "f", "d"]);
    let none = MenuSettings {
        top_n: 0,
        ..MenuSettings::default()
    };
    let m = build_at(&s, &none, &mut Ordering::new(), 0);
    assert!(m.rows.is_empty());
}

#[test]
fn idle_processes_are_not_listed() {
    let s = talkers(&[("busy", 5.0 * KIB), ("quiet", 0.0)]);
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["busy"]);
    let s = talkers(&[("quiet", 0.0)]);
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert!(m.rows.is_empty());
    assert_eq!(m.placeholder.as_deref(), Some("No process traffic"));
}

#[test]
fn apps_group_their_processes() {
    let s = snapshot(
        vec![
            process(1, 11, "firefox", &[("eth0", 100.0 * KIB, KIB, 1000, 10)]),
            process(2, 12, "firefox", &[("wlan0", 50.0 * KIB, KIB, 500, 20)]),
            process(3, 13, "curl", &[("eth0", 120.0 * KIB, 0.0, 3000, 0)]),
        ],
        Usage::default(),
    );
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["firefox", "curl"]);
    let ff = &m.rows[0];
    assert_eq!(ff.pids, vec![11, 12]);
    assert_eq!(ff.usage, usage(150.0 * KIB, 2.0 * KIB, 1500, 30));
    assert_eq!(ff.label, "firefox  ↓ 150 KiB/s ↑ 2.00 KiB/s");
    assert!(ff.details.contains(&"PIDs: 11, 12".to_string()));
    assert!(ff.details.contains(&"Devices: eth0, wlan0".to_string()));

    let procs = MenuSettings {
        group: Group::Processes,
        ..MenuSettings::default()
    };
    let m = build_at(&s, &procs, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["curl (13)", "firefox (11)", "firefox (12)"]);
    assert_eq!(m.rows[0].id, RowId::Process(3));
    assert_eq!(m.rows[0].id.to_string(), "proc:3");
    assert!(m.rows[1]
        .details
        .contains(&"Command: firefox --flag".to_string()));
    assert!(m.rows[1].details.contains(&"PID: 11".to_string()));
}

#[test]
fn sorting_by_amounts() {
    let s = snapshot(
        vec![
            process(1, 11, "fast", &[("eth0", 900.0 * KIB, 0.0, 10 * 1024, 0)]),
            process(2, 12, "big", &[("eth0", 2.0 * KIB, 0.0, 3 * GIB, 1024)]),
            process(3, 13, "mid", &[("eth0", 20.0 * KIB, 0.0, GIB, 0)]),
        ],
        Usage::default(),
    );
    let by_session = MenuSettings {
        sort: Sort::SessionTotal,
        ..MenuSettings::default()
    };
    let m = build_at(&s, &by_session, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["big", "mid", "fast"]);
    // Sorted by amount, the labels show amounts.
    assert_eq!(m.rows[0].label, "big  ↓ 3.00 GiB ↑ 1.00 KiB");

    // Today's totals from history decide where known; the session elsewhere.
    let mut by_today = MenuSettings {
        sort: Sort::Today,
        ..MenuSettings::default()
    };
    by_today
        .app_today
        .insert("/usr/bin/fast".into(), (0, 8 * GIB));
    let m = build_at(&s, &by_today, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["fast", "big", "mid"]);
    assert_eq!(m.rows[0].label, "fast  ↓ 8.00 GiB ↑ 0 B");
    assert_eq!(m.rows[0].today, Some((0, 8 * GIB)));
    assert!(m.rows[0]
        .details
        .contains(&"Today: ↓ 8.00 GiB ↑ 0 B".to_string()));
    assert_eq!(m.rows[1].label, "big  ↓ 3.00 GiB ↑ 1.00 KiB");

    // Without history, Today is the session order.
    let plain_today = MenuSettings {
        sort: Sort::Today,
        ..MenuSettings::default()
    };
    let m = build_at(&s, &plain_today, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["big", "mid", "fast"]);
}

#[test]
fn device_filter_changes_rows_and_figures() {
    let s = snapshot(
        vec![
            process(
                1,
                11,
                "firefox",
                &[
                    ("eth0", 100.0 * KIB, KIB, 1000, 10),
                    ("wlan0", 5.0 * KIB, 0.0, 50, 0),
                ],
            ),
            process(2, 12, "steam", &[("wlan0", 900.0 * KIB, 0.0, 9000, 0)]),
            process(3, 13, "ssh", &[("eth0", 3.0 * KIB, 2.0 * KIB, 30, 20)]),
        ],
        Usage::default(),
    );
    let all = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(names(&all), ["steam", "firefox", "ssh"]);
    assert_eq!(all.devices.len(), 3);
    assert_eq!(all.devices[0].label, "All devices");
    assert!(all.devices[0].selected);
    assert!(all.devices[1..].iter().all(|d| !d.selected));

    let eth = MenuSettings {
        device: Some("eth0".into()),
        ..MenuSettings::default()
    };
    let m = build_at(&s, &eth, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["firefox", "ssh"]);
    // Only eth0's share of firefox.
    assert_eq!(m.rows[0].usage, usage(100.0 * KIB, KIB, 1000, 10));
    assert!(m.rows[0].details.contains(&"Device: eth0".to_string()));
    assert!(
        m.header.starts_with("eth0: ↓ 103 KiB/s ↑ 3.00 KiB/s"),
        "{}",
        m.header
    );
    let selected: Vec<&str> = m
        .devices
        .iter()
        .filter(|d| d.selected)
        .map(|d| d.label.as_str())
        .collect();
    assert_eq!(selected, ["eth0"]);

    let wlan = MenuSettings {
        device: Some("wlan0".into()),
        ..MenuSettings::default()
    };
    let m = build_at(&s, &wlan, &mut Ordering::new(), 0);
    assert_eq!(names(&m), ["steam", "firefox"]);
    assert_eq!(m.rows[1].usage, usage(5.0 * KIB, 0.0, 50, 0));

    // A device that went away: no rows, and the choice stays to undo it.
    let gone = MenuSettings {
        device: Some("usb0".into()),
        ..MenuSettings::default()
    };
    let m = build_at(&s, &gone, &mut Ordering::new(), 0);
    assert!(m.rows.is_empty());
    assert_eq!(m.placeholder.as_deref(), Some("No process traffic on usb0"));
    let last = m.devices.last().expect("choices");
    assert_eq!(last.label, "usb0 (absent)");
    assert!(last.selected);
    assert!(!m.devices[0].selected);
}

#[test]
fn long_lists_are_capped() {
    let procs = (0..20)
        .map(|i| {
            let mut p = process(i, 1000 + i as u32, "chrome", &[("eth0", KIB, 0.0, 0, 0)]);
            p.user = format!("user{}", i % 6);
            p
        })
        .collect();
    let s = snapshot(procs, Usage::default());
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(m.rows.len(), 1);
    let r = &m.rows[0];
    assert_eq!(r.pids.len(), 20);
    assert_eq!(r.label, "chrome  ↓ 20.0 KiB/s ↑ 0 B/s");
    assert!(r
        .details
        .contains(&"PIDs: 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, … (20)".to_string()));
    assert!(r
        .details
        .contains(&"Users: user0, user1, user2, user3, … (6)".to_string()));
}

#[test]
fn missing_names_and_exes_have_stand_ins() {
    let mut p = process(1, 7, "x", &[("eth0", KIB, 0.0, 0, 0)]);
    p.app_name.clear();
    p.app.clear();
    p.exe.clear();
    p.name = "/opt/tool/bin/worker".into();
    let s = snapshot(vec![p], Usage::default());
    let m = build_at(&s, &MenuSettings::default(), &mut Ordering::new(), 0);
    assert_eq!(m.rows[0].name, "worker");
    assert_eq!(m.rows[0].id, RowId::App("/opt/tool/bin/worker".into()));
    assert!(m.rows[0]
        .details
        .contains(&"Executable: unknown".to_string()));
}
