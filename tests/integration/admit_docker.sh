#!/bin/bash
# `moat authz` in front of a real Docker engine started with
# --authorization-plugin (our OWN dockerd: own data root, exec root, pid file
# and socket under /tmp, own network namespace, no bridge; the shared engine
# and its docker0 are never touched).
#  1. `docker run --privileged` and a run mounting the engine socket are
#     denied, and the docker CLI shows moat's reason.
#  2. An image not yet scanned runs with a warning (audited) and is scanned
#     in the background; once its verdict is in, the Debian sample (which
#     has fixable vulnerabilities) is denied with the finding named, and a
#     clean image (busybox only) runs.
#  3. Every decision is one JSON line in the audit log.
#  Also: --security-opt seccomp=unconfined, a privileged `docker exec`, and
#  a pull and a push of an untrusted image are denied (a plain exec runs).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x /usr/sbin/dockerd ] || skip "no Docker engine (apt-get install docker.io)"
[ -x /bin/busybox ] || skip "no busybox"
sample_image
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker

name=moat-admission-$$
had_docker0=$(ip link show docker0 2>/dev/null | head -1)
base=/tmp/madm.$$                       # short: unix socket paths have a limit
plugin=/run/docker/plugins/$name.sock
dsock=$base/docker.sock
mkdir -p "$base"
cleanup() {
    rc=$?
    [ -n "${DPID:-}" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
    [ -n "${APID:-}" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
    # containerd shims of our engine, if any outlived it
    for p in $(pgrep -f "$base/" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    umount -R "$base/root" 2>/dev/null || true
    rm -rf "$base" "$plugin"
    rm -rf "$MOAT_WORK"
    exit $rc
}
trap cleanup EXIT
D() { timeout 120 "$docker" -H "unix://$dsock" "$@"; }

run_moat db db build --from "$SHARED/vulndb/debian-tracker-bookworm.json" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err db; fail "moat db build: $(describe_rc "$RC")"; }
cat >"$W/policy.yaml" <<'EOT'
# any finding with a fix fails the image; the default container rules stay on
fail_on_fixable: true
rules:
  cap_add: {action: block, allow: [NET_BIND_SERVICE]}
  host_devices: {action: block, allow: [/dev/fuse]}
  host_userns: block
  host_cgroupns: block
  seccomp_unconfined: block
  trusted_images: {action: block, repos: ["docker.io/admission/*", "docker.io/moat-test/*"]}
EOT

# start_authz POLICY: (re)start the plugin on the socket dockerd knows.
start_authz() {
    if [ -n "${APID:-}" ]; then
        kill "$APID"; wait "$APID" || fail "moat authz exited $? on SIGTERM"
    fi
    rm -f "$W/authz.ready"
    "$MOAT" authz --policy "$1" --socket "$plugin" --audit "$W/audit.jsonl" \
        --state-dir "$W/state" --db "$W/vuln.db" --docker-host "$dsock" \
        --ready-file "$W/authz.ready" >"$W/authz.out" 2>"$W/authz.err" &
    APID=$!
    for _ in $(seq 1 50); do [ -e "$W/authz.ready" ] && break; sleep 0.2; done
    [ -e "$W/authz.ready" ] || { cat "$W/authz.err" >&2; fail "moat authz did not start"; }
}
start_authz "$W/policy.yaml"

# Its own network namespace: a dockerd started with --bridge none deletes the
# host's docker0 at start-up (moby's removeDefaultBridgeInterface), which
# would break the shared engine's bridge network.
setsid unshare --net /usr/sbin/dockerd --data-root "$base/root" --exec-root "$base/exec" \
    --pidfile "$base/docker.pid" -H "unix://$dsock" --bridge none --iptables=false \
    --ip6tables=false --ip-masq=false --authorization-plugin="$name" \
    >"$W/dockerd.log" 2>&1 </dev/null &
DPID=$!
for _ in $(seq 1 60); do D info >/dev/null 2>&1 && break; sleep 1; done
D info >/dev/null 2>&1 || { tail -20 "$W/dockerd.log" >&2; fail "own dockerd did not start"; }
ip link show docker0 >/dev/null 2>&1 || [ -z "$had_docker0" ] ||
    fail "the host's docker0 is gone after our dockerd started"

D load -i "$SAMPLE/app.tar" >"$W/load.out" 2>&1 || { cat "$W/load.out" >&2; fail "docker load"; }
vuln=moat-test/app:1
mkdir -p "$W/clean/bin"
cp /bin/busybox "$W/clean/bin/busybox"
# Debian's busybox is dynamic: its libraries, at the paths the loader wants
for lib in $(ldd /bin/busybox | grep -o '/[^ ]*'); do
    mkdir -p "$W/clean$(dirname "$lib")"
    cp -L "$lib" "$W/clean$lib"
done
ln -s busybox "$W/clean/bin/sh"
tar -C "$W/clean" -cf "$W/clean.tar" .
D import "$W/clean.tar" admission/clean:1 >"$W/import.out" 2>&1 ||
    { cat "$W/import.out" >&2; fail "docker import"; }

# try NAME ARGS...: `docker create` (nothing starts), stderr in $W/NAME.err, RC.
try() {
    local n=$1; shift
    RC=0
    D create --network none "$@" >"$W/$n.out" 2>"$W/$n.err" || RC=$?
    [ "$RC" = 0 ] && D rm "$(cat "$W/$n.out")" >/dev/null 2>&1
    return 0
}
denied() { # NAME WORDS: denied, and the docker CLI shows the plugin's reason
    [ "$RC" != 0 ] || fail "$1 was allowed"
    grep -q "authorization denied by plugin $name" "$W/$1.err" ||
        fail "$1: no plugin denial in: $(head -c 400 "$W/$1.err")"
    grep -q "$2" "$W/$1.err" || fail "$1: reason without '$2': $(head -c 400 "$W/$1.err")"
    note "$1 denied: $(grep -o 'plugin.*' "$W/$1.err" | head -c 200)"
}

try priv --privileged admission/clean:1 /bin/busybox true
denied priv "privileged: privileged container"
try sock -v /var/run/docker.sock:/var/run/docker.sock admission/clean:1 /bin/busybox true
denied sock "engine_socket: mounts the container engine socket"
try sock2 --mount type=bind,src=/run,dst=/host-run admission/clean:1 /bin/busybox true
denied sock2 "engine_socket"
try pid --pid host admission/clean:1 /bin/busybox true
denied pid "host_pid"
try cap --cap-add SYS_ADMIN admission/clean:1 /bin/busybox true
denied cap "cap_add: adds capability SYS_ADMIN"
try capok --cap-add NET_BIND_SERVICE admission/clean:1 /bin/busybox true
[ "$RC" = 0 ] || fail "an allowed capability was denied: $(cat "$W/capok.err")"

try dev --device /dev/mem admission/clean:1 /bin/busybox true
denied dev "host_devices: gets host device /dev/mem"
try devrule --device-cgroup-rule 'b 8:* rmw' admission/clean:1 /bin/busybox true
denied devrule "host_devices: gets host device cgroup rule"
try devok --device /dev/fuse admission/clean:1 /bin/busybox true
[ "$RC" = 0 ] || fail "an allowed device was denied: $(cat "$W/devok.err")"
try userns --userns host admission/clean:1 /bin/busybox true
denied userns "host_userns"
try cgroupns --cgroupns host admission/clean:1 /bin/busybox true
denied cgroupns "host_cgroupns: shares the host cgroup namespace"
try seccomp --security-opt seccomp=unconfined admission/clean:1 /bin/busybox true
denied seccomp "seccomp_unconfined"
# docker exec: a privileged exec is denied, a plain one runs
t_x=$(date +%s%N)
D run -d --network none --name madm-exec admission/clean:1 /bin/busybox sleep 120 >/dev/null \
    2>"$W/exec-run.err" || fail "container for exec: $(cat "$W/exec-run.err")"
RC=0; D exec --privileged madm-exec /bin/busybox true >/dev/null 2>"$W/execpriv.err" || RC=$?
denied execpriv "privileged"
out=$(D exec madm-exec /bin/busybox echo exec-ran 2>"$W/exec.err") ||
    fail "a plain exec was denied: $(cat "$W/exec.err")"
[ "$out" = exec-ran ] || fail "plain exec printed '$out'"
D rm -f madm-exec >/dev/null 2>&1
# pulls and pushes: only trusted_images speaks (the denial comes before any network)
RC=0; D pull evil.example.net/miner:1 >/dev/null 2>"$W/pull.err" || RC=$?
denied pull "trusted_images: image evil.example.net/miner:1"
D tag admission/clean:1 evil.example.net/miner:2 || fail "docker tag"
RC=0; D push evil.example.net/miner:2 >/dev/null 2>"$W/push.err" || RC=$?
denied push "trusted_images: image evil.example.net/miner:2"
D rmi evil.example.net/miner:2 >/dev/null 2>&1 || true
note "exec, pull and push checks: $(( ($(date +%s%N) - t_x) / 1000000 )) ms"
# --volumes-from inherits the source's mounts: the mount rules see them.
D create --network none --name madm-src1 -v "$W/clean:/data:ro" admission/clean:1 \
    /bin/busybox true >/dev/null 2>"$W/src.err" || fail "source container: $(cat "$W/src.err")"
try from --volumes-from madm-src1:ro admission/clean:1 /bin/busybox true
[ "$RC" = 0 ] || fail "--volumes-from a harmless source was denied: $(cat "$W/from.err")"
# A source holding the engine socket can only be made under a policy without
# engine_socket: restart the plugin with one for that create, then back.
printf 'rules:\n  engine_socket: off\n' >"$W/open.yaml"
start_authz "$W/open.yaml"
D create --network none --name madm-src2 -v /var/run/docker.sock:/s.sock admission/clean:1 \
    /bin/busybox true >/dev/null 2>"$W/src.err" || fail "socket source: $(cat "$W/src.err")"
start_authz "$W/policy.yaml"
try from2 --volumes-from madm-src2 admission/clean:1 /bin/busybox true
denied from2 "engine_socket: mounts the container engine socket /var/run/docker.sock"

# Not scanned yet: runs (with a warning in the audit), scans in the background.
out=$(D run --rm --network none --entrypoint /bin/echo "$vuln" first-run 2>"$W/first.err") ||
    fail "unscanned image denied: $(cat "$W/first.err")"
[ "$out" = first-run ] || fail "first run printed '$out'"
grep -q '"unscanned"' "$W/audit.jsonl" || fail "no unscanned warning in the audit log"

start=$(date +%s)
for _ in $(seq 1 240); do
    try vuln --entrypoint /bin/true "$vuln"
    [ "$RC" != 0 ] && break
    sleep 1
done
denied vuln "vulnerabilities: image $vuln fails the vulnerability policy"
grep -q "fixed in" "$W/vuln.err" || fail "the denial does not name a fixed finding"
note "verdict for $vuln after $(( $(date +%s) - start )) s"

for _ in $(seq 1 120); do
    [ "$(ls "$W/state/verdicts" | wc -l)" -ge 2 ] && break
    sleep 1
done
out=$(D run --rm --network none admission/clean:1 /bin/busybox echo clean-ran 2>"$W/clean.err") ||
    fail "the clean image was denied: $(cat "$W/clean.err")"
[ "$out" = clean-ran ] || fail "clean run printed '$out'"
last=$(grep '"action":"create"' "$W/audit.jsonl" | grep 'admission/clean' | tail -1)
echo "$last" | grep -q '"allow":true' || fail "last clean create not allowed in audit: $last"
echo "$last" | grep -q 'unscanned' && fail "clean image still unscanned after its scan: $last"

# The audit log: valid JSON lines, denials and allows both there.
$PY - "$W/audit.jsonl" <<'PY' || fail "audit log check failed"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
deny = [l for l in lines if not l["allow"]]
allow = [l for l in lines if l["allow"]]
rules = {r["rule"] for l in deny for r in l["reasons"]}
need = {"privileged", "engine_socket", "host_pid", "cap_add", "vulnerabilities",
        "host_devices", "host_userns", "host_cgroupns", "seccomp_unconfined", "trusted_images"}
assert need <= rules, f"missing denials for {need - rules}"
acts = {l["action"] for l in deny}
assert {"create", "exec", "pull", "push"} <= acts, f"denied actions: {acts}"
assert any(l["action"] == "exec" for l in allow), "no allowed exec in the audit log"
assert all(l["source"] == "docker" and l["time"].endswith("Z") for l in lines)
print(f"admit_docker: {len(lines)} audit lines, {len(deny)} denied, {len(allow)} allowed", file=sys.stderr)
PY
kill "$APID"; wait "$APID" || fail "moat authz exited $? on SIGTERM"
APID=
[ -e "$plugin" ] && fail "plugin socket left behind"
pass "privileged, privileged exec, seccomp unconfined, untrusted pull/push, engine socket (also inherited by --volumes-from), host pid, cap_add, devices, userns/cgroupns host and vulnerable image denied with reasons; clean image runs"
