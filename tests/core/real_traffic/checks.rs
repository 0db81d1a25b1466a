//! The assertions: per process against the payloads (+5 % at most), per device against
//! H's `/proc/net/dev` (0.1 %).

use super::clients::{Client, Dir};
use super::top::Hogwatch;
use crate::support;
use std::collections::HashMap;
use support::snapshot::Snapshot;
use support::{err, DevCounters, Result};

/// Collects failed checks so that every figure is printed before the test fails.
#[derive(Default)]
pub(super) struct Checks {
    failures: Vec<String>,
}

impl Checks {
    pub(super) fn check(&mut self, ok: bool, msg: String) {
        if ok {
            eprintln!("  ok    {msg}");
        } else {
            eprintln!("  FAIL  {msg}");
            self.failures.push(msg);
        }
    }

    pub(super) fn finish(self) -> Result<()> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(err(format!(
                "{} check(s) failed:\n  {}",
                self.failures.len(),
                self.failures.join("\n  ")
            )))
        }
    }
}

pub(super) fn pct(reported: u64, truth: u64) -> f64 {
    if truth == 0 {
        if reported == 0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        (reported as f64 - truth as f64) * 100.0 / truth as f64
    }
}

/// `payload ≤ reported ≤ payload × 1.05`.
pub(super) fn within_plus_5pct(reported: u64, payload: u64) -> bool {
    reported >= payload && u128::from(reported) * 100 <= u128::from(payload) * 105
}

/// `|reported − truth| ≤ 0.1 % of truth`.
pub(super) fn within_0_1pct(reported: u64, truth: u64) -> bool {
    u128::from(reported.abs_diff(truth)) * 1000 <= u128::from(truth)
}

pub(super) fn dev_delta(
    before: &HashMap<String, DevCounters>,
    after: &HashMap<String, DevCounters>,
    dev: &str,
) -> Result<DevCounters> {
    let (Some(b), Some(a)) = (before.get(dev), after.get(dev)) else {
        return Err(err(format!("device {dev} missing from /proc/net/dev")));
    };
    Ok(DevCounters {
        rx_bytes: a.rx_bytes.saturating_sub(b.rx_bytes),
        tx_bytes: a.tx_bytes.saturating_sub(b.tx_bytes),
    })
}

