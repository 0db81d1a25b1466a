//! One hogwatch core per user: the first instance holds a lock file and listens on a Unix
//! socket beside it; every later front end talks to it there (see `protocol`): it hands
//! over ("open-dashboard"), or attaches to its live stream — it never starts a second
//! collector (a second helper, a second nethogs).
//!
//! The folder is `$XDG_RUNTIME_DIR/hogwatch` (per user, tmpfs, removed at logout) when
//! `$XDG_RUNTIME_DIR` is usable — a folder of this user closed to others, on a safe path
//! (below) — else `/tmp/hogwatch-UID` (`$TMPDIR` for /tmp). Paths are resolved once
//! (no symlink is followed again later) and the folder must be ours, mode 0700.
//!
//! Why a predictable name in /tmp is sound: it must be predictable, since a second hogwatch
//! of the same user finds the socket by its name alone. It is used only as checked: made by
//! mkdir 0700 (which never follows a symlink), or, when the name exists, lstat'ed and
//! refused unless it is a folder (a symlink is not) of this user without group or other
//! bits; and every folder above it belongs to root or this user and, if others may write
//! in it, is sticky — in a sticky /tmp no one else can rename or remove our folder, so the
//! name keeps naming the folder we checked, and inside it no one else can add or swap a
//! name. The lock is opened without following symlinks. Another user who takes the name
//! first only makes us refuse it and run without the socket (saying so): a denial of
//! service, never use of their folder. Files that need no finding (the tray's icons) go
//! to a fresh folder of random name instead (`private_fs::FreshDir`).

use crate::collect::upstream::SOCKET_NAME;
use std::fs::File;
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
    #[error("{0} (owner uid {1}, mode {2:o}) lets another user rename what is in it; refusing to keep the socket below it")]
    UnsafeParent(PathBuf, u32, u32),
}

/// The runtime folder for the lock and the socket (resolved: no symlinks in it).
pub fn runtime_dir(xdg_runtime_dir: Option<PathBuf>, uid: u32) -> PathBuf {
    let xdg = xdg_runtime_dir.filter(|p| p.is_absolute());
    let xdg = xdg.and_then(|d| std::fs::canonicalize(d).ok());
    match xdg.filter(|d| owned_private(d, uid).is_ok() && safe_ancestors(d, uid).is_ok()) {
        Some(d) => d.join("hogwatch"),
        None => {
            let tmp = std::env::temp_dir();
            let tmp = std::fs::canonicalize(&tmp).unwrap_or(tmp);
            tmp.join(format!("hogwatch-{uid}"))
        }
    }
}

/// `dir` itself (not a symlink) is a folder of `uid` without group or other bits.
fn owned_private(dir: &Path, uid: u32) -> Result<(), InstanceError> {
    let m = std::fs::symlink_metadata(dir).map_err(|e| InstanceError::Io(dir.into(), e))?;
    let mode = m.mode() & 0o7777;
    if !m.is_dir() || m.uid() != uid || mode & 0o077 != 0 {
        return Err(InstanceError::Unsafe(dir.to_path_buf(), m.uid(), mode));
    }
    Ok(())
}

/// Every folder above `dir` belongs to root or `uid`, and is sticky where others may write
/// in it: no one else can rename, remove or replace anything on the way to `dir`.
fn safe_ancestors(dir: &Path, uid: u32) -> Result<(), InstanceError> {
    for up in dir.ancestors().skip(1) {
        let m = std::fs::symlink_metadata(up).map_err(|e| InstanceError::Io(up.into(), e))?;
        let (mode, owner) = (m.mode() & 0o7777, m.uid());
        let others_write = mode & 0o022 != 0 && mode & 0o1000 == 0;
        if !m.is_dir() || (owner != 0 && owner != uid) || others_write {
            return Err(InstanceError::UnsafeParent(up.to_path_buf(), owner, mode));
        }
    }
    Ok(())
}

/// Creates `dir` (0700) or checks that an existing one is ours and private; either way
/// checks the folders above it (see the module comment).
pub fn private_dir(dir: &Path, uid: u32) -> Result<(), InstanceError> {
    safe_ancestors(dir, uid)?;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => owned_private(dir, uid),
        Err(e) => Err(InstanceError::Io(dir.to_path_buf(), e)),
    }
}

/// This user's runtime folder, made or checked: for files of this user's hogwatch that
/// must stay private (`None` when it cannot be had safely).
pub fn private_runtime_dir() -> Option<PathBuf> {
    let (dir, uid) = user_dir();
    private_dir(&dir, uid).ok().map(|()| dir)
}

/// The socket of the instance that runs for this user, if one may (the folder is checked,
/// never made): None when there is no folder or no socket.
pub fn running_socket(dir: &Path, uid: u32) -> Result<Option<PathBuf>, InstanceError> {
    if std::fs::symlink_metadata(dir).is_err() {
        return Ok(None);
    }
    safe_ancestors(dir, uid)?;
    owned_private(dir, uid)?;
    let socket = socket_path(dir);
    Ok(socket.exists().then_some(socket))
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

/// Who besides the owner may connect to an instance's socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// No one: the per-user core (folder 0700, the user's own programs only).
    Private,
    /// The owner's group: the system service (folder 0750, socket 0660; the group is
    /// `hogwatch`, whose members see every user's figures — docs/security.md). Others
    /// cannot reach into the folder.
    Group,
}

/// Becomes the first instance, or says where the one that is listens.
pub fn claim(dir: &Path, uid: u32) -> Result<Claim, InstanceError> {
    claim_shared(dir, uid, Sharing::Private)
}

