//! The alert engine's memory across restarts — quota levels fired this period, mutes —
//! in `alerts.json` beside the history file. Written atomically (temporary file, then
//! rename), 0600 in a 0700 folder like the history (`private_fs`): it names the apps that
//! used the network; a missing or unreadable file starts afresh (logged), never stops the app.

use super::engine::Persisted;
use std::path::{Path, PathBuf};

pub const FILE: &str = "alerts.json";

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// The saved state, or the empty state (with the reason) when there is none or it is bad.
pub fn load(data_dir: &Path) -> (Persisted, Option<String>) {
    let p = path(data_dir);
    match std::fs::read(&p) {
        Ok(bytes) => match serde_json::from_slice(&bytes) {
            Ok(state) => (state, None),
            Err(e) => (
                Persisted::default(),
                Some(format!(
                    "{}: unreadable ({e}); alert state starts afresh",
                    p.display()
                )),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Persisted::default(), None),
        Err(e) => (
            Persisted::default(),
            Some(format!(
                "{}: cannot read ({e}); alert state starts afresh",
                p.display()
            )),
        ),
    }
}

/// Saves `state` (blocking: call it off the GUI thread and off the collector's path).
pub fn save(data_dir: &Path, state: &Persisted) -> std::io::Result<()> {
    crate::private_fs::private_dir(data_dir)?;
    let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    crate::private_fs::write_private(&path(data_dir), &json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), (Persisted::default(), None));
        let mut s = Persisted::default();
        s.quotas
            .insert("Plan".into(), ("month 2026-11-01".into(), vec![80]));
        s.mutes.insert("Heavy upload".into(), 1_795_000_000);
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path()), (s, None));
        std::fs::write(path(dir.path()), "{not json").unwrap();
        let (state, why) = load(dir.path());
        assert_eq!(state, Persisted::default());
        assert!(why.unwrap().contains("starts afresh"));
    }

    #[test]
    fn saved_private_in_a_private_folder() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hogwatch");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(path(&dir), "{}").unwrap();
        std::fs::set_permissions(path(&dir), std::fs::Permissions::from_mode(0o644)).unwrap();
        save(&dir, &Persisted::default()).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&path(&dir)), 0o600);
    }
}
