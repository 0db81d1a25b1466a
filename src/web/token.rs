//! The dashboard's access token: 32 random bytes (hex) made once per install and kept in
//! `$XDG_CONFIG_HOME/hogwatch/token`, mode 0600, so only this user (and root) can read
//! it. Anyone who can reach the port still needs it. A damaged file is replaced.

use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

pub const FILE: &str = "token";
const BYTES: usize = 32;

fn valid(t: &str) -> bool {
    t.len() == BYTES * 2 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

fn random_hex() -> std::io::Result<String> {
    let mut buf = [0u8; BYTES];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// The token in `dir/token`, made (0600) when missing or damaged. A file that others can
/// read is tightened to 0600.
pub fn load_or_create(dir: &Path) -> std::io::Result<String> {
    let path = dir.join(FILE);
    if let Ok(text) = std::fs::read_to_string(&path) {
        let t = text.trim();
        if valid(t) {
            let mode = std::fs::metadata(&path)?.permissions().mode();
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
            return Ok(t.to_string());
        }
        tracing::warn!(
            "{} is damaged; making a new dashboard token",
            path.display()
        );
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
        // Loosened permissions are tightened; a damaged file is replaced.
        std::fs::set_permissions(
            dir.path().join(FILE),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), a);
        let mode = std::fs::metadata(dir.path().join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(dir.path().join(FILE), "short").unwrap();
        let b = load_or_create(dir.path()).unwrap();
        assert!(valid(&b) && b != a);
    }
}
