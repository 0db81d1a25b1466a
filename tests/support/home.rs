//! [`Home`]: a fresh temporary HOME with its own XDG directories, for runs of the binary.

use super::{err, Result};

/// A fresh HOME with its own XDG directories (`config`, `data`, `cache`, `state`, and a
/// private `runtime` for XDG_RUNTIME_DIR), for hogwatch runs. Deleted on drop.
///
/// Its own runtime folder also gives each run its own per-user hogwatch socket: runs of
/// parallel tests never find (and attach to) each other.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// A home owned by the current user, in a temporary directory named `<prefix>…`.
    pub fn new(prefix: &str) -> Result<Home> {
        Home::owned_by(prefix, None)
    }

    /// A home owned by `uid` (same gid), for runs under another user.
    pub fn owned_by(prefix: &str, uid: Option<u32>) -> Result<Home> {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
        let mut paths = vec![dir.path().to_path_buf()];
        for sub in ["config", "data", "cache", "state", "runtime"] {
            let p = dir.path().join(sub);
            std::fs::create_dir_all(&p)?;
            paths.push(p);
        }
        // hogwatch accepts only a private runtime folder (see src/app/instance.rs).
        std::fs::set_permissions(
            dir.path().join("runtime"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        if let Some(uid) = uid {
            for p in &paths {
                std::os::unix::fs::chown(p, Some(uid), Some(uid))
                    .map_err(|e| err(format!("chown {}: {e}", p.display())))?;
            }
        }
        Ok(Home { dir })
    }

    /// The HOME directory (XDG_CONFIG_HOME is its `config`).
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// `NAME=value` assignments for env(1).
    pub fn env(&self) -> Vec<String> {
        let p = self.dir.path().display();
        vec![
            format!("HOME={p}"),
            format!("XDG_CONFIG_HOME={p}/config"),
            format!("XDG_DATA_HOME={p}/data"),
            format!("XDG_CACHE_HOME={p}/cache"),
            format!("XDG_STATE_HOME={p}/state"),
            format!("XDG_RUNTIME_DIR={p}/runtime"),
            "COLUMNS=120".to_owned(),
            "LINES=30".to_owned(),
            // A panic shows as one short message, not a backtrace.
            "RUST_BACKTRACE=0".to_owned(),
        ]
    }
}
