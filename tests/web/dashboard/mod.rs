//! The dashboard page in a real browser: Debian's headless Chromium driven over WebDriver
//! (chromedriver, fantoccini) against a real `hogwatch server` replaying two devices with
//! known rates, over a history seeded with a day of traffic and a two-hour gap.
//!
//! One walk through the page checks what a user sees: the table's figures are the server's
//! snapshot's (compared at the same refresh, formatted by the crate's own `units`), the
//! chart draws both series, each range asks `/api/history` for itself (history ranges in
//! bytes per bucket, with the gap), clicking an app charts it and a second click returns
//! to all traffic, sorting, the device filter, the process view, pause and drag-zoom; no
//! page error (nor a blocked resource) appears. It leaves a screenshot for the README in
//! `target/test-artifacts/dashboard.png` and `docs/dashboard.png`, with the page's visible
//! headings and controls in `docs/dashboard.labels.txt`: when they differ from the
//! committed ones, the committed picture was stale and the test fails (commit both files).
//!
//! A second test replays 10,000 processes: the table stays quick and keeps only the rows
//! in view in the DOM. Two more show that the dashboard's credential stays with its server:
//! another port of 127.0.0.1 never receives it, and a cookie planted there locks nobody out.
//!
//! Chromium and chromedriver are stopped by pid (their process group and every process of
//! the test's own profile), also when a test fails.
//!
//! The tests: [`walk_through`], [`crowd`] and [`other_port`]; what they use: [`browser`]
//! (chromedriver and Chromium), [`page`] (what the page shows, read in the page),
//! [`seeded_history`].

mod browser;
mod crowd;
mod other_port;
mod page;
mod seeded_history;
mod walk_through;
