//! The desktop suite: the tray applet, its icon, its dashboard window, its alerts and its
//! battery awareness (a fake UPower and logind), and the self-tests of the desktop harness
//! they run on (Xvfb, a private D-Bus session bus, a tray host, a notification server).
//! One test binary (`cargo test --test desktop`); each module is one subject and says
//! what it covers.
//!
//! Tests run on parallel threads of this one process: every test starts its own X display
//! (the first free number), its own bus and its own HOME.

#[path = "../support/mod.rs"]
mod support;

mod alerts;
mod desktop_harness;
mod notifications_harness;
mod power;
mod tray;
mod tray_attach;
mod tray_dashboard;
mod tray_icon;
mod tray_icon_files;
mod tray_service;
