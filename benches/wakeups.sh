#!/usr/bin/env bash
# Wakeups per second of the whole hogwatch process tree: `hogwatch server` (headless, 1 s
# refresh, history on) collecting from one veth in a network namespace, idle (no traffic)
# and at ~2 MB/s, with each backend (nethogs; eBPF where the kernel lets the helper load it),
# printed beside the figures of the build before issue 14's cuts.
# Aim checked: the hogwatch process ≤ 2 wakeups/s idle (the helper's and nethogs' own
# figures are printed beside it).
#
# Usage, as root, from anywhere: benches/wakeups.sh
#   WAKEUPS_SECONDS=N   length of each measured window in seconds (default 30)
#   RUNS=N              runs of each backend; with more than one, medians (default 1)
#   BACKENDS="A B"      which backends, of nethogs and ebpf (default "nethogs ebpf")
#   WAKEUPS_BIN=DIR     measure the hogwatch and hogwatch-helper in DIR instead of building
#                       (e.g. a copy of another commit's target/release)
#   WAKEUPS_ARGS="..."  more arguments for `hogwatch server` (e.g. --no-history, to see the
#                       history writer's share; --battery-interval 2 with a fake battery)
#   WAKEUPS_THREADS=1   also print each hogwatch thread's wakeups/s (which thread wakes)
#   WAKEUPS_KEEP=1      keep the work directory (hogwatch's stderr, history, traffic logs)
#
# A wakeup is a context switch: for each process the sum, over its threads
# (/proc/PID/task/*/status), of voluntary_ctxt_switches + nonvoluntary_ctxt_switches, read
# every second of the window (a thread that ends inside it loses at most its last second;
# one born inside it counts from zero); per second = Δ / wall seconds. The processes:
# hogwatch, hogwatch-helper and each nethogs (the helper's children); "threads" is how
# many threads each had in the window.
#
# Method: `cargo build --release --locked` (unless WAKEUPS_BIN); the namespaces of
# benches/lib/netns.sh (one veth, static ARP, IPv6 off) with loopback up in hogwatch's
# namespace for the dashboard's port; hogwatch runs as root with `--elevate none` (the
# helper directly), a private HOME and XDG_RUNTIME_DIR (so it never attaches to another
# hogwatch), `--data-dir` in the work directory (history on) and `--interval 1`. Ready when
# the helper (and for nethogs, one nethogs) runs; then 5 s to settle; the idle window; then
# tests/support/tcpgen.py sends ~2 MB/s from hogwatch's namespace to the peer, 3 s to
# settle, the busy window. hogwatch's stderr says when eBPF fell back to nethogs.
#
# Exit status: 0 when the measurement ran, whether or not the aim was met (a benchmark,
# not a test); 1 when it could not run. Everything it starts is stopped by pid and the
# namespaces are deleted on every exit path; each step is bounded in time.
set -euo pipefail
shopt -s nullglob
# shellcheck source-path=SCRIPTDIR source=lib/proc_cost.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/proc_cost.sh"
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/netns.sh"

readonly AIM_WAKEUPS=2       # per second, the hogwatch process, idle at a 1 s refresh
readonly READY_TIMEOUT=20    # s from launch until the helper (and nethogs) run
readonly SETTLE_IDLE=5       # s after ready before the idle window
readonly SETTLE_BUSY=3       # s after the traffic starts before the busy window
readonly STOP_TIMEOUT=5      # s for each process to exit after SIGTERM
readonly CMD_TIMEOUT=10      # s for each ip / git command
readonly BUILD_TIMEOUT=3600  # s for cargo, which may wait for the build lock
readonly INTERVAL=1          # hogwatch --interval, s
readonly RATE=2000000        # bytes/s of the busy window's upload
readonly BENCH_NAME=wakeups  # the prefix of its messages

# The figures before issue 14's cuts: main at 9ab2718 measured by this script (30 s
# windows, 1 run, 2 CPUs shared with two other builds): hogwatch, helper and nethogs
# wakeups/s per backend and load. Runs of it vary by ~±1.5/s (9.6 to 11.2 for idle
# nethogs' hogwatch).
declare -A BEFORE=(
  [nethogs idle]="hogwatch 11.16, hogwatch-helper 11.98, nethogs 2.68"
  [nethogs busy]="hogwatch 10.01, hogwatch-helper 12.24, nethogs 12.24"
  [ebpf idle]="hogwatch 8.92, hogwatch-helper 1.59"
  [ebpf busy]="hogwatch 7.80, hogwatch-helper 1.72"
)

