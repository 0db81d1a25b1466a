#!/usr/bin/env bash
# Whole-process cost of `hogwatch top --json` with real nethogs on an idle machine: CPU
# (% of one core) and memory (VmHWM = peak RSS, VmRSS) of hogwatch, hogwatch-helper and
# each nethogs over a fixed window, printed for the README.
# Aim checked: the hogwatch process ≤ 0.5 % of one core and ≤ 20 MB peak RSS.
#
# Usage, as root, from anywhere: benches/idle_cost.sh
#   IDLE_SECONDS=N  length of the measured window in seconds (default 60)
#   RUNS=N          number of runs; with more than one, the medians are printed too (default 1)
#   IDLE_HOST=1     monitor the host's own devices (hogwatch's default device set) instead of
#                   an isolated namespace; only idle if the host is
#   IDLE_KEEP=1     keep the work directory (JSON snapshots, hogwatch's stderr)
#   IDLE_CMD=server measure `hogwatch server` (the dashboard's server, loopback up in the
#                   namespace) instead of `hogwatch top --json` (default: top)
#
# By default hogwatch runs in a fresh network namespace whose only device (besides a down
# lo) is one end of a veth pair to a peer namespace: link-local 169.254.77.1/30 ↔ .2/30,
# static ARP, IPv6 off, and no traffic generated, so the machine hogwatch sees is idle and
# the same on every run. The packets seen on the monitored devices during the window are
# printed to show it.
#
# Method: `cargo build --release --locked`; start `hogwatch top --json --elevate none
# --interval 1` (as root, `--elevate none` runs the helper directly, and the helper runs one
# nethogs per device); wait until a snapshot says "mode":"per-process" and every nethogs
# runs (15 s at most); read utime+stime (/proc/PID/stat fields 14+15, clock ticks) of each
# process at the start and the end of the window, and VmHWM/VmRSS (/proc/PID/status) at
# the end. CPU % of one core = Δticks / CLK_TCK / wall seconds × 100. MB are MiB (1024 kB).
#
# Exit status: 0 when the measurement ran, whether or not the aims were met (this is a
# benchmark, not a test); 1 when it could not run. Everything it starts is stopped and every
# namespace it created is deleted on every exit path, and each step is bounded in time.
set -euo pipefail
shopt -s nullglob
# shellcheck source-path=SCRIPTDIR source=lib/proc_cost.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/proc_cost.sh"
# shellcheck source-path=SCRIPTDIR source=lib/netns.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/netns.sh"

readonly AIM_CPU_PCT=0.5   # % of one core, the hogwatch process
readonly AIM_MEM_MB=20     # MiB of peak RSS (VmHWM), the hogwatch process
readonly READY_TIMEOUT=15  # s from launch until per-process mode with every nethogs running
readonly STOP_TIMEOUT=5    # s for hogwatch, then the helper and nethogs, to exit after SIGTERM
readonly CMD_TIMEOUT=10    # s for each ip / sysctl / git command
readonly BUILD_TIMEOUT=3600 # s for cargo, which may wait for the build lock
readonly INTERVAL=1        # hogwatch --interval, s
readonly BENCH_NAME=idle_cost # the prefix of its messages

window_and_runs IDLE_SECONDS 60
flag IDLE_HOST 0
IDLE_KEEP=${IDLE_KEEP:-0}
IDLE_CMD=${IDLE_CMD:-top}
[[ $IDLE_CMD == top || $IDLE_CMD == server ]] || die "IDLE_CMD must be top or server, not '$IDLE_CMD'"
# Today's peak RSS (before `hogwatch` stopped linking GTK and WebKit), printed beside.
readonly BEFORE_HWM="~53 MiB for top (server: not measured before; the same binary)"

((EUID == 0)) || die "needs root (network namespaces, nethogs): sudo $0"
for cmd in awk getconf ps timeout; do
  command -v "$cmd" >/dev/null || die "$cmd is missing (coreutils/procps/mawk)"
