//! The alerts' place in the running app: the engine fed with each refresh and the day's
//! and billing month's totals, its state saved beside the history when it changes,
//! deliveries handed to the notifier task, and the user's "Mute for 1 hour" taken back.

use super::engine::{Engine, Inputs, Persisted};
use super::notifier::{self, Reply};
use super::state;
use crate::clock::Mono;
use crate::model::{PeriodTotals, Refresh, Totals};
use crate::store::tiers::{billing_month_start, Zone};
use std::collections::HashSet;
use std::path::PathBuf;
use tokio::sync::mpsc;

/// How long "Mute for 1 hour" mutes.
pub const MUTE_S: i64 = 3600;

pub struct Alerts {
    engine: Engine,
    month: PeriodTotals,
    billing_day: u32,
    state_dir: Option<PathBuf>,
    deliveries: mpsc::UnboundedSender<super::engine::Delivery>,
}

/// What history holds from before this run: this billing month's totals and the apps it
/// has seen (`None` without history).
pub struct Prior {
    pub month: Totals,
    pub known_apps: Option<HashSet<String>>,
}

impl Alerts {
    /// Starts the notifier task; returns the user's replies to listen to.
    pub fn start(
        cfg: super::rules::AlertConfig,
        billing_day: u32,
        state_dir: Option<PathBuf>,
        prior: Prior,
        now: Mono,
        now_s: i64,
    ) -> (Alerts, mpsc::UnboundedReceiver<Reply>) {
        let persisted = match &state_dir {
            Some(d) => {
                let (p, problem) = state::load(d);
                if let Some(why) = problem {
                    tracing::warn!("{why}");
                }
                p
            }
            None => Persisted::default(),
        };
        let engine = Engine::new(
            cfg,
            Zone::Local,
            billing_day,
            persisted,
            prior.known_apps,
            now,
        );
        let (deliveries, rx) = mpsc::unbounded_channel();
        let (replies_tx, replies) = mpsc::unbounded_channel();
        tokio::spawn(notifier::run(rx, replies_tx));
        let key = billing_month_start(Zone::Local.date(now_s), billing_day);
        let alerts = Alerts {
            engine,
            month: PeriodTotals::new(prior.month, key),
            billing_day,
            state_dir,
            deliveries,
        };
        (alerts, replies)
    }

    /// Evaluates the rules on this refresh (`day`: today's totals) and sends what is due.
    pub fn observe(&mut self, r: &Refresh, day: &Totals, now: Mono) {
        let now_s = r.unix_s();
        let key = billing_month_start(Zone::Local.date(now_s), self.billing_day);
        // Disjoint fields: the month's totals are lent to the engine, not copied.
        let month = self.month.add(&r.moved, key);
        let inp = Inputs {
            snapshot: &r.snapshot,
            day,
            month,
            now,
            now_s,
            gap_ms: r.gap_ms,
        };
        for d in self.engine.observe(&inp) {
            let _ = self.deliveries.send(d);
        }
        self.save();
    }

    /// The user's answer to a notification ("Open dashboard" is the caller's).
    pub fn reply(&mut self, r: Reply, now_s: i64) {
        match r {
            Reply::OpenDashboard => {}
            Reply::Mute(rules) => {
                for rule in rules {
                    tracing::info!("alerts of {rule:?} muted for an hour");
                    self.engine.mute(&rule, now_s + MUTE_S);
                }
            }
        }
        self.save();
    }

    pub fn set_paused(&mut self, paused: bool) {
        self.engine.set_paused(paused);
    }

    /// Menu lines: the current alerts, muted ones marked.
    pub fn active(&self, now_s: i64) -> Vec<String> {
        self.engine.active(now_s)
    }

    /// Saves the engine's memory when it changed, off the async threads.
    fn save(&mut self) {
        let (Some(dir), Some(state)) = (self.state_dir.clone(), self.engine.take_dirty()) else {
            return;
        };
        tokio::task::spawn_blocking(move || {
            if let Err(e) = state::save(&dir, &state) {
                tracing::warn!("cannot save the alert state in {}: {e}", dir.display());
            }
        });
    }
}
