//! Files only their owner reads: folders 0700, files 0600, looser modes tightened, nothing
//! written through a symlink, and fresh private folders with names nobody can guess.
//!
//! History and alert state say what every user's programs did on the network: other users
//! must not read them. The folder is what protects them (0700: nobody else can even look
//! up a name in it); the files' own 0600 is the second wall, for when a folder is copied or
//! loosened. A folder that was loose may hold names planted by others, so a folder is only
//! accepted when it and everything in it is ours: a file of another user in our data
//! folder could receive our writes and be read by its owner.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

const DIR_MODE: u32 = 0o700;
const FILE_MODE: u32 = 0o600;

/// This process's effective uid, from /proc (this crate has no unsafe code for geteuid).
pub fn effective_uid() -> io::Result<u32> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"));
    let euid = uid.and_then(|ids| ids.split_whitespace().nth(1)?.parse().ok());
    euid.ok_or_else(|| io::Error::other("no Uid line in /proc/self/status"))
}

fn foreign(p: &Path, owner: u32) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} belongs to uid {owner}, not to this user; refusing to use it (move it away)",
            p.display()
        ),
    )
}

/// Makes `dir` (and its missing parents) a folder only we can enter: created 0700, or, if
/// it exists and is ours, tightened to 0700. A folder of another user is refused. A
/// symlink to it is followed: the path is this user's choice (a data folder elsewhere).
pub fn private_dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::DirBuilder::new().mode(DIR_MODE).create(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    // Checked and changed through one open descriptor, so both concern the same folder.
    let handle = File::open(dir)?;
    let meta = handle.metadata()?;
    if !meta.is_dir() {
        return Err(io::Error::other(format!(
            "{} is not a folder",
            dir.display()
        )));
    }
    if meta.uid() != effective_uid()? {
        return Err(foreign(dir, meta.uid()));
    }
    if meta.mode() & 0o7777 != DIR_MODE {
        handle.set_permissions(std::fs::Permissions::from_mode(DIR_MODE))?;
    }
    Ok(())
}

/// Tightens everything in `dir` (made private by [`private_dir`] first, so that nobody else
/// can add, rename or swap names in it while we look): files to 0600, folders to 0700.
/// Symlinks are left as they are and never followed; anything of another user is refused.
pub fn tighten_contents(dir: &Path) -> io::Result<()> {
    let me = effective_uid()?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let meta = std::fs::symlink_metadata(&path)?;
        if meta.uid() != me {
            return Err(foreign(&path, meta.uid()));
        }
        let want = match meta.file_type() {
            t if t.is_dir() => DIR_MODE,
            t if t.is_file() => FILE_MODE,
            _ => continue,
        };
        if meta.mode() & 0o077 != 0 {
            // By name: in a folder only we can change, this name is still the file above.
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(want))?;
        }
    }
    Ok(())
}

/// Opens `path` for reading and writing, creating it 0600 if missing; never through a
/// symlink (O_NOFOLLOW: a planted one fails with ELOOP).
pub fn open_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Replaces `path` with `bytes` atomically: a new 0600 file beside it (O_EXCL, never an
/// existing name or a symlink), synced, then renamed over it.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    // A leftover of a crash; in our private folder, so ours.
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A folder made for this process alone, removed (with what it holds) on drop.
#[derive(Debug)]
pub struct FreshDir {
    path: PathBuf,
}

impl FreshDir {
    /// `parent/PREFIX` + 16 random hex digits, made 0700 by one mkdir: it fails on any
    /// existing name, a symlink included, so nothing planted is ever used. Like mkdtemp(3).
    pub fn new_in(parent: &Path, prefix: &str) -> io::Result<FreshDir> {
        for _ in 0..8 {
            let mut random = [0u8; 8];
            File::open("/dev/urandom")?.read_exact(&mut random)?;
            let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
            let path = parent.join(format!("{prefix}{name}"));
            match std::fs::DirBuilder::new().mode(DIR_MODE).create(&path) {
                Ok(()) => {
                    // The umask can only have taken bits away; make it exactly 0700.
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(DIR_MODE))?;
                    return Ok(FreshDir { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!(
            "cannot make a fresh folder in {}",
            parent.display()
        )))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FreshDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).map_or(0, |m| m.mode() & 0o7777)
    }

    #[test]
    fn a_loose_folder_and_its_files_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        for (name, m) in [("a.sqlite3", 0o644), ("b.json", 0o666), ("c", 0o600)] {
            std::fs::write(dir.join(name), "x").unwrap();
            std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(m)).unwrap();
        }
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::set_permissions(dir.join("sub"), std::fs::Permissions::from_mode(0o775)).unwrap();
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::write(&elsewhere, "x").unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("link")).unwrap();

        private_dir(&dir).unwrap();
        tighten_contents(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        for name in ["a.sqlite3", "b.json", "c"] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        assert_eq!(mode(&dir.join("sub")), 0o700);
        assert_eq!(mode(&elsewhere), 0o644, "a symlink is not followed");
        // A new folder, and its missing parents.
        let fresh = tmp.path().join("x/y/hogwatch");
        private_dir(&fresh).unwrap();
        assert_eq!(mode(&fresh), 0o700);
    }

    #[test]
    fn private_files_are_0600_and_never_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("target");
        std::fs::write(&target, "precious").unwrap();
        let planted = tmp.path().join("lock");
        std::os::unix::fs::symlink(&target, &planted).unwrap();
        assert!(open_private(&planted).is_err(), "a symlink is refused");
        let file = tmp.path().join("state.json");
        write_private(&file, b"{}").unwrap();
        assert_eq!(mode(&file), 0o600);
        // A symlink planted at the temporary name is removed, not written through.
        std::os::unix::fs::symlink(&target, tmp.path().join("state.json.tmp")).unwrap();
        write_private(&file, b"{\"a\":1}").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "{\"a\":1}");
        open_private(&tmp.path().join("new")).unwrap();
        assert_eq!(mode(&tmp.path().join("new")), 0o600);
    }

    #[test]
    fn fresh_dirs_are_private_unpredictable_and_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let a = FreshDir::new_in(tmp.path(), "icons-").unwrap();
        let b = FreshDir::new_in(tmp.path(), "icons-").unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(mode(a.path()), 0o700);
        let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("icons-") && name.len() == "icons-".len() + 16,
            "{name}"
        );
        std::fs::write(a.path().join("f.png"), "x").unwrap();
        let gone = a.path().to_path_buf();
        drop(a);
        assert!(!gone.exists());
    }
}
