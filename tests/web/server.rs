//! The dashboard server's doors, against a real `hogwatch server` on a two-device replay (no
//! browser): every route with data wants a credential (the key or the install token as a
//! bearer token, the key as a WebSocket subprotocol; a cookie or the query is none, and a
//! stale one beside a good one is harmless); the page and its files are public (one-time
//! codes: `codes`); a bind beyond loopback needs `--insecure-http`; the live WebSocket
//! refuses a foreign Origin (403) and streams snapshots to its own;
//! bad query parameters and garbage requests get a 4xx while the server keeps serving and
//! never panics (numbers at and past the ends of i64 and usize too); the page's files come with their content types and the page with its
//! security policy; `/api/history` gives one app's traffic on one device.

use crate::support;

use futures_util::StreamExt;
use std::time::Duration;
use support::dashboard::Server;
use support::tray_app::write_replay;
use support::{err, wait_until, Result};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};

/// The routes with data: each wants a credential.
const DATA: [&str; 6] = [
    "/api/snapshot",
    "/api/history?range=5m",
    "/api/apps?range=1h",
    "/api/alerts",
    "/metrics",
    "/api/live",
];
/// The page and its files: the package's own, served to anyone who reaches the port (a
/// browser's first request cannot carry a header).
const PUBLIC: [&str; 5] = ["/", "/app.js", "/style.css", "/uplot.js", "/uplot.css"];

fn replay_server(tag: &str, work: &tempfile::TempDir, history: bool) -> Result<Server> {
    let replay = write_replay(work.path(), 600)?;
    let data = work.path().join("data");
    Server::start(tag, replay.as_ref(), history.then_some(data.as_path()))
}

fn get_as(s: &Server, target: &str, credentials: &str) -> Result<u16> {
    let head = format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}{credentials}",
        s.port
    );
    Ok(s.request(&head, b"")?.status)
}

#[test]
fn every_data_route_wants_a_credential_and_no_cookie_or_query_is_one() -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut s = replay_server("srv-token", &work, true)?;
    let wrong = "0".repeat(64);
    let token = s.install_token()?;
    for route in DATA {
        let sep = if route.contains('?') { '&' } else { '?' };
        for (how, credentials, target) in [
            ("no credential", String::new(), route.to_string()),
            (
                "a wrong bearer token",
                format!("\r\nAuthorization: Bearer {wrong}"),
                route.to_string(),
            ),
            (
                "the key without its first character",
                format!("\r\nAuthorization: Bearer {}", &s.key[1..]),
                route.to_string(),
            ),
            // Cookies and the query are no credential, even with the right values: a
            // browser sends its cookies to every port of the host.
            (
                "the key in a cookie",
                format!("\r\nCookie: hogwatch_token={0}; hogwatch_key={0}", s.key),
                route.to_string(),
            ),
            (
                "the token in a cookie",
                format!("\r\nCookie: hogwatch_token={token}"),
                route.to_string(),
            ),
            (
                "the token in the query",
                String::new(),
                format!("{route}{sep}token={token}"),
            ),
            (
                "the key in the query",
                String::new(),
                format!("{route}{sep}key={}", s.key),
            ),
        ] {
            let status = get_as(&s, &target, &credentials)?;
            assert_eq!(status, 401, "GET {target} with {how}");
        }
    }
    // The key, and the install token (scripts, Prometheus), as bearer tokens, also beside
    // a stale cookie and a stale bearer token.
    // (The history file appears with the writer's first flush.)
    wait_until(
        "the history to be readable",
        Duration::from_secs(20),
        || (s.get("/api/history?range=5m").ok()?.status == 200).then_some(()),
    )?;
    for route in DATA.iter().filter(|r| **r != "/api/live") {
        assert_eq!(s.get(route)?.status, 200, "GET {route} with the key");
        for (how, credentials) in [
            (
                "the install token",
                format!("\r\nAuthorization: Bearer {token}"),
            ),
            (
                "a stale cookie and the key",
                format!(
                    "\r\nCookie: hogwatch_token={wrong}\r\nAuthorization: Bearer {}",
                    s.key
                ),
            ),
            (
                "a stale bearer token and the key",
                format!(
                    "\r\nAuthorization: Bearer {wrong}\r\nAuthorization: Bearer {}",
                    s.key
                ),
            ),
        ] {
            assert_eq!(
                get_as(&s, route, &credentials)?,
                200,
                "GET {route} with {how}"
            );
        }
    }
    // The page and its files need nothing, and nothing sets a cookie.
    for route in PUBLIC {
        let r = s.request(
            &format!("GET {route} HTTP/1.1\r\nHost: 127.0.0.1:{}", s.port),
            b"",
        )?;
        assert_eq!(r.status, 200, "GET {route} without a credential");
        assert_eq!(r.header("set-cookie"), None, "GET {route}");
    }
    // The key for a credential (what a page opened with a link from before keys does):
    // never for nothing, and never as a cookie.
    assert_eq!(s.post_session(None)?.0, 401);
    assert_eq!(s.post_session(Some(&format!("Bearer {wrong}")))?.0, 401);
    let (status, body) = s.post_session(Some(&format!("Bearer {token}")))?;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(v["key"], s.key.as_str());
    s.expect_alive("the credential checks")
}

