//! What the history tests share: hogwatch run to its end with a private HOME, the totals
//! of a run's last snapshot and of the history (through the library and through the CLI),
//! nethogs traces made up for a test, a seeded random generator, the store's config, and
//! a guard that stops a background process by pid.

use crate::support;
use hogwatch::store::tiers::Zone;
use hogwatch::store::{Retention, Store, StoreConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use support::cli::{expect_exit_zero, expect_no_panic, fixture_dir, hog_argv, refs, tail};
use support::home::Home;
use support::{err, pid_alive, run, wait_until, CmdOutput, Deadline, Result};

pub(super) const HOGWATCH: &str = env!("CARGO_BIN_EXE_hogwatch");
pub(super) const NOBODY: u32 = 65534;
pub(super) const FILE: &str = "history.sqlite3";
/// Prefix of each test's temporary HOME.
pub(super) const HOME_PREFIX: &str = "hogwatch-hist-home-";

// ------------------------------------------------------------------------------ helpers

pub(super) fn fixture(name: &str) -> PathBuf {
    fixture_dir().join(name)
}

pub(super) fn tempdir(prefix: &str) -> Result<tempfile::TempDir> {
    Ok(tempfile::Builder::new().prefix(prefix).tempdir()?)
}

pub(super) fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

pub(super) fn require_root(what: &str) {
    match effective_uid() {
        Some(0) => {}
        other => panic!(
            "{what} must run as root (it uses setpriv or mount namespaces); effective uid is \
             {other:?}. Run it as root, e.g. `sudo -E cargo test --test core history`."
        ),
    }
}

/// Runs hogwatch to its end under `timeout(1)`.
pub(super) fn hog(home: &Home, args: &[&str], limit: Duration) -> Result<CmdOutput> {
    let argv = hog_argv(&[], HOGWATCH, home, args);
    eprintln!("running: {}", argv[argv.len() - args.len() - 1..].join(" "));
    run(&refs(&argv), limit)
}

/// No panic: neither the exit status of a panicking main (101) nor a panic message.
pub(super) fn no_panic(out: &CmdOutput, what: &str) -> Result<()> {
    expect_no_panic(out, what, |stderr| tail(stderr, 3000).to_owned())
}

pub(super) fn expect_success(out: &CmdOutput, what: &str) -> Result<()> {
    no_panic(out, what)?;
    expect_exit_zero(out, what)
}

/// Bytes per app and per device, and the unattributed share (signed, as stored).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Totals {
    pub(super) apps: BTreeMap<String, (u64, u64)>,
    pub(super) devices: BTreeMap<String, (u64, u64)>,
    pub(super) unattributed: (i64, i64),
}

impl Totals {
    pub(super) fn add(&mut self, other: &Totals) {
        for (k, v) in &other.apps {
            let e = self.apps.entry(k.clone()).or_default();
            *e = (e.0 + v.0, e.1 + v.1);
        }
        for (k, v) in &other.devices {
            let e = self.devices.entry(k.clone()).or_default();
            *e = (e.0 + v.0, e.1 + v.1);
        }
        self.unattributed.0 += other.unattributed.0;
        self.unattributed.1 += other.unattributed.1;
    }

    /// The unattributed share as the store reports it (negative sums read as 0).
    pub(super) fn unattributed_reported(&self) -> (u64, u64) {
        (
            self.unattributed.0.max(0) as u64,
            self.unattributed.1.max(0) as u64,
        )
    }
}

pub(super) fn u64_at(v: &Value, key: &str) -> Result<u64> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| err(format!("no unsigned {key:?} in {v}")))
}

pub(super) fn str_at<'a>(v: &'a Value, key: &str) -> Result<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("no string {key:?} in {v}")))
}

/// Totals of one `top --json` snapshot: processes' bytes summed by `app`, devices by
/// name, and the unattributed bytes.
pub(super) fn snapshot_totals(s: &Value) -> Result<Totals> {
    let mut t = Totals::default();
    for p in s["processes"]
        .as_array()
        .ok_or("snapshot without processes")?
    {
        let e = t.apps.entry(str_at(p, "app")?.to_owned()).or_default();
        *e = (e.0 + u64_at(p, "up_bytes")?, e.1 + u64_at(p, "down_bytes")?);
    }
    for d in s["devices"].as_array().ok_or("snapshot without devices")? {
        let e = t.devices.entry(str_at(d, "name")?.to_owned()).or_default();
        *e = (e.0 + u64_at(d, "up_bytes")?, e.1 + u64_at(d, "down_bytes")?);
    }
    let u = &s["unattributed"];
    t.unattributed = (
        u64_at(u, "up_bytes")? as i64,
        u64_at(u, "down_bytes")? as i64,
    );
    Ok(t)
}

