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
