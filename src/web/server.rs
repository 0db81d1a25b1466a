//! The dashboard's HTTP server (axum, on the app's tokio runtime): the API over the one
//! collector's refreshes and the history file, the live WebSocket, Prometheus metrics,
//! and the embedded page. Every route with data needs a credential (see `auth`); the page
//! and its files are public (they are the package's own files), and the page trades the
//! one-time code it was opened with for the key at `POST /api/session`. History queries
//! run on blocking threads; bad parameters are a 400 with a message, never a panic.

use super::auth::{self, Keys};
use super::code::{Refused, Spent};
use super::metrics::Metrics;
use super::params;
use crate::model::{Refresh, Snapshot};
use crate::store::query::Subject;
use crate::store::tiers::Zone;
use axum::extract::connect_info::Connected;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, mpsc, watch};

/// The refreshes the server shows, from the collector (or from the hogwatch this one is
/// attached to).
pub struct Feed {
    pub latest: watch::Receiver<Arc<Refresh>>,
    /// Viewers' refreshes: each WebSocket client resubscribes from this one.
    pub updates: broadcast::Receiver<Arc<Refresh>>,
    /// Every refresh, for the metrics' counters (see `Collector::subscribe`).
    pub every: mpsc::Receiver<Arc<Refresh>>,
    /// The current alerts (menu lines), from the alert engine.
    pub alerts: watch::Receiver<Vec<String>>,
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    keys: Arc<Keys>,
    /// The one-time codes taken (see `code`).
    spent: Arc<Mutex<Spent>>,
    /// This process's uid: only its programs (and root's) may trade a code.
    owner: Option<u32>,
    latest: watch::Receiver<Arc<Refresh>>,
    /// A template receiver: each WebSocket client resubscribes from it.
    updates: Arc<broadcast::Receiver<Arc<Refresh>>>,
    history: Option<PathBuf>,
    metrics: Arc<Mutex<Metrics>>,
    /// The current alerts (menu lines), from the alert engine.
    alerts: watch::Receiver<Vec<String>>,
}

impl AppState {
    /// A task adds every refresh of `feed.every` to the metrics.
    pub fn new(keys: Keys, feed: Feed, history: Option<PathBuf>) -> AppState {
        let metrics = Arc::new(Mutex::new(Metrics::default()));
        let Feed {
            latest,
            updates,
            mut every,
            alerts,
        } = feed;
        let m = Arc::clone(&metrics);
        tokio::spawn(async move {
            while let Some(r) = every.recv().await {
                if let Ok(mut m) = m.lock() {
                    m.observe(&r);
                }
            }
        });
        AppState {
            keys: Arc::new(keys),
            spent: Arc::new(Mutex::new(Spent::default())),
            owner: crate::collect::procfs::effective_uid(),
            latest,
            updates: Arc::new(updates),
            history,
            metrics,
            alerts,
        }
    }
}