done
if [[ $IDLE_HOST == 0 ]]; then
  for cmd in ip sysctl; do
    command -v "$cmd" >/dev/null || die "$cmd is missing: apt-get install iproute2 procps"
  done
fi
[[ -x /usr/sbin/nethogs || -x /usr/bin/nethogs || -x /usr/local/sbin/nethogs ]] ||
  die "nethogs is missing: apt-get install nethogs"
bench_init # CLK_TCK, ROOT (the working directory), HOGWATCH

# ----------------------------------------------------------------------------- state
WORK=""         # temporary directory: snapshots, stderr, results
HW_PID=""       # the running hogwatch (our child), and its start time (clock ticks after boot)
HW_START=""
SLEEP_PID=""    # the background sleep of the window (waited on so signals are not delayed)
OURS=()         # "pid:starttime:name" of every helper and nethogs seen under our hogwatch
NS_CREATED=()   # namespaces to delete
NS_H="" NS_P="" DEV="" PEER_DEV=""
OUT="" ERR=""   # this run's snapshots and hogwatch's stderr

# ----------------------------------------------------------------------------- /proc
# (now, read_stat, read_mem, is_alive, comm_of, wait_gone: benches/lib/proc_cost.sh)

# children PID: pids of its children.
children() {
  local f out=""
  if [[ -r /proc/$1/task/$1/children ]]; then # CONFIG_PROC_CHILDREN
    for f in /proc/"$1"/task/*/children; do
      out+=" $(cat -- "$f" 2>/dev/null)"
    done
  else
    out=$(ps --ppid "$1" -o pid= 2>/dev/null) || true
  fi
  # shellcheck disable=SC2086 # word-split on purpose: one line of pids
  echo $out
}

remember() { # remember pid:start:name, once
  local p
  for p in "${OURS[@]}"; do [[ $p == "$1" ]] && return 0; done
  OURS+=("$1")
}

# discover: the helper under hogwatch and the nethogs under the helper. Sets HELPER
# ("pid:start"), HELPER_DEVS (its device arguments) and NETHOGS ("pid:start:dev" each).
# True when the helper runs and one nethogs per device runs.
discover() {
  local c argv
  HELPER="" HELPER_DEVS=() NETHOGS=()
  for c in $(children "$HW_PID"); do
    comm_of "$c"
    if [[ $COMM == hogwatch-helpe* ]] && read_stat "$c"; then # comm is cut at 15 chars
      HELPER="$c:$STAT_START"
      break
    fi
  done
  [[ -n $HELPER ]] || return 1
  remember "$HELPER:hogwatch-helper"
  mapfile -d '' -t argv 2>/dev/null <"/proc/${HELPER%%:*}/cmdline" || return 1
  [[ ${argv[1]:-} == --interval ]] || return 1 # `hogwatch-helper --interval N DEV...`
  HELPER_DEVS=("${argv[@]:3}")
  for c in $(children "${HELPER%%:*}"); do
    comm_of "$c"
    if [[ $COMM != nethogs ]] || ! read_stat "$c"; then continue; fi
    mapfile -d '' -t argv 2>/dev/null <"/proc/$c/cmdline" || continue
    ((${#argv[@]})) || continue # exiting: its cmdline is already empty
    NETHOGS+=("$c:$STAT_START:${argv[-1]}") # `nethogs ... -- DEV`
    remember "$c:$STAT_START:nethogs"
  done
  ((${#HELPER_DEVS[@]} > 0 && ${#NETHOGS[@]} == ${#HELPER_DEVS[@]}))
}

# packets DEV...: rx+tx packets of these devices, as hogwatch's network namespace sees them.
packets() {
  awk -v devs=" $* " '
    NR > 2 {
      i = index($0, ":"); name = substr($0, 1, i - 1); gsub(/ /, "", name)
      if (index(devs, " " name " ")) { split(substr($0, i + 1), a, " "); n += a[2] + a[10] }
    }
    END { print n + 0 }' "/proc/$HW_PID/net/dev" 2>/dev/null || echo "?"
}

# ----------------------------------------------------------------------------- start/stop
launch() {
  local -a cmd=("$HOGWATCH" top --json --elevate none --interval "$INTERVAL")
  [[ $IDLE_CMD == server ]] && cmd=("$HOGWATCH" server --elevate none --interval "$INTERVAL")
  OUT=$WORK/run$1.jsonl ERR=$WORK/run$1.stderr
  if [[ $IDLE_HOST == 1 ]]; then
    HOGWATCH_LOG=warn "${cmd[@]}" </dev/null >"$OUT" 2>"$ERR" &
  else
    cmd+=(--devices "$DEV")
    HOGWATCH_LOG=warn ip netns exec "$NS_H" "${cmd[@]}" </dev/null >"$OUT" 2>"$ERR" &
  fi
  HW_PID=$! # `ip netns exec` execs the command: this is hogwatch's pid
  HW_START=""
  if read_stat "$HW_PID"; then HW_START=$STAT_START; fi
}

# wait_ready: per-process mode in the snapshots, and one nethogs per device, within 15 s.
wait_ready() {
  local deadline
  deadline=$(deadline_in "$READY_TIMEOUT")
  while :; do
    if ! is_alive "$HW_PID" "$HW_START"; then
      stderr_tail "$ERR"
      die "hogwatch exited before per-process mode (see above)"
    fi
    # top: a per-process snapshot; server (no snapshots on stdout): its URL on stderr.
    if { [[ $IDLE_CMD == server ]] && grep -q 'dashboard at' -- "$ERR" ||
      grep -q '"mode":"per-process"' -- "$OUT"; } && discover; then
      return 0
    fi
    if ! before "$deadline"; then
      stderr_tail "$ERR"
      [[ -s $OUT ]] && say "last snapshot: $(tail -n 1 -- "$OUT" | cut -c1-300)"
      die "no \"mode\":\"per-process\" with one nethogs per device within ${READY_TIMEOUT} s"
    fi
    sleep 0.2
  done
}

# stop_hogwatch: SIGTERM to hogwatch by pid (the helper sees its stdin close and stops every
# nethogs), wait for all of them, SIGKILL by pid what is left. Sets STOP_NOTE.
stop_hogwatch() {
  STOP_NOTE=""
  [[ -n $HW_PID ]] || return 0
  local pid=$HW_PID start=$HW_START p name
  if is_alive "$pid" "$start"; then
    discover || true # remember what runs now: once hogwatch is gone they are reparented
  fi
  HW_PID=""
  stop_term_kill hogwatch "$pid:$start"
  STOP_NOTE=$TERM_NOTE
  if ! wait_gone "$STOP_TIMEOUT" "${OURS[@]}"; then
    for p in "${OURS[@]}"; do
      IFS=: read -r pid start name <<<"$p"
      if is_alive "$pid" "$start"; then
        say "$name (pid $pid) still runs ${STOP_TIMEOUT} s after hogwatch stopped: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    wait_gone 2 "${OURS[@]}" || true
    STOP_NOTE+=", leftovers needed SIGKILL"
  fi
  # No nethogs of ours may remain: none we saw, none under a helper of ours, and (namespace
  # mode) no process at all in our namespaces.
  local left=() helpers=" "
  for p in "${OURS[@]}"; do
    IFS=: read -r pid start name <<<"$p"
    is_alive "$pid" "$start" && left+=("$pid")
    [[ $name == hogwatch-helper ]] && helpers+="$pid "
  done
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    comm_of "$pid"
    [[ $COMM == nethogs ]] && read_stat "$pid" && [[ $helpers == *" $STAT_PPID "* ]] && left+=("$pid")
  done
  for p in "${NS_CREATED[@]}"; do
    for pid in $(timeout "$CMD_TIMEOUT" ip netns pids "$p" 2>/dev/null); do left+=("$pid"); done
  done
  if ((${#left[@]})); then
    say "still running after stop: ${left[*]}: SIGKILL"
    kill -KILL "${left[@]}" 2>/dev/null || true
    STOP_NOTE+="; LEFTOVERS KILLED: ${left[*]}"
  else
    STOP_NOTE+="; helper and $(printf '%s\n' "${OURS[@]}" | grep -c ':nethogs$') nethogs exited; no nethogs of ours left"
  fi
  OURS=()
}

stop_all() { # on exit (cleanup_on_exit): hogwatch, the helper, nethogs, the namespaces
  stop_hogwatch
  [[ -n $STOP_NOTE ]] && say "cleanup: $STOP_NOTE"
  delete_namespaces
}
trap_exits 'cleanup_on_exit stop_all IDLE_KEEP'

# ----------------------------------------------------------------------------- report
# Results, one line per process and run (tab-separated): run, name, Δticks ("-" if it exited
# during the window), wall seconds, VmHWM kB, VmRSS kB, note.
RESULTS="" STATS=""

# table RUN|median: the table for one run or the medians over every run, and the check.
table() {
  results_awk "$1" '
    sel == "median" || $1 == sel {
      take(3)
      r = $1
      if (cpu != "-") { all_c[r] += cpu; if ($2 ~ /^hogwatch/) own_c[r] += cpu }
      if (hwm != "-") { all_h[r] += hwm; if ($2 ~ /^hogwatch/) own_h[r] += hwm }
      if (rss != "-") { all_r[r] += rss; if ($2 ~ /^hogwatch/) own_r[r] += rss }
      runs[r] = 1
    }
    END {
      for (r in runs) { add("hogwatch + helper", own_c[r], own_h[r], own_r[r]); add("all (sum)", all_c[r], all_h[r], all_r[r]) }
      print_table(24)
      printf "  aim, hogwatch process:  CPU %s %% <= %s %% of one core: %s;  peak RSS (VmHWM) %s MB <= %s MB: %s\n",
        f(c["hogwatch"], 2), aim_cpu, verdict(c["hogwatch"], aim_cpu), f(h["hogwatch"], 1), aim_mem, verdict(h["hogwatch"], aim_mem)
      printf "  today (before): hogwatch peak RSS %s\n", before_hwm
      printf "  same aim, hogwatch + helper (for reference):  CPU %s %%: %s;  VmHWM sum %s MB: %s\n",
        f(c["hogwatch + helper"], 2), verdict(c["hogwatch + helper"], aim_cpu), f(h["hogwatch + helper"], 1), verdict(h["hogwatch + helper"], aim_mem)
    }' -v aim_cpu="$AIM_CPU_PCT" -v aim_mem="$AIM_MEM_MB" -v before_hwm="$BEFORE_HWM"
}

measure() { # measure RUN
  local run=$1 t0 t1 wall lines0 lines1 snaps off=0 pk0 pk1 p k
  local -a keys0 keys1 allkeys devs
  # shellcheck disable=SC2034 # T0, T1, CT0, CT1: filled and read by name (sample_*, tick_delta)
  local -A T0 T1 CT0 CT1 HWM RSS NAME
  launch "$run"
  wait_ready
  # Start of the window.
  keys0=("$HW_PID:$HW_START") NAME["$HW_PID:$HW_START"]=hogwatch
  keys0+=("$HELPER") NAME[$HELPER]=hogwatch-helper
  for p in "${NETHOGS[@]}"; do
    keys0+=("${p%:*}") NAME[${p%:*}]="nethogs ${p##*:}"
  done
  sample_ticks T0 CT0 "${keys0[@]}"
  t0=$NOW
  lines0=$(wc -l <"$OUT")
  devs=("${HELPER_DEVS[@]}")
  pk0=$(packets "${devs[@]}")
  say "run $run/$RUNS: measuring for ${IDLE_SECONDS} s (${#NETHOGS[@]} nethogs: ${devs[*]})"

  nap "$IDLE_SECONDS"

  # End of the window.
  if ! is_alive "$HW_PID" "$HW_START"; then
    stderr_tail "$ERR"
    die "hogwatch exited during the window"
  fi
  discover || true # a nethogs that restarted in the window shows up as a new process
  keys1=("$HW_PID:$HW_START")
  [[ -n $HELPER ]] && keys1+=("$HELPER") NAME[$HELPER]=hogwatch-helper
  for p in "${NETHOGS[@]}"; do
    keys1+=("${p%:*}") NAME[${p%:*}]="nethogs ${p##*:}"
  done
  sample_end T1 CT1 HWM RSS "${keys1[@]}"
  t1=$NOW
  lines1=$(wc -l <"$OUT")
  pk1=$(packets "${devs[@]}")
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')

  allkeys=("${keys0[@]}")
  for k in "${keys1[@]}"; do [[ -v T0[$k] ]] || allkeys+=("$k"); done
  for k in "${allkeys[@]}"; do
    tick_delta T0 T1 "$k"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "${NAME[$k]}" "$DELTA" "$wall" \
      "${HWM[$k]:--}" "${RSS[$k]:--}" "$DELTA_NOTE" >>"$RESULTS"
  done
  snaps=$((lines1 - lines0))
  if ((snaps > 0)); then
    off=$(sed -n "$((lines0 + 1)),${lines1}p" -- "$OUT" | grep -vc '"mode":"per-process"' || true)
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$run" "$wall" "$snaps" "$off" \
    "$([[ $pk0 == "?" || $pk1 == "?" ]] && echo "?" || echo $((pk1 - pk0)))" >>"$STATS"

  stop_hogwatch

  echo
  if [[ $IDLE_CMD == server ]]; then
    echo "run $run/$RUNS: window ${wall} s; the server prints no snapshots (per-process: its helper and nethogs ran)"
  else
    echo "run $run/$RUNS: window ${wall} s; snapshots received: ${snaps} in the window (expected ~$((IDLE_SECONDS / INTERVAL))), $off of them not per-process, $(wc -l <"$OUT") in all"
  fi
  echo "  packets (rx+tx) on ${devs[*]} during the window: $(cut -f5 <(tail -n 1 -- "$STATS"))$([[ $IDLE_HOST == 1 ]] || echo " (idle means 0)")"
  table "$run"
  print_stop_lines "$ERR"
}

# ----------------------------------------------------------------------------- main
build_release
[[ -x $HOGWATCH && -x $ROOT/target/release/hogwatch-helper ]] ||
  die "target/release/hogwatch or hogwatch-helper is missing after the build"

make_work idle

if [[ $IDLE_HOST == 0 ]]; then
  setup_namespaces
  # The server listens on 127.0.0.1: loopback up (hogwatch monitors only $DEV).
  [[ $IDLE_CMD == server ]] && nsip -n "$NS_H" link set lo up
  where="isolated network namespace $NS_H, one idle veth $DEV (169.254.77.1/30, static ARP, IPv6 off) to $NS_P"
else
  where="host network, hogwatch's default devices"
fi
read_context

summary_head "$IDLE_SECONDS" "window ${IDLE_SECONDS} s x $RUNS run(s)" \
  "hogwatch idle cost: \`hogwatch $IDLE_CMD$([[ $IDLE_CMD == top ]] && echo ' --json') --elevate none --interval $INTERVAL\`, real nethogs" \
  "  $where"

medians_heading() {
  echo "medians of $RUNS runs: snapshots in the window $(cut -f3 "$STATS" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }') (per run: $(cut -f3 "$STATS" | tr '\n' ' ' | sed 's/ $//'))"
}
measure_runs medians_heading
