//! The app key: which processes belong to one program, recognised again after a restart.
//!
//! Processes of one program share an executable (firefox's content processes, a
//! browser's helpers). Interpreters are the exception — every Python script runs
//! `/usr/bin/python3` — so for them the script (or `-m module`) joins the key.

/// Key and short display name of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub key: String,
    pub name: String,
}

const INTERPRETERS: [&str; 13] = [
    "python", "perl", "ruby", "node", "nodejs", "bash", "sh", "dash", "zsh", "php", "lua", "java",
    "deno",
];

/// True for `python3`, `python3.11`, `perl5.36`, … (name plus an optional version).
fn is_interpreter(base: &str) -> bool {
    INTERPRETERS.iter().any(|i| {
        base.strip_prefix(i)
            .is_some_and(|v| v.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    })
}

fn basename(path: &str) -> &str {
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path)
}

/// Derives the app of a process from its executable (may be empty when /proc is not
/// readable), nethogs' name (argv[0]) and its command line (argv, may be empty); both
/// bounded (see the module docs).
pub fn app_of(exe: &str, name: &str, argv: &[String]) -> App {
    let App { key, name } = unbounded_app_of(exe, name, argv);
    App {
        key: bound(key),
        name: bound(name),
    }
}

fn bound(s: String) -> String {
    match crate::text::bound_name(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(cut) => cut,
    }
}

fn unbounded_app_of(exe: &str, name: &str, argv: &[String]) -> App {
    let exe = exe.strip_suffix(" (deleted)").unwrap_or(exe);
    let program = if exe.is_empty() { name } else { exe };
    let base = basename(program);
    if is_interpreter(base) {
        if let Some(script) = script_of(argv) {
            return App {
                key: format!("{program} {script}"),
                name: format!("{} ({base})", basename(&script)),
            };
        }
    }
    App {
        key: program.to_owned(),
        name: base.to_owned(),
    }
}

/// The script or module an interpreter runs: the first non-option argument, or the
/// argument of `-m`. Options taking a value (`-c CODE`, `-e CODE`) mean no script.
fn script_of(argv: &[String]) -> Option<String> {
    let mut args = argv.iter().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "-m" => return args.next().cloned(),
            "-c" | "-e" | "--eval" => return None,
            s if s.starts_with('-') => continue,
            s => return Some(s.to_owned()),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_by_executable() {
        let a = app_of("/usr/lib/firefox/firefox", "/usr/lib/firefox/firefox", &[]);
        assert_eq!(a.key, "/usr/lib/firefox/firefox");
        assert_eq!(a.name, "firefox");
        let b = app_of(
            "/usr/lib/firefox/firefox",
            "/usr/lib/firefox/firefox",
            &v(&["/usr/lib/firefox/firefox", "-contentproc"]),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn interpreters_key_by_script() {
        let a = app_of(
            "/usr/bin/python3.11",
            "/usr/bin/python3",
            &v(&["/usr/bin/python3", "-u", "/srv/tcpgen.py", "tcp"]),
        );
        assert_eq!(a.key, "/usr/bin/python3.11 /srv/tcpgen.py");
        assert_eq!(a.name, "tcpgen.py (python3.11)");
        let m = app_of(
            "/usr/bin/python3",
            "python3",
            &v(&["python3", "-m", "http.server"]),
        );
        assert_eq!(m.key, "/usr/bin/python3 http.server");
        let c = app_of(
            "/usr/bin/python3",
            "python3",
            &v(&["python3", "-c", "print(1)"]),
        );
        assert_eq!(c.key, "/usr/bin/python3");
    }

    #[test]
    fn falls_back_to_nethogs_name() {
        let a = app_of("", "/opt/demo/we ird/my prog", &[]);
        assert_eq!(a.key, "/opt/demo/we ird/my prog");
        assert_eq!(a.name, "my prog");
        let d = app_of("/usr/bin/curl (deleted)", "curl", &[]);
        assert_eq!(d.key, "/usr/bin/curl");
        assert_eq!(app_of("", "", &[]).name, "");
    }

    #[test]
    fn keys_and_names_are_bounded_and_marked() {
        use crate::text::{CUT, MAX_NAME};
        // Another user's process (no exe): nethogs' 100 KiB argv[0] is the key.
        let long = format!("/tmp/{}", "é".repeat(50 * 1024));
        let a = app_of("", &long, &[]);
        assert!(
            a.key.len() <= MAX_NAME && a.key.ends_with(CUT),
            "{}",
            a.key.len()
        );
        assert!(long.starts_with(a.key.trim_end_matches(CUT)));
        assert!(a.name.len() <= MAX_NAME && a.name.ends_with(CUT));
        // An interpreter's script argument joins the key.
        let script = "x".repeat(100 * 1024);
        let p = app_of("/usr/bin/python3", "python3", &v(&["python3", &script]));
        assert_eq!(p.key.len(), MAX_NAME);
        assert!(p.key.starts_with("/usr/bin/python3 xxx") && p.key.ends_with(CUT));
        assert!(p.name.len() <= MAX_NAME && p.name.ends_with(CUT));
        // Short ones are untouched.
        assert_eq!(app_of("/usr/bin/curl", "curl", &[]).key, "/usr/bin/curl");
    }
}
