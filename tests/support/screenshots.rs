//! The README's screenshots (`docs/*.png`), kept current by the tests that take them: each
//! run writes the picture into `docs/` together with the labels it shows (figures
//! normalised) in a text file beside it. The labels file is committed; when what the test
//! sees differs from it, the picture in the repository is stale, and the test fails after
//! writing both, naming the files to commit.

use super::{err, Result};
use std::path::{Path, PathBuf};

/// Byte units as `hogwatch::units` writes them after a figure.
const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/// `docs/` in the source tree.
pub fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

/// Replaces every figure by `#`: a number standing on its own, with the byte unit after
/// it if any ("2.00 MiB/s" → "#/s", "(23%)" → "(#%)"). Rates and amounts move from run to
/// run, and a rate near a unit's edge changes its unit too; neither makes a picture stale.
/// Digits that belong to a word stay ("eth0", "h1", the range "30m").
pub fn normalise_figures(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut prev: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if !c.is_ascii_digit() || prev.is_some_and(char::is_alphanumeric) {
            out.push(c);
            prev = Some(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(rest.len());
        // A full stop or comma after a number ends the sentence, not the number.
        let end = rest[..end].trim_end_matches(['.', ',']).len();
        let (number, after) = rest.split_at(end);
        rest = after;
        if after.chars().next().is_some_and(char::is_alphabetic) {
            out.push_str(number);
            prev = number.chars().last();
            continue;
        }
        out.push('#');
        prev = Some('#');
        if let Some(spaced) = rest.strip_prefix(' ') {
            let unit = spaced
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(spaced.len());
            if UNITS.contains(&&spaced[..unit]) {
                rest = &spaced[unit..];
            }
        }
    }
    out
}

/// Writes `png` to `docs/<png_name>` and `labels` (one per line, figures normalised) to
/// `docs/<labels_name>`. `Ok` when the labels are those already there; else an error
/// saying the committed picture was stale, which has been regenerated and which files to
/// commit. Either way both files are current afterwards, so the next run passes.
pub fn keep_in_docs(
    png_name: &str,
    png: &[u8],
    labels_name: &str,
    labels: &[String],
) -> Result<()> {
    let docs = docs_dir();
    let mut now: String = labels
        .iter()
        .map(|l| normalise_figures(l))
        .collect::<Vec<_>>()
        .join("\n");
    now.push('\n');
    let labels_path = docs.join(labels_name);
    let before = std::fs::read_to_string(&labels_path).ok();
    std::fs::write(docs.join(png_name), png)
        .map_err(|e| err(format!("cannot write docs/{png_name}: {e}")))?;
    std::fs::write(&labels_path, &now)
        .map_err(|e| err(format!("cannot write docs/{labels_name}: {e}")))?;
    if before.as_deref() == Some(now.as_str()) {
        return Ok(());
    }
    let before = before.unwrap_or_else(|| "(no such file)\n".to_owned());
    Err(err(format!(
        "docs/{png_name} was stale and has been regenerated: commit docs/{png_name} and \
         docs/{labels_name}\n--- labels committed:\n{before}--- labels shown now:\n{now}"
    )))
}
