//! The folder tree is the architecture, and this keeps it so: it reads every file under
//! `src/` and builds the import graph from its `crate::…` and `super::…` paths, then checks
//!
//! - no circle between top-level modules, nor between the modules of one folder
//!   (`collect::nethogs` ↔ `collect::source` would be one);
//! - front ends on top: nothing outside `src/tray/` imports `tray`, nothing outside
//!   `src/cmd/` imports `cmd`, and only front ends import the core (`app`);
//! - each collection backend is one folder behind the seam: the backend-neutral parts
//!   (accountant, pipeline, collector…) never name a backend, only `source` does;
//! - the GUI libraries stay in the GUI programs: only the dashboard window
//!   (`src/tray/window/`, `hogwatch-window`) names wry or webkit2gtk, only the tray and the
//!   window (`src/tray/`, `hogwatch-tray`, `hogwatch-window`) name gtk, tao, tray-icon or
//!   muda, nothing outside the window names its module, and `hogwatch` (`src/main.rs`)
//!   names no front end's GUI at all. What a binary's code never reaches, ld leaves out
//!   (`--as-needed`): `tests/core/gui_free.rs` checks the binaries themselves.
//!
//! It also checks the checker: a made-up circle is found.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path such as `collect::nethogs::decode`.
type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file under `src/` is, e.g. `src/collect/nethogs/mod.rs` → collect::nethogs;
/// `src/collect/accountant_tests.rs` (a `#[path]` child) → collect::accountant.
fn module_of(rel: &Path) -> Module {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|l| l == "mod" || l == "lib" || l == "main")
    {
        parts.pop();
    }
    if let Some(last) = parts.last_mut() {
        if let Some(base) = last.strip_suffix("_tests") {
            *last = base.to_owned();
        }
    }
    parts
}

/// Paths this text names: `crate::a::b…` and `super::…`, resolved against `here`, the
/// module whose file it is (`super` in `a/b.rs` and in `a/b/mod.rs` alike is `a`).
fn imports(text: &str, here: &Module) -> BTreeSet<Module> {
    let mut out = BTreeSet::new();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with("crate::") || w.starts_with("super::"))
        .collect();
    for w in words {
        let mut segs: Vec<&str> = w.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Module = Vec::new();
        if segs.first() == Some(&"crate") {
            segs.remove(0);
        } else {
            base = here.clone();
            while segs.first() == Some(&"super") {
                segs.remove(0);
                base.pop();
            }
        }
        let mut m = base;
        m.extend(
            segs.iter()
                .take_while(|s| s.chars().next().is_some_and(|c| c.is_lowercase()))
                .map(|s| s.to_string()),
        );
        out.insert(m);
    }
    out
}

/// The import graph at `depth` (module paths cut to that many segments), edges between
/// different nodes only.
fn graph(
    files: &BTreeMap<Module, BTreeSet<Module>>,
    depth: usize,
) -> BTreeMap<Module, BTreeSet<Module>> {
    let cut = |m: &Module| m.iter().take(depth).cloned().collect::<Module>();
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, tos) in files {
        let f = cut(from);
        for to in tos {
            let t = cut(to);
            // Same node, or a module and its own ancestor (a folder's mod.rs): not an edge.
            if t.is_empty() || f.starts_with(&t) || t.starts_with(&f) {
                continue;
            }
            g.entry(f.clone()).or_default().insert(t);
        }
    }
    g
}

