#!/bin/bash
# Sensor overhead: exec-, open- and connect-heavy loops with no sensor, with
# `moat defender` (its built-in rules) and with auditd (equivalent auditctl
# rules). Prints the median of REPS runs per workload, the ratio to no
# sensor, events lost by the defender and its peak RSS.
#
#   bench/sensor/run.sh [MOAT]      (root; MOAT defaults to build/moat)
#
# Sizes (env): EXEC_N (2000 processes; 4-7 ms each here), OPEN_N (100000
# opens of /etc/shadow, which the rules watch, so every open is an event),
# CONNECT_N (20000 loopback connects), REPS (3). MOAT_SENSOR=fallback
# measures the fallback source instead of eBPF.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
MOAT=${1:-$repo/build/moat}
EXEC_N=${EXEC_N:-2000}
OPEN_N=${OPEN_N:-100000}
CONNECT_N=${CONNECT_N:-20000}
REPS=${REPS:-3}
[ "$(id -u)" = 0 ] || { echo "bench/sensor: needs root" >&2; exit 77; }
[ -x "$MOAT" ] || { echo "bench/sensor: no moat binary at $MOAT" >&2; exit 1; }
W=$(mktemp -d /tmp/moat-bench-sensor.XXXXXX)
DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    auditctl -D >/dev/null 2>&1 || true
    if [ -n "${AUDIT_STARTED:-}" ]; then auditctl -e 0 >/dev/null 2>&1 || true; kill "$(cat /var/run/auditd.pid 2>/dev/null)" 2>/dev/null || true; fi
    rm -rf "$W"
}
trap cleanup EXIT
cc -O2 -o "$W/loop" "$here/loop.c"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A T
workloads="exec open connect"
measure() {     # measure MODE
    local w out
    for w in $workloads; do
        out=$(for _ in $(seq 1 "$REPS"); do
            case $w in
                exec) "$W/loop" exec "$EXEC_N" ;;
                open) "$W/loop" open "$OPEN_N" /etc/shadow ;;
                connect) "$W/loop" connect "$CONNECT_N" ;;
            esac
        done | median)
        T[$1.$w]=$out
    done
}

# --- no sensor ---
measure none

# --- moat defender ---
"$MOAT" defender --rules "$repo/rules" --ready-file "$W/ready" >"$W/alerts" 2>"$W/def.err" &
DEF_PID=$!
for _ in $(seq 1 120); do [ -e "$W/ready" ] && break; sleep 0.5; done
[ -e "$W/ready" ] || { cat "$W/def.err" >&2; echo "bench/sensor: defender not ready" >&2; exit 1; }
measure moat
rss=$(awk '/VmHWM/ {print $2}' "/proc/$DEF_PID/status")
kill -TERM "$DEF_PID"; wait "$DEF_PID" || true; DEF_PID=
mode=$(sed -n 's/^moat defender: sensor \([a-z]*\),.*/\1/p' "$W/def.err" | head -n 1)
stats=$(tail -n 1 "$W/def.err")

# --- auditd, rules equivalent to what the defender reports ---
audit=yes
if ! pidof auditd >/dev/null; then
    auditd >/dev/null 2>&1 && AUDIT_STARTED=1 || audit=no
    sleep 1
fi
if [ "$audit" = yes ] && auditctl -e 1 >/dev/null 2>&1; then
    auditctl -D >/dev/null
    auditctl -a always,exit -F arch=b64 -S execve -k moat-exec >/dev/null
    auditctl -a always,exit -F arch=b64 -S connect -k moat-net >/dev/null
    auditctl -w /etc/shadow -p rwa -k moat-file >/dev/null
    auditctl -w /etc/cron.d -p wa -k moat-file >/dev/null
    lost0=$(auditctl -s | awk '/^lost/ {print $2}')
    measure auditd
    lost1=$(auditctl -s | awk '/^lost/ {print $2}')
    auditctl -D >/dev/null
else
    audit=no
fi

printf '%-8s %10s %10s %8s %10s %8s\n' workload none moat ratio auditd ratio
for w in $workloads; do
    n=${T[none.$w]}; m=${T[moat.$w]}; a=${T[auditd.$w]:-}
    printf '%-8s %9.3fs %9.3fs %7.2fx' "$w" "$n" "$m" "$(echo "$m / $n" | bc -l)"
    if [ -n "$a" ]; then printf ' %9.3fs %7.2fx\n' "$a" "$(echo "$a / $n" | bc -l)"; else printf ' %10s %8s\n' - -; fi
done
echo "sizes: exec $EXEC_N, open $OPEN_N (/etc/shadow), connect $CONNECT_N; median of $REPS"
echo "moat: sensor $mode; $stats; peak RSS $((rss / 1024)) MiB"
[ "$audit" = yes ] && echo "auditd: lost $((lost1 - lost0)) records" || echo "auditd: not available"
