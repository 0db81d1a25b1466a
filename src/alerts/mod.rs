//! Alerts: tell the user when something eats the link or the data plan, and never nag.
//! - `rules` — the rules from the config file, with errors that name the rule and key;
//! - `machine` — a rate rule's state machine: hold time, hysteresis, re-arm, cooldown;
//! - `quota` — periods (day, billing month), levels crossed, the pace projection;
//! - `engine` — all rules per snapshot, mutes, pause, the rate limit (pure);
//! - `known` — the apps the new-app rule knows, bounded (pure);
//! - `state` — what the engine remembers across restarts (a file beside the history);
//! - `notifier` — delivery over D-Bus with actions, off the GUI thread;
//! - `watch` — the engine in the running app: totals in, deliveries and mutes out.

pub mod engine;
pub mod known;
pub mod machine;
pub mod notifier;
pub mod quota;
pub mod rules;
pub mod state;
pub mod watch;

#[cfg(test)]
mod engine_tests;
