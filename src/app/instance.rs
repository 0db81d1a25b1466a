//! One hogwatch core per user: the first instance holds a lock file and listens on a Unix
//! socket beside it; every later front end talks to it there (see `protocol`): it hands
//! over ("open-dashboard"), or attaches to its live stream — it never starts a second
//! collector (a second helper, a second nethogs).
//!
//! The folder is `$XDG_RUNTIME_DIR/hogwatch` (per user, tmpfs, removed at logout), else
//! `/tmp/hogwatch-UID`; either way it must be a directory of ours, mode 0700, so no other
//! user can take the socket's place or read it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

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
    /// Another instance runs; it listens on this socket.
    Running(PathBuf),
}

/// The socket of the instance in `dir`.
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join("instance.sock")
}

/// Becomes the first instance, or says where the one that is listens.
pub fn claim(dir: &Path, uid: u32) -> Result<Claim, InstanceError> {
    private_dir(dir, uid)?;
    let lock_path = dir.join("instance.lock");
    let socket = socket_path(dir);
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
        Err(std::fs::TryLockError::WouldBlock) => Ok(Claim::Running(socket)),
        Err(std::fs::TryLockError::Error(e)) => Err(io(&lock_path, e)),
    }
}

/// This user's instance folder, from the environment.
pub fn user_dir() -> (PathBuf, u32) {
    let uid = crate::collect::procfs::effective_uid().unwrap_or(u32::MAX);
    let dir = runtime_dir(std::env::var_os("XDG_RUNTIME_DIR").map(Into::into), uid);
    (dir, uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uid_of(p: &Path) -> u32 {
        std::fs::metadata(p).map(|m| m.uid()).unwrap_or(u32::MAX)
    }

    #[test]
    fn the_second_claim_finds_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("hogwatch");
        let Claim::First(first) = claim(&dir, uid).unwrap() else {
            panic!("the first claim must win");
        };
        match claim(&dir, uid).unwrap() {
            Claim::Running(socket) => assert_eq!(socket, first.socket),
            Claim::First(_) => panic!("a second instance must not win"),
        }
        drop(first);
        assert!(!dir.join("instance.sock").exists(), "the socket is removed");
        // The lock went with the first instance: the next claim wins again.
        assert!(matches!(claim(&dir, uid).unwrap(), Claim::First(_)));
    }

    #[test]
    fn a_leftover_socket_does_not_block_a_new_instance() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("hogwatch");
        private_dir(&dir, uid).unwrap();
        std::fs::write(dir.join("instance.sock"), "stale").unwrap();
        assert!(matches!(claim(&dir, uid).unwrap(), Claim::First(_)));
    }

    #[test]
    fn a_shared_or_foreign_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("open");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(
            claim(&dir, uid),
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
