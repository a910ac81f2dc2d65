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
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker
P=netfw-cost-$$
W=$(mktemp -d /tmp/moat-bench-cost.XXXXXX)
DEF_PID=
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
stop_defender() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    DEF_PID=
}
cleanup() {
    stop_defender
    sysctl -qw kernel.bpf_stats_enabled="$stats_was" || true
    "$docker" rm -f "$P-srv" "$P-cli" >/dev/null 2>&1 || true
    "$docker" network rm "$P-net" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT
cc -O2 -static -pthread -o "$W/netbench" "$here/netbench.c"
"$docker" network create "$P-net" >/dev/null
"$docker" run -d --name "$P-srv" --network "$P-net" -v "$W:/b:ro" "$IMG" /b/netbench server 9000 >/dev/null
"$docker" run -d --name "$P-cli" --network "$P-net" -v "$W:/b:ro" "$IMG" sleep 100000 >/dev/null
SRV=$("$docker" inspect -f "{{(index .NetworkSettings.Networks \"$P-net\").IPAddress}}" "$P-srv")
KEY=$("$docker" image inspect -f '{{.Id}}' "$IMG" | cut -d: -f2)
CLI_ID=$("$docker" inspect -f '{{.Id}}' "$P-cli")
CIDS="$("$docker" inspect -f '{{.Id}}' "$P-srv") $CLI_ID"

start_defender() {    # start_defender [BINARY]
    rm -f "$W/ready"
    "${1:-$MOAT}" defender --state "$W/state" --ready-file "$W/ready" >"$W/alerts" 2>"$W/defender.err" &
    DEF_PID=$!
    for _ in $(seq 1 120); do
        [ -e "$W/ready" ] && { sleep "${SETTLE:-2}"; return 0; }
        sleep 0.25
    done
    cat "$W/defender.err" >&2; echo "bench/net: defender not ready" >&2; exit 1
}
cg_cpu() {    # cg_cpu ID...: ns of CPU the containers used
    local id sum=0 v
    for id in "$@"; do
        if [ -r "/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage" ]; then
            v=$(cat "/sys/fs/cgroup/cpuacct/docker/$id/cpuacct.usage")
        else
            v=$(awk '/^usage_usec/ {print $2 * 1000}' "/sys/fs/cgroup/system.slice/docker-$id.scope/cpu.stat" 2>/dev/null || echo 0)
        fi
        sum=$((sum + v))
    done
    echo "$sum"
}
# ns of CPU the defender used, all its threads (schedstat: ns resolution,
# where /proc/PID/stat counts 10 ms ticks)
def_ns() {
    [ -n "$DEF_PID" ] || { echo 0; return; }
    cat /proc/"$DEF_PID"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'
}
client() { "$docker" exec "$P-cli" /b/netbench "$@"; }
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
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# learn the flow, then enforce (as run.sh)
start_defender
sleep 1.5
client connect "$SRV" 9000 3 >/dev/null
sleep 2.5
grep -q 9000 "$W/state/images/$KEY/network.json" || { tail -n 5 "$W/defender.err" >&2; echo "bench/net: flow not learned" >&2; exit 1; }
printf 'enforce\n' >"$W/state/images/$KEY/mode"
sleep 2
stop_defender

declare -A sys conn dconn mib
for _ in $(seq 1 "$REPS"); do
    for mode in none $MODES; do
        case $mode in
            enforce) start_defender ;;
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