/// Device totals of the final snapshot against `/proc/net/dev` deltas (0.1 %), the
/// internal consistency of the snapshot (total = Σ devices, attributed + unattributed =
/// total, 0.1 %), and sane rates in every snapshot.
pub(super) fn check_devices(
    checks: &mut Checks,
    snaps: &[Snapshot],
    last: &Snapshot,
    devices: &[&str],
    before: &HashMap<String, DevCounters>,
    after: &HashMap<String, DevCounters>,
) -> Result<()> {
    eprintln!("device totals (hogwatch last snapshot vs /proc/net/dev delta in H):");
    for dev in devices {
        let delta = dev_delta(before, after, dev)?;
        let Some(rep) = last.device(dev) else {
            checks.check(
                false,
                format!("device {dev} missing from the last snapshot"),
            );
            continue;
        };
        for (dir, reported, truth) in [
            ("up", rep.usage.up_bytes, delta.tx_bytes),
            ("down", rep.usage.down_bytes, delta.rx_bytes),
        ] {
            checks.check(
                within_0_1pct(reported, truth),
                format!(
                    "device {dev} {dir:<4}: hogwatch {reported:>9} B, /proc/net/dev {truth:>9} B \
                     ({:+.4}%, allowed ±0.1%)",
                    pct(reported, truth)
                ),
            );
        }
    }
    let mut bad_rates = Vec::new();
    for s in snaps {
        let usages = [("total", &s.total), ("unattributed", &s.unattributed)]
            .into_iter()
            .chain(s.devices.iter().map(|d| (d.name.as_str(), &d.usage)))
            .chain(s.processes.iter().map(|p| (p.name.as_str(), &p.usage)));
        for (what, u) in usages {
            for r in [u.up_rate, u.down_rate] {
                if !(r.is_finite() && r >= 0.0) {
                    bad_rates.push(format!("ts {} {what}: {r}", s.ts));
                }
            }
        }
    }
    checks.check(
        bad_rates.is_empty(),
        format!(
            "every rate in {} snapshots is finite and ≥ 0 {bad_rates:?}",
            snaps.len()
        ),
    );
    let sum_up: u64 = last.devices.iter().map(|d| d.usage.up_bytes).sum();
    let sum_down: u64 = last.devices.iter().map(|d| d.usage.down_bytes).sum();
    let att_up: u64 = last.processes.iter().map(|p| p.usage.up_bytes).sum();
    let att_down: u64 = last.processes.iter().map(|p| p.usage.down_bytes).sum();
    eprintln!(
        "snapshot consistency: total up {} down {}; Σ devices up {sum_up} down {sum_down}; \
         attributed up {att_up} down {att_down}; unattributed up {} down {}",
        last.total.up_bytes,
        last.total.down_bytes,
        last.unattributed.up_bytes,
        last.unattributed.down_bytes
    );
    for (dir, total, sum, att, unatt) in [
        (
            "up",
            last.total.up_bytes,
            sum_up,
            att_up,
            last.unattributed.up_bytes,
        ),
        (
            "down",
            last.total.down_bytes,
            sum_down,
            att_down,
            last.unattributed.down_bytes,
        ),
    ] {
        checks.check(
            within_0_1pct(total, sum),
            format!("total.{dir}_bytes {total} = Σ devices {sum}"),
        );
        checks.check(
            within_0_1pct(att + unatt, total),
            format!(
                "{dir}: attributed {att} + unattributed {unatt} = {} vs total {total} ({:+.4}%)",
                att + unatt,
                pct(att + unatt, total)
            ),
        );
    }
    Ok(())
}

/// One client's attribution: present, right name, exactly its device, bytes within
/// +0..+5 % of the payload.
pub(super) fn check_client(checks: &mut Checks, hog: &Hogwatch, c: &Client) {
    let Some(done) = &c.done else {
        checks.check(false, format!("{}: never finished", c.tag));
        return;
    };
    let pid = done.pid;
    let Some((snap, p)) = hog.last_with_pid(pid) else {
        checks.check(
            false,
            format!(
                "{} (pid {pid}, {:?} {} B on {}): not in any of {} snapshots",
                c.tag,
                c.dir,
                c.payload,
                c.device,
                hog.snaps.len()
            ),
        );
        return;
    };
    let dev = p.devices.iter().find(|d| d.name == c.device);
    let reported = dev.map_or(0, |d| match c.dir {
        Dir::Up => d.usage.up_bytes,
        Dir::Down => d.usage.down_bytes,
    });
    eprintln!(
        "{:<10} pid {pid:>7} {:<4} on {}: payload {:>9} B, hogwatch {:>9} B ({:+.3}%) \
         [snapshot ts {}; name {:?}; exe {:?}; devices {:?}]",
        c.tag,
        format!("{:?}", c.dir).to_lowercase(),
        c.device,
        c.payload,
        reported,
        pct(reported, c.payload),
        snap.ts,
        p.name,
        p.exe,
        p.devices
            .iter()
            .map(|d| (&d.name, d.usage.up_bytes, d.usage.down_bytes))
            .collect::<Vec<_>>()
    );
    checks.check(
        p.name == c.name,
        format!("{} name {:?} == {:?}", c.tag, p.name, c.name),
    );
    let names: Vec<&str> = p.devices.iter().map(|d| d.name.as_str()).collect();
    checks.check(
        names == [c.device.as_str()],
        format!("{} devices {names:?} == [{:?}]", c.tag, c.device),
    );
    checks.check(
        within_plus_5pct(reported, c.payload),
        format!(
            "{} {:?} bytes on {}: {reported} within +0..+5% of {} ({:+.3}%)",
            c.tag,
            c.dir,
            c.device,
            c.payload,
            pct(reported, c.payload)
        ),
    );
}
