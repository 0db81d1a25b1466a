//! Where a link followed in the dashboard window goes: the dashboard's own pages stay in
//! the window, http(s) addresses elsewhere go to the browser, and every other scheme is
//! refused, with the reason in the log. Pure decision, plus the two handlers the webview
//! calls (navigation and new-window requests).
//!
//! Why refuse: the browser is reached through `xdg-open`, which hands any URL to whatever
//! the desktop registered for its scheme — `file:` opens local files with their default
//! program, custom schemes start other applications, `javascript:` and `data:` are code
//! or content of the page's making. The page shows other programs' names, so a link on it
//! must never become any of those. http(s) with a host is what the browser is for.

/// What to do with a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The dashboard itself (its origin), or the blank page: load it in the window.
    Stay,
    /// An http(s) address elsewhere: the browser.
    Browser,
    /// Anything else: neither; the reason is for the log.
    Refuse(String),
}

/// Pages the webview may show besides the dashboard (WebKit's empty documents).
const BLANK: [&str; 2] = ["about:blank", "about:srcdoc"];

/// Decides where `to` goes from a window showing the dashboard at `origin`
/// (`scheme://host[:port]`).
pub fn decide(to: &str, origin: &str) -> Link {
    if to.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Link::Refuse("the address holds spaces or control characters".into());
    }
    if BLANK.contains(&to) {
        return Link::Stay;
    }
    if same_origin(to, origin) {
        return Link::Stay;
    }
    let Some(scheme) = scheme(to) else {
        return Link::Refuse("not an absolute address (no scheme)".into());
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Link::Refuse(format!(
            "the {scheme}: scheme is not opened (only http and https links go to the browser)"
        ));
    }
    if self::origin(to).is_none() {
        return Link::Refuse("an http(s) address without a host".into());
    }
    Link::Browser
}

/// The navigation handler: `true` loads `to` in the window; otherwise it went to the
/// browser (`browser`, which hands it to the tray) or was refused and logged.
pub fn on_navigation(to: &str, origin: &str, browser: &dyn Fn(&str)) -> bool {
    match decide(to, origin) {
        Link::Stay => true,
        Link::Browser => {
            browser(to);
            false
        }
        Link::Refuse(why) => {
            refused(to, &why);
            false
        }
    }
}

/// The new-window handler: the window never opens another; an http(s) address (the
/// dashboard's too) goes to the browser, anything else is refused and logged. WebKit's
/// empty popups (`about:blank`) are dropped without a word.
pub fn on_new_window(to: &str, origin: &str, browser: &dyn Fn(&str)) {
    match decide(to, origin) {
        Link::Stay if BLANK.contains(&to) => {}
        Link::Stay | Link::Browser => browser(to),
        Link::Refuse(why) => refused(to, &why),
    }
}

fn refused(to: &str, why: &str) {
    // Its start only: the address is the page's (or another program's) making.
    tracing::warn!(
        "dashboard window: not opening {:?}: {why}",
        crate::text::truncate(to, 80)
    );
}

/// The scheme of an absolute URL (RFC 3986: a letter, then letters, digits, `+-.`,
/// then `:`).
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// `scheme://host[:port]` of `url`, if it has one.
pub fn origin(url: &str) -> Option<&str> {
    let rest = url.find("://")? + 3;
    let end = url[rest..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest + i);
    (end > rest).then(|| &url[..end])
}

/// Is `url` on the dashboard's `origin` (not merely a host that starts like it)?
pub fn same_origin(url: &str, origin: &str) -> bool {
    !origin.is_empty() && self::origin(url) == Some(origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    const DASH: &str = "http://127.0.0.1:6432";

    #[test]
    fn origin_is_scheme_host_and_port() {
        assert_eq!(
            origin("http://127.0.0.1:6432/?token=abc"),
            Some("http://127.0.0.1:6432")
        );
        assert_eq!(
            origin("http://127.0.0.1:6432"),
            Some("http://127.0.0.1:6432")
        );
        assert_eq!(origin("http://h?x=1"), Some("http://h"));
        assert_eq!(origin("about:blank"), None);
        assert_eq!(origin("http:///path"), None);
    }

    #[test]
    fn only_the_dashboard_stays_in_the_window() {
        let o = DASH;
        assert!(same_origin("http://127.0.0.1:6432/?token=t&app=firefox", o));
        assert!(same_origin("http://127.0.0.1:6432/history#x", o));
        assert!(!same_origin("http://127.0.0.1:64321/", o));
        assert!(!same_origin("http://127.0.0.1:6432.evil.example/", o));
        assert!(!same_origin("https://127.0.0.1:6432/", o));
        assert!(!same_origin("https://example.org/", o));
        assert!(!same_origin("http://127.0.0.1:6432/", ""));
    }

    #[test]
    fn http_and_https_go_to_the_browser_and_nothing_else_does() {
        assert_eq!(decide("http://127.0.0.1:6432/?app=x", DASH), Link::Stay);
        assert_eq!(decide("about:blank", DASH), Link::Stay);
        for web in [
            "https://example.org/",
            "http://example.org/a?b#c",
            "HTTPS://Example.org",
            "http://127.0.0.1:6433/",
            "https://127.0.0.1:6432/",
        ] {
            assert_eq!(decide(web, DASH), Link::Browser, "{web}");
        }
        for other in [
            "file:///etc/passwd",
            "FILE:///home/u/.ssh/id_rsa",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ssh://host",
            "steam://run/1",
            "mailto:a@b",
            "x-scheme-handler:whatever",
            "vbscript:msgbox",
            "about:config",
            "blob:http://127.0.0.1:6432/uuid",
            "ftp://example.org/",
            "//example.org/",
            "relative/path",
            "http:example.org",
            "http:///nohost",
            "",
            "http://example.org/\n--help",
            "https://exa mple.org/",
        ] {
            assert!(
                matches!(decide(other, DASH), Link::Refuse(_)),
                "{other:?}: {:?}",
                decide(other, DASH)
            );
        }
        // The reason names the scheme.
        assert!(
            matches!(decide("file:///etc", DASH), Link::Refuse(w) if w.contains("file:")),
            "{:?}",
            decide("file:///etc", DASH)
        );
    }

    #[test]
    fn the_handlers_send_only_web_addresses_to_the_browser() {
        let opened = RefCell::new(Vec::<String>::new());
        let tx = |u: &str| opened.borrow_mut().push(u.to_owned());
        let sent = || std::mem::take(&mut *opened.borrow_mut());
        // Navigation: the dashboard loads here, the web goes out, the rest nowhere.
        assert!(on_navigation("http://127.0.0.1:6432/?app=a", DASH, &tx));
        assert!(on_navigation("about:blank", DASH, &tx));
        assert!(!on_navigation("https://example.org/", DASH, &tx));
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:,x",
            "steam://run/1",
        ] {
            assert!(!on_navigation(bad, DASH, &tx), "{bad}");
        }
        assert_eq!(sent(), ["https://example.org/"]);
        // New windows: never here; web addresses (the dashboard's too) to the browser.
        for to in [
            "https://example.org/x",
            "http://127.0.0.1:6432/?app=b",
            "about:blank",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "custom-app://launch",
        ] {
            on_new_window(to, DASH, &tx);
        }
        assert_eq!(
            sent(),
            ["https://example.org/x", "http://127.0.0.1:6432/?app=b"]
        );
    }
}
