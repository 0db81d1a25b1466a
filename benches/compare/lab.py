"""The network namespaces of one benchmark run, and every process started in them.

Topology (the same as tests/support/netns.rs `Topology`):

    P1 [hwb…pa] ──veth── [hwb…a] H [hwb…b] ──veth── [hwb…pb] P2

H is the machine under test: the tool and the traffic's clients run there, the servers run
in P1 and P2. Addresses are link-local (169.254.77.1/30 ↔ .2, 169.254.77.5/30 ↔ .6), ARP is
static with fixed `02:…` MACs (bandwhich mistakes some random MACs for IP) and IPv6 is off,
so the only packets on the veths are the benchmark's own.

`Lab.close()` stops every process the lab started (by pid: SIGTERM, then SIGKILL), kills by
pid whatever still runs inside its namespaces (only the lab's processes can be there) and
deletes the namespaces, with their veths. run.py calls it on every exit path, ^C included.
Namespaces are named `hwb<pid hex>x<n>-<role>`; ones left by a benchmark process that died
without cleaning up (SIGKILL) are deleted by the next run.
"""

import collections
import os
import signal
import subprocess
import threading
import time

PREFIX = "hwb"
CMD_TIMEOUT = 10  # s for each ip / sysctl command
LINKS = (  # (H side, peer side) addresses of device a (to P1) and b (to P2)
    ("169.254.77.1", "169.254.77.2"),
    ("169.254.77.5", "169.254.77.6"),
)


def run(argv, check=True):
    return subprocess.run(argv, capture_output=True, text=True, check=check,
                          timeout=CMD_TIMEOUT)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def remove_stale():
    """Deletes `hwb<pid hex>x…` namespaces whose benchmark process is gone."""
    out = run(["ip", "netns", "list"], check=False).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(PREFIX) or "x" not in name[len(PREFIX):]:
            continue
        try:
            pid = int(name[len(PREFIX):].split("x", 1)[0], 16)
        except ValueError:
            continue
        if pid != os.getpid() and not pid_alive(pid):
            print(f"bench-compare: removing stale namespace {name}", flush=True)
            kill_netns_pids(name)
            run(["ip", "netns", "del", name], check=False)


def kill_netns_pids(ns):
    out = run(["ip", "netns", "pids", ns], check=False).stdout
    for p in out.split():
        try:
            os.kill(int(p), signal.SIGKILL)
        except (ValueError, ProcessLookupError):
            pass


class Reader:
    """Reads a process's stdout lines into `lines` (and the last stderr lines into `err`) on
    threads of its own, so that no pipe ever fills; `wait_for` polls them with a deadline."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.err = collections.deque(maxlen=50)
        self.cond = threading.Condition()
        self.threads = [threading.Thread(target=self._pump, args=(f, k), daemon=True)
                        for f, k in ((proc.stdout, "out"), (proc.stderr, "err")) if f]
        for t in self.threads:
            t.start()

    def _pump(self, f, kind):
        try:
            for line in f:
                with self.cond:
                    (self.lines if kind == "out" else self.err).append(line.rstrip("\n"))
                    self.cond.notify_all()
        except (OSError, ValueError):
            pass
        if kind == "out":
            # Reap it as soon as it ends, as a shell would: a zombie's /proc/PID/cmdline is
            # empty, and hogwatch would take its records for forged ones.
            try:
                self.proc.wait(timeout=CMD_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass
        with self.cond:
            self.cond.notify_all()

    def wait_for(self, pred, timeout):
        """Waits until pred(lines) is true (returns True), the process ends or `timeout` s
        pass (returns False)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred(self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None
                                 and not any(t.is_alive() for t in self.threads)):
                    return pred(self.lines)
                self.cond.wait(min(left, 0.2))
            return True

    def snapshot(self):
        with self.cond:
            return list(self.lines)

    def stderr_tail(self):
        with self.cond:
            return "\n".join(self.err)


class Lab:
    """Namespaces H, P1, P2 with two veth pairs; processes started in them."""

    counter = 0

    def __init__(self):
        Lab.counter += 1
        base = f"{PREFIX}{os.getpid():x}x{Lab.counter:x}"
        self.h, self.p1, self.p2 = (f"{base}-h", f"{base}-p1", f"{base}-p2")
        self.dev_a, self.dev_b = f"{base}a", f"{base}b"
        assert len(self.dev_b) + 1 <= 15, "device names are at most 15 characters"
        self.namespaces = []
        self.procs = []
        try:
            for ns in (self.h, self.p1, self.p2):
                run(["ip", "netns", "add", ns])
                self.namespaces.append(ns)
                run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w",
                     "net.ipv6.conf.all.disable_ipv6=1",
                     "net.ipv6.conf.default.disable_ipv6=1"], check=False)
                run(["ip", "-n", ns, "link", "set", "lo", "up"])
            self._veth(self.dev_a, f"{base}pa", self.p1, LINKS[0], 1)
            self._veth(self.dev_b, f"{base}pb", self.p2, LINKS[1], 2)
        except BaseException:
            self.close()
            raise

    def _veth(self, dev, peer_dev, peer_ns, addrs, n):
        macs = (f"02:68:77:62:{n:02x}:01", f"02:68:77:62:{n:02x}:02")
        run(["ip", "link", "add", dev, "netns", self.h, "address", macs[0], "type", "veth",
             "peer", "name", peer_dev, "netns", peer_ns, "address", macs[1]])
        for ns, d, me, other, other_mac in ((self.h, dev, addrs[0], addrs[1], macs[1]),
                                            (peer_ns, peer_dev, addrs[1], addrs[0], macs[0])):
            run(["ip", "-n", ns, "addr", "add", f"{me}/30", "dev", d])
            run(["ip", "-n", ns, "link", "set", d, "up"])
            run(["ip", "-n", ns, "neigh", "replace", other, "lladdr", other_mac, "dev", d,
                 "nud", "permanent"])

    def peer(self, which):
        """(namespace, address) of P1 (which=0) or P2 (which=1)."""
        return ((self.p1, LINKS[0][1]), (self.p2, LINKS[1][1]))[which]

    def device(self, which):
        return (self.dev_a, self.dev_b)[which]

    def spawn(self, ns, argv, env=None):
        """Starts `argv` inside `ns` (`ip netns exec` execs it: the pid is the program's);
        returns its Reader (`.proc` is the Popen)."""
        p = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, errors="replace")
        self.procs.append(p)
        return Reader(p)

    def stop(self, p, sig=signal.SIGTERM, grace=5.0):
        """Stops one process of the lab by pid: `sig`, then SIGKILL after `grace` s."""
        if p.poll() is None:
            try:
                p.send_signal(sig)
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=CMD_TIMEOUT)
            except ProcessLookupError:
                pass

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                try:
                    p.wait(timeout=CMD_TIMEOUT)
                except subprocess.TimeoutExpired:
                    print(f"bench-compare: pid {p.pid} does not exit", flush=True)
            for f in (p.stdout, p.stderr):
                if f is not None:
                    f.close()
        self.procs = []
        for ns in self.namespaces:
            kill_netns_pids(ns)
        deadline = time.monotonic() + CMD_TIMEOUT
        for ns in self.namespaces:
            while run(["ip", "netns", "pids", ns], check=False).stdout.split():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            r = run(["ip", "netns", "del", ns], check=False)
            if r.returncode != 0:
                print(f"bench-compare: cannot delete namespace {ns}: {r.stderr.strip()}",
                      flush=True)
        self.namespaces = []
