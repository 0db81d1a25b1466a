//! `hogwatch doctor`'s eBPF line: whether `--source ebpf` works on this machine and, if
//! not, exactly why. The facts are gathered at the edge (`gather`); `verdict` is pure.
//!
//! Checked, in the order a fix is needed: the helper built with the `ebpf` feature (it
//! says, `--backend ebpf --check`), the kernel (≥ 5.7 for BPF links; 6.1 is the oldest
//! whose hooks hogwatch is tested with; < 6.3 uses the older hooks), kernel BTF
//! (/sys/kernel/btf/vmlinux), cgroup v2 (in /proc/filesystems: the helper mounts it
//! privately if nobody did), lockdown in confidentiality mode (refuses BPF), and a route to
//! root. As root the helper is also run once for real (load, attach, detach), and its exit
//! code explained: the only proof.

use super::check::{Check, Level};
use crate::collect::helper::privilege::{self, explain_exit, Backend, NoRoute, Probes, Route};
use std::process::Stdio;
use std::time::Duration;

/// What was found about eBPF on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The running kernel, (major, minor), from /proc/sys/kernel/osrelease.
    pub kernel: Option<(u32, u32)>,
    pub btf: bool,
    pub cgroup2: bool,
    /// /sys/kernel/security/lockdown says `[confidentiality]`.
    pub lockdown: bool,
    /// The helper's `--backend ebpf --check`: Some(true) built in, Some(false) not, None
    /// no helper or no answer.
    pub built_in: Option<bool>,
    /// As root: a real run's exit code and what it said on stderr.
    pub trial: Option<(Option<i32>, String)>,
}

