//! End-to-end tests of hogwatch's command-line modes, run against the real binary:
//!
//! * totals-only without nethogs (hidden by a bind mount in a private mount namespace)
//!   and without privileges (as `nobody`), for `top --json` and `doctor`;
//! * invalid input is refused with a message naming it, never a panic;
//! * `--source replay:` of every nethogs fixture, of garbage and of hostile recordings;
//! * `top --record` with real nethogs, then the replay of that recording;
//! * the terminal table, and untrusted names that carry terminal escapes.
//!
//! Every hogwatch run gets its own temporary HOME and XDG directories; every child is
//! bounded by a timeout and stopped by pid when the test ends, also on failure.
//! Tests that need root (namespaces, mounts, nethogs) panic with a clear message
//! otherwise: they never skip silently.
//!
//! One module per part: [`totals_only`], [`invalid_input`], [`replays`] (of the fixtures,
//! of garbage, of hostile recordings), [`recording`], [`terminal`]; what they share (running
//! hogwatch, the JSON contract, replays run to their end) is in [`common`].

mod common;
mod ebpf_unavailable;
mod invalid_input;
mod recording;
mod replays;
mod terminal;
mod totals_only;
