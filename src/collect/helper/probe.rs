//! Gathers the facts the privilege route depends on (see `privilege.rs`): who we are,
//! where nethogs and the helper are, nethogs' file capabilities, our own ambient
//! capabilities (the system service's), pkexec, a polkit agent, sudo. Reads files only;
//! runs nothing.

use super::privilege::Probes;
use crate::collect::procfs::{effective_uid, status_uid};
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The only places the helper (and so we) accept nethogs from.
pub const NETHOGS_PATHS: [&str; 3] = [
    "/usr/sbin/nethogs",
    "/usr/bin/nethogs",
    "/usr/local/sbin/nethogs",
];
pub const PKEXEC: &str = "/usr/bin/pkexec";
pub const SUDO: &str = "/usr/bin/sudo";
pub const INSTALLED_HELPER: &str = "/usr/libexec/hogwatch/hogwatch-helper";

const CAP_DAC_READ_SEARCH: u32 = 2;
const CAP_NET_RAW: u32 = 13;
const CAP_SYS_PTRACE: u32 = 19;

/// True when a `security.capability` xattr grants the three capabilities nethogs needs
/// for full attribution, permitted and effective.
pub fn caps_sufficient(xattr: &[u8]) -> bool {
    let word = |i: usize| -> Option<u32> {
        let b = xattr.get(i * 4..i * 4 + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(magic), Some(permitted)) = (word(0), word(1)) else {
        return false;
    };
    let effective = magic & 0x1 != 0;
    let revision = magic & 0xFF00_0000;
    let known = matches!(revision, 0x0100_0000 | 0x0200_0000 | 0x0300_0000);
    let need = (1 << CAP_DAC_READ_SEARCH) | (1 << CAP_NET_RAW) | (1 << CAP_SYS_PTRACE);
    known && effective && permitted & need == need
}

/// True when `/proc/self/status` text says this process holds the three capabilities
/// nethogs needs as *ambient* ones: those survive the exec of the helper and of nethogs
/// (the system service's unit grants them so; docs/service.md). Permitted or effective
/// ones alone would be dropped at exec.
pub fn ambient_caps_sufficient(status: &str) -> bool {
    let need: u64 = (1 << CAP_DAC_READ_SEARCH) | (1 << CAP_NET_RAW) | (1 << CAP_SYS_PTRACE);
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapAmb:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|amb| amb & need == need)
}

/// nethogs from the fixed list, as the helper resolves it.
pub fn nethogs_path() -> Option<&'static str> {
    NETHOGS_PATHS.into_iter().find(|p| Path::new(p).is_file())
}

/// The helper next to our own binary (a build tree), else the installed one.
pub fn helper_path() -> Option<PathBuf> {
    crate::exe::libexec(crate::exe::HELPER)
}

/// Process names (`/proc/PID/comm`, ≤ 15 chars) of polkit agents of the common desktops.
fn is_agent_comm(comm: &str) -> bool {
    comm.contains("polkit")
        || comm.contains("policykit")
        || matches!(comm, "gnome-shell" | "cinnamon" | "pkttyagent")
}

/// A polkit agent of our user runs (GUI prompt), or we have a terminal (pkexec's text agent).
pub fn polkit_agent_available(uid: u32) -> bool {
    if std::io::stdin().is_terminal() {
        return true;
    }
    let Ok(dir) = fs::read_dir("/proc") else {
        return false;
    };
    dir.filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .any(|e| {
            let owned = fs::read_to_string(e.path().join("status"))
                .ok()
                .and_then(|s| status_uid(&s, 0))
                == Some(uid);
            owned
                && fs::read_to_string(e.path().join("comm"))
                    .map(|c| is_agent_comm(c.trim()))
                    .unwrap_or(false)
        })
}

/// Gathers all probes for this machine and user.
pub fn probe() -> Probes {
    let uid = effective_uid();
    let nethogs = nethogs_path();
    let nethogs_caps = nethogs
        .and_then(|p| xattr::get(p, "security.capability").ok().flatten())
        .is_some_and(|x| caps_sufficient(&x));
    let pkexec = Path::new(PKEXEC).is_file();
    Probes {
        is_root: uid == Some(0),
        nethogs: nethogs.map(str::to_owned),
        nethogs_caps,
        ambient_caps: fs::read_to_string("/proc/self/status")
            .is_ok_and(|s| ambient_caps_sufficient(&s)),
        pkexec,
        polkit_agent: pkexec && polkit_agent_available(uid.unwrap_or(u32::MAX)),
        sudo: Path::new(SUDO).is_file(),
        helper: helper_path().map(|p| p.to_string_lossy().into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xattr(magic: u32, permitted: u32) -> Vec<u8> {
        let mut v = magic.to_le_bytes().to_vec();
        v.extend(permitted.to_le_bytes());
        v.extend([0u8; 12]);
        v
    }

    #[test]
    fn ambient_capabilities() {
        let status =
            |amb: &str| format!("Name:\thogwatch\nCapInh:\t0000000000082004\nCapAmb:\t{amb}\n");
        assert!(ambient_caps_sufficient(&status("0000000000082004")));
        assert!(ambient_caps_sufficient(&status("000001ffffffffff")));
        assert!(
            !ambient_caps_sufficient(&status("0000000000002000")),
            "net_raw only"
        );
        assert!(!ambient_caps_sufficient(&status("0000000000000000")));
        assert!(!ambient_caps_sufficient(&status("zz")));
        assert!(
            !ambient_caps_sufficient("CapEff:\t000001ffffffffff\n"),
            "effective is not ambient"
        );
    }

    #[test]
    fn capability_xattr() {
        let all = (1 << 2) | (1 << 13) | (1 << 19);
        assert!(caps_sufficient(&xattr(0x0200_0001, all)));
        assert!(caps_sufficient(&xattr(0x0300_0001, all | 1 << 12)));
        assert!(!caps_sufficient(&xattr(0x0200_0000, all)), "not effective");
        assert!(
            !caps_sufficient(&xattr(0x0200_0001, 1 << 13)),
            "net_raw only"
        );
        assert!(
            !caps_sufficient(&xattr(0x0700_0001, all)),
            "unknown revision"
        );
        assert!(!caps_sufficient(&[1, 2, 3]));
        assert!(!caps_sufficient(&[]));
    }

    #[test]
    fn agent_names() {
        assert!(is_agent_comm("polkit-gnome-au"));
        assert!(is_agent_comm("lxqt-policykit-"));
        assert!(is_agent_comm("gnome-shell"));
        assert!(!is_agent_comm("bash"));
    }
}
