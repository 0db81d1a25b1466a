#!/usr/bin/env python3
"""Writes a synthetic hogwatch recording (the JSON Lines of src/collect/record.rs) of a busy
desktop-and-server machine, for `hogwatch --source replay:FILE` in benchmarks.

Usage: benches/gen_replay.py [--procs N] [--seconds D] [--seed S] [--busy B] [OUT]
  OUT omitted or "-": standard output. Same arguments, same bytes (seeded, no clock, no
  hash-order dependence). Python 3.7+, standard library only.

What it holds, as `top --record` would have written it from a live run:
  * a header (`interval_ms` 1000, devices eth0 and wlan0);
  * the helper's `hello`, one `start` per device and nethogs' start-up chatter;
  * every second, per device, nethogs' block (`-t -v 2`: `Refreshing:`, then one
    `NAME/PID/UID<TAB>SENT<TAB>RECEIVED` line per process it has seen on that device, with
    cumulative bytes in nethogs' 6-significant-digit float format, then `unknown TCP/0/0`
    and `unknown UDP/0/0`); eth0 refreshes at ~300 ms past the second, wlan0 at ~650 ms,
    each with ±60 ms of jitter, as nethogs' `-d 1` does;
  * /proc/net/dev counters (`netdev`) when each block completes (200 ms of silence after its
    last line) and at every whole second (the collector's tick); they are >= the sum of the
    processes' bytes (plus unknown traffic and ~0.3 % + broadcast chatter nethogs misses),
    interpolated linearly between refreshes;
  * one `proc` item (start time, exe, argv) when a process is first reported.

The machine: N processes (default 200) alive at any time, with distinct pids. About a sixth
belong to a few multi-process apps (postgres backends, php-fpm, gunicorn and nginx workers,
docker-proxy, ssh clients, sshd sessions); the rest are single-process apps (browsers,
chat, media, sync and backup tools, package managers, system daemons, scripts). Users are
uids present on a Debian system (0, 33, 42, 101, 997, 998, 1000, 65534). Traffic: a few
heavy transfers (MB/s, on/off over tens of seconds), medium streams, many light or
keep-alive talkers, idle stretches of seconds to a minute (a few of over 2 minutes, so
hogwatch evicts and later re-admits them). About 8 % of the processes (per 330 s) exit
during the recording, each replaced within 3 s by a new one; nethogs keeps an exited
process's line with its final totals, as it does in total mode.
"""

import argparse
import json
import math
import random
import sys

DEVICES = ["eth0", "wlan0"]
PHASE_MS = {"eth0": 300, "wlan0": 650}  # where in each second nethogs refreshes
JITTER_MS = 60
SILENCE_MS = 200  # the collector completes a block after this much silence
CLK_TCK = 100
UPTIME_S = 2 * 86400 + 5 * 3600 + 17 * 60  # machine uptime when the recording starts
HOME = "/home/alex"

# --------------------------------------------------------------------------- apps
# profile: heavy | medium | stream | light | keepalive
# direction: down (receives most), up (sends most), both
# devs: eth0 | wlan0 | both | any (chosen per process)


def app(name, exe, argv, uid, profile, direction="down", devs="any"):
    return {
        "name": name,
        "exe": exe,
        "argv": argv,
        "uid": uid,
        "profile": profile,
        "direction": direction,
        "devs": devs,
    }


# Multi-process apps: (share of N per 200, template). argv may hold {i} (worker index) and
# {port}/{ip} (random per process).
MULTI = [
    (8, app("postgres: 15/main: app appdb 10.0.3.{ip}({port}) idle",
            "/usr/lib/postgresql/15/bin/postgres",
            ["postgres: 15/main: app appdb 10.0.3.{ip}({port}) idle"], 101, "light", "up", "eth0")),
    (6, app("php-fpm: pool www", "/usr/sbin/php-fpm8.2", ["php-fpm: pool www"], 33,
            "medium", "up", "eth0")),
    (5, app("/usr/bin/python3", "/usr/bin/python3.11",
            ["/usr/bin/python3", "/usr/bin/gunicorn", "--workers", "5", "--bind",
             "0.0.0.0:8000", "shop.wsgi:application"], 33, "medium", "up", "eth0")),
    (4, app("nginx: worker process", "/usr/sbin/nginx", ["nginx: worker process"], 33,
            "medium", "up", "eth0")),
    (4, app("/usr/bin/docker-proxy", "/usr/bin/docker-proxy",
            ["/usr/bin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port",
             "{port}", "-container-ip", "172.17.0.{ip}", "-container-port", "{port}"], 0,
            "light", "up", "eth0")),
    (4, app("ssh", "/usr/bin/ssh", ["ssh", "-A", "build-0{i}.lan"], 1000, "light", "both",
            "any")),
    (3, app("sshd: alex@pts/{i}", "/usr/sbin/sshd", ["sshd: alex@pts/{i}"], 1000,
            "light", "up", "eth0")),
]

