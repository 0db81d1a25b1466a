#!/usr/bin/env python3
"""`make bench-compare`: hogwatch (both backends), nethogs and bandwhich on the same real
traffic, side by side (issue 13). As root:

    python3 benches/compare/run.py --bandwhich PATH [--runs 3] [--quick]
        [--scenarios tcp,udp,…] [--tools hogwatch-ebpf,nethogs,…] [--out FILE]

For every run, scenario and tool (in that nesting, so that a drift of the machine's load
spreads over all tools alike): fresh namespaces (lab.py), the scenario's servers in the
peers, the tool in H, ready and past its first refreshes; then the window: the tool's
process tree's CPU ticks and (hogwatch-ebpf) its kernel programs' run time are read, the
clients run in H until each is done (idle: 15 s pass), and both are read again. After the
tool's last refreshes, /proc/net/dev of H is read again, the tree's peak RSS, and the
tool is stopped. Everything started is stopped and the namespaces deleted, on every exit
path (^C and SIGTERM included).

Writes target/bench-compare/runs.json (every run, raw), prints the table and rewrites the
generated part of BENCHMARKS.md (between its markers). With --quick (1 run, a 10 s
conns40) or a subset of scenarios or tools, the table goes to
target/bench-compare/BENCHMARKS.partial.md instead, unless --out says otherwise.
Exit status 0 when the benchmark ran, whether or not the aims were met.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import lab as labmod  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402
from scenarios import BY_NAME, SCENARIOS  # noqa: E402
from tools import TOOLS, UNITS, count_refreshes  # noqa: E402

TCPGEN = os.path.join(ROOT, "tests", "support", "tcpgen.py")
CONNS = os.path.join(HERE, "conns.py")
WORK = os.path.join(ROOT, "target", "bench-compare")
READY_TIMEOUT = 30  # s for a tool to be ready (hogwatch: per-process mode)
REFRESH_TIMEOUT = 20  # s for the refreshes a tool needs before and after the traffic


class Interrupted(Exception):
    pass


class Ctx:
    """Paths of the tools, and the per-client python3 names."""

    def __init__(self, args):
        self.hogwatch = os.path.abspath(args.hogwatch)
        self.bandwhich = os.path.abspath(args.bandwhich) if args.bandwhich else ""
        self.nethogs = shutil.which("nethogs") or "/usr/sbin/nethogs"
        self.quick = args.quick
        self.bin = os.path.join(WORK, "bin")
        self.python = os.path.realpath(sys.executable)
        os.makedirs(self.bin, exist_ok=True)

    def py(self, name):
        """python3 under the name `name` (a symlink, so /proc/PID/comm is `name`)."""
        link = os.path.join(self.bin, name)
        if os.path.realpath(link) != self.python:
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(self.python, link)
        return link

    def home_env(self):
        """A fresh HOME with private XDG folders for one hogwatch (its own per-user socket,
        so it never attaches to another hogwatch); deleted after the run."""
        self.home = tempfile.mkdtemp(prefix="home-", dir=WORK)
        for sub in ("config", "data", "cache", "state", "runtime"):
            os.makedirs(os.path.join(self.home, sub), mode=0o700)
        env = dict(os.environ)
        env.update(HOME=self.home, RUST_BACKTRACE="0",
                   **{f"XDG_{k}_HOME": os.path.join(self.home, k.lower())
                      for k in ("CONFIG", "DATA", "CACHE", "STATE")},
                   XDG_RUNTIME_DIR=os.path.join(self.home, "runtime"))
        return env


def dev_bytes(before, after, devices, header):
    """Bytes over `devices` between two /proc/net/dev readings, less `header` bytes a
    packet, and the packets: (bytes, packets)."""
    total = packets = 0
    for d in devices:
        b, a = before[d], after[d]
        for i in (0, 2):  # rx, tx
            n = a[i + 1] - b[i + 1]
            total += (a[i] - b[i]) - header * n
            packets += n
    return total, packets


def start_servers(ctx, lab, scen, bound):
    addrs = []
    for i, s in enumerate(scen.servers):
        ns, ip = lab.peer(s.peer)
        port = 5001 + i
        sub = "tcp-server" if s.kind == "tcp" else "udp-sink"
        r = lab.spawn(ns, [ctx.py(f"hws{i}"), TCPGEN, sub, "--bind", ip, "--port", str(port),
                           "--timeout", str(bound), *s.args])
        if not r.wait_for(lambda ls: any('"listening"' in x for x in ls), 10):
            raise RuntimeError(f"server {i} not listening: {r.stderr_tail()}")
        addrs.append(f"{ip}:{port}")
    return addrs


def start_clients(ctx, lab, scen, addrs, bound):
    clients = []
    for ci, c in enumerate(scen.clients):
        args = scen.quick_args.get(ci, c.args) if ctx.quick else c.args
        for _ in range(c.count):
            name = f"hwc{len(clients)}"
            if c.kind == "conns":
                argv = [CONNS]
            else:
                argv = [TCPGEN, "tcp-client" if c.kind == "tcp" else "udp-client",
                        "--progress", "0"]
            argv = [ctx.py(name), *argv, "--connect", addrs[c.server], "--timeout",
                    str(bound), *args]
            clients.append((name, lab.spawn(lab.h, argv)))
    return clients


def client_truth(clients, deadline):
    """Each client's `done` line: [{name, pid, sent, received}]; raises when one fails."""
    out = []
    for name, r in clients:
        left = max(0.1, deadline - time.monotonic())
        if not r.wait_for(lambda ls: any('"done"' in x for x in ls), left):
            raise RuntimeError(f"client {name} did not finish: {r.stderr_tail()}")
        done = next(json.loads(x) for x in r.snapshot() if '"done"' in x)
        out.append({"name": name, "pid": done["pid"], "sent": done["sent"],
                    "received": done["received"]})
    return out


