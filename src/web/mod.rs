//! The dashboard's server: `hogwatch server`, and the tray's "Open dashboard".
//! - `token` — the per-install access token (0600 in the config directory);
//! - `auth` — who may talk to the server: token and WebSocket origin checks (pure);
//! - `params` — the API's query parameters, checked (pure);
//! - `metrics` — Prometheus text with bounded cardinality (pure);
//! - `server` — the axum routes: API, live WebSocket, metrics, the page;
//! - `assets` — the embedded page.

pub mod assets;
pub mod auth;
pub mod metrics;
pub mod params;
pub mod server;
pub mod token;
