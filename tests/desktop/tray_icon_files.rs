//! The tray's icon files — tray-icon writes each PNG by name, as libayatana takes a file
//! path — go only to a fresh folder of the tray's own, never to a name another user could
//! have planted a symlink at. Here `$XDG_RUNTIME_DIR` is unusable (unset), `/tmp` is a
//! sticky 1777 folder of the test's own (`TMPDIR`), and `nobody` took `/tmp/hogwatch-0`
//! first, with symlinks at every icon name aimed at a file of ours. Needs root.

use crate::support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;
use support::cli::AS_NOBODY;
use support::desktop::Desktop;
use support::home::Home;
use support::tray_app::{quit, rates, row, start_tray, write_replay, HOGWATCH};
use support::{err, run, Result};

#[test]
fn icon_files_go_to_a_fresh_private_folder_never_through_planted_symlinks() -> Result<()> {
    let home = Home::new("hogwatch-iconfiles-")?;
    let desktop = Desktop::start(&home)?;
    let work = tempfile::tempdir()?;
    let replay = write_replay(work.path(), 120)?;
    let victim = work.path().join("victim");
    std::fs::write(&victim, "precious")?;
    let tmp = tempfile::Builder::new().prefix("hogwatch-tmp-").tempdir()?;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o1777))?;

    // The other user's doing: the runtime fallback's name taken, open to all, and a
    // symlink at each icon name the tray would write (a name for every redraw).
    let icons = tmp.path().join("hogwatch-0/icons");
    let plant = format!(
        "mkdir -m 777 \"${{0%/icons}}\" \"$0\" && for i in $(seq 0 199); do \
         ln -s '{}' \"$0/tray-icon-hogwatch-$i.png\" || exit 1; done",
        victim.display()
    );
    let icons_s = icons.to_string_lossy();
    let argv: Vec<&str> = AS_NOBODY
        .iter()
        .copied()
        .chain(["sh", "-c", &plant, &icons_s])
        .collect();
    let out = run(&argv, Duration::from_secs(10))?;
    if !out.status.success() {
        return Err(err(format!("planting as nobody: {}", out.stderr)));
    }

    let tmpdir = format!("TMPDIR={}", tmp.path().display());
    let source = format!("replay:{replay}");
    let argv = [
        "/usr/bin/env",
        "-u",
        "XDG_RUNTIME_DIR",
        &tmpdir,
        HOGWATCH,
        "--source",
        &source,
        "--replay-speed",
        "1",
        "--no-history",
    ];
    let (mut hog, tray) = start_tray(&desktop, "icon-files", &argv)?;
    // Refreshes with traffic: the icon is redrawn (a new file each time).
    tray.wait_layout(Duration::from_secs(15), |m| {
        row(m, "bigdown").and_then(|r| rates(&r.text())).is_some()
    })?;
    let dir = tray.property_string("IconThemePath")?.unwrap_or_default();

    let kept = std::fs::read(&victim)?;
    if kept != b"precious" {
        return Err(err(format!(
            "the tray wrote an icon through a planted symlink into {} ({} bytes now)",
            victim.display(),
            kept.len()
        )));
    }
    let dir = Path::new(&dir);
    let fresh = dir.parent() == Some(tmp.path())
        && dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("hogwatch-icons-"));
    let meta = std::fs::symlink_metadata(dir)?;
    if !fresh || !meta.is_dir() || meta.uid() != 0 || meta.mode() & 0o7777 != 0o700 {
        return Err(err(format!(
            "icons in {} (mode {:o}, uid {}): want a fresh 0700 folder of ours in {}",
            dir.display(),
            meta.mode() & 0o7777,
            meta.uid(),
            tmp.path().display()
        )));
    }
    let pngs = std::fs::read_dir(dir)?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .count();
    if pngs == 0 {
        return Err(err(format!("no icon file in {}", dir.display())));
    }
    quit(&tray, &mut hog)?;
    if dir.exists() {
        return Err(err(format!("{} is left behind after Quit", dir.display())));
    }
    Ok(())
}
