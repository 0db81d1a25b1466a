#!/usr/bin/env bash
# Whole-process cost of the tray applet (plain `hogwatch`) on a busy machine: CPU (% of one
# core) and memory (VmHWM = peak RSS, VmRSS) of the hogwatch process over a fixed window,
# with the tray host (xfce4-panel), the X server and the session bus measured in the same
# window for context, printed for the README.
# Aim checked: the hogwatch process ≤ 1 % of one core.
#
# Usage, from anywhere (root not needed): benches/tray_cost.sh
#   BENCH_SECONDS=N   length of the measured window in seconds (default 300)
#   RUNS=N            number of runs; with more than one, the medians are printed too (default 1)
#   PROCS=N           processes in the replayed machine, alive at any time (default 200)
#   TRAY_HOST=1       run xfce4-panel with a systray, so the icon is really drawn (default 1);
#                     0: no tray host (the applet may then export no item: measured all the same)
#   WARMUP_SECONDS=N  the window starts N s after launch (default 20), and never before the
#                     tray item has been on the bus for 5 s (waited for 30 s at most)
#   KEEP=1            keep the work directory (replay, stderr, history, panel config, and a
#                     screenshot of the screen after each window when ImageMagick is there)
#   WINDOW_CYCLES=N   after the window, open and close the dashboard window N times, then
#                     read the tray's memory again (default 5; 0: skip)
#   WINDOW_OPEN_SECONDS=N  how long each dashboard window stays open (default 8)
#
# Input: benches/gen_replay.py writes a seeded recording (same file every time) of a machine
# with PROCS processes on eth0 and wlan0, one refresh per second, long enough for the window
# (BENCH_SECONDS + 60 s); it is generated in the work directory, never in the repository.
# hogwatch runs as a user would have it — `hogwatch --source replay:FILE --replay-speed 1
# --interval 1 --data-dir DIR` (history on, written into the work directory) — so it does
# all its live work (accounting 200 processes, history, tray updates) without root or nethogs.
#
# Method: `cargo build --release --locked`; generate the replay; then for each run start a
# fresh desktop: `Xvfb -displayfd` (a free display, found race-free), a private
# `dbus-daemon --session`, and with TRAY_HOST=1 `xfce4-panel --disable-wm-check` with one
# panel holding the systray plugin (config written to
# $XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml; ready when its
# org.kde.StatusNotifierWatcher says a host is registered). Every process gets a clean
# environment (env -i) whose HOME and XDG_* point into the run's directory, so D-Bus-activated
# services (xfconfd, the accessibility bus) write there and can be found again by that
# environment. Start hogwatch; poll the bus (ListNames + GetConnectionUnixProcessID) for a
# connection of hogwatch's pid that exports an org.kde.StatusNotifierItem (gdbus introspect)
# and, with a host, note its entry in the watcher's RegisteredStatusNotifierItems; nothing
# polls during the window. Read utime+stime (/proc/PID/
# stat fields 14+15, all threads, clock ticks) of every process of the stack at the start and
# the end of the window, and VmHWM/VmRSS (/proc/PID/status) at the end. CPU % of one core =
# Δticks / CLK_TCK / wall seconds × 100. MB are MiB (1024 kB).
# A `hogwatch` without the tray applet (plain `hogwatch` used to run the terminal table) is
# measured all the same: no tray item appears, and the summary says so.
#
# The dashboard window (issue 14): after the window, a second `hogwatch` (which hands over
# to the running tray: "open-dashboard") opens the dashboard window — the process
# hogwatch-window, a child of the tray — which stays WINDOW_OPEN_SECONDS s (its WebKit web
# process up), then gets SIGTERM (it closes as its close button would); WINDOW_CYCLES times.
# SETTLE s later the tray's VmRSS/VmHWM are read. Printed beside today's figures (before the
# window had a process of its own: steady 84–91 MiB, ~166 MiB after opening the window once).
#
# Exit status: 0 when the measurement ran, whether or not the aim was met (this is a
# benchmark, not a test); 1 when it could not run. Everything it starts is stopped by pid on
# every exit path (hogwatch with SIGTERM first, then the panel, the activated services, the
# bus and the X server; SIGKILL after a bounded wait), and each step is bounded in time.
set -euo pipefail
shopt -s nullglob
# shellcheck source-path=SCRIPTDIR source=lib/proc_cost.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/proc_cost.sh"