# Single-process apps, realistic ones first (taken in a shuffled order).
SINGLE = [
    app("/usr/lib/firefox-esr/firefox-esr", "/usr/lib/firefox-esr/firefox-esr",
        ["/usr/lib/firefox-esr/firefox-esr"], 1000, "medium", "down", "wlan0"),
    app("/usr/lib/chromium/chromium", "/usr/lib/chromium/chromium",
        ["/usr/lib/chromium/chromium", "--type=utility",
         "--utility-sub-type=network.mojom.NetworkService", "--lang=en-US",
         "--service-sandbox-type=none"], 1000, "medium", "down", "wlan0"),
    app("/usr/lib/thunderbird/thunderbird", "/usr/lib/thunderbird/thunderbird",
        ["/usr/lib/thunderbird/thunderbird"], 1000, "light"),
    app("/usr/lib/slack/slack", "/usr/lib/slack/slack",
        ["/usr/lib/slack/slack", "--type=utility",
         "--utility-sub-type=network.mojom.NetworkService"], 1000, "light"),
    app("/usr/share/spotify/spotify", "/usr/share/spotify/spotify",
        ["/usr/share/spotify/spotify"], 1000, "stream", "down", "wlan0"),
    app("/usr/share/code/code", "/usr/share/code/code",
        ["/usr/share/code/code", "--type=utility",
         "--utility-sub-type=network.mojom.NetworkService"], 1000, "light"),
    app(HOME + "/.steam/debian-installation/ubuntu12_32/steam",
        HOME + "/.steam/debian-installation/ubuntu12_32/steam",
        [HOME + "/.steam/debian-installation/ubuntu12_32/steam", "-srt-logger-opened"],
        1000, "heavy", "down", "eth0"),
    app("/usr/lib/signal-desktop/signal-desktop", "/usr/lib/signal-desktop/signal-desktop",
        ["/usr/lib/signal-desktop/signal-desktop", "--no-sandbox"], 1000, "keepalive"),
    app("/usr/share/discord/Discord", "/usr/share/discord/Discord",
        ["/usr/share/discord/Discord"], 1000, "light"),
    app("/opt/zoom/zoom", "/opt/zoom/zoom", ["/opt/zoom/zoom"], 1000, "stream", "both",
        "wlan0"),
    app("telegram-desktop", "/usr/bin/telegram-desktop", ["telegram-desktop", "--"], 1000,
        "light"),
    app("/usr/bin/syncthing", "/usr/bin/syncthing",
        ["/usr/bin/syncthing", "serve", "--no-browser", "--logflags=0"], 1000, "medium",
        "both"),
    app("transmission-gtk", "/usr/bin/transmission-gtk", ["transmission-gtk"], 1000,
        "heavy", "both", "eth0"),
    app("/usr/bin/nextcloud", "/usr/bin/nextcloud", ["/usr/bin/nextcloud", "--background"],
        1000, "light", "both"),
    app("/usr/bin/keepassxc", "/usr/bin/keepassxc", ["/usr/bin/keepassxc"], 1000,
        "keepalive"),
    app("/usr/libexec/gvfsd-http", "/usr/libexec/gvfsd-http",
        ["/usr/libexec/gvfsd-http", "--spawner", ":1.7", "/org/gtk/gvfs/exec_spaw/3"], 1000,
        "light"),
    app("mpv", "/usr/bin/mpv", ["mpv", "--no-video", "https://radio.example.org/live.ogg"],
        1000, "stream", "down", "wlan0"),
    app("/usr/bin/vlc", "/usr/bin/vlc", ["/usr/bin/vlc", "--started-from-file"], 1000,
        "stream"),
    app("rhythmbox", "/usr/bin/rhythmbox", ["rhythmbox"], 1000, "light"),
    app("/usr/bin/gnome-software", "/usr/bin/gnome-software",
        ["/usr/bin/gnome-software", "--gapplication-service"], 1000, "light"),
    app("/usr/bin/dirmngr", "/usr/bin/dirmngr", ["/usr/bin/dirmngr", "--supervised"], 1000,
        "keepalive"),
    app("hexchat", "/usr/bin/hexchat", ["hexchat"], 1000, "light"),
    app("weechat", "/usr/bin/weechat", ["weechat"], 1000, "keepalive", "both"),
    app("rclone", "/usr/bin/rclone",
        ["rclone", "sync", HOME + "/Pictures", "b2:alex-photos", "--transfers", "8"], 1000,
        "heavy", "up"),
    app("/usr/bin/restic", "/usr/bin/restic",
        ["/usr/bin/restic", "-r", "sftp:backup@nas.lan:/srv/restic", "backup", "/home"], 0,
        "heavy", "up", "eth0"),
    app("rsync", "/usr/bin/rsync", ["rsync", "-az", "--delete", "site/", "web-01:/srv/site/"],
        1000, "medium", "up"),
    app("aria2c", "/usr/bin/aria2c",
        ["aria2c", "-x", "8", "https://cdimage.debian.org/debian-cd/current/amd64/iso-dvd/"
         "debian-12.8.0-amd64-DVD-1.iso"], 1000, "heavy", "down", "eth0"),
    app("wget", "/usr/bin/wget", ["wget", "-q", "-c", "https://example.org/data/dump.tar.zst"],
        1000, "medium"),
    app("curl", "/usr/bin/curl",
        ["curl", "-sN", "https://stream.example.net/v1/events?topic=builds"], 1000, "light"),
    app("git-remote-https", "/usr/lib/git-core/git-remote-https",
        ["git-remote-https", "origin", "https://github.com/rust-lang/rust.git"], 1000,
        "medium"),
    app("pidgin", "/usr/bin/pidgin", ["pidgin"], 1000, "keepalive"),
    app("evolution", "/usr/bin/evolution", ["evolution"], 1000, "light"),
    app("geary", "/usr/bin/geary", ["geary", "--gapplication-service"], 1000, "light"),
    app("/usr/bin/qbittorrent", "/usr/bin/qbittorrent", ["/usr/bin/qbittorrent"], 1000,
        "heavy", "both", "eth0"),
    app(HOME + "/.dropbox-dist/dropbox-lnx.x86_64-212.4.5767/dropbox",
        HOME + "/.dropbox-dist/dropbox-lnx.x86_64-212.4.5767/dropbox",
        [HOME + "/.dropbox-dist/dropbox-lnx.x86_64-212.4.5767/dropbox"], 1000, "light",
        "both"),
    app("obs", "/usr/bin/obs", ["obs", "--startreplaybuffer"], 1000, "stream", "up", "eth0"),
    app("remmina", "/usr/bin/remmina", ["remmina", "-i"], 1000, "stream", "down"),
    app("/usr/bin/flatpak", "/usr/bin/flatpak", ["/usr/bin/flatpak", "update", "-y"], 1000,
        "heavy", "down"),
    app("/usr/libexec/fwupd/fwupd", "/usr/libexec/fwupd/fwupd", ["/usr/libexec/fwupd/fwupd"],
        0, "keepalive"),
    app("/usr/lib/snapd/snapd", "/usr/lib/snapd/snapd", ["/usr/lib/snapd/snapd"], 0,
        "light"),
    app("/usr/libexec/packagekitd", "/usr/libexec/packagekitd",
        ["/usr/libexec/packagekitd"], 0, "light"),
    app("/usr/lib/apt/methods/http", "/usr/lib/apt/methods/http",
        ["/usr/lib/apt/methods/http"], 42, "medium", "down", "eth0"),
    app("/usr/lib/apt/methods/https", "/usr/lib/apt/methods/https",
        ["/usr/lib/apt/methods/https"], 42, "medium", "down", "eth0"),
    app("/usr/sbin/NetworkManager", "/usr/sbin/NetworkManager",
        ["/usr/sbin/NetworkManager", "--no-daemon"], 0, "keepalive", "both", "wlan0"),
    app("/lib/systemd/systemd-timesyncd", "/usr/lib/systemd/systemd-timesyncd",
        ["/lib/systemd/systemd-timesyncd"], 997, "keepalive", "both"),
    app("/lib/systemd/systemd-networkd", "/usr/lib/systemd/systemd-networkd",
        ["/lib/systemd/systemd-networkd"], 998, "keepalive", "both", "eth0"),
    app("/usr/sbin/cupsd", "/usr/sbin/cupsd", ["/usr/sbin/cupsd", "-l"], 0, "keepalive",
        "both"),
    app("/usr/sbin/cups-browsed", "/usr/sbin/cups-browsed", ["/usr/sbin/cups-browsed"], 0,
        "keepalive", "both"),
    app("/usr/sbin/tailscaled", "/usr/sbin/tailscaled",
        ["/usr/sbin/tailscaled", "--state=/var/lib/tailscale/tailscaled.state",
         "--socket=/run/tailscale/tailscaled.sock", "--port=41641"], 0, "light", "both"),
    app("/usr/sbin/openvpn", "/usr/sbin/openvpn",
        ["/usr/sbin/openvpn", "--daemon", "ovpn-office", "--config", "/etc/openvpn/office.conf"],
        0, "medium", "both", "wlan0"),
    app("/usr/bin/dockerd", "/usr/bin/dockerd",
        ["/usr/bin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"],
        0, "light", "down", "eth0"),
    app("/usr/bin/containerd", "/usr/bin/containerd", ["/usr/bin/containerd"], 0, "light",
        "down", "eth0"),
    app("/usr/bin/prometheus-node-exporter", "/usr/bin/prometheus-node-exporter",
        ["/usr/bin/prometheus-node-exporter"], 65534, "keepalive", "up", "eth0"),
    app("/usr/bin/prometheus", "/usr/bin/prometheus",
        ["/usr/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml"], 65534,
        "light", "down", "eth0"),
    app("/usr/bin/redis-server 0.0.0.0:6379", "/usr/bin/redis-server",
        ["/usr/bin/redis-server 0.0.0.0:6379"], 0, "light", "up", "eth0"),
    app("/usr/bin/kubelet", "/usr/bin/kubelet",
        ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"], 0, "light", "both",
        "eth0"),
    app("/usr/bin/python3", "/usr/bin/python3.11",
        ["/usr/bin/python3", "/usr/bin/unattended-upgrade", "--download-only"], 0, "medium",
        "down", "eth0"),
    app("/usr/bin/python3", "/usr/bin/python3.11",
        ["/usr/bin/python3", HOME + "/.local/bin/yt-dlp", "-f", "bestaudio",
         "https://www.youtube.com/watch?v=dQw4w9WgXcQ"], 1000, "heavy", "down"),
    app("python3", "/usr/bin/python3.11", ["python3", "-m", "pip", "install", "-U", "numpy"],
        1000, "medium", "down"),
    app("python3", "/usr/bin/python3.11", ["python3", "-m", "http.server", "8080"], 1000,
        "light", "up", "eth0"),
    app("go", "/usr/lib/go-1.19/bin/go", ["go", "mod", "download"], 1000, "medium"),
    app("cargo", HOME + "/.cargo/bin/cargo", ["cargo", "fetch"], 1000, "medium"),
    app("sshfs", "/usr/bin/sshfs", ["sshfs", "nas.lan:/srv/media", HOME + "/nas"], 1000,
        "light", "down", "eth0"),
    app("mosh-client", "/usr/bin/mosh-client", ["mosh-client", "-# vps.example.net"], 1000,
        "keepalive", "both", "wlan0"),
    app("irssi", "/usr/bin/irssi", ["irssi"], 1000, "keepalive"),
    app("newsboat", "/usr/bin/newsboat", ["newsboat", "-x", "reload"], 1000, "light"),
    app("mbsync", "/usr/bin/mbsync", ["mbsync", "-a"], 1000, "light"),
    app("/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
        "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
        ["/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "-Xmx2g", "-jar",
         "/opt/jenkins/jenkins.war", "--httpPort=8081"], 0, "light", "both", "eth0"),
    app("node", "/usr/bin/node", ["node", HOME + "/src/dashboard/server.js"], 1000, "light",
        "up", "eth0"),
    app("/usr/sbin/avahi-daemon", "/usr/sbin/avahi-daemon",
        ["avahi-daemon: running [laptop.local]"], 0, "keepalive", "both"),
]

