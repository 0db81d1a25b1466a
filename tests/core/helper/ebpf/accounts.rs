//! What a device moved, two ways: as the kernel counts it (its counters, in IP bytes) and as
//! the helper's `ebpf` records attribute it to processes; and whether the two agree.

use crate::support::{err, Result};

/// Bytes sent and received by processes (tgid ≠ 0) on one device of one namespace.
pub(super) fn on_device(lines: &[String], netns: u64, ifindex: u32) -> (u64, u64) {
    let (mut sent, mut recv) = (0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(' ').collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        if f.first() == Some(&"ebpf")
            && num(1) == netns
            && num(2) == u64::from(ifindex)
            && num(3) != 0
        {
            sent += num(5);
            recv += num(6);
        }
    }
    (sent, recv)
}

/// IP bytes a device (veth or lo) sent and received so far: its counters less 14 B of Ethernet header per
/// packet (a GSO packet counts once there, as in the kernel program).
pub(super) fn device_ip_bytes(ns: &str, dev: &str) -> Result<(u64, u64)> {
    let stat = |name: &str| format!("/sys/class/net/{dev}/statistics/{name}");
    let names = ["tx_bytes", "tx_packets", "rx_bytes", "rx_packets"].map(stat);
    let mut argv = vec!["ip", "netns", "exec", ns, "cat"];
    argv.extend(names.iter().map(String::as_str));
    let text = crate::support::run_ok(&argv)?;
    let v: Vec<u64> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [tx, tx_packets, rx, rx_packets] = v[..] else {
        return Err(err(format!("statistics of {dev} in {ns}: {text:?}")));
    };
    Ok((tx - 14 * tx_packets, rx - 14 * rx_packets))
}

/// The bytes a device counted (IP bytes, sent and received) are in processes' records, as a
/// share of the device's count in `share_range` (percent).
pub(super) fn all_attributed(
    device: &str,
    ours: (u64, u64),
    dev: (u64, u64),
    share_range: std::ops::RangeInclusive<f64>,
) -> Result<()> {
    for (what, ours, dev) in [("sent", ours.0, dev.0), ("received", ours.1, dev.1)] {
        let share = ours as f64 / dev as f64 * 100.0;
        eprintln!("{device} {what}: {dev} IP bytes, {ours} attributed ({share:.3}%)");
        if !share_range.contains(&share) {
            return Err(err(format!(
                "{device} {what}: {ours} of {dev} B attributed"
            )));
        }
    }
    Ok(())
}
