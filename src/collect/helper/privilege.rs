//! Which route gives the helper its privileges, and plain words for what went wrong.
//! Pure: the probes are gathered at the edge (`probe.rs`) and passed in.

use std::fmt;

pub use crate::collect::sample::Elevate;

/// How the helper is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Run the helper as this user: we are root, or nethogs has file capabilities.
    Direct,
    /// `pkexec HELPER …`: polkit asks for the password (cached with auth_admin_keep).
    Pkexec,
    /// `sudo -n HELPER …`: works only where sudo needs no password right now.
    Sudo,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Route::Direct => "direct",
            Route::Pkexec => "pkexec",
            Route::Sudo => "sudo",
        })
    }
}

/// What the helper is started for: its mode decides what must be installed and whether
/// it may run without root (nethogs with file capabilities; the kernel program never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Nethogs,
    Ebpf,
}

/// What fixes "no route" for `backend` when nothing else is said.
pub fn route_fix(backend: Backend) -> &'static str {
    match backend {
        Backend::Nethogs => CAPS_FIX,
        Backend::Ebpf => "start a polkit agent, run `sudo -v` first, or run hogwatch as root",
    }
}

/// Facts about this machine that decide the route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probes {
    pub is_root: bool,
    /// Absolute path of nethogs, from the helper's fixed list.
    pub nethogs: Option<String>,
    /// nethogs carries cap_net_raw, cap_dac_read_search and cap_sys_ptrace (+ep).
    pub nethogs_caps: bool,
    /// We hold those three as ambient capabilities (the system service): the helper and
    /// nethogs inherit them.
    pub ambient_caps: bool,
    pub pkexec: bool,
    /// A polkit authentication agent (or a terminal for pkexec's text agent) can answer.
    pub polkit_agent: bool,
    pub sudo: bool,
    /// The helper binary exists.
    pub helper: Option<String>,
}

/// Why per-process monitoring is off, and what fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoRoute {
    pub reason: String,
    pub fix: String,
}

impl fmt::Display for NoRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} — fix: {}", self.reason, self.fix)
    }
}

pub const CAPS_FIX: &str =
    "sudo setcap cap_net_raw,cap_dac_read_search,cap_sys_ptrace+ep /usr/sbin/nethogs";

/// The routes to try, in order. An empty list comes with the reason.
pub fn plan(elevate: Elevate, p: &Probes, backend: Backend) -> Result<Vec<Route>, NoRoute> {
    let nethogs = backend == Backend::Nethogs;
    if nethogs && p.nethogs.is_none() {
        return Err(NoRoute {
            reason: "nethogs is not installed".into(),
            fix: "sudo apt install nethogs".into(),
        });
    }
    if p.helper.is_none() {
        return Err(NoRoute {
            reason: "hogwatch-helper is missing next to hogwatch and in /usr/libexec/hogwatch"
                .into(),
            fix: "reinstall hogwatch".into(),
        });
    }
    // The kernel program needs root itself (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON at the
    // least); the helper is never given file capabilities.
    let direct_ok = p.is_root || (nethogs && (p.nethogs_caps || p.ambient_caps));
    match elevate {
        Elevate::None if direct_ok => Ok(vec![Route::Direct]),
        Elevate::None if nethogs => Err(NoRoute {
            reason: "--elevate none, and nethogs has no capabilities".into(),
            fix: format!("run as root, use --elevate auto, or {CAPS_FIX}"),
        }),
        Elevate::None => Err(NoRoute {
            reason: "--elevate none, and the eBPF backend needs root".into(),
            fix: "run as root, or use --elevate auto".into(),
        }),
        Elevate::Pkexec if p.pkexec => Ok(vec![Route::Pkexec]),
        Elevate::Pkexec => Err(NoRoute {
            reason: "pkexec is not installed".into(),
            fix: "sudo apt install pkexec".into(),
        }),
        Elevate::Sudo if p.sudo => Ok(vec![Route::Sudo]),
        Elevate::Sudo => Err(NoRoute {
            reason: "sudo is not installed".into(),
            fix: "sudo apt install sudo, or use --elevate pkexec".into(),
        }),
        Elevate::Auto if direct_ok => Ok(vec![Route::Direct]),
        Elevate::Auto => {
            let mut routes = Vec::new();
            if p.pkexec && p.polkit_agent {
                routes.push(Route::Pkexec);
            }
            if p.sudo {
                routes.push(Route::Sudo);
            }
            if routes.is_empty() && nethogs {
                Err(NoRoute {
                    reason: "no way to run nethogs with privileges (not root, no capabilities, no polkit agent, no sudo)".into(),
                    fix: format!("start a polkit agent, or {CAPS_FIX}"),
                })
            } else if routes.is_empty() {
                Err(NoRoute {
                    reason:
                        "no way to run the eBPF helper as root (not root, no polkit agent, no sudo)"
                            .into(),
                    fix: route_fix(backend).into(),
                })
            } else {
                Ok(routes)
            }
        }
    }
}

