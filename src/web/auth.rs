//! Who may talk to the dashboard server: a request carries the token as
//! `Authorization: Bearer TOKEN`, as the `hogwatch_token` cookie (set when the URL printed
//! by `hogwatch server` is opened with `?token=`), or in that query parameter. WebSocket
//! upgrades must also come from the dashboard's own origin (a page elsewhere cannot use
//! the browser's cookie). Pure functions over header values.

pub const COOKIE: &str = "hogwatch_token";

/// Equal without an early exit (the time taken says nothing about where they differ).
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token a request presents, in order: Bearer header, cookie, query parameter.
pub fn presented<'a>(
    authorization: Option<&'a str>,
    cookie: Option<&'a str>,
    query: Option<&'a str>,
) -> Option<&'a str> {
    if let Some(t) = authorization.and_then(|a| a.strip_prefix("Bearer ")) {
        return Some(t.trim());
    }
    if let Some(c) = cookie {
        for part in c.split(';') {
            if let Some(v) = part
                .trim()
                .strip_prefix(COOKIE)
                .and_then(|r| r.strip_prefix('='))
            {
                return Some(v.trim());
            }
        }
    }
    query.and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("token="))
            .filter(|t| !t.is_empty())
    })
}

/// Does the request carry the right token?
pub fn authorized(
    token: &str,
    authorization: Option<&str>,
    cookie: Option<&str>,
    query: Option<&str>,
) -> bool {
    presented(authorization, cookie, query).is_some_and(|t| same(t, token))
}

/// A WebSocket upgrade's `Origin` must be this server's own (`http://` + the `Host` the
/// browser used). No Origin (a non-browser client with the token) is fine.
pub fn origin_ok(origin: Option<&str>, host: Option<&str>) -> bool {
    match (origin, host) {
        (None, _) => true,
        (Some(o), Some(h)) => o == format!("http://{h}") || o == format!("https://{h}"),
        (Some(_), None) => false,
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
pub fn url_encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `Set-Cookie` value that keeps the token for the browser session.
pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_cookie_or_query() {
        let t = "abc123";
        assert!(authorized(t, Some("Bearer abc123"), None, None));
        assert!(authorized(
            t,
            None,
            Some("x=1; hogwatch_token=abc123"),
            None
        ));
        assert!(authorized(t, None, None, Some("range=1h&token=abc123")));
        assert!(!authorized(t, None, None, None));
        assert!(!authorized(t, Some("Bearer abc124"), None, None));
        assert!(!authorized(t, Some("Basic abc123"), None, None));
        assert!(!authorized(t, None, Some("hogwatch_token=abc1234"), None));
        assert!(!authorized(t, None, None, Some("token=")));
        assert!(!authorized(t, None, None, Some("xtoken=abc123")));
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            url_encode("/usr/bin/my prog&x=1"),
            "%2Fusr%2Fbin%2Fmy%20prog%26x%3D1"
        );
        assert_eq!(url_encode("a-b_c.d~"), "a-b_c.d~");
    }

    #[test]
    fn origins() {
        assert!(origin_ok(None, Some("127.0.0.1:6432")));
        assert!(origin_ok(
            Some("http://127.0.0.1:6432"),
            Some("127.0.0.1:6432")
        ));
        assert!(!origin_ok(
            Some("http://evil.example"),
            Some("127.0.0.1:6432")
        ));
        assert!(!origin_ok(
            Some("http://127.0.0.1:6432.evil"),
            Some("127.0.0.1:6432")
        ));
        assert!(!origin_ok(Some("null"), Some("127.0.0.1:6432")));
        assert!(!origin_ok(Some("http://127.0.0.1:6432"), None));
    }
}
