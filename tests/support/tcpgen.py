#!/usr/bin/env python3
"""Paced TCP/UDP traffic generator for hogwatch's real-traffic tests (python3 stdlib only).

Every subcommand takes ``--timeout SECONDS`` (default 30): when it elapses the process
prints ``{"event": "timeout", ...}`` to stdout and exits with status 124, whatever it is
doing. Every line printed on stdout is one JSON object (flushed immediately); diagnostics
go to stderr.

Subcommands
-----------
``tcp-server --bind IP [--port P] [--send-bytes N] [--rate BPS] [--chunk B]``
    Listens (``--port 0``, the default, picks a free port) and prints
    ``{"event": "listening", "proto": "tcp", "port": P}`` once ready. Each accepted
    connection is served by its own thread: it receives everything the client sends until
    EOF and, concurrently, sends ``--send-bytes`` bytes (default 0) paced at ``--rate``
    bytes/s, then waits for the client's EOF and closes. Prints
    ``{"event": "conn_done", "peer": "IP:PORT", "sent": S, "received": R}`` per connection.
    Runs until killed or ``--timeout``.

``tcp-client --connect IP:PORT [--send-bytes N] [--recv-bytes M] [--rate BPS]
             [--chunk B] [--hold SECONDS] [--progress SECONDS]``
    Connects, sends ``N`` bytes paced at ``--rate`` bytes/s in ``--chunk``-byte chunks while
    receiving until ``M`` bytes arrived (the pacing of a download is the server's
    ``--send-bytes``/``--rate``), then HOLDS the connection open for ``--hold`` seconds
    (default 1.5; nethogs leaves short connections unattributed), then closes. Prints
    ``{"event": "connected", "pid": PID, "local": "IP:PORT"}`` after connecting,
    ``{"event": "progress", "sent": S, "received": R}`` every ``--progress`` seconds
    (default 0.25) during the transfer and finally
    ``{"event": "done", "proto": "tcp", "pid": PID, "sent": S, "received": R,
    "transfer_s": T}`` with the exact payload byte counts.

``udp-sink --bind IP [--port P]``
    Binds a UDP socket, prints ``{"event": "listening", "proto": "udp", "port": P}``, then
    counts datagrams and bytes; prints ``{"event": "udp_stats", "datagrams": D,
    "received": R}`` about every second while data arrives. Runs until killed or timeout.

``udp-client --connect IP:PORT --send-bytes N [--datagram B] [--rate BPS] [--hold S]``
    Creates a UDP socket, ``connect()``s it (connected UDP is what nethogs ``-C`` can
    attribute), sends ``N`` payload bytes in datagrams of ``--datagram`` bytes (the last one
    shorter) paced at ``--rate``, holds the socket ``--hold`` seconds, prints the same
    ``connected``/``progress``/``done`` lines as tcp-client (``"proto": "udp"``, plus
    ``"datagrams"``).
"""

import argparse
import json
import os
import socket
import sys
import threading
import time

_print_lock = threading.Lock()


def emit(**fields):
    line = json.dumps(fields, sort_keys=True)
    with _print_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(msg):
    with _print_lock:
        sys.stderr.write("tcpgen[%d]: %s\n" % (os.getpid(), msg))
        sys.stderr.flush()


def arm_watchdog(seconds):
    """Exit the whole process with status 124 after `seconds`, whatever the threads do."""

    def fire():
        try:
            emit(event="timeout", pid=os.getpid(), after_s=seconds)
            log("global timeout of %.1fs reached, exiting" % seconds)
        finally:
            os._exit(124)

    t = threading.Timer(seconds, fire)
    t.daemon = True
    t.start()


def parse_hostport(text):
    host, _, port = text.rpartition(":")
    if not host or not port:
        raise argparse.ArgumentTypeError("expected IP:PORT, got %r" % text)
    return host, int(port)