/// Plain words for a helper (or pkexec/sudo) that exited before it said hello or while
/// running. `stderr` is the tail of what it printed.
pub fn explain_exit(route: Route, code: Option<i32>, stderr: &str) -> String {
    let said = stderr.trim();
    match (route, code) {
        (Route::Pkexec, Some(126)) => "the password dialog was dismissed".into(),
        (Route::Pkexec, Some(127)) => {
            "pkexec: not authorised, or no polkit authentication agent is running".into()
        }
        (Route::Sudo, Some(1)) if said.contains("password is required") => {
            "sudo needs a password (run `sudo -v` first, or use pkexec or capabilities)".into()
        }
        (_, Some(2)) => format!("the helper rejected its arguments: {said}"),
        (_, Some(3)) => "nethogs is not installed (sudo apt install nethogs)".into(),
        (_, Some(4)) => format!("the helper rejected a command: {said}"),
        (_, Some(6)) => format!("the helper refused to run nethogs: {said}"),
        (_, Some(7)) => {
            "this hogwatch-helper was built without the eBPF backend (cargo feature `ebpf`)".into()
        }
        (_, Some(8)) if said.is_empty() => "the eBPF program cannot run on this kernel".into(),
        (_, Some(8)) => format!("the eBPF program cannot run here: {}", last_line(said)),
        (_, Some(0)) => "the helper stopped".into(),
        (_, Some(c)) if said.is_empty() => format!("the helper exited with status {c}"),
        (_, Some(c)) => format!("the helper exited with status {c}: {said}"),
        (_, None) => "the helper was killed by a signal".into(),
    }
}

/// Exit codes that say the helper cannot work on this machine as it is: starting it
/// again would only fail again (7 not built in, 8 the kernel refuses the program).
pub fn is_fatal(code: Option<i32>) -> bool {
    matches!(code, Some(7 | 8))
}

/// The helper's own message (`hogwatch-helper: …`, its last line), without its prefix.
fn last_line(said: &str) -> &str {
    let line = said
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(said);
    line.trim().trim_start_matches("hogwatch-helper: ")
}

