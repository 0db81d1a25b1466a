//! "Start at login": an XDG autostart entry in `$XDG_CONFIG_HOME/autostart/hogwatch.desktop`
//! that the user turns on and off from the menu. The package ships the entry's text in
//! `/usr/share/hogwatch/hogwatch-autostart.desktop` (off until copied); a build tree
//! writes one that runs its own binary. File work happens on the backend's blocking
//! threads, never on the GUI thread.

use std::path::{Path, PathBuf};

/// Where the package keeps the entry to copy.
pub const PACKAGED: &str = "/usr/share/hogwatch/hogwatch-autostart.desktop";

/// `$XDG_CONFIG_HOME/autostart/hogwatch.desktop` (else `~/.config/autostart/…`).
pub fn entry_path() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("XDG_CONFIG_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| env("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("autostart").join("hogwatch.desktop"))
}

/// Is the entry there and not switched off (`Hidden=true`, or GNOME's
/// `X-GNOME-Autostart-enabled=false`)?
pub fn enabled(path: &Path) -> bool {
    match std::fs::read_to_string(path) {
        Ok(text) => !text.lines().any(|l| {
            let l = l.trim();
            l.eq_ignore_ascii_case("Hidden=true")
                || l.eq_ignore_ascii_case("X-GNOME-Autostart-enabled=false")
        }),
        Err(_) => false,
    }
}

/// The entry for a binary that is not installed (a build tree): runs `exe`.
pub fn entry_for(exe: &Path) -> String {
    // Desktop entry Exec quoting: a path with spaces or specials is double-quoted with
    // `"`, `` ` ``, `$` and `\` escaped.
    let p = exe.to_string_lossy();
    let exec = if p
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        p.into_owned()
    } else {
        let mut q = String::from("\"");
        for c in p.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    };
    format!(
        "[Desktop Entry]\nType=Application\nName=hogwatch\n\
         Comment=Network bandwidth per app, in the tray\nExec={exec}\nIcon=hogwatch\n\
         Terminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// Turns starting at login on (writing the entry) or off (removing it).
pub fn set(path: &Path, on: bool, packaged: &Path, exe: &Path) -> std::io::Result<()> {
    if !on {
        return match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let text = match std::fs::read_to_string(packaged) {
        Ok(t) => t,
        Err(_) => entry_for(exe),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("desktop.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_and_off() {
        let dir = tempfile::tempdir().unwrap();
        let entry = dir.path().join("autostart/hogwatch.desktop");
        let none = dir.path().join("no-package.desktop");
        assert!(!enabled(&entry));
        set(&entry, true, &none, Path::new("/opt/my build/hogwatch")).unwrap();
        assert!(enabled(&entry));
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(text.contains("Exec=\"/opt/my build/hogwatch\"\n"), "{text}");
        set(&entry, false, &none, Path::new("/x")).unwrap();
        assert!(!entry.exists());
        // Off twice is fine.
        set(&entry, false, &none, Path::new("/x")).unwrap();
    }

    #[test]
    fn the_packaged_entry_is_copied_and_hidden_means_off() {
        let dir = tempfile::tempdir().unwrap();
        let packaged = dir.path().join("packaged.desktop");
        std::fs::write(&packaged, "[Desktop Entry]\nExec=hogwatch\n").unwrap();
        let entry = dir.path().join("a/hogwatch.desktop");
        set(&entry, true, &packaged, Path::new("/x")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&entry).unwrap(),
            "[Desktop Entry]\nExec=hogwatch\n"
        );
        std::fs::write(&entry, "[Desktop Entry]\nHidden=true\n").unwrap();
        assert!(!enabled(&entry));
    }

    #[test]
    fn plain_paths_are_not_quoted_and_specials_are_escaped() {
        assert!(entry_for(Path::new("/usr/bin/hogwatch")).contains("Exec=/usr/bin/hogwatch\n"));
        assert!(entry_for(Path::new("/a$b")).contains("Exec=\"/a\\$b\"\n"));
    }
}