/// The snapshots among `lines` (other lines are an error: `--json` prints only those).
pub(super) fn snapshots<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for line in lines.into_iter().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).map_err(|e| {
            err(format!(
                "{what}: stdout line is not JSON ({e}): {}",
                tail(line, 300)
            ))
        })?;
        if v.get("processes").is_none() {
            return Err(err(format!("{what}: not a snapshot: {}", tail(line, 300))));
        }
        out.push(v);
    }
    Ok(out)
}

/// Totals of the last snapshot of a `top --json` run; fails unless it saw some app.
pub(super) fn last_totals<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> Result<Totals> {
    let snaps = snapshots(lines, what)?;
    let last = snaps
        .last()
        .ok_or_else(|| err(format!("{what}: no snapshot")))?;
    let t = snapshot_totals(last)?;
    if t.apps.is_empty() || t.apps.values().all(|v| *v == (0, 0)) {
        return Err(err(format!(
            "{what}: the last snapshot has no app traffic: {last}"
        )));
    }
    Ok(t)
}

/// Replay speed of runs that are not about `--replay-speed 0`: 10 refreshes take
/// ~0.25 s, and the first snapshot comes 20 ms after the start. At speed 0 the writer can
/// miss the whole run (see `every_full_speed_replay_reaches_the_history`), which would
/// make every test here flaky for one reason.
pub(super) const FAST: &str = "50";

/// `top --json --source replay:FIXTURE --replay-speed SPEED --data-dir DIR`, to its end.
pub(super) fn replay_into(
    home: &Home,
    fix: &Path,
    dir: &Path,
    speed: &str,
) -> Result<(CmdOutput, Totals)> {
    let source = format!("replay:{}", fix.display());
    let d = dir.to_string_lossy();
    let out = hog(
        home,
        &[
            "top",
            "--json",
            "--source",
            &source,
            "--replay-speed",
            speed,
            "--data-dir",
            &d,
        ],
        Duration::from_secs(30),
    )?;
    let what = format!("replay of {} into {d}", fix.display());
    expect_success(&out, &what)?;
    let t = last_totals(out.stdout.lines(), &what)?;
    Ok((out, t))
}

/// `hogwatch history --data-dir DIR --format json EXTRA…`, parsed.
pub(super) fn history_json(home: &Home, dir: &Path, extra: &[&str]) -> Result<Value> {
    let d = dir.to_string_lossy();
    let mut args = vec!["history", "--data-dir", &d, "--format", "json"];
    args.extend_from_slice(extra);
    let out = hog(home, &args, Duration::from_secs(20))?;
    expect_success(&out, &format!("history {extra:?}"))?;
    serde_json::from_str(out.stdout.trim()).map_err(|e| {
        err(format!(
            "history {extra:?}: not JSON ({e}): {}",
            tail(&out.stdout, 2000)
        ))
    })
}

/// `apps` of `history --format json`: key → (up, down); also checks each has a name.
pub(super) fn json_apps(v: &Value) -> Result<BTreeMap<String, (u64, u64)>> {
    let mut out = BTreeMap::new();
    for a in v["apps"]
        .as_array()
        .ok_or_else(|| err(format!("no apps in {v}")))?
    {
        str_at(a, "name")?;
        out.insert(
            str_at(a, "app")?.to_owned(),
            (u64_at(a, "up_bytes")?, u64_at(a, "down_bytes")?),
        );
    }
    Ok(out)
}

pub(super) fn json_devices(v: &Value) -> Result<BTreeMap<String, (u64, u64)>> {
    let mut out = BTreeMap::new();
    for d in v["devices"]
        .as_array()
        .ok_or_else(|| err(format!("no devices in {v}")))?
    {
        out.insert(
            str_at(d, "device")?.to_owned(),
            (u64_at(d, "up_bytes")?, u64_at(d, "down_bytes")?),
        );
    }
    Ok(out)
}