class Pacer:
    """Sleeps so that `done` bytes are not ahead of `rate` bytes/s since start."""

    def __init__(self, rate):
        self.rate = float(rate)
        self.start = time.monotonic()

    def wait(self, done):
        if self.rate <= 0:
            return
        target = self.start + done / self.rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def send_paced(sock, total, rate, chunk, on_progress=None):
    """Send exactly `total` bytes; returns the number of bytes sent."""
    buf = b"\x5a" * chunk
    sent = 0
    pacer = Pacer(rate)
    while sent < total:
        n = min(chunk, total - sent)
        sock.sendall(buf[:n])
        sent += n
        if on_progress is not None:
            on_progress(sent)
        pacer.wait(sent)
    return sent


# --------------------------------------------------------------------------- TCP server


def serve_tcp_conn(conn, peer, args):
    sent = 0
    received = 0
    sender = None
    result = {"sent": 0}
    try:
        if args.send_bytes > 0:

            def do_send():
                try:
                    result["sent"] = send_paced(conn, args.send_bytes, args.rate, args.chunk)
                except OSError as e:
                    log("server send to %s failed: %s" % (peer, e))

            sender = threading.Thread(target=do_send, daemon=True)
            sender.start()
        while True:
            data = conn.recv(1 << 16)
            if not data:
                break
            received += len(data)
        if sender is not None:
            sender.join()
        sent = result["sent"]
    except OSError as e:
        log("server connection %s failed: %s" % (peer, e))
    finally:
        try:
            conn.close()
        except OSError:
            pass
    emit(event="conn_done", peer="%s:%d" % peer, sent=sent, received=received)


def cmd_tcp_server(args):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(64)
    emit(event="listening", proto="tcp", pid=os.getpid(), port=srv.getsockname()[1])
    while True:
        conn, peer = srv.accept()
        threading.Thread(target=serve_tcp_conn, args=(conn, peer, args), daemon=True).start()


# --------------------------------------------------------------------------- TCP client


class Progress:
    def __init__(self, every):
        self.every = every
        self.next = time.monotonic() + every
        self.sent = 0
        self.received = 0
        self.lock = threading.Lock()

    def update(self, sent=None, received=None):
        with self.lock:
            if sent is not None:
                self.sent = sent
            if received is not None:
                self.received = received
            now = time.monotonic()
            if self.every > 0 and now >= self.next:
                self.next = now + self.every
                emit(event="progress", sent=self.sent, received=self.received)


def cmd_tcp_client(args):
    host, port = args.connect
    sock = socket.create_connection((host, port), timeout=args.timeout)
    sock.settimeout(args.timeout)
    local = sock.getsockname()
    emit(event="connected", proto="tcp", pid=os.getpid(), local="%s:%d" % local)
    progress = Progress(args.progress)
    t0 = time.monotonic()

    received = [0]
    recv_error = []

    def do_recv():
        try:
            while received[0] < args.recv_bytes:
                data = sock.recv(min(1 << 16, args.recv_bytes - received[0]))
                if not data:
                    break
                received[0] += len(data)
                progress.update(received=received[0])
        except OSError as e:
            recv_error.append(str(e))

    receiver = None
    if args.recv_bytes > 0:
        receiver = threading.Thread(target=do_recv, daemon=True)
        receiver.start()
    sent = 0
    if args.send_bytes > 0:
        sent = send_paced(
            sock, args.send_bytes, args.rate, args.chunk, lambda s: progress.update(sent=s)
        )
    if receiver is not None:
        receiver.join()
    transfer_s = time.monotonic() - t0
    if recv_error:
        log("receive failed: %s" % recv_error[0])
    if received[0] < args.recv_bytes:
        log("expected %d bytes, got %d" % (args.recv_bytes, received[0]))
    # Hold the connection open: nethogs attributes a connection to a process only while
    # the socket exists, and short-lived connections end up "unknown".
    time.sleep(args.hold)
    sock.close()
    emit(
        event="done",
        proto="tcp",
        pid=os.getpid(),
        sent=sent,
        received=received[0],
        transfer_s=round(transfer_s, 3),
    )
    return 0 if received[0] >= args.recv_bytes else 1