#[test]
fn the_page_and_its_files_have_their_types_and_the_page_its_policy() -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut s = replay_server("srv-files", &work, false)?;
    for (route, ctype, needle) in [
        ("/", "text/html", "<script type=\"module\" src=\"app.js\">"),
        ("/app.js", "text/javascript", "new WebSocket("),
        ("/chart.js", "text/javascript", "export class Chart"),
        ("/table.js", "text/javascript", "export class Table"),
        ("/format.js", "text/javascript", "export const bytes"),
        ("/style.css", "text/css", "prefers-color-scheme: dark"),
        ("/uplot.js", "text/javascript", "uPlot"),
        ("/uplot.css", "text/css", ".uplot"),
    ] {
        let r = s.get(route)?;
        assert_eq!(r.status, 200, "GET {route}");
        let got = r.header("content-type").unwrap_or_default();
        assert!(got.starts_with(ctype), "{route}: Content-Type {got:?}");
        assert!(r.body.contains(needle), "{route} lacks {needle:?}");
        if route != "/" {
            assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        }
    }
    let csp = s.get("/")?;
    let csp = csp.header("content-security-policy").unwrap_or_default();
    for part in [
        "default-src 'self'",
        &format!("connect-src 'self' ws://127.0.0.1:{}", s.port),
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "CSP {csp:?} lacks {part:?}");
    }
    // A Host header that is not a host name does not get into the policy.
    let r = s.request(
        &format!(
            "GET / HTTP/1.1\r\nHost: evil.example; script-src *\r\nAuthorization: Bearer {}",
            s.key
        ),
        b"",
    )?;
    let csp = r.header("content-security-policy").unwrap_or_default();
    assert!(
        !csp.contains("evil") && !csp.contains("script-src"),
        "CSP {csp:?}"
    );
    s.expect_alive("the files")
}

/// Opens `/api/live` with `origin`, offering `protocols` (as the page does: `hogwatch` and
/// `hogwatch.key.KEY`) and sending `cookie`, if any.
async fn open_live(
    s: &Server,
    origin: Option<&str>,
    protocols: &str,
    cookie: Option<&str>,
) -> std::result::Result<
    (
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        Option<String>,
    ),
    tungstenite::Error,
> {
    let mut req = format!("ws://127.0.0.1:{}/api/live", s.port).into_client_request()?;
    let h = req.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).map_err(tungstenite::http::Error::from);
    if let Some(o) = origin {
        h.insert("Origin", value(o)?);
    }
    if !protocols.is_empty() {
        h.insert("Sec-WebSocket-Protocol", value(protocols)?);
    }
    if let Some(c) = cookie {
        h.insert("Cookie", value(c)?);
    }
    let (ws, resp) = tokio_tungstenite::connect_async(req).await?;
    let selected = resp
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((ws, selected))
}

