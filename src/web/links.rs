//! The dashboard's URLs. The credential rides in the fragment (`#key=…`, `#code=…`),
//! which a browser never sends to any server: the page reads it, keeps it for its own
//! origin and sends it only as a header to the server that served the page. Pure.

/// The page of the server at `host` (`127.0.0.1:6432`, `[::1]:8010`), opened with the
/// server's per-run `key`.
pub fn with_key(host: &str, key: &str) -> String {
    format!("http://{host}/#key={key}")
}

/// `url` without its query and fragment: what logs, notifications and `doctor` show.
pub fn bare(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The fragment's `name=` value of `url`, if any.
pub fn fragment_value<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let (_, frag) = url.split_once('#')?;
    frag.split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        .filter(|v| !v.is_empty())
}

/// `url` opening the page focused on `app` (the tray's "Show in dashboard"): `?app=` in
/// the query, the fragment kept.
pub fn with_app(url: &str, app: &str) -> String {
    let (base, frag) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let base = base.split('?').next().unwrap_or(base);
    let mut out = format!("{base}?app={}", super::auth::url_encode(app));
    if let Some(f) = frag {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `url` for a browser started by a command line: its fragment (the key) replaced by a
/// one-time `code` (see `code`).
pub fn with_code(url: &str, code: &str) -> String {
    let base = url.split('#').next().unwrap_or(url);
    format!("{base}#code={code}")
}

/// `text` with every URL fragment (`#key=…`, `#code=…`, up to the next space) taken out:
/// for a line that names a dashboard on its way into a log.
pub fn without_fragments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        rest = rest.find(char::is_whitespace).map_or("", |j| &rest[j..]);
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_in_the_fragment_only() {
        let u = with_key("127.0.0.1:6432", "k1");
        assert_eq!(u, "http://127.0.0.1:6432/#key=k1");
        assert_eq!(bare(&u), "http://127.0.0.1:6432/");
        assert_eq!(fragment_value(&u, "key"), Some("k1"));
        assert_eq!(fragment_value(&u, "ke"), None);
        assert_eq!(fragment_value("http://h/#key=", "key"), None);
        assert_eq!(fragment_value("http://h/?key=x", "key"), None);
    }

    #[test]
    fn app_and_code() {
        let u = with_key("127.0.0.1:6432", "k1");
        let a = with_app(&u, "/usr/bin/my prog");
        assert_eq!(
            a,
            "http://127.0.0.1:6432/?app=%2Fusr%2Fbin%2Fmy%20prog#key=k1"
        );
        assert_eq!(with_app(&a, "x"), "http://127.0.0.1:6432/?app=x#key=k1");
        assert_eq!(bare(&a), "http://127.0.0.1:6432/");
        let c = with_code(&a, "1.2.3");
        assert_eq!(
            c,
            "http://127.0.0.1:6432/?app=%2Fusr%2Fbin%2Fmy%20prog#code=1.2.3"
        );
        assert!(!c.contains("k1"));
        assert_eq!(with_code("http://h/", "9"), "http://h/#code=9");
    }

    #[test]
    fn fragments_stay_out_of_log_lines() {
        assert_eq!(
            without_fragments("running (pid 4); dashboard: http://127.0.0.1:6432/#key=abc"),
            "running (pid 4); dashboard: http://127.0.0.1:6432/"
        );
        assert_eq!(
            without_fragments("a http://h/?app=x#code=1 b http://i/#key=2\nc"),
            "a http://h/?app=x b http://i/\nc"
        );
        assert_eq!(without_fragments("no url"), "no url");
    }
}
