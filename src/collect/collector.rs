//! The one collector: runs a source (see `source`), feeds its events to the accountant,
//! and publishes a `Refresh` — the snapshot and what moved since the previous one — each
//! interval, to every consumer. Nothing else ever starts a backend.
//!
//! Two kinds of consumers:
//! - those that add up what moved (history, period totals, alerts, /metrics) subscribe
//!   before the collector starts and get every refresh: the collector waits for them
//!   (a bounded queue each), so a fast replay never outruns them and nothing is lost;
//! - those that show the latest figures (WebSocket clients, attached front ends) may join
//!   at any time and skip refreshes when they fall behind.

use super::accountant::AccountantConfig;
use super::cadence::Cadence;
use super::pipeline::{Counters, Pipeline};
use super::procfs;
use super::replay::format::Recorder;
use super::sample::Elevate;
use super::sample::{Event, SourceCommand, SourceStatus};
use super::source::{Source, SourceOptions, SourceSpec};
use super::upstream;
use crate::clock::{Clock, Mono, SystemClock};
use crate::model::{Health, Mode, Moved, Refresh, Snapshot};
use crate::power::Power;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct Options {
    pub source: SourceSpec,
    /// Explicit devices; `None` follows every up, non-loopback device.
    pub devices: Option<Vec<String>>,
    pub include_loopback: bool,
    pub interval_s: u64,
    /// On battery the refresh stretches to this many seconds (`monitor.battery_interval`).
    pub battery_interval_s: u64,
    pub elevate: Elevate,
    pub record: Option<PathBuf>,
    /// Replay speed factor; 0 replays as fast as the consumers take it.
    pub replay_speed: f64,
    pub accountant: AccountantConfig,
}

/// What consumers may ask of the running collector.
#[derive(Debug, Clone)]
pub enum Command {
    /// Try the privilege routes again (e.g. "Enable per-process monitoring…").
    Retry(Elevate),
    Stop,
}

/// Refreshes a consumer that adds up what moved may hold before the collector waits.
const QUEUE: usize = 256;
const RESCAN: Duration = Duration::from_secs(5);
/// The status before a source has said its own.
const STARTING: SourceStatus = SourceStatus {
    mode: Mode::Starting,
    reason: String::new(),
    health: Health::NONE,
};

/// Where a collector's refreshes come from.
enum Input {
    /// A source's events through this collector's pipeline.
    Source(Source),
    /// The system service's refreshes, whole (its socket).
    Upstream(PathBuf),
}

/// A collector not started yet: consumers that must see every refresh subscribe now.
pub struct Collector {
    opts: Options,
    input: Input,
    recorder: Option<Recorder>,
    out: Outputs,
    power: Option<Power>,
}

/// Where refreshes go.
struct Outputs {
    /// Consumers that take every refresh.
    every: Vec<mpsc::Sender<Arc<Refresh>>>,
    latest: watch::Sender<Arc<Refresh>>,
    updates: broadcast::Sender<Arc<Refresh>>,
}

/// The refresh consumers see before the first one.
fn starting() -> Arc<Refresh> {
    Arc::new(Refresh {
        snapshot: Snapshot::empty(Mode::Starting, "starting"),
        moved: Moved::default(),
        gap_ms: 0,
    })
}

impl Collector {
    /// Opens the source (a replay file is read now) and the recording, if any.
    pub fn new(opts: Options) -> anyhow::Result<Collector> {
        if let SourceSpec::Service(socket) = &opts.source {
            anyhow::ensure!(
                opts.record.is_none(),
                "cannot record the system service's stream: a recording needs a collector's own input"
            );
            return Ok(Collector::with_input(
                Input::Upstream(socket.clone()),
                opts,
                None,
            ));
        }
        let source = Source::open(
            &opts.source,
            &SourceOptions {
                devices: live_devices(&opts),
                interval_s: opts.interval_s,
                elevate: opts.elevate,
                replay_speed: opts.replay_speed,
                replay_device: opts
                    .devices
                    .as_ref()
                    .and_then(|d| d.first().cloned())
                    .unwrap_or_else(|| "eth0".to_owned()),
            },
        )?;
        let recorder = open_recorder(&opts, &source.devices())?;
        Ok(Collector::with_input(Input::Source(source), opts, recorder))
    }