fn refused_with(r: std::result::Result<impl Sized, tungstenite::Error>) -> Option<u16> {
    match r {
        Err(tungstenite::Error::Http(resp)) => Some(resp.status().as_u16()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_socket_serves_only_its_own_origin() -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut s = replay_server("srv-ws", &work, false)?;
    let own = format!("http://127.0.0.1:{}", s.port);
    let good = format!("hogwatch, hogwatch.key.{}", s.key);
    for origin in [
        "http://evil.example",
        "null",
        &format!("http://127.0.0.1:{}.evil.example", s.port),
        &format!("http://localhost:{}", s.port + 1),
    ] {
        let r = open_live(&s, Some(origin), &good, None).await;
        assert_eq!(refused_with(r), Some(403), "Origin {origin}");
    }
    let wrong = "0".repeat(64);
    for (how, protocols, cookie) in [
        ("no key", "hogwatch".to_string(), None),
        (
            "a wrong key",
            format!("hogwatch, hogwatch.key.{wrong}"),
            None,
        ),
        (
            "the key in a cookie",
            "hogwatch".to_string(),
            Some(format!("hogwatch_token={0}; hogwatch_key={0}", s.key)),
        ),
    ] {
        assert_eq!(
            refused_with(open_live(&s, Some(&own), &protocols, cookie.as_deref()).await),
            Some(401),
            "own origin, {how}"
        );
    }
    // A stale cookie and a stale key beside the good one: in, and the server names only
    // `hogwatch` (the key is never echoed).
    let offered = format!("hogwatch, hogwatch.key.{wrong}, hogwatch.key.{}", s.key);
    let stale = format!("hogwatch_token={wrong}");
    let (mut ws, selected) = open_live(&s, Some(&own), &offered, Some(&stale))
        .await
        .map_err(|e| err(format!("own origin refused: {e}")))?;
    assert_eq!(selected.as_deref(), Some("hogwatch"));
    // The first message is the latest snapshot; wait for one with the replay's apps.
    let snapshot = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(m) = ws.next().await {
            let Ok(Message::Text(t)) = m else { continue };
            let v: serde_json::Value = serde_json::from_str(&t).ok()?;
            let names: Vec<&str> = v["processes"]
                .as_array()?
                .iter()
                .filter_map(|p| p["app_name"].as_str())
                .collect();
            if names.contains(&"uploader") {
                return Some(v);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .ok_or_else(|| err("no snapshot with the replay's apps on the live socket"))?;
    assert!(snapshot["ts"].as_u64().is_some_and(|t| t > 0));
    assert_eq!(snapshot["mode"], "replay");
    drop(ws);
    s.expect_alive("the WebSocket checks")
}

#[test]
fn bad_parameters_are_a_400_and_the_server_goes_on() -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut s = replay_server("srv-params", &work, true)?;
    let long = "x".repeat(5000);
    for target in [
        "/api/history?range=2h",
        "/api/history?range=",
        "/api/history?range=5M",
        "/api/history?points=abc",
        "/api/history?points=0",
        "/api/history?points=-1",
        "/api/history?points=2001",
        "/api/history?points=99999999999999999999999",
        "/api/history?from=200&to=100",
        "/api/history?from=100&to=100",
        "/api/history?from=x",
        "/api/history?to=5",
        "/api/history?from=-99999999999999&to=1",
        "/api/history?from=99999999999999999999999",
        "/api/history?from=1e9",
        &format!("/api/history?range=5m&app={long}"),
        &format!("/api/history?range=5m&device={long}"),
        "/api/history?range=%FF%FE",
        "/api/history?range=5m%00",
        "/api/apps?limit=0",
        "/api/apps?limit=abc",
        "/api/apps?limit=10001",
        "/api/apps?range=forever",
    ] {
        let r = s.get(target)?;
        assert_eq!(
            r.status,
            400,
            "GET {}: {}",
            &target[..target.len().min(80)],
            r.body
        );
        assert!(!r.body.trim().is_empty(), "{target}: a 400 says why");
    }
    // Odd but valid: an unknown app or device is an empty series, not an error (once the
    // history file is there: the writer's first flush makes it).
    wait_until(
        "the history to be readable",
        Duration::from_secs(20),
        || (s.get("/api/history?range=5m").ok()?.status == 200).then_some(()),
    )?;
    for target in [
        "/api/history?range=5m&app=%E2%80%AEnobody%0A",
        "/api/history?range=all&device=none&points=1",
        "/api/history?from=0&to=1",
    ] {
        assert_eq!(s.get(target)?.status, 200, "GET {target}");
    }
    // Garbage on the wire: an answer, if any, is a 4xx; never a crash.
    let junk: [&[u8]; 5] = [
        b"GET /api/history?range=\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x00\x01\x02 garbage \xff\r\n\r\n",
        b"GET /api/snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \xff\xfe\xfd\r\n\r\n",
        b"POST /api/snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 99999999999\r\n\r\n{",
        b"GET /api/history HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: hogwatch_token=\r\n\r\n",
    ];
    for raw in junk {
        if let Ok(r) = s.send_raw(raw) {
            assert!(
                (400..500).contains(&r.status),
                "{raw:?} got {} {}",
                r.status,
                r.body
            );
        }
    }
    let huge = format!("/api/history?range=5m&app={}", "y".repeat(200_000));
    if let Ok(r) = s.get(&huge) {
        assert!(
            (400..500).contains(&r.status),
            "a 200 kB app= got {}",
            r.status
        );
    }
    s.expect_alive("bad parameters")?;
    let snap = s.get_json("/api/snapshot")?;
    assert!(snap["processes"].is_array(), "still serving: {snap}");
    Ok(())
}

/// Numbers at and past the ends of i64 and usize, negative ones, `from` after `to` and
/// spans whose `to - from` overflows, in every parameter the server reads: each is a
/// 400 that says why (or, for what is merely large, an answer), never a panic or a
/// wrapped-around range.
#[test]
fn extreme_numbers_are_refused_never_a_panic_or_a_wraparound() -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut s = replay_server("srv-overflow", &work, true)?;
    let (min, max) = (i64::MIN, i64::MAX);
    let mut targets = Vec::new();
    for route in ["/api/history", "/api/apps"] {
        for q in [
            format!("from={min}&to=1"),
            format!("from={min}"),
            format!("from={min}&to={max}"),
            format!("from=0&to={max}"),
            format!("from={}&to={max}", max - 1),
            format!("from={}", max - 1),
            format!("from={max}&to={min}"),
            "from=-1&to=100".to_string(),
            "from=-86400".to_string(),
            "from=1&to=0".to_string(),
            "from=253402300800&to=253402300900".to_string(),
            format!("from=1000&to={}", 1000 + 11 * 366 * 86_400),
            "from=9223372036854775808".to_string(),
            "from=0&to=-9223372036854775809".to_string(),
        ] {
            targets.push(format!("{route}?{q}"));
        }
    }
    for p in [
        "points=18446744073709551615",
        "points=18446744073709551616",
        "points=9223372036854775807",
        "points=-9223372036854775808",
        "points=-1",
    ] {
        targets.push(format!("/api/history?range=all&{p}"));
    }
    for l in [
        "limit=18446744073709551615",
        "limit=18446744073709551616",
        "limit=9223372036854775807",
        "limit=-9223372036854775808",
        "limit=-1",
    ] {
        targets.push(format!("/api/apps?range=all&{l}"));
    }
    for target in &targets {
        let r = s.get(target)?;
        assert_eq!(r.status, 400, "GET {target}: {}", r.body);
        assert!(!r.body.trim().is_empty(), "{target}: a 400 says why");
    }
    s.expect_alive("extreme numbers")?;
    // The largest valid answers still come: ten years back from now, 2000 points, the
    // most apps.
    let now = chrono::Utc::now().timestamp();
    let from = now - 10 * 366 * 86_400 + 1;
    for target in [
        format!("/api/history?from={from}&to={now}&points=2000"),
        format!("/api/apps?from={from}&to={now}&limit=10000"),
        "/api/history?from=0&to=1&points=2000".to_string(),
        "/api/history?from=253402300000&to=253402300799&points=2000".to_string(),
    ] {
        let r = s.get(&target)?;
        assert_eq!(r.status, 200, "GET {target}: {}", r.body);
    }
    s.expect_alive("the largest valid ranges")
}

/// Sum of `key` over a series' points (gaps count nothing).
fn sum(v: &serde_json::Value, key: &str) -> u64 {
    v["series"]["points"]
        .as_array()
        .map(|ps| ps.iter().filter_map(|p| p[key].as_u64()).sum())
        .unwrap_or(0)
}

#[test]
fn history_gives_one_apps_traffic_on_one_device() -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut s = replay_server("srv-appdev", &work, true)?;
    let q = |app: &str, device: &str| -> Result<serde_json::Value> {
        s.get_json(&format!("/api/history?range=5m&app={app}&device={device}"))
    };
    // History is written every 5 s here (support::dashboard): wait for the uploader's first bytes on wlan0.
    wait_until(
        "the uploader's history on wlan0",
        Duration::from_secs(30),
        || {
            q("uploader", "wlan0")
                .ok()
                .filter(|v| sum(v, "up_bytes") > 0)
        },
    )?;
    // Between two flushes the answers agree: the uploader moves everything on wlan0,
    // nothing on eth0; bigdown the other way round.
    let (on_wlan, all, on_eth) =
        wait_until("two reads between flushes", Duration::from_secs(30), || {
            let a = q("uploader", "wlan0").ok()?;
            let b = s.get_json("/api/history?range=5m&app=uploader").ok()?;
            let c = q("uploader", "eth0").ok()?;
            let again = q("uploader", "wlan0").ok()?;
            (sum(&a, "up_bytes") == sum(&again, "up_bytes")).then_some((a, b, c))
        })?;
    assert_eq!(on_wlan["app"], "uploader");
    assert_eq!(on_wlan["device"], "wlan0");
    assert_eq!(sum(&on_wlan, "up_bytes"), sum(&all, "up_bytes"));
    assert_eq!(sum(&on_eth, "up_bytes") + sum(&on_eth, "down_bytes"), 0);
    let big_eth = q("%2Fusr%2Fbin%2Fbigdown", "eth0")?;
    assert!(
        sum(&big_eth, "down_bytes") > 0,
        "bigdown on eth0 by its key: {big_eth}"
    );
    assert_eq!(sum(&q("bigdown", "wlan0")?, "down_bytes"), 0);
    s.expect_alive("history queries")
}

/// `hogwatch server PORT --bind 0.0.0.0` plus `extra`, on a short replay.
fn bind_everywhere(extra: &[&str]) -> Result<(String, support::process::CmdOutput)> {
    let home = support::home::Home::new("hogwatch-bind-")?;
    let work = tempfile::tempdir()?;
    let source = format!("replay:{}", write_replay(work.path(), 2)?);
    let port = support::dashboard::free_port()?.to_string();
    let mut args = vec![
        "server",
        &port,
        "--bind",
        "0.0.0.0",
        "--source",
        &source,
        "--replay-speed",
        "0",
        "--no-history",
    ];
    args.extend(extra);
    let argv = support::cli::hog_argv(&[], support::tray_app::HOGWATCH, &home, &args);
    let out = support::run(&support::cli::refs(&argv), Duration::from_secs(30))?;
    Ok((port, out))
}

#[test]
fn a_non_loopback_bind_without_insecure_http_is_refused() -> Result<()> {
    let (port, out) = bind_everywhere(&[])?;
    assert!(
        !out.status.success(),
        "served 0.0.0.0:{port} unasked: {}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("refusing to serve the dashboard on 0.0.0.0")
            && out.stderr.contains("--insecure-http"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("dashboard at"), "{}", out.stderr);
    Ok(())
}

#[test]
fn a_non_loopback_bind_with_insecure_http_says_loudly_that_the_data_is_on_the_network() -> Result<()>
{
    let (port, out) = bind_everywhere(&["--insecure-http"])?;
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "WARNING: listening on 0.0.0.0:{port}, not loopback, over plain HTTP"
        )),
        "{}",
        out.stderr
    );
    // The printed URL is one a local browser can open.
    assert!(
        out.stderr
            .contains(&format!("dashboard at http://127.0.0.1:{port}/#key=")),
        "{}",
        out.stderr
    );
    Ok(())
}
