//! One-time codes at a real `hogwatch server` (no browser): what a browser started by a
//! command line is given instead of the key. A code is traded for the key once, not after
//! its minute, not when made with another key, and not by a program of another user
//! (python3 under `setpriv` as uid 65534, as someone who read xdg-open's command line in
//! /proc would) — and that refused try does not spend it. A code opens no data itself.

use crate::support;

use std::time::Duration;
use support::dashboard::Server;
use support::tray_app::write_replay;
use support::{err, Result};

fn get_as(s: &Server, target: &str, credentials: &str) -> Result<u16> {
    let head = format!(
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{}{credentials}",
        s.port
    );
    Ok(s.request(&head, b"")?.status)
}

/// `POST /api/session` with `Authorization: Code CODE` from a program running as `uid`
/// (python3 under setpriv); (status, body).
fn post_code_as(uid: u32, port: u16, code: &str) -> Result<(u16, String)> {
    const CLIENT: &str = "import sys, http.client\n\
        c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)\n\
        c.request('POST', '/api/session', headers={'Authorization': 'Code ' + sys.argv[2]})\n\
        r = c.getresponse()\n\
        print(r.status)\n\
        print(r.read().decode())\n";
    let (uid, port) = (uid.to_string(), port.to_string());
    let reuid = format!("--reuid={uid}");
    let regid = format!("--regid={uid}");
    let out = support::run(
        &[
            "/usr/bin/setpriv",
            &reuid,
            &regid,
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            CLIENT,
            &port,
            code,
        ],
        Duration::from_secs(20),
    )?;
    let (status, body) = out.stdout.split_once('\n').unwrap_or((&out.stdout, ""));
    let status = status.trim().parse().map_err(|_| {
        err(format!(
            "no status from the client: {} {}",
            out.stdout, out.stderr
        ))
    })?;
    Ok((status, body.to_string()))
}

#[test]
fn a_code_opens_one_page_once_in_its_minute_and_only_for_its_owner() -> Result<()> {
    use hogwatch::web::code::{mint, mint_now, TTL_SECS};
    let work = tempfile::tempdir()?;
    let replay = write_replay(work.path(), 600)?;
    let mut s = Server::start("srv-code", replay.as_ref(), None)?;
    let code = mint_now(&s.key)?;
    // Another user who read it in xdg-open's command line: refused, and the code is not
    // spent by the try.
    let (status, body) = post_code_as(65534, s.port, &code)?;
    assert_eq!(
        status, 403,
        "another user's program traded the code: {body}"
    );
    assert!(!body.contains(&s.key), "{body}");
    // Its owner trades it for the key, once.
    let (status, body) = s.post_session(Some(&format!("Code {code}")))?;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(v["key"], s.key.as_str());
    let (status, body) = s.post_session(Some(&format!("Code {code}")))?;
    assert_eq!(status, 401, "a code taken twice: {body}");
    assert!(body.contains("used already"), "{body}");
    // One that expired (made a TTL and a second ago), and one made with another key.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let old = mint(&s.key, now - TTL_SECS - 1, [9; 16]);
    let (status, body) = s.post_session(Some(&format!("Code {old}")))?;
    assert_eq!(status, 401, "an expired code: {body}");
    assert!(body.contains("expired"), "{body}");
    let forged = mint(&"0".repeat(64), now, [9; 16]);
    assert_eq!(s.post_session(Some(&format!("Code {forged}")))?.0, 401);
    // A code is no credential for the data itself.
    let fresh = mint_now(&s.key)?;
    let data = format!("\r\nAuthorization: Code {fresh}");
    assert_eq!(get_as(&s, "/api/snapshot", &data)?, 401);
    assert_eq!(
        get_as(
            &s,
            "/api/snapshot",
            &format!("\r\nAuthorization: Bearer {fresh}")
        )?,
        401
    );
    s.expect_alive("the codes")
}
