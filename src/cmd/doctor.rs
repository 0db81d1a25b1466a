//! `hogwatch doctor`: checks what per-process monitoring needs and prints the exact
//! fix for each problem. Exit status is non-zero when per-process monitoring cannot work.

use crate::app::system::{self, Found};
use crate::app::Settings;
use crate::cli::Global;
use crate::collect::collector::live_devices;
use crate::collect::helper::privilege::{self, Probes, Route, CAPS_FIX};
use crate::collect::helper::probe;
use crate::collect::procfs;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

pub use super::check::{check, Check, Level};

/// The privilege findings and the verdict, from probes alone (pure).
pub fn privilege_checks(
    elevate: privilege::Elevate,
    p: &Probes,
    sudo_nopass: bool,
) -> (Vec<Check>, bool) {
    let mut out = Vec::new();
    out.push(if p.is_root {
        check(Level::Ok, "running as root: nethogs runs directly", None)
    } else {
        check(
            Level::Info,
            "running as a user: the helper needs pkexec, sudo or capabilities",
            None,
        )
    });
    out.push(if p.nethogs_caps {
        check(
            Level::Ok,
            "nethogs has cap_net_raw,cap_dac_read_search,cap_sys_ptrace: no password needed",
            None,
        )
    } else {
        check(
            Level::Info,
            "nethogs has no file capabilities",
            Some(format!(
                "optional, grants any user packet capture: {CAPS_FIX}"
            )),
        )
    });
    if p.is_root || p.nethogs_caps {
        out.push(check(
            Level::Info,
            "pkexec and sudo are not needed: the helper runs directly",
            None,
        ));
    } else {
        out.push(match (p.pkexec, p.polkit_agent) {
            (true, true) => check(
                Level::Ok,
                "pkexec and a polkit agent (or terminal) can ask for the password",
                None,
            ),
            (true, false) => check(
                Level::Warn,
                "pkexec is installed but no polkit authentication agent is running",
                Some("start your desktop's polkit agent (e.g. polkit-gnome, lxpolkit)".into()),
            ),
            (false, _) => check(
                Level::Info,
                "pkexec is not installed",
                Some("sudo apt install pkexec".into()),
            ),
        });
        out.push(match (p.sudo, sudo_nopass) {
            (true, true) => check(
                Level::Ok,
                "sudo -n works without a password right now",
                None,
            ),
            (true, false) => check(
                Level::Info,
                "sudo needs a password (sudo -n fails)",
                Some("run `sudo -v` before hogwatch, or use pkexec/capabilities".into()),
            ),
            (false, _) => check(Level::Info, "sudo is not installed", None),
        });
    }
    let (verdict, works) = match privilege::plan(elevate, p, privilege::Backend::Nethogs) {
        Ok(routes) => {
            let usable: Vec<Route> = routes
                .into_iter()
                .filter(|r| *r != Route::Sudo || sudo_nopass || p.is_root)
                .collect();
            if usable.is_empty() {
                (
                    check(
                        Level::Fail,
                        "per-process monitoring: no route works now (sudo needs a password)",
                        Some(format!(
                            "run `sudo -v` first, start a polkit agent, or {CAPS_FIX}"
                        )),
                    ),
                    false,
                )
            } else {
                let names: Vec<String> = usable.iter().map(Route::to_string).collect();
                (
                    check(
                        Level::Ok,
                        format!(
                            "per-process monitoring: will start the helper via {}",
                            names.join(", then ")
                        ),
                        None,
                    ),
                    true,
                )
            }
        }
        Err(no) => (
            check(
                Level::Fail,
                format!("per-process monitoring is off: {}", no.reason),
                Some(no.fix),
            ),
            false,
        ),
    };
    out.push(verdict);
    (out, works)
}

fn nethogs_version(path: &str) -> Option<String> {
    let out = std::process::Command::new(path)
        .arg("-V")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let v = text.split("version").nth(1)?.trim().to_owned();
    (!v.is_empty()).then_some(v)
}