    fn with_input(input: Input, opts: Options, recorder: Option<Recorder>) -> Collector {
        let (latest, _) = watch::channel(starting());
        // Viewers that fall 16 refreshes behind skip ahead; idle template receivers keep no
        // more than that alive.
        let (updates, _) = broadcast::channel(16);
        Collector {
            opts,
            input,
            recorder,
            out: Outputs {
                every: Vec::new(),
                latest,
                updates,
            },
            power: None,
        }
    }

    /// Live refreshes follow this power state: on battery they stretch to
    /// `battery_interval_s` (without it, the machine counts as on mains).
    pub fn follow_power(&mut self, power: Power) {
        self.power = Some(power);
    }

    /// Every refresh from the first to the last, none skipped: the collector waits when
    /// this consumer is `QUEUE` refreshes behind. The channel closes when the collector ends.
    pub fn subscribe(&mut self) -> mpsc::Receiver<Arc<Refresh>> {
        let (tx, rx) = mpsc::channel(QUEUE);
        self.out.every.push(tx);
        rx
    }

    /// The latest refresh, always (a placeholder before the first).
    pub fn latest(&self) -> watch::Receiver<Arc<Refresh>> {
        self.out.latest.subscribe()
    }

    /// Refreshes from now on, skipped when the receiver falls behind.
    pub fn watch(&self) -> broadcast::Receiver<Arc<Refresh>> {
        self.out.updates.subscribe()
    }

    /// Starts collecting on the current tokio runtime.
    pub fn start(self) -> Running {
        let (commands, cmd_rx) = mpsc::channel(16);
        let latest = self.out.latest.subscribe();
        let updates = self.out.updates.subscribe();
        let task = tokio::spawn(run(self, cmd_rx));
        Running {
            latest,
            updates,
            commands,
            task,
        }
    }
}

/// A running collector. Dropping it stops the collector too (its command channel closes).
pub struct Running {
    pub latest: watch::Receiver<Arc<Refresh>>,
    /// Never read itself: the template for `watch`. Holding a receiver (not the sender)
    /// lets the channel close when the collector ends, so viewers see the end.
    updates: broadcast::Receiver<Arc<Refresh>>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl Running {
    /// Refreshes from now on, skipped when the receiver falls behind.
    pub fn watch(&self) -> broadcast::Receiver<Arc<Refresh>> {
        self.updates.resubscribe()
    }

    pub async fn command(&self, c: Command) {
        let _ = self.commands.send(c).await;
    }

    /// Stops the collector and its source (waits for them). An error means the collector
    /// had failed (a bug): consumers must not present a truncated run as a clean one.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.commands.send(Command::Stop).await;
        self.task
            .await
            .map_err(|e| anyhow::anyhow!("the collector failed: {e}"))
    }
}

fn open_recorder(opts: &Options, devices: &[String]) -> anyhow::Result<Option<Recorder>> {
    let Some(path) = &opts.record else {
        return Ok(None);
    };
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create recording {}", path.display()))?;
    let out = Box::new(std::io::BufWriter::new(file));
    Ok(Some(Recorder::new(out, opts.interval_s * 1000, devices)?))
}

/// Devices to monitor now: the explicit list, or every up device (loopback only if asked).
pub fn live_devices(opts: &Options) -> Vec<String> {
    if let Some(d) = &opts.devices {
        return d.clone();
    }
    procfs::list_devices(Path::new("/sys/class/net"))
        .into_iter()
        .filter(|d| d.up && (!d.loopback || opts.include_loopback))
        .filter(|d| procfs::valid_device_name(&d.name))
        .map(|d| d.name)
        .collect()
}

