//! The alert engine's memory across restarts — quota levels fired this period, mutes —
//! in `alerts.json` beside the history file. Written atomically (temporary file, then
//! rename); a missing or unreadable file starts afresh (logged), never stops the app.

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
    std::fs::create_dir_all(data_dir)?;
    let p = path(data_dir);
    let tmp = p.with_extension("json.tmp");
    let json = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, &p)
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
}
