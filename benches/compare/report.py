"""Medians and ranges over the runs, the table, the aims of issue 13, and the generated
part of BENCHMARKS.md (between BEGIN and END; the text around it is written by hand)."""

import os
import statistics

from scenarios import BY_NAME

BEGIN = "<!-- bench-compare: generated from here; `make bench-compare` rewrites it -->"
END = "<!-- bench-compare: end of the generated part -->"
LABELS = {
    "hogwatch-nethogs": "hogwatch `--source nethogs`",
    "hogwatch-ebpf": "hogwatch `--source ebpf`",
    "nethogs": "nethogs alone",
    "bandwhich": "bandwhich",
}


def one_line(r):
    """A progress line for one run."""
    head = f"run {r['run'] + 1} {r['scenario']:<11} {r['tool']:<16}"
    if not r["ok"]:
        return f"{head} FAILED: {r.get('error', '')[:300]}"

    def f(k, fmt="{:+.2f}"):
        return "-" if r.get(k) is None else fmt.format(r[k])
    kern = "" if r.get("kernel_pct") is None else f" (kernel {r['kernel_pct']:.3f})"
    return (f"{head} err {f('err_lo_pct')}…{f('err_hi_pct')}%  payload "
            f"{f('payload_pct', '{:.1f}')}%  unattributed {f('unattributed_pct', '{:.2f}')}%"
            f"  cpu {r['cpu_total_pct']:.2f}%{kern}  rss {r['rss_mb']:.1f} MB")


def stats(values):
    """(median, min, max) of the values that exist, or None."""
    v = [x for x in values if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v)


def num(fmt, x):
    """`fmt` of x, without a sign on a zero that rounding made negative."""
    text = fmt.format(x)
    return text.replace("-", "") if text.strip("-+0.%") == "" else text


def cell(values, fmt="{:.2f}"):
    s = stats(values)
    if s is None:
        return "–"
    med, lo, hi = s
    if len(values) == 1 or lo == hi:
        return num(fmt, med)
    return f"{num(fmt, med)} ({num(fmt, lo)} – {num(fmt, hi)})"


def err_cell(runs):
    """The lowest and the highest process of each run: medians, then the range."""
    lo = stats([r["err_lo_pct"] for r in runs])
    hi = stats([r["err_hi_pct"] for r in runs])
    if lo is None or hi is None:
        return "–"
    text = f"{lo[0]:+.2f} … {hi[0]:+.2f}"
    if len(runs) > 1:
        text += f" ({lo[1]:+.2f} … {hi[2]:+.2f})"
    return text


SHORT = {"hogwatch-helper": "helper"}


def of_which(runs):
    """Medians of the CPU of each process of the tree (and of the kernel programs), when
    the tree has more than one."""
    comms = sorted({c for r in runs for c in r.get("cpu_by_comm", {})})
    parts = []
    if any(r.get("kernel_pct") is not None for r in runs):
        parts.append("kernel programs " + cell([r.get("kernel_pct") for r in runs], "{:.3f}")
                     .split(" (")[0])
    if len(comms) > 1 or parts:
        for c in comms:
            med = stats([r.get("cpu_by_comm", {}).get(c, 0) for r in runs])[0]
            parts.append(f"{SHORT.get(c, c)} {med:.2f}")
    return ", ".join(parts)


def group(results, scenario, tool):
    return [r for r in results if r["scenario"] == scenario and r["tool"] == tool]


def failures(runs):
    bad = [r for r in runs if not r["ok"]]
    if not bad:
        return ""
    first = bad[0].get("error", "").splitlines()[0][:200] if bad[0].get("error") else ""
    return f"{len(bad)} of {len(runs)} runs failed: {first}"


