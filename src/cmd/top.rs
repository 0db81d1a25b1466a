//! `hogwatch top`: a live table in the terminal, or one JSON snapshot per refresh. It
//! attaches to the hogwatch that runs for this user (the tray, `hogwatch server`) and shows
//! its collector's refreshes; only when none runs does it collect by itself. The table's
//! header says which.

use crate::app::{self, CoreOptions, Link, Opened, Role, Settings, WhenRunning};
use crate::cli::{Global, SortBy, TopArgs};
use crate::model::{Mode, ProcessUsage, Snapshot};
use crate::text::truncate;
use crate::units::{bytes, rate, rates, sizes, DOWN, UP};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Processes in display order.
pub fn sorted(s: &Snapshot, sort: SortBy) -> Vec<&ProcessUsage> {
    let mut v: Vec<&ProcessUsage> = s.processes.iter().collect();
    match sort {
        SortBy::Rate => v.sort_by(|a, b| ProcessUsage::by_rate(a, b)),
        SortBy::Total => v.sort_by(|a, b| {
            b.usage
                .bytes()
                .cmp(&a.usage.bytes())
                .then(b.usage.rate().total_cmp(&a.usage.rate()))
                .then(a.pid.cmp(&b.pid))
        }),
    }
    v
}

fn mode_line(s: &Snapshot) -> &'static str {
    match s.mode {
        Mode::PerProcess => "per-process",
        Mode::TotalsOnly => "TOTALS ONLY",
        Mode::Replay => "replay",
        Mode::Starting => "starting",
    }
}

/// Renders the table for one snapshot: header (with `origin`: where the figures come
/// from), devices, up to `rows` processes, and the unattributed row. Names are untrusted
/// and made printable.
pub fn render(s: &Snapshot, origin: &str, sort: SortBy, rows: usize, width: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "hogwatch [{}]  {}   total {}",
        mode_line(s),
        rates(s.total.down_rate, s.total.up_rate),
        sizes(s.total.down_bytes, s.total.up_bytes),
    );
    match s.battery_refresh_s {
        Some(every) => {
            let line = format!("{origin} · on battery: refreshing every {every} s");
            let _ = writeln!(out, "{}", truncate(&line, width.max(20)));
        }
        None => {
            let _ = writeln!(out, "{}", truncate(origin, width.max(20)));
        }
    }
    if !s.status.is_empty() {
        let _ = writeln!(
            out,
            "! {}",
            truncate(&s.status, width.saturating_sub(2).max(20))
        );
    }
    let devs: Vec<String> = s
        .devices
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                truncate(&d.name, 15),
                rates(d.usage.down_rate, d.usage.up_rate)
            )
        })
        .collect();
    if !devs.is_empty() {
        let _ = writeln!(out, "devices: {}", devs.join("  |  "));
    }
    let _ = writeln!(
        out,
        "{:>7} {:<9} {:<11} {:>11} {:>11} {:>10} {:>10}  NAME",
        "PID",
        "USER",
        "DEVICE",
        format!("{DOWN} RATE"),
        format!("{UP} RATE"),
        format!("{DOWN} TOTAL"),
        format!("{UP} TOTAL")
    );
    let name_width = width.saturating_sub(78).max(12);
    for p in sorted(s, sort).into_iter().take(rows) {
        let devices: Vec<&str> = p.devices.iter().map(|d| d.name.as_str()).collect();
        let _ = writeln!(
            out,
            "{:>7} {:<9} {:<11} {:>11} {:>11} {:>10} {:>10}  {}",
            p.pid,
            truncate(&p.user, 9),
            truncate(&devices.join(","), 11),
            rate(p.usage.down_rate),
            rate(p.usage.up_rate),
            bytes(p.usage.down_bytes),
            bytes(p.usage.up_bytes),
            truncate(&p.name, name_width),
        );
    }
    let u = &s.unattributed;
    let _ = writeln!(
        out,
        "{:>7} {:<9} {:<11} {:>11} {:>11} {:>10} {:>10}  (unattributed)",
        "-",
        "-",
        "-",
        rate(u.down_rate),
        rate(u.up_rate),
        bytes(u.down_bytes),
        bytes(u.up_bytes),
    );
    out
}

fn terminal_size() -> (usize, usize) {
    let get = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    (get("COLUMNS", 120), get("LINES", 30))
}

/// Where the figures come from, for the header: this process's collector, or the
/// running hogwatch's it is attached to.
fn origin(link: &Link) -> String {
    if link.local && link.about.source == "service" {
        "taking the hogwatch system service's refreshes: no collector of its own".to_owned()
    } else if link.local {
        format!("collecting here ({})", link.about.source)
    } else {
        format!(
            "attached to {} (pid {}): no collector of its own",
            link.about.role.name(),
            link.about.pid
        )
    }
}

