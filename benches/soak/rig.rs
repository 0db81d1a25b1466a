//! The real components wired as `app::core::start` and the tray wire them, on the soak's
//! clock instead of the system's: the pipeline (the collector's synchronous core) fed by
//! the workload; each refresh handed to the consumers that take every one (the history
//! writer, the dashboard's metrics: the collector waits for them, as in
//! `Collector::publish`) and to the viewers (the latest refresh, and the broadcast the
//! dashboard's WebSocket clients read); today's totals and the alert engine (`Core::
//! refresh`); and the tray's view-models (`tray::app::Gui::refresh`: menu model, icon
//! image, label).
//!
//! Time: the pipeline and the alert engine take the soak's `Mono` and wall clock as
//! arguments, as they do the system's. The history writer's only timer is its
//! crash-safety point (real time); the soak drives it through the writer's own "write
//! now" input instead — the power watch's sleep count, which says "about to sleep" — once
//! every `history.write_every` of simulated time (90 s by default), and sets
//! the real-time timer out of reach. Everything the writer does then (batches, rollups,
//! retention and the size cap every 60 writes) runs on the refreshes' own timestamps.

use super::workload::Step;
use hogwatch::alerts::notifier::Reply;
use hogwatch::alerts::watch::Alerts;
use hogwatch::app::dashboard::{self, Dashboard, ServerOptions};
use hogwatch::app::Update;
use hogwatch::clock::Mono;
use hogwatch::collect::accountant::AccountantConfig;
use hogwatch::collect::lookup::ProcLookup;
use hogwatch::collect::pipeline::{Counters, Pipeline};
use hogwatch::collect::sample::{Event, SourceStatus};
use hogwatch::config::Config;
use hogwatch::model::{Mode, Moved, PeriodTotals, Refresh, Snapshot};
use hogwatch::power::PowerState;
use hogwatch::store::tiers::Zone;
use hogwatch::store::writer::{self, Writer, WriterOptions};
use hogwatch::store::{Retention, StoreConfig};
use hogwatch::tray::menu_model::{self, MenuSettings, Ordering};
use hogwatch::tray::{icon, title};
use hogwatch::web::server::Feed;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};

/// A refresh follows its samples by this much (the collector refreshes once the burst of
/// samples is in).
const REFRESH_AFTER_MS: u64 = 5;
/// Queues of the consumers that take every refresh (`collector::QUEUE`).
const QUEUE: usize = 256;
/// Viewers' broadcast (`Collector::new`).
const VIEWERS: usize = 16;
/// The tray's icon edge (`tray::app::ICON_SIZE`).
const ICON_SIZE: u32 = 24;

/// The tray's view-models, rebuilt from each update as the tray's GUI thread does.
#[derive(Default)]
struct Tray {
    settings: MenuSettings,
    ordering: Ordering,
    last_icon: Vec<u8>,
    last_title: String,
}

impl Tray {
    fn show(&mut self, u: &Update, now: Mono) {
        let device = self.settings.device.clone();
        self.settings.app_today = u.today.as_ref().map(|t| t.apps.clone()).unwrap_or_default();
        self.settings.alerts.clone_from(&u.alerts);
        let today = u.today.as_ref().map(|t| t.for_device(device.as_deref()));
        let snapshot = &u.refresh.snapshot;
        let model = menu_model::build(snapshot, &self.settings, today, &mut self.ordering, now);
        std::hint::black_box(&model);
        let state = title::icon_state(snapshot, device.as_deref(), self.settings.paused);
        let img = icon::render(&state, ICON_SIZE);
        let label = title::title(snapshot, device.as_deref());
        // What goes to the tray host, only when it changed (as the tray does).
        if img.as_raw() != &self.last_icon {
            self.last_icon = img.into_raw();
        }
        if label != self.last_title {
            self.last_title = label;
        }
    }
}

/// Everything the soak runs, and the figures it keeps between reports.
pub struct Rig {
    pipeline: Pipeline,
    status: SourceStatus,
    /// Wall-clock milliseconds at `Mono(0)`.
    start_ms: u64,
    latest: watch::Sender<Arc<Refresh>>,
    viewers: broadcast::Sender<Arc<Refresh>>,
    every: Vec<mpsc::Sender<Arc<Refresh>>>,
    today: PeriodTotals,
    alerts: Alerts,
    _replies: mpsc::UnboundedReceiver<Reply>,
    alerts_tx: watch::Sender<Vec<String>>,
    tray: Tray,
    power: watch::Sender<PowerState>,
    write_every_ms: u64,
    last_write: u64,
    writer: Writer,
    history_problem: String,
    dashboard: Dashboard,
    /// The dashboard's URL (with this run's key).
    pub url: String,
    /// The alerts of the last refresh.
    pub active: Vec<String>,
}

/// The history's settings from the config (as `app::Settings` resolves them).
pub fn store_config(cfg: &Config) -> StoreConfig {
    StoreConfig {
        retention: Retention {
            fine: cfg.retention.0,
            minute: cfg.retention.1,
            hour: cfg.retention.2,
        },
        max_bytes: cfg.history_max_mb * 1024 * 1024,
        zone: Zone::Local,
    }
}