# Scripts: interpreters key apps by script, so each is its own app.
SCRIPT_DIRS = [HOME + "/bin", HOME + "/src/homelab", "/opt/tools", "/srv/jobs"]
VERBS = ["fetch", "sync", "poll", "scrape", "push", "mirror", "watch", "upload", "crawl",
         "notify", "backup", "report", "stream", "check", "index", "probe", "relay"]
NOUNS = ["feeds", "prices", "weather", "logs", "metrics", "photos", "mail", "issues",
         "builds", "tickets", "calendar", "stocks", "sensors", "tiles", "alerts", "podcasts"]
INTERP = [
    ("/usr/bin/python3", "/usr/bin/python3.11", "py"),
    ("python3", "/usr/bin/python3.11", "py"),
    ("node", "/usr/bin/node", "js"),
    ("/usr/bin/perl", "/usr/bin/perl", "pl"),
    ("/bin/bash", "/usr/bin/bash", "sh"),
]
PROFILES_SCRIPT = ["light", "light", "light", "keepalive", "keepalive", "medium"]


def script_apps(rng):
    """Every script app, in a shuffled but seeded order."""
    combos = [(v, n) for v in VERBS for n in NOUNS]  # one script of each name
    rng.shuffle(combos)
    for v, n in combos:
        d = rng.choice(SCRIPT_DIRS)
        argv0, exe, ext = rng.choice(INTERP)
        script = "%s/%s_%s.%s" % (d, v, n, ext)
        argv = [argv0, script]
        if rng.random() < 0.4:
            argv.append(rng.choice(["--once", "-v", "--interval=30", "--config=/etc/%s.toml" % n]))
        uid = 1000 if d.startswith(HOME) else rng.choice([0, 33, 1000])
        yield app(argv0, exe, argv, uid, rng.choice(PROFILES_SCRIPT),
                  rng.choice(["down", "down", "up", "both"]))
    k = 0
    while True:  # beyond the word lists (very large N)
        k += 1
        yield app("/usr/bin/python3", "/usr/bin/python3.11",
                  ["/usr/bin/python3", "/srv/jobs/job-%05d.py" % k], 1000, "light")