def aims(results):
    """[(aim, what was measured, verdict)] for the aims of issue 13 (hogwatch-ebpf)."""
    rows = []

    def ok_runs(scen, tool="hogwatch-ebpf"):
        return [r for r in group(results, scen, tool) if r["ok"]]

    def verdict(checks):
        if not checks:
            return "not measured"
        n = sum(checks)
        if n == len(checks):
            return "**met**" + (f" (all {n} runs)" if n > 1 else "")
        return f"**not met** ({n} of {len(checks)} runs)" if n else "**not met**"

    runs = ok_runs("short200")
    if runs or group(results, "short200", "hogwatch-ebpf"):
        rows.append(("200 short-lived connections: ≥ 99% of each process's bytes "
                     "(each process ≥ −1% of its payload)",
                     "lowest process " + cell([r["err_lo_pct"] for r in runs], "{:+.2f}%"),
                     verdict([r["err_lo_pct"] is not None and r["err_lo_pct"] >= -1
                              for r in runs]),
                     "all processes " + cell([r["payload_pct"] for r in
                                              ok_runs("short200", "nethogs")], "{:.1f}%")))
    for scen in ("tcp", "udp", "two_devices", "flows50"):
        runs = ok_runs(scen)
        if not runs and not group(results, scen, "hogwatch-ebpf"):
            continue
        rows.append((f"{scen}: each process within +0 … +6% of its payload",
                     err_cell(runs) if runs else "–",
                     verdict([r["err_lo_pct"] is not None and r["err_lo_pct"] >= 0
                              and r["err_hi_pct"] <= 6 for r in runs]),
                     err_cell(ok_runs(scen, "nethogs")) or "–"))
        rows.append((f"{scen}: ≥ 99% of the device's bytes attributed",
                     "unattributed " + cell([r["unattributed_pct"] for r in runs], "{:.2f}%"),
                     verdict([r["unattributed_pct"] is not None
                              and r["unattributed_pct"] <= 1 for r in runs]),
                     "unattributed " + cell([r["unattributed_pct"] for r in
                                             ok_runs(scen, "nethogs")], "{:.2f}%")))
    for scen, limit, what in (("conns40", 3, "40 new connections a second"),
                              ("idle", 0.3, "idle"), ("steady2m", 1, "steady 2 MB/s")):
        runs = ok_runs(scen)
        if not runs and not group(results, scen, "hogwatch-ebpf"):
            continue
        valid = [r for r in runs if r.get("kernel_pct") is not None]
        rows.append((f"{what}: hogwatch + helper + kernel programs ≤ {limit}% of one core",
                     cell([r["cpu_total_pct"] for r in valid], "{:.2f}%"),
                     verdict([r["cpu_total_pct"] <= limit for r in valid]),
                     cell([r["cpu_total_pct"] for r in ok_runs(scen, "nethogs")], "{:.2f}%")))
    return rows


def markdown(meta, results, scenarios, tools):
    m = meta
    out = [BEGIN, "",
           f"Measured {m['date']} on Linux {m['kernel']}, {m['cpu']}, {m['cores']} cores; "
           f"nethogs {m.get('nethogs', '?')}, {m.get('bandwhich', 'bandwhich: not run')}, "
           f"hogwatch {m['hogwatch']} ({m.get('build', 'release')} build). "
           f"{m['runs']} run(s) of each scenario and tool" + (f", {m['minutes']} min in all" if "minutes" in m else "")
           + ". Cells: median (min – max) over the runs.", ""]
    out += ["| scenario | tool | each process vs its payload, % | all processes / payload, % "
            "| unattributed, % of the device | CPU, % of one core | of which (medians) "
            "| peak RSS, MiB |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for s in scenarios:
        for t in tools:
            runs = group(results, s, t)
            if not runs:
                continue
            ok = [r for r in runs if r["ok"]]
            name = f"**{s}**" if t == tools[0] else ""
            if not ok:
                out.append(f"| {name} | {LABELS[t]} | cannot: {failures(runs)} | | | | | |")
                continue
            kern = of_which(ok)
            note = f" ({failures(runs)})" if failures(runs) else ""
            out.append(
                f"| {name} | {LABELS[t]}{note} | {err_cell(ok)} "
                f"| {cell([r['payload_pct'] for r in ok], '{:.1f}')} "
                f"| {cell([r['unattributed_pct'] for r in ok])} "
                f"| {cell([r['cpu_total_pct'] for r in ok])} | {kern} "
                f"| {cell([r['rss_mb'] for r in ok], '{:.1f}')} |")
    out += ["", "Scenarios:", ""]
    out += [f"- **{s}**: {BY_NAME[s].title}" for s in scenarios]
    rows = aims(results)
    if rows:
        out += ["", "The aims of issue 13 (hogwatch `--source ebpf`):", "",
                "| aim | measured (median, range) | verdict | nethogs alone, same runs |",
                "| --- | --- | --- | --- |"]
        out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out += ["", END]
    return "\n".join(out)


def write(path, text):
    """Replaces the generated part of `path` (or writes the file with it alone)."""
    old = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = text + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(new)
    os.replace(path + ".tmp", path)
