//! `--source ebpf` where the eBPF backend cannot run (kernel too old, no BTF, lockdown, a
//! helper built without it, no route to root): nethogs takes over, and every status it
//! sends says why eBPF is not in use, so the status line (tray menu, `top`, the dashboard)
//! shows it for as long as nethogs runs.

use super::super::ebpf::{self, Ended};
use super::super::nethogs;
use super::super::sample::{Event, SourceCommand, SourceStatus};
use crate::clock::SystemClock;
use tokio::sync::mpsc;

/// Runs the eBPF source; if it ends as unavailable, runs nethogs on the same devices.
pub async fn ebpf_or_nethogs(
    opts: ebpf::Options,
    clock: SystemClock,
    events: mpsc::Sender<Event>,
    mut commands: mpsc::Receiver<SourceCommand>,
) {
    let why = match ebpf::run(opts.clone(), clock.clone(), events.clone(), &mut commands).await {
        Ended::Stopped => return,
        Ended::Unavailable(why) => why,
    };
    tracing::warn!(
        "eBPF backend unavailable, using nethogs: {}",
        crate::text::printable(&why)
    );
    let (tx, mut rx) = mpsc::channel(64);
    let nethogs_opts = nethogs::Options {
        interval_s: opts.interval_s,
        elevate: opts.elevate,
        devices: opts.devices,
    };
    let nethogs = nethogs::run(nethogs_opts, clock, tx, commands);
    // Everything nethogs says goes on unchanged but its status, which gains the reason.
    let forward = async move {
        while let Some(event) = rx.recv().await {
            let event = match event {
                Event::Status(st) => Event::Status(with_reason(st, &why)),
                other => other,
            };
            if events.send(event).await.is_err() {
                break;
            }
        }
    };
    tokio::join!(nethogs, forward);
}

/// nethogs' status, saying that it stands in for eBPF and why.
pub fn with_reason(st: SourceStatus, why: &str) -> SourceStatus {
    let reason = match st.reason.is_empty() {
        true => format!("eBPF unavailable, using nethogs: {why}"),
        false => format!("{} (eBPF unavailable: {why})", st.reason),
    };
    SourceStatus {
        mode: st.mode,
        reason,
        health: st.health,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;

    #[test]
    fn the_status_says_why_ebpf_is_not_used() {
        let ok = SourceStatus {
            mode: Mode::PerProcess,
            reason: String::new(),
            health: Default::default(),
        };
        let st = with_reason(ok, "no kernel BTF");
        assert_eq!(st.mode, Mode::PerProcess);
        assert_eq!(st.reason, "eBPF unavailable, using nethogs: no kernel BTF");
        let off = SourceStatus {
            mode: Mode::TotalsOnly,
            reason: "nethogs is not installed".into(),
            health: Default::default(),
        };
        let st = with_reason(off, "needs root");
        assert_eq!(st.mode, Mode::TotalsOnly);
        assert_eq!(
            st.reason,
            "nethogs is not installed (eBPF unavailable: needs root)"
        );
    }
}
