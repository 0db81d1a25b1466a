#!/usr/bin/env bash
# benches/disk_writes.sh: what the history costs the disk, measured as a new user would —
# `hogwatch server` replaying a machine in real time (history on, in a directory on the real
# disk), and the bytes the process sent to the block layer (`write_bytes` of /proc/PID/io)
# over a window after a warm-up, scaled to a day. Two machines from benches/gen_replay.py:
# a typical desktop (20 processes) and a crowded one (200 processes). Figures only: nothing
# passes or fails (the machine is shared).
#
# Settings (environment):
#   WINDOW=S   seconds measured per machine (default 360: four writes at the default
#              90-second safety point; keep it a multiple of that, or a window holds one
#              write more or less than its share)
#   WARMUP=S   seconds before the window (default 90: the file is created and the first
#              write made, which adds every app and device)
#   KEEP=1     keep the work directory (replays, history, stderr)
#
# Before issue 14 (5-second batches rewriting four tiers): ~700 MiB a day for the typical
# desktop (measured this way, 3 minutes) and 917 MiB for 200 apps (benches/history).
set -euo pipefail
BENCH_NAME=disk_writes
# shellcheck source=benches/lib/proc_cost.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/proc_cost.sh"
CMD_TIMEOUT=10 STOP_TIMEOUT=10 BUILD_TIMEOUT=3600
SLEEP_PID="" WORK="" SERVER=""
whole_number WINDOW 360 5 10 86400 "a whole number of seconds from 10 to 86400"
whole_number WARMUP 90 4 5 3600 "a whole number of seconds from 5 to 3600"
flag KEEP 0

stop_all() { [[ -n $SERVER ]] && stop_term_kill "hogwatch server" "$SERVER"; SERVER=""; }
trap_exits 'cleanup_on_exit stop_all KEEP'

bench_init
build_release
make_work disk-writes
# The history must be on a real file system (write_bytes of tmpfs is 0): under target/.
DATA_ROOT=$(mktemp -d "$ROOT/target/disk-writes.XXXXXX")
trap_exits 'rm -rf -- "$DATA_ROOT"; cleanup_on_exit stop_all KEEP'

# io_write_bytes PID: IO_WB = write_bytes of /proc/PID/io.
io_write_bytes() {
  IO_WB=$(awk '$1 == "write_bytes:" { print $2 }' "/proc/$1/io")
}

read_context
echo "hogwatch history disk writes: \`hogwatch server PORT --source replay:FILE --replay-speed 1 --data-dir DIR\`"
echo "  $VERSION (commit $COMMIT); kernel $(uname -r); load average before: $LOADAVG"
echo "  write_bytes of /proc/PID/io over ${WINDOW} s after a ${WARMUP} s warm-up, scaled to 24 h; MiB = 2^20 B"
printf '  %-34s %12s %14s %14s\n' "machine" "in window" "per day" "before"
# name:processes:busy (empty: gen_replay's talkative mix, nearly all talking every few
# seconds):before. The issue's typical desktop is 20 apps with 3 busy.
for machine in "typical desktop, 3 busy:20:3:—" "20 processes, all talking:20::~700 MiB" \
  "200 processes:200::917 MiB"; do
  IFS=: read -r name procs busy before <<<"$machine"
  tag=$procs${busy:+-busy$busy}
  replay=$WORK/replay-$tag.jsonl
  timeout 600 python3 "$ROOT/benches/gen_replay.py" --procs "$procs" ${busy:+--busy "$busy"} \
    --seconds "$((WARMUP + WINDOW + 60))" "$replay" || die "gen_replay.py failed"
  data=$DATA_ROOT/$tag
  home=$WORK/home-$tag
  mkdir -p "$data" "$home/runtime"
  chmod 700 "$home/runtime"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  env -i PATH="$PATH" HOME="$home" XDG_RUNTIME_DIR="$home/runtime" XDG_CONFIG_HOME="$home/config" \
    "$HOGWATCH" server "$port" --source "replay:$replay" --replay-speed 1 --data-dir "$data" \
    >/dev/null 2>"$WORK/stderr-$tag" &
  pid=$!
  key_of "$pid"
  SERVER=$KEY
  nap "$WARMUP"
  is_alive "${SERVER%%:*}" "${SERVER#*:}" || { stderr_tail "$WORK/stderr-$tag"; die "hogwatch server exited"; }
  io_write_bytes "$pid"
  w0=$IO_WB
  nap "$WINDOW"
  io_write_bytes "$pid"
  w1=$IO_WB
  stop_all
  awk -v n="$name" -v d="$((w1 - w0))" -v w="$WINDOW" -v b="$before" 'BEGIN {
    printf "  %-34s %8.2f MiB %10.1f MiB %14s\n", n, d / 1048576, d / 1048576 * 86400 / w, b }'
done
