#!/bin/bash
# Where the defender's CPU goes (docs/network.md, "bench/net"): the same
# client and server containers as run.sh, measured by CPU per operation
# (steady on a shared machine, where rates move by +-30%) and by the
# kernel's BPF run-time statistics (kernel.bpf_stats_enabled) of the
# defender's own programs:
#   - a syscall that no handler wants, its bit already set (getppid loop):
#     CPU per syscall of the client's cgroup without and with the defender,
#     and ns per run of the sys_enter probe;
#   - connection setup: CPU per connect (containers + defender) without and
#     with the defender enforcing, and for every program of the defender its
#     runs per connect and ns per run;
#   - the defender's user-space CPU per connect;
#   - throughput: CPU per MiB sent over one connection (containers +
#     defender).
#
#   bench/net/cost.sh [MOAT [MOAT2]]   (root; MOAT defaults to build/moat)
#
# With two binaries (say, before and after a change) their runs take turns
# with the runs without a defender, so both meet the same load.
#
# Env: CONNECT_N (5000), SYSCALL_N (2000000), MIB (256), REPS (3), IMG as run.sh.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
MOAT=${1:-$repo/build/moat}
MOAT2=${2:-}
CONNECT_N=${CONNECT_N:-5000}
SYSCALL_N=${SYSCALL_N:-2000000}
MIB=${MIB:-256}
REPS=${REPS:-3}
IMG=${IMG:-moat-test/benign:1}
[ "$(id -u)" = 0 ] || { echo "bench/net: needs root" >&2; exit 77; }
for m in "$MOAT" $MOAT2; do [ -x "$m" ] || { echo "bench/net: no moat binary at $m" >&2; exit 1; }; done
MODES="enforce"; [ -n "$MOAT2" ] && MODES="enforce enforce2"
command -v bpftool >/dev/null || { echo "bench/net: needs bpftool" >&2; exit 77; }
# shellcheck source=bench/net/lib.sh
. "$here/lib.sh"
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
    net_cleanup
    sysctl -qw kernel.bpf_stats_enabled="$stats_was" || true
}
trap cleanup EXIT
net_setup netfw-cost "$IMG"
net_learn_enforce

# run_time_ns and run_cnt of each program the defender loaded, by name
prog_stats() {
    local ids
    # the defender's programs: the bpf-prog fds it holds (bpftool here
    # cannot name a program's owner)
    ids=$(grep -h '^prog_id:' /proc/"$DEF_PID"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u | tr '\n' ' ')
    bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
ids = set(int(x) for x in sys.argv[1].split()); t = {}
for p in json.load(sys.stdin):
    if p.get("id") in ids:
        a = t.setdefault(p.get("name", "?"), [0, 0])
        a[0] += p.get("run_time_ns", 0); a[1] += p.get("run_cnt", 0)
for k, (ns, n) in sorted(t.items()):
    print(k, ns, n)' "$ids"
}
declare -A sys conn dconn mib
for _ in $(seq 1 "$REPS"); do
    for mode in none $MODES; do
        case $mode in
            enforce) start_defender "$MOAT" ;;
            enforce2) start_defender "$MOAT2" ;;
        esac
        k0=$(cg_cpu "$CLI_ID"); client syscalls "$SYSCALL_N" >/dev/null; k1=$(cg_cpu "$CLI_ID")
        sys[$mode]+="$(awk -v k="$((k1 - k0))" -v n="$SYSCALL_N" 'BEGIN {printf "%.1f", k / n}') "
        # shellcheck disable=SC2086
        k0=$(cg_cpu $CIDS); d0=$(def_ns)
        client connect "$SRV" 9000 "$CONNECT_N" >/dev/null
        # shellcheck disable=SC2086
        k1=$(cg_cpu $CIDS); d1=$(def_ns)
        conn[$mode]+="$(awk -v k="$((k1 - k0 + d1 - d0))" -v n="$CONNECT_N" 'BEGIN {printf "%.2f", k / n / 1e3}') "
        dconn[$mode]+="$(awk -v d="$((d1 - d0))" -v n="$CONNECT_N" 'BEGIN {printf "%.2f", d / n / 1e3}') "
        # shellcheck disable=SC2086
        k0=$(cg_cpu $CIDS); d0=$(def_ns)
        client send "$SRV" 9000 "$MIB" >/dev/null
        # shellcheck disable=SC2086
        k1=$(cg_cpu $CIDS); d1=$(def_ns)
        mib[$mode]+="$(awk -v k="$((k1 - k0 + d1 - d0))" -v n="$MIB" 'BEGIN {printf "%.2f", k / n / 1e3}') "
        stop_defender
    done