# --------------------------------------------------------------------------- traffic


def loguniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


class Proc:
    """One process: identity, devices, traffic model, and nethogs' cumulative totals."""

    def __init__(self, rng, tmpl, pid, start_time, born, worker=None, profile=None):
        self.tmpl = tmpl
        self.forced = profile  # the profile --busy gave it (its replacement gets the same)
        self.multi = worker is not None
        worker = worker or 0
        self.pid = pid
        self.start_time = start_time
        self.born = born  # second of its first possible traffic
        self.died = None  # second from which it moves nothing
        self.uid = tmpl["uid"]
        port = rng.randint(32768, 60999)
        ip = rng.randint(2, 254)

        def fill(s):
            return s.replace("{i}", str(worker)).replace("{port}", str(port)).replace(
                "{ip}", str(ip))

        self.name = fill(tmpl["name"])
        self.exe = tmpl["exe"]
        self.argv = [fill(a) for a in tmpl["argv"]]
        self.profile = profile or tmpl["profile"]
        devs = tmpl["devs"]
        if devs == "any":
            r = rng.random()
            devs = "eth0" if r < 0.5 else "wlan0" if r < 0.88 else "both"
        if devs == "both":
            share = rng.uniform(0.5, 0.9)
            first = rng.choice(DEVICES)
            other = [d for d in DEVICES if d != first][0]
            self.devs = [(first, share), (other, 1 - share)]
        else:
            self.devs = [(devs, 1.0)]
        p = self.profile
        if p == "heavy":
            self.rate = loguniform(rng, 1e6, 8e6)
        elif p == "medium":
            self.rate = loguniform(rng, 20e3, 600e3)
        elif p == "stream":
            self.rate = loguniform(rng, 40e3, 400e3)
        elif p == "light":
            self.rate = loguniform(rng, 300, 12e3)
        else:  # keepalive: bytes per burst
            self.rate = loguniform(rng, 80, 1500)
            self.period = rng.randint(8, 60)
        d = tmpl["direction"]
        if d == "down":
            self.up_ratio = loguniform(rng, 0.03, 0.3)
        elif d == "up":
            self.up_ratio = loguniform(rng, 3, 30)
        else:
            self.up_ratio = loguniform(rng, 0.5, 2)
        # A few light talkers go quiet for over two minutes (hogwatch evicts them).
        self.long_idle = p == "light" and rng.random() < 0.04
        # Processes that ran before the recording talk within its first 10 s; new ones at once.
        self.on = False
        self.left = rng.randint(0, 10) if born == 0 else 0
        self.cum = {d: [0, 0] for d, _ in self.devs}  # dev -> [sent, received], exact
        self.seen = {}  # dev -> second of first line
        self.reported = False  # its `proc` item was written

    def alive(self, k):
        return self.born <= k and (self.died is None or k < self.died)

    def step(self, rng, k):
        """Bytes (up, down) moved in second k, across its devices."""
        if not self.alive(k):
            return 0, 0
        p = self.profile
        if p == "keepalive":
            if self.left <= 0:
                self.left = self.period + rng.randint(-2, 2)
                total = self.rate * rng.uniform(0.6, 1.5)
            else:
                self.left -= 1
                return 0, 0
        else:
            if self.left <= 0:
                self.on = not self.on
                if self.on:
                    mean = {"heavy": 30, "medium": 20, "stream": 120, "light": 6}[p]
                    self.left = max(1, int(rng.expovariate(1.0 / mean)))
                elif self.long_idle and rng.random() < 0.5:
                    self.left = rng.randint(125, 200)
                else:
                    lo, hi = {"heavy": (30, 150), "medium": (3, 40), "stream": (1, 5),
                              "light": (3, 50)}[p]
                    self.left = rng.randint(lo, hi)
            self.left -= 1
            if not self.on:
                return 0, 0
            total = self.rate * math.exp(rng.gauss(0, 0.6))
        down = total / (1 + self.up_ratio)
        up = total - down
        return max(1, int(up)), max(0, int(down))