fn bad(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, format!("{}\n", msg.into())).into_response()
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn header_all(h: &HeaderMap, name: header::HeaderName) -> Vec<&str> {
    h.get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

const NO_CREDENTIAL: &str = "missing or wrong credential: open the URL that `hogwatch server` \
     prints, or the dashboard from the tray; scripts send `Authorization: Bearer TOKEN`\n";

/// Lets a request through only with a valid credential (any of those it presents).
async fn require_token(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let authorization = header_all(h, header::AUTHORIZATION);
    let protocols = header_all(h, header::SEC_WEBSOCKET_PROTOCOL);
    if !auth::authorized(&st.keys, &authorization, &protocols) {
        return (StatusCode::UNAUTHORIZED, NO_CREDENTIAL).into_response();
    }
    next.run(req).await
}

/// Both ends of a connection: whose program the peer is can be looked up only with both.
#[derive(Debug, Clone, Copy)]
pub struct Conn {
    pub peer: SocketAddr,
    pub local: Option<SocketAddr>,
}

impl Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for Conn {
    fn connect_info(s: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Conn {
            peer: *s.remote_addr(),
            local: s.io().local_addr().ok(),
        }
    }
}

/// `POST /api/session`: the key, for a request with a valid credential or a one-time code
/// (`Authorization: Code CODE`) from a program of this user. What the page holds after.
async fn session(
    State(st): State<AppState>,
    ConnectInfo(conn): ConnectInfo<Conn>,
    headers: HeaderMap,
) -> Response {
    let authorization = header_all(&headers, header::AUTHORIZATION);
    let ok = if auth::authorized(&st.keys, &authorization, &[]) {
        Ok(())
    } else if let Some(code) = authorization
        .iter()
        .find_map(|a| auth::credential(a, "Code"))
    {
        take_code(&st, conn, code).await
    } else {
        Err((StatusCode::UNAUTHORIZED, NO_CREDENTIAL.to_owned()))
    };
    match ok {
        Ok(()) => (
            [(header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({ "key": st.keys.key.as_str() })),
        )
            .into_response(),
        Err((status, msg)) => (status, [(header::CACHE_CONTROL, "no-store")], msg).into_response(),
    }
}

/// Takes `code` if the peer is a program of this user (or root) and the code is good.
async fn take_code(st: &AppState, conn: Conn, code: &str) -> Result<(), (StatusCode, String)> {
    let refused = |e: Refused| (StatusCode::UNAUTHORIZED, format!("{e}\n"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // A forged or stale code first: it costs an HMAC, not a read of the socket tables.
    super::code::verify(&st.keys.key, code, now).map_err(refused)?;
    let owner = st.owner;
    let uid = match conn.local {
        Some(local) => tokio::task::spawn_blocking(move || super::peer::uid_of(conn.peer, local))
            .await
            .ok()
            .flatten(),
        None => None,
    };
    if uid.is_none() || (uid != owner && uid != Some(0)) {
        tracing::warn!(
            "a dashboard code came from {} (uid {uid:?}), not from a program of this user: refused",
            conn.peer
        );
        return Err((
            StatusCode::FORBIDDEN,
            "this link was opened by a program of another user (or another machine)\n".into(),
        ));
    }
    let taken = match st.spent.lock() {
        Ok(mut spent) => spent.take(&st.keys.key, code, now),
        Err(_) => Err(Refused::Busy),
    };
    taken.map_err(refused)
}

async fn snapshot(State(st): State<AppState>) -> Response {
    let r = st.latest.borrow().clone();
    match serde_json::to_string(&r.snapshot) {
        Ok(j) => ([(header::CONTENT_TYPE, "application/json")], j).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// Opens the history read-only and runs `f` on a blocking thread.
async fn with_history<T: Send + 'static>(
    st: &AppState,
    f: impl FnOnce(&crate::store::Store) -> Result<T, String> + Send + 'static,
) -> Result<T, Response> {
    let Some(dir) = st.history.clone() else {
        return Err((StatusCode::NOT_FOUND, "history is off (--no-history)\n").into_response());
    };
    tokio::task::spawn_blocking(move || {
        let store = crate::store::Store::open_reader(&dir, Zone::Local)
            .map_err(|e| format!("cannot read the history: {e}"))?;
        f(&store)
    })
    .await
    .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response())?
    .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response())
}

async fn apps(State(st): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let now = chrono::Utc::now().timestamp();
    let limit = match params::limit(&q) {
        Ok(n) => n,
        Err(e) => return bad(e),
    };
    if let Err(e) = params::range(&q, now, None) {
        return bad(e);
    }
    let result = with_history(&st, move |store| {
        let first = store.first_ts().map_err(|e| e.to_string())?;
        let (from, to) = params::range(&q, now, first)?;
        let apps = store.top_apps(from, to, limit).map_err(|e| e.to_string())?;
        Ok(serde_json::json!({ "from": from, "to": to, "apps": apps }))
    })
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

async fn history(State(st): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let now = chrono::Utc::now().timestamp();
    let checked = (|| -> Result<_, String> {
        params::range(&q, now, None)?;
        let points = params::points(&q)?;
        let app = params::text(&q, "app")?.map(str::to_string);
        let device = params::text(&q, "device")?.map(str::to_string);
        Ok((points, app, device))
    })();
    let (points, app, device) = match checked {
        Ok(v) => v,
        Err(e) => return bad(e),
    };
    let result = with_history(&st, move |store| {
        let first = store.first_ts().map_err(|e| e.to_string())?;
        let (from, to) = params::range(&q, now, first)?;
        let subject = match (&app, &device) {
            (Some(a), d) => {
                // A name or a key; several apps of one name: the first by key.
                let found = store.find_apps(a).map_err(|e| e.to_string())?;
                let key = found.first().map_or_else(|| a.clone(), |(k, _)| k.clone());
                match d {
                    Some(d) => Subject::AppOnDevice {
                        app: key,
                        device: d.clone(),
                    },
                    None => Subject::App(key),
                }
            }
            (None, Some(d)) => Subject::Device(d.clone()),
            (None, None) => Subject::Total,
        };
        let series = store
            .series(&subject, from, to, points)
            .map_err(|e| e.to_string())?;
        Ok(serde_json::json!({
            "from": from, "to": to, "app": app, "device": device, "series": series,
        }))
    })
    .await;
    match result {
        Ok(v) => Json(v).into_response(),
        Err(r) => r,
    }
}

async fn alerts(State(st): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "alerts": *st.alerts.borrow() }))
}

async fn metrics(State(st): State<AppState>) -> Response {
    let text = st.metrics.lock().map(|m| m.render()).unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

async fn live(State(st): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !auth::origin_ok(
        header_str(&headers, header::ORIGIN),
        header_str(&headers, header::HOST),
    ) {
        return (StatusCode::FORBIDDEN, "WebSocket from a foreign origin\n").into_response();
    }
    let rx = st.updates.resubscribe();
    let first = st.latest.borrow().clone();
    // The page offers `hogwatch` and the key; only `hogwatch` is ever answered.
    ws.protocols([auth::PROTOCOL])
        .on_upgrade(move |socket| stream(socket, rx, first))
}

/// Sends the latest snapshot, then every new one, until the client goes or the
/// collector ends. A slow client skips snapshots rather than holding anyone up.
async fn stream(
    mut socket: WebSocket,
    mut rx: broadcast::Receiver<Arc<Refresh>>,
    first: Arc<Refresh>,
) {
    let send = |s: &Snapshot| serde_json::to_string(s).map(|j| Message::Text(j.into()));
    if let Ok(m) = send(&first.snapshot) {
        if socket.send(m).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            r = rx.recv() => match r {
                Ok(r) => {
                    let Ok(m) = send(&r.snapshot) else { continue };
                    if socket.send(m).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// The page's policy: scripts, styles and connections only from this server (names on
/// the page are untrusted text), and no framing by other sites. The live socket's URL is
/// named too: older WebKit does not let `'self'` cover `ws:`.
fn content_security_policy(host: Option<&str>) -> String {
    let ws = host
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".:-[]".contains(&b))
        })
        .map(|h| format!(" ws://{h}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; connect-src 'self'{ws}; object-src 'none'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
}

async fn index(headers: HeaderMap) -> Response {
    let csp = content_security_policy(header_str(&headers, header::HOST));
    let mut resp = Html(super::assets::INDEX).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// One embedded file; `no-cache` so that a new binary's page is never mixed with an old
/// one's cached script.
fn asset(a: &'static super::assets::Asset) -> Response {
    (
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        a.body,
    )
        .into_response()
}

/// The routes: the page, its files and the code exchange for anyone who reaches the
/// port; everything with data behind a credential.
pub fn router(st: AppState) -> Router {
    let data = Router::new()
        .route("/api/snapshot", get(snapshot))
        .route("/api/apps", get(apps))
        .route("/api/history", get(history))
        .route("/api/live", get(live))
        .route("/api/alerts", get(alerts))
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(st.clone(), require_token));
    let mut public = Router::new()
        .route("/", get(index))
        .route("/api/session", post(session));
    for a in super::assets::FILES {
        public = public.route(a.path, get(move || async move { asset(a) }));
    }
    public.merge(data).with_state(st)
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    st: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(st).into_make_service_with_connect_info::<Conn>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
