//! `hogwatch history --format csv` with hostile app names, on a real SQLite history: a
//! cell never starts with a formula for a reader that splits on `,`, `;` or tab — with
//! quotes honoured (python's csv module, each delimiter) or naively — and the RFC 4180
//! reading gives back each name with its guards.

use super::common::{expect_success, hog, python_csv, store_config, tempdir, HOME_PREFIX};
use crate::support;
use hogwatch::store::batch::Batch;
use hogwatch::store::tiers::Zone;
use hogwatch::store::{Retention, Store};
use std::path::Path;
use std::time::Duration;
use support::home::Home;
use support::{err, Result};

/// What spreadsheets read as the start of a formula.
const FORMULA: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// (key, display name, the key as CSV must give it back, the name likewise). Each name
/// is chosen so that, unguarded, a `;` or tab splitter sees a formula cell.
const HOSTILE: [(&str, &str, &str, &str); 3] = [
    (
        "/opt/x;=1+cmd|' /C calc'!A0",
        "x;=1+cmd|'!A0",
        "/opt/x;'=1+cmd|' /C calc'!A0",
        "x;'=1+cmd|'!A0",
    ),
    ("/opt/y\t@SUM(1+1)", "y\t+2", "/opt/y\t'@SUM(1+1)", "y\t'+2"),
    ("-2+3;-4", "=tab\t=1", "'-2+3;'-4", "'=tab\t'=1"),
];

/// Writes one hour of history for the hostile apps (1000·i bytes up, 2000·i down) into
/// `dir`, as the history writer would.
fn hostile_history(dir: &Path) -> Result<()> {
    let now = chrono::Utc::now().timestamp();
    let start = now - 3600 - now.rem_euclid(900);
    let mut store = Store::open_writer(
        dir,
        store_config(Zone::utc(), Retention::default(), 64 << 20),
    )
    .map_err(|e| err(format!("opening the history in {}: {e}", dir.display())))?;
    let mut b = Batch::default();
    for (i, (key, name, _, _)) in HOSTILE.iter().enumerate() {
        let n = i as u64 + 1;
        b.apps.insert(
            (start + 60, (*key).into(), "eth0".into()),
            (1000 * n, 2000 * n),
        );
        b.app_names.insert((*key).into(), (*name).into());
    }
    b.devices.insert((start + 60, "eth0".into()), (6000, 12000));
    b.spans.push((start, start + 600, true));
    store
        .write(&b)
        .map_err(|e| err(format!("writing the history: {e}")))?;
    Ok(())
}

fn formula_cells<'a>(cells: impl Iterator<Item = &'a str>) -> Vec<String> {
    cells
        .filter(|c| c.starts_with(FORMULA))
        .map(str::to_owned)
        .collect()
}

#[test]
fn history_csv_quotes_semicolons_and_tabs_and_no_cell_starts_a_formula() -> Result<()> {
    let home = Home::new(HOME_PREFIX)?;
    let tmp = tempdir("hogwatch-hist-csvf-")?;
    let dir = tmp.path().join("d");
    hostile_history(&dir)?;
    let d = dir.to_string_lossy();
    let out = hog(
        &home,
        &[
            "history",
            "--data-dir",
            &d,
            "--format",
            "csv",
            "--range",
            "all",
        ],
        Duration::from_secs(20),
    )?;
    expect_success(&out, "history csv")?;

    // Readers that split on `;` or tab (a spreadsheet's locale or guess), honouring
    // quotes or not, and on commas without quotes: no cell starts a formula.
    for delimiter in [';', '\t', ','] {
        let cells = python_csv(&out.stdout, delimiter, false)?;
        let bad = formula_cells(cells.iter().flatten().map(String::as_str));
        assert!(
            bad.is_empty(),
            "split on {delimiter:?} with quotes: formula cells {bad:?}\n{}",
            out.stdout
        );
        let naive = formula_cells(out.stdout.lines().flat_map(|l| l.split(delimiter)));
        assert!(
            naive.is_empty(),
            "split on {delimiter:?} naively: formula cells {naive:?}\n{}",
            out.stdout
        );
    }

    // RFC 4180 (comma, quotes honoured): each app once, its key and name guarded.
    let rows = python_csv(&out.stdout, ',', true)?;
    for (i, (_, _, key, name)) in HOSTILE.iter().enumerate() {
        let n = i as u64 + 1;
        let want = vec![
            (*key).to_owned(),
            (*name).to_owned(),
            (1000 * n).to_string(),
            (2000 * n).to_string(),
            (3000 * n).to_string(),
        ];
        assert!(
            rows.contains(&want),
            "no row {want:?} in {rows:?}\n{}",
            out.stdout
        );
    }
    assert_eq!(rows.len(), 5, "header, three apps, unattributed: {rows:?}");
    Ok(())
}