/// `claim`, with the folder and socket open to `sharing`. The system service's socket is
/// `hogwatch.sock` (a name the packaging documents), the per-user one `instance.sock`.
pub fn claim_shared(dir: &Path, uid: u32, sharing: Sharing) -> Result<Claim, InstanceError> {
    let socket = match sharing {
        Sharing::Private => {
            private_dir(dir, uid)?;
            socket_path(dir)
        }
        Sharing::Group => {
            group_dir(dir, uid)?;
            dir.join(SOCKET_NAME)
        }
    };
    let lock_path = dir.join("instance.lock");
    let io = |p: &Path, e| InstanceError::Io(p.to_path_buf(), e);
    let mut lock = crate::private_fs::open_private(&lock_path).map_err(|e| io(&lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => {
            // The lock is ours: any socket file is a leftover of a crashed instance.
            let _ = std::fs::remove_file(&socket);
            let listener = UnixListener::bind(&socket).map_err(|e| io(&socket, e))?;
            if sharing == Sharing::Group {
                // Made with the umask's mode; until this chmod only the owner (and the
                // folder's group, which may not write yet) can see it.
                std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o660))
                    .map_err(|e| io(&socket, e))?;
            }
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

/// Creates `dir` (0750) or checks that an existing one (systemd's `RuntimeDirectory`) is
/// ours, and that neither the group may write in it nor others enter it; and the folders
/// above it, as for a private one.
pub fn group_dir(dir: &Path, uid: u32) -> Result<(), InstanceError> {
    safe_ancestors(dir, uid)?;
    match std::fs::DirBuilder::new().mode(0o750).create(dir) {
        // The umask may have taken the group's bits.
        Ok(()) => std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o750))
            .map_err(|e| InstanceError::Io(dir.into(), e)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let m = std::fs::symlink_metadata(dir).map_err(|e| InstanceError::Io(dir.into(), e))?;
            let mode = m.mode() & 0o7777;
            if !m.is_dir() || m.uid() != uid || mode & 0o027 != 0 {
                return Err(InstanceError::Unsafe(dir.to_path_buf(), m.uid(), mode));
            }
            Ok(())
        }
        Err(e) => Err(InstanceError::Io(dir.to_path_buf(), e)),
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
    fn the_system_services_socket_is_open_to_its_group_only() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let dir = tmp.path().join("run");
        let Claim::First(first) = claim_shared(&dir, uid, Sharing::Group).unwrap() else {
            panic!("the first claim must win");
        };
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&dir), 0o750);
        assert_eq!(mode(&first.socket), 0o660);
        assert!(first.socket.ends_with(SOCKET_NAME));
        assert_eq!(mode(&dir.join("instance.lock")), 0o600);
        assert!(matches!(
            claim_shared(&dir, uid, Sharing::Group).unwrap(),
            Claim::Running(_)
        ));
        drop(first);
        // A folder others may enter, or the group may write in, is refused.
        for bad in [0o755, 0o770] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(bad)).unwrap();
            assert!(matches!(
                claim_shared(&dir, uid, Sharing::Group),
                Err(InstanceError::Unsafe(..))
            ));
        }
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
    fn runtime_dir_prefers_a_usable_xdg() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let fallback = std::fs::canonicalize(std::env::temp_dir())
            .unwrap()
            .join(format!("hogwatch-{uid}"));
        let xdg = tmp.path().join("run");
        std::fs::create_dir(&xdg).unwrap();
        let mode = |m| std::fs::set_permissions(&xdg, std::fs::Permissions::from_mode(m));
        mode(0o700).unwrap();
        let real = std::fs::canonicalize(&xdg).unwrap();
        assert_eq!(runtime_dir(Some(xdg.clone()), uid), real.join("hogwatch"));
        // Followed once: the resolved path is what is kept.
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&xdg, &link).unwrap();
        assert_eq!(runtime_dir(Some(link), uid), real.join("hogwatch"));
        // Unusable: open to others, another user's, relative, missing, unset.
        mode(0o755).unwrap();
        assert_eq!(runtime_dir(Some(xdg.clone()), uid), fallback);
        mode(0o700).unwrap();
        let other = uid.wrapping_add(1);
        assert!(runtime_dir(Some(xdg.clone()), other).ends_with(format!("hogwatch-{other}")));
        assert_eq!(runtime_dir(Some("relative".into()), uid), fallback);
        assert_eq!(runtime_dir(Some(tmp.path().join("none")), uid), fallback);
        assert_eq!(runtime_dir(None, uid), fallback);
    }

    #[test]
    fn a_folder_below_one_others_can_write_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let open = tmp.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let dir = open.join("hogwatch");
        assert!(matches!(
            private_dir(&dir, uid),
            Err(InstanceError::UnsafeParent(_, _, 0o777))
        ));
        assert!(!dir.exists(), "nothing is made below it");
        // Sticky, like /tmp: others cannot rename what is ours in it.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
        private_dir(&dir, uid).unwrap();
        assert_eq!(running_socket(&dir, uid).unwrap(), None);
    }

    #[test]
    fn a_planted_symlink_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let uid = uid_of(tmp.path());
        let target = tmp.path().join("target");
        private_dir(&target, uid).unwrap();
        let dir = tmp.path().join("hogwatch");
        std::os::unix::fs::symlink(&target, &dir).unwrap();
        assert!(matches!(claim(&dir, uid), Err(InstanceError::Unsafe(..))));
        assert!(running_socket(&dir, uid).is_err());
        // A symlink planted as the lock inside is not followed either.
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        std::os::unix::fs::symlink(&victim, target.join("instance.lock")).unwrap();
        assert!(matches!(claim(&target, uid), Err(InstanceError::Io(..))));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }
}
