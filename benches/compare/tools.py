"""The four tools compared by `make bench-compare`: how each is started in namespace H,
when it is ready, and what its output says each process moved (pure parsers, unit-tested
in test_tools.py).

| tool | command (inside H, as root) | counts |
| --- | --- | --- |
| hogwatch-nethogs | `hogwatch top --json --source nethogs --elevate none --no-history …` | what nethogs counts |
| hogwatch-ebpf | `hogwatch top --json --source ebpf --elevate none --no-history …` | IP packets |
| nethogs | `nethogs -t -v 2 -C -d 1 DEV…` (hogwatch's own flags: cumulative bytes, UDP too) | Ethernet frames |
| bandwhich | `bandwhich --raw --no-resolve --processes [-i DEV]` | IP payloads (transport header + data) |

What each counts decides the device reference its unattributed share is taken against
(`UNITS`): /proc/net/dev's bytes are frames; on a veth each frame carries a 14 B Ethernet
header and (IPv4, no options) a 20 B IP header.
"""

import json
import re

# The tool's unit → bytes of header per packet to take off /proc/net/dev's frame bytes.
UNITS = {"frames": 0, "ip": 14, "ip-payload": 34}


class Attribution:
    """What a tool said: per-process cumulative (up, down) bytes, keyed by pid (or by name
    for bandwhich, which prints no pid), the unattributed bytes it showed, and notes."""

    def __init__(self):
        self.by_pid = {}      # pid → [up, down]
        self.by_name = {}     # name → [up, down]
        self.unknown = [0, 0]  # bytes the tool shows under no process
        self.status = ""

    def attributed(self):
        """(up, down) over every process the tool names (the unattributed line excluded)."""
        src = self.by_pid if self.by_pid else self.by_name
        return [sum(v[0] for v in src.values()), sum(v[1] for v in src.values())]


# ------------------------------------------------------------------------------ parsers

def parse_hogwatch(lines):
    """`top --json` snapshots: processes' cumulative bytes (the largest seen per pid, so a
    process that left the table still counts), the last mode and status."""
    a = Attribution()
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            snap = json.loads(line)
        except ValueError:
            continue
        a.status = f"{snap.get('mode', '')}: {snap.get('status', '')}"
        un = snap.get("unattributed", {})
        a.unknown = [un.get("up_bytes", 0), un.get("down_bytes", 0)]
        for p in snap.get("processes", []):
            pid = p.get("pid", 0)
            cur = [p.get("up_bytes", 0), p.get("down_bytes", 0)]
            if pid == 0:
                continue
            old = a.by_pid.setdefault(pid, [0, 0])
            a.by_pid[pid] = [max(old[0], cur[0]), max(old[1], cur[1])]
            a.by_name[p.get("name", "")] = a.by_pid[pid]
    return a


def hogwatch_mode(line):
    """The `mode` of one snapshot line, or None when the line is not a snapshot."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        return json.loads(line).get("mode", "")
    except ValueError:
        return None


def parse_nethogs(lines):
    """`nethogs -t -v 2` blocks: `NAME/PID/UID<TAB>SENT<TAB>RECEIVED`, cumulative bytes
    (floats). pid 0 lines (`unknown TCP`, `IP:port-IP:port`) are unattributed."""
    seen = {}  # (name, pid) → [sent, received], the largest of each
    for line in lines:
        parts = line.rsplit("\t", 2)
        if len(parts) != 3:
            continue
        head = parts[0].rsplit("/", 2)
        if len(head) != 3:
            continue
        try:
            pid, sent, recv = int(head[1]), float(parts[1]), float(parts[2])
        except ValueError:
            continue
        old = seen.setdefault((head[0], pid), [0.0, 0.0])
        seen[(head[0], pid)] = [max(old[0], sent), max(old[1], recv)]
    a = Attribution()
    for (name, pid), (up, down) in seen.items():
        if pid == 0:
            a.unknown = [a.unknown[0] + round(up), a.unknown[1] + round(down)]
            continue
        cur = a.by_pid.setdefault(pid, [0, 0])
        cur[0] += round(up)
        cur[1] += round(down)
        a.by_name[name] = cur
    return a


_BANDWHICH = re.compile(
    r'^process: <\d+> "(.*)" up/down Bps: (\d+)/(\d+) connections: \d+$')


def parse_bandwhich(lines):
    """`bandwhich --raw` process lines, summed over every refresh: each line is the mean of
    the last 5 one-second intervals, so with 5 refreshes before and after the traffic the
    sum counts each byte once (less integer division). `<UNKNOWN>` is unattributed."""
    a = Attribution()
    for line in lines:
        m = _BANDWHICH.match(line.strip())
        if not m:
            continue
        name, up, down = m.group(1), int(m.group(2)), int(m.group(3))
        if name == "<UNKNOWN>":
            a.unknown = [a.unknown[0] + up, a.unknown[1] + down]
            continue
        cur = a.by_name.setdefault(name, [0, 0])
        cur[0] += up
        cur[1] += down
    return a


def count_refreshes(lines, kind):
    if kind == "hogwatch":
        return sum(1 for x in lines if x.lstrip().startswith("{"))
    return sum(1 for x in lines if x.strip() == "Refreshing:")


# ------------------------------------------------------------------------------ tools

class Tool:
    """One tool's run in H. Subclasses set the fields below."""

    name = ""
    kind = ""            # output format: hogwatch | nethogs | bandwhich
    unit = "frames"
    before = 1           # refreshes to wait for after it is ready, before the traffic
    after = 2            # refreshes to wait for after the traffic, before reading it
    by_name = False      # its figures are per process name, not per pid
    stop_signal = 15

    def argv(self, ctx, devices):
        raise NotImplementedError

    def env(self, ctx):
        return None

    def ready(self, lines):
        return count_refreshes(lines, self.kind) >= 1

    def parse(self, lines):
        return {"hogwatch": parse_hogwatch, "nethogs": parse_nethogs,
                "bandwhich": parse_bandwhich}[self.kind](lines)


class Hogwatch(Tool):
    kind = "hogwatch"

    def __init__(self, source):
        self.source = source
        self.name = f"hogwatch-{source}"
        self.unit = "ip" if source == "ebpf" else "frames"

    def argv(self, ctx, devices):
        return [ctx.hogwatch, "top", "--json", "--source", self.source, "--elevate", "none",
                "--interval", "1", "--no-history", "--devices", ",".join(devices)]

    def env(self, ctx):
        return ctx.home_env()

    def ready(self, lines):
        return any(hogwatch_mode(x) == "per-process" for x in lines)


class Nethogs(Tool):
    name = "nethogs"
    kind = "nethogs"
    stop_signal = 2  # SIGINT: nethogs exits 0 at once; SIGTERM kills it

    def argv(self, ctx, devices):
        return [ctx.nethogs, "-t", "-v", "2", "-C", "-d", "1", *devices]


class Bandwhich(Tool):
    name = "bandwhich"
    kind = "bandwhich"
    unit = "ip-payload"
    by_name = True
    before = 6  # a full 5-second window before the traffic starts …
    after = 6   # … and after it ends, so the summed means count each byte once

    def argv(self, ctx, devices):
        # One device: -i; two: every device of H (lo is idle).
        dev = ["-i", devices[0]] if len(devices) == 1 else []
        return [ctx.bandwhich, "--raw", "--no-resolve", "--processes", *dev]


TOOLS = {t.name: t for t in (Hogwatch("nethogs"), Hogwatch("ebpf"), Nethogs(), Bandwhich())}
