//! Core benchmarks: parser throughput and one accountant refresh (sample applied, snapshot
//! and what moved built) with 5,000 processes.
//! `cargo bench --bench core`; criterion prints the median time per iteration and the
//! throughput (elements/s = lines/s for the parser).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hogwatch::clock::Mono;
use hogwatch::collect::accountant::{Accountant, AccountantConfig};
use hogwatch::collect::lookup::NoProcs;
use hogwatch::collect::nethogs::trace::parse_line;
use hogwatch::collect::sample::{DeviceSample, ProcessCount, UnattributedCount};
use std::hint::black_box;

fn parser(c: &mut Criterion) {
    // A realistic mix: records with long and odd names, exponents, pid-0 lines, markers.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/nethogs");
    let mut lines: Vec<String> = Vec::new();
    for f in [
        "trace_v2_names_spaces_uid.txt",
        "trace_multidev_both.txt",
        "trace_capnetraw_only_hash_names.txt",
        "trace_v2_C_udp_connected.txt",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{f}")).unwrap_or_default();
        lines.extend(text.lines().map(str::to_owned));
    }
    let mut g = c.benchmark_group("parser");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("parse_line", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(parse_line(black_box(l)));
            }
        })
    });
    g.finish();
}

fn block_of(n: u32, at: u64, scale: u64) -> DeviceSample {
    DeviceSample {
        device: "eth0".into(),
        at: Mono(at),
        processes: (1..=n)
            .map(|pid| ProcessCount {
                name: format!("/usr/lib/app{}/bin/worker", pid % 97),
                pid,
                uid: 1000,
                sent: u64::from(pid) * scale,
                received: u64::from(pid) * 3 * scale,
            })
            .collect(),
        unattributed: vec![UnattributedCount {
            label: "unknown TCP".into(),
            sent: scale,
            received: 0,
        }],
    }
}

fn accountant(c: &mut Criterion) {
    const N: u32 = 5_000;
    let mut g = c.benchmark_group("accountant");
    // One refresh = a 5,000-record block applied + the snapshot built from it.
    g.bench_function("refresh_5000_processes", |b| {
        b.iter_batched(
            || {
                let mut a = Accountant::new(AccountantConfig::default());
                a.set_devices(&["eth0".into()]);
                a.epoch("eth0", Mono(0));
                a.observe_counters("eth0", 0, 0, Mono(0));
                for i in 1..=3u64 {
                    a.apply(&block_of(N, i * 1000, i * 100), &mut NoProcs);
                    a.observe_counters("eth0", i * 10_000_000, i * 5_000_000, Mono(i * 1000));
                    a.refresh(Mono(i * 1000), 0);
                }
                let next = block_of(N, 4000, 400);
                (a, next)
            },
            |(mut a, next)| {
                a.apply(&next, &mut NoProcs);
                black_box(a.refresh(Mono(4000), 0));
                a
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, parser, accountant);
criterion_main!(benches);
