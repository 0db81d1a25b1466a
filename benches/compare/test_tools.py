"""Unit tests of bench-compare's pure parts: the tools' output parsers, the device
reference, the report's cells and verdicts. `python3 -m unittest discover -s
benches/compare` (make bench-compare runs them first)."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import measure  # noqa: E402
import report  # noqa: E402
from run import dev_bytes  # noqa: E402
from tools import parse_bandwhich, parse_hogwatch, parse_nethogs  # noqa: E402

# Verbatim shapes of the tools' lines (nethogs 0.8.7 -t -v 2 -C, bandwhich 0.23.1 --raw).
NETHOGS = """Adding local address: 169.254.77.1
Ethernet link detected

Refreshing:
/work/b/hwc0/16123/0\t1000\t200
unknown TCP/0/0\t0\t0

Refreshing:
/work/b/hwc0/16123/0\t203662\t82870
/opt/my prog/with space/77/1000\t1.00532e+06\t0
169.254.77.1:45482-169.254.77.2:5001/0/0\t1320\t0
unknown TCP/0/0\t2.23717e+06\t402898
Unknown connection: 169.254.77.1:45466-169.254.77.2:5001
""".splitlines()

BANDWHICH = """Refreshing:
<NO TRAFFIC>

Refreshing:
process: <1796237313> "hwc0" up/down Bps: 1000/500 connections: 1
process: <1796237313> "<UNKNOWN>" up/down Bps: 70/7 connections: 2

Refreshing:
process: <1796237314> "hwc0" up/down Bps: 1000/500 connections: 1
process: <1796237314> "a \\"quoted\\" name" up/down Bps: 5/6 connections: 1
connection: <1796237314> <hwb1a>:5001 => 169.254.77.2:41000 (tcp) up/down Bps: 9/9 process: "x"
""".splitlines()


def snap(mode, procs, unattributed=(0, 0)):
    import json
    return json.dumps({
        "ts": 1, "interval_ms": 1000, "mode": mode, "status": "",
        "unattributed": {"up_bytes": unattributed[0], "down_bytes": unattributed[1]},
        "processes": [{"pid": p, "name": n, "up_bytes": u, "down_bytes": d}
                      for p, n, u, d in procs]})


class Parsers(unittest.TestCase):
    def test_nethogs_takes_the_largest_total_per_process_and_pid_0_as_unattributed(self):
        a = parse_nethogs(NETHOGS)
        self.assertEqual(a.by_pid[16123], [203662, 82870])
        self.assertEqual(a.by_pid[77], [1005320, 0])
        self.assertEqual(a.by_name["/opt/my prog/with space"], [1005320, 0])
        self.assertEqual(a.unknown, [2237170 + 1320, 402898])
        self.assertEqual(a.attributed(), [203662 + 1005320, 82870])

    def test_nethogs_ignores_lines_that_are_no_records(self):
        a = parse_nethogs(["Refreshing:", "garbage\tx\ty", "a/b\t1\t2", "n/1x/0\t1\t2", ""])
        self.assertEqual(a.by_pid, {})
        self.assertEqual(a.unknown, [0, 0])

    def test_bandwhich_sums_every_refresh_by_name(self):
        a = parse_bandwhich(BANDWHICH)
        self.assertEqual(a.by_name["hwc0"], [2000, 1000])
        self.assertEqual(a.by_name['a \\"quoted\\" name'], [5, 6])
        self.assertEqual(a.unknown, [70, 7])
        self.assertEqual(a.by_pid, {})
        self.assertEqual(a.attributed(), [2005, 1006])

    def test_hogwatch_keeps_a_process_that_left_the_table(self):
        lines = [snap("starting", []),
                 snap("per-process", [(10, "a", 100, 5), (11, "b", 7, 7)]),
                 "not json", "{broken",
                 snap("per-process", [(10, "a", 300, 9)], unattributed=(4, 2))]
        a = parse_hogwatch(lines)
        self.assertEqual(a.by_pid, {10: [300, 9], 11: [7, 7]})
        self.assertEqual(a.unknown, [4, 2])
        self.assertTrue(a.status.startswith("per-process"))


class Figures(unittest.TestCase):
    def test_device_reference_takes_headers_off_each_packet(self):
        before = {"a": (1000, 10, 5000, 20), "b": (0, 0, 0, 0)}
        after = {"a": (2000, 20, 9000, 40), "b": (100, 1, 0, 0)}
        self.assertEqual(dev_bytes(before, after, ["a"], 0), (5000, 30))
        self.assertEqual(dev_bytes(before, after, ["a"], 14), (5000 - 14 * 30, 30))
        self.assertEqual(dev_bytes(before, after, ["a", "b"], 34),
                         (5000 - 34 * 30 + 100 - 34, 31))

    def test_proc_net_dev(self):
        text = ("Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame "
                "compressed multicast|bytes packets\n"
                "    lo: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                "hwb1a: 1234 5 0 0 0 0 0 0 6789 10 0 0 0 0 0 0\n")
        self.assertEqual(measure.parse_proc_net_dev(text)["hwb1a"], (1234, 5, 6789, 10))

    def test_cells_and_verdicts(self):
        self.assertEqual(report.cell([1.0, 3.0, 2.0]), "2.00 (1.00 – 3.00)")
        self.assertEqual(report.cell([None, None]), "–")
        self.assertEqual(report.cell([-0.001], "{:.2f}"), "0.00")
        run = {"scenario": "idle", "tool": "hogwatch-ebpf", "ok": True, "kernel_pct": 0.1,
               "cpu_total_pct": 0.5}
        rows = report.aims([run, dict(run, cpu_total_pct=0.2)])
        self.assertEqual(rows[0][2], "**not met** (1 of 2 runs)")
        self.assertEqual(rows[0][3], "–")

    def test_write_replaces_only_the_generated_part(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "B.md")
            with open(path, "w") as f:
                f.write(f"hand\n{report.BEGIN}\nold\n{report.END}\ntail\n")
            report.write(path, f"{report.BEGIN}\nnew\n{report.END}")
            with open(path) as f:
                self.assertEqual(f.read(), f"hand\n{report.BEGIN}\nnew\n{report.END}\ntail\n")


if __name__ == "__main__":
    unittest.main()
