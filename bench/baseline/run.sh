#!/bin/bash
# Cost of learned baselines per event: the sensor benchmark's loops run
# inside a container (whose image the defender learns) with no sensor,
# with `moat defender --no-baselines`, and with baselines learning. The
# three modes take turns in every repetition. Prints the median per
# workload and the ratios: defender / none, and baselines / no-baselines
# (the part baselines add).
#
#   bench/baseline/run.sh [MOAT]      (root, Docker; MOAT defaults to build/moat)
#
# Workloads: exec (fork + exec /bin/true: an exec record, exe and pair
# lookups), syscall (getppid: the per-cgroup syscall bitmap in sys_enter),
# open (read-only opens: not reported), write (open for writing: every one
# is reported for a container and checked against the model).
# Sizes (env): EXEC_N (1000), SYSCALL_N (2000000), OPEN_N (200000),
# WRITE_N (100000), REPS (3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
MOAT=${1:-$repo/build/moat}
EXEC_N=${EXEC_N:-1000}
SYSCALL_N=${SYSCALL_N:-2000000}
OPEN_N=${OPEN_N:-200000}
WRITE_N=${WRITE_N:-100000}
REPS=${REPS:-3}
IMG=${IMG:-moat-test/app:1}
[ "$(id -u)" = 0 ] || { echo "bench/baseline: needs root" >&2; exit 77; }
[ -x "$MOAT" ] || { echo "bench/baseline: no moat binary at $MOAT" >&2; exit 1; }
"$repo/scripts/start-dockerd" >/dev/null 2>&1 || { echo "bench/baseline: no dockerd" >&2; exit 77; }
docker image inspect "$IMG" >/dev/null 2>&1 || { echo "bench/baseline: no image $IMG (run tests/integration/defender.sh once)" >&2; exit 77; }
W=$(mktemp -d /tmp/moat-bench-baseline.XXXXXX)
C=baseline-bench-$$
DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    docker rm -f "$C" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT
cc -O2 -static -o "$W/loop" "$repo/bench/sensor/loop.c"
docker run -d --name "$C" --network none -v "$W/loop:/loop:ro" --entrypoint sleep "$IMG" infinity >/dev/null

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
workloads="exec syscall open write"
declare -A T
run_all() {
    local w t
    for w in $workloads; do
        case $w in
            exec) t=$(docker exec "$C" /loop exec "$EXEC_N") ;;
            syscall) t=$(docker exec "$C" /loop syscall "$SYSCALL_N") ;;
            open) t=$(docker exec "$C" /loop open "$OPEN_N" /etc/hostname) ;;
            write) t=$(docker exec "$C" /loop write "$WRITE_N" /tmp/bench-file) ;;
        esac
        T[$1.$w]="${T[$1.$w]:-} $t"
    done
}
LOST=0
defender_start() {
    rm -f "$W/ready"
    mkdir -p "$W/rules"
    "$MOAT" defender --rules "$repo/rules" --state "$W/state" "$@" --ready-file "$W/ready" >"$W/alerts" 2>"$W/def.err" &
    DEF_PID=$!
    for _ in $(seq 1 120); do [ -e "$W/ready" ] && return 0; sleep 0.25; done
    cat "$W/def.err" >&2; echo "bench/baseline: defender not ready" >&2; exit 1
}
defender_stop() {
    kill -TERM "$DEF_PID"; wait "$DEF_PID" || true; DEF_PID=
    LOST=$((LOST + $(tail -n 1 "$W/def.err" | sed -n 's/.* \([0-9]*\) lost,.*/\1/p')))
}
for rep in $(seq 1 "$REPS"); do
    run_all none
    defender_start --no-baselines; run_all nobl; defender_stop
    defender_start; run_all bl; defender_stop
    echo "bench/baseline: repetition $rep of $REPS done" >&2
done
printf '%-8s %10s %10s %10s %8s %8s %10s\n' workload none_s no_bl_s baseline_s def/none bl/no_bl ns/op_added
for w in $workloads; do
    n=$(median <<<"${T[none.$w]}"); d=$(median <<<"${T[nobl.$w]}"); b=$(median <<<"${T[bl.$w]}")
    case $w in exec) N=$EXEC_N ;; syscall) N=$SYSCALL_N ;; open) N=$OPEN_N ;; write) N=$WRITE_N ;; esac
    awk -v w="$w" -v n="$n" -v d="$d" -v b="$b" -v N="$N" 'BEGIN {
        printf "%-8s %10.4f %10.4f %10.4f %8.3f %8.3f %10.1f\n", w, n, d, b, b / n, b / d, (b - d) / N * 1e9 }'
done
echo "lost events (both defender modes, all repetitions): $LOST"