def window_reading(ctx, tool, root):
    """(time, ticks by comm over the tool's tree, its kernel programs' statistics)."""
    ticks = measure.tree_ticks_by_comm(root)
    kernel = None
    if tool.name == "hogwatch-ebpf":
        ids = measure.prog_ids(measure.tree(root))
        ns, runs, names = measure.prog_stats(ids)
        kernel = {"ids": ids, "names": names, "run_ns": ns, "runs": runs,
                  "stats_on": ctx.stats.on()}
    return time.monotonic(), ticks, kernel


def one_run(ctx, scen, tool, run_no):
    res = {"scenario": scen.name, "tool": tool.name, "run": run_no, "ok": False}
    seconds = 10 if (ctx.quick and scen.name == "conns40") else scen.seconds
    bound = int(seconds * 3 + 60)
    lab = labmod.Lab()
    ctx.home = None
    try:
        devices = [lab.device(i) for i in scen.devices]
        addrs = start_servers(ctx, lab, scen, bound + 60)
        dev0 = measure.netns_dev(lab.h)
        r = lab.spawn(lab.h, tool.argv(ctx, devices), env=tool.env(ctx))
        root = r.proc.pid
        if not r.wait_for(tool.ready, READY_TIMEOUT):
            got = tool.parse(r.snapshot())
            raise RuntimeError(f"{tool.name} not ready in {READY_TIMEOUT} s "
                               f"({got.status or 'no output'}): {r.stderr_tail()[-600:]}")
        n = count_refreshes(r.snapshot(), tool.kind)
        if not r.wait_for(lambda ls: count_refreshes(ls, tool.kind) >= n + tool.before,
                          REFRESH_TIMEOUT):
            raise RuntimeError(f"{tool.name} stopped refreshing: {r.stderr_tail()}")

        t0, ticks0, k0 = window_reading(ctx, tool, root)
        clients = start_clients(ctx, lab, scen, addrs, bound)
        if clients:
            truth = client_truth(clients, t0 + seconds * 2 + 30)
        else:
            time.sleep(seconds)  # idle: the window is the wait itself
            truth = []
        t1, ticks1, k1 = window_reading(ctx, tool, root)

        n = count_refreshes(r.snapshot(), tool.kind)
        if not r.wait_for(lambda ls: count_refreshes(ls, tool.kind) >= n + tool.after,
                          REFRESH_TIMEOUT):
            raise RuntimeError(f"{tool.name} stopped refreshing: {r.stderr_tail()}")
        dev1 = measure.netns_dev(lab.h)
        hwm = measure.tree_hwm_kib(root)
        lab.stop(r.proc, tool.stop_signal)
        lines = r.snapshot()
        att = tool.parse(lines)
        keep(f"{run_no + 1}-{scen.name}-{tool.name}", lines, r.stderr_tail())

        wall = t1 - t0
        res.update(figures(tool, truth, att, dev0, dev1, devices, wall))
        res.update(seconds=round(wall, 2), status=att.status,
                   cpu_pct=pct(sum(ticks1.values()) - sum(ticks0.values()), wall),
                   cpu_by_comm={c: pct(t - ticks0.get(c, 0), wall) for c, t in ticks1.items()},
                   rss_mb=round(sum(k for _, k in hwm.values()) / 1024, 1),
                   tree={str(p): {"comm": c, "hwm_kib": k} for p, (c, k) in hwm.items()})
        if k0 is not None:
            ok = (k0["stats_on"] and k1["stats_on"] and k0["ids"] == k1["ids"] and k0["ids"]
                  and k1["run_ns"] >= k0["run_ns"])
            res["kernel"] = {"prog_ids": k1["ids"], "names": k1["names"],
                             "runs": k1["runs"] - k0["runs"],
                             "run_ns": k1["run_ns"] - k0["run_ns"], "valid": bool(ok)}
            res["kernel_pct"] = (round((k1["run_ns"] - k0["run_ns"]) / 1e9 / wall * 100, 3)
                                 if ok else None)
        res["cpu_total_pct"] = round(res["cpu_pct"] + (res.get("kernel_pct") or 0), 3)
        res["stderr_tail"] = r.stderr_tail()[-2000:]
        res["ok"] = True
    except (RuntimeError, subprocess.SubprocessError, OSError, ValueError, KeyError) as e:
        res["error"] = str(e)[:1500]
    finally:
        lab.close()
        if ctx.home:
            shutil.rmtree(ctx.home, ignore_errors=True)
    return res