/// `sudo -n true` succeeds: sudo works without a password now. Bounded to 5 s.
async fn sudo_nopass() -> bool {
    let run = tokio::process::Command::new(probe::SUDO)
        .args(["-n", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(tokio::time::timeout(Duration::from_secs(5), run).await, Ok(Ok(s)) if s.success())
}

pub async fn run(global: &Global) -> anyhow::Result<ExitCode> {
    let settings = Settings::new(global);
    let p = probe::probe();
    let mut checks = Vec::new();
    match &p.nethogs {
        Some(path) => match nethogs_version(path) {
            Some(v) => checks.push(check(Level::Ok, format!("nethogs {v} at {path}"), None)),
            None => checks.push(check(
                Level::Warn,
                format!("nethogs at {path} did not report a version"),
                Some("sudo apt install --reinstall nethogs".into()),
            )),
        },
        None => checks.push(check(
            Level::Fail,
            format!("nethogs not found in {}", probe::NETHOGS_PATHS.join(", ")),
            Some("sudo apt install nethogs".into()),
        )),
    }
    match &p.helper {
        Some(h) => checks.push(check(Level::Ok, format!("helper at {h}"), None)),
        None => checks.push(check(
            Level::Fail,
            format!(
                "hogwatch-helper not found next to hogwatch or at {}",
                probe::INSTALLED_HELPER
            ),
            Some("reinstall hogwatch".into()),
        )),
    }
    let nopass = p.sudo && !p.is_root && sudo_nopass().await;
    let (mut priv_checks, mut works) = privilege_checks(global.elevate, &p, nopass);
    let (service, follows) = service_check(&settings).await;
    if follows {
        // The service collects: no route of this user's own is needed.
        for c in priv_checks.iter_mut().filter(|c| c.level == Level::Fail) {
            c.level = Level::Info;
            c.what = format!("(not needed while the system service runs) {}", c.what);
        }
        works = true;
    }
    checks.extend(priv_checks);
    checks.push(service);
    let ebpf_chosen = settings.collector.source == crate::collect::source::SourceSpec::Ebpf;
    checks.push(super::doctor_ebpf::line(&p, global.elevate, ebpf_chosen).await);

    let all = procfs::list_devices(Path::new("/sys/class/net"));
    let monitored = live_devices(&settings.collector);
    for d in &all {
        let state = if d.up { "up" } else { "down" };
        let role = if monitored.contains(&d.name) {
            "monitored"
        } else if d.loopback {
            "skipped (loopback; --include-loopback adds it)"
        } else {
            "not monitored"
        };
        checks.push(check(
            Level::Info,
            format!("device {} ({state}): {role}", d.name),
            None,
        ));
    }
    if let Some(explicit) = global.devices.as_ref() {
        for name in explicit
            .0
            .iter()
            .filter(|n| !all.iter().any(|d| &d.name == *n))
        {
            checks.push(check(
                Level::Fail,
                format!("device {name} does not exist"),
                Some("check `ip link`, or drop it from --devices".into()),
            ));
        }
    }
    if monitored.is_empty() {
        checks.push(check(
            Level::Warn,
            "no network device to monitor is up",
            Some("bring a device up, or name one with --devices".into()),
        ));
    }
    match procfs::read_net_dev() {
        Ok(c) => checks.push(check(
            Level::Ok,
            format!(
                "/proc/net/dev readable ({} devices): totals work without privileges",
                c.len()
            ),
            None,
        )),
        Err(e) => checks.push(check(
            Level::Fail,
            format!("/proc/net/dev unreadable: {e}"),
            Some("is /proc mounted?".into()),
        )),
    }

    checks.extend(config_checks(global));
    checks.extend(history_checks(&settings));
    checks.push(running_check().await);

    let failed = checks.iter().any(|c| c.level == Level::Fail);
    for c in &checks {
        let tag = match c.level {
            Level::Ok => "ok  ",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        println!("{tag}  {}", c.what);
        if let Some(fix) = &c.fix {
            println!("      fix: {fix}");
        }
    }
    Ok(if works && !failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Whether the system service runs and this user's hogwatch takes its refreshes (true):
/// then no password route is needed.
async fn service_check(settings: &Settings) -> (Check, bool) {
    match system::find().await {
        Found::NotMember => (
            check(
                Level::Warn,
                "the hogwatch system service runs, but this user is not in group `hogwatch`",
                Some("sudo usermod -aG hogwatch $USER, then log in again".into()),
            ),
            false,
        ),
        Found::Absent => (
            check(
                Level::Info,
                "no hogwatch system service runs (optional: it collects from boot, no password; docs/service.md)",
                None,
            ),
            false,
        ),
        Found::Runs { about, .. } if settings.follow_service => (
            check(
                Level::Ok,
                format!(
                    "the hogwatch system service runs (pid {}): hogwatch takes its data, no password needed",
                    about.pid
                ),
                None,
            ),
            true,
        ),
        Found::Runs { about, .. } => (
            check(
                Level::Info,
                format!(
                    "the hogwatch system service runs (pid {}), but --source makes hogwatch collect itself",
                    about.pid
                ),
                None,
            ),
            false,
        ),
        Found::NotService { socket, .. } | Found::Unanswered { socket, .. } => (
            check(
                Level::Warn,
                format!("{} does not answer as the system service", socket.display()),
                Some("systemctl status hogwatch".into()),
            ),
            false,
        ),
    }
}

/// Whether a hogwatch collects for this user now (the others attach to it). Asks its
/// socket; never claims the lock, so the doctor never becomes the collector.
async fn running_check() -> Check {
    let (dir, uid) = crate::app::instance::user_dir();
    // Only in a folder of ours: a socket another user put in our place would answer lies.
    let socket = match crate::app::instance::running_socket(&dir, uid) {
        Ok(Some(socket)) => socket,
        Ok(None) => return check(Level::Info, "no hogwatch runs for this user now", None),
        Err(e) => return check(Level::Warn, e.to_string(), None),
    };
    match crate::app::protocol::info(&socket).await {
        Ok(about) => {
            // The URL without its key: a terminal's scrollback is no place for it.
            let dashboard = about
                .dashboard
                .as_deref()
                .map(|u| crate::web::links::bare(u).to_owned());
            let what = match dashboard {
                Some(d) => format!(
                    "{} (pid {}) collects for this user; dashboard at {d}",
                    about.role.name(),
                    about.pid
                ),
                None => format!(
                    "{} (pid {}) collects for this user",
                    about.role.name(),
                    about.pid
                ),
            };
            check(Level::Ok, what, None)
        }
        Err(_) => check(
            Level::Info,
            format!(
                "{} is left over from a hogwatch that is gone",
                socket.display()
            ),
            None,
        ),
    }
}

/// The config file and any key in it that was rejected.
fn config_checks(global: &Global) -> Vec<Check> {
    let path = global.config.clone().or_else(crate::config::default_path);
    let Some(path) = path else {
        return vec![check(
            Level::Info,
            "config: no config directory (HOME unset): defaults",
            None,
        )];
    };
    if !path.exists() {
        return vec![check(
            Level::Info,
            format!(
                "config: none at {} (written on the first run)",
                path.display()
            ),
            None,
        )];
    }
    let loaded = crate::config::load(&path, false);
    let mut out = vec![check(
        Level::Ok,
        format!("config at {}", path.display()),
        None,
    )];
    for p in loaded.problems {
        out.push(check(
            Level::Warn,
            crate::text::printable(&p).into_owned(),
            Some(format!("edit {}", path.display())),
        ));
    }
    out
}

/// Where history goes, how big it is, who writes it, and whether a corrupt file was
/// moved aside. History problems never make per-process monitoring fail: warnings only.
fn history_checks(settings: &Settings) -> Vec<Check> {
    use crate::store::db::FILE_NAME;
    let Some(dir) = settings.data_dir.clone() else {
        return vec![check(
            Level::Warn,
            "history: no data directory (HOME and XDG_DATA_HOME unset)",
            Some("pass --data-dir".into()),
        )];
    };
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return vec![check(
            Level::Info,
            format!(
                "history: none yet at {} (created on the first run)",
                path.display()
            ),
            None,
        )];
    }
    let mut out = Vec::new();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    match crate::store::Store::open_reader(&dir, crate::store::tiers::Zone::Local) {
        Ok(store) => {
            out.push(check(
                Level::Ok,
                format!(
                    "history at {} ({}, cap {} MiB)",
                    path.display(),
                    crate::units::bytes(size),
                    settings.history_max_mb
                ),
                None,
            ));
            if let Some(aside) = store.meta("recovered_from") {
                out.push(check(
                    Level::Warn,
                    format!("history: a corrupt file was moved to {aside} and a new one started"),
                    Some("nothing to do; delete the old file once you no longer need it".into()),
                ));
            }
        }
        Err(e) => out.push(check(
            Level::Warn,
            format!("history: cannot read it: {e}"),
            Some("the next run moves a corrupt file aside and starts a new one".into()),
        )),
    }
    let lock = dir.join(format!("{FILE_NAME}.lock"));
    if let Ok(f) = std::fs::File::open(&lock) {
        if matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)) {
            let pid = std::fs::read_to_string(&lock).unwrap_or_default();
            out.push(check(
                Level::Info,
                format!("history: being written by hogwatch pid {}", pid.trim()),
                None,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::helper::privilege::Elevate;

    fn base() -> Probes {
        Probes {
            nethogs: Some("/usr/sbin/nethogs".into()),
            helper: Some("/x/hogwatch-helper".into()),
            ..Probes::default()
        }
    }

    #[test]
    fn verdicts() {
        let (_, ok) = privilege_checks(
            Elevate::Auto,
            &Probes {
                is_root: true,
                ..base()
            },
            false,
        );
        assert!(ok);
        let (c, ok) = privilege_checks(
            Elevate::Auto,
            &Probes {
                sudo: true,
                ..base()
            },
            false,
        );
        assert!(!ok, "sudo with a password is no route for a background app");
        assert!(c
            .last()
            .and_then(|c| c.fix.as_deref())
            .is_some_and(|f| f.contains("setcap")));
        let (_, ok) = privilege_checks(
            Elevate::Auto,
            &Probes {
                sudo: true,
                ..base()
            },
            true,
        );
        assert!(ok);
        let (c, ok) = privilege_checks(Elevate::Auto, &Probes::default(), false);
        assert!(!ok);
        assert!(c
            .iter()
            .any(|c| c.fix.as_deref() == Some("sudo apt install nethogs")));
    }
}
