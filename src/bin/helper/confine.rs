//! What the root helper lets nethogs be: a binary only root can have put there, run as
//! `nobody` with the three capabilities it uses and nothing else.
//!
//! - [`trusted`]: nethogs' path is resolved one component at a time, as the kernel does,
//!   and every directory looked in, every symlink followed and the file itself must be
//!   owned by root and not writable by group or others. Only root can then change any of
//!   them, so what we exec (the resolved path) is what we checked: no race is open to
//!   anyone else.
//! - [`confine`]: before exec, the child leaves every capability but cap_net_raw (capture
//!   packets), cap_dac_read_search (open other users' /proc/PID/fd) and cap_sys_ptrace
//!   (read their fd links) in the bounding set, becomes uid/gid 65534 (`nobody`, the kernel's
//!   overflow id) with no supplementary groups, and keeps the three capabilities in its
//!   permitted, effective, inheritable and ambient sets: ambient is what carries them across
//!   exec for a non-root uid. Then no_new_privs: no setuid binary or file capability can give
//!   it more. So a flaw in nethogs' packet parsing gets those three capabilities as
//!   `nobody`, not root (not root's files, not the other capabilities). cap_sys_ptrace is
//!   still strong: whoever holds it may ptrace root's processes; nethogs cannot work
//!   without it (see docs/security.md).
//! - A helper that is not root (nethogs carries file capabilities) changes nothing: it has
//!   no more to give, and no_new_privs would strip nethogs' file capabilities.
//!
//! - [`drop_self`]: the eBPF mode, once its programs are attached, becomes `nobody` itself
//!   the same way, keeping only cap_bpf (to read its maps where the kernel asks for it).
//!
//! Kept apart from `start` so that how nethogs' output is connected can change there freely.

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// nethogs runs as this uid and gid (`nobody`/`nogroup`; the kernel's overflow id).
pub const NETHOGS_ID: u32 = 65534;
/// cap_dac_read_search, cap_net_raw, cap_sys_ptrace (linux/capability.h).
pub const NETHOGS_CAPS: [u32; 3] = [2, 13, 19];
/// More symlinks than this on the way: refused, as the kernel's ELOOP.
const MAX_LINKS: usize = 40;
const CAP_V3: u32 = 0x2008_0522; // _LINUX_CAPABILITY_VERSION_3

/// Resolves `path` and checks that only root can have chosen what it names; returns the
/// resolved path (no symlinks left), which is what must be executed.
pub fn trusted(path: &Path) -> Result<PathBuf, String> {
    let mut todo: Vec<OsString> = Vec::new();
    push_components(&mut todo, path);
    let mut at = PathBuf::from("/");
    root_only(&at, false)?;
    let mut links = 0;
    while let Some(name) = todo.pop() {
        match name.as_bytes() {
            b"" | b"." => continue,
            b".." => {
                at.pop(); // `at` has no symlinks: its parent is the one we came through
                continue;
            }
            _ => {}
        }
        let next = at.join(&name);
        let meta =
            std::fs::symlink_metadata(&next).map_err(|e| format!("{}: {e}", next.display()))?;
        if meta.file_type().is_symlink() {
            root_only(&next, true)?;
            links += 1;
            if links > MAX_LINKS {
                return Err(format!("{}: too many symlinks", path.display()));
            }
            let target =
                std::fs::read_link(&next).map_err(|e| format!("{}: {e}", next.display()))?;
            if target.is_absolute() {
                at = PathBuf::from("/");
            }
            push_components(&mut todo, &target);
        } else {
            root_only(&next, false)?;
            at = next;
        }
    }
    match std::fs::metadata(&at) {
        Ok(m) if m.is_file() => Ok(at),
        Ok(_) => Err(format!("{} is not a regular file", at.display())),
        Err(e) => Err(format!("{}: {e}", at.display())),
    }
}

/// Queues the components of `p` so that the first one is popped first.
fn push_components(todo: &mut Vec<OsString>, p: &Path) {
    let names = p.components().filter_map(|c| match c {
        Component::Normal(n) => Some(n.to_os_string()),
        Component::ParentDir => Some("..".into()),
        Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
    });
    let names: Vec<OsString> = names.collect();
    todo.extend(names.into_iter().rev());
}

/// `p` is owned by root and (unless a symlink, whose mode means nothing) not writable by
/// group or others.
fn root_only(p: &Path, symlink: bool) -> Result<(), String> {
    let m = std::fs::symlink_metadata(p).map_err(|e| format!("{}: {e}", p.display()))?;
    if m.uid() != 0 {
        return Err(format!(
            "{} is owned by uid {}, not root",
            p.display(),
            m.uid()
        ));
    }
    if !symlink && m.mode() & 0o022 != 0 {
        return Err(format!(
            "{} is writable by its group or others (mode {:o})",
            p.display(),
            m.mode() & 0o7777
        ));
    }
    Ok(())
}

