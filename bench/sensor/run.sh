#!/bin/bash
# Sensor overhead: exec-, open- and connect-heavy loops with no sensor, with
# `moat defender` (its built-in rules) and with auditd (equivalent auditctl
# rules). The three modes take turns in every repetition, so drift on a
# shared machine hits them alike. Prints the median per workload, the ratio
# to no sensor, the defender's lost events and peak RSS, then a paced run at
# RATE events/s that must lose nothing.
#
#   bench/sensor/run.sh [MOAT [MOAT_OLD]]   (root; MOAT defaults to build/moat)
#
# Modes: none; moat (the defender: opens matched at syscall exit on the
# file opened, on the sys_exit_open* perf tracepoints); btf (the same with
# MOAT_PATH_PROBE=btf: one tp_btf/sys_exit dispatcher, which every syscall
# exit runs); old (MOAT_OLD, e.g. a build of the previous sensor, which
# matched opens at entry by path string only); auditd. MODES (env) picks
# a subset, e.g. MODES="none moat old".
#
# Workloads: exec (fork + exec /bin/true), open (opens of /etc/hostname, a
# path no rule watches: the kernel filter's cost), open-watched (opens of
# /etc/shadow, which the rules watch: every open is an event, as fast as
# the loop can go), connect (loopback TCP connect + accept).
# Sizes (env): EXEC_N (2000; 4-7 ms per process here), OPEN_N (200000),
# CONNECT_N (20000), REPS (5), RATE (100000 events/s) for RATE_SECONDS (5).
# MOAT_SENSOR=fallback measures the fallback source instead of eBPF.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
MOAT=${1:-$repo/build/moat}
EXEC_N=${EXEC_N:-2000}
OPEN_N=${OPEN_N:-200000}
CONNECT_N=${CONNECT_N:-20000}
REPS=${REPS:-5}
RATE=${RATE:-100000}
RATE_SECONDS=${RATE_SECONDS:-5}
[ "$(id -u)" = 0 ] || { echo "bench/sensor: needs root" >&2; exit 77; }
[ -x "$MOAT" ] || { echo "bench/sensor: no moat binary at $MOAT" >&2; exit 1; }
MOAT_OLD=${2:-}
[ -z "$MOAT_OLD" ] || [ -x "$MOAT_OLD" ] || { echo "bench/sensor: no moat binary at $MOAT_OLD" >&2; exit 1; }
MODES=${MODES:-none moat btf${MOAT_OLD:+ old} auditd}
# the old binary's own rule pack (a source tree's build/moat: ../rules)
OLD_RULES=${MOAT_OLD_RULES:-$(dirname "${MOAT_OLD:-.}")/../rules}
W=$(mktemp -d /tmp/moat-bench-sensor.XXXXXX)
DEF_PID=
AUDIT=no
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    if [ "$AUDIT" = yes ]; then auditctl -D >/dev/null 2>&1 || true; auditctl -e 0 >/dev/null 2>&1 || true; fi
    if [ -n "${AUDIT_STARTED:-}" ]; then kill "$(cat /var/run/auditd.pid 2>/dev/null)" 2>/dev/null || true; fi
    rm -rf "$W"
}
trap cleanup EXIT
cc -O2 -o "$W/loop" "$here/loop.c"

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

workloads="exec open open-watched connect"
declare -A T
run_all() {     # run_all MODE: one run of every workload, appended to T[MODE.w]
    local w t
    for w in $workloads; do
        case $w in
            exec) t=$("$W/loop" exec "$EXEC_N") ;;
            open) t=$("$W/loop" open "$OPEN_N" /etc/hostname) ;;
            open-watched) t=$("$W/loop" open "$OPEN_N" /etc/shadow) ;;
            connect) t=$("$W/loop" connect "$CONNECT_N") ;;
        esac
        T[$1.$w]="${T[$1.$w]:-} $t"
    done
}