readonly AIM_CPU_PCT=1        # % of one core, the hogwatch process
readonly READY_TIMEOUT=30     # s from launch to wait for hogwatch's tray item on the bus
readonly SETTLE=5             # s the tray item must have been there before the window
readonly START_TIMEOUT=20     # s for Xvfb, dbus-daemon and the panel to be ready, each
readonly STOP_TIMEOUT=5       # s for each process to exit after SIGTERM
readonly CMD_TIMEOUT=10       # s for each gdbus / git / python / import command
readonly BUILD_TIMEOUT=3600   # s for cargo, which may wait for the build lock
readonly INTERVAL=1           # hogwatch --interval, s
readonly REPLAY_SEED=1
readonly BENCH_NAME=tray_cost # the prefix of its messages

window_and_runs BENCH_SECONDS 300
whole_number PROCS 200 5 1 20000 "a number from 1 to 20000"
whole_number WARMUP_SECONDS 20 4 0 3600 "a number from 0 to 3600"
flag TRAY_HOST 1
flag KEEP 0
whole_number WINDOW_CYCLES 5 3 0 100 "a number from 0 to 100"
whole_number WINDOW_OPEN_SECONDS 8 3 1 600 "a number from 1 to 600"
# Today's figures (before the window ran in its own process), printed beside the new ones.
readonly BEFORE_STEADY="84-91 MiB"
readonly BEFORE_AFTER_WINDOW="~166 MiB (after one window)"
readonly AIM_TRAY_MB=60
# The replay outlasts the latest possible window end (ready timeout + settle + window).
# and the dashboard window's cycles (each at most ~15 s more than it stays open).
REPLAY_SECONDS=$((READY_TIMEOUT + SETTLE + BENCH_SECONDS + 25 + WINDOW_CYCLES * (WINDOW_OPEN_SECONDS + 15)))
((REPLAY_SECONDS >= WARMUP_SECONDS + BENCH_SECONDS + 25)) ||
  REPLAY_SECONDS=$((WARMUP_SECONDS + BENCH_SECONDS + 25 + WINDOW_CYCLES * (WINDOW_OPEN_SECONDS + 15)))

for cmd in awk getconf grep timeout python3 Xvfb dbus-daemon gdbus; do
  command -v "$cmd" >/dev/null ||
    die "$cmd is missing: apt-get install coreutils mawk python3 xvfb dbus libglib2.0-bin"
done
if [[ $TRAY_HOST == 1 ]]; then
  command -v xfce4-panel >/dev/null || die "xfce4-panel is missing: apt-get install xfce4-panel (or TRAY_HOST=0)"
fi
bench_init # CLK_TCK, ROOT (the working directory), HOGWATCH
# What every process of the stack runs with (a clean environment, see `stack_env`).
readonly STACK_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

# ----------------------------------------------------------------------------- state
WORK=""          # temporary directory: replay, runs, results
RUN_DIR=""       # this run's directory: HOME, XDG_*, logs (the stack's marker)
SLEEP_PID=""     # the background sleep of the window (waited on so signals are not delayed)
HW=""            # "pid:start" of hogwatch, XV of Xvfb, DB of the session bus, PN of the panel
XV="" DB="" PN=""
DISPLAY_NUM=""   # Xvfb's display number
BUS_ADDR=""      # the private session bus
STOP_NOTE=""

# ----------------------------------------------------------------------------- /proc
# (now, read_stat, read_mem, is_alive, nap, comm_of, key_of, wait_gone:
# benches/lib/proc_cost.sh)