# --------------------------------------------------------------------------- UDP


def cmd_udp_sink(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((args.bind, args.port))
    emit(event="listening", proto="udp", pid=os.getpid(), port=sock.getsockname()[1])
    datagrams = 0
    received = 0
    reported = (0, 0)
    last_report = time.monotonic()
    sock.settimeout(0.5)
    while True:
        try:
            # With the sender's address, as unconnected receivers do (DNS, QUIC servers).
            data, _ = sock.recvfrom(1 << 16)
            datagrams += 1
            received += len(data)
        except socket.timeout:
            pass
        now = time.monotonic()
        if (datagrams, received) != reported and now - last_report >= 1.0:
            last_report = now
            reported = (datagrams, received)
            emit(event="udp_stats", datagrams=datagrams, received=received)


def cmd_udp_client(args):
    host, port = args.connect
    if not 0 < args.datagram <= 65507:
        log("bad --datagram %d" % args.datagram)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    emit(event="connected", proto="udp", pid=os.getpid(), local="%s:%d" % sock.getsockname())
    progress = Progress(args.progress)
    t0 = time.monotonic()
    pacer = Pacer(args.rate)
    buf = b"\xa5" * args.datagram
    sent = 0
    datagrams = 0
    while sent < args.send_bytes:
        n = min(args.datagram, args.send_bytes - sent)
        while True:
            try:
                k = sock.send(buf[:n])
                break
            except BlockingIOError:
                time.sleep(0.001)
            except ConnectionRefusedError:
                # An ICMP port unreachable from an earlier datagram: the sink is missing.
                log("connection refused by %s:%d" % (host, port))
                return 1
        sent += k
        datagrams += 1
        progress.update(sent=sent)
        pacer.wait(sent)
    transfer_s = time.monotonic() - t0
    time.sleep(args.hold)
    sock.close()
    emit(
        event="done",
        proto="udp",
        pid=os.getpid(),
        sent=sent,
        received=0,
        datagrams=datagrams,
        transfer_s=round(transfer_s, 3),
    )
    return 0


# --------------------------------------------------------------------------- main


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(sp):
        sp.add_argument("--timeout", type=float, default=30.0, help="global deadline (s)")
        sp.add_argument("--rate", type=float, default=1_000_000.0, help="bytes/s, 0 = unpaced")
        sp.add_argument("--chunk", type=int, default=16384, help="bytes per send() for TCP")

    s = sub.add_parser("tcp-server")
    common(s)
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--send-bytes", type=int, default=0)

    c = sub.add_parser("tcp-client")
    common(c)
    c.add_argument("--connect", type=parse_hostport, required=True)
    c.add_argument("--send-bytes", type=int, default=0)
    c.add_argument("--recv-bytes", type=int, default=0)
    c.add_argument("--hold", type=float, default=1.5)
    c.add_argument("--progress", type=float, default=0.25)

    us = sub.add_parser("udp-sink")
    common(us)
    us.add_argument("--bind", required=True)
    us.add_argument("--port", type=int, default=0)

    uc = sub.add_parser("udp-client")
    common(uc)
    uc.add_argument("--connect", type=parse_hostport, required=True)
    uc.add_argument("--send-bytes", type=int, required=True)
    uc.add_argument("--datagram", type=int, default=1400)
    uc.add_argument("--hold", type=float, default=1.5)
    uc.add_argument("--progress", type=float, default=0.25)

    args = p.parse_args(argv)
    arm_watchdog(args.timeout)
    handlers = {
        "tcp-server": cmd_tcp_server,
        "tcp-client": cmd_tcp_client,
        "udp-sink": cmd_udp_sink,
        "udp-client": cmd_udp_client,
    }
    try:
        return handlers[args.cmd](args) or 0
    except OSError as e:
        log("%s failed: %s" % (args.cmd, e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
