# shellcheck shell=bash
# shellcheck disable=SC2034 # the functions set globals (NS_H, DEV...) for the scripts
# benches/lib/netns.sh: the idle network the whole-process benchmarks (benches/idle_cost.sh,
# benches/wakeups.sh) run hogwatch in. They source it after lib/proc_cost.sh (which provides
# say and die); it holds functions only: sourcing it runs nothing and sets nothing.
#
#   setup_namespaces   NS_H (hogwatch's side, device DEV, 169.254.77.1/30) ── veth ── NS_P
#                      (device PEER_DEV, .2/30): static ARP, IPv6 off, no traffic; named
#                      hwbPID-h/-p after the script's pid, so a later run can tell its own
#                      leftovers from another run's (cleanup_stale_namespaces)
#   delete_namespaces  deletes every namespace setup_namespaces created (NS_CREATED)
#   nsip ARGS...       `ip ARGS...`, bounded by CMD_TIMEOUT; dies when it fails
#
# What the script provides: CMD_TIMEOUT (seconds) and NS_CREATED=() (declared empty before
# its EXIT trap, which calls delete_namespaces).

cleanup_stale_namespaces() { # left by runs of this script that were SIGKILLed
  local ns pid pids
  while read -r ns _; do
    [[ $ns =~ ^hwb([0-9a-f]+)-[hp]$ ]] || continue
    pid=$((16#${BASH_REMATCH[1]}))
    if ((pid == $$)) || kill -0 "$pid" 2>/dev/null; then continue; fi
    pids=$(timeout "$CMD_TIMEOUT" ip netns pids "$ns" 2>/dev/null | tr '\n' ' ') || true
    if [[ -n ${pids// /} ]]; then
      say "stale namespace $ns still holds processes $pids: not deleted (kill them, then: ip netns del $ns)"
    else
      say "deleting stale namespace $ns (pid $pid is gone)"
      timeout "$CMD_TIMEOUT" ip netns del "$ns" || true
    fi
  done < <(timeout "$CMD_TIMEOUT" ip netns list 2>/dev/null || true)
}

nsip() { timeout "$CMD_TIMEOUT" ip "$@" || die "failed: ip $*"; }

no_ipv6() { # in namespace $1, before its devices exist, so they start without IPv6
  [[ -d /proc/sys/net/ipv6 ]] || return 0 # kernel without IPv6
  timeout "$CMD_TIMEOUT" ip netns exec "$1" sysctl -q -w \
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 ||
    die "cannot disable IPv6 in namespace $1"
}

# NS_H (hogwatch, device DEV) ── veth ── NS_P (device PEER_DEV)
setup_namespaces() {
  local base ns dev addr other_ip other_mac
  base=hwb$(printf %x $$)
  NS_H=$base-h NS_P=$base-p DEV=${base}a PEER_DEV=${base}p # ≤ 3+6+1 = 10 characters
  cleanup_stale_namespaces
  local mac=02:68:77:4d:00:01 peer_mac=02:68:77:4d:00:02
  for ns in "$NS_H" "$NS_P"; do
    nsip netns add "$ns"
    NS_CREATED+=("$ns")
    no_ipv6 "$ns"
  done
  nsip link add "$DEV" netns "$NS_H" address "$mac" type veth \
    peer name "$PEER_DEV" netns "$NS_P" address "$peer_mac"
  for ns in "$NS_H" "$NS_P"; do
    if [[ $ns == "$NS_H" ]]; then
      dev=$DEV addr=169.254.77.1 other_ip=169.254.77.2 other_mac=$peer_mac
    else
      dev=$PEER_DEV addr=169.254.77.2 other_ip=169.254.77.1 other_mac=$mac
    fi
    nsip -n "$ns" addr add "$addr/30" dev "$dev"
    nsip -n "$ns" neigh replace "$other_ip" lladdr "$other_mac" dev "$dev" nud permanent
    nsip -n "$ns" link set "$dev" up
    [[ -z $(nsip -n "$ns" -6 addr show dev "$dev") ]] || die "IPv6 is still on for $dev in $ns"
  done
}

delete_namespaces() {
  local ns
  for ns in "${NS_CREATED[@]}"; do
    timeout "$CMD_TIMEOUT" ip netns del "$ns" 2>/dev/null || say "cannot delete namespace $ns"
  done
  NS_CREATED=()
}
