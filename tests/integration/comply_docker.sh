#!/bin/bash
# `moat comply docker` against a real engine: our OWN dockerd (own data root,
# exec root, pid file and socket under /tmp, own network namespace; the
# shared engine is never touched), started twice on the same data root:
#  1. insecure: daemon.json with icc on, userland proxy, insecure registry,
#     debug logging, no iptables, experimental, a world-writable config and
#     socket; containers with the engine socket and /etc mounted, host PID,
#     IPC, UTS and network, added capabilities, seccomp off, a low port on
#     0.0.0.0, restart always, no limits, an "sshd" process, an exec session
#     --user root; an image with ADD, a lone update and a
#     secret in ENV; a privileged container (created: it cannot start here).
#  2. hardened: icc off, live restore, no
#     userland proxy, no-new-privileges, default ulimits, remote log driver,
#     TLS-verified TCP with root-owned 0444/0400 certificates, audit rules on
#     the engine's files, content trust; a container with a read-only root,
#     limits, non-root user, healthcheck image, user-defined network, port on
#     127.0.0.1, on-failure:3.
# Each phase: every check with an expected verdict must match
# (comply_docker.expect), then docker-bench-security runs against the same
# daemon and host and every id both report must agree or be a deliberate
# difference listed in docs/comply.md. Prints the agreement counts and time.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
[ "$(id -u)" = 0 ] || skip "needs root"
[ -x /usr/sbin/dockerd ] || skip "no Docker engine (apt-get install docker.io)"
command -v unshare >/dev/null || skip "no unshare"
DBS=${MOAT_DOCKER_BENCH:-$REPO/../shared/peers/docker-bench-security}
[ -f "$DBS/docker-bench-security.sh" ] || skip "docker-bench-security not found at $DBS"
sample_image
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker
start=$(date +%s)

base=/tmp/cdk.$$                        # short: unix socket paths have a limit
dsock=$base/d.sock
name=comply-docker
AUDIT_KEY=comply-docker-$$
mkdir -p "$base/root" "$base/exec"
had_docker0=$(ip link show docker0 2>/dev/null | head -1)

D() { timeout 120 "$docker" -H "unix://$dsock" "$@"; }

stop_daemon() {
    [ -n "${DPID:-}" ] || return 0
    D ps -aq 2>/dev/null | xargs -r timeout 60 "$docker" -H "unix://$dsock" rm -f >/dev/null 2>&1 || true
    [ -n "${HPID:-}" ] && kill "$HPID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    [ -n "${HPID:-}" ] && kill -9 "$HPID" 2>/dev/null || true
    kill "$DPID" 2>/dev/null || true
    wait "$DPID" 2>/dev/null || true
    DPID= HPID=
}
audit_clear() {
    command -v auditctl >/dev/null || return 0
    auditctl -l 2>/dev/null | grep -- "-k $AUDIT_KEY" | sed 's/^-w /-W /; s/^-a /-d /' |
        while read -r rule; do eval "auditctl $rule" >/dev/null 2>&1 || true; done || true
}
cleanup() {
    rc=$?
    stop_daemon
    audit_clear
    umount "$base/exec/netns/default" 2>/dev/null || true
    rm -rf "$base" || true
    rm -rf "$MOAT_WORK"
    exit $rc
}
trap cleanup EXIT

# start_daemon CONFIG EXTRA_HOSTS...: dockerd in its own network namespace
# (lo up for the TCP listener) and its own PID namespace (with its /proc):
# docker-bench-security takes "the newest process whose command line says
# dockerd" for the daemon's flags, and on a shared machine that is often
# someone else's (scripts/start-dockerd runs all the time); run inside this
# PID namespace it sees only ours. Sets DPID (unshare) and HPID (dockerd,
# PID 1 in the namespace: killing it ends everything in there).
start_daemon() {
    local cfg=$1; shift
    local hosts="-H unix://$dsock"
    for h in "$@"; do hosts="$hosts -H $h"; done
    setsid unshare --net --pid --fork --mount-proc sh -c "ip link set lo up; exec /usr/sbin/dockerd \
        --config-file=$cfg --data-root $base/root --exec-root $base/exec --pidfile $base/d.pid \
        $hosts" >>"$W/dockerd.log" 2>&1 </dev/null &
    DPID=$!
    for _ in $(seq 1 120); do D info >/dev/null 2>&1 && break; sleep 0.5; done
    D info >/dev/null 2>&1 || { tail -20 "$W/dockerd.log" >&2; fail "own dockerd did not start"; }
    HPID=$(pgrep -P "$DPID" | head -1)
    [ -n "$HPID" ] && [ "$(cat "/proc/$HPID/comm" 2>/dev/null)" = dockerd ] || fail "dockerd's host pid not found"
    ip link show docker0 >/dev/null 2>&1 || [ -z "$had_docker0" ] ||
        fail "the host's docker0 is gone after our dockerd started"
}

