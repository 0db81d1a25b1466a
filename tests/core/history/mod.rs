//! Integration tests of the history store (`src/store/`) and `hogwatch history`:
//!
//! 1. persistence: replays into one `--data-dir`, then the CLI and the library report
//!    exactly the sum of each run's last snapshot, per app and per device (and every
//!    full-speed replay reaches the history at all);
//! 2. a property test of the tiers (every tier agrees on local days, in several fixed
//!    zones) and of range queries over arbitrary unaligned ranges; old partial days in
//!    zones offset by a fraction of an hour;
//! 3. coarse buckets written when they close, with crashes between writes, late cells,
//!    and a real run SIGKILLed while it writes (`rollup`);
//!    retention by age; a synthetic year of 500 apps under a small size cap; a flood of
//!    20,000 uniquely named apps (older days, exact totals and quotas, the cap, bounded
//!    app keys);
//! 4. faults: a corrupt file, an unwritable directory (as `nobody`), a full disk that
//!    frees up again, a second writer (refused; readers work during writes; nothing of
//!    what it saw while the first wrote is recorded when it outlives the first);
//! 5. `hogwatch history` in table, CSV and JSON, hostile names in CSV, days and billing
//!    months, and bad arguments; names built to start formulas after a `;` or tab.
//!
//! Every run of the binary gets its own temporary HOME/XDG directories and is bounded by
//! a timeout; background children are stopped by pid when a test ends, also on failure.
//! Nothing sleeps to pace a test: waits are for conditions, with deadlines. Tests that
//! need root (setpriv, mount namespaces) panic with a clear message otherwise.
//!
//! One module per part: [`persistence`], [`tiers`], [`rollup`], [`retention`] and [`flood`], [`faults`] and
//! [`second_writer`], [`cli`] and [`csv`]; what they share is in [`common`].
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod common;
mod crash;
mod csv;
mod faults;
mod flood;
mod persistence;
mod quota_crash;
mod retention;
mod rollup;
mod second_writer;
mod tiers;
