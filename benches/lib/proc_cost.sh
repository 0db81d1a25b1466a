# shellcheck shell=bash
# shellcheck disable=SC2034 # the functions set globals (NOW, STAT_*, KEY...) for the scripts
# benches/lib/proc_cost.sh: what the whole-process benchmarks benches/idle_cost.sh and
# benches/tray_cost.sh share. They source it (`source "$(dirname -- "${BASH_SOURCE[0]}")/lib/
# proc_cost.sh"`); it holds functions only: sourcing it runs nothing and sets nothing.
#
#   messages    say, die (prefixed with BENCH_NAME), stderr_tail
#   settings    whole_number, flag, window_and_runs (the environment's settings, checked)
#   setup       bench_init (CLK_TCK, cd ROOT, cargo in PATH, HOGWATCH), build_release (bounded
#               cargo build), make_work (WORK, RESULTS, STATS), read_context (LOADAVG, VERSION,
#               COMMIT)
#   /proc       now, read_stat (/proc/PID/stat: state, ppid, utime+stime, cutime+cstime,
#               starttime), read_mem (VmHWM, VmRSS), is_alive, comm_of, key_of ("pid:start",
#               safe against reused pids)
#   waiting     deadline_in, before, nap (an interruptible sleep), wait_gone (bounded)
#   measuring   sample_ticks, sample_end (ticks and memory of each process, into the caller's
#               associative arrays), tick_delta (Δticks of one process over the window),
#               measure_runs (every run, then the medians)
#   stopping    stop_term_kill (SIGTERM, bounded wait, SIGKILL, reap)
#   summary     summary_head, results_awk (awk over RESULTS with the median, CPU % of one
#               core = Δticks / CLK_TCK / wall s × 100, MiB, and the table), print_stop_lines
#   exit        trap_exits, cleanup_on_exit (stop everything, remove WORK, keep the status)
#
# Each function is safe under `set -euo pipefail`: those that may be false (read_stat,
# read_mem, is_alive, before, wait_gone) are meant for `if`, `&&` and `||`; the others return 0
# or exit through die. What the script provides: BENCH_NAME (the messages' prefix); the
# constants CMD_TIMEOUT, STOP_TIMEOUT and BUILD_TIMEOUT (seconds); the globals SLEEP_PID and
# WORK (declared empty before trap_exits) and RUNS; the functions `measure RUN` and `table
# RUN|median` (for measure_runs) and a function that stops what it started (for
# cleanup_on_exit).

# ----------------------------------------------------------------------------- messages
say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() {
  say "$*"
  exit 1
}

# stderr_tail FILE: FILE's last 20 lines on stderr, if it holds any (hogwatch's stderr).
stderr_tail() {
  [[ -s $1 ]] && { say "hogwatch's stderr (last lines):"; tail -n 20 -- "$1" >&2; }
  return 0
}