# A copy of docker-bench-security (it writes log/ beside itself), run on
# our daemon (DOCKER_HOST), in the daemon's PID namespace (see start_daemon). It spawns a few processes per check and takes minutes for
# all of sections 1-6 on a loaded machine, so each phase runs a selection
# from every section (the checks whose verdict the phase changes);
# MOAT_COMPLY_BENCH=full runs all of sections 1-6 in both phases.
cp -r "$DBS" "$base/dbs"
sel() { # SECTION-HEADER CHECKS...: the section's start, checks, end
    local s=$1; shift
    printf 'check_%s,' "$s"; for c in "$@"; do printf 'check_%s,' "$c"; done; printf 'check_%s_end,' "$s"
}
# section 1 runs outside the PID namespace: the kernel answers audit
# requests (auditctl -l) only from the initial one
BENCH_insecure_host=$(sel 1 1_1_1 1_1_3)
BENCH_insecure=$(sel 2 2_2 2_5 2_16; sel 3 3_16; sel 4 4_1 4_6 4_10;
    sel 5 5_4 5_6 5_7 5_15 5_32; sel 6 6_2)
BENCH_hardened_host=$(sel 1 1_1_6 1_1_11)
BENCH_hardened=$(sel 2 2_7 2_13 2_15; sel 3 3_9 3_14; sel 4 4_5 4_6;
    sel 5 5_13 5_26 5_27 5_29; sel 6 6_1)
bench_once() { # LOG CHECKS NSENTER... -- ENV...
    local log=$1 checks=$2; shift 2
    (cd "$base/dbs" && "$@" timeout 600 bash docker-bench-security.sh -b -l "$log" -c "$checks" \
        >"$log.out" 2>&1) || { tail -20 "$log.out" >&2; fail "docker-bench-security failed ($log)"; }
    [ -s "$log.json" ] || fail "docker-bench-security wrote no JSON ($log)"
}
run_bench() { # PHASE [ENV=...]
    local phase=$1; shift
    local t0; t0=$(date +%s.%N)
    local host=host_configuration
    local rest=docker_daemon_configuration,docker_daemon_files,container_images,container_runtime,docker_security_operations
    if [ "${MOAT_COMPLY_BENCH:-}" != full ]; then
        eval "host=\${BENCH_${phase}_host%,}; rest=\${BENCH_$phase%,}"
    fi
    bench_once "$W/bench-$phase-host.log" "$host" env DOCKER_HOST="unix://$dsock" "$@"
    bench_once "$W/bench-$phase.log" "$rest" nsenter -t "$HPID" -p -m --wd="$base/dbs" -- \
        env DOCKER_HOST="unix://$dsock" "$@"
    note "docker-bench-security ($phase): $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
}
run_comply() { # PHASE [ENV=...]
    local phase=$1; shift
    local t0; t0=$(date +%s.%N)
    RC=0
    env "$@" timeout 120 "$MOAT" comply docker --docker-host "$dsock" --format json \
        >"$W/moat-$phase.json" 2>"$W/moat-$phase.err" || RC=$?
    [ "$RC" = 0 ] || { cat "$W/moat-$phase.err" >&2; fail "moat comply docker ($phase): $(describe_rc "$RC")"; }
    note "moat comply docker ($phase): $(printf '%.2f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
}
compare() { # PHASE
    "$PY" "$TOOLS/comply-compare.py" expect "$W/moat-$1.json" "$REPO/tests/integration/comply_docker.expect" "$1" ||
        fail "moat comply docker ($1): verdicts differ from the expected ones (above)"
    MIN_BOTH=$([ "${MOAT_COMPLY_BENCH:-}" = full ] && echo 90 || echo 14) \
        "$PY" "$TOOLS/comply-compare.py" bench "$W/moat-$1.json" "$W/bench-$1-host.log.json,$W/bench-$1.log.json" \
        "$REPO/docs/comply.md" "$1" ||
        fail "moat and docker-bench-security differ beyond the documented differences ($1)"
}

