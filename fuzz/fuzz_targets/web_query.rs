//! The web API's query parameters: the input is a request's query string, extracted with
//! axum's `Query<HashMap<String, String>>` as the server's handlers do (src/web/server.rs)
//! and checked by src/web/params.rs, with the clock and the oldest recorded moment taken
//! from the input's first bytes. Must never panic (no overflow, whatever the numbers);
//! what is accepted is within the documented bounds.
#![no_main]

use axum::extract::Query;
use axum::http::Uri;
use hogwatch::store::query::{FIRST_TS, LAST_TS};
use hogwatch::web::params::{self, MAX_LIMIT, MAX_POINTS, RANGES};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

/// `params::range`'s longest span (ten years of 366 days).
const MAX_SPAN: i64 = 10 * 366 * 86_400;

fn clock(data: &[u8]) -> (i64, Option<i64>, &[u8]) {
    if data.len() < 9 {
        return (1_760_000_000, None, data);
    }
    let n = |b: &[u8]| i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    // now: any second a clock could say, from 1970 to 2106 (and an hour in, so that
    // the default range starts at FIRST_TS or later).
    let now = n(&data[..4]).max(3600);
    let first = (data[8] % 2 == 0).then(|| n(&data[4..8]) % now);
    (now, first, &data[9..])
}

fuzz_target!(|data: &[u8]| {
    let (now, first, rest) = clock(data);
    let query = String::from_utf8_lossy(rest);
    // What hyper would have accepted as a request target: anything else never reaches us.
    let Ok(uri) = format!("/api/history?{query}").parse::<Uri>() else {
        return;
    };
    let Ok(Query(q)) = Query::<HashMap<String, String>>::try_from_uri(&uri) else {
        return;
    };
    for first in [None, first] {
        match params::range(&q, now, first) {
            Ok((from, to)) => {
                assert!(from < to, "{from}..{to}");
                match q.get("range").map(String::as_str) {
                    Some("all") => assert_eq!(to, now),
                    Some(r) => {
                        assert!(RANGES.contains(&r));
                        assert!(to == now && to - from <= 30 * 86_400);
                    }
                    None if q.contains_key("from") => {
                        assert!(to - from <= MAX_SPAN);
                        assert!((FIRST_TS..=LAST_TS).contains(&from));
                        assert!(q.get("to").is_none() || (FIRST_TS..=LAST_TS).contains(&to));
                    }
                    None => assert_eq!((from, to), (now - 3600, now)),
                }
            }
            Err(e) => assert!(!e.is_empty()),
        }
    }
    if let Ok(n) = params::points(&q) {
        assert!((1..=MAX_POINTS).contains(&n));
    }
    if let Ok(n) = params::limit(&q) {
        assert!((1..=MAX_LIMIT).contains(&n));
    }
    for key in ["app", "device"] {
        if let Ok(Some(v)) = params::text(&q, key) {
            assert!((1..=4096).contains(&v.len()));
        }
    }
});
