//! Running programs: one-shot commands bounded by `timeout(1)`, signals by pid, and
//! [`Child`], a background process that is stopped and reaped on drop.

use super::lines::LineReader;
use super::{err, wait_until, Result};
use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Default bound for one-shot commands (`ip`, `sysctl`, `cat`, ...).
pub const CMD_TIMEOUT: Duration = Duration::from_secs(10);

/// Output of a bounded command.
pub struct CmdOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

fn describe(argv: &[&str]) -> String {
    argv.iter()
        .map(|a| {
            if a.contains(' ') || a.is_empty() {
                format!("'{a}'")
            } else {
                (*a).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `argv` under `timeout -k 2 <limit>` and returns its output (any exit status).
pub fn run(argv: &[&str], limit: Duration) -> Result<CmdOutput> {
    let Some((prog, args)) = argv.split_first() else {
        return Err(err("run: empty command"));
    };
    let secs = format!("{:.1}", limit.as_secs_f64().max(0.1));
    let out = Command::new("/usr/bin/timeout")
        .args(["-k", "2", &secs, prog])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| err(format!("cannot run `{}`: {e}", describe(argv))))?;
    let res = CmdOutput {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    if res.status.code() == Some(124) || res.status.code() == Some(137) {
        return Err(err(format!(
            "`{}` did not finish within {secs} s (stderr: {})",
            describe(argv),
            res.stderr.trim()
        )));
    }
    Ok(res)
}

/// Like [`run`] with [`CMD_TIMEOUT`], failing unless the command exits with status 0.
/// Returns stdout.
pub fn run_ok(argv: &[&str]) -> Result<String> {
    let out = run(argv, CMD_TIMEOUT)?;
    if !out.status.success() {
        return Err(err(format!(
            "`{}` failed ({}): {}{}",
            describe(argv),
            out.status,
            out.stderr.trim(),
            out.stdout.trim()
        )));
    }
    Ok(out.stdout)
}

/// Sends `signal` (e.g. "TERM", "KILL") to one process by pid, using kill(1).
pub fn signal_pid(pid: u32, signal: &str) -> Result<()> {
    run_ok(&["/usr/bin/kill", &format!("-{signal}"), &pid.to_string()]).map(|_| ())
}

/// A background process, stopped (SIGTERM, short wait, SIGKILL) and reaped on drop.
pub struct Child {
    tag: String,
    argv: Vec<String>,
    child: std::process::Child,
    pid: u32,
    stdout: Option<LineReader>,
    stderr: Arc<Mutex<String>>,
    status: Option<ExitStatus>,
}

impl Child {
    /// Spawns `argv` (inside namespace `ns` via `ip netns exec`, which execs: the pid is
    /// the program's). stdout is read by a [`LineReader`]; stderr is collected (see
    /// [`Child::stderr_text`]) and echoed with the tag prefixed.
    pub fn spawn(tag: &str, ns: Option<&str>, argv: &[&str]) -> Result<Child> {
        Child::spawn_env(tag, ns, argv, &[])
    }

    /// [`Child::spawn`] with extra environment variables.
    pub fn spawn_env(
        tag: &str,
        ns: Option<&str>,
        argv: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Child> {
        let mut full: Vec<String> = Vec::new();
        if let Some(ns) = ns {
            full.extend(["ip", "netns", "exec", ns].map(String::from));
        }
        full.extend(argv.iter().map(|s| (*s).to_owned()));
        let Some((prog, args)) = full.split_first() else {
            return Err(err("Child::spawn: empty command"));
        };
        let mut child = Command::new(prog)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(format!("[{tag}] cannot spawn {full:?}: {e}")))?;
        let pid = child.id();
        let stdout = child.stdout.take().map(|s| LineReader::spawn(tag, s));
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            let t = tag.to_owned();
            let _ = thread::Builder::new()
                .name(format!("stderr-{tag}"))
                .spawn(move || {
                    for line in BufReader::new(pipe).lines() {
                        let Ok(line) = line else { break };
                        eprintln!("[{t} stderr] {line}");
                        if let Ok(mut s) = sink.lock() {
                            if s.len() < 1 << 20 {
                                s.push_str(&line);
                                s.push('\n');
                            }
                        }
                    }
                });
        }
        Ok(Child {
            tag: tag.to_owned(),
            argv: full,
            child,
            pid,
            stdout,
            stderr,
            status: None,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The stdout line reader.
    pub fn lines(&mut self) -> &mut LineReader {
        match self.stdout.as_mut() {
            Some(l) => l,
            None => panic!("[{}] stdout is not captured", self.tag),
        }
    }

    /// [`wait_until`] `cond` while this child runs beside it; a time-out also shows the
    /// child's stderr so far (why it never got there).
    pub fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        cond: impl FnMut() -> Option<T>,
    ) -> Result<T> {
        wait_until(what, timeout, cond)
            .map_err(|e| err(format!("{}; its stderr:\n{}", e.0, self.stderr_text())))
    }

    /// [`Child::wait_for`] `path` to exist (a socket, a file the child makes).
    pub fn wait_for_path(&self, path: &std::path::Path, timeout: Duration) -> Result<()> {
        self.wait_for(&path.display().to_string(), timeout, || {
            path.exists().then_some(())
        })
    }

    /// stderr collected so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Exit status if the process has exited (reaps it).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some(st)) = self.child.try_wait() {
                self.status = Some(st);
            }
        }
        self.status
    }

    /// Waits for the process to exit on its own, at most `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let tag = self.tag.clone();
        wait_until(&format!("[{tag}] to exit"), timeout, || self.try_status()).map_err(|e| {
            err(format!(
                "{e}; argv {:?}; stderr: {}",
                self.argv,
                self.stderr_text().trim()
            ))
        })
    }

    /// Waits for exit status 0 within `timeout`.
    pub fn wait_success(&mut self, timeout: Duration) -> Result<()> {
        let st = self.wait_exit(timeout)?;
        if st.success() {
            Ok(())
        } else {
            Err(err(format!(
                "[{}] exited with {st}; argv {:?}; stderr: {}",
                self.tag,
                self.argv,
                self.stderr_text().trim()
            )))
        }
    }

    /// SIGTERM, up to 3 s of grace, then SIGKILL; always reaps.
    pub fn stop(&mut self) {
        if self.try_status().is_some() {
            return;
        }
        let _ = signal_pid(self.pid, "TERM");
        if wait_until("exit after SIGTERM", Duration::from_secs(3), || {
            self.try_status()
        })
        .is_ok()
        {
            return;
        }
        eprintln!("[{}] still running 3 s after SIGTERM: SIGKILL", self.tag);
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(st) => self.status = Some(st),
            Err(e) => eprintln!("[{}] wait after SIGKILL failed: {e}", self.tag),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.stop();
    }
}
