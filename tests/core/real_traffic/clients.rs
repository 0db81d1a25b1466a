//! Clients in H that move known payloads with `tests/support/tcpgen.py`, and how they are
//! started.

use crate::support;
use std::path::Path;
use std::time::Duration;
use support::{err, tcpgen_path, wait_client_done, Child, GenDone, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dir {
    Up,
    Down,
}

/// A tcpgen client with what it must show in hogwatch.
pub(super) struct Client {
    pub(super) tag: &'static str,
    pub(super) child: Child,
    /// argv[0] hogwatch must report as the process name.
    pub(super) name: String,
    pub(super) device: String,
    pub(super) dir: Dir,
    pub(super) payload: u64,
    pub(super) done: Option<GenDone>,
}

impl Client {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start(
        tag: &'static str,
        ns: &str,
        prog: &str,
        device: &str,
        dir: Dir,
        payload: u64,
        sub: &str,
        args: &[String],
    ) -> Result<Client> {
        let script = tcpgen_path().to_string_lossy().into_owned();
        let mut argv: Vec<&str> = vec![prog, script.as_str(), sub];
        argv.extend(args.iter().map(String::as_str));
        argv.extend(["--timeout", "40"]);
        let child = Child::spawn(tag, Some(ns), &argv)?;
        Ok(Client {
            tag,
            child,
            name: prog.to_owned(),
            device: device.to_owned(),
            dir,
            payload,
            done: None,
        })
    }

    /// The most bytes the client has said it sent so far (its progress lines), if any.
    pub(super) fn sent_so_far(&mut self) -> Option<u64> {
        self.child
            .lines()
            .drain_now()
            .iter()
            .filter_map(|l| support::parse_event(l))
            .filter_map(|v| support::json_u64(&v, "sent"))
            .max()
    }

    /// Waits for the client's result and checks it moved exactly its payload.
    pub(super) fn finish(&mut self, timeout: Duration) -> Result<()> {
        let done = wait_client_done(&mut self.child, timeout)?;
        let moved = match self.dir {
            Dir::Up => done.sent,
            Dir::Down => done.received,
        };
        if moved != self.payload {
            return Err(err(format!(
                "{}: tcpgen moved {moved} B instead of {} B: {done:?}",
                self.tag, self.payload
            )));
        }
        self.done = Some(done);
        Ok(())
    }
}

/// `python3 tcpgen tcp-client` in namespace `ns` uploading `payload` to `to` (host:port)
/// at `rate` B/s, reporting progress every 0.1 s; returns it with its pid once connected.
pub(super) fn paced_upload(
    ns: &str,
    device: &str,
    to: &str,
    payload: u64,
    rate: u64,
    timeout: Duration,
) -> Result<(Client, u32)> {
    let mut client = Client::start(
        "upload-A",
        ns,
        "/usr/bin/python3",
        device,
        Dir::Up,
        payload,
        "tcp-client",
        &client_args(&[
            ("--connect", to.to_owned()),
            ("--send-bytes", payload.to_string()),
            ("--rate", rate.to_string()),
            ("--progress", "0.1".to_owned()),
        ]),
    )?;
    let connected = client
        .child
        .lines()
        .wait_for_json("connected", timeout, |v| {
            v.get("event").and_then(|e| e.as_str()) == Some("connected")
        })?;
    let pid = support::json_u64(&connected, "pid")
        .and_then(|p| u32::try_from(p).ok())
        .ok_or_else(|| err(format!("no pid in {connected}")))?;
    Ok((client, pid))
}

pub(super) fn client_args(pairs: &[(&str, String)]) -> Vec<String> {
    pairs
        .iter()
        .flat_map(|(k, v)| [(*k).to_owned(), v.clone()])
        .collect()
}

/// Copies the real python binary to `<dir>/we ird/my prog`.
pub(super) fn weird_python(dir: &Path) -> Result<String> {
    let path = dir.join("we ird").join("my prog");
    support::copy_python_to(&path)?;
    Ok(path.to_string_lossy().into_owned())
}
