//! The one collector: drives the helper (or a replay) and publishes a snapshot per
//! refresh to any number of consumers. Nothing else ever starts nethogs.

use super::accountant::AccountantConfig;
use super::launch::{self, RunningHelper};
use super::pipeline::{Counters, Lookup, Pipeline};
use super::privilege::{self, explain_exit, Elevate, Route};
use super::probe;
use super::procfs::{self, ProcFs};
use super::record::{read_recording, Item, Recorder, ReplayProcs};
use crate::clock::{Clock, Mono, SystemClock};
use crate::model::{Mode, Snapshot};
use anyhow::Context;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// `--source nethogs|replay:FILE`.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Nethogs,
    Replay(PathBuf),
}

impl std::str::FromStr for Source {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nethogs" => Ok(Source::Nethogs),
            _ => match s.strip_prefix("replay:") {
                Some(p) if !p.is_empty() => Ok(Source::Replay(PathBuf::from(p))),
                _ => Err(format!("expected `nethogs` or `replay:FILE`, got {s:?}")),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub source: Source,
    /// Explicit devices; `None` follows every up, non-loopback device.
    pub devices: Option<Vec<String>>,
    pub include_loopback: bool,
    pub interval_s: u64,
    pub elevate: Elevate,
    pub record: Option<PathBuf>,
    /// Replay speed factor; 0 replays as fast as possible.
    pub replay_speed: f64,
    pub accountant: AccountantConfig,
}

/// What consumers may ask of the collector.
#[derive(Debug, Clone)]
pub enum Command {
    /// Try the privilege routes again (e.g. "Enable per-process monitoring…").
    Retry(Elevate),
    Stop,
}

/// A running collector. Dropping it stops the collector too (its command channel closes).
pub struct Collector {
    pub latest: watch::Receiver<Arc<Snapshot>>,
    /// Never read itself: the template for subscribers. Holding a receiver (not the
    /// sender) lets the channel close when the collector ends, so consumers see the end.
    updates: broadcast::Receiver<Arc<Snapshot>>,
    /// Receivers made before the collector started, handed out first, so the first few
    /// consumers (the front end, the history writer) miss nothing — even a replay that
    /// is over before they subscribe.
    early: Vec<broadcast::Receiver<Arc<Snapshot>>>,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

impl Collector {
    /// Every snapshot from now on; the first `EARLY_SUBSCRIBERS` calls also get every
    /// snapshot since the start.
    pub fn subscribe(&mut self) -> broadcast::Receiver<Arc<Snapshot>> {
        if self.early.is_empty() {
            self.updates.resubscribe()
        } else {
            self.early.remove(0)
        }
    }

    pub async fn command(&self, c: Command) {
        let _ = self.commands.send(c).await;
    }