impl Outputs {
    /// Hands a refresh to every consumer: those that take every one (waiting for each),
    /// the latest value, and the viewers.
    async fn publish(&mut self, r: Refresh) {
        let r = Arc::new(r);
        self.latest.send_replace(Arc::clone(&r));
        let _ = self.updates.send(Arc::clone(&r));
        let mut gone = Vec::new();
        for (i, tx) in self.every.iter().enumerate() {
            if tx.send(Arc::clone(&r)).await.is_err() {
                gone.push(i);
            }
        }
        for i in gone.into_iter().rev() {
            self.every.remove(i);
        }
    }
}

/// When an event happened in the source's own time (a replay's), if it says.
fn event_time(e: &Event) -> Option<crate::clock::Mono> {
    match e {
        Event::Epoch { at, .. } | Event::Counters { at, .. } | Event::Tick { at } => Some(*at),
        Event::Sample(s) => Some(s.at),
        Event::Proc { .. } | Event::Status(_) => None,
    }
}

/// A live refresh now: the device counters read, the power asked, the refresh published,
/// and the cadence told (on battery the next one comes later).
async fn refresh_live(
    p: &mut Pipeline,
    out: &mut Outputs,
    cadence: &mut Cadence,
    clock: &SystemClock,
    power: Option<&Power>,
    status: Option<&SourceStatus>,
) {
    let now = clock.mono();
    p.read_counters(now);
    let state = power.map(Power::read).unwrap_or_default();
    // The interval in force until now: a break is several of them missed.
    p.set_interval_ms(cadence.every_s().saturating_mul(1000));
    cadence.refreshed(now, state);
    let mut r = p.refresh(now, clock.wall_ms(), status.unwrap_or(&STARTING));
    r.snapshot.battery_refresh_s = cadence.battery_refresh_s();
    out.publish(r).await;
}

/// True (and the time noted) when `RESCAN` has passed since the last rescan.
fn rescan_due(last: &mut Mono, now: Mono) -> bool {
    if now.since(*last) < RESCAN.as_millis() as u64 {
        return false;
    }
    *last = now;
    true
}

/// Publishes the system service's refreshes as they come, until stopped. While it cannot
/// be reached (not running, restarting, this user not in its group) the status says so and
/// attaching is retried with backoff; what moved meanwhile is in the service's history.
async fn run_upstream(socket: PathBuf, out: &mut Outputs, commands: &mut mpsc::Receiver<Command>) {
    let mut failures = 0u32;
    loop {
        let why = match upstream::attach(&socket).await {
            Ok(mut stream) => loop {
                tokio::select! {
                    r = stream.next() => match r {
                        Ok(Some(r)) => {
                            failures = 0;
                            out.publish(r).await;
                        }
                        Ok(None) => break "it closed the connection".to_owned(),
                        Err(e) => break e.to_string(),
                    },
                    cmd = commands.recv() => match cmd {
                        // The service holds its own privileges: nothing to retry here.
                        Some(Command::Retry(_)) => {}
                        Some(Command::Stop) | None => return,
                    },
                }
            },
            Err(e) => e.to_string(),
        };
        failures = failures.saturating_add(1);
        let wait = upstream::backoff(failures);
        let status = crate::text::truncate(
            &format!(
                "the hogwatch system service at {} cannot be read ({why}); trying again in {} s",
                socket.display(),
                wait.as_secs()
            ),
            300,
        );
        tracing::warn!("{status}");
        out.publish(Refresh {
            snapshot: Snapshot::empty(Mode::Starting, status),
            moved: Moved::default(),
            gap_ms: 0,
        })
        .await;
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            cmd = commands.recv() => if matches!(cmd, Some(Command::Stop) | None) { return },
        }
    }
}