# ---- phase 1: insecure ------------------------------------------------------
cat >"$base/insecure.json" <<EOF
{"icc": true, "userland-proxy": true, "insecure-registries": ["10.9.8.7:5000"],
 "log-level": "debug", "iptables": false, "experimental": true}
EOF
chmod 666 "$base/insecure.json"
start_daemon "$base/insecure.json"
chmod 666 "$dsock"
D load -i "$SAMPLE/app.tar" >"$W/load.out" 2>&1 || { cat "$W/load.out" >&2; fail "docker load"; }
IMG=moat-test/app:1
mkdir -p "$base/ctx"
echo hello >"$base/ctx/a.txt"
cat >"$base/ctx/Dockerfile" <<'EOF'
FROM moat-test/app:1
ADD a.txt /a.txt
RUN echo apt-get update
ENV GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB
EOF
DOCKER_BUILDKIT=0 D build -q -t $name/insecure:1 "$base/ctx" >"$W/build1.out" 2>&1 ||
    { cat "$W/build1.out" >&2; fail "docker build (insecure image)"; }
run() { D run -d --name "$@" >>"$W/run.out" 2>&1 || { tail -5 "$W/run.out" >&2; fail "docker run $1"; }; }
run $name-sock -u 0 -v "$dsock:/var/run/docker.sock" -v /etc:/host-etc \
    --cap-add NET_ADMIN --cap-add CHOWN -p 80:80 --restart always \
    --security-opt seccomp=unconfined --device /dev/zero:/dev/xzero \
    --entrypoint /bin/sleep $name/insecure:1 infinity
run $name-hostns --network host --pid host --uts host --ipc host --userns host --cgroup-parent comply-docker.slice \
    --entrypoint /bin/sh $IMG -c 'cp /bin/sleep /tmp/sshd && exec /tmp/sshd infinity'
D create --name $name-priv --privileged $IMG true >>"$W/run.out" 2>&1 || fail "docker create --privileged"
# exec sessions are listed while they run; a privileged one cannot start here
# (CAP_SYS_RESOURCE is not in these VMs' bounding set), so 5.23 passes
D exec -d -u root $name-sock sleep 600 >"$W/exec.out" 2>&1 || fail "docker exec -u root: $(cat "$W/exec.out")"
run_comply insecure
# stopped containers only with --all
"$MOAT" comply docker --docker-host "$dsock" --all --format json >"$W/moat-all.json" 2>"$W/moat-all.err" ||
    fail "moat comply docker --all: $(cat "$W/moat-all.err")"
grep -q '"5.5"' "$W/moat-all.json" && "$PY" - "$W/moat-all.json" "$W/moat-insecure.json" <<'EOF' || fail "--all: privileged created container not reported"
import json, sys
a = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
r = {c["id"]: c for c in json.load(open(sys.argv[2]))["checks"]}
assert a["5.5"]["result"] == "WARN" and "comply-docker-priv" in a["5.5"]["evidence"], a["5.5"]
assert r["5.5"]["result"] == "PASS", r["5.5"]
EOF
run_bench insecure
compare insecure

# policy: block a check that warns -> exit 1; turn it off -> gone; unknown id -> 2
cat >"$W/policy.yaml" <<'EOF'
comply:
  docker:
    default: alert
    checks: {"5.5": off, "5.16": block, "2.1": {enabled: false}}
EOF
RC=0; "$MOAT" comply docker --docker-host "$dsock" --policy "$W/policy.yaml" --format json \
    >"$W/pol.json" 2>"$W/pol.err" || RC=$?