# stack_pids: STACK = "pid:start" of every running process carrying this run's environment
# (HOME in RUN_DIR, or the marker variable), whoever started it.
stack_pids() {
  local f pid
  STACK=()
  [[ -n $RUN_DIR ]] || return 0
  while IFS= read -r f; do
    pid=${f#/proc/}
    pid=${pid%/environ}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    key_of "$pid"
    [[ -n $KEY ]] && STACK+=("$KEY")
  done < <(grep -lzxF -e "HOGWATCH_BENCH_STACK=$RUN_DIR" -e "HOME=$RUN_DIR/home" \
    /proc/[0-9]*/environ 2>/dev/null || true)
}

# stop_procs LABEL pid:start...: SIGTERM, wait, SIGKILL what is left; reap our children.
# Appends to STOP_NOTE.
stop_procs() {
  local label=$1 p pid left=()
  shift
  (($#)) || return 0
  for p in "$@"; do
    is_alive "${p%%:*}" "${p#*:}" && kill -TERM "${p%%:*}" 2>/dev/null
  done
  if ! wait_gone "$STOP_TIMEOUT" "$@"; then
    for p in "$@"; do
      pid=${p%%:*}
      if is_alive "$pid" "${p#*:}"; then
        comm_of "$pid"
        left+=("$pid ($COMM)")
        kill -KILL "$pid" 2>/dev/null
      fi
    done
    wait_gone 2 "$@" || true
    STOP_NOTE+="${STOP_NOTE:+; }$label: SIGKILL needed for ${left[*]}"
  fi
  for p in "$@"; do wait "${p%%:*}" 2>/dev/null || true; done # reap those that are ours
  return 0
}

# stop_stack: hogwatch first (SIGTERM, so it flushes its history), then the panel, every
# other process of the stack (activated services), the bus, the X server. Sets STOP_NOTE.
stop_stack() {
  local - # errexit off until it returns: a process may exit between a check and a kill
  set +e
  local p hw_note=""
  STOP_NOTE=""
  if [[ -n $HW ]]; then
    stop_term_kill hogwatch "$HW"
    hw_note=$TERM_NOTE
    HW=""
  fi
  [[ -n $PN ]] && stop_procs "xfce4-panel" "$PN"
  PN=""
  stack_pids
  local others=()
  for p in "${STACK[@]}"; do
    [[ $p == "$DB" || $p == "$XV" ]] || others+=("$p")
  done
  ((${#others[@]})) && stop_procs "activated services" "${others[@]}"
  [[ -n $DB ]] && stop_procs "dbus-daemon" "$DB"
  DB=""
  if [[ -n $XV ]]; then
    stop_procs "Xvfb" "$XV"
    # A SIGKILLed Xvfb leaves its lock and socket behind.
    local lock=/tmp/.X${DISPLAY_NUM}-lock
    if [[ -n $DISPLAY_NUM && -f $lock && $(tr -d ' ' <"$lock" 2>/dev/null) == "${XV%%:*}" ]]; then
      rm -f -- "$lock" "/tmp/.X11-unix/X$DISPLAY_NUM"
    fi
  fi
  XV=""
  # Nothing of this run's stack may remain.
  stack_pids
  if ((${#STACK[@]})); then
    local names=()
    for p in "${STACK[@]}"; do
      comm_of "${p%%:*}"
      names+=("${p%%:*} ($COMM)")
      kill -KILL "${p%%:*}" 2>/dev/null
    done
    STOP_NOTE+="${STOP_NOTE:+; }LEFTOVERS KILLED: ${names[*]}"
  else
    STOP_NOTE+="${STOP_NOTE:+; }no process of the stack left"
  fi
  STOP_NOTE="${hw_note:-hogwatch was not started}; $STOP_NOTE"
}

stop_all() { # on exit (cleanup_on_exit): the stack of the run under way, if any
  if [[ -n $RUN_DIR ]]; then
    stop_stack
    say "cleanup: $STOP_NOTE"
  fi
}
trap_exits 'cleanup_on_exit stop_all KEEP'

# ----------------------------------------------------------------------------- the stack
# stack_env: SENV = the run's clean environment, for `env -i "${SENV[@]}" CMD &` (a simple
# command, so that $! is CMD's own pid: env execs it).
stack_env() {
  SENV=(
    "PATH=$STACK_PATH" "HOME=$RUN_DIR/home" "USER=${USER:-$(id -un)}" "LOGNAME=${USER:-$(id -un)}"
    "LANG=C.UTF-8" "SHELL=/bin/sh" "HOGWATCH_BENCH_STACK=$RUN_DIR" "HOGWATCH_LOG=warn"
    "XDG_CONFIG_HOME=$RUN_DIR/config" "XDG_DATA_HOME=$RUN_DIR/data"
    "XDG_CACHE_HOME=$RUN_DIR/cache" "XDG_STATE_HOME=$RUN_DIR/state"
    "XDG_RUNTIME_DIR=$RUN_DIR/runtime" "XDG_CONFIG_DIRS=/etc/xdg" "XDG_DATA_DIRS=/usr/local/share:/usr/share"
  )
  [[ -n $DISPLAY_NUM ]] && SENV+=("DISPLAY=:$DISPLAY_NUM")
  [[ -n $BUS_ADDR ]] && SENV+=("DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR")
  return 0
}

bus() { # bus METHOD ARGS...: a call to the bus itself, bounded
  timeout "$CMD_TIMEOUT" env -i "PATH=$STACK_PATH" "DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR" \
    gdbus call --session --dest org.freedesktop.DBus --object-path / \
    --method "org.freedesktop.DBus.$1" "${@:2}" 2>/dev/null
}

# wait_file FILE SECONDS PID:START: true once FILE holds a line, false at the deadline or
# when the process exits.
wait_file() {
  local file=$1 deadline
  deadline=$(deadline_in "$2")
  while :; do
    [[ -s $file ]] && grep -q . -- "$file" && return 0
    is_alive "${3%%:*}" "${3#*:}" || return 1
    before "$deadline" || return 1
    sleep 0.1
  done
}

# started VAR NAME PID LOG: VAR = "pid:start" of NAME, just started in the background as PID
# with its output in LOG; dies with LOG's last lines if it has already exited.
started() {
  key_of "$3"
  printf -v "$1" %s "$KEY"
  [[ -n $KEY ]] || die "$2 exited at once: $(tail -n 3 -- "$4")"
}

# await_line VAR NAME PID LOG FILE WHAT: `started VAR NAME PID LOG`, then LINE = the first
# line NAME writes in FILE (its WHAT); dies with LOG's last lines if NAME exits or writes none
# within START_TIMEOUT.
await_line() {
  started "$1" "$2" "$3" "$4"
  wait_file "$5" "$START_TIMEOUT" "$KEY" ||
    die "$2 gave no $6 within ${START_TIMEOUT} s: $(tail -n 3 -- "$4")"
  LINE=$(head -n 1 -- "$5")
}

start_xvfb() {
  # -displayfd: Xvfb takes the first free display and writes its number once it accepts
  # connections, so there is no race with another X server starting.
  stack_env
  env -i "${SENV[@]}" Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
    3>"$RUN_DIR/display" </dev/null >"$RUN_DIR/xvfb.log" 2>&1 &
  await_line XV Xvfb $! "$RUN_DIR/xvfb.log" "$RUN_DIR/display" display
  DISPLAY_NUM=$LINE
  [[ $DISPLAY_NUM =~ ^[0-9]+$ ]] || die "Xvfb wrote '$DISPLAY_NUM' as its display"
}

start_bus() {
  stack_env
  env -i "${SENV[@]}" dbus-daemon --session --nofork --nopidfile --nosyslog \
    --address="unix:path=$RUN_DIR/runtime/bus" --print-address=1 \
    </dev/null >"$RUN_DIR/bus.address" 2>"$RUN_DIR/dbus.log" &
  await_line DB dbus-daemon $! "$RUN_DIR/dbus.log" "$RUN_DIR/bus.address" address
  BUS_ADDR=$LINE
  bus GetId >/dev/null || die "the private session bus does not answer at $BUS_ADDR"
}

panel_config() { # one panel at the top of the screen, holding only the systray
  local dir=$RUN_DIR/config/xfce4/xfconf/xfce-perchannel-xml
  mkdir -p -- "$dir"
  # The same panel as the tests' (one systray plugin, 24 px icons).
  cp -- "$ROOT/tests/support/xfce4-panel.xml" "$dir/xfce4-panel.xml"
}

watcher() { # watcher PROPERTY: a property of the panel's StatusNotifierWatcher
  timeout "$CMD_TIMEOUT" env -i "PATH=$STACK_PATH" "DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR" \
    gdbus call --session --dest org.kde.StatusNotifierWatcher --object-path /StatusNotifierWatcher \
    --method org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher "$1" 2>/dev/null
}

start_panel() {
  panel_config
  stack_env
  env -i "${SENV[@]}" xfce4-panel --disable-wm-check </dev/null >"$RUN_DIR/panel.log" 2>&1 &
  started PN xfce4-panel $! "$RUN_DIR/panel.log"
  local deadline
  deadline=$(deadline_in "$START_TIMEOUT")
  while :; do
    [[ $(watcher IsStatusNotifierHostRegistered) == "(<true>,)" ]] && return 0
    is_alive "${PN%%:*}" "${PN#*:}" || die "xfce4-panel exited: $(tail -n 5 -- "$RUN_DIR/panel.log")"
    before "$deadline" ||
      die "xfce4-panel registered no StatusNotifier host within ${START_TIMEOUT} s: $(tail -n 5 -- "$RUN_DIR/panel.log")"
    sleep 0.2
  done
}

# tray_item: true once a bus connection of hogwatch's pid exports an
# org.kde.StatusNotifierItem (libayatana puts it at /org/ayatana/NotificationItem/ID, ksni at
# /StatusNotifierItem). Sets TRAY_BUS (its unique name, once connected), TRAY_PATH, and
# TRAY_REG (its entry in the panel's RegisteredStatusNotifierItems, TRAY_HOST=1).
tray_item() {
  local names n pid hw=${HW%%:*} xml
  TRAY_REG=""
  if [[ -z $TRAY_BUS ]]; then
    # hogwatch has several connections (GTK's, its own for the tray-host probe and the
    # notifications): the item is on whichever exports it.
    names=$(bus ListNames) || return 1
    for n in $(grep -o "':[0-9.]*'" <<<"$names" | tr -d "'"); do
      pid=$(bus GetConnectionUnixProcessID "$n") || continue
      [[ $pid == "(uint32 $hw,)" ]] || continue
      xml=$(timeout "$CMD_TIMEOUT" env -i "PATH=$STACK_PATH" "DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR" \
        gdbus introspect --session --dest "$n" --object-path / --recurse 2>/dev/null) || continue
      TRAY_PATH=$(awk '/^ *node / { node = $2 } /interface org\.kde\.StatusNotifierItem /{ print node; exit }' <<<"$xml")
      if [[ -n $TRAY_PATH ]]; then
        TRAY_BUS=$n
        break
      fi
    done
    [[ -n $TRAY_BUS ]] || return 1
  fi
  if [[ $TRAY_HOST == 1 ]]; then
    # An entry is the item's bus name (unique, or org.kde.StatusNotifierItem-PID-N) and path.
    TRAY_REG=$(watcher RegisteredStatusNotifierItems |
      grep -oE "'(${TRAY_BUS//./\\.}|[^']*-$hw-[0-9]+)(/[^']*)?'" | head -n 1 | tr -d "'") || true
  fi
  return 0
}

start_run() { # start_run RUN: a fresh desktop for this run
  RUN_DIR=$WORK/run$1
  mkdir -p -- "$RUN_DIR"/{home,config,data,cache,state,runtime,history}
  chmod 700 -- "$RUN_DIR/runtime"
  DISPLAY_NUM="" BUS_ADDR=""
  start_xvfb
  start_bus
  [[ $TRAY_HOST == 1 ]] && start_panel
  return 0
}

# ----------------------------------------------------------------------------- report
# Results, one line per process and run (tab-separated): run, name, group (hogwatch, host,
# stack), Δticks ("-" if it exited during the window), wall seconds, VmHWM kB, VmRSS kB, note.
RESULTS="" STATS=""

# table RUN|median: the table for one run or the medians over every run, and the check.
table() {
  results_awk "$1" '
    sel == "median" || $1 == sel {
      take(4)
      r = $1; runs[r] = 1
      if ($3 != "hogwatch") {
        if (cpu != "-") st_c[r] += cpu; if (hwm != "-") st_h[r] += hwm; if (rss != "-") st_r[r] += rss
      }
      if ($3 == "host") {
        host[r] = 1
        if (cpu != "-") ho_c[r] += cpu; if (hwm != "-") ho_h[r] += hwm; if (rss != "-") ho_r[r] += rss
      }
    }
    END {
      for (r in runs) {
        if (r in host) add("tray host (panel + plugin)", ho_c[r], ho_h[r], ho_r[r])
        add("desktop stack (sum)", st_c[r], st_h[r], st_r[r])
      }
      print_table(30)
      printf "  aim, hogwatch process:  CPU %s %% <= %s %% of one core: %s;  peak RSS (VmHWM) %s MB (no aim, for the README)\n",
        f(c["hogwatch"], 2), aim_cpu, verdict(c["hogwatch"], aim_cpu), f(h["hogwatch"], 1)
    }' -v aim_cpu="$AIM_CPU_PCT"
}

# name_procs pid:start...: NAME and GROUP (hogwatch, host, stack) of each process not yet
# named (in measure's arrays): the panel's children are its plugins, the rest go by comm.
name_procs() {
  local k name i
  for k in "$@"; do
    [[ -n ${NAME[$k]+x} ]] && continue
    comm_of "${k%%:*}"
    name=${COMM:-pid ${k%%:*}}
    GROUP[$k]=stack
    if [[ -n $PN ]] && read_stat "${k%%:*}" && [[ $STAT_PPID == "${PN%%:*}" ]]; then
      name="$name (panel plugin)" GROUP[$k]=host
    fi
    if [[ -n ${USED[$name]+x} ]]; then
      i=2
      while [[ -n ${USED["$name #$i"]+x} ]]; do i=$((i + 1)); done
      name="$name #$i"
    fi
    USED[$name]=1
    NAME[$k]=$name
  done
}

# ----------------------------------------------------------------------------- the window
# child_named PID NAME: CHILD = the first child of PID whose command line holds NAME.
child_named() {
  CHILD=$(pgrep -P "$1" -f "$2" 2>/dev/null | head -n 1 || true)
}

# window_cycles: opens and closes the dashboard window WINDOW_CYCLES times (see the top).
# WIN_DONE = cycles completed, WIN_NOTE = why it stopped early, WIN_PEAK = the largest
# VmHWM (kB) of a window process, WIN_RSS/WIN_HWM = the tray's VmRSS/VmHWM (kB) after.
window_cycles() {
  local i wpid wkey deadline
  WIN_DONE=0 WIN_NOTE="" WIN_PEAK=0 WIN_RSS="" WIN_HWM=""
  for ((i = 1; i <= WINDOW_CYCLES; i++)); do
    stack_env
    if ! timeout "$CMD_TIMEOUT" env -i "${SENV[@]}" "$HOGWATCH" </dev/null >>"$RUN_DIR/open.log" 2>&1; then
      WIN_NOTE="the second hogwatch (open the dashboard) failed: $(tail -n 1 -- "$RUN_DIR/open.log")"
      break
    fi
    deadline=$(deadline_in 30)
    wpid=""
    while :; do
      child_named "${HW%%:*}" hogwatch-window
      wpid=$CHILD
      if [[ -n $wpid ]]; then
        child_named "$wpid" WebKitWebProcess
        [[ -n $CHILD ]] && break
      fi
      before "$deadline" || break
      sleep 0.2
    done
    if [[ -z $wpid || -z $CHILD ]]; then
      WIN_NOTE="no window process with a WebKit web process 30 s after open $i"
      break
    fi
    nap "$WINDOW_OPEN_SECONDS"
    if read_mem "$wpid" && [[ -n $MEM_HWM ]] && ((MEM_HWM > WIN_PEAK)); then WIN_PEAK=$MEM_HWM; fi
    key_of "$wpid"
    wkey=$KEY
    [[ -n $wkey ]] || { WIN_NOTE="the window process $wpid exited by itself (open $i)"; break; }
    kill -TERM "$wpid" 2>/dev/null || true
    if ! wait_gone "$STOP_TIMEOUT" "$wkey"; then
      WIN_NOTE="the window process $wpid still ran ${STOP_TIMEOUT} s after SIGTERM"
      break
    fi
    WIN_DONE=$i
  done
  nap "$SETTLE"
  if read_mem "${HW%%:*}"; then WIN_RSS=$MEM_RSS WIN_HWM=$MEM_HWM; fi
  return 0
}

# mib KB: KB in MiB, one decimal ("?" if empty).
mib() { [[ -n $1 ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "?"; }

# measure RUN: start the stack and hogwatch, wait, measure the window, stop everything.
measure() {
  local run=$1 t_launch t_ready="" t_start t0 t1 wall k d p lines0 lines1 out err
  local -a keys0 keys1 allkeys
  # shellcheck disable=SC2034 # T0, T1, CT0, CT1: filled and read by name (sample_*, tick_delta)
  local -A T0 T1 CT0 CT1 HWM RSS NAME GROUP USED
  start_run "$run"
  out=$RUN_DIR/hogwatch.stdout err=$RUN_DIR/hogwatch.stderr
  stack_env
  env -i "${SENV[@]}" "$HOGWATCH" --source "replay:$REPLAY" --replay-speed 1 --interval "$INTERVAL" \
    --data-dir "$RUN_DIR/history" </dev/null >"$out" 2>"$err" &
  key_of $!
  HW=$KEY
  now
  t_launch=$NOW
  [[ -n $HW ]] || die "hogwatch exited at once: $(tail -n 5 -- "$err")"

  # Wait for the tray item (at most READY_TIMEOUT), then until the warm-up is over.
  TRAY_BUS="" TRAY_PATH="" TRAY_REG=""
  while :; do
    is_alive "${HW%%:*}" "${HW#*:}" || die "hogwatch exited during the warm-up: $(tail -n 5 -- "$err")"
    if tray_item; then
      now
      t_ready=$NOW
      break
    fi
    now
    awk -v a="$NOW" -v b="$t_launch" -v l="$READY_TIMEOUT" 'BEGIN { exit !(a < b + l) }' || break
    sleep 0.5
  done
  if [[ -n $t_ready ]]; then
    t_start=$(awk -v l="$t_launch" -v w="$WARMUP_SECONDS" -v r="$t_ready" -v s="$SETTLE" \
      'BEGIN { a = l + w; b = r + s; print (a > b) ? a : b }')
  else
    now
    t_start=$(awk -v l="$t_launch" -v w="$WARMUP_SECONDS" -v n="$NOW" 'BEGIN { a = l + w; print (a > n) ? a : n }')
  fi
  now
  d=$(awk -v a="$t_start" -v n="$NOW" 'BEGIN { d = a - n; printf "%.2f", (d > 0) ? d : 0 }')
  nap "$d"
  is_alive "${HW%%:*}" "${HW#*:}" || die "hogwatch exited during the warm-up: $(tail -n 5 -- "$err")"

  # Start of the window: every process of the stack.
  stack_pids
  keys0=("${STACK[@]}")
  for k in "${keys0[@]}"; do
    case $k in
      "$HW") NAME[$k]=hogwatch GROUP[$k]=hogwatch ;;
      "$PN") NAME[$k]=xfce4-panel GROUP[$k]=host ;;
      "$XV") NAME[$k]="Xvfb (X server)" GROUP[$k]=stack ;;
      "$DB") NAME[$k]="dbus-daemon (session bus)" GROUP[$k]=stack ;;
      *) continue ;;
    esac
    USED[${NAME[$k]}]=1
  done
  name_procs "${keys0[@]}"
  sample_ticks T0 CT0 "${keys0[@]}"
  t0=$NOW
  lines0=$(grep -c '' -- "$out" || true)
  say "run $run/$RUNS: measuring for ${BENCH_SECONDS} s (${#keys0[@]} processes in the stack)"

  nap "$BENCH_SECONDS"

  # End of the window.
  if ! is_alive "${HW%%:*}" "${HW#*:}"; then
    stderr_tail "$err"
    die "hogwatch exited during the window"
  fi
  stack_pids
  keys1=("${STACK[@]}")
  sample_end T1 CT1 HWM RSS "${keys1[@]}"
  t1=$NOW
  local hw_cticks0=${CT0[$HW]:-0} hw_cticks1=${CT1[$HW]:-0}
  lines1=$(grep -c '' -- "$out" || true)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  local replay_left
  replay_left=$(awk -v l="$t_launch" -v e="$t1" -v d="$REPLAY_SECONDS" 'BEGIN { printf "%.0f", l + d - e }')

  allkeys=("${keys0[@]}")
  for k in "${keys1[@]}"; do [[ -v T0[$k] ]] || allkeys+=("$k"); done
  name_procs "${allkeys[@]}"
  # hogwatch first, then the host, then the rest.
  local ordered=()
  for p in hogwatch host stack; do
    for k in "${allkeys[@]}"; do [[ ${GROUP[$k]} == "$p" ]] && ordered+=("$k"); done
  done
  for k in "${ordered[@]}"; do
    tick_delta T0 T1 "$k"
    if [[ $k == "$HW" ]] && ((hw_cticks1 > hw_cticks0)); then
      DELTA_NOTE+="${DELTA_NOTE:+; }+$((hw_cticks1 - hw_cticks0)) ticks of children that exited, not counted"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "${NAME[$k]}" "${GROUP[$k]}" "$DELTA" "$wall" \
      "${HWM[$k]:--}" "${RSS[$k]:--}" "$DELTA_NOTE" >>"$RESULTS"
  done
  printf '%s\t%s\t%s\n' "$run" "$wall" "$((lines1 - lines0))" >>"$STATS"

  # After the window (not measured): a screenshot for KEEP=1, the history's size.
  local shot=""
  if [[ $KEEP == 1 ]] && command -v import >/dev/null; then
    timeout "$CMD_TIMEOUT" env -i "PATH=$STACK_PATH" "DISPLAY=:$DISPLAY_NUM" \
      import -window root "$RUN_DIR/screen.png" 2>/dev/null && shot="$RUN_DIR/screen.png"
  fi
  local tray_rss=${RSS[$HW]:-}
  ((WINDOW_CYCLES > 0)) && window_cycles
  local panel_err=""
  [[ -n $PN ]] && panel_err=$(grep -cE 'CRITICAL|WARNING|ERROR' -- "$RUN_DIR/panel.log" || true)

  stop_stack
  local hist
  hist=$(du -sk -- "$RUN_DIR/history" 2>/dev/null | cut -f1)

  echo
  echo "run $run/$RUNS: window ${wall} s, display :$DISPLAY_NUM; the replay had ~${replay_left} s left at its end (must be > 0)"
  if [[ -n $t_ready ]]; then
    local after reg="no tray host"
    after=$(awk -v a="$t_ready" -v b="$t_launch" 'BEGIN { printf "%.1f", a - b }')
    if [[ $TRAY_HOST == 1 ]]; then
      reg="registered with xfce4-panel's StatusNotifierWatcher as ${TRAY_REG:-NOTHING (not registered!)}"
    fi
    echo "  tray item: $TRAY_BUS exports org.kde.StatusNotifierItem at $TRAY_PATH, ${after} s after launch; $reg"
  else
    local why="no tray applet yet?"
    if [[ -n $TRAY_BUS ]]; then
      why="it is on the bus as $TRAY_BUS"
      [[ $TRAY_HOST == 0 ]] && why+=", and may wait for a tray host before it exports its item"
    fi
    echo "  tray item: NONE — no StatusNotifierItem from hogwatch within ${READY_TIMEOUT} s ($why); measured whatever it does"
  fi
  echo "  hogwatch stdout: $((lines1 - lines0)) lines in the window ($(grep -c '' -- "$out" || true) in all)$( ((lines1 > lines0)) && echo ' — the terminal table, not the tray')"
  table "$run"
  echo "  tray steady VmRSS: $(mib "$tray_rss") MiB (today (before): $BEFORE_STEADY; aim <= $AIM_TRAY_MB MiB)"
  if ((WINDOW_CYCLES > 0)); then
    echo "  tray after opening and closing the dashboard window $WIN_DONE time(s): VmRSS $(mib "$WIN_RSS") MiB, VmHWM $(mib "$WIN_HWM") MiB (today (before): $BEFORE_AFTER_WINDOW; aim <= $AIM_TRAY_MB MiB); window process peak VmHWM $(mib "$WIN_PEAK") MiB${WIN_NOTE:+ — stopped early: $WIN_NOTE}"
  fi
  echo "  history written: ${hist:-?} kB in $RUN_DIR/history"
  print_stop_lines "$err"
  if [[ -n $panel_err && $panel_err != 0 ]]; then
    echo "  xfce4-panel and its plugin logged $panel_err warning(s), the last: $(grep -E 'CRITICAL|WARNING|ERROR' -- "$RUN_DIR/panel.log" | tail -n 1 | cut -c1-200)"
  fi
  [[ -n $shot ]] && echo "  screenshot after the window: $shot"
  RUN_DIR=""
  return 0
}

# ----------------------------------------------------------------------------- main
if ! ldconfig -p 2>/dev/null | grep -q 'libayatana-appindicator3\.so\.1'; then
  say "warning: libayatana-appindicator3-1 is missing: the tray applet aborts on creating its icon (apt-get install libayatana-appindicator3-1)"
fi
build_release
[[ -x $HOGWATCH ]] || die "target/release/hogwatch is missing after the build"

make_work tray
REPLAY=$WORK/replay.jsonl
timeout "$((CMD_TIMEOUT * 12))" python3 "$ROOT/benches/gen_replay.py" --procs "$PROCS" \
  --seconds "$REPLAY_SECONDS" --seed "$REPLAY_SEED" "$REPLAY" 2>"$WORK/gen.log" ||
  die "benches/gen_replay.py failed: $(tail -n 3 -- "$WORK/gen.log")"

read_context
host="no tray host (TRAY_HOST=0)"
if [[ $TRAY_HOST == 1 ]]; then
  host="tray host: xfce4-panel $(dpkg-query -W -f '${Version}' xfce4-panel 2>/dev/null || echo "?") with the systray plugin"
fi

summary_head "$BENCH_SECONDS" \
  "warm-up ${WARMUP_SECONDS} s (tray item first: ${READY_TIMEOUT} s at most); window ${BENCH_SECONDS} s x $RUNS run(s)" \
  "hogwatch tray cost: \`hogwatch --source replay:FILE --replay-speed 1 --interval $INTERVAL --data-dir DIR\` (history on)" \
  "  replay: $(tail -n 1 -- "$WORK/gen.log" | sed 's/^gen_replay: //'), $(du -k -- "$REPLAY" | cut -f1) kB (benches/gen_replay.py)" \
  "  Xvfb 1280x800x24, private dbus-daemon --session; $host"

medians_heading() {
  echo "medians of $RUNS runs (hogwatch stdout lines per window: $(cut -f3 "$STATS" | tr '\n' ' ' | sed 's/ $//'))"
}
measure_runs medians_heading
