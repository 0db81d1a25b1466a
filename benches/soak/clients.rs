//! The dashboard's users: WebSocket clients on `/api/live` that read every update (on a
//! thread and runtime of their own, so their CPU can be told apart from hogwatch's), and
//! the history queries the page makes, over HTTP, timed.

use futures_util::StreamExt;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What one client has seen.
#[derive(Debug, Default)]
pub struct Seen {
    /// `ts` of the last snapshot received.
    pub last_ts: AtomicU64,
    pub messages: AtomicU64,
    /// The socket ended (the server stopped, or an error).
    pub done: AtomicBool,
}

pub struct Clients {
    pub seen: Vec<Arc<Seen>>,
    notify: Arc<Notify>,
    /// The clients' thread id (its CPU is not hogwatch's).
    tid: Arc<AtomicU32>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// `ts` of a snapshot's JSON without parsing the rest (it is the first field).
fn ts_of(json: &str) -> Option<u64> {
    let rest = &json[json.find("\"ts\":")? + 5..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// This thread's id, from /proc.
fn thread_id() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

impl Clients {
    /// `n` clients of the server at `port`, with `key` as their credential.
    pub fn start(port: u16, key: &str, n: usize) -> anyhow::Result<Clients> {
        let seen: Vec<Arc<Seen>> = (0..n).map(|_| Arc::new(Seen::default())).collect();
        let notify = Arc::new(Notify::new());
        let tid = Arc::new(AtomicU32::new(0));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (s, nt, t) = (seen.clone(), Arc::clone(&notify), Arc::clone(&tid));
        let key = key.to_owned();
        let thread = std::thread::Builder::new()
            .name("soak-ws".into())
            .spawn(move || {
                t.store(thread_id().unwrap_or(0), Ordering::SeqCst);
                rt.block_on(async move {
                    let tasks: Vec<_> = s
                        .into_iter()
                        .map(|seen| tokio::spawn(client(port, key.clone(), seen, Arc::clone(&nt))))
                        .collect();
                    for task in tasks {
                        let _ = task.await;
                    }
                });
            })?;
        Ok(Clients {
            seen,
            notify,
            tid,
            thread: Some(thread),
        })
    }

    /// Waits until every client still connected has received the snapshot of `ts` (or a
    /// later one); each client has its first message once `ts` is 0.
    pub async fn wait_for(&self, ts: u64) {
        loop {
            let woken = self.notify.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let behind = self.seen.iter().any(|s| {
                !s.done.load(Ordering::SeqCst)
                    && (s.messages.load(Ordering::SeqCst) == 0
                        || s.last_ts.load(Ordering::SeqCst) < ts)
            });
            if !behind {
                return;
            }
            // A wake-up can only be missed by a client that ends: look again now and then.
            let _ = tokio::time::timeout(Duration::from_secs(1), woken).await;
        }
    }

    /// Messages received by each client so far.
    pub fn messages(&self) -> Vec<u64> {
        self.seen
            .iter()
            .map(|s| s.messages.load(Ordering::SeqCst))
            .collect()
    }

    pub fn tid(&self) -> u32 {
        self.tid.load(Ordering::SeqCst)
    }

    /// Waits for the clients to end (the server closed their sockets).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn client(port: u16, key: String, seen: Arc<Seen>, notify: Arc<Notify>) {
    let req = super::live_ws::request(port, &key);
    let ws = match req {
        Ok(req) => tokio_tungstenite::connect_async(req).await,
        Err(e) => {
            eprintln!("soak: WebSocket request: {e}");
            seen.done.store(true, Ordering::SeqCst);
            notify.notify_waiters();
            return;
        }
    };
    match ws {
        Ok((mut ws, _)) => {
            while let Some(Ok(msg)) = ws.next().await {
                if let Ok(text) = msg.to_text() {
                    if let Some(ts) = ts_of(text) {
                        seen.last_ts.store(ts, Ordering::SeqCst);
                        seen.messages.fetch_add(1, Ordering::SeqCst);
                        notify.notify_waiters();
                    }
                }
            }
        }
        Err(e) => eprintln!("soak: WebSocket client: {e}"),
    }
    seen.done.store(true, Ordering::SeqCst);
    notify.notify_waiters();
}

/// `GET path` on the server at `port` with `key`: the status, the body, the time taken.
pub fn get(port: u16, key: &str, path: &str) -> anyhow::Result<(u16, String, Duration)> {
    let t0 = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n\
         Connection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let took = t0.elapsed();
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body, took))
}

/// The median time of `runs` answers to `GET path` (each must be 200).
pub fn median_get(port: u16, key: &str, path: &str, runs: usize) -> anyhow::Result<Duration> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let (status, body, took) = get(port, key, path)?;
        if status != 200 {
            anyhow::bail!("GET {path}: {status} {}", body.trim());
        }
        times.push(took);
    }
    times.sort_unstable();
    Ok(times.get(times.len() / 2).copied().unwrap_or_default())
}
