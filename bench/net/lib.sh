#!/bin/bash
# What bench/net/run.sh and bench/net/cost.sh share: a server and a client
# container on a Docker network of their own, a defender started and
# stopped between runs, the CPU the containers and the defender used, and
# the learned flow put in enforce mode.
#
#   . bench/net/lib.sh; net_setup PREFIX IMG    (sets W, P, SRV, KEY, CLI_ID, CIDS)
# The caller sets MOAT and a trap that calls net_cleanup.
# shellcheck disable=SC2034  # P, SRV, KEY, CLI_ID and CIDS are for the caller
net_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker
DEF_PID=

stop_defender() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    DEF_PID=
}
net_cleanup() {
    stop_defender
    "$docker" rm -f "$P-srv" "$P-cli" >/dev/null 2>&1 || true
    "$docker" network rm "$P-net" >/dev/null 2>&1 || true
    rm -rf "$W"
}
net_setup() {    # net_setup PREFIX IMG
    P=$1-$$
    W=$(mktemp -d "/tmp/moat-$1.XXXXXX")
    cc -O2 -static -pthread -o "$W/netbench" "$net_dir/netbench.c"
    "$docker" network create "$P-net" >/dev/null
    "$docker" run -d --name "$P-srv" --network "$P-net" -v "$W:/b:ro" "$2" /b/netbench server 9000 >/dev/null
    "$docker" run -d --name "$P-cli" --network "$P-net" -v "$W:/b:ro" "$2" sleep 100000 >/dev/null
    SRV=$("$docker" inspect -f "{{(index .NetworkSettings.Networks \"$P-net\").IPAddress}}" "$P-srv")
    KEY=$("$docker" image inspect -f '{{.Id}}' "$2" | cut -d: -f2)
    CLI_ID=$("$docker" inspect -f '{{.Id}}' "$P-cli")
    CIDS="$("$docker" inspect -f '{{.Id}}' "$P-srv") $CLI_ID"
}
start_defender() {    # start_defender BINARY [ARGS...]
    local bin=$1
    shift
    rm -f "$W/ready"
    "$bin" defender --state "$W/state" "$@" --ready-file "$W/ready" >"$W/alerts" 2>"$W/defender.err" &
    DEF_PID=$!
    for _ in $(seq 1 120); do
        if [ -e "$W/ready" ]; then
            # its first refresh of the containers (and the BPF loads' page
            # faults) would otherwise land inside the measured run
            sleep "${SETTLE:-2}"
            return 0
        fi
        sleep 0.25
    done
    cat "$W/defender.err" >&2; echo "bench/net: defender not ready" >&2; exit 1
}
# ns of CPU the containers used (their cgroups: v1 cpuacct, else v2
# cpu.stat): unlike rates, CPU per operation hardly moves when other work
# shares the machine
cg_cpu() {    # cg_cpu ID...
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
# where /proc/PID/stat counts 10 ms ticks); 0 without a defender
def_ns() {
    [ -n "$DEF_PID" ] || { echo 0; return; }
    cat /proc/"$DEF_PID"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%.0f", s}'
}
client() { "$docker" exec "$P-cli" /b/netbench "$@"; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }

# Learn the client's flow to the server, then keep its image in enforce
# mode. The containers predate the defender: it knows them after its first
# refresh (about a second); connects before that pass unrecorded.
net_learn_enforce() {
    start_defender "$MOAT"
    sleep 1.5
    client connect "$SRV" 9000 3 >/dev/null
    sleep 2.5
    grep -q 9000 "$W/state/images/$KEY/network.json" || { tail -n 5 "$W/defender.err" >&2; echo "bench/net: flow not learned" >&2; exit 1; }
    printf 'enforce\n' >"$W/state/images/$KEY/mode"
    sleep 2
    client connect "$SRV" 9000 3 >/dev/null || { echo "bench/net: the learned flow is blocked" >&2; exit 1; }
    stop_defender
}