/// Plain words for a nethogs stderr line, or `None` when it is not worth showing.
pub fn explain_nethogs_error(dev: &str, line: &str) -> Option<String> {
    if line.contains("Error opening handler") || line.contains("without being root") {
        Some(format!(
            "nethogs has no permission to capture on {dev}: run through pkexec/sudo, or {CAPS_FIX}"
        ))
    } else if line.contains("No devices to monitor") {
        Some(format!("device {dev} does not exist or is down"))
    } else if line.contains("interface disappeared") {
        Some(format!("device {dev} disappeared"))
    } else if line.trim().is_empty() {
        None
    } else {
        Some(format!("nethogs on {dev}: {}", line.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_n(e: Elevate, p: &Probes) -> Result<Vec<Route>, NoRoute> {
        plan(e, p, Backend::Nethogs)
    }

    #[test]
    fn ebpf_needs_root_not_nethogs() {
        let p = Probes {
            nethogs_caps: true,
            helper: Some("/usr/libexec/hogwatch/hogwatch-helper".into()),
            sudo: true,
            ..Probes::default()
        };
        assert_eq!(
            plan(Elevate::Auto, &p, Backend::Ebpf),
            Ok(vec![Route::Sudo])
        );
        let e = plan(Elevate::None, &p, Backend::Ebpf).unwrap_err();
        assert!(e.reason.contains("needs root"), "{e}");
        let root = Probes { is_root: true, ..p };
        assert_eq!(
            plan(Elevate::None, &root, Backend::Ebpf),
            Ok(vec![Route::Direct])
        );
        let e = plan(
            Elevate::Auto,
            &Probes {
                sudo: false,
                ..Probes {
                    helper: Some("h".into()),
                    ..Probes::default()
                }
            },
            Backend::Ebpf,
        )
        .unwrap_err();
        assert!(e.reason.contains("eBPF"), "{e}");
    }

    #[test]
    fn ebpf_exit_codes_say_why_and_are_final() {
        assert!(explain_exit(Route::Direct, Some(7), "").contains("feature `ebpf`"));
        let said =
            "hogwatch-helper: no cgroup v2 hierarchy: mount -t cgroup2: Operation not permitted";
        assert_eq!(
            explain_exit(Route::Sudo, Some(8), said),
            "the eBPF program cannot run here: no cgroup v2 hierarchy: mount -t cgroup2: Operation not permitted"
        );
        assert!(is_fatal(Some(7)) && is_fatal(Some(8)));
        assert!(!is_fatal(Some(0)) && !is_fatal(None) && !is_fatal(Some(5)));
    }

    fn probes() -> Probes {
        Probes {
            nethogs: Some("/usr/sbin/nethogs".into()),
            helper: Some("/usr/libexec/hogwatch/hogwatch-helper".into()),
            ..Probes::default()
        }
    }

    #[test]
    fn root_or_caps_run_directly() {
        let p = Probes {
            is_root: true,
            ..probes()
        };
        assert_eq!(plan_n(Elevate::Auto, &p), Ok(vec![Route::Direct]));
        let p = Probes {
            nethogs_caps: true,
            pkexec: true,
            polkit_agent: true,
            ..probes()
        };
        assert_eq!(plan_n(Elevate::Auto, &p), Ok(vec![Route::Direct]));
        assert_eq!(plan_n(Elevate::None, &p), Ok(vec![Route::Direct]));
        // The system service: ambient capabilities, never a password route.
        let p = Probes {
            ambient_caps: true,
            pkexec: true,
            polkit_agent: true,
            ..probes()
        };
        assert_eq!(plan_n(Elevate::None, &p), Ok(vec![Route::Direct]));
        assert_eq!(plan_n(Elevate::Auto, &p), Ok(vec![Route::Direct]));
        let e = plan(Elevate::None, &p, Backend::Ebpf).unwrap_err();
        assert!(
            e.reason.contains("needs root"),
            "nethogs' caps are not eBPF's: {e}"
        );
    }

    #[test]
    fn auto_prefers_pkexec_with_agent_then_sudo() {
        let p = Probes {
            pkexec: true,
            polkit_agent: true,
            sudo: true,
            ..probes()
        };
        assert_eq!(
            plan_n(Elevate::Auto, &p),
            Ok(vec![Route::Pkexec, Route::Sudo])
        );
        let p = Probes {
            pkexec: true,
            sudo: true,
            ..probes()
        };
        assert_eq!(plan_n(Elevate::Auto, &p), Ok(vec![Route::Sudo]));
        let e = plan_n(
            Elevate::Auto,
            &Probes {
                pkexec: true,
                ..probes()
            },
        )
        .unwrap_err();
        assert!(e.fix.contains("setcap"), "{e}");
    }

    #[test]
    fn missing_pieces_explain_themselves() {
        let e = plan_n(Elevate::Auto, &Probes::default()).unwrap_err();
        assert!(e.fix.contains("apt install nethogs"));
        let e = plan_n(Elevate::None, &probes()).unwrap_err();
        assert!(e.reason.contains("--elevate none"));
        assert!(plan_n(Elevate::Pkexec, &probes()).is_err());
        assert!(plan_n(Elevate::Sudo, &probes()).is_err());
    }

    #[test]
    fn exit_codes_in_plain_words() {
        assert!(explain_exit(Route::Pkexec, Some(126), "").contains("dismissed"));
        assert!(explain_exit(Route::Pkexec, Some(127), "").contains("agent"));
        assert!(
            explain_exit(Route::Sudo, Some(1), "sudo: a password is required").contains("password")
        );
        assert!(explain_exit(Route::Direct, Some(3), "").contains("apt install nethogs"));
        let said = "hogwatch-helper: refusing to run /usr/sbin/nethogs: /usr/sbin/nethogs is \
                    owned by uid 1000, not root";
        assert!(explain_exit(Route::Pkexec, Some(6), said).contains("refused to run nethogs"));
        assert!(
            explain_nethogs_error("eth0", "Error opening handler for device eth0")
                .unwrap()
                .contains("setcap")
        );
        assert!(
            explain_nethogs_error("x", "No devices to monitor. Use '-a'")
                .unwrap()
                .contains("does not exist")
        );
        assert_eq!(explain_nethogs_error("x", "  "), None);
    }
}
