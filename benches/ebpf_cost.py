#!/usr/bin/env python3
"""What the eBPF helper costs alone (issue 13, from the spike; `make bench-compare`
compares the whole of hogwatch on both backends with nethogs and bandwhich).

Usage (root; run it inside a fresh network namespace so that the traffic is its own):
    ip netns add hwb && ip -n hwb link set lo up
    ip netns exec hwb python3 benches/ebpf_cost.py HELPER SCENARIO SECONDS
    ip netns del hwb

HELPER is a hogwatch-helper built with `--features ebpf`. SCENARIO:
- idle: no traffic of ours;
- conns40: 40 new TCP connections a second on loopback, 10 kB each way up;
- steady2m: one TCP connection on loopback paced at 2 MB/s;
- bulk: one TCP connection on loopback, as fast as it goes (for ns per packet).

It prints one JSON line: the helper's CPU (utime + stime from /proc) and the kernel
programs' (run_time_ns of each program, kept by the kernel while its BPF statistics are
on: this script holds them on for the run, see BpfStats in compare/measure.py), both as %
of one core over SECONDS, plus run counts, bytes moved and the helper's resident memory
(peak and at the end). The kernel programs run for every packet of the machine, not only
ours: other traffic meanwhile is in the figures too.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare"))
from measure import BpfStats, cpu_seconds, status_kib  # noqa: E402
from measure import prog_stats as _prog_stats  # noqa: E402


def prog_stats(ids):
    run_ns, runs, _ = _prog_stats(ids)
    return run_ns, runs


def server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(128)

    def serve(conn):
        with conn:
            while conn.recv(1 << 16):
                pass

    def accept():
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return srv.getsockname()


def traffic(scenario, addr, seconds, moved):
    end = time.monotonic() + seconds
    if scenario == "idle":
        time.sleep(seconds)
    elif scenario == "conns40":
        tick = time.monotonic()
        while tick < end:
            with socket.create_connection(addr) as c:
                c.sendall(b"c" * 10_000)
            moved[0] += 10_000
            tick += 1 / 40
            time.sleep(max(0.0, tick - time.monotonic()))
    elif scenario in ("steady2m", "bulk"):
        chunk = b"s" * 20_000
        with socket.create_connection(addr) as c:
            tick = time.monotonic()
            while time.monotonic() < end:
                c.sendall(chunk)
                moved[0] += len(chunk)
                if scenario == "steady2m":
                    tick += len(chunk) / 2_000_000
                    time.sleep(max(0.0, tick - time.monotonic()))
    else:
        sys.exit(f"unknown scenario {scenario}")


def main():
    helper, scenario, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    stats = BpfStats().__enter__()
    proc = subprocess.Popen([helper, "--backend", "ebpf", "--interval", "1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ids = []
        for line in proc.stdout:
            if line.startswith("prog "):
                ids.append(int(line.split()[2]))
            if line.startswith("ready"):
                break
        lines = []
        threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True).start()
        addr = server()
        cpu0, (ns0, runs0) = cpu_seconds(proc.pid), prog_stats(ids)
        moved, t0 = [0], time.monotonic()
        traffic(scenario, addr, seconds, moved)
        wall = time.monotonic() - t0
        cpu1, (ns1, runs1) = cpu_seconds(proc.pid), prog_stats(ids)
        print(json.dumps({
            "scenario": scenario,
            "seconds": round(wall, 2),
            "helper_cpu_pct": round((cpu1 - cpu0) / wall * 100, 3),
            "kernel_cpu_pct": round((ns1 - ns0) / 1e9 / wall * 100, 3),
            "kernel_runs": runs1 - runs0,
            "kernel_ns_per_run": round((ns1 - ns0) / max(1, runs1 - runs0), 1),
            "payload_bytes": moved[0],
            "helper_peak_rss_kib": status_kib(proc.pid, "VmHWM"),
            "helper_rss_kib": status_kib(proc.pid, "VmRSS"),
        }))
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        stats.__exit__(None, None, None)


if __name__ == "__main__":
    main()