def fmt(v):
    """A byte count as nethogs prints it: C++ ostream default, 6 significant digits."""
    return "%g" % float(v)


# --------------------------------------------------------------------------- generator


def busy_profile(tmpl):
    """With --busy: a busy process keeps a busy profile of its own, or streams medium."""
    return tmpl["profile"] if tmpl["profile"] in ("heavy", "medium", "stream") else "medium"


def generate(procs, seconds, seed, out, busy=None):
    rng = random.Random(seed)
    scale = procs / 200.0

    # The multi-process apps' workers and the single apps, for `procs` processes.
    multi = []
    for count, tmpl in MULTI:
        n = max(1, int(round(count * scale))) if procs >= 2 * len(MULTI) else 0
        multi.extend((tmpl, i) for i in range(n))
    multi = multi[:procs // 2]
    singles = list(SINGLE)
    rng.shuffle(singles)
    scripts = script_apps(rng)

    def next_single():
        if singles:
            return singles.pop()
        return next(scripts)

    boot_ticks = UPTIME_S * CLK_TCK
    initial = [(t, i) for t, i in multi] + [(next_single(), None) for _ in range(procs - len(multi))]
    # Older processes have lower pids: sort start times, then hand out increasing pids.
    starts = sorted(rng.randint(900, boot_ticks - 6000) for _ in initial)
    pids = sorted(rng.sample(range(400, 180000), len(initial)))
    order = list(range(len(initial)))
    rng.shuffle(order)
    live = []
    for slot, idx in enumerate(order):
        tmpl, worker = initial[idx]
        profile = None
        if busy is not None:  # the first `busy` of the shuffled order move data; the rest idle
            profile = busy_profile(tmpl) if slot < busy else "keepalive"
        live.append(Proc(rng, tmpl, pids[slot], starts[slot], 0, worker, profile))
    next_pid = max(pids) + rng.randint(50, 400)

    # Churn: at these seconds one process exits and another starts (0–3 s later).
    n_churn = max(1, int(round(procs * 0.08 * seconds / 330.0))) if seconds > 60 else 0
    churn = sorted(rng.randint(20, max(21, seconds - 20)) for _ in range(n_churn))

    everyone = list(live)  # every process ever, in creation order (for stable output)
    order_on = {d: [] for d in DEVICES}  # per device: processes in nethogs' list order
    unknown = {d: {"unknown TCP": [0, 0], "unknown UDP": [0, 0]} for d in DEVICES}
    conn_line = {}  # dev -> [name, sent, received, second it appears]
    for d in DEVICES:
        conn_line[d] = ["192.168.1.%d:%d-151.101.%d.%d:443" % (
            rng.randint(20, 60), rng.randint(33000, 60000), rng.randint(0, 255),
            rng.randint(1, 254)), 0, 0, rng.randint(5, max(6, seconds - 5))]
    counters = {"eth0": [rng.randint(2 * 10**9, 60 * 10**9), 0],
                "wlan0": [rng.randint(10**9, 20 * 10**9), 0]}
    for d in DEVICES:
        counters[d][1] = counters[d][0] // rng.randint(3, 12)  # [rx, tx]

    # Device counters at refresh times: cnt_at[dev] = (t_ms, rx, tx) of the last two.
    prev_ref = {d: (10, counters[d][0], counters[d][1]) for d in DEVICES}
    pending = []  # (t, is_helper, seq, json)
    seq = [0]

    def emit(t, obj):
        seq[0] += 1
        pending.append((t, obj["kind"] == "helper", seq[0],
                        json.dumps(obj, separators=(",", ":"))))

    def helper(t, line):
        emit(t, {"kind": "helper", "t": t, "line": line})

    def flush(before):
        pending.sort()
        keep = []
        for item in pending:
            if before is None or item[0] < before:
                out.write(item[3])
                out.write("\n")
            else:
                keep.append(item)
        pending[:] = keep

    def interp(dev, t, cur_ref):
        t0, rx0, tx0 = prev_ref[dev]
        t1, rx1, tx1 = cur_ref[dev]
        if t1 <= t0:
            return rx1, tx1
        f = min(1.0, max(0.0, (t - t0) / float(t1 - t0)))
        return rx0 + int((rx1 - rx0) * f), tx0 + int((tx1 - tx0) * f)

    def netdev(t, cur_ref):
        emit(t, {"kind": "netdev", "t": t,
                 "counters": [[d, *interp(d, t, cur_ref)] for d in DEVICES]})

    out.write(json.dumps({"kind": "header", "version": 1, "interval_ms": 1000,
                          "devices": DEVICES}, separators=(",", ":")) + "\n")
    emit(0, {"kind": "netdev", "t": 0,
             "counters": [[d, counters[d][0], counters[d][1]] for d in DEVICES]})
    helper(4, "hello 1 0.1.0")
    nh_pid = next_pid
    next_pid += 3
    helper(6, "start eth0 %d" % nh_pid)
    helper(7, "start wlan0 %d" % (nh_pid + 1))
    helper(9, "line eth0 Adding local address: 192.168.1.23")
    helper(9, "line eth0 Adding local address: fe80::5054:ff:fe12:3456")
    helper(9, "line wlan0 Adding local address: 192.168.1.41")
    helper(10, "line eth0 Ethernet link detected")
    helper(10, "line wlan0 Ethernet link detected")

    last_block_end = {}  # dev -> (t of netdev after the block, procs first seen in it)
    for k in range(1, seconds + 1):
        # Churn: exits and births at this second.
        while churn and churn[0] == k:
            churn.pop(0)
            candidates = [p for p in live if p.alive(k) and p.born <= k - 10]
            if not candidates:
                continue
            victim = rng.choice(candidates)
            victim.died = k
            live.remove(victim)
            # A worker is replaced by a worker of its app, a single app by another one.
            tmpl = victim.tmpl if victim.multi else next_single()
            worker = rng.randint(0, 9) if victim.multi else None
            born = k + rng.randint(0, 3)
            next_pid += rng.randint(3, 120)
            profile = victim.forced and (
                "keepalive" if victim.forced == "keepalive" else busy_profile(tmpl))
            p = Proc(rng, tmpl, next_pid, boot_ticks + born * CLK_TCK - rng.randint(1, 30),
                     born, worker, profile)
            live.append(p)
            everyone.append(p)

        # Traffic moved in second k (between refresh k-1 and refresh k).
        moved = {d: [0, 0] for d in DEVICES}
        for p in everyone:
            up, down = p.step(rng, k)
            if up == 0 and down == 0:
                continue
            for d, share in p.devs:
                du, dd = int(up * share), int(down * share)
                if du == 0 and dd == 0:
                    continue
                p.cum[d][0] += du
                p.cum[d][1] += dd
                moved[d][0] += du
                moved[d][1] += dd
                if d not in p.seen:
                    p.seen[d] = k
                    order_on[d].insert(0, p)  # nethogs lists the newest first
        for d in DEVICES:
            u = unknown[d]
            if rng.random() < 0.25:  # short connections nethogs could not attribute
                a, b = rng.randint(60, 3000), rng.randint(60, 40000)
                u["unknown TCP"][0] += a
                u["unknown TCP"][1] += b
                moved[d][0] += a
                moved[d][1] += b
            a, b = rng.randint(0, 200), rng.randint(0, 400)  # mDNS, SSDP, DHCP
            u["unknown UDP"][0] += a
            u["unknown UDP"][1] += b
            moved[d][0] += a
            moved[d][1] += b
            c = conn_line[d]
            if c[3] <= k < c[3] + 3:
                a, b = rng.randint(100, 2000), rng.randint(500, 30000)
                c[1] += a
                c[2] += b
                moved[d][0] += a
                moved[d][1] += b
            # What nethogs does not see: ARP, broadcasts, a little capture loss.
            counters[d][0] += moved[d][1] + moved[d][1] // 300 + rng.randint(40, 600)
            counters[d][1] += moved[d][0] + moved[d][0] // 300 + rng.randint(40, 300)

        # This second's refresh times and the counters at them.
        cur_ref = {}
        ref_t = {}
        for d in DEVICES:
            ref_t[d] = k * 1000 + PHASE_MS[d] + rng.randint(-JITTER_MS, JITTER_MS)
            cur_ref[d] = (ref_t[d], counters[d][0], counters[d][1])

        # Items between the previous refresh and this one: the tick at k*1000, and the
        # counters (plus /proc facts) read when the previous blocks completed.
        netdev(k * 1000, cur_ref)
        for d in DEVICES:
            if d in last_block_end:
                t, fresh = last_block_end[d]
                netdev(t, cur_ref)
                for p in fresh:
                    emit(t, {"kind": "proc", "t": t, "pid": p.pid,
                             "start_time": p.start_time, "exe": p.exe, "argv": p.argv})
        for d in DEVICES:
            prev_ref[d] = cur_ref[d]

        # This second's blocks.
        for d in DEVICES:
            t = ref_t[d]
            helper(t, "line %s " % d)
            helper(t, "line %s Refreshing:" % d)
            fresh = []
            n = 0
            for p in order_on[d]:
                s, r = p.cum[d]
                helper(t + n // 50, "line %s %s/%d/%d\t%s\t%s" % (d, p.name, p.pid, p.uid,
                                                                  fmt(s), fmt(r)))
                n += 1
                if not p.reported:
                    p.reported = True
                    fresh.append(p)
            c = conn_line[d]
            if k >= c[3]:
                helper(t + n // 50, "line %s %s/0/0\t%s\t%s" % (d, c[0], fmt(c[1]), fmt(c[2])))
            for name, (s, r) in unknown[d].items():
                helper(t + n // 50, "line %s %s/0/0\t%s\t%s" % (d, name, fmt(s), fmt(r)))
            last_block_end[d] = (t + n // 50 + SILENCE_MS, fresh)
        flush(k * 1000)

    # After the last refresh: the counters read when the last blocks completed.
    for d in DEVICES:
        t, fresh = last_block_end[d]
        emit(t, {"kind": "netdev", "t": t,
                 "counters": [[x, counters[x][0], counters[x][1]] for x in DEVICES]})
        for p in fresh:
            emit(t, {"kind": "proc", "t": t, "pid": p.pid, "start_time": p.start_time,
                     "exe": p.exe, "argv": p.argv})
    flush(None)
    return everyone


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--procs", "-n", type=int, default=200,
                    help="processes alive at any time (default 200)")
    ap.add_argument("--seconds", "-d", type=int, default=330,
                    help="length in seconds, one refresh per second (default 330)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--busy", type=int, default=None,
                    help="only this many processes move data (heavy, medium or stream); "
                         "the others only send keep-alives every 8-60 s (default: the "
                         "busy desktop-and-server mix)")
    ap.add_argument("out", nargs="?", default="-", help="output file (default: stdout)")
    a = ap.parse_args()
    if not 1 <= a.procs <= 100000:
        ap.error("--procs must be 1..100000")
    if not 1 <= a.seconds <= 86400:
        ap.error("--seconds must be 1..86400")
    if a.busy is not None and not 0 <= a.busy <= a.procs:
        ap.error("--busy must be 0..--procs")
    if a.out == "-":
        everyone = generate(a.procs, a.seconds, a.seed, sys.stdout, a.busy)
    else:
        with open(a.out, "w", encoding="utf-8") as f:
            everyone = generate(a.procs, a.seconds, a.seed, f, a.busy)
    pids = [p.pid for p in everyone]
    assert len(set(pids)) == len(pids), "pids must be distinct"
    print("gen_replay: %d processes (%d alive at any time, %d exited), %d s, seed %d"
          % (len(everyone), a.procs, sum(1 for p in everyone if p.died is not None),
             a.seconds, a.seed), file=sys.stderr)


if __name__ == "__main__":
    main()
