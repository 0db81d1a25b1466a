//! chromedriver and the headless Chromium it starts, each test with a profile of its own,
//! stopped by pid (their process group and every process of the profile) when dropped.

use crate::support;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::dashboard::free_port;
use support::{err, find_pids, signal_pid, wait_until, Error, Result};

pub(super) const WIDTH: u32 = 1280;
pub(super) const HEIGHT: u32 = 900;

/// chromedriver and the Chromium it starts, with a profile of their own.
pub(super) struct Browser {
    client: Option<Client>,
    driver: std::process::Child,
    /// chromedriver's port and the WebDriver session, to end it from `drop`.
    port: u16,
    session: Option<String>,
    profile: tempfile::TempDir,
}

impl Browser {
    /// `dark`: the system prefers a dark colour scheme.
    pub(super) async fn start(dark: bool) -> Result<Browser> {
        let mut last = String::new();
        // The free port may be taken before chromedriver binds it: try again.
        for _ in 0..3 {
            let profile = tempfile::Builder::new()
                .prefix("hogwatch-chromium-")
                .tempdir()?;
            let port = free_port()?;
            let log = profile.path().join("chromedriver.log");
            let driver = Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                // Its own process group: Chromium and its helpers join it, and are
                // stopped with it.
                .process_group(0)
                .spawn()
                .map_err(|e| err(format!("chromedriver (apt install chromium-driver): {e}")))?;
            let mut b = Browser {
                client: None,
                driver,
                port,
                session: None,
                profile,
            };
            match b.connect(port, dark).await {
                Ok(()) => return Ok(b),
                // Dropping `b` stops what it started.
                Err(e) => last = e.0,
            }
        }
        Err(err(format!(
            "could not start chromedriver and Chromium: {last}"
        )))
    }

    async fn connect(&mut self, port: u16, dark: bool) -> Result<()> {
        let listening = wait_until("chromedriver to listen", Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()
        });
        if listening.is_err() {
            return Err(err(format!(
                "chromedriver did not listen on {port}: {}",
                std::fs::read_to_string(self.profile.path().join("chromedriver.log"))
                    .unwrap_or_default()
            )));
        }
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            format!("--window-size={WIDTH},{HEIGHT}"),
            format!(
                "--user-data-dir={}",
                self.profile.path().join("profile").display()
            ),
        ];
        if dark {
            args.push("--force-dark-mode".into());
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
        });
        let caps = caps.as_object().cloned().unwrap_or_default();
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .map_err(|e| err(format!("WebDriver session: {e}")))?;
        self.session = client.session_id().await.map_err(wd)?;
        self.client = Some(client);
        Ok(())
    }

    pub(super) fn client(&self) -> &Client {
        match &self.client {
            Some(c) => c,
            None => unreachable!("a Browser always has its client once started"),
        }
    }

    /// Ends the session (chromedriver quits Chromium and reaps it), then stops
    /// chromedriver. Drop kills whatever is left.
    pub(super) async fn close(mut self) {
        if let Some(c) = self.client.take() {
            if tokio::time::timeout(Duration::from_secs(10), c.close())
                .await
                .is_ok_and(|r| r.is_ok())
            {
                self.session = None;
            }
        }
    }

    /// The same without the client (a test that panicked): `DELETE /session/ID`.
    fn end_session(&mut self) {
        let Some(id) = self.session.take() else {
            return;
        };
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.port
            );
            // chromedriver answers once Chromium is gone (it may keep the connection).
            if s.write_all(req.as_bytes()).is_ok() {
                let _ = std::io::Read::read(&mut s, &mut [0u8; 4096]);
            }
        }
    }

    fn kill_all(&mut self) {
        self.end_session();
        let driver = self.driver.id();
        let _ = signal_pid(driver, "TERM");
        let _ = wait_until("chromedriver to exit", Duration::from_secs(3), || {
            self.driver.try_wait().ok().flatten()
        });
        let profile = self.profile.path().display().to_string();
        // Chromium's processes: in chromedriver's process group, below it, or (if one left
        // both) with our profile directory on its command line. Each is killed by pid.
        let mut pids = processes(|pid, ppid_pgrp| ppid_pgrp.1 == driver && pid != driver);
        for p in descendants(driver) {
            if !pids.contains(&p) {
                pids.push(p);
            }
        }
        pids.extend(find_pids(|argv| argv.iter().any(|a| a.contains(&profile))));
        for pid in pids {
            let _ = signal_pid(pid, "KILL");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// Pids whose (parent pid, process group) satisfy `pred`, from /proc.
pub(super) fn processes(mut pred: impl FnMut(u32, (u32, u32)) -> bool) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the parenthesised name: state, ppid, pgrp.
        let mut f = stat
            .rfind(')')
            .map(|i| stat[i + 1..].split_whitespace().skip(1))
            .into_iter()
            .flatten()
            .map(|v| v.parse::<u32>().ok());
        if let (Some(Some(ppid)), Some(Some(pgrp))) = (f.next(), f.next()) {
            if pred(pid, (ppid, pgrp)) {
                out.push(pid);
            }
        }
    }
    out
}

/// Every process below `root` (by parent pid).
pub(super) fn descendants(root: u32) -> Vec<u32> {
    let mut out = processes(|_, (ppid, _)| ppid == root);
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        for c in processes(|_, (ppid, _)| ppid == p) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        i += 1;
    }
    out
}

pub(super) fn wd(e: impl std::fmt::Display) -> Error {
    err(format!("WebDriver: {e}"))
}

pub(super) fn check(ok: bool, msg: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(err(msg()))
    }
}