defender_start() {     # defender_start [BINARY [RULES]]
    rm -f "$W/ready"
    "${1:-$MOAT}" defender --rules "${2:-$repo/rules}" --ready-file "$W/ready" >"$W/alerts" 2>"$W/def.err" &
    DEF_PID=$!
    for _ in $(seq 1 120); do [ -e "$W/ready" ] && return 0; sleep 0.25; done
    cat "$W/def.err" >&2; echo "bench/sensor: defender not ready" >&2; exit 1
}
LOST=0 RSS=0
defender_stop() {       # accumulates lost events and the peak RSS
    local rss
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$DEF_PID/status")
    [ "$rss" -gt "$RSS" ] && RSS=$rss
    kill -TERM "$DEF_PID"; wait "$DEF_PID" || true; DEF_PID=
    STATS=$(tail -n 1 "$W/def.err")
    LOST=$((LOST + $(echo "$STATS" | sed -n 's/.* \([0-9]*\) lost,.*/\1/p')))
}

if command -v auditctl >/dev/null; then
    AUDIT=yes
    if ! pidof auditd >/dev/null; then
        if auditd >/dev/null 2>&1; then AUDIT_STARTED=1; sleep 1; else AUDIT=no; fi
    fi
fi
audit_on() {
    auditctl -e 1 >/dev/null
    auditctl -D >/dev/null
    auditctl -a always,exit -F arch=b64 -S execve -k moat-exec >/dev/null
    auditctl -a always,exit -F arch=b64 -S connect -k moat-net >/dev/null
    auditctl -w /etc/shadow -p rwa -k moat-file >/dev/null
    auditctl -w /etc/cron.d -p wa -k moat-file >/dev/null
}
audit_off() { auditctl -D >/dev/null; auditctl -e 0 >/dev/null; }
[ "$AUDIT" = yes ] && { audit_off; AUDIT_LOST0=$(auditctl -s | awk '/^lost/ {print $2}'); }

has() { case " $MODES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
[ "$AUDIT" = yes ] || MODES=${MODES/auditd/}
for _ in $(seq 1 "$REPS"); do
    for m in $MODES; do
        case $m in
            none) run_all none ;;
            moat) defender_start; run_all moat; defender_stop
                  mode=$(sed -n 's/^moat defender: sensor \([a-z]*\),.*/\1/p' "$W/def.err" | head -n 1) ;;
            btf) MOAT_PATH_PROBE=btf defender_start; run_all btf; defender_stop ;;
            old) defender_start "$MOAT_OLD" "$OLD_RULES"; run_all old; defender_stop ;;
            auditd) audit_on; run_all auditd; audit_off ;;
        esac
    done
done

# medians; each mode as a ratio to no sensor, and moat's to the old sensor
printf '%-13s %9s' workload none
for m in $MODES; do [ "$m" = none ] || printf ' %9s %7s' "$m" ratio; done
has old && printf ' %10s' moat/old
printf '\n'
for w in $workloads; do
    n=$(echo "${T[none.$w]}" | median)
    printf '%-13s %8.3fs' "$w" "$n"
    for m in $MODES; do
        [ "$m" = none ] && continue
        t=$(echo "${T[$m.$w]}" | median)
        printf ' %8.3fs %6.2fx' "$t" "$(echo "$t / $n" | bc -l)"
    done
    if has old; then
        printf ' %9.2fx' "$(echo "$(echo "${T[moat.$w]}" | median) / $(echo "${T[old.$w]}" | median)" | bc -l)"
    fi
    printf '\n'
done
echo "sizes: exec $EXEC_N, open $OPEN_N, connect $CONNECT_N; median of $REPS, modes interleaved"
echo "moat: sensor ${mode:-?}; $LOST events lost over all defender runs; peak RSS $((RSS / 1024)) MiB"
if has auditd; then
    echo "auditd: lost $(( $(auditctl -s | awk '/^lost/ {print $2}') - AUDIT_LOST0 )) records"
else
    echo "auditd: not available"
fi

# --- paced: RATE watched opens per second, every one an event ---
n=$((RATE * RATE_SECONDS))
LOST=0
defender_start
t=$("$W/loop" rate "$n" "$RATE" /etc/shadow)
defender_stop
seen=$(echo "$STATS" | sed -n 's/^moat defender: \([0-9]*\) events.*/\1/p')
printf 'paced: %d opens of /etc/shadow in %.2fs (%.0f events/s); defender saw %d events, lost %d\n' \
    "$n" "$t" "$(echo "$n / $t" | bc -l)" "$seen" "$LOST"
