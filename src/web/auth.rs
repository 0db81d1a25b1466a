//! Who may talk to the dashboard server. Pure functions over header values.
//!
//! A request is let in when any credential it presents is valid (a stale or planted one
//! beside a good one locks nobody out):
//! - `Authorization: Bearer X`, where X is the per-install token (scripts, `/metrics`) or
//!   the server's per-run key (what the page holds);
//! - for the live WebSocket, which a browser cannot give headers, the key as the
//!   subprotocol `hogwatch.key.X` next to [`PROTOCOL`] (the one the server selects).
//!
//! Cookies and the query are never read: a browser sends cookies to every port of a host,
//! so a cookie credential would reach whichever server another user runs on another port
//! of 127.0.0.1. WebSocket upgrades must also come from the dashboard's own origin.

/// The WebSocket subprotocol the page asks for and the server selects.
pub const PROTOCOL: &str = "hogwatch";
/// The prefix of the subprotocol that carries the key.
pub const KEY_PROTOCOL: &str = "hogwatch.key.";

/// What the server accepts.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The per-install token (`token`): never in a URL.
    pub token: String,
    /// This run's key: in the URL's fragment, held by the page; gone with the server.
    pub key: String,
}

impl Keys {
    pub fn accepts(&self, presented: &str) -> bool {
        same(presented, &self.token) || same(presented, &self.key)
    }
}

/// Equal without an early exit (the time taken says nothing about where they differ).
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `Authorization` value's credential for `scheme` ("Bearer", "Code").
pub fn credential<'a>(authorization: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, v) = authorization.trim().split_once(' ')?;
    (s.eq_ignore_ascii_case(scheme) && !v.trim().is_empty()).then(|| v.trim())
}

/// The keys offered as WebSocket subprotocols (`Sec-WebSocket-Protocol` values, each a
/// comma-separated list).
pub fn protocol_keys<'a>(protocols: &[&'a str]) -> Vec<&'a str> {
    protocols
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix(KEY_PROTOCOL))
        .collect()
}

/// Does any credential the request presents open the server? `authorization` and
/// `protocols` are every value of those headers.
pub fn authorized(keys: &Keys, authorization: &[&str], protocols: &[&str]) -> bool {
    let bearer = authorization.iter().filter_map(|a| credential(a, "Bearer"));
    bearer
        .chain(protocol_keys(protocols))
        .any(|t| keys.accepts(t))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys {
            token: "tok123".into(),
            key: "key456".into(),
        }
    }

    #[test]
    fn bearer_token_or_key() {
        let k = keys();
        assert!(authorized(&k, &["Bearer tok123"], &[]));
        assert!(authorized(&k, &["bearer key456 "], &[]));
        assert!(!authorized(&k, &[], &[]));
        assert!(!authorized(&k, &["Bearer tok124"], &[]));
        assert!(!authorized(&k, &["Basic tok123"], &[]));
        assert!(!authorized(&k, &["Bearer "], &[]));
        assert!(!authorized(&k, &["Bearer tok1234"], &[]));
    }

    #[test]
    fn any_valid_credential_opens() {
        let k = keys();
        // A stale header beside a good one, in either order, in either place.
        assert!(authorized(&k, &["Bearer stale", "Bearer key456"], &[]));
        assert!(authorized(&k, &["Bearer stale"], &["hogwatch.key.key456"]));
        assert!(authorized(
            &k,
            &[],
            &["hogwatch, hogwatch.key.old, hogwatch.key.key456"]
        ));
        assert!(!authorized(&k, &[], &["hogwatch, hogwatch.key.old"]));
        assert!(!authorized(&k, &[], &["key456"]));
    }

    #[test]
    fn codes_are_their_own_scheme() {
        assert_eq!(credential("Code 1.ab.cd", "Code"), Some("1.ab.cd"));
        assert_eq!(credential("Bearer 1.ab.cd", "Code"), None);
        assert_eq!(credential("Code", "Code"), None);
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
