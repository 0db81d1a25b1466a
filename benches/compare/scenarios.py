"""The traffic of each `make bench-compare` scenario: servers in the peer namespaces,
clients in H (the generator: tests/support/tcpgen.py, and conns.py beside this file for
many connections from one process). Every client counts its own payload (what it sent
and received, printed in its `done` line): that is the ground truth.

Each client runs under a name of its own (`hwc<n>`: python3 started through a symlink of
that name), so that bandwhich, which prints process names and no pids, can be compared
per process too.
"""

from dataclasses import dataclass, field


@dataclass
class Server:
    peer: int           # 0: P1 (over device a), 1: P2 (over device b)
    kind: str           # tcp | udp
    args: list = field(default_factory=list)


@dataclass
class Client:
    server: int         # index into the scenario's servers
    kind: str           # tcp | udp | conns
    args: list = field(default_factory=list)
    count: int = 1      # this many identical client processes


@dataclass
class Scenario:
    name: str
    title: str
    devices: tuple      # which of H's devices the tools watch: 0 = a, 1 = b
    seconds: float      # how long the traffic lasts (about; idle: exactly)
    servers: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    quick_args: dict = field(default_factory=dict)  # client index → args under --quick


K = 1000
SCENARIOS = [
    Scenario(
        "tcp", "long TCP, both directions (4 MB up, 4 MB down at 400 kB/s each, 10 s)",
        (0,), 10,
        [Server(0, "tcp", ["--send-bytes", str(4000 * K), "--rate", str(400 * K)])],
        [Client(0, "tcp", ["--send-bytes", str(4000 * K), "--recv-bytes", str(4000 * K),
                           "--rate", str(400 * K), "--hold", "1"])]),
    Scenario(
        "udp", "connected UDP (3 MB in 1,400 B datagrams at 300 kB/s, 10 s)",
        (0,), 10,
        [Server(0, "udp")],
        [Client(0, "udp", ["--send-bytes", str(3000 * K), "--datagram", "1400",
                           "--rate", str(300 * K), "--hold", "1"])]),
    Scenario(
        "two_devices", "two devices at once (one client on each: 2 MB up, 2 MB down, 8 s)",
        (0, 1), 8,
        [Server(0, "tcp", ["--send-bytes", str(2000 * K), "--rate", str(250 * K)]),
         Server(1, "tcp", ["--send-bytes", str(2000 * K), "--rate", str(250 * K)])],
        [Client(i, "tcp", ["--send-bytes", str(2000 * K), "--recv-bytes", str(2000 * K),
                           "--rate", str(250 * K), "--hold", "1"]) for i in (0, 1)]),
    Scenario(
        "flows50", "50 parallel flows (50 processes, each 300 kB up and down at 40 kB/s)",
        (0,), 8,
        [Server(0, "tcp", ["--send-bytes", str(300 * K), "--rate", str(40 * K)])],
        [Client(0, "tcp", ["--send-bytes", str(300 * K), "--recv-bytes", str(300 * K),
                           "--rate", str(40 * K), "--hold", "1"], count=50)]),
    Scenario(
        "short200", "200 short-lived connections (4 processes × 50 back to back: "
        "50 kB up, 10 kB down each)",
        (0,), 3,
        [Server(0, "tcp", ["--send-bytes", str(10 * K), "--rate", "0"])],
        [Client(0, "conns", ["--count", "50", "--send-bytes", str(50 * K),
                             "--recv-bytes", str(10 * K)], count=4)]),
    Scenario(
        "conns40", "40 new connections a second for a minute (one process, 10 kB up each)",
        (0,), 60,
        [Server(0, "tcp")],
        [Client(0, "conns", ["--count", "2400", "--per-second", "40",
                             "--send-bytes", str(10 * K)])],
        quick_args={0: ["--count", "400", "--per-second", "40", "--send-bytes", str(10 * K)]}),
    # Long enough for /proc's 10 ms clock ticks: one tick is 0.033% of one core over 30 s.
    Scenario("idle", "idle (no traffic, 30 s)", (0,), 30),
    Scenario(
        "steady2m", "steady 2 MB/s (one TCP connection up, 24 MB, 12 s)",
        (0,), 12,
        [Server(0, "tcp")],
        [Client(0, "tcp", ["--send-bytes", str(24000 * K), "--rate", str(2000 * K),
                           "--chunk", "20000", "--hold", "1"])]),
]
BY_NAME = {s.name: s for s in SCENARIOS}