impl Rig {
    /// Starts the components: history in `dir` (a fresh one), the dashboard on a free
    /// loopback port, alerts from `cfg`, the run starting at `start_s` (Unix seconds).
    pub async fn start(
        lookup: Box<dyn ProcLookup>,
        devices: Vec<String>,
        dir: &Path,
        cfg: &Config,
        start_s: i64,
    ) -> anyhow::Result<Rig> {
        let mut pipeline = Pipeline::new(AccountantConfig::default(), lookup, Counters::Fed);
        pipeline.set_devices(devices.clone());
        // Each device's nethogs starts: its counts begin from zero.
        for device in devices {
            pipeline.apply(
                Event::Epoch {
                    device,
                    at: Mono(0),
                },
                Mono(0),
            );
        }
        let starting = Arc::new(Refresh {
            snapshot: Snapshot::empty(Mode::Starting, "starting"),
            moved: Moved::default(),
            gap_ms: 0,
        });
        let (latest, latest_rx) = watch::channel(starting);
        let (viewers, viewers_rx) = broadcast::channel(VIEWERS);
        let (history_tx, history_rx) = mpsc::channel(QUEUE);
        let (metrics_tx, metrics_rx) = mpsc::channel(QUEUE);
        let (power, power_rx) = watch::channel(PowerState::default());
        let writer = writer::spawn(
            history_rx,
            WriterOptions {
                dir: dir.to_owned(),
                store: store_config(cfg),
                // Out of reach: the soak's clock says when to write (see the module doc).
                flush_every: Duration::from_secs(30 * 86_400),
                power: Some(power_rx),
            },
        );
        let billing_day = cfg.billing_day;
        let d = dir.to_owned();
        let (prior_day, prior) = tokio::task::spawn_blocking(move || {
            hogwatch::app::prior::load(Some(d.as_path()), billing_day, start_s)
        })
        .await?;
        let (alerts_tx, alerts_rx) = watch::channel(Vec::new());
        let (alerts, replies) = Alerts::start(
            cfg.alerts.clone(),
            billing_day,
            Some(dir.to_owned()),
            prior,
            Mono(0),
            start_s,
        );
        let feed = Feed {
            latest: latest_rx,
            updates: viewers_rx,
            every: metrics_rx,
            alerts: alerts_rx,
        };
        let dashboard = dashboard::start(
            &ServerOptions::loopback(0, false),
            feed,
            Some(dir.to_owned()),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Rig {
            pipeline,
            status: SourceStatus {
                mode: Mode::PerProcess,
                reason: String::new(),
                health: Default::default(),
            },
            start_ms: start_s as u64 * 1000,
            latest,
            viewers,
            every: vec![history_tx, metrics_tx],
            today: PeriodTotals::new(prior_day, Zone::Local.date(start_s)),
            alerts,
            _replies: replies,
            alerts_tx,
            tray: Tray::default(),
            power,
            write_every_ms: cfg.history_write_every * 1000,
            last_write: 0,
            writer,
            history_problem: String::new(),
            url: dashboard.url.clone(),
            dashboard,
            active: Vec::new(),
        })
    }

    /// The wall-clock milliseconds of the refresh of a step taken at `at`.
    pub fn wall_ms(&self, at: Mono) -> u64 {
        self.start_ms + at.0 + REFRESH_AFTER_MS
    }

    /// One step: the samples applied, the refresh made and handed to every consumer.
    /// Returns the device bytes (up + down) the refresh says moved.
    pub async fn step(&mut self, s: Step) -> u64 {
        if let Some(devices) = s.devices {
            self.pipeline.set_devices(devices);
        }
        for device in s.epochs {
            self.pipeline.apply(Event::Epoch { device, at: s.at }, s.at);
        }
        self.pipeline.apply(
            Event::Counters {
                at: s.at,
                counters: s.counters,
            },
            s.at,
        );
        for sample in s.samples {
            self.pipeline.apply(Event::Sample(sample), s.at);
        }
        let now = s.at.plus_ms(REFRESH_AFTER_MS);
        let r = Arc::new(self.pipeline.refresh(now, self.wall_ms(s.at), &self.status));
        let moved = r.moved.devices.iter().map(|d| d.up + d.down).sum();

        // The collector's publish: viewers, then every consumer that takes all (waiting).
        self.latest.send_replace(Arc::clone(&r));
        let _ = self.viewers.send(Arc::clone(&r));
        for tx in &self.every {
            let _ = tx.send(Arc::clone(&r)).await;
        }

        // The core's refresh: today's totals, the alerts, the update for the front end.
        let unix_s = r.unix_s();
        let today = self.today.add(&r.moved, Zone::Local.date(unix_s));
        self.alerts.observe(&r, today, now);
        let active = self.alerts.active(unix_s);
        self.alerts_tx.send_if_modified(|a| {
            let changed = *a != active;
            if changed {
                a.clone_from(&active);
            }
            changed
        });
        if self.writer.status.has_changed().unwrap_or(false) {
            self.history_problem = self.writer.status.borrow_and_update().problem.clone();
        }
        let u = Update {
            today: Some(today.clone()),
            alerts: active,
            history_problem: self.history_problem.clone(),
            refresh: r,
        };
        self.tray.show(&u, now);
        self.active = u.alerts;

        if now.0.saturating_sub(self.last_write) >= self.write_every_ms {
            self.last_write = now.0;
            self.power.send_modify(|p| p.sleeps += 1);
        }
        moved
    }

    /// Processes in the accountant's live table.
    pub fn live_processes(&self) -> usize {
        self.pipeline.live_processes()
    }

    /// Counts the accountant keeps baselines of.
    pub fn tracked_lines(&self) -> usize {
        self.pipeline.tracked_lines()
    }

    /// The history writer's problem ("" when all is well).
    pub fn history_problem(&self) -> &str {
        &self.history_problem
    }

    /// Stops everything: the viewers' streams end, the writer writes what is left.
    pub async fn finish(self) {
        let Rig {
            every,
            latest,
            viewers,
            writer,
            dashboard,
            ..
        } = self;
        drop(every);
        drop(latest);
        drop(viewers);
        writer.finish().await;
        dashboard.stop();
    }
}
