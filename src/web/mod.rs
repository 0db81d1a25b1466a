//! The dashboard's server: `hogwatch server`, and the tray's "Open dashboard".
//! - `token` — the per-install access token (0600 in the config directory);
//! - `auth` — who may talk to the server: credentials and WebSocket origin checks (pure);
//! - `links` — the dashboard's URLs, the credential in their fragment (pure);
//! - `code` — one-time codes for a browser started by a command line (pure);
//! - `peer` — whose program is at the other end of a local connection (/proc/net/tcp);
//! - `params` — the API's query parameters, checked (pure);
//! - `metrics` — Prometheus text with bounded cardinality (pure);
//! - `server` — the axum routes: API, live WebSocket, metrics, the page;
//! - `assets` — the embedded page.

pub mod assets;
pub mod auth;
pub mod code;
pub mod links;
pub mod metrics;
pub mod params;
pub mod peer;
pub mod server;
pub mod token;