async fn run(c: Collector, mut commands: mpsc::Receiver<Command>) {
    let Collector {
        opts,
        input,
        recorder,
        mut out,
        power,
    } = c;
    let source = match input {
        Input::Source(s) => s,
        Input::Upstream(socket) => return run_upstream(socket, &mut out, &mut commands).await,
    };
    let clock = SystemClock::default();
    let live = source.is_live();
    let counters = if live {
        Counters::Live(Box::new(|| procfs::read_net_dev().ok()))
    } else {
        Counters::Fed
    };
    let mut p = Pipeline::new(opts.accountant, source.lookup(), counters);
    if let Some(r) = recorder {
        p.record_to(r);
    }
    p.set_devices(source.devices());
    p.read_counters(clock.mono());

    let (events_tx, mut events) = mpsc::channel(1024);
    let (to_source, source_commands) = mpsc::channel(16);
    let source_task = source.spawn(clock.clone(), events_tx, source_commands);
    // Every source says how it is doing first; live refreshes wait for that, so the first
    // one already carries the mode (e.g. totals-only and why).
    let mut status: Option<SourceStatus> = None;
    let follow_devices = live && opts.devices.is_none();
    let mut cadence = Cadence::new(opts.interval_s, opts.battery_interval_s);
    // A sample applied since the last live refresh.
    let mut fresh = false;
    // The device list is rescanned when the loop wakes anyway and RESCAN has passed, not on
    // a timer of its own.
    let mut rescanned = clock.mono();
    loop {
        let fallback = tokio::time::Instant::from_std(clock.instant(cadence.fallback()));
        tokio::select! {
            e = events.recv() => match e {
                Some(Event::Status(s)) => {
                    // A new status shows at once (a helper restarting may be back before
                    // the next refresh would have said so).
                    let changed = status.as_ref().is_some_and(|old| *old != s);
                    status = Some(s);
                    if live && changed {
                        fresh = false;
                        refresh_live(&mut p, &mut out, &mut cadence, &clock, power.as_ref(), status.as_ref()).await;
                    }
                }
                Some(Event::Tick { at }) => {
                    let r = p.refresh(at, clock.wall_ms(), status.as_ref().unwrap_or(&STARTING));
                    out.publish(r).await;
                }
                Some(e) => {
                    // Live events happen now; a replay's at the time it recorded.
                    let now = match event_time(&e) {
                        Some(t) if !live => t,
                        _ => clock.mono(),
                    };
                    if live && matches!(e, Event::Sample(_)) {
                        fresh = true;
                        cadence.data(now);
                    }
                    p.apply(e, now);
                    // The refresh rides the block just applied, once the rest of its
                    // burst (other devices' samples) is in.
                    if fresh && status.is_some() && events.is_empty() && cadence.due_with_data(now) {
                        fresh = false;
                        refresh_live(&mut p, &mut out, &mut cadence, &clock, power.as_ref(), status.as_ref()).await;
                    }
                }
                // The source has nothing more to say (a replay is over).
                None => break,
            },
            _ = tokio::time::sleep_until(fallback), if live && status.is_some() => {
                fresh = false;
                refresh_live(&mut p, &mut out, &mut cadence, &clock, power.as_ref(), status.as_ref()).await;
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Retry(elevate)) => {
                    let _ = to_source.send(SourceCommand::Retry(elevate)).await;
                }
                Some(Command::Stop) | None => break,
            },
        }
        if follow_devices && rescan_due(&mut rescanned, clock.mono()) {
            let now_devices = live_devices(&opts);
            if now_devices != p.devices() {
                p.set_devices(now_devices.clone());
                let _ = to_source.send(SourceCommand::Devices(now_devices)).await;
            }
        }
    }
    let _ = to_source.send(SourceCommand::Stop).await;
    drop(to_source);
    // The source must not wait on a full queue while it stops.
    drop(events);
    let _ = source_task.await;
}