/// A circle of the graph, if there is one.
fn circle(g: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        n: &Module,
        g: &BTreeMap<Module, BTreeSet<Module>>,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut c = stack[i..].to_vec();
            c.push(n.clone());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.clone());
        for next in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.clone());
        None
    }
    let mut done = BTreeSet::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn show(c: &[Module]) -> String {
    c.iter()
        .map(|m| m.join("::"))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// `m` cut to the longest prefix that is a module of `known` (`units::rate` → `units`:
/// a path names a module, then maybe an item of it).
fn known_prefix(m: &Module, known: &BTreeSet<Module>) -> Module {
    (0..=m.len())
        .rev()
        .map(|n| m[..n].to_vec())
        .find(|p| known.contains(p))
        .unwrap_or_default()
}

/// Every library file's module and what it imports (the binaries are the top).
fn library() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let mut files: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for p in paths {
        let rel = p.strip_prefix(&src).unwrap_or(&p).to_path_buf();
        if rel.starts_with("bin") || rel == Path::new("main.rs") || rel == Path::new("lib.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let here = module_of(&rel);
        let found = imports(&text, &here);
        files.entry(here).or_default().extend(found);
    }
    let known: BTreeSet<Module> = files.keys().cloned().collect();
    files
        .into_iter()
        .map(|(m, tos)| (m, tos.iter().map(|t| known_prefix(t, &known)).collect()))
        .collect()
}

#[test]
fn the_checker_finds_a_made_up_circle() {
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Module>();
    let mut files = BTreeMap::new();
    files.insert(m("a::x"), BTreeSet::from([m("b::y")]));
    files.insert(m("b::y"), BTreeSet::from([m("c")]));
    files.insert(m("c"), BTreeSet::from([m("a::z")]));
    assert!(circle(&graph(&files, 1)).is_some());
    files.insert(m("c"), BTreeSet::new());
    assert!(circle(&graph(&files, 1)).is_none());
    // `super` resolves against the file's module.
    let found = imports("use super::sample::Event;", &m("collect::nethogs::decode"));
    assert!(found.contains(&m("collect::nethogs::sample")));
    let found = imports(
        "use super::super::sample::Event;",
        &m("collect::nethogs::decode"),
    );
    assert!(found.contains(&m("collect::sample")));
    let found = imports("let x = crate::units::rate(1.0);", &m("tray::title"));
    let known = BTreeSet::from([m("units"), m("tray::title")]);
    let cut: BTreeSet<Module> = found.iter().map(|f| known_prefix(f, &known)).collect();
    assert_eq!(cut, BTreeSet::from([m("units")]));
}

#[test]
fn no_circle_between_modules() {
    let files = library();
    assert!(files.len() > 40, "read only {} modules", files.len());
    if let Some(c) = circle(&graph(&files, 1)) {
        panic!(
            "top-level modules import each other in a circle: {}",
            show(&c)
        );
    }
    // Within each folder: cut each module to its folder's depth plus one.
    for depth in 2..=3 {
        if let Some(c) = circle(&graph(&files, depth)) {
            panic!("modules import each other in a circle: {}", show(&c));
        }
    }
}

#[test]
fn front_ends_are_on_top() {
    let files = library();
    let mut wrong = Vec::new();
    for (from, tos) in &files {
        let top = from.first().map(String::as_str).unwrap_or_default();
        for to in tos {
            let target = to.first().map(String::as_str).unwrap_or_default();
            let allowed = match target {
                "tray" => top == "tray",
                "cmd" => top == "cmd",
                // The core is for front ends only.
                "app" => matches!(top, "app" | "tray" | "cmd"),
                _ => true,
            };
            if !allowed {
                wrong.push(format!("{} imports {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports pointing up:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn backends_sit_behind_the_seam() {
    let files = library();
    let backends = ["nethogs", "ebpf", "replay"];
    let mut wrong = Vec::new();
    for (from, tos) in &files {
        if from.first().map(String::as_str) != Some("collect") {
            continue;
        }
        let own = from.get(1).map(String::as_str).unwrap_or_default();
        // The seam itself, and the backends (replay decodes version-1 recordings with
        // the nethogs decoder), may name backends. The recording format is replay's, and
        // the collector writes recordings: it names `replay::format`, nothing else.
        if matches!(own, "source" | "nethogs" | "ebpf" | "replay") {
            continue;
        }
        for to in tos {
            let Some(b) = to.get(1).map(String::as_str) else {
                continue;
            };
            let format_only = b == "replay" && to.get(2).map(String::as_str) == Some("format");
            if to.first().map(String::as_str) == Some("collect")
                && backends.contains(&b)
                && !format_only
            {
                wrong.push(format!(
                    "{} names the backend {}",
                    from.join("::"),
                    to.join("::")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "backend-neutral code naming a backend:\n{}",
        wrong.join("\n")
    );
}

/// Every `.rs` file under `src/` (library and binaries), as a path relative to `src/`,
/// with the crate paths it names (`gtk::…`, `crate::tray::…`, `hogwatch::tray::…`).
fn all_sources() -> Vec<(PathBuf, BTreeSet<String>)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let words = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .filter(|w| w.contains("::"))
                .map(str::to_owned)
                .collect();
            (p.strip_prefix(&src).unwrap_or(&p).to_path_buf(), words)
        })
        .collect()
}

/// Whether `words` name crate `krate` (`krate::…`).
fn names(words: &BTreeSet<String>, krate: &str) -> bool {
    let prefix = format!("{krate}::");
    words.iter().any(|w| w.starts_with(&prefix))
}

#[test]
fn gui_libraries_stay_in_the_gui_programs() {
    let files = all_sources();
    assert!(files.len() > 40, "read only {} files", files.len());
    let in_window =
        |p: &Path| p.starts_with("tray/window") || p == Path::new("bin/hogwatch-window.rs");
    let in_gui = |p: &Path| {
        p.starts_with("tray")
            || p == Path::new("bin/hogwatch-tray.rs")
            || p == Path::new("bin/hogwatch-window.rs")
    };
    let mut wrong = Vec::new();
    for (path, words) in &files {
        for krate in ["wry", "webkit2gtk"] {
            if names(words, krate) && !in_window(path) {
                wrong.push(format!(
                    "{} names {krate} (only the window may)",
                    path.display()
                ));
            }
        }
        for krate in ["gtk", "tao", "tray_icon", "muda"] {
            if names(words, krate) && !in_gui(path) {
                wrong.push(format!(
                    "{} names {krate} (only the tray and the window may)",
                    path.display()
                ));
            }
        }
        // The window's module: its own files and its binary only (the tray starts it as
        // a process, never calls it).
        let window_module = words.iter().any(|w| {
            w.starts_with("crate::tray::window::")
                || w == "crate::tray::window"
                || w.starts_with("hogwatch::tray::window")
                || (path.starts_with("tray") && w.starts_with("super::window::"))
        });
        if window_module && !in_window(path) {
            wrong.push(format!(
                "{} reaches the window's code (start hogwatch-window instead)",
                path.display()
            ));
        }
        if path == Path::new("main.rs") && names(words, "hogwatch::tray") {
            wrong.push("main.rs (hogwatch) reaches the tray (it execs hogwatch-tray)".to_owned());
        }
    }
    assert!(
        wrong.is_empty(),
        "GUI libraries outside the GUI programs:\n{}",
        wrong.join("\n")
    );
    // The checker sees what it looks for: the window does name wry, the tray gtk.
    let named = |file: &str, krate: &str| {
        files
            .iter()
            .any(|(p, w)| p == Path::new(file) && names(w, krate))
    };
    assert!(
        named("tray/window/view.rs", "wry"),
        "the window's wry not seen"
    );
    assert!(named("tray/app.rs", "tao"), "the tray's tao not seen");
}
