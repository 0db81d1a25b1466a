//! The API's query parameters, checked: a range (`5m` … `30d`, `all`, or `from`/`to`),
//! an optional app or device, a number of points, a number of apps. Anything else is a 400 with a message
//! that says what was wrong. Pure.
//!
//! Numbers are other people's choice here (anyone who has the URL): every one is
//! checked against its bounds before any arithmetic, and the arithmetic is checked too,
//! so `from=-9223372036854775808` or `points=18446744073709551615` is a 400, never an
//! overflow (a panic in a debug build, a range wrapped into a valid-looking one in a
//! release build).

use crate::store::query::{FIRST_TS, LAST_TS};
use crate::units::parse_duration;
use std::collections::HashMap;

pub const RANGES: &[&str] = &["5m", "30m", "1h", "24h", "7d", "30d", "all"];
pub const DEFAULT_POINTS: usize = 300;
pub const MAX_POINTS: usize = 2000;
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 10_000;
/// Longest span a query may cover (ten years).
const MAX_SPAN: i64 = 10 * 366 * 86_400;

/// `[from, to)` in Unix seconds. `range` wins over `from`/`to`; the default is 1h.
/// `first` is the oldest recorded moment (for `all`).
pub fn range(
    q: &HashMap<String, String>,
    now: i64,
    first: Option<i64>,
) -> Result<(i64, i64), String> {
    if let Some(r) = q.get("range") {
        return match r.as_str() {
            "all" => Ok((first.unwrap_or(now - 3600).min(now - 1), now)),
            r if RANGES.contains(&r) => {
                let secs = parse_duration(r).map_err(|e| format!("range: {e}"))?;
                Ok((now - secs, now))
            }
            other => Err(format!(
                "range={other:?}: expected one of {}",
                RANGES.join(", ")
            )),
        };
    }
    let time = |k: &str| -> Result<Option<i64>, String> {
        q.get(k)
            .map(|v| match v.parse::<i64>() {
                Ok(t) if (FIRST_TS..=LAST_TS).contains(&t) => Ok(t),
                _ => Err(format!(
                    "{k}={v:?}: expected Unix seconds from {FIRST_TS} to {LAST_TS} (the end of \
                     the year 9999)"
                )),
            })
            .transpose()
    };
    match (time("from")?, time("to")?) {
        (None, None) => Ok((now - 3600, now)),
        (Some(from), to) => {
            let to = to.unwrap_or(now);
            match to.checked_sub(from) {
                Some(span) if span <= 0 => Err(format!("from={from} must be before to={to}")),
                Some(span) if span <= MAX_SPAN => Ok((from, to)),
                _ => Err("from/to span more than ten years".into()),
            }
        }
        (None, Some(_)) => Err("to= needs from=".into()),
    }
}

/// `points` (default 300, at most 2000).
pub fn points(q: &HashMap<String, String>) -> Result<usize, String> {
    match q.get("points") {
        None => Ok(DEFAULT_POINTS),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_POINTS).contains(&n) => Ok(n),
            _ => Err(format!("points={v:?}: expected 1 to {MAX_POINTS}")),
        },
    }
}

/// `limit` of `/api/apps` (default 100, at most 10000).
pub fn limit(q: &HashMap<String, String>) -> Result<usize, String> {
    match q.get("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(format!("limit={v:?}: expected 1 to {MAX_LIMIT}")),
        },
    }
}

/// A non-empty text parameter, at most 4096 bytes.
pub fn text<'a>(q: &'a HashMap<String, String>, key: &str) -> Result<Option<&'a str>, String> {
    match q.get(key) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if v.len() > 4096 => Err(format!("{key}: too long")),
        Some(v) => Ok(Some(v.as_str())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ranges() {
        let now = 1_000_000;
        assert_eq!(range(&q(&[]), now, None), Ok((now - 3600, now)));
        assert_eq!(
            range(&q(&[("range", "5m")]), now, None),
            Ok((now - 300, now))
        );
        assert_eq!(
            range(&q(&[("range", "30d")]), now, None),
            Ok((now - 30 * 86400, now))
        );
        assert_eq!(range(&q(&[("range", "all")]), now, Some(5)), Ok((5, now)));
        assert_eq!(
            range(&q(&[("from", "100"), ("to", "200")]), now, None),
            Ok((100, 200))
        );
        // The ends of what may be asked, and the longest span.
        assert_eq!(
            range(&q(&[("from", "0"), ("to", "1")]), now, None),
            Ok((0, 1))
        );
        let end = LAST_TS.to_string();
        let ten_years_before = (LAST_TS - MAX_SPAN).to_string();
        assert_eq!(
            range(&q(&[("from", &ten_years_before), ("to", &end)]), now, None),
            Ok((LAST_TS - MAX_SPAN, LAST_TS))
        );
        for bad in [
            q(&[("range", "2h")]),
            q(&[("range", "")]),
            q(&[("from", "x")]),
            q(&[("from", "200"), ("to", "100")]),
            q(&[("to", "100")]),
            q(&[("from", "-99999999999999"), ("to", "1")]),
            q(&[("from", "99999999999999999999999")]),
            // Past the ends of i64, and differences that overflow it.
            q(&[("from", &i64::MIN.to_string()), ("to", "1")]),
            q(&[("from", &i64::MIN.to_string())]),
            q(&[
                ("from", &i64::MIN.to_string()),
                ("to", &i64::MAX.to_string()),
            ]),
            q(&[
                ("from", &(i64::MAX - 1).to_string()),
                ("to", &i64::MAX.to_string()),
            ]),
            q(&[
                ("from", &i64::MAX.to_string()),
                ("to", &i64::MIN.to_string()),
            ]),
            q(&[("from", "-1"), ("to", "100")]),
            q(&[("from", "253402300800"), ("to", "253402300900")]),
        ] {
            assert!(range(&bad, now, None).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn points_and_text() {
        assert_eq!(points(&q(&[])), Ok(DEFAULT_POINTS));
        assert_eq!(points(&q(&[("points", "50")])), Ok(50));
        assert!(points(&q(&[("points", "0")])).is_err());
        assert!(points(&q(&[("points", "1e9")])).is_err());
        for huge in ["18446744073709551615", "18446744073709551616", "-1", "2001"] {
            assert!(points(&q(&[("points", huge)])).is_err(), "{huge}");
        }
        assert_eq!(limit(&q(&[])), Ok(DEFAULT_LIMIT));
        assert_eq!(limit(&q(&[("limit", "10000")])), Ok(10_000));
        for bad in [
            "0",
            "10001",
            "-1",
            "18446744073709551616",
            "9223372036854775807",
        ] {
            assert!(limit(&q(&[("limit", bad)])).is_err(), "{bad}");
        }
        assert_eq!(text(&q(&[("app", "")]), "app"), Ok(None));
        assert_eq!(text(&q(&[("app", "curl")]), "app"), Ok(Some("curl")));
        assert!(text(&q(&[("app", &"x".repeat(5000))]), "app").is_err());
    }
}
