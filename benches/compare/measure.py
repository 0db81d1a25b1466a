"""What a process tree costs, read from /proc and the kernel's BPF statistics.

Shared by `make bench-compare` (benches/compare/run.py) and benches/ebpf_cost.py. Pure
readers: nothing here starts or stops a process.

- CPU: utime + stime (+ cutime + cstime, so children reaped meanwhile still count) of
  every process of a tree, from /proc/PID/stat, in clock ticks.
- Memory: VmHWM (peak resident set) from /proc/PID/status, summed over a tree.
- Kernel programs: `run_time_ns` and `run_cnt` of BPF programs, which the kernel keeps only
  while its BPF statistics are on (`kernel.bpf_stats_enabled`; BpfStats). The ids of
  a process's programs come from /proc/PID/fdinfo: every BPF program or link fd names its
  `prog_id` there, so no output of the process is needed.
"""

import json
import os
import subprocess

CLK_TCK = os.sysconf("SC_CLK_TCK")
BPF_STATS = "/proc/sys/kernel/bpf_stats_enabled"
CMD_TIMEOUT = 10  # s for each bpftool / ip command


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (field 3 is index 0), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid):
    """utime + stime of one process, in seconds (0 when it is gone)."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid, key):
    """A `kB` line of /proc/PID/status (VmHWM, VmRSS), 0 when absent or gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def tree(root):
    """Pids of `root` and all its descendants (from the ppid field of every /proc/PID/stat)."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fields = _stat_fields(name)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if _stat_fields(pid) is None:
            continue
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def tree_ticks(root):
    """pid → utime+stime+cutime+cstime (clock ticks) of each process of the tree.

    Summed at two moments, the difference is the tree's CPU between them: a child that
    exits and is reaped moves its ticks into its parent's cutime/cstime.
    """
    out = {}
    for pid in tree(root):
        f = _stat_fields(pid)
        if f is not None:
            out[pid] = sum(int(x) for x in f[11:15])
    return out


def tree_ticks_by_comm(root):
    """comm → ticks, over the tree (for the breakdown of a tree's CPU)."""
    out = {}
    for pid, t in tree_ticks(root).items():
        out[comm(pid)] = out.get(comm(pid), 0) + t
    return out


def tree_hwm_kib(root):
    """pid → (comm, VmHWM kB) of each process of the tree."""
    return {pid: (comm(pid), status_kib(pid, "VmHWM")) for pid in tree(root)}


def prog_ids(pids):
    """Ids of the BPF programs that these processes hold (program or link fds)."""
    ids = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    for line in f:
                        if line.startswith("prog_id:"):
                            ids.add(int(line.split()[1]))
            except (OSError, ValueError):
                continue
    return sorted(ids)


def prog_stats(ids):
    """(Σ run_time_ns, Σ run_cnt, {id: name}) of these programs, from `bpftool prog show`."""
    run_ns, runs, names = 0, 0, {}
    for i in ids:
        out = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(i)],
                             capture_output=True, text=True, check=True,
                             timeout=CMD_TIMEOUT).stdout
        info = json.loads(out)
        run_ns += info.get("run_time_ns", 0)
        runs += info.get("run_cnt", 0)
        names[i] = info.get("name", "")
    return run_ns, runs, names


# bpf(2) on the architectures hogwatch is built for, and its BPF_ENABLE_STATS command.
SYS_BPF = {"x86_64": 321, "aarch64": 280, "riscv64": 280, "ppc64le": 361, "s390x": 351}
BPF_ENABLE_STATS, BPF_STATS_RUN_TIME = 32, 0


class BpfStats:
    """`with BpfStats() as s:` keeps the kernel's BPF run-time statistics on for the block.

    The kernel counts `run_time_ns` only while the static key behind
    `kernel.bpf_stats_enabled` is on. That key is reference-counted: the sysctl holds one
    reference while it is 1, and every fd returned by `bpf(BPF_ENABLE_STATS,
    BPF_STATS_RUN_TIME)` holds one until it is closed (Linux ≥ 5.8). So this takes an fd:
    someone else writing 0 to the sysctl meanwhile (another benchmark, a test) cannot turn
    the statistics off under us, and we never change the sysctl others see. Where the
    syscall is refused, it writes 1 to the sysctl and restores it at exit; then `on()`
    reads the sysctl to tell whether the figures are still valid.
    """

    def __enter__(self):
        import ctypes
        import platform
        self.fd, self.before = -1, None
        nr = SYS_BPF.get(platform.machine())
        if nr is not None:
            libc = ctypes.CDLL(None, use_errno=True)
            attr = ctypes.create_string_buffer(8)  # enable_stats.type = BPF_STATS_RUN_TIME
            self.fd = libc.syscall(nr, BPF_ENABLE_STATS, attr, 8)
        if self.fd < 0:
            with open(BPF_STATS) as f:
                self.before = f.read().strip()
            with open(BPF_STATS, "w") as f:
                f.write("1")
        return self

    def how(self):
        return ("an fd from bpf(BPF_ENABLE_STATS)" if self.fd >= 0
                else "kernel.bpf_stats_enabled=1")

    def on(self):
        if self.fd >= 0:
            return True
        try:
            with open(BPF_STATS) as f:
                return f.read().strip() == "1"
        except OSError:
            return False

    def __exit__(self, *exc):
        if self.fd >= 0:
            os.close(self.fd)
        elif self.before is not None:
            with open(BPF_STATS, "w") as f:
                f.write(self.before)
        return False


def parse_proc_net_dev(text):
    """`/proc/net/dev` → {dev: (rx_bytes, rx_packets, tx_bytes, tx_packets)}."""
    out = {}
    for line in text.splitlines()[2:]:
        if ":" not in line:
            continue
        name, rest = line.split(":", 1)
        f = rest.split()
        if len(f) < 10:
            continue
        out[name.strip()] = (int(f[0]), int(f[1]), int(f[8]), int(f[9]))
    return out


def netns_dev(ns):
    """/proc/net/dev inside network namespace `ns` (by `ip netns exec`)."""
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/dev"],
                         capture_output=True, text=True, check=True,
                         timeout=CMD_TIMEOUT).stdout
    return parse_proc_net_dev(out)
