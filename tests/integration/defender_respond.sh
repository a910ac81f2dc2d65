#!/bin/bash
# `moat defender` responses through the real Docker engine and the kernel:
#   pause    a container that reads /etc/shadow is paused (State.Paused),
#   stop     one that does so is stopped long before its own sleep ends,
#   isolate  one on a user network is disconnected from it and keeps running
#            (and can no longer reach a peer it reached before),
#   deny     a kill rule naming an executable kills it in the kernel at exec;
#            removing the rule file (hot reload) lets the same executable run
#            and create its marker: the kernel deny list follows the rules.
# A bystander container that does the same read without a response rule is
# left running. Needs root, eBPF and the Docker engine.
#
# Environment (set by meson): MOAT. Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
P=moat-resp-$$

DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; fi
    "$docker" ps -aq --filter "name=$P" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
    "$docker" network rm "$P-net" >/dev/null 2>&1 || true
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

mkdir -p "$W/rules"
respond_rule() {    # respond_rule ACTION: on a /etc/shadow read in container $P-ACTION
    cat >"$W/rules/$1.yaml" <<EOF
rules:
  - id: test-$1
    description: the test's $1 container read /etc/shadow
    severity: critical
    mitre: [T1003.008]
    action: $1
    when: {and: [{field: evt.kind, equals: open}, {field: fd.name, equals: /etc/shadow},
                 {field: container.name, equals: $P-$1}]}
EOF
}
respond_rule pause
respond_rule stop
respond_rule isolate
cp /usr/bin/touch "$W/denied"
cat >"$W/rules/deny.yaml" <<EOF
rules:
  - id: test-deny
    description: an executable on the test's deny list
    severity: critical
    mitre: [T1204]
    action: kill
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.exe, in: ["$W/denied"]}]}
EOF

start_defender 60 --rules "$W/rules"
grep -q "sensor ebpf" "$W/defender.err" || skip "no eBPF sensor: $(head -n 1 "$W/defender.err")"

wait_for() {    # wait_for SECONDS CMD...: until CMD succeeds
    local n=$(( $1 * 5 )); shift
    for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
state() { "$docker" inspect -f "$2" "$P-$1" 2>/dev/null; }

# --- deny list, then the rule removed ---
DENY_RC=0; "$W/denied" "$W/marker-1" || DENY_RC=$?
[ "$DENY_RC" = 137 ] || fail "denied executable exited $DENY_RC, expected 137 (killed at exec)"
[ ! -e "$W/marker-1" ] || fail "denied executable created its marker"
rm "$W/rules/deny.yaml"
wait_for 10 grep -q "reloaded 3 rules" "$W/defender.err" || fail "no reload: $(tail -n 2 "$W/defender.err")"
"$W/denied" "$W/marker-2" || fail "executable still killed after its rule was removed (exit $?)"
[ -e "$W/marker-2" ] || fail "no marker after the rule was removed"

# --- pause, stop, isolate, and a bystander ---
"$docker" network create "$P-net" >/dev/null
"$docker" run -d --name "$P-peer" --network "$P-net" --entrypoint python3 "$IMG" -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 8080)); s.listen(16)
while True:
    c, _ = s.accept(); c.recv(4096)
    c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok'); c.close()
" >/dev/null
for a in pause stop isolate bystander; do
    net=(); [ "$a" = isolate ] && net=(--network "$P-net")
    # each waits for the test's go before its attack
    "$docker" run -d --user 0 --name "$P-$a" "${net[@]}" --entrypoint bash "$IMG" \
        -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; cat /etc/shadow >/dev/null; sleep 300' >/dev/null
done
wait_for 20 "$docker" exec "$P-isolate" curl -sf -o /dev/null "http://$P-peer:8080/" ||
    fail "the isolate container could not reach its peer before the attack"
for a in pause stop isolate bystander; do "$docker" exec "$P-$a" touch /tmp/go; done
wait_for 20 test "$(state pause '{{.State.Paused}}')" = true || fail "pause container not paused"
wait_for 20 test "$(state stop '{{.State.Running}}')" = false || fail "stop container still running"
wait_for 20 test "$(state isolate '{{len .NetworkSettings.Networks}}')" = 0 ||
    fail "isolate container still on $(state isolate '{{json .NetworkSettings.Networks}}')"
[ "$(state isolate '{{.State.Running}}')" = true ] || fail "isolated container is not running"
if "$docker" exec "$P-isolate" curl -s -m 3 -o /dev/null "http://$P-peer:8080/"; then
    fail "isolated container still reaches its peer"
fi
sleep 1
[ "$(state bystander '{{.State.Running}}')" = true ] || fail "bystander container was stopped"
[ "$(state bystander '{{.State.Paused}}')" = false ] || fail "bystander container was paused"

kill -TERM "$DEF_PID"
DRC=0; wait "$DEF_PID" || DRC=$?
DEF_PID=
[ "$DRC" = 0 ] || { cat "$W/defender.err" >&2; fail "defender exit $DRC on SIGTERM"; }

# each response is reported with what was done
$PY - "$W/alerts.jsonl" "$P" <<'PYEOF' || fail "alerts: see above"
import json, sys
path, prefix = sys.argv[1:]
want = {"test-pause": "paused", "test-stop": "stopped", "test-isolate": "isolated",
        "test-deny": "killed-in-kernel"}
got = {}
for line in open(path):
    a = json.loads(line)
    if a["rule"] in want:
        got.setdefault(a["rule"], set()).add(a["action"])
        if a["rule"] != "test-deny":
            assert a["container"]["name"] == prefix + "-" + a["rule"][5:], a
bad = {r: sorted(got.get(r, [])) for r, act in want.items() if act not in got.get(r, set())}
if bad:
    print("expected actions missing: %s (want %s)" % (bad, want), file=sys.stderr)
    sys.exit(1)
PYEOF
note "$(tail -n 1 "$W/defender.err")"
pass "paused, stopped, isolated (peer unreachable), bystander untouched; deny list killed at exec and released on reload"