pub(super) fn json_unattributed(v: &Value) -> Result<(u64, u64)> {
    let u = &v["unattributed"];
    Ok((u64_at(u, "up_bytes")?, u64_at(u, "down_bytes")?))
}

pub(super) fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The history in `dir` as the library reads it over a range covering everything: per
/// app (top_apps), per device, and the unattributed share (as reported: not negative).
pub(super) fn library_totals(dir: &Path, what: &str) -> Result<Totals> {
    let store = Store::open_reader(dir, Zone::Local)
        .map_err(|e| err(format!("{what}: open_reader: {e}")))?;
    let first = store
        .first_ts()
        .map_err(|e| err(format!("{what}: first_ts: {e}")))?
        .ok_or_else(|| err(format!("{what}: no session recorded")))?;
    let (from, to) = (first - 86_400, now_s() + 86_400);
    let apps = store
        .top_apps(from, to, 10_000)
        .map_err(|e| err(format!("{what}: top_apps: {e}")))?
        .into_iter()
        .map(|a| (a.app, (a.up_bytes, a.down_bytes)))
        .collect();
    let dev = store
        .device_totals(from, to)
        .map_err(|e| err(format!("{what}: device_totals: {e}")))?;
    let devices = dev
        .devices
        .iter()
        .map(|d| (d.device.clone(), (d.up_bytes, d.down_bytes)))
        .collect();
    Ok(Totals {
        apps,
        devices,
        unattributed: (dev.unattributed_up as i64, dev.unattributed_down as i64),
    })
}

/// Reads the history in `dir` through the library over a range covering everything, and
/// checks per-app (top_apps and app_total), per-device and unattributed totals.
pub(super) fn check_library_totals(dir: &Path, want: &Totals, what: &str) -> Result<()> {
    let got = library_totals(dir, what)?;
    if got.apps != want.apps {
        return Err(err(format!(
            "{what}: top_apps over everything = {:?}, expected {:?}",
            got.apps, want.apps
        )));
    }
    let store = Store::open_reader(dir, Zone::Local)
        .map_err(|e| err(format!("{what}: open_reader: {e}")))?;
    let (from, to) = (0, now_s() + 86_400);
    for (app, v) in &want.apps {
        let got = store
            .app_total(from, to, app)
            .map_err(|e| err(format!("{what}: app_total: {e}")))?;
        if got != *v {
            return Err(err(format!(
                "{what}: app_total({app:?}) = {got:?}, expected {v:?}"
            )));
        }
    }
    if got.devices != want.devices {
        return Err(err(format!(
            "{what}: device_totals = {:?}, expected {:?}",
            got.devices, want.devices
        )));
    }
    let un = (got.unattributed.0 as u64, got.unattributed.1 as u64);
    if un != want.unattributed_reported() {
        return Err(err(format!(
            "{what}: unattributed {un:?}, expected {:?}",
            want.unattributed_reported()
        )));
    }
    Ok(())
}

/// Checks `history --range all` (apps, unattributed) and `--by device` against `want`.
pub(super) fn check_cli_totals(home: &Home, dir: &Path, want: &Totals, what: &str) -> Result<()> {
    let v = history_json(home, dir, &["--range", "all"])?;
    let apps = json_apps(&v)?;
    if apps != want.apps {
        return Err(err(format!(
            "{what}: `history --range all` apps {apps:?}, expected {:?}",
            want.apps
        )));
    }
    let un = json_unattributed(&v)?;
    if un != want.unattributed_reported() {
        return Err(err(format!(
            "{what}: `history --range all` unattributed {un:?}, expected {:?}",
            want.unattributed_reported()
        )));
    }
    let v = history_json(home, dir, &["--range", "all", "--by", "device"])?;
    let devices = json_devices(&v)?;
    if devices != want.devices {
        return Err(err(format!(
            "{what}: `history --by device` {devices:?}, expected {:?}",
            want.devices
        )));
    }
    Ok(())
}

