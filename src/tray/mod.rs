//! The tray's rooms. So far the pure view-model, drawn and built from a `Snapshot`
//! without a display (the GTK/tray wiring comes on top of it):
//! - `icon` — the icon image: up/down levels on a log scale, idle, paused, totals-only;
//! - `title` — the panel label ("↑ 1.20 MiB/s ↓ 340 KiB/s") and the icon's state;
//! - `menu_model` — the menu's lines: totals, top talkers in a stable order, details,
//!   unattributed share, device filter, status.

pub mod icon;
pub mod menu_model;
pub mod title;
