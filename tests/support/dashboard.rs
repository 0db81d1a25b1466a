//! A real `hogwatch server` for the dashboard's tests ([`Server`]): a replay on a free
//! loopback port, with a private HOME and runtime directory (so it never meets another
//! test's or the user's hogwatch), its key read from the URL it prints; and plain
//! HTTP/1.1 requests to it ([`Server::request`]), raw enough to send garbage.

use super::cli::{hog_argv, refs};
use super::home::Home;
use super::tray_app::HOGWATCH;
use super::{err, wait_until, Child, Result};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// A free loopback port (bound and released; the server takes it right after).
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// An HTTP response: status, headers (names lower-cased) and body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct Server {
    pub child: Child,
    pub port: u16,
    /// The credential in the URL `hogwatch server` printed: its per-run key.
    pub key: String,
    /// The URL `hogwatch server` printed (with `#key=`).
    pub url: String,
    home: Home,
    _runtime: tempfile::TempDir,
}

impl Server {
    /// `hogwatch server PORT --source replay:REPLAY --replay-speed 1`, recording history into
    /// `data_dir` (or none: `--no-history`). Waits for the line with the dashboard's URL.
    pub fn start(tag: &str, replay: &Path, data_dir: Option<&Path>) -> Result<Server> {
        Server::start_with_config(tag, replay, data_dir, None)
    }

    /// [`Server::start`] with `config` as its config.toml.
    pub fn start_with_config(
        tag: &str,
        replay: &Path,
        data_dir: Option<&Path>,
        config: Option<&str>,
    ) -> Result<Server> {
        // Another test may take the free port between our probe and the server's bind.
        let mut last = String::new();
        for _ in 0..3 {
            match Server::try_start(tag, replay, data_dir, config) {
                Ok(s) => return Ok(s),
                Err(e) if e.0.contains("cannot listen") => last = e.0,
                Err(e) => return Err(e),
            }
        }
        Err(err(last))
    }

