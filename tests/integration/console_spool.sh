#!/bin/bash
# A defender's alerts reach the console exactly once, whatever the console
# does: the real `moat defender --console` (eBPF sensor) and the real
# `moat console` (SQLite) on loopback.
#  1. console down: the defender raises alerts; they wait in its spool;
#  2. console up: every one of them arrives, once;
#  3. the defender is killed (SIGKILL) right after more alerts and started
#     again on the same spool: what it had not been told was delivered is
#     sent again (its cursor rewound to replay all it kept), and the console
#     still holds each alert once;
#  4. console stopped, alerts, defender stopped (SIGTERM), console started,
#     defender started: the alerts kept on disk across both restarts arrive.
# The count of alerts the defender printed equals the count of distinct
# event ids the console holds, and no event id is stored twice.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
[ "$(id -u)" = 0 ] || skip "needs root (eBPF)"
command -v curl >/dev/null || fail "curl is not installed"
DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -KILL "$DEF_PID" 2>/dev/null || true; fi
    stop_console
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

init_console        # started at step 2
console_token defender node1 >"$W/def.token" || fail "token create failed"

# one rule: every exec of our marker binary is an alert (host scope)
mkdir -p "$W/rules"
cp /bin/true "$W/marker"
cat >"$W/rules/marker.yaml" <<YAML
rules:
  - id: test-spool-marker
    description: the spool test's marker binary ran
    severity: warning
    mitre: [T1204]
    action: alert
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.exe, in: ["$W/marker"]}]}
YAML
run=0
defender_up() {
    run=$((run + 1))
    "$MOAT" defender --rules "$W/rules" --format json --state "$W/state" --no-network \
        --no-baselines --console "$URL" --token-file "$W/def.token" \
        --ready-file "$W/ready.$run" >"$W/alerts.$run" 2>"$W/defender.$run.err" &
    DEF_PID=$!
    for _ in $(seq 1 120); do
        [ -e "$W/ready.$run" ] && return 0
        kill -0 "$DEF_PID" 2>/dev/null || { cat "$W/defender.$run.err" >&2; fail "defender exited early"; }
        sleep 0.5
    done
    fail "defender not ready"
}
# marker N: run the marker N times; wait until the defender printed them all
printed() { cat "$W"/alerts.* 2>/dev/null | grep -c '"rule":"test-spool-marker"' || true; }
marker() {
    local want=$(( $(printed) + $1 ))
    for _ in $(seq 1 "$1"); do "$W/marker"; done
    for _ in $(seq 1 100); do [ "$(printed)" -ge "$want" ] && return 0; sleep 0.1; done
    fail "the defender printed $(printed) marker alerts, expected $want"
}
# stored: distinct and total marker events in the console (json: distinct total)
stored() {
    curl -s -H "Authorization: Bearer $READ" "$URL/api/v1/events?limit=1000" |
        $PY -c 'import json,sys
ev = [e for e in json.load(sys.stdin)["events"] if e.get("rule") == "test-spool-marker"]
print(len({e["event_id"] for e in ev}), len(ev))'
}
wait_stored() {   # wait_stored N: the console holds N distinct marker events, N in all
    local got=
    for _ in $(seq 1 60); do
        got=$(stored 2>/dev/null)
        [ "$got" = "$1 $1" ] && return 0
        sleep 0.5
    done
    tail -n 5 "$W"/defender.*.err >&2
    fail "$2: the console holds '$got' (distinct total) marker events, expected $1"
}

# 1-2. console down, then up
t0=$(date +%s%N)
defender_up
marker 20
[ -n "$(ls "$W/state/uplink/"*.jsonl 2>/dev/null)" ] || fail "no spool under the state directory"
console_up
wait_stored 20 "after the console came up"
note "20 alerts spooled while the console was down, all delivered once"

# 3. SIGKILL right after more alerts, then the same spool again
marker 15
kill -KILL "$DEF_PID"; wait "$DEF_PID" 2>/dev/null || true; DEF_PID=
# as if it died between the console's answer and its cursor write: the
# cursor goes back, so everything still on disk is sent a second time
printf '0 0\n' >"$W/state/uplink/cursor"
defender_up
wait_stored 35 "after the defender was killed and restarted"
note "killed defender, cursor rewound: 35 alerts, each once"

# 4. console stopped, alerts, defender stopped, console started, defender started
console_down
marker 10
kill -TERM "$DEF_PID"; wait "$DEF_PID" || fail "defender exit $? on SIGTERM"; DEF_PID=
grep -q "console: .* failed posts" "$W/defender.$run.err" || fail "no console line in the defender's stats"
# the rewound cursor's replay: the console said it had those already
had=$(sed -n 's/.*posts (\([0-9]*\) the console had).*/\1/p' "$W/defender.$run.err" | tail -n 1)
[ "${had:-0}" -gt 0 ] || fail "the replay after the rewound cursor sent no duplicates (had=$had): the test did not test replay"
note "$(grep 'console:' "$W/defender.$run.err" | tail -n 1)"
console_up
defender_up
wait_stored 45 "after both restarted"
# the batches named their defender: the console lists this node
curl -s -H "Authorization: Bearer $READ" "$URL/api/v1/defenders" | $PY -c 'import json,sys
d = json.load(sys.stdin)["defenders"]
sys.exit(0 if any(x.get("node") == sys.argv[1] and x.get("version") for x in d) else print(d) or 1)' "$(hostname)" ||
    fail "the console does not list this node's defender"
total=$(printed)
[ "$total" = 45 ] || fail "the defender printed $total alerts, expected 45"
kill -TERM "$DEF_PID"; wait "$DEF_PID" || true; DEF_PID=
note "45 alerts printed, 45 distinct events stored once each; $(( ($(date +%s%N) - t0) / 1000000 )) ms"
pass