# ----------------------------------------------------------------------------- settings
# whole_number NAME DEFAULT DIGITS MIN MAX TEXT: the variable NAME (DEFAULT when unset or
# empty) made a plain decimal number (no leading zeros); dies with "NAME must be TEXT, not
# '...'" unless it is 1 to DIGITS digits and from MIN to MAX.
whole_number() {
  local value=${!1:-$2} re="^[0-9]{1,$3}\$"
  if ! [[ $value =~ $re ]] || ((10#$value < $4 || 10#$value > $5)); then
    die "$1 must be $6, not '$value'"
  fi
  printf -v "$1" %d "$((10#$value))"
}

# flag NAME DEFAULT: the variable NAME (DEFAULT when unset or empty), which must be 0 or 1.
flag() {
  printf -v "$1" %s "${!1:-$2}"
  [[ ${!1} == [01] ]] || die "$1 must be 0 or 1, not '${!1}'"
}

# window_and_runs NAME DEFAULT: the window's length in seconds, the variable NAME (DEFAULT
# when unset), from 1 to 86400, and RUNS (default 1), from 1 to 99.
window_and_runs() {
  whole_number "$1" "$2" 5 1 86400 "a whole number of seconds from 1 to 86400"
  whole_number RUNS 1 2 1 99 "a number from 1 to 99"
}

# ----------------------------------------------------------------------------- setup
# bench_init: CLK_TCK (clock ticks per second), ROOT (the repository, physical path) as the
# working directory, cargo's bin directory in PATH, HOGWATCH (the release binary).
bench_init() {
  CLK_TCK=$(getconf CLK_TCK)
  [[ $CLK_TCK =~ ^[1-9][0-9]*$ ]] || die "getconf CLK_TCK gave '$CLK_TCK'"

  ROOT=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$ROOT" || die "cannot change to $ROOT"
  export PATH="${HOME:-/root}/.cargo/bin:$PATH"
  HOGWATCH=$ROOT/target/release/hogwatch
}

# build_release: `cargo build --release --locked`, bounded by BUILD_TIMEOUT.
build_release() {
  say "building: cargo build --release --locked (waits for the build lock if another build runs)"
  timeout --foreground -k 30 "$BUILD_TIMEOUT" cargo build --release --locked || die "cargo build failed"
}

# make_work NAME: WORK = a new /tmp/hogwatch-NAME.XXXXXX, with empty RESULTS and STATS files.
make_work() {
  WORK=$(mktemp -d "/tmp/hogwatch-$1.XXXXXX")
  RESULTS=$WORK/results.tsv STATS=$WORK/stats.tsv
  : >"$RESULTS"
  : >"$STATS"
}

# read_context: LOADAVG ("1 5 15" minutes), VERSION (hogwatch --version) and COMMIT (git
# describe), for the summary.
read_context() {
  local load1 load5 load15 _
  read -r load1 load5 load15 _ </proc/loadavg
  LOADAVG="$load1 $load5 $load15"
  VERSION=$(timeout "$CMD_TIMEOUT" "$HOGWATCH" --version 2>/dev/null || echo "hogwatch ?")
  COMMIT=$(timeout "$CMD_TIMEOUT" git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "?")
}

# summary_head SECONDS WINDOW LINE...: the summary's first lines: each LINE (what is measured,
# and how), the build and the machine, the load average (read_context) followed by WINDOW (a
# text on the window), and what one clock tick is in a window of SECONDS.
summary_head() {
  local seconds=$1 window=$2
  shift 2
  printf '%s\n' "$@"
  echo "  $VERSION (release build, commit $COMMIT); kernel $(uname -r), $(nproc) CPUs, CLK_TCK $CLK_TCK"
  echo "  load average before: $LOADAVG; $window"
  echo "  CPU resolution: 1 tick = $(awk -v c="$CLK_TCK" -v s="$seconds" 'BEGIN { printf "%.3f", 100 / c / s }') % of one core; MB = MiB"
}

# measure_runs HEADING: `measure RUN` (the script's function) for each run from 1 to RUNS;
# with more than one run, then an empty line, what the function HEADING prints, and `table
# median` (the script's function: the medians over every run).
measure_runs() {
  local run
  for ((run = 1; run <= RUNS; run++)); do
    measure "$run"
  done
  if ((RUNS > 1)); then
    echo
    "$1"
    table median
  fi
}

# ----------------------------------------------------------------------------- /proc
now() { # NOW = seconds since boot (monotonic, 10 ms resolution)
  local up _
  read -r up _ </proc/uptime
  NOW=$up
}

# read_stat PID: STAT_STATE, STAT_PPID, STAT_TICKS (utime+stime), STAT_CTICKS (cutime+cstime),
# STAT_START (starttime). False if the process is gone.
read_stat() {
  local s rest f
  read -r s 2>/dev/null <"/proc/$1/stat" || return 1
  rest=${s##*) } # comm, in parentheses, may hold spaces and parentheses
  read -ra f <<<"$rest"
  # f[0] is field 3 (state): field N is f[N-3].
  STAT_STATE=${f[0]} STAT_PPID=${f[1]} STAT_TICKS=$((f[11] + f[12]))
  STAT_CTICKS=$((f[13] + f[14])) STAT_START=${f[19]}
}

# read_mem PID: MEM_HWM and MEM_RSS in kB.
read_mem() {
  local k v _
  MEM_HWM="" MEM_RSS=""
  while read -r k v _; do
    case $k in
      VmHWM:) MEM_HWM=$v ;;
      VmRSS:) MEM_RSS=$v ;;
    esac
  done 2>/dev/null <"/proc/$1/status" || return 1
  [[ -n $MEM_HWM && -n $MEM_RSS ]]
}

# is_alive PID START: runs (not a zombie) and is the process we saw (not a reused pid).
is_alive() {
  read_stat "$1" && [[ $STAT_START == "$2" && $STAT_STATE != [ZX] ]]
}

comm_of() { # COMM = the command name of PID, empty if it is gone (never fails)
  COMM=""
  read -r COMM 2>/dev/null <"/proc/$1/comm" || true
}

# key_of PID: KEY = "pid:start" of a running process (empty if it is gone).
key_of() {
  KEY=""
  if read_stat "$1" && [[ $STAT_STATE != [ZX] ]]; then KEY="$1:$STAT_START"; fi
}

# ----------------------------------------------------------------------------- waiting
# deadline_in SECONDS: prints NOW + SECONDS, for `before`.
deadline_in() {
  now
  awk -v a="$NOW" -v b="$1" 'BEGIN { print a + b }'
}

# before DEADLINE: true while NOW (read again) is before DEADLINE.
before() {
  now
  awk -v a="$NOW" -v b="$1" 'BEGIN { exit !(a < b) }'
}

# nap SECONDS: sleep in the background and wait for it, so a signal is handled at once
# (the EXIT trap kills SLEEP_PID).
nap() {
  sleep "$1" &
  SLEEP_PID=$!
  wait "$SLEEP_PID" || true
  SLEEP_PID=""
}

# wait_gone SECONDS pid:start[:name]...: true once none of them runs, false at the deadline.
wait_gone() {
  local deadline p pid start rest any
  deadline=$(deadline_in "$1")
  shift
  while :; do
    any=0
    for p in "$@"; do
      IFS=: read -r pid start rest <<<"$p"
      is_alive "$pid" "$start" && any=1
    done
    ((any)) || return 0
    before "$deadline" || return 1
    sleep 0.1
  done
}

# ----------------------------------------------------------------------------- measuring
# sample_ticks TICKS CTICKS pid:start...: at NOW (read first), TICKS[pid:start] = utime+stime
# and CTICKS[pid:start] = cutime+cstime of each that still runs. TICKS and CTICKS name the
# caller's associative arrays.
# shellcheck disable=SC2004,SC2178 # namerefs to associative arrays: $k is the key
sample_ticks() {
  local -n _ticks=$1 _cticks=$2
  local k
  shift 2
  now
  for k in "$@"; do
    if is_alive "${k%%:*}" "${k#*:}"; then
      _ticks[$k]=$STAT_TICKS _cticks[$k]=$STAT_CTICKS
    fi
  done
}

# sample_end TICKS CTICKS HWM RSS pid:start...: the same as sample_ticks, and HWM and RSS
# (VmHWM, VmRSS in kB), for each that still runs and whose memory can be read.
# shellcheck disable=SC2004,SC2178 # namerefs to associative arrays: $k is the key
sample_end() {
  local -n _ticks=$1 _cticks=$2 _hwm=$3 _rss=$4
  local k
  shift 4
  now
  for k in "$@"; do
    if is_alive "${k%%:*}" "${k#*:}" && read_mem "${k%%:*}"; then
      _ticks[$k]=$STAT_TICKS _cticks[$k]=$STAT_CTICKS _hwm[$k]=$MEM_HWM _rss[$k]=$MEM_RSS
    fi
  done
}

# tick_delta TICKS0 TICKS1 pid:start: DELTA = its ticks in the window ("-" if it exited during
# the window) and DELTA_NOTE, from the caller's arrays filled at the start and the end.
tick_delta() {
  local -n _t0=$1 _t1=$2
  DELTA_NOTE=""
  if [[ -v _t0[$3] && -v _t1[$3] ]]; then
    DELTA=$((_t1[$3] - _t0[$3]))
  elif [[ -v _t1[$3] ]]; then
    DELTA=${_t1[$3]} DELTA_NOTE="started during the window: all its CPU counted"
  else
    DELTA=- DELTA_NOTE="exited during the window: CPU unknown"
  fi
}

# ----------------------------------------------------------------------------- stopping
# stop_term_kill NAME pid:start: SIGTERM, STOP_TIMEOUT s to exit, then SIGKILL; reaps it if it
# is our child. TERM_NOTE = "NAME stopped by SIGTERM", "NAME needed SIGKILL" or "NAME had
# already exited".
stop_term_kill() {
  local name=$1 pid=${2%%:*} start=${2#*:}
  if is_alive "$pid" "$start"; then
    kill -TERM "$pid" 2>/dev/null || true
    if wait_gone "$STOP_TIMEOUT" "$pid:$start"; then
      TERM_NOTE="$name stopped by SIGTERM"
    else
      say "$name (pid $pid) still runs ${STOP_TIMEOUT} s after SIGTERM: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      wait_gone 2 "$pid:$start" || true
      TERM_NOTE="$name needed SIGKILL"
    fi
  else
    TERM_NOTE="$name had already exited"
  fi
  is_alive "$pid" "$start" || wait "$pid" 2>/dev/null || true # reap our child
}

# ----------------------------------------------------------------------------- report
# results_awk SEL PROGRAM [AWK OPTION...]: awk PROGRAM over RESULTS (tab-separated), with
# sel=SEL ("median" or a run), clk=CLK_TCK and these functions in front of it:
#   take(t)         a result line whose fields t..t+4 are Δticks, wall s, VmHWM kB, VmRSS kB,
#                   note, and $2 the name: sets cpu (% of one core), hwm, rss (MiB, or "-")
#                   and adds them under the name (note[name] too, for one run)
#   add(name, cpu, hwm, rss), median(list), f(v, decimals), verdict(v, aim)
#   print_table(w)  the table of every name added (name column w wide) with the medians of
#                   each, kept in c[name], h[name], m[name] for the checks that follow
results_awk() {
  local sel=$1 prog=$2
  shift 2
  awk -F'\t' -v sel="$sel" -v clk="$CLK_TCK" "$@" '
    function median(list,   a, n, i, j, t) {
      n = split(list, a, " ")
      if (n == 0) return "-"
      for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function add(name, cpu, hwm, rss) {
      if (!(name in seen)) { seen[name] = 1; order[++k] = name }
      if (cpu != "-") C[name] = C[name] " " cpu
      if (hwm != "-") H[name] = H[name] " " hwm
      if (rss != "-") R[name] = R[name] " " rss
    }
    function f(v, d) { return (v == "-") ? "-" : sprintf("%." d "f", v) }
    function verdict(v, aim) { return (v == "-") ? "?" : (v + 0 <= aim + 0) ? "PASS" : "over" }
    function take(t) {
      cpu = ($t == "-") ? "-" : $t / clk / $(t + 1) * 100
      hwm = ($(t + 2) == "-") ? "-" : $(t + 2) / 1024; rss = ($(t + 3) == "-") ? "-" : $(t + 3) / 1024
      add($2, cpu, hwm, rss)
      if (sel != "median" && $(t + 4) != "") note[$2] = $(t + 4)
    }
    function print_table(w,   i, n) {
      printf "  %-" w "s %15s %9s %9s\n", "process", "CPU % of 1 core", "VmHWM MB", "VmRSS MB"
      for (i = 1; i <= k; i++) {
        n = order[i]; c[n] = median(C[n]); h[n] = median(H[n]); m[n] = median(R[n])
        printf "  %-" w "s %15s %9s %9s%s\n", n, f(c[n], 2), f(h[n], 1), f(m[n], 1), (n in note) ? "  (" note[n] ")" : ""
      }
    }
    '"$prog" "$RESULTS"
}

# print_stop_lines ERR: the summary's lines on how the run stopped (STOP_NOTE) and on
# hogwatch's stderr (the file ERR).
print_stop_lines() {
  local errlines
  errlines=$(grep -c '' -- "$1" || true)
  echo "  stop: $STOP_NOTE"
  if ((errlines)); then
    echo "  hogwatch wrote $errlines line(s) on stderr, the last: $(tail -n 1 -- "$1" | sed -E 's/#key=[0-9a-f]+/#key=(hidden)/' | cut -c1-200)"
  fi
}

# ----------------------------------------------------------------------------- exit
# trap_exits HANDLER: HANDLER (a command) is the EXIT trap; SIGHUP, SIGINT and SIGTERM exit
# with 128 + the signal's number, so that it runs on them too.
trap_exits() {
  # shellcheck disable=SC2064 # the handler is the caller's string, expanded when it runs
  trap "$1" EXIT
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# cleanup_on_exit STOP KEEP_VAR: for the EXIT trap (`trap_exits 'cleanup_on_exit STOP KEEP_VAR'`).
# Stops the window's sleep, runs the function STOP (what the script started), removes WORK
# unless the variable KEEP_VAR is 1, and exits with the status the script exited with.
cleanup_on_exit() {
  local rc=$?
  trap '' INT TERM HUP
  set +eu # clean up as much as possible, whatever fails
  [[ -n $SLEEP_PID ]] && kill "$SLEEP_PID" 2>/dev/null
  "$1"
  if [[ -n $WORK && -d $WORK ]]; then
    if [[ ${!2} == 1 ]]; then say "work files kept in $WORK"; else rm -rf -- "$WORK"; fi
  fi
  exit "$rc"
}