window_and_runs WAKEUPS_SECONDS 30
flag WAKEUPS_THREADS 0
flag WAKEUPS_KEEP 0
BACKENDS=${BACKENDS:-"nethogs ebpf"}
for b in $BACKENDS; do
  [[ $b == nethogs || $b == ebpf ]] || die "BACKENDS holds nethogs and ebpf, not '$b'"
done

((EUID == 0)) || die "needs root (network namespaces, the helper): sudo $0"
for cmd in awk getconf ip python3 sysctl timeout; do
  command -v "$cmd" >/dev/null || die "$cmd is missing (iproute2, procps, python3)"
done
bench_init # CLK_TCK, ROOT (the working directory), HOGWATCH
TCPGEN=$ROOT/tests/support/tcpgen.py

# ----------------------------------------------------------------------------- state
WORK=""
HW_PID="" HW_START=""   # the running hogwatch (our child)
TRAFFIC=()              # pid:start of tcpgen's server and client
TREE=()                 # pid:start:name of every process of hogwatch's tree seen
SLEEP_PID=""
NS_CREATED=()
NS_H="" NS_P="" DEV="" PEER_DEV=""
ERR=""

# ----------------------------------------------------------------------------- /proc
# descendants PID: its children, theirs, … (pids), from /proc/PID/task/*/children.
descendants() {
  local f c out=()
  for f in /proc/"$1"/task/*/children; do
    for c in $(cat -- "$f" 2>/dev/null); do
      out+=("$c" $(descendants "$c"))
    done
  done
  echo "${out[@]}"
}

# threads KEY FIRST LAST NAMES: for each thread of the process KEY (pid:start:name),
# LAST[KEY/tid] = its voluntary + nonvoluntary switches now, FIRST[KEY/tid] the same the
# first time it is seen (0 when BORN is 1: it started inside the window), NAMES[KEY/tid]
# its name.
# shellcheck disable=SC2178 # namerefs to associative arrays
threads() {
  local -n _first=$2 _last=$3 _names=$4
  local t k v sw name _
  for t in /proc/"${1%%:*}"/task/*; do
    sw=0
    while read -r k v _; do
      case $k in
        voluntary_ctxt_switches: | nonvoluntary_ctxt_switches:) sw=$((sw + v)) ;;
      esac
    done 2>/dev/null <"$t/status" || continue
    read -r name 2>/dev/null <"$t/comm" || name=?
    k="$1/${t##*/}"
    [[ -v _first[$k] ]] || _first[$k]=$((BORN ? 0 : sw))
    _last[$k]=$sw _names[$k]=$name
  done
}

# tree: TREE_NOW = pid:start:name of hogwatch and each live descendant (hogwatch-helper,
# nethogs); each is remembered in TREE for the stop.
tree() {
  local p name
  TREE_NOW=()
  for p in "$HW_PID" $(descendants "$HW_PID"); do
    comm_of "$p"
    read_stat "$p" || continue
    [[ $STAT_STATE == [ZX] ]] && continue
    case $COMM in
      hogwatch) name=hogwatch ;;
      hogwatch-helpe*) name=hogwatch-helper ;; # comm is cut at 15 characters
      nethogs) name=nethogs ;;
      *) name=$COMM ;;
    esac
    TREE_NOW+=("$p:$STAT_START:$name")
    [[ " ${TREE[*]} " == *" $p:$STAT_START:$name "* ]] || TREE+=("$p:$STAT_START:$name")
  done
}

# sample FIRST LAST NAMES: `threads` for every process of the tree now; NOW after.
sample() {
  local k
  tree
  for k in "${TREE_NOW[@]}"; do
    threads "$k" "$1" "$2" "$3"
  done
  now
}

# ----------------------------------------------------------------------------- start/stop
launch() { # launch BACKEND RUN
  local home=$WORK/home-$1-$2
  mkdir -p "$home/run" "$home/data"
  chmod 0700 "$home/run"
  ERR=$WORK/$1-$2.stderr
  # shellcheck disable=SC2086 # WAKEUPS_ARGS is split into arguments on purpose
  env -i PATH="$PATH" HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_CONFIG_HOME="$home/config" \
    XDG_DATA_HOME="$home/data" HOGWATCH_LOG=warn \
    ip netns exec "$NS_H" "$HOGWATCH" server --source "$1" --elevate none --devices "$DEV" \
    --interval "$INTERVAL" --data-dir "$home/data" ${WAKEUPS_ARGS:-} </dev/null >/dev/null 2>"$ERR" &
  HW_PID=$! # `env` and `ip netns exec` exec: this is hogwatch's pid
  HW_START=""
  if read_stat "$HW_PID"; then HW_START=$STAT_START; fi
}

