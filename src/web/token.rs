//! The dashboard's access token: 32 random bytes (hex) made once per install and kept in
//! `$XDG_CONFIG_HOME/hogwatch/token`, mode 0600, so only this user (and root) can read
//! it. Anyone who can reach the port still needs it. A damaged file is replaced, and so
//! is one that others could read (or that is not a plain file of ours): whoever read it may
//! keep a copy, so tightening its mode would not take the token back.

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const FILE: &str = "token";
const BYTES: usize = 32;

fn valid(t: &str) -> bool {
    t.len() == BYTES * 2 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// 32 random bytes from the kernel, in hex (the token; a server's per-run key).
pub fn random_hex() -> std::io::Result<String> {
    let mut buf = [0u8; BYTES];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Why a token file cannot be trusted to be ours alone, if so.
fn exposed(meta: &std::fs::Metadata) -> Option<&'static str> {
    let me = crate::collect::procfs::effective_uid();
    if !meta.file_type().is_file() {
        Some("is not a plain file")
    } else if me.is_some_and(|uid| meta.uid() != uid) {
        Some("belongs to another user")
    } else if meta.permissions().mode() & 0o077 != 0 {
        Some("was readable by others")
    } else {
        None
    }
}

/// The token in `dir/token`, made (0600) when missing or damaged, and made anew when the
/// file was exposed (readable by others, another's, a link): the old token stops working.
pub fn load_or_create(dir: &Path) -> std::io::Result<String> {
    let path = dir.join(FILE);
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        if let Some(why) = exposed(&meta) {
            tracing::warn!(
                "{} {why}; making a new dashboard token (scripts with the old one must read it again)",
                path.display()
            );
            std::fs::remove_file(&path)?;
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            let t = text.trim();
            if valid(t) {
                return Ok(t.to_string());
            }
            tracing::warn!(
                "{} is damaged; making a new dashboard token",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(dir)?;
    let token = random_hex()?;
    let tmp = dir.join("token.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    writeln!(f, "{token}")?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_private_and_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path()).unwrap();
        assert!(valid(&a));
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create(dir.path()).unwrap(), a);
        // A damaged file is replaced.
        std::fs::write(dir.path().join(FILE), "short").unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert!(valid(&b) && b != a);
    }

    #[test]
    fn a_file_others_could_read_gets_a_new_token() {
        for loose in [0o644, 0o640, 0o604] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(FILE);
            let old = load_or_create(dir.path()).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).unwrap();
            let new = load_or_create(dir.path()).unwrap();
            assert!(valid(&new), "{loose:o}");
            assert_ne!(
                new, old,
                "mode {loose:o}: the token others could read is kept"
            );
            assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), new);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            // And it is kept from then on.
            assert_eq!(load_or_create(dir.path()).unwrap(), new);
        }
    }

    #[test]
    fn a_link_is_not_followed_but_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        let planted = "ab".repeat(BYTES);
        std::fs::write(&elsewhere, format!("{planted}\n")).unwrap();
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(FILE)).unwrap();
        let t = load_or_create(dir.path()).unwrap();
        assert_ne!(t, planted);
        let meta = std::fs::symlink_metadata(dir.path().join(FILE)).unwrap();
        assert!(meta.file_type().is_file());
        // The link's target is left alone.
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap().trim(), planted);
    }
}