def pct(ticks, wall):
    """Clock ticks over `wall` seconds as % of one core."""
    return round(ticks / measure.CLK_TCK / wall * 100, 3)


def keep(name, lines, stderr):
    """The tool's whole output, for a look after the fact (target/bench-compare/raw/)."""
    d = os.path.join(WORK, "raw")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n--- stderr (last lines) ---\n" + stderr + "\n")


def figures(tool, truth, att, dev0, dev1, devices, wall):
    """Per-process error against the payload, the unattributed share of the device."""
    procs = []
    for t in truth:
        key = t["name"] if tool.by_name else t["pid"]
        up, down = (att.by_name if tool.by_name else att.by_pid).get(key, [0, 0])
        payload = t["sent"] + t["received"]
        err = (up + down) / payload * 100 - 100 if payload else None
        procs.append({**t, "up": up, "down": down,
                      "err_pct": None if err is None else round(err, 3)})
    ref, packets = dev_bytes(dev0, dev1, devices, UNITS[tool.unit])
    attributed = sum(att.attributed())
    errs = [p["err_pct"] for p in procs if p["err_pct"] is not None]
    payload = sum(p["sent"] + p["received"] for p in procs)
    return {
        "processes": procs,
        "err_lo_pct": min(errs) if errs else None,
        "err_hi_pct": max(errs) if errs else None,
        "payload_pct": round(sum(p["up"] + p["down"] for p in procs) / payload * 100, 3)
        if payload else None,
        "device_bytes": ref, "device_packets": packets, "unit": tool.unit,
        "attributed_bytes": attributed, "tool_unknown_bytes": sum(att.unknown),
        # Under 1 kB on the device (idle: ARP-less veths carry nothing) there is no share.
        "unattributed_pct": round((ref - attributed) / ref * 100, 3) if ref > 1000 else None,
    }