wait_ready() { # wait_ready BACKEND: the helper runs (nethogs: and one nethogs)
  local deadline k helper nethogs
  deadline=$(deadline_in "$READY_TIMEOUT")
  while :; do
    is_alive "$HW_PID" "$HW_START" || { stderr_tail "$ERR"; die "hogwatch exited before it was ready"; }
    tree
    helper=0 nethogs=0
    for k in "${TREE_NOW[@]}"; do
      case ${k##*:} in
        hogwatch-helper) helper=1 ;;
        nethogs) nethogs=1 ;;
      esac
    done
    if ((helper)) && { [[ $1 == ebpf ]] || ((nethogs)); }; then return 0; fi
    before "$deadline" || { stderr_tail "$ERR"; die "no helper (and nethogs) within ${READY_TIMEOUT} s"; }
    sleep 0.2
  done
}

start_traffic() { # ~RATE bytes/s from hogwatch's namespace to the peer, for LIMIT s
  local limit=$1 port line
  timeout -k 2 "$limit" ip netns exec "$NS_P" python3 "$TCPGEN" tcp-server --bind 169.254.77.2 \
    --timeout "$limit" >"$WORK/server.out" 2>&1 &
  key_of $!
  TRAFFIC+=("$KEY")
  local deadline
  deadline=$(deadline_in 10)
  port=""
  while [[ -z $port ]]; do
    line=$(grep -m1 '"listening"' "$WORK/server.out" || true)
    port=$(sed -n 's/.*"port": *\([0-9]*\).*/\1/p' <<<"$line")
    [[ -n $port ]] && break
    before "$deadline" || die "tcpgen's server did not listen: $(cat "$WORK/server.out")"
    sleep 0.1
  done
  timeout -k 2 "$limit" ip netns exec "$NS_H" python3 "$TCPGEN" tcp-client \
    --connect "169.254.77.2:$port" --send-bytes $((RATE * limit)) --rate "$RATE" \
    --progress 5 --timeout "$limit" >"$WORK/client.out" 2>&1 &
  key_of $!
  TRAFFIC+=("$KEY")
}

stop_traffic() {
  local k
  for k in "${TRAFFIC[@]}"; do
    [[ -n $k ]] && stop_term_kill traffic "$k"
  done
  TRAFFIC=()
}

stop_hogwatch() { # SIGTERM to hogwatch by pid; then every process of its tree, by pid
  local k pid start name
  STOP_NOTE=""
  [[ -n $HW_PID ]] || return 0
  is_alive "$HW_PID" "$HW_START" && tree
  stop_term_kill hogwatch "$HW_PID:$HW_START"
  STOP_NOTE=$TERM_NOTE
  HW_PID=""
  for k in "${TREE[@]}"; do
    IFS=: read -r pid start name <<<"$k"
    if is_alive "$pid" "$start" && ! wait_gone "$STOP_TIMEOUT" "$pid:$start"; then
      say "$name (pid $pid) still runs after hogwatch stopped: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      STOP_NOTE+="; $name needed SIGKILL"
    fi
  done
  TREE=()
}

stop_all() {
  stop_traffic
  stop_hogwatch
  delete_namespaces
}
trap_exits 'cleanup_on_exit stop_all WAKEUPS_KEEP'

# ----------------------------------------------------------------------------- measuring
# window BACKEND LOAD RUN: one window, the tree's threads read every second, so that a
# thread (or process) that ends inside it loses at most its last second; a line per
# process into RESULTS: backend, load, run, name, wakeups/s, threads seen.
window() {
  local k t0 t1 wall name proc
  local -A FIRST LAST NAMES SUM COUNT
  BORN=0
  sample FIRST LAST NAMES
  t0=$NOW
  BORN=1
  while before "$(awk -v a="$t0" -v w="$WAKEUPS_SECONDS" 'BEGIN { print a + w - 0.5 }')"; do
    nap 1
    sample FIRST LAST NAMES
  done
  t1=$NOW
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  for k in "${!LAST[@]}"; do
    proc=${k%/*}
    SUM[$proc]=$((${SUM[$proc]:-0} + LAST[$k] - FIRST[$k]))
    COUNT[$proc]=$((${COUNT[$proc]:-0} + 1))
  done
  for proc in "${!SUM[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${proc##*:}" \
      "$(awk -v n="${SUM[$proc]}" -v w="$wall" 'BEGIN { printf "%.2f", n / w }')" "${COUNT[$proc]}" >>"$RESULTS"
  done
  if ((WAKEUPS_THREADS)); then
    echo "  $1 $2, run $3: hogwatch's threads (wakeups/s over ${wall} s):"
    for k in "${!LAST[@]}"; do
      [[ ${k%/*} == "$HW_PID:$HW_START:hogwatch" ]] || continue
      awk -v n="${NAMES[$k]}/${k##*/}" -v d=$((LAST[$k] - FIRST[$k])) -v w="$wall" \
        'BEGIN { printf "    %-28s %6.2f\n", n, d / w }'
    done | sort
  fi
}

