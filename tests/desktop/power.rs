//! Battery awareness against a fake UPower and a fake logind on the test's private bus,
//! given to hogwatch as its system bus (`DBUS_SYSTEM_BUS_ADDRESS`):
//!
//! * the tray, collecting live (nethogs hidden: totals only, refreshed by the collector's
//!   own tick), says "On battery: refreshing every 2 s" once UPower says `OnBattery`, and
//!   stops saying it when the power comes back;
//! * `hogwatch top --json` on battery refreshes at most every 2 s (`interval_ms` ≥ 1.9 s:
//!   a lower bound, which a loaded machine only lengthens) and says so
//!   (`battery_refresh_s`);
//! * the power module follows `OnBattery` both ways, and counts `PrepareForSleep(true)`
//!   (not `false`) into `sleeps`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use hogwatch::power::{bus, PowerState};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::cli::{hog_argv, refs, WITHOUT_NETHOGS};
use support::desktop::{Desktop, MenuNode};
use support::home::Home;
use support::netns::Pair;
use support::power::{FakeLogind, FakeUPower};
use support::snapshot::Snapshot;
use support::tray_app::{quit, start_tray, HOGWATCH};
use support::{err, require_root_and_nethogs, Child, Result};
use tokio::sync::watch;

const ON_BATTERY: &str = "On battery: refreshing every 2 s";

fn says_battery(m: &MenuNode) -> bool {
    m.find(|n| n.text() == ON_BATTERY).is_some()
}

#[test]
fn the_tray_says_when_the_refresh_stretches_on_battery() -> Result<()> {
    require_root_and_nethogs();
    let home = Home::new("hogwatch-power-")?;
    let desktop = Desktop::start(&home)?;
    let upower = FakeUPower::start(desktop.bus_address(), false)?;
    let pair = Pair::new("trbat")?;
    let dev = pair.link.dev.clone();
    let system_bus = format!("DBUS_SYSTEM_BUS_ADDRESS={}", desktop.bus_address());
    let (mut hog, tray) = start_tray(
        &desktop,
        "tray-power",
        &[
            &["ip", "netns", "exec", pair.h.name()][..],
            &WITHOUT_NETHOGS,
            &[
                "env",
                &system_bus,
                HOGWATCH,
                "--devices",
                &dev,
                "--no-history",
            ],
        ]
        .concat(),
    )?;
    // On mains: live refreshes (the totals-only status shows), no battery line.
    let menu = tray.wait_layout(Duration::from_secs(15), |m| {
        m.find(|n| n.text().contains("per-process monitoring is off"))
            .is_some()
    })?;
    assert!(!says_battery(&menu), "on mains:\n{}", menu.dump());

    upower.set_on_battery(true)?;
    tray.wait_layout(Duration::from_secs(10), says_battery)
        .map_err(|e| err(format!("{e}\nhogwatch said:\n{}", hog.stderr_text())))?;

    upower.set_on_battery(false)?;
    tray.wait_layout(Duration::from_secs(10), |m| !says_battery(m))?;
    quit(&tray, &mut hog)
}

#[test]
fn on_battery_top_refreshes_every_2_s_and_says_so() -> Result<()> {
    require_root_and_nethogs();
    let home = Home::new("hogwatch-power-top-")?;
    let desktop = Desktop::start(&home)?;
    let _upower = FakeUPower::start(desktop.bus_address(), true)?;
    let pair = Pair::new("topbat")?;
    let dev = pair.link.dev.clone();
    let system_bus = format!("DBUS_SYSTEM_BUS_ADDRESS={}", desktop.bus_address());
    // Live and totals only (nethogs hidden): the collector's own deadline spaces the
    // refreshes.
    let wrapper = [&WITHOUT_NETHOGS[..], &["/usr/bin/env", &system_bus]].concat();
    let args = [
        "top",
        "--json",
        "--count",
        "6",
        "--devices",
        &dev,
        "--no-history",
    ];
    let argv = hog_argv(&wrapper, HOGWATCH, &home, &args);
    let mut hog = Child::spawn("top-battery", Some(pair.h.name()), &refs(&argv))?;
    let mut snaps = Vec::new();
    for n in 1..=6 {
        let line = hog
            .lines()
            .wait_for(&format!("snapshot {n}"), Duration::from_secs(15), |l| {
                l.starts_with('{')
            })
            .map_err(|e| err(format!("{e}; stderr:\n{}", hog.stderr_text())))?;
        let s: Snapshot =
            serde_json::from_str(&line).map_err(|e| err(format!("snapshot {n}: {e}: {line}")))?;
        snaps.push(s);
    }
    hog.wait_exit(Duration::from_secs(10))?;
    // The first refreshes may come before UPower has answered; the last two after it.
    for s in &snaps[4..] {
        assert_eq!(s.battery_refresh_s, Some(2), "{:?}", snaps_brief(&snaps));
        assert!(s.interval_ms >= 1900, "{:?}", snaps_brief(&snaps));
    }
    Ok(())
}

