//! Desktop notifications (org.freedesktop.Notifications over D-Bus, via notify-rust), sent
//! from the async side only: a missing or hung notification server costs a log line,
//! never a stuck GUI thread.
//!
//! Bodies carry other programs' names (an alert names the app, its executable path). A
//! server that announces `body-markup` reads the body as a subset of HTML: a process
//! named `<a href="https://x">Update</a>` would show a link there. So the body is
//! escaped (`& < > " '`) for such a server, and for one whose capabilities are unknown
//! (at worst it shows `&lt;`), and goes as it is to one that reads plain text. Summaries
//! are plain text for every server (the spec allows no markup there).

use std::borrow::Cow;
use std::time::Duration;

/// Longest wait for the notification server.
const SEND_FOR: Duration = Duration::from_secs(5);

const IFACE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// What the notification server says it can do (`GetCapabilities`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Shows buttons (`actions`).
    pub actions: bool,
    /// Reads markup in bodies (`body-markup`): bodies must be escaped.
    pub body_markup: bool,
}

impl Capabilities {
    /// From `GetCapabilities`' list.
    pub fn from_list(list: &[String]) -> Self {
        let has = |c: &str| list.iter().any(|x| x == c);
        Capabilities {
            actions: has("actions"),
            body_markup: has("body-markup"),
        }
    }

    /// A server that did not say: no buttons, and bodies escaped (safe either way).
    pub const UNKNOWN: Capabilities = Capabilities {
        actions: false,
        body_markup: true,
    };
}

/// Asks the notification server on `conn` what it can do; `None` when none answers.
pub async fn capabilities(conn: &zbus::Connection) -> Option<Capabilities> {
    let call = conn.call_method(Some(IFACE), PATH, Some(IFACE), "GetCapabilities", &());
    let reply = tokio::time::timeout(SEND_FOR, call).await.ok()?.ok()?;
    let list: Vec<String> = reply.body().deserialize().ok()?;
    Some(Capabilities::from_list(&list))
}

/// `s` with markup's special characters as entities, so a markup-reading server shows
/// them as text.
pub fn escape_markup(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A notification from hogwatch: its app name and icon, `summary`, and `body` as the
/// server reads it (escaped where it reads markup).
pub fn notification(summary: &str, body: &str, caps: Capabilities) -> notify_rust::Notification {
    let body = if caps.body_markup {
        escape_markup(body)
    } else {
        Cow::Borrowed(body)
    };
    let mut n = notify_rust::Notification::new();
    n.appname("hogwatch")
        .summary(summary)
        .body(&body)
        .icon("network-transmit-receive");
    n
}

/// Shows a notification; failures (no server, no session bus) are logged, not returned.
pub async fn show(summary: &str, body: &str) {
    let caps = match zbus::Connection::session().await {
        Ok(conn) => capabilities(&conn).await,
        Err(_) => None,
    };
    let n = notification(summary, body, caps.unwrap_or(Capabilities::UNKNOWN));
    match tokio::time::timeout(SEND_FOR, n.show_async()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::info!("no notification shown ({e}): {summary}"),
        Err(_) => tracing::info!("the notification server did not answer: {summary}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(list: &[&str]) -> Capabilities {
        Capabilities::from_list(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn markup_is_escaped_only_where_the_server_reads_it() {
        let name = "<a href=\"https://x\">Update</a> & 'more'";
        let escaped = "&lt;a href=&quot;https://x&quot;&gt;Update&lt;/a&gt; &amp; &#39;more&#39;";
        assert_eq!(escape_markup(name), escaped);
        assert_eq!(escape_markup("firefox (pid 12)"), "firefox (pid 12)");
        let markup = caps(&["actions", "body", "body-markup"]);
        assert_eq!(
            markup,
            Capabilities {
                actions: true,
                body_markup: true
            }
        );
        let plain = caps(&["body"]);
        assert!(!plain.actions && !plain.body_markup);
        // Unknown: escaped, to be safe.
        let body = |n: &notify_rust::Notification| n.body.clone();
        assert_eq!(body(&notification("s", name, markup)), escaped);
        assert_eq!(body(&notification("s", name, plain)), name);
        assert_eq!(
            body(&notification("s", name, Capabilities::UNKNOWN)),
            escaped
        );
    }
}
