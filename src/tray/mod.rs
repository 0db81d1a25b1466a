//! The tray applet. Pure view-model (no display needed, tested with an injected clock):
//! - `icon` — the icon image: up/down levels on a log scale, idle, paused, totals-only;
//! - `title` — the panel label ("↓ 340 KiB/s ↑ 1.20 MiB/s") and the icon's state;
//! - `menu_model` — the menu's lines: totals, top talkers in a stable order, details,
//!   unattributed share, device filter, status;
//! - `actions` — menu item ids ↔ what a click means, and its effect on the settings.
//!
//! Edges:
//! - `app` — the entry point and the GUI thread: tao's event loop, the tray icon;
//! - `menu` — the muda menu, updated in place from the menu model;
//! - `bridge` — the async side: follows the core (`app::Link`, its own or another
//!   hogwatch's), "Start at login", the browser, the tray-host probe;
//! - `env` — display, libayatana and tray-host probes;
//! - `autostart` — "Start at login" (an XDG autostart entry);
//! - `dashboard` — the dashboard window as the tray sees it: a child process, started,
//!   fed URLs, and watched for its end; `browser` — xdg-open, the dashboard with a code;
//! - `window_protocol` — what the tray and the window process say (pure);
//! - `window` — the window process (`hogwatch-window`, the only part that loads WebKit):
//!   a tao window with wry's WebKitGTK webview;
//! - `links` — where a link followed in that window goes (pure, with its handlers).

pub mod actions;
pub mod app;
pub mod autostart;
pub mod bridge;
pub mod browser;
pub mod dashboard;
pub mod env;
pub mod icon;
pub mod links;
pub mod menu;
pub mod menu_model;
pub mod title;
pub mod window;
pub mod window_protocol;
