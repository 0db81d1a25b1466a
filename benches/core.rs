//! Core benchmarks: parser throughput and one accountant refresh with 5,000 processes.
//! `cargo bench --bench core`; criterion prints the median time per iteration and the
//! throughput (elements/s = lines/s for the parser).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hogwatch::clock::Mono;
use hogwatch::collect::accountant::{Accountant, AccountantConfig, NoProcs};
use hogwatch::collect::blocks::Block;
use hogwatch::collect::trace::{parse_line, Record};
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

fn block_of(n: u32, at: u64, scale: f64) -> Block {
    Block {
        at: Mono(at),
        processes: (1..=n)
            .map(|pid| Record {
                name: format!("/usr/lib/app{}/bin/worker", pid % 97),
                pid,
                uid: 1000,
                sent: f64::from(pid) * scale,
                received: f64::from(pid) * 3.0 * scale,
            })
            .collect(),
        unattributed: vec![Record {
            name: "unknown TCP".into(),
            pid: 0,
            uid: 0,
            sent: scale,
            received: 0.0,
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
                a.generation_start("eth0", Mono(0));
                a.observe_counters("eth0", 0, 0, Mono(0));
                for i in 1..=3u64 {
                    a.apply_block(
                        "eth0",
                        &block_of(N, i * 1000, i as f64 * 100.0),
                        &mut NoProcs,
                    );
                    a.observe_counters("eth0", i * 10_000_000, i * 5_000_000, Mono(i * 1000));
                }
                let next = block_of(N, 4000, 400.0);
                (a, next)
            },
            |(mut a, next)| {
                a.apply_block("eth0", &next, &mut NoProcs);
                black_box(a.snapshot(Mono(4000), 0));
                a
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, parser, accountant);
criterion_main!(benches);