[ "$RC" = 1 ] || fail "policy with a blocking WARN: exit $RC, want 1 ($(cat "$W/pol.err"))"
"$PY" - "$W/pol.json" <<'EOF' || fail "policy actions not applied"
import json, sys
d = json.load(open(sys.argv[1]))
ids = {c["id"]: c for c in d["checks"]}
assert "5.5" not in ids and "2.1" not in ids, "off checks still reported"
assert ids["5.16"]["action"] == "block" and ids["2.2"]["action"] == "alert"
assert d["failed"] is True
EOF
printf 'comply:\n  docker:\n    checks: {"9.99": block}\n' >"$W/bad.yaml"
RC=0; "$MOAT" comply docker --docker-host "$dsock" --policy "$W/bad.yaml" >/dev/null 2>"$W/bad.err" || RC=$?
[ "$RC" = 2 ] && grep -q "9.99" "$W/bad.err" || fail "unknown check in policy: exit $RC: $(cat "$W/bad.err")"
RC=0; "$MOAT" comply docker --docker-host "$dsock" --fail-on 2.2 --compliance pci >"$W/pci.txt" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "--fail-on 2.2 (icc on): exit $RC, want 1"
grep -q 'FAIL    PCI-DSS-4.0:1.3.1' "$W/pci.txt" || fail "--compliance pci: 1.3.1 not FAIL: $(grep 1.3.1 "$W/pci.txt")"
"$MOAT" comply docker --docker-host "$dsock" --format sarif >"$W/sarif.json" || fail "--format sarif"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["runs"][0]; assert any(x["ruleId"]=="5.32" for x in r["results"])' "$W/sarif.json" ||
    fail "SARIF lacks the 5.32 result"
stop_daemon

# ---- phase 2: hardened ------------------------------------------------------
make_test_ca "$base/tls"
chmod 444 "$base/tls/ca.pem" "$base/tls/server.pem"
chmod 400 "$base/tls/server.key"
cat >"$base/hardened.json" <<EOF
{"icc": false, "live-restore": true, "userland-proxy": false, "no-new-privileges": true,
 "log-level": "info", "log-driver": "fluentd",
 "log-opts": {"fluentd-async": "true", "fluentd-address": "127.0.0.1:24224"},
 "default-ulimits": {"nofile": {"Name": "nofile", "Hard": 4096, "Soft": 2048}},
 "tlsverify": true, "tlscacert": "$base/tls/ca.pem", "tlscert": "$base/tls/server.pem",
 "tlskey": "$base/tls/server.key"}
EOF
chmod 644 "$base/hardened.json"
start_daemon "$base/hardened.json" tcp://127.0.0.1:2376
chmod 660 "$dsock"
cat >"$base/ctx/Dockerfile" <<'EOF'
FROM moat-test/app:1
HEALTHCHECK --interval=5s CMD true
USER 1000
EOF
D rmi -f $name/insecure:1 >/dev/null 2>&1 || true
DOCKER_BUILDKIT=0 D build -q -t $name/hardened:1 "$base/ctx" >"$W/build2.out" 2>&1 ||
    { cat "$W/build2.out" >&2; fail "docker build (hardened image)"; }
D rmi $IMG >/dev/null 2>&1 || fail "untag $IMG"   # its layers stay as the parent
D network create $name-net >/dev/null || fail "docker network create"
run $name-app --read-only --memory 64m --cpu-shares 512 --pids-limit 64 \
    --security-opt no-new-privileges --user 1000 --restart on-failure:3 \
    --ulimit nofile=1024:1024 -p 127.0.0.1:8080:8080 --network $name-net \
    --entrypoint /bin/sleep $name/hardened:1 infinity
if command -v auditctl >/dev/null; then
    for p in /usr/sbin/dockerd /run/containerd "$base/root" /var/lib/docker /etc/docker \
             /lib/systemd/system/docker.service /lib/systemd/system/docker.socket \
             /run/docker/containerd/containerd.sock /etc/default/docker "$base/hardened.json" \
             /etc/containerd/config.toml /usr/bin/containerd /usr/bin/containerd-shim \
             /usr/bin/containerd-shim-runc-v1 /usr/bin/containerd-shim-runc-v2 /usr/bin/runc; do
        [ -e "$p" ] && auditctl -w "$p" -p wa -k "$AUDIT_KEY" >/dev/null 2>&1
    done
fi
run_comply hardened DOCKER_CONTENT_TRUST=1
run_bench hardened DOCKER_CONTENT_TRUST=1
audit_clear
compare hardened

end=$(date +%s)
pass "insecure and hardened daemons checked, docker-bench-security compared ($((end - start)) s)"