/// A small deterministic PRNG (xorshift64*), for synthetic data and garbage.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Writes a raw nethogs trace (`NAME/PID/UID<TAB>SENT<TAB>RECV` lines in `Refreshing:`
/// blocks) with one process whose cumulative bytes grow block by block.
pub(super) fn raw_trace(path: &Path, name: &str, blocks: &[(u64, u64)]) -> Result<()> {
    let mut text = String::from("Ethernet link detected\n");
    for (sent, recv) in blocks {
        text.push_str(&format!(
            "\nRefreshing:\n{name}/4242/0\t{sent}\t{recv}\nunknown TCP/0/0\t0\t0\n"
        ));
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// A raw nethogs trace of `blocks` refreshes (one a second) with traffic in every one:
/// two processes all along, a third from the middle on.
pub(super) fn long_trace(path: &Path, blocks: u64) -> Result<()> {
    let mut text = String::from("Ethernet link detected\n");
    for i in 1..=blocks {
        text.push_str("\nRefreshing:\n");
        text.push_str(&format!(
            "/usr/bin/rsync/2101/1000\t{}\t{}\n",
            1_000 * i,
            250_000 * i
        ));
        text.push_str(&format!(
            "/usr/lib/firefox/firefox/2202/1000\t{}\t{}\n",
            3_000 * i,
            70_000 * i
        ));
        if i > blocks / 2 {
            let j = i - blocks / 2;
            text.push_str(&format!(
                "/usr/bin/curl/2303/0\t{}\t{}\n",
                512 * j,
                1_000_000 * j
            ));
        }
        text.push_str("unknown TCP/0/0\t0\t0\n");
    }
    std::fs::write(path, text)?;
    Ok(())
}

/// Stops a process by pid on drop (SIGTERM, then SIGKILL), if it still runs and is still
/// hogwatch: for a hogwatch started by a shell rather than by the test itself.
pub(super) struct PidGuard(pub(super) Option<u32>);

impl Drop for PidGuard {
    fn drop(&mut self) {
        let Some(pid) = self.0 else { return };
        let is_hog = |pid: u32| {
            pid_alive(pid)
                && support::proc_cmdline(pid)
                    .first()
                    .is_some_and(|a| a.ends_with("hogwatch"))
        };
        if !is_hog(pid) {
            return;
        }
        let _ = support::signal_pid(pid, "TERM");
        if wait_until("hogwatch to stop", Duration::from_secs(3), || {
            (!is_hog(pid)).then_some(())
        })
        .is_err()
        {
            let _ = support::signal_pid(pid, "KILL");
        }
    }
}

pub(super) fn store_config(zone: Zone, retention: Retention, max_bytes: u64) -> StoreConfig {
    StoreConfig {
        retention,
        max_bytes,
        zone,
    }
}

/// `text` read by python3's csv module with `delimiter`; `strict` for the RFC reading.
pub fn python_csv(text: &str, delimiter: char, strict: bool) -> Result<Vec<Vec<String>>> {
    let tmp = tempdir("hogwatch-hist-csv-")?;
    let path = tmp.path().join("out.csv");
    std::fs::write(&path, text)?;
    let p = path.to_string_lossy();
    let d = delimiter.to_string();
    let strict = if strict { "True" } else { "False" };
    let out = run(
        &[
            "/usr/bin/python3",
            "-c",
            "import csv, json, sys\n\
             rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8'), \
             delimiter=sys.argv[2], strict=sys.argv[3] == 'True'))\n\
             print(json.dumps(rows))",
            &p,
            &d,
            strict,
        ],
        Duration::from_secs(20),
    )?;
    if !out.status.success() {
        return Err(err(format!(
            "python3's csv module ({delimiter:?}) rejects the output ({}): {}\n{text}",
            out.status, out.stderr
        )));
    }
    Ok(serde_json::from_str(out.stdout.trim())?)
}

/// SIGKILLs `run`, waits for it, and returns the totals of each refresh it printed.
pub(super) fn kill_and_read(run: &mut support::Child, deadline: &Deadline) -> Result<Vec<Totals>> {
    support::signal_pid(run.pid(), "KILL")?;
    run.wait_exit(deadline.cap(Duration::from_secs(10)))?;
    let lines: Vec<String> = run.lines().history().to_vec();
    let snaps = snapshots(lines.iter().map(String::as_str), "killed run")?;
    snaps.iter().map(snapshot_totals).collect()
}