    fn try_start(
        tag: &str,
        replay: &Path,
        data_dir: Option<&Path>,
        config: Option<&str>,
    ) -> Result<Server> {
        let home = Home::new("hogwatch-dash-")?;
        if let Some(c) = config {
            let dir = home.path().join("config/hogwatch");
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join("config.toml"), c)?;
        }
        let runtime = tempfile::Builder::new()
            .prefix("hogwatch-dash-run-")
            .tempdir()?;
        std::fs::set_permissions(runtime.path(), std::fs::Permissions::from_mode(0o700))?;
        let port = free_port()?;
        let source = format!("replay:{}", replay.display());
        let port_s = port.to_string();
        let data = data_dir.map(|d| d.display().to_string());
        let mut args = vec![
            "server",
            port_s.as_str(),
            "--source",
            source.as_str(),
            "--replay-speed",
            "1",
        ];
        match &data {
            // History written every 5 s (not every minute): tests read it while it runs.
            Some(d) => args.extend(["--data-dir", d.as_str(), "--history-write-every", "5"]),
            None => args.push("--no-history"),
        }
        let argv = hog_argv(&[], HOGWATCH, &home, &args);
        let runtime_s = runtime.path().display().to_string();
        let mut child = Child::spawn_env(
            tag,
            None,
            &refs(&argv),
            &[("XDG_RUNTIME_DIR", runtime_s.as_str())],
        )?;
        let url = wait_until("the dashboard URL", Duration::from_secs(20), || {
            let text = child.stderr_text();
            if text.contains("cannot listen") || child.try_status().is_some() {
                return Some(Err(err(format!("hogwatch server did not start:\n{text}"))));
            }
            text.lines()
                .find_map(|l| l.strip_prefix("hogwatch: dashboard at "))
                .map(|u| Ok(u.trim().to_string()))
        })??;
        let key = credential_in(&url)?;
        Ok(Server {
            child,
            port,
            key,
            url,
            home,
            _runtime: runtime,
        })
    }

    /// Sends `head` (the request line and headers, without the blank line) and `body`
    /// as they are, with `Connection: close`; reads the whole response.
    pub fn request(&self, head: &str, body: &[u8]) -> Result<Response> {
        request(self.port, head, body)
    }

    /// Sends `bytes` as they are and reads until the server closes the connection; an
    /// error when the answer is not HTTP (or there is none).
    pub fn send_raw(&self, bytes: &[u8]) -> Result<Response> {
        send_raw(self.port, bytes)
    }

    /// `GET target` with the key as the bearer token.
    pub fn get(&self, target: &str) -> Result<Response> {
        get(self.port, &self.key, target)
    }

    /// `POST /api/session` with `authorization` (if any); (status, body).
    pub fn post_session(&self, authorization: Option<&str>) -> Result<(u16, String)> {
        let auth = authorization
            .map(|a| format!("\r\nAuthorization: {a}"))
            .unwrap_or_default();
        let head = format!(
            "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0{auth}",
            self.port
        );
        let r = self.request(&head, b"")?;
        Ok((r.status, r.body))
    }

    /// The per-install token in the server's config directory (what scripts use).
    pub fn install_token(&self) -> Result<String> {
        let path = self.home.path().join("config/hogwatch/token");
        Ok(std::fs::read_to_string(path)?.trim().to_string())
    }

    /// `GET target` with the token, expecting 200 and JSON.
    pub fn get_json(&self, target: &str) -> Result<serde_json::Value> {
        let r = self.get(target)?;
        if r.status != 200 {
            return Err(err(format!("GET {target}: {} {}", r.status, r.body)));
        }
        Ok(serde_json::from_str(&r.body)?)
    }

    /// Still running, and no panic on its stderr.
    pub fn expect_alive(&mut self, after: &str) -> Result<()> {
        if let Some(st) = self.child.try_status() {
            return Err(err(format!(
                "hogwatch server exited ({st}) after {after}:\n{}",
                self.child.stderr_text()
            )));
        }
        let text = self.child.stderr_text();
        if text.contains("panicked") {
            return Err(err(format!(
                "hogwatch server panicked after {after}:\n{text}"
            )));
        }
        Ok(())
    }
}

/// `GET target` from the dashboard server on loopback `port`, with the bearer `token`.
pub fn get(port: u16, token: &str, target: &str) -> Result<Response> {
    request(
        port,
        &format!(
            "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}"
        ),
        b"",
    )
}

/// Sends `head` (the request line and headers, without the blank line) and `body` to
/// loopback `port` as they are, with `Connection: close`; reads the whole response.
pub fn request(port: u16, head: &str, body: &[u8]) -> Result<Response> {
    let mut raw = head.as_bytes().to_vec();
    raw.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    raw.extend_from_slice(body);
    send_raw(port, &raw)
}

/// Sends `bytes` as they are to loopback `port` and reads until the server closes the
/// connection; an error when the answer is not HTTP (or there is none).
pub fn send_raw(port: u16, bytes: &[u8]) -> Result<Response> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.write_all(bytes)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| err(format!("no HTTP status in {text:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: body.to_string(),
    })
}

/// The credential a printed dashboard URL carries: its `#key=` (or, printed by a hogwatch
/// from before keys, its `?token=`, so that a test run against that one fails on what it
/// checks rather than here).
pub fn credential_in(url: &str) -> Result<String> {
    url.split_once("#key=")
        .or_else(|| url.split_once("?token="))
        .map(|(_, t)| t.split('&').next().unwrap_or(t).to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| err(format!("no key in {url}")))
}

/// The dashboard URL a `hogwatch server` printed on stderr ("hogwatch: dashboard at URL"),
/// and its key, within `timeout`.
pub fn printed_dashboard(child: &Child, timeout: Duration) -> Result<(String, String)> {
    let url = wait_until("the dashboard URL", timeout, || {
        child
            .stderr_text()
            .lines()
            .find_map(|l| l.strip_prefix("hogwatch: dashboard at "))
            .map(|u| u.trim().to_string())
    })?;
    let key = credential_in(&url)?;
    Ok((url, key))
}