/// `6.18.0-foo` → (6, 18).
pub fn parse_release(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The one line about eBPF. `chosen`: the configured backend is ebpf (a failure is then a
/// warning: hogwatch runs nethogs instead; otherwise it is for information).
pub fn verdict(f: &Facts, routes: Result<Vec<Route>, NoRoute>, chosen: bool) -> Check {
    let bad = if chosen { Level::Warn } else { Level::Info };
    let no = |what: String, fix: &str| Check {
        level: bad,
        what: match chosen {
            true => format!("eBPF backend does not work here, hogwatch uses nethogs: {what}"),
            false => format!("eBPF backend does not work here: {what}"),
        },
        fix: Some(fix.to_owned()),
    };
    match f.built_in {
        Some(false) => {
            return no(
                "hogwatch-helper was built without it (cargo feature `ebpf`)".into(),
                "install a hogwatch built with its default features (not --no-default-features)",
            )
        }
        None => {
            return no(
                "the helper did not answer `--backend ebpf --check`".into(),
                "reinstall hogwatch",
            )
        }
        Some(true) => {}
    }
    match f.kernel {
        Some(k) if k < (5, 7) => {
            return no(
                format!("kernel {}.{} is older than 5.7 (no BPF links)", k.0, k.1),
                "use nethogs (monitor.backend = \"nethogs\"), or a newer kernel",
            )
        }
        None => {
            return no(
                "the kernel version is unreadable".into(),
                "is /proc mounted?",
            )
        }
        Some(_) => {}
    }
    if !f.btf {
        return no(
            "no kernel BTF at /sys/kernel/btf/vmlinux".into(),
            "a kernel built with CONFIG_DEBUG_INFO_BTF=y (every current distribution kernel)",
        );
    }
    if !f.cgroup2 {
        return no(
            "no cgroup v2 (cgroup2 is not in /proc/filesystems)".into(),
            "a kernel with cgroup v2 (CONFIG_CGROUPS, CONFIG_CGROUP_BPF)",
        );
    }
    if f.lockdown {
        return no(
            "kernel lockdown is in confidentiality mode, which refuses BPF".into(),
            "use nethogs, or boot without lockdown=confidentiality",
        );
    }
    let routes = match routes {
        Ok(r) => r,
        Err(e) => return no(format!("no privilege: {}", e.reason), &e.fix),
    };
    if let Some((code, said)) = &f.trial {
        if *code != Some(0) {
            let route = routes.first().copied().unwrap_or(Route::Direct);
            return no(
                explain_exit(route, *code, said),
                "see the reason; meanwhile use nethogs",
            );
        }
    }
    let how = if f.trial.is_some() {
        "loaded and attached as a test"
    } else {
        "not tried (needs root)"
    };
    let use_it = "use it with --source ebpf or monitor.backend = \"ebpf\"";
    let (level, what) = match f.kernel {
        Some(k) if k < (6, 1) => (
            Level::Warn,
            format!(
                "eBPF backend may run ({how}), but kernel {}.{} is older than 6.1, the oldest \
                 hogwatch is tested with; if it refuses the program, hogwatch uses nethogs",
                k.0, k.1
            ),
        ),
        Some(k) if k < (6, 3) => (
            Level::Ok,
            format!(
                "eBPF backend works here ({how}) with the hooks of kernels before 6.3: a \
                 socket handed to another process follows its reads and closes, not its \
                 sends; {use_it}"
            ),
        ),
        _ => (
            Level::Ok,
            format!("eBPF backend works here ({how}); {use_it}"),
        ),
    };
    Check {
        level,
        what,
        fix: None,
    }
}

/// Gathers the facts; runs the helper (`--check`; as root also for real, bounded).
pub async fn gather(p: &Probes) -> Facts {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let mut f = Facts {
        kernel: parse_release(&read("/proc/sys/kernel/osrelease")),
        btf: std::path::Path::new("/sys/kernel/btf/vmlinux").exists(),
        cgroup2: read("/proc/filesystems").lines().any(|l| {
            l.trim_end().ends_with("\tcgroup2") || l.split_whitespace().last() == Some("cgroup2")
        }),
        lockdown: read("/sys/kernel/security/lockdown").contains("[confidentiality]"),
        ..Facts::default()
    };
    let Some(helper) = &p.helper else {
        return f;
    };
    let check = run(
        helper,
        &["--backend", "ebpf", "--check"],
        Duration::from_secs(5),
    )
    .await;
    f.built_in = match check {
        Some((Some(0), _)) => Some(true),
        Some((Some(7), _)) => Some(false),
        _ => None,
    };
    if p.is_root && f.built_in == Some(true) {
        // Stdin is /dev/null: the helper loads, attaches, sees EOF and stops at once.
        f.trial = run(
            helper,
            &["--backend", "ebpf", "--interval", "1"],
            Duration::from_secs(20),
        )
        .await;
    }
    f
}

/// Runs the helper with `args`, stdin closed; its exit code and stderr, or None.
async fn run(helper: &str, args: &[&str], limit: Duration) -> Option<(Option<i32>, String)> {
    let child = tokio::process::Command::new(helper)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(limit, child).await.ok()?.ok()?;
    Some((
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The line for this machine.
pub async fn line(p: &Probes, elevate: privilege::Elevate, chosen: bool) -> Check {
    let facts = gather(p).await;
    verdict(&facts, privilege::plan(elevate, p, Backend::Ebpf), chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Facts {
        Facts {
            kernel: Some((6, 18)),
            btf: true,
            cgroup2: true,
            lockdown: false,
            built_in: Some(true),
            trial: None,
        }
    }

    fn says(f: &Facts, routes: Result<Vec<Route>, NoRoute>) -> String {
        verdict(f, routes, true).what
    }

    #[test]
    fn each_missing_piece_is_named() {
        let ok = || Ok(vec![Route::Pkexec]);
        assert!(verdict(&good(), ok(), true).level == Level::Ok);
        let cases: [(Facts, &str); 6] = [
            (
                Facts {
                    built_in: Some(false),
                    ..good()
                },
                "built without it",
            ),
            (
                Facts {
                    kernel: Some((5, 4)),
                    ..good()
                },
                "older than 5.7",
            ),
            (
                Facts {
                    btf: false,
                    ..good()
                },
                "no kernel BTF at /sys/kernel/btf/vmlinux",
            ),
            (
                Facts {
                    cgroup2: false,
                    ..good()
                },
                "no cgroup v2",
            ),
            (
                Facts {
                    lockdown: true,
                    ..good()
                },
                "lockdown",
            ),
            (
                Facts {
                    trial: Some((
                        Some(8),
                        "hogwatch-helper: cannot attach hw_egress: EPERM".into(),
                    )),
                    ..good()
                },
                "cannot attach hw_egress",
            ),
        ];
        for (f, want) in cases {
            let c = verdict(&f, ok(), true);
            assert_eq!(c.level, Level::Warn, "{want}: nethogs stands in");
            assert!(c.what.contains(want), "{} lacks {want}", c.what);
            assert!(c.what.contains("hogwatch uses nethogs"), "{}", c.what);
            assert!(c.fix.is_some());
            assert_eq!(
                verdict(&f, ok(), false).level,
                Level::Info,
                "only informs when not chosen"
            );
        }
        let none = Err(NoRoute {
            reason: "--elevate none, and the eBPF backend needs root".into(),
            fix: "run as root".into(),
        });
        assert!(says(&good(), none).contains("no privilege: --elevate none"));
        let with = |kernel| Facts {
            kernel: Some(kernel),
            ..good()
        };
        let debian12 = verdict(&with((6, 1)), ok(), true);
        assert_eq!(debian12.level, Level::Ok);
        assert!(debian12.what.contains("before 6.3"), "{}", debian12.what);
        let older = verdict(&with((5, 15)), ok(), true);
        assert_eq!(older.level, Level::Warn);
        assert!(older.what.contains("older than 6.1"), "{}", older.what);
        let new = verdict(&with((6, 8)), ok(), true);
        assert_eq!(new.level, Level::Ok);
        assert!(!new.what.contains("6.3"), "{}", new.what);
    }

    #[test]
    fn kernel_releases() {
        assert_eq!(parse_release("6.18.0-13-amd64\n"), Some((6, 18)));
        assert_eq!(parse_release("5.7"), Some((5, 7)));
        assert_eq!(parse_release("6-rc1"), None);
        assert_eq!(parse_release(""), None);
    }
}
