//! What the real-traffic tests need from the machine (root, nethogs, `ip`, python3,
//! `timeout`), checked up front so a missing piece fails with its name, never silently.

use std::path::Path;

/// Where nethogs is expected (Debian package).
pub const NETHOGS: &str = "/usr/sbin/nethogs";

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Panics with a clear message unless running as root with nethogs, `ip` and python3
/// installed. Real-traffic tests never skip silently: CI always has all of them.
pub fn require_root_and_nethogs() {
    match effective_uid() {
        Some(0) => {}
        Some(uid) => panic!(
            "real-traffic tests must run as root (they create network namespaces and run \
             nethogs); effective uid is {uid}. Run them as root, e.g. `sudo -E cargo test`."
        ),
        None => panic!("cannot determine the effective uid from /proc/self/status"),
    }
    for (path, what) in [
        (NETHOGS, "nethogs (apt-get install -y nethogs)"),
        ("/usr/bin/python3", "python3"),
    ] {
        if !executable(Path::new(path)) {
            panic!("{what} is required for real-traffic tests but {path} is missing");
        }
    }
    let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];
    if !ip.iter().any(|p| executable(Path::new(p))) {
        panic!("iproute2 (`ip`) is required for real-traffic tests but was not found");
    }
    if !executable(Path::new("/usr/bin/timeout")) {
        panic!("coreutils `timeout` is required for real-traffic tests");
    }
}
