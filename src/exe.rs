//! Where hogwatch's programs are: each next to the running one (a build tree, where cargo
//! puts them side by side), else where the packages install them. `hogwatch` (GUI-free)
//! execs the tray, the tray starts the window and the helper, the tray's "Start at login"
//! names `hogwatch`: one place knows these paths.

use std::path::{Path, PathBuf};

/// Where the packages put the programs that users do not start themselves.
pub const LIBEXEC: &str = "/usr/libexec/hogwatch";
/// The tray applet (GTK, no WebKit): what `hogwatch` with no command runs.
pub const TRAY: &str = "hogwatch-tray";
/// The dashboard window (WebKitGTK): started by the tray, one at a time.
pub const WINDOW: &str = "hogwatch-window";
/// The privileged helper.
pub const HELPER: &str = "hogwatch-helper";
/// The command users run, installed on PATH.
pub const LAUNCHER: &str = "hogwatch";
/// Where the packages install the launcher.
pub const INSTALLED_LAUNCHER: &str = "/usr/bin/hogwatch";

/// `name` next to the running program, else in `installed_dir`; `None` when neither is a
/// file.
pub fn sibling_or_installed(name: &str, installed_dir: &Path) -> Option<PathBuf> {
    let own_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    first_file(own_dir.as_deref(), name, installed_dir)
}

/// A libexec program (`TRAY`, `WINDOW`, `HELPER`) as [`sibling_or_installed`] finds it.
pub fn libexec(name: &str) -> Option<PathBuf> {
    sibling_or_installed(name, Path::new(LIBEXEC))
}

/// The `hogwatch` command, for entries that start it (autostart): next to the running
/// program, else the installed one; as a last resort the installed path even if missing.
pub fn launcher() -> PathBuf {
    let installed = Path::new(INSTALLED_LAUNCHER);
    sibling_or_installed(LAUNCHER, installed.parent().unwrap_or(installed))
        .unwrap_or_else(|| installed.to_path_buf())
}

/// `dir/name` if it is a file, else `fallback/name` if that is (pure but for the checks).
fn first_file(dir: Option<&Path>, name: &str, fallback: &Path) -> Option<PathBuf> {
    dir.map(|d| d.join(name))
        .into_iter()
        .chain(std::iter::once(fallback.join(name)))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sibling_wins_over_the_installed_one() {
        let own = tempfile::tempdir().unwrap();
        let installed = tempfile::tempdir().unwrap();
        let found = |name| first_file(Some(own.path()), name, installed.path());
        assert_eq!(found(TRAY), None);
        std::fs::write(installed.path().join(TRAY), b"").unwrap();
        assert_eq!(found(TRAY), Some(installed.path().join(TRAY)));
        std::fs::write(own.path().join(TRAY), b"").unwrap();
        assert_eq!(found(TRAY), Some(own.path().join(TRAY)));
        // A folder of that name is not the program.
        std::fs::create_dir(own.path().join(WINDOW)).unwrap();
        assert_eq!(found(WINDOW), None);
    }
}