done
grep -q "network-outside-baseline" "$W/alerts" && { echo "bench/net: the flow raised alerts" >&2; exit 1; }

# BPF statistics, in a run of their own (they cost a clock read per run)
bpf_stats() {    # bpf_stats MODE BINARY
    start_defender "$2"
    sysctl -qw kernel.bpf_stats_enabled=1
    prog_stats >"$W/s0.$1"; client syscalls "$SYSCALL_N" >/dev/null; prog_stats >"$W/s1.$1"
    prog_stats >"$W/c0.$1"; client connect "$SRV" 9000 "$CONNECT_N" >/dev/null; prog_stats >"$W/c1.$1"
    sysctl -qw kernel.bpf_stats_enabled="$stats_was"
    stop_defender
}
bpf_stats enforce "$MOAT"
[ -n "$MOAT2" ] && bpf_stats enforce2 "$MOAT2"

printf 'bench/net cost: %s reps; %s getppid calls, %s connects per run\n' "$REPS" "$SYSCALL_N" "$CONNECT_N"
[ -n "$MOAT2" ] && printf 'enforce: %s; enforce2: %s\n' "$MOAT" "$MOAT2"
for mode in none $MODES; do
    printf '%-8s CPU per syscall %6s ns   CPU per connect %7s us (defender %s us)   CPU per MiB %7s us\n' "$mode" \
        "$(echo "${sys[$mode]}" | median)" "$(echo "${conn[$mode]}" | median)" "$(echo "${dconn[$mode]}" | median)" \
        "$(echo "${mib[$mode]}" | median)"
done
for mode in $MODES; do
    printf 'ratios (CPU) none/%s: syscall %s, connect %s, MiB %s\n' "$mode" \
        "$(awk -v a="$(echo "${sys[none]}" | median)" -v b="$(echo "${sys[$mode]}" | median)" 'BEGIN {printf "%.3f", a / b}')" \
        "$(awk -v a="$(echo "${conn[none]}" | median)" -v b="$(echo "${conn[$mode]}" | median)" 'BEGIN {printf "%.3f", a / b}')" \
        "$(awk -v a="$(echo "${mib[none]}" | median)" -v b="$(echo "${mib[$mode]}" | median)" 'BEGIN {printf "%.3f", a / b}')"
done
# per program: runs per operation, ns per run, ns per operation
stats_table() {    # stats_table BEFORE AFTER N WHAT
    join "$1" "$2" | awk -v n="$3" -v what="$4" '
        { dn = $5 - $3; dt = $4 - $2; if (dn <= 0) next
          printf "  %-24s %8.2f runs/%s %7.0f ns/run %8.0f ns/%s\n", $1, dn / n, what, dt / dn, dt / n, what
          tot += dt }
        END { printf "  %-24s %37s %8.0f ns/%s\n", "all programs", "", tot / n, what }'
}
for mode in $MODES; do
    echo "$mode: BPF programs over the getppid loop:"
    stats_table "$W/s0.$mode" "$W/s1.$mode" "$SYSCALL_N" syscall
    echo "$mode: BPF programs over the connects:"
    stats_table "$W/c0.$mode" "$W/c1.$mode" "$CONNECT_N" connect
done