measure() { # measure BACKEND RUN
  local limit
  launch "$1" "$2"
  wait_ready "$1"
  nap "$SETTLE_IDLE"
  say "$1, run $2/$RUNS: idle window (${WAKEUPS_SECONDS} s)"
  window "$1" idle "$2"
  limit=$((SETTLE_BUSY + WAKEUPS_SECONDS + 20))
  start_traffic "$limit"
  nap "$SETTLE_BUSY"
  say "$1, run $2/$RUNS: busy window (${WAKEUPS_SECONDS} s at ~$((RATE / 1000)) kB/s)"
  window "$1" busy "$2"
  stop_traffic
  grep -q '"event": *"done"\|"progress"' "$WORK/client.out" ||
    say "the traffic client said: $(tail -n 3 "$WORK/client.out")"
  stop_hogwatch
  if grep -qi 'falls back\|fell back\|fallback\|nethogs instead' "$ERR"; then
    echo "  $1, run $2: hogwatch said: $(grep -i -m1 'back' "$ERR" | cut -c1-200)"
  fi
}

# table: per backend and load, the median over runs of each process's wakeups/s (nethogs
# summed over its processes), the aim's verdict and the figures before.
table() {
  local b load
  for b in $BACKENDS; do
    for load in idle busy; do
      awk -F'\t' -v b="$b" -v l="$load" -v aim="$AIM_WAKEUPS" -v before="${BEFORE[$b $load]:-}" '
        function median(list,   a, n, i, j, t) {
          n = split(list, a, " ")
          for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
          return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        $1 == b && $2 == l {
          per[$3 SUBSEP $4] += $5; seen[$4] = 1; threads[$4] += $6; if (!($3 in runs)) nruns++; runs[$3] = 1
        }
        END {
          k = 0
          split("hogwatch hogwatch-helper nethogs", known, " ")
          for (i = 1; i <= 3; i++) if (known[i] in seen) { order[++k] = known[i]; delete seen[known[i]] }
          for (n in seen) order[++k] = n
          if (k == 0) { printf "  %-8s %-4s  (no figures)\n", b, l; exit }
          line = ""
          for (i = 1; i <= k; i++) {
            n = order[i]; list = ""
            for (r in runs) list = list " " per[r SUBSEP n] + 0
            m[n] = median(list)
            line = line sprintf("%s%s %.2f (%g threads)", (i > 1) ? ", " : "", n, m[n], threads[n] / nruns)
          }
          printf "  %-8s %-4s  %s\n", b, l, line
          if (before != "") printf "  %-8s %-4s  before: %s\n", "", "", before
          if (l == "idle") printf "  %-8s %-4s  aim: hogwatch %.2f <= %s wakeups/s: %s\n", "", "", m["hogwatch"], aim, (m["hogwatch"] + 0 <= aim) ? "PASS" : "over"
        }' "$RESULTS"
    done
  done
}

# ----------------------------------------------------------------------------- main
if [[ -n ${WAKEUPS_BIN:-} ]]; then
  HOGWATCH=$WAKEUPS_BIN/hogwatch
else
  build_release
fi
[[ -x $HOGWATCH && -x $(dirname -- "$HOGWATCH")/hogwatch-helper ]] ||
  die "$HOGWATCH or hogwatch-helper beside it is missing"
make_work wakeups
setup_namespaces
nsip -n "$NS_H" link set lo up # the dashboard listens on 127.0.0.1 in hogwatch's namespace
read_context
[[ -n ${WAKEUPS_BIN:-} ]] && VERSION="$VERSION from $WAKEUPS_BIN"
[[ -n ${WAKEUPS_ARGS:-} ]] && VERSION="$VERSION, server args: $WAKEUPS_ARGS"

summary_head "$WAKEUPS_SECONDS" "windows of ${WAKEUPS_SECONDS} s x $RUNS run(s) per backend and load" \
  "hogwatch wakeups (context switches/s, all threads): \`hogwatch server --interval $INTERVAL\`, history on" \
  "  network namespace $NS_H, one veth $DEV to $NS_P; idle = no traffic, busy = tcpgen.py at ~$((RATE / 1000)) kB/s"
for b in $BACKENDS; do
  for ((run = 1; run <= RUNS; run++)); do
    measure "$b" "$run"
  done
done
echo "  wakeups/s per process (nethogs summed), median over runs:"
table