def machine():
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                                  cwd=ROOT).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "")
    dirty = out(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "kernel": os.uname().release, "cpu": cpu, "cores": os.cpu_count(),
        "nethogs": out(["nethogs", "-V"]).replace("version", "").strip(),
        "hogwatch": out(["git", "rev-parse", "--short", "HEAD"]) + (" (+ changes)" if dirty
                                                                    else ""),
    }


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--quick", action="store_true", help="1 run, conns40 for 10 s")
    p.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--hogwatch", default=os.path.join(ROOT, "target", "release", "hogwatch"))
    p.add_argument("--bandwhich", default="")
    p.add_argument("--out", default="")
    args = p.parse_args(argv)
    if args.quick:
        args.runs = 1
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    args.tools = [t for t in args.tools.split(",") if t]
    for s in args.scenarios:
        if s not in BY_NAME:
            p.error(f"unknown scenario {s} (known: {', '.join(BY_NAME)})")
    for t in args.tools:
        if t not in TOOLS:
            p.error(f"unknown tool {t} (known: {', '.join(TOOLS)})")
    full = (not args.quick and args.runs >= 3 and len(args.scenarios) == len(SCENARIOS)
            and len(args.tools) == len(TOOLS))
    if not args.out:
        args.out = (os.path.join(ROOT, "BENCHMARKS.md") if full
                    else os.path.join(WORK, "BENCHMARKS.partial.md"))
    return args


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("bench-compare: needs root (network namespaces, nethogs, eBPF)")
    if "bandwhich" in args.tools and not os.access(args.bandwhich or "/nonexistent", os.X_OK):
        sys.exit("bench-compare: --bandwhich PATH is needed (make bench-compare installs it)")
    if not os.access(args.hogwatch, os.X_OK):
        sys.exit(f"bench-compare: no {args.hogwatch}: cargo build --release")

    def interrupt(signum, _frame):
        raise Interrupted(f"signal {signum}")
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, interrupt)

    os.makedirs(WORK, exist_ok=True)
    ctx = Ctx(args)
    meta = machine()
    if ctx.bandwhich:
        meta["bandwhich"] = subprocess.run([ctx.bandwhich, "--version"], capture_output=True,
                                           text=True, timeout=10).stdout.strip()
    meta.update(runs=args.runs, quick=args.quick,
                build="release" if "/release/" in ctx.hogwatch else ctx.hogwatch)
    results = []
    json_path = os.path.join(WORK, "runs.json")
    labmod.remove_stale()
    start = time.monotonic()
    try:
        with measure.BpfStats() as ctx.stats:
            meta["bpf_stats"] = ctx.stats.how()
            for run_no in range(args.runs):
                for s in args.scenarios:
                    for t in args.tools:
                        res = one_run(ctx, BY_NAME[s], TOOLS[t], run_no)
                        results.append(res)
                        print(report.one_line(res), flush=True)
                        with open(json_path, "w") as f:
                            json.dump({"machine": meta, "runs": results}, f, indent=1)
    except (KeyboardInterrupt, Interrupted) as e:
        print(f"bench-compare: interrupted ({e or 'SIGINT'}); everything it started is "
              "stopped", flush=True)
        return 130
    meta["minutes"] = round((time.monotonic() - start) / 60, 1)
    with open(json_path, "w") as f:
        json.dump({"machine": meta, "runs": results}, f, indent=1)
    text = report.markdown(meta, results, args.scenarios, args.tools)
    print(text)
    report.write(args.out, text)
    print(f"bench-compare: {len(results)} runs in {meta['minutes']} min; raw runs in "
          f"{os.path.relpath(json_path, ROOT)}, table in {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
