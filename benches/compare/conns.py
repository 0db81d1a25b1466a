#!/usr/bin/env python3
"""Many short TCP connections from one process, for `make bench-compare` (stdlib only).

    conns.py --connect IP:PORT --count N [--per-second R] [--send-bytes S] [--recv-bytes M]
             [--timeout SECONDS]

Opens N connections one after the other, each: connect, send S payload bytes, receive M
(the server's `tcpgen.py tcp-server --send-bytes M`), close. With `--per-second R` a new
connection starts every 1/R s (on a fixed schedule, so a slow one does not shift the rest);
with 0 they run back to back. Prints the lines of tests/support/tcpgen.py (whose helpers it
uses): `{"event": "done", "proto": "tcp", "pid": P, "sent": S, "received": R,
"connections": N, ...}` with the exact payload counts, or exits 124 at `--timeout`.
"""

import argparse
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "support"))
import tcpgen  # noqa: E402


def one(addr, send_bytes, recv_bytes, timeout, buf):
    """One connection; returns (sent, received) payload bytes."""
    with socket.create_connection(addr, timeout=timeout) as c:
        c.settimeout(timeout)
        if send_bytes:
            c.sendall(buf[:send_bytes])
        got = 0
        while got < recv_bytes:
            data = c.recv(min(1 << 16, recv_bytes - got))
            if not data:
                break
            got += len(data)
        return send_bytes, got


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--connect", type=tcpgen.parse_hostport, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--per-second", type=float, default=0.0)
    p.add_argument("--send-bytes", type=int, default=10_000)
    p.add_argument("--recv-bytes", type=int, default=0)
    p.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args(argv)
    if not 0 <= args.send_bytes <= 1 << 24 or args.recv_bytes < 0 or args.count < 0:
        tcpgen.log("bad --send-bytes, --recv-bytes or --count")
        return 2
    tcpgen.arm_watchdog(args.timeout)
    buf = b"\x5a" * args.send_bytes
    sent = received = done = 0
    t0 = time.monotonic()
    try:
        for i in range(args.count):
            if args.per_second > 0:
                delay = t0 + i / args.per_second - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            s, r = one(args.connect, args.send_bytes, args.recv_bytes, args.timeout, buf)
            sent, received, done = sent + s, received + r, done + 1
    except OSError as e:
        tcpgen.log("connection %d failed: %s" % (done + 1, e))
    tcpgen.emit(event="done", proto="tcp", pid=os.getpid(), sent=sent, received=received,
                connections=done, transfer_s=round(time.monotonic() - t0, 3))
    return 0 if done == args.count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
