//! One hogwatch per user session: the first instance holds a lock file and listens on a
//! Unix socket beside it; a second one sends its request there ("open-dashboard"), prints
//! the answer and exits — it never starts a second collector (a second nethogs).
//!
//! The folder is `$XDG_RUNTIME_DIR/hogwatch` (per user, tmpfs, removed at logout), else
//! `/tmp/hogwatch-UID`; either way it must be a directory of ours, mode 0700, so no other
//! user can take the socket's place or read it.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The request a second `hogwatch` sends.
pub const OPEN_DASHBOARD: &str = "open-dashboard";
/// Longest request or reply line read, bytes (the socket is ours, but be strict).
const MAX_LINE: u64 = 512;
const CONNECT_FOR: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not a private directory of this user (owner uid {1}, mode {2:o}); refusing to use it")]
    Unsafe(PathBuf, u32, u32),
}

/// The runtime folder for the lock and the socket.
pub fn runtime_dir(xdg_runtime_dir: Option<PathBuf>, uid: u32) -> PathBuf {
    match xdg_runtime_dir.filter(|p| p.is_absolute()) {
        Some(d) => d.join("hogwatch"),
        None => std::env::temp_dir().join(format!("hogwatch-{uid}")),
    }
}

/// Creates `dir` (0700) or checks that an existing one is ours and private.
pub fn private_dir(dir: &Path, uid: u32) -> Result<(), InstanceError> {
    let io = |e| InstanceError::Io(dir.to_path_buf(), e);
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    let m = std::fs::symlink_metadata(dir).map_err(io)?;
    let mode = m.permissions().mode() & 0o7777;
    if !m.is_dir() || m.uid() != uid || mode & 0o077 != 0 {
        return Err(InstanceError::Unsafe(dir.to_path_buf(), m.uid(), mode));
    }
    Ok(())
}

/// The first instance: keeps the lock for as long as it lives.
#[derive(Debug)]
pub struct Instance {
    _lock: File,
    pub listener: UnixListener,
    pub socket: PathBuf,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// What `claim` found.
#[derive(Debug)]
pub enum Claim {
    First(Instance),
    /// Another instance runs; its answer to the request (empty if it gave none).
    Running(String),
}

/// Becomes the first instance, or hands `request` to the one that is.
pub fn claim(dir: &Path, uid: u32, request: &str) -> Result<Claim, InstanceError> {
    private_dir(dir, uid)?;
    let lock_path = dir.join("instance.lock");
    let socket = dir.join("instance.sock");
    let io = |p: &Path, e| InstanceError::Io(p.to_path_buf(), e);
    let mut lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| io(&lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => {
            // The lock is ours: any socket file is a leftover of a crashed instance.
            let _ = std::fs::remove_file(&socket);
            let listener = UnixListener::bind(&socket).map_err(|e| io(&socket, e))?;
            let _ = lock.set_len(0);
            let _ = writeln!(lock, "{}", std::process::id());
            Ok(Claim::First(Instance {
                _lock: lock,
                listener,
                socket,
            }))
        }
        Err(std::fs::TryLockError::WouldBlock) => Ok(Claim::Running(ask(&socket, request))),
        Err(std::fs::TryLockError::Error(e)) => Err(io(&lock_path, e)),
    }
}

/// Sends `request` to the running instance and returns its one-line answer. The first
/// instance may still be starting (locked, socket not yet bound): retry for a while.
fn ask(socket: &Path, request: &str) -> String {
    let until = Instant::now() + CONNECT_FOR;
    loop {
        match UnixStream::connect(socket) {
            Ok(mut s) => {
                let _ = s.set_read_timeout(Some(CONNECT_FOR));
                let _ = s.set_write_timeout(Some(CONNECT_FOR));
                if writeln!(s, "{request}").is_err() {
                    return String::new();
                }
                let mut line = String::new();
                let _ = BufReader::new(s.take(MAX_LINE)).read_line(&mut line);
                return crate::text::printable(line.trim_end()).into_owned();
            }
            Err(_) if Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(_) => return String::new(),
        }
    }
}

/// Reads one request from a connection of the running instance (at most `MAX_LINE`
/// bytes, waiting at most `wait`).
pub async fn read_request(stream: &mut tokio::net::UnixStream, wait: Duration) -> Option<String> {
    use tokio::io::AsyncBufReadExt;
    let mut line = String::new();
    let mut r = tokio::io::BufReader::new(tokio::io::AsyncReadExt::take(stream, MAX_LINE));
    match tokio::time::timeout(wait, r.read_line(&mut line)).await {
        Ok(Ok(n)) if n > 0 => Some(line.trim_end().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid_of(p: &Path) -> u32 {
        std::fs::metadata(p).map(|m| m.uid()).unwrap_or(u32::MAX)
    }

    #[test]
    fn the_second_claim_reaches_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("hogwatch");
        let Claim::First(first) = claim(&dir, uid, OPEN_DASHBOARD).unwrap() else {
            panic!("the first claim must win");
        };
        let listener = first.listener.try_clone().unwrap();
        let server = std::thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            let mut line = String::new();
            BufReader::new(s.try_clone().unwrap())
                .read_line(&mut line)
                .unwrap();
            writeln!(&s, "running (pid 42): got {}", line.trim_end()).unwrap();
        });
        match claim(&dir, uid, OPEN_DASHBOARD).unwrap() {
            Claim::Running(answer) => {
                assert_eq!(answer, "running (pid 42): got open-dashboard")
            }
            Claim::First(_) => panic!("a second instance must not win"),
        }
        server.join().unwrap();
        drop(first);
        assert!(!dir.join("instance.sock").exists(), "the socket is removed");
        // The lock went with the first instance: the next claim wins again.
        assert!(matches!(claim(&dir, uid, "x").unwrap(), Claim::First(_)));
    }

    #[test]
    fn a_leftover_socket_does_not_block_a_new_instance() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("hogwatch");
        private_dir(&dir, uid).unwrap();
        std::fs::write(dir.join("instance.sock"), "stale").unwrap();
        assert!(matches!(claim(&dir, uid, "x").unwrap(), Claim::First(_)));
    }

    #[test]
    fn a_shared_or_foreign_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("open");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(
            claim(&dir, uid, "x"),
            Err(InstanceError::Unsafe(_, _, 0o777))
        ));
        let mine = tmp.path().join("mine");
        private_dir(&mine, uid).unwrap();
        assert!(matches!(
            private_dir(&mine, uid.wrapping_add(1)),
            Err(InstanceError::Unsafe(..))
        ));
    }

    #[test]
    fn runtime_dir_prefers_xdg() {
        assert_eq!(
            runtime_dir(Some("/run/user/1000".into()), 1000),
            PathBuf::from("/run/user/1000/hogwatch")
        );
        assert!(runtime_dir(Some("relative".into()), 7).ends_with("hogwatch-7"));
        assert!(runtime_dir(None, 7).ends_with("hogwatch-7"));
    }
}