    /// Stops the collector and its helper (waits for them). An error means the collector
    /// had failed (a bug): consumers must not present a truncated run as a clean one.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.commands.send(Command::Stop).await;
        self.task
            .await
            .map_err(|e| anyhow::anyhow!("the collector failed: {e}"))
    }
}

/// Consumers that get every snapshot from the very start (see `Collector::subscribe`).
pub const EARLY_SUBSCRIBERS: usize = 4;

/// Starts the collector on the current tokio runtime.
pub fn start(opts: Options) -> anyhow::Result<Collector> {
    let (updates, first) = broadcast::channel(64);
    let mut early = vec![first];
    early.extend((1..EARLY_SUBSCRIBERS).map(|_| updates.subscribe()));
    let initial = Arc::new(Snapshot::empty(Mode::Starting, "starting"));
    let (latest_tx, latest) = watch::channel(initial);
    let (commands, cmd_rx) = mpsc::channel(16);
    let template = updates.subscribe();
    let publish = Publisher {
        latest: latest_tx,
        updates,
    };
    let task = match &opts.source {
        Source::Nethogs => {
            let recorder = open_recorder(&opts, &live_devices(&opts))?;
            tokio::spawn(run_live(opts, publish, cmd_rx, recorder))
        }
        Source::Replay(path) => {
            let raw_dev = opts
                .devices
                .as_ref()
                .and_then(|d| d.first().cloned())
                .unwrap_or_else(|| "eth0".to_owned());
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open replay file {}", path.display()))?;
            let rec = read_recording(
                std::io::BufReader::new(file),
                &raw_dev,
                opts.interval_s * 1000,
            )
            .with_context(|| format!("cannot read replay file {}", path.display()))?;
            if rec.skipped > 0 {
                tracing::warn!(
                    "{}: skipped {} unreadable lines",
                    path.display(),
                    rec.skipped
                );
            }
            let recorder = open_recorder(&opts, &rec.devices)?;
            tokio::spawn(run_replay(opts, rec, publish, cmd_rx, recorder))
        }
    };
    Ok(Collector {
        latest,
        updates: template,
        early,
        commands,
        task,
    })
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

struct Publisher {
    latest: watch::Sender<Arc<Snapshot>>,
    updates: broadcast::Sender<Arc<Snapshot>>,
}

impl Publisher {
    fn publish(&self, s: Snapshot) {
        let s = Arc::new(s);
        self.latest.send_replace(Arc::clone(&s));
        // No receiver is fine: consumers come and go.
        let _ = self.updates.send(s);
    }
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

const RESCAN: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The helper's lifecycle as the live collector sees it.
struct HelperState {
    running: Option<RunningHelper>,
    said_hello: bool,
    started: Instant,
    /// Routes still to try before giving up (only before the first hello).
    pending: VecDeque<Route>,
    failures: Vec<String>,
    restart_at: Option<Instant>,
    backoff: Duration,
    route: Option<Route>,
}

async fn next_line(h: &mut Option<RunningHelper>) -> Option<String> {
    match h {
        Some(h) => h.lines.recv().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `t`; forever when `None` (for a `select!` arm).
pub(crate) async fn sleep_until_opt(t: Option<Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

fn mono_to_instant(origin: Instant, m: Mono) -> Instant {
    origin + Duration::from_millis(m.0)
}

async fn run_live(
    opts: Options,
    publish: Publisher,
    mut commands: mpsc::Receiver<Command>,
    recorder: Option<Recorder>,
) {
    let clock = SystemClock::default();
    let origin = Instant::now();
    let read: Box<dyn FnMut() -> Option<Vec<procfs::DevCounters>> + Send> =
        Box::new(|| procfs::read_net_dev().ok());
    let procs: Box<dyn Lookup> = Box::new(ProcFs::default());
    let mut p = Pipeline::new(opts.accountant, procs, Counters::Live(read), Mode::Starting);
    if let Some(r) = recorder {
        p.record_to(r);
    }
    let mut devices = live_devices(&opts);
    p.set_devices(devices.clone());
    p.read_counters(clock.mono());

    let mut h = HelperState {
        running: None,
        said_hello: false,
        started: Instant::now(),
        pending: VecDeque::new(),
        failures: Vec::new(),
        restart_at: None,
        backoff: Duration::from_secs(1),
        route: None,
    };
    let helper_path = plan_routes(opts.elevate, &mut h, &mut p);
    if devices.is_empty() {
        p.reason = "no network device is up".into();
    }
    start_next(&opts, &helper_path, &devices, &mut h, &mut p);

    let mut tick = tokio::time::interval(Duration::from_secs(opts.interval_s.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rescan = tokio::time::interval(RESCAN);
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let block_deadline = p.next_deadline().map(|m| mono_to_instant(origin, m));
        tokio::select! {
            line = next_line(&mut h.running) => match line {
                Some(line) => {
                    if !h.said_hello {
                        h.said_hello = true;
                        h.failures.clear();
                        p.mode = Mode::PerProcess;
                        p.reason.clear();
                    }
                    p.on_helper_line(&line, clock.mono());
                }
                None => on_helper_gone(&opts, &helper_path, &devices, &mut h, &mut p).await,
            },
            _ = sleep_until_opt(block_deadline) => p.poll(clock.mono()),
            _ = tick.tick() => {
                let now = clock.mono();
                p.poll(now);
                p.read_counters(now);
                publish.publish(p.snapshot(now, clock.wall_ms()));
            }
            _ = rescan.tick(), if opts.devices.is_none() => {
                let now_devices = live_devices(&opts);
                if now_devices != devices {
                    tracing::info!(?now_devices, "device set changed");
                    devices = now_devices;
                    p.set_devices(devices.clone());
                    if devices.is_empty() {
                        p.reason = "no network device is up".into();
                    } else if p.reason == "no network device is up" {
                        p.reason.clear();
                    }
                    match h.running.as_mut() {
                        Some(r) if !devices.is_empty() => {
                            if let Err(e) = r.send(&format!("devices {}", devices.join(","))).await {
                                tracing::warn!("cannot send devices to the helper: {e}");
                            }
                        }
                        Some(_) => {
                            if let Some(r) = h.running.take() {
                                r.stop(Duration::from_secs(3)).await;
                            }
                        }
                        None => {
                            if h.route.is_some() && h.restart_at.is_none() {
                                h.restart_at = Some(Instant::now());
                            }
                        }
                    }
                }
            }
            _ = sleep_until_opt(h.restart_at) => {
                h.restart_at = None;
                if let Some(route) = h.route {
                    h.pending.push_front(route);
                }
                start_next(&opts, &helper_path, &devices, &mut h, &mut p);
            }
            cmd = commands.recv() => match cmd {
                Some(Command::Retry(elevate)) => {
                    if let Some(r) = h.running.take() {
                        r.stop(Duration::from_secs(3)).await;
                    }
                    h.said_hello = false;
                    h.restart_at = None;
                    p.mode = Mode::Starting;
                    p.reason.clear();
                    let path = plan_routes(elevate, &mut h, &mut p);
                    start_next(&opts, &path, &devices, &mut h, &mut p);
                }
                Some(Command::Stop) | None => break,
            },
        }
    }
    if let Some(r) = h.running.take() {
        r.stop(Duration::from_secs(3)).await;
    }
}

/// Decides the routes to try; on no route, switches to totals-only with the reason.
fn plan_routes(elevate: Elevate, h: &mut HelperState, p: &mut Pipeline) -> PathBuf {
    let probes = probe::probe();
    h.failures.clear();
    match privilege::plan(elevate, &probes) {
        Ok(routes) => h.pending = routes.into(),
        Err(no) => {
            h.pending.clear();
            p.mode = Mode::TotalsOnly;
            p.reason = format!("per-process monitoring is off: {no}");
            tracing::warn!("{}", crate::text::printable(&p.reason));
        }
    }
    PathBuf::from(probes.helper.unwrap_or_default())
}

/// Starts the helper by the next pending route; none left → totals-only.
fn start_next(
    opts: &Options,
    helper: &Path,
    devices: &[String],
    h: &mut HelperState,
    p: &mut Pipeline,
) {
    if devices.is_empty() {
        return;
    }
    while let Some(route) = h.pending.pop_front() {
        match launch::spawn(route, helper, opts.interval_s, devices) {
            Ok(r) => {
                tracing::info!(%route, "helper started");
                h.running = Some(r);
                h.route = Some(route);
                h.started = Instant::now();
                return;
            }
            Err(e) => h.failures.push(format!("{route}: cannot start: {e}")),
        }
    }
    if !h.failures.is_empty() && !h.said_hello {
        p.mode = Mode::TotalsOnly;
        p.reason = format!(
            "per-process monitoring is off: {} — fix: {}",
            h.failures.join("; "),
            privilege::CAPS_FIX
        );
        tracing::warn!("{}", crate::text::printable(&p.reason));
    }
}

/// The helper's stdout ended: it exited. Before its hello, try the next route; after,
/// restart it with backoff.
async fn on_helper_gone(
    opts: &Options,
    helper: &Path,
    devices: &[String],
    h: &mut HelperState,
    p: &mut Pipeline,
) {
    let Some(mut r) = h.running.take() else {
        return;
    };
    let code = match tokio::time::timeout(Duration::from_secs(3), r.child.wait()).await {
        Ok(Ok(s)) => s.code(),
        _ => {
            let _ = r.child.kill().await;
            None
        }
    };
    let said = r.stderr_after_exit(Duration::from_secs(1)).await;
    let why = explain_exit(r.route, code, &said);
    tracing::warn!(route = %r.route, ?code, "helper exited: {}", crate::text::printable(&why));
    if !h.said_hello {
        h.failures.push(format!("{}: {why}", r.route));
        h.route = None;
        start_next(opts, helper, devices, h, p);
        return;
    }
    // It ran: restart by the same route, backing off while it keeps dying quickly.
    if h.started.elapsed() >= Duration::from_secs(60) {
        h.backoff = Duration::from_secs(1);
    }
    let wait = h.backoff;
    h.backoff = (h.backoff * 2).min(MAX_BACKOFF);
    h.said_hello = false;
    p.mode = Mode::Starting;
    p.reason = format!("helper stopped ({why}); restarting in {} s", wait.as_secs());
    h.restart_at = Some(Instant::now() + wait);
}

async fn run_replay(
    opts: Options,
    rec: super::record::Recording,
    publish: Publisher,
    mut commands: mpsc::Receiver<Command>,
    recorder: Option<Recorder>,
) {
    let clock = SystemClock::default();
    let procs: Box<dyn Lookup> = Box::new(ReplayProcs::default());
    let mut p = Pipeline::new(opts.accountant, procs, Counters::Fed, Mode::Replay);
    if let Some(r) = recorder {
        p.record_to(r);
    }
    p.set_devices(rec.devices.clone());
    let interval = rec.interval_ms.max(100);
    let start = Instant::now();
    let speed = opts.replay_speed;
    let wait = |t: u64| async move {
        if speed > 0.0 {
            let at = start + Duration::from_secs_f64(t as f64 / 1000.0 / speed);
            tokio::time::sleep_until(at).await;
        } else {
            tokio::task::yield_now().await;
        }
    };
    let mut next_tick = interval;
    let last_t = rec.items.last().map_or(0, Item::t);
    // Two ticks past the end let the last block complete and rates settle.
    let end = last_t.saturating_add(2 * interval);
    let mut items = rec.items.into_iter().peekable();
    loop {
        let next_item_t = items.peek().map(Item::t);
        let tick_due = next_item_t.is_none_or(|t| next_tick <= t);
        if tick_due && next_tick > end {
            break;
        }
        let t = if tick_due {
            next_tick
        } else {
            next_item_t.unwrap_or(next_tick)
        };
        tokio::select! {
            _ = wait(t) => {}
            cmd = commands.recv() => match cmd {
                Some(Command::Stop) | None => return,
                Some(Command::Retry(_)) => continue,
            },
        }
        let now = Mono(t);
        // Counters and /proc facts at this instant were read before the block they
        // belong to was applied: apply them before completing blocks by silence.
        let helper_line = matches!(items.peek(), Some(Item::Helper { .. }));
        if tick_due || helper_line {
            p.poll(now);
        }
        if tick_due {
            publish.publish(p.snapshot(now, clock.wall_ms()));
            next_tick = next_tick.saturating_add(interval);
            continue;
        }
        match items.next() {
            Some(Item::Helper { line, .. }) => p.on_helper_line(&line, now),
            Some(Item::Netdev { counters, .. }) => {
                let c: Vec<procfs::DevCounters> = counters
                    .into_iter()
                    .map(|(name, rx_bytes, tx_bytes)| procfs::DevCounters {
                        name,
                        rx_bytes,
                        tx_bytes,
                    })
                    .collect();
                p.on_counters(&c, now);
            }
            Some(Item::Proc {
                pid,
                start_time,
                exe,
                argv,
                ..
            }) => p.on_proc(
                pid,
                super::accountant::ProcDetails {
                    start_time,
                    exe,
                    argv,
                },
            ),
            Some(Item::Header { .. }) | None => {}
        }
    }
}
