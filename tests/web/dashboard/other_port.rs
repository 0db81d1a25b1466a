//! The dashboard's credential and the other ports of 127.0.0.1, in Chromium. Another local
//! user can listen on any free port (or squat 6432), and a browser sends its cookies for a
//! host to every port of it. Here a test-owned server on another port records every
//! request the browser sends it:
//! - after the dashboard was opened and shows live figures, visiting the other port gives
//!   that server neither the key nor the install token, in any header;
//! - a cookie that server plants (`hogwatch_token=…`, for the whole host) does not keep the
//!   owner out of the dashboard opened from the printed URL afterwards.
//!
//! And the page opened with a one-time code, as xdg-open is given it, trades the code for
//! the key and shows the live figures; the code is spent.

use super::browser::{check, wd, Browser};
use super::page::wait_page;
use crate::support;
use fantoccini::Client;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::dashboard::Server;
use support::tray_app::write_replay;
use support::{err, wait_until, Result};

/// Another user's server on another loopback port: answers every request with a small
/// page (setting `plant` as a cookie when given) and keeps each request's head.
struct OtherPort {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OtherPort {
    fn start(plant: Option<&str>) -> Result<OtherPort> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let cookie = plant
            .map(|c| format!("Set-Cookie: {c}\r\n"))
            .unwrap_or_default();
        let (s, st) = (Arc::clone(&seen), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                if let Some(head) = serve(conn, &cookie) {
                    if let Ok(mut v) = s.lock() {
                        v.push(head);
                    }
                }
            }
        });
        Ok(OtherPort {
            port,
            seen,
            stop,
            thread: Some(thread),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Waits until a request for `path` has come.
    fn wait_for(&self, path: &str) -> Result<Vec<String>> {
        let line = format!("GET {path} ");
        wait_until(
            &format!("the browser's request for {path}"),
            Duration::from_secs(10),
            || {
                let all = self.requests();
                all.iter().any(|r| r.starts_with(&line)).then_some(all)
            },
        )
    }
}

impl Drop for OtherPort {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request's head and answers it; the head.
fn serve(mut conn: TcpStream, cookie: &str) -> Option<String> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        let n = conn.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let body = "<!doctype html><title>someone else's server</title><p>not hogwatch</p>";
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{cookie}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(resp.as_bytes());
    (!head.is_empty()).then(|| String::from_utf8_lossy(&head).into_owned())
}

fn replay_server(tag: &str, work: &tempfile::TempDir) -> Result<Server> {
    let replay = write_replay(work.path(), 600)?;
    Server::start(tag, replay.as_ref(), None)
}

/// Opens `url` (the printed one, or one with a code) and waits for the replay's live
/// figures.
async fn open_dashboard(c: &Client, url: &str) -> Result<()> {
    c.goto(url).await.map_err(wd)?;
    let shown = wait_page(c, "live figures", Duration::from_secs(20), |p| {
        p.mode == "replay" && p.rows.iter().any(|r| r.name == "uploader")
    })
    .await;
    match shown {
        Ok(_) => Ok(()),
        Err(e) => {
            let body = c
                .execute(
                    "return document.body ? document.body.innerText : ''",
                    vec![],
                )
                .await
                .map_err(wd)?;
            Err(err(format!(
                "the dashboard did not open: {e}; the page says {body}"
            )))
        }
    }
}

async fn key_stays_home(c: &Client, s: &Server) -> Result<()> {
    open_dashboard(c, &s.url).await?;
    let other = OtherPort::start(None)?;
    for path in ["/", "/api/snapshot"] {
        c.goto(&other.url(path)).await.map_err(wd)?;
        other.wait_for(path)?;
    }
    let token = s.install_token()?;
    for head in other.requests() {
        let first = head.lines().next().unwrap_or_default().to_string();
        check(!head.contains(&s.key), || {
            format!(
                "port {} got the dashboard's key with {first:?}:\n{head}",
                other.port
            )
        })?;
        check(!head.contains(&token), || {
            format!(
                "port {} got the install token with {first:?}:\n{head}",
                other.port
            )
        })?;
        check(!head.to_ascii_lowercase().contains("hogwatch"), || {
            format!(
                "port {} got a hogwatch credential with {first:?}:\n{head}",
                other.port
            )
        })?;
    }
    // And the dashboard still works with what the page kept.
    c.back().await.map_err(wd)?;
    c.back().await.map_err(wd)?;
    wait_page(c, "live figures again", Duration::from_secs(20), |p| {
        p.mode == "replay" && !p.rows.is_empty()
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credential_never_reaches_another_port() -> Result<()> {
    let work = tempfile::tempdir()?;
    let server = replay_server("dash-port", &work)?;
    let browser = Browser::start(false).await?;
    let result = key_stays_home(browser.client(), &server).await;
    browser.close().await;
    result
}

async fn planted_then_opened(c: &Client, s: &Server) -> Result<()> {
    let stale = "0".repeat(64);
    let plant = format!("hogwatch_token={stale}; Path=/");
    let other = OtherPort::start(Some(&plant))?;
    c.goto(&other.url("/")).await.map_err(wd)?;
    other.wait_for("/")?;
    // The browser holds the cookie for the whole host: it comes back to that port.
    c.goto(&other.url("/again")).await.map_err(wd)?;
    let seen = other.wait_for("/again")?;
    let again = seen.iter().find(|r| r.starts_with("GET /again ")).cloned();
    check(
        again.is_some_and(|r| r.contains(&format!("hogwatch_token={stale}"))),
        || format!("the planted cookie did not stick: {seen:?}"),
    )?;
    open_dashboard(c, &s.url).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_cookie_does_not_lock_the_owner_out() -> Result<()> {
    let work = tempfile::tempdir()?;
    let server = replay_server("dash-plant", &work)?;
    let browser = Browser::start(false).await?;
    let result = planted_then_opened(browser.client(), &server).await;
    browser.close().await;
    result
}

async fn opened_with_a_code(c: &Client, s: &Server) -> Result<()> {
    let code = hogwatch::web::code::mint_now(&s.key)?;
    let url = hogwatch::web::links::with_code(&s.url, &code);
    open_dashboard(c, &url).await?;
    let address = c.current_url().await.map_err(wd)?;
    check(address.fragment().is_none(), || {
        format!("the code stayed in the address bar: {address}")
    })?;
    let r = support::dashboard::request(
        s.port,
        &format!(
            "POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Authorization: Code {code}",
            s.port
        ),
        b"",
    )?;
    check(r.status == 401, || {
        format!("the page's code works again: {} {}", r.status, r.body)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_opened_with_a_one_time_code_shows_the_dashboard() -> Result<()> {
    let work = tempfile::tempdir()?;
    let server = replay_server("dash-code", &work)?;
    let browser = Browser::start(false).await?;
    let result = opened_with_a_code(browser.client(), &server).await;
    browser.close().await;
    result
}