/// The capabilities nethogs keeps: [`NETHOGS_CAPS`] that this process has itself (a
/// container may lack cap_sys_ptrace; nethogs then does what it can without it).
fn caps_to_keep() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let permitted = status
        .lines()
        .find_map(|l| l.strip_prefix("CapPrm:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    NETHOGS_CAPS.iter().fold(0, |set, &c| set | (1 << c)) & permitted
}

/// Makes `cmd`'s child drop to what nethogs needs (see the module comment) right before
/// exec, when this helper runs as root. Register it before anything that must run under
/// the child's final credentials (`PR_SET_PDEATHSIG` is reset by a uid change).
#[allow(unsafe_code)]
pub fn confine(cmd: &mut Command) {
    // SAFETY: geteuid cannot fail and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let keep = caps_to_keep();
    // SAFETY: pre_exec runs the closure in the forked child, which has one thread, between
    // fork and exec. `drop_privileges` allocates nothing and takes no lock: it only makes
    // raw system calls (prctl, setgroups, setresgid, setresuid, capset), which are
    // async-signal-safe, on `keep` (computed before the fork) and on locals, and builds
    // io::Errors from errno, which does not allocate. Raw syscalls rather than libc's
    // setuid family: those signal every thread of the process and take locks, which is
    // neither needed nor safe here.
    unsafe {
        cmd.pre_exec(move || drop_privileges(keep));
    }
}

/// cap_bpf (Linux ≥ 5.8): what reading and emptying its own maps may need (Linux < 6.5
/// refuses every bpf(2) command to others when unprivileged BPF is disabled).
pub const CAP_BPF: u32 = 39;

/// Makes this process `nobody` with only cap_bpf, and no_new_privs (see the module
/// comment). Only while it has a single thread: the raw system calls change the calling
/// thread alone. A helper that is not root has nothing to drop.
#[allow(unsafe_code)]
pub fn drop_self() -> io::Result<()> {
    // SAFETY: geteuid cannot fail and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    let threads = std::fs::read_dir("/proc/self/task")?.count();
    if threads != 1 {
        return Err(io::Error::other(format!("{threads} threads, expected 1")));
    }
    drop_privileges(1 << CAP_BPF)
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// One prctl with unsigned long arguments (the kernel reads all four as such, and a
/// variadic `int` may leave the upper half of a register undefined); 0 or errno.
#[allow(unsafe_code)]
fn pr(option: libc::c_int, arg2: u64, arg3: u64) -> io::Result<()> {
    let (a2, a3, zero) = (
        arg2 as libc::c_ulong,
        arg3 as libc::c_ulong,
        0 as libc::c_ulong,
    );
    // SAFETY: prctl takes plain integers here (none of the options used passes a pointer)
    // and is a bare system call: async-signal-safe.
    if unsafe { libc::prctl(option, a2, a3, zero, zero) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// 0 or errno, for a raw syscall's result.
fn sys(rc: libc::c_long) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Runs in the child between fork and exec (see `confine`), where any error aborts the
/// spawn, or in the eBPF helper itself with one thread (`drop_self`).
#[allow(unsafe_code)]
fn drop_privileges(keep: u64) -> io::Result<()> {
    // 1. The bounding set, while we still have CAP_SETPCAP: capabilities are numbered
    //    from 0 up to the kernel's last, after which PR_CAPBSET_DROP says EINVAL.
    for cap in (0..64).filter(|c| keep & (1 << c) == 0) {
        match pr(libc::PR_CAPBSET_DROP, cap, 0) {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) && cap > 0 => break,
            other => other?,
        }
    }
    pr(
        libc::PR_CAP_AMBIENT,
        libc::PR_CAP_AMBIENT_CLEAR_ALL as u64,
        0,
    )?;
    // 2. Another uid, keeping the permitted set across the change (it is otherwise
    //    cleared when every uid leaves 0). Groups first: afterwards we could not.
    pr(libc::PR_SET_KEEPCAPS, 1, 0)?;
    let (id, none) = (NETHOGS_ID as libc::c_ulong, 0 as libc::c_ulong);
    // SAFETY: setgroups reads no memory with a count of 0; setresgid and setresuid take
    // integers. Raw system calls, async-signal-safe, changing this (only) thread.
    unsafe {
        sys(libc::syscall(
            libc::SYS_setgroups,
            none,
            std::ptr::null::<libc::gid_t>(),
        ))?;
        sys(libc::syscall(libc::SYS_setresgid, id, id, id))?;
        sys(libc::syscall(libc::SYS_setresuid, id, id, id))?;
    }
    // 3. Exactly `keep` in permitted, effective and inheritable (a subset of what is
    //    permitted, so allowed without CAP_SETPCAP)…
    let header = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let half = |shift: u32| {
        let bits = (keep >> shift) as u32;
        CapData {
            effective: bits,
            permitted: bits,
            inheritable: bits,
        }
    };
    let data = [half(0), half(32)];
    // SAFETY: capset reads the header and two data structs (version 3), both locals that
    // outlive the call, laid out as linux/capability.h says (#[repr(C)]).
    sys(unsafe { libc::syscall(libc::SYS_capset, &header, data.as_ptr()) })?;
    // 4. …and ambient, which is what a non-root uid carries across exec.
    for cap in (0..64).filter(|c| keep & (1 << c) != 0) {
        pr(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_RAISE as u64, cap)?;
    }
    pr(libc::PR_SET_KEEPCAPS, 0, 0)?;
    // 5. Nothing it execs gains more: setuid bits and file capabilities are ignored.
    pr(libc::PR_SET_NO_NEW_PRIVS, 1, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_paths_are_trusted_and_resolved() {
        // `/` and `/usr/bin` are root's on any machine that runs these tests.
        assert_eq!(
            trusted(Path::new("/usr/bin/env")).ok(),
            Some(PathBuf::from("/usr/bin/env"))
        );
        assert_eq!(
            trusted(Path::new("/usr/bin/../bin/./env")).ok(),
            Some(PathBuf::from("/usr/bin/env"))
        );
        assert!(
            trusted(Path::new("/usr/bin")).is_err(),
            "a directory is not a program"
        );
        assert!(trusted(Path::new("/usr/bin/hwh-no-such-program")).is_err());
    }

    #[test]
    fn the_three_capabilities() {
        assert_eq!(NETHOGS_CAPS.iter().fold(0u64, |s, &c| s | 1 << c), 0x82004);
    }
}