/// Runs `top` until `--count` refreshes, Ctrl-C, or the end of the stream (a replay is
/// over, the hogwatch it is attached to stopped).
pub async fn run(global: &Global, args: &TopArgs) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::new(global);
    settings.collector.record = args.record.clone();
    let opts = CoreOptions {
        role: Role::Top,
        server: None,
        alerts: false,
        exit_when_source_ends: true,
    };
    let mut link = match app::open(settings, opts, WhenRunning::Attach).await? {
        Opened::Local(l) | Opened::Attached(l) => l,
        Opened::HandedOver(answer) => {
            anyhow::bail!(
                "hogwatch already runs and cannot be attached to: {}",
                crate::web::links::without_fragments(&answer)
            )
        }
    };
    let origin = origin(&link);
    let tty = std::io::stdout().is_terminal() && !args.json;
    if !tty {
        eprintln!("hogwatch: {origin}");
    }
    let (width, height) = terminal_size();
    let rows = args.rows.unwrap_or(if tty {
        height.saturating_sub(7).max(5)
    } else {
        20
    });
    let mut seen = 0u64;
    let mut last_status = String::new();
    let mut last_problem = String::new();
    // SIGTERM stops the collector in order, as Ctrl-C does.
    let mut signals = app::signals::StopSignals::new();
    loop {
        let update = tokio::select! {
            u = link.updates.recv() => match u {
                Some(u) => u,
                None => break,
            },
            _ = signals.recv() => break,
        };
        if update.history_problem != last_problem {
            if !update.history_problem.is_empty() {
                eprintln!(
                    "hogwatch: {}",
                    crate::text::printable(&update.history_problem)
                );
            }
            last_problem.clone_from(&update.history_problem);
        }
        let snap = &update.refresh.snapshot;
        // An attached top starts with the core's latest refresh, which may be its
        // placeholder from before the first one.
        if snap.ts == 0 {
            continue;
        }
        if !tty && !args.json && snap.status != last_status && !snap.status.is_empty() {
            eprintln!("hogwatch: {}", crate::text::printable(&snap.status));
        }
        last_status.clone_from(&snap.status);
        let mut stdout = std::io::stdout().lock();
        let written = if args.json {
            serde_json::to_string(snap)
                .map_err(std::io::Error::other)
                .and_then(|j| writeln!(stdout, "{j}"))
        } else if tty {
            write!(
                stdout,
                "\x1b[H\x1b[2J{}",
                render(snap, &origin, args.sort, rows, width)
            )
        } else {
            writeln!(stdout, "{}", render(snap, &origin, args.sort, rows, width))
        };
        // A closed pipe (`| head`) ends top quietly.
        if written.and_then(|_| stdout.flush()).is_err() {
            break;
        }
        seen += 1;
        if args.count.is_some_and(|n| seen >= n) {
            break;
        }
    }
    // Stops the collector this top runs (its history is flushed), or detaches.
    link.stop().await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceUsage, Usage};

    fn proc(pid: u32, name: &str, rate_up: f64, up_bytes: u64) -> ProcessUsage {
        let usage = Usage {
            up_rate: rate_up,
            down_rate: 0.0,
            up_bytes,
            down_bytes: 0,
        };
        ProcessUsage {
            id: u64::from(pid),
            pid,
            name: name.into(),
            exe: String::new(),
            cmdline: String::new(),
            uid: 0,
            user: "root".into(),
            app: name.into(),
            app_name: name.into(),
            devices: vec![DeviceUsage {
                name: "eth0".into(),
                usage,
            }],
            usage,
        }
    }

    #[test]
    fn sorts_and_sanitises() {
        let mut s = Snapshot::empty(Mode::PerProcess, "");
        s.processes = vec![
            proc(1, "slow-but-big", 10.0, 9_000_000),
            proc(2, "fast\x1b[2J", 5000.0, 1000),
        ];
        let by_rate = render(&s, "collecting here (nethogs)", SortBy::Rate, 10, 120);
        let by_total = render(&s, "", SortBy::Total, 10, 120);
        let pos = |t: &str, n: &str| t.find(n).unwrap_or(usize::MAX);
        assert!(pos(&by_rate, "fast") < pos(&by_rate, "slow-but-big"));
        assert!(pos(&by_total, "slow-but-big") < pos(&by_total, "fast"));
        assert!(
            !by_rate.contains('\x1b'),
            "escape sequences from names must not reach the terminal"
        );
        assert!(by_rate.contains("(unattributed)"));
        assert!(by_rate.contains("8.58 MiB"));
        assert_eq!(
            render(&s, "", SortBy::Rate, 1, 120).matches("eth0").count(),
            1
        );
        assert!(by_rate.contains("collecting here (nethogs)"));
        // Down before up, in the header and the columns.
        let header = by_rate
            .lines()
            .find(|l| l.contains("PID"))
            .unwrap_or_default();
        assert!(header.find("↓ RATE") < header.find("↑ RATE"), "{header}");
    }
}