fn snaps_brief(snaps: &[Snapshot]) -> Vec<(u64, Option<u64>, String)> {
    snaps
        .iter()
        .map(|s| (s.interval_ms, s.battery_refresh_s, s.mode.clone()))
        .collect()
}

/// Waits until `state` satisfies `pred`, polling it (the bus side runs on its own runtime).
fn wait_state(
    what: &str,
    rx: &watch::Receiver<PowerState>,
    pred: impl Fn(&PowerState) -> bool,
) -> Result<PowerState> {
    let start = Instant::now();
    loop {
        let now = *rx.borrow();
        if pred(&now) {
            return Ok(now);
        }
        if start.elapsed() > Duration::from_secs(10) {
            return Err(err(format!("{what}: still {now:?} after 10 s")));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_power_module_follows_upower_and_counts_sleeps() -> Result<()> {
    let home = Home::new("hogwatch-power-bus-")?;
    let desktop = Desktop::start(&home)?;
    let upower = FakeUPower::start(desktop.bus_address(), false)?;
    let logind = FakeLogind::start(desktop.bus_address())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let address = desktop.bus_address().to_owned();
    let conn = rt
        .block_on(async {
            zbus::connection::Builder::address(address.as_str())?
                .build()
                .await
        })
        .map_err(|e| err(format!("connect: {e}")))?;
    let (tx, rx) = watch::channel(PowerState::default());
    let (tx, followed) = (Arc::new(tx), Arc::new(AtomicBool::new(false)));
    {
        let (conn, tx, followed) = (conn.clone(), Arc::clone(&tx), Arc::clone(&followed));
        rt.spawn(async move { bus::follow_upower(&conn, &tx, &followed).await });
    }
    // Subscribed before the first signal is sent: none is lost.
    let sleeps = rt
        .block_on(bus::logind_signals(&conn))
        .map_err(|e| err(format!("subscribe to PrepareForSleep: {e}")))?;
    {
        let tx = Arc::clone(&tx);
        rt.spawn(async move { bus::count_sleeps(sleeps, &tx).await });
    }

    // UPower: read once, then followed both ways.
    let start = Instant::now();
    while !followed.load(Ordering::SeqCst) {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(err("UPower was not followed within 10 s"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!rx.borrow().on_battery);
    upower.set_on_battery(true)?;
    wait_state("on battery", &rx, |s| s.on_battery)?;
    upower.set_on_battery(false)?;
    wait_state("back on mains", &rx, |s| !s.on_battery)?;

    // logind: the wake-up (false) counts nothing, the coming sleep (true) once each; the
    // signals come in the order sent.
    logind.prepare_for_sleep(false)?;
    logind.prepare_for_sleep(true)?;
    wait_state("the first sleep", &rx, |s| s.sleeps >= 1)?;
    logind.prepare_for_sleep(false)?;
    logind.prepare_for_sleep(true)?;
    let after = wait_state("the second sleep", &rx, |s| s.sleeps >= 2)?;
    assert_eq!(after.sleeps, 2, "PrepareForSleep(false) counted as a sleep");
    rt.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}
