//! The web suite: the dashboard's server (`hogwatch server`: its doors, its metrics) and
//! the dashboard page in headless Chromium. One test binary (`cargo test --test web`);
//! each module is one subject and says what it covers.
//!
//! Tests run on parallel threads of this one process: every server gets a free loopback
//! port and a HOME of its own, every browser its own profile.

#[path = "../support/mod.rs"]
mod support;

mod codes;
mod dashboard;
mod flood;
mod metrics;
mod server;
