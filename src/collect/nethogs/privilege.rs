//! Which route gives nethogs its privileges, and plain words for what went wrong.
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

/// Facts about this machine that decide the route.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probes {
    pub is_root: bool,
    /// Absolute path of nethogs, from the helper's fixed list.
    pub nethogs: Option<String>,
    /// nethogs carries cap_net_raw, cap_dac_read_search and cap_sys_ptrace (+ep).
    pub nethogs_caps: bool,
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
pub fn plan(elevate: Elevate, p: &Probes) -> Result<Vec<Route>, NoRoute> {
    if p.nethogs.is_none() {
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
    let direct_ok = p.is_root || p.nethogs_caps;
    match elevate {
        Elevate::None if direct_ok => Ok(vec![Route::Direct]),
        Elevate::None => Err(NoRoute {
            reason: "--elevate none, and nethogs has no capabilities".into(),
            fix: format!("run as root, use --elevate auto, or {CAPS_FIX}"),
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
            if routes.is_empty() {
                Err(NoRoute {
                    reason: "no way to run nethogs with privileges (not root, no capabilities, no polkit agent, no sudo)".into(),
                    fix: format!("start a polkit agent, or {CAPS_FIX}"),
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
        (_, Some(0)) => "the helper stopped".into(),
        (_, Some(c)) if said.is_empty() => format!("the helper exited with status {c}"),
        (_, Some(c)) => format!("the helper exited with status {c}: {said}"),
        (_, None) => "the helper was killed by a signal".into(),
    }
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
        assert_eq!(plan(Elevate::Auto, &p), Ok(vec![Route::Direct]));
        let p = Probes {
            nethogs_caps: true,
            pkexec: true,
            polkit_agent: true,
            ..probes()
        };
        assert_eq!(plan(Elevate::Auto, &p), Ok(vec![Route::Direct]));
        assert_eq!(plan(Elevate::None, &p), Ok(vec![Route::Direct]));
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
            plan(Elevate::Auto, &p),
            Ok(vec![Route::Pkexec, Route::Sudo])
        );
        let p = Probes {
            pkexec: true,
            sudo: true,
            ..probes()
        };
        assert_eq!(plan(Elevate::Auto, &p), Ok(vec![Route::Sudo]));
        let e = plan(
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
        let e = plan(Elevate::Auto, &Probes::default()).unwrap_err();
        assert!(e.fix.contains("apt install nethogs"));
        let e = plan(Elevate::None, &probes()).unwrap_err();
        assert!(e.reason.contains("--elevate none"));
        assert!(plan(Elevate::Pkexec, &probes()).is_err());
        assert!(plan(Elevate::Sudo, &probes()).is_err());
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
