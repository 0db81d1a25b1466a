//! The paced TCP/UDP generator `tests/support/tcpgen.py`: servers and clients in network
//! namespaces, their JSON event lines, and a copy of python under an unusual name.

use super::netns::Pair;
use super::{err, unix_ms, Child, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Path of `tests/support/tcpgen.py`.
pub fn tcpgen_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tcpgen.py")
}

/// The real python interpreter behind `/usr/bin/python3` (e.g. `/usr/bin/python3.11`).
pub fn real_python() -> Result<PathBuf> {
    std::fs::canonicalize("/usr/bin/python3")
        .map_err(|e| err(format!("cannot resolve /usr/bin/python3: {e}")))
}

/// Copies the real python interpreter to `path` (creating parent directories), so that a
/// process can run with an unusual argv[0] such as `/tmp/x/we ird/my prog`.
pub fn copy_python_to(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let src = real_python()?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::copy(&src, path).map_err(|e| {
        err(format!(
            "cannot copy {} to {}: {e}",
            src.display(),
            path.display()
        ))
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

/// Parses one JSON line printed by tcpgen.py.
pub fn parse_event(line: &str) -> Option<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(line)
        .ok()
        .filter(|v| v.get("event").is_some())
}

/// Field `key` of a JSON object as u64.
pub fn json_u64(v: &serde_json::Value, key: &str) -> Option<u64> {
    v.get(key).and_then(|x| x.as_u64())
}

/// A tcpgen server running inside a namespace, with the port it reported.
pub struct GenServer {
    pub child: Child,
    pub port: u16,
    /// The address it listens on.
    pub bind: String,
}

/// Starts `python3 tcpgen.py tcp-client --connect CONNECT <args…>` in namespace `ns`.
pub fn tcp_client(tag: &str, ns: &str, connect: &str, args: &[&str]) -> Result<Child> {
    let script = tcpgen_path().to_string_lossy().into_owned();
    let mut argv = vec![
        "/usr/bin/python3",
        script.as_str(),
        "tcp-client",
        "--connect",
        connect,
    ];
    argv.extend_from_slice(args);
    Child::spawn(tag, Some(ns), &argv)
}

impl GenServer {
    /// A `tcp-server` in `pair`'s peer namespace, on the peer's address: what a client
    /// in H talks to through the monitored device.
    pub fn in_peer(tag: &str, pair: &Pair, extra: &[&str]) -> Result<GenServer> {
        let ip = pair.link.peer_ip.to_string();
        GenServer::start(tag, pair.p.name(), "tcp-server", &ip, extra)
    }

    /// `ip:port`, to connect to.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.bind, self.port)
    }

    /// Starts `tcpgen.py <sub> --bind <ip> --timeout 120 <extra…>` in `ns` and waits for
    /// its `listening` line.
    pub fn start(tag: &str, ns: &str, sub: &str, bind: &str, extra: &[&str]) -> Result<GenServer> {
        let script = tcpgen_path();
        let script = script.to_string_lossy().into_owned();
        // Servers outlive every test step; a later `--timeout` in `extra` overrides this.
        let mut argv = vec![
            "/usr/bin/python3",
            script.as_str(),
            sub,
            "--bind",
            bind,
            "--timeout",
            "120",
        ];
        argv.extend_from_slice(extra);
        let mut child = Child::spawn(tag, Some(ns), &argv)?;
        let ev = child
            .lines()
            .wait_for_json("listening", Duration::from_secs(10), |v| {
                v.get("event").and_then(|e| e.as_str()) == Some("listening")
            })?;
        let port = json_u64(&ev, "port")
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| err(format!("[{tag}] bad listening line {ev}")))?;
        Ok(GenServer {
            child,
            port,
            bind: bind.to_owned(),
        })
    }
}

/// Result line (`"event": "done"`) of a tcpgen client.
#[derive(Clone, Debug)]
pub struct GenDone {
    pub pid: u32,
    pub sent: u64,
    pub received: u64,
    pub finished_ms: u64,
}

/// Waits for a tcpgen client's `done` line and its successful exit.
pub fn wait_client_done(child: &mut Child, timeout: Duration) -> Result<GenDone> {
    let tag = child.tag().to_owned();
    let ev = child
        .lines()
        .wait_for_json("done", timeout, |v| {
            v.get("event").and_then(|e| e.as_str()) == Some("done")
        })
        .map_err(|e| err(format!("{e}; stderr: {}", child.stderr_text().trim())))?;
    child.wait_success(Duration::from_secs(5))?;
    let get = |k: &str| json_u64(&ev, k).ok_or_else(|| err(format!("[{tag}] no {k} in {ev}")));
    Ok(GenDone {
        pid: u32::try_from(get("pid")?).map_err(|_| err("pid out of range"))?,
        sent: get("sent")?,
        received: get("received")?,
        finished_ms: unix_ms(),
    })
}
