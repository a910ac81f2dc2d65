#!/bin/bash
# `moat defender` keeps its container cache in step with the real engines.
#
# One defender (built-in rules; eBPF unless MOAT_SENSOR says otherwise)
# follows the Docker engine's event stream while:
#  (a) a container is renamed after its first alert: the next alert must
#      carry the new name (`docker inspect` says which);
#  (b) a container is restarted: a binary copied in during the first run is
#      no longer drift (its ctime is before the new StartedAt), one copied in
#      after the restart still is, killed in the kernel, with the container
#      attributed;
#  (c) every container of the test is removed (`docker rm -f`): the final
#      stats line must show the entries dropped and no more cached than
#      containers that still exist;
#  (d) a container only containerd knows (`ctr run` on dockerd's containerd,
#      its own namespace, CRI annotations) reads /etc/shadow: the alert must
#      carry its id and the pod and Kubernetes namespace from the bundle.
#
# Environment (set by meson): MOAT. Exit 0 pass, 1 fail, 77 skip (not root,
# no engine, no ctr).
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
command -v ctr >/dev/null || skip "no ctr (apt-get install containerd)"
CTR_SOCK=/var/run/docker/containerd/containerd.sock
[ -S "$CTR_SOCK" ] || skip "dockerd's containerd socket $CTR_SOCK is missing"
MODE=${MOAT_SENSOR:-ebpf}
P=moat-rt-$$                        # container name prefix
NS=moat-rt-$$                       # containerd namespace of the ctr container

ctr_() { timeout 120 ctr -a "$CTR_SOCK" -n "$NS" "$@"; }
CID=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)   # CRI-style 64-hex id
DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; fi
    "$docker" ps -aq --filter "name=$P" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
    ctr_ task kill -s KILL "$CID" >/dev/null 2>&1 || true
    sleep 0.5
    ctr_ task rm -f "$CID" >/dev/null 2>&1 || true
    ctr_ containers rm "$CID" >/dev/null 2>&1 || true
    # --sync: the garbage collector frees blobs and snapshots before the namespace goes
    ctr_ images rm --sync "docker.io/$IMG" >/dev/null 2>&1 || true
    ctr -a "$CTR_SOCK" namespaces rm "$NS" >/dev/null 2>&1 || true
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

# the image into the containerd namespace first: it takes a few seconds
"$docker" save "$IMG" | ctr_ images import - >"$W/ctr-import.out" 2>&1 ||
    { cat "$W/ctr-import.out" >&2; fail "ctr images import failed"; }

# --- the defender, built-in rules ---
mkdir -p "$W/rules"
cp "$REPO"/rules/*.yaml "$W/rules/"
start_defender 60 --rules "$W/rules" --format json
note "$(head -n 1 "$W/defender.err")"
grep -q "sensor $MODE" "$W/defender.err" || fail "expected sensor $MODE: $(head -n 1 "$W/defender.err")"
sleep 1                             # the first loop turns connect the event stream

# alerts of RULE for container ID, one "name action pod namespace" line each
alerts_for() {
    $PY - "$W/alerts.jsonl" "$1" "$2" <<'PYEOF'
import json, sys
path, rule, cid = sys.argv[1:]
for line in open(path):
    a = json.loads(line)
    c = a.get("container") or {}
    if a["rule"] == rule and c.get("id") == cid:
        print(c.get("name"), a["action"], c.get("pod", "-"), c.get("namespace", "-"))
PYEOF
}
wait_alerts() {  # wait_alerts RULE ID COUNT: until COUNT such alerts (10 s at most)
    for _ in $(seq 1 40); do
        [ "$(alerts_for "$1" "$2" | wc -l)" -ge "$3" ] && return 0
        sleep 0.25
    done
    return 1
}

# --- (a) rename ---
"$docker" run -d --name "$P-ren" --user 0 --entrypoint sleep "$IMG" 600 >/dev/null
REN_ID=$("$docker" inspect -f '{{.Id}}' "$P-ren")
sleep 1
"$docker" exec "$P-ren" cat /etc/shadow >/dev/null
wait_alerts read-shadow "$REN_ID" 1 || fail "(a) no read-shadow alert for $P-ren"
"$docker" rename "$P-ren" "$P-renamed"
sleep 1.5                           # the engine's rename event reaches the loop
"$docker" exec "$P-renamed" cat /etc/shadow >/dev/null
wait_alerts read-shadow "$REN_ID" 2 || fail "(a) no second read-shadow alert"
NAMES=$(alerts_for read-shadow "$REN_ID" | awk '{print $1}' | paste -sd' ')
want=$("$docker" inspect -f '{{.Name}}' "$REN_ID"); want=${want#/}
[ "$NAMES" = "$P-ren $want" ] || fail "(a) alert names \"$NAMES\", expected \"$P-ren $want\""

# --- (b) restart: the drift rule follows the new start time ---
"$docker" run -d --name "$P-rst" --user 0 --entrypoint sleep "$IMG" 600 >/dev/null
RST_ID=$("$docker" inspect -f '{{.Id}}' "$P-rst")
sleep 1
cp /usr/bin/touch "$W/early"
"$docker" cp "$W/early" "$P-rst:/tmp/early"      # created during the first run
START1=$("$docker" inspect -f '{{.State.StartedAt}}' "$P-rst")
sleep 1.2                           # start times have one-second resolution
"$docker" restart -t 0 "$P-rst" >/dev/null
START2=$("$docker" inspect -f '{{.State.StartedAt}}' "$P-rst")
[ "$START1" != "$START2" ] || fail "(b) restart kept StartedAt $START1"
# The defender renews the kernel's drift entry from the engine's start event;
# wait until the kernel holds the new start time and the new cgroup (bpftool
# shows the map), so what follows tests the rule, not that race
# (docs/defender.md, known limits).
START2_SEC=$(date -d "$START2" +%s)
drift_renewed() {
    local cg
    cg=$(stat -c %i "/sys/fs/cgroup/unified/docker/$RST_ID" 2>/dev/null) || return 1
    bpftool -j map dump name drift 2>/dev/null | $PY -c '
import json, sys
want = (int(sys.argv[1]), int(sys.argv[2]))
for e in json.load(sys.stdin):
    v = e.get("formatted", {}).get("value", {})
    if (v.get("start_sec"), v.get("cgroup_id")) == want:
        sys.exit(0)
sys.exit(1)' "$START2_SEC" "$cg"
}
for _ in $(seq 1 50); do
    drift_renewed && break
    sleep 0.2
done
drift_renewed || note "(b) the kernel's drift map never showed start $START2_SEC with the new cgroup"
sleep 0.5
ERC=0; "$docker" exec "$P-rst" /tmp/early /tmp/early-ran || ERC=$?
[ "$ERC" = 0 ] || fail "(b) a binary from before the restart exited $ERC: the old start time is still in force"
# the defender has seen the restarted container once it reports that exec
wait_alerts exec-from-tmp-in-container "$RST_ID" 1 || fail "(b) no exec-from-tmp alert for /tmp/early"
cp /usr/bin/touch "$W/dropper"
"$docker" cp "$W/dropper" "$P-rst:/tmp/dropper"  # created after the restart
DRC=0; "$docker" exec "$P-rst" /tmp/dropper /tmp/marker || DRC=$?
wait_alerts container-drift "$RST_ID" 1 || fail "(b) no container-drift alert for $P-rst (dropper exit $DRC)"
# One alert, the dropper's; none for the early binary: the rule follows the
# new start time. Killed in the kernel as a rule, but on this kernel the
# in-kernel kill right after a restart is intermittent even once the drift
# entry holds the new start and cgroup (docs/defender.md, known limits): then
# user space kills, which a short-lived binary can outrun.
got=$(alerts_for container-drift "$RST_ID" | paste -sd';')
case $got in
    "$P-rst killed-in-kernel - -")
        [ "$DRC" = 137 ] || fail "(b) killed in the kernel, yet the dropper exited $DRC"
        "$docker" exec "$P-rst" test -e /tmp/marker && fail "(b) dropped binary ran before it was killed" ;;
    "$P-rst killed - -" | "$P-rst kill-failed - -")
        note "(b) the dropper was not killed in the kernel after the restart ($got, exit $DRC)" ;;
    *) fail "(b) drift alerts: \"$got\"" ;;
esac

# --- (d) a container only containerd knows ---
ctr_ run -d \
    --annotation io.kubernetes.cri.sandbox-name=web-0 \
    --annotation io.kubernetes.cri.sandbox-namespace=shop \
    --annotation io.kubernetes.cri.container-name=app \
    "docker.io/$IMG" "$CID" sleep 600 >"$W/ctr-run.out" 2>&1 ||
    { cat "$W/ctr-run.out" >&2; fail "(d) ctr run failed"; }
sleep 1
ctr_ task exec --exec-id shadow --user 0 "$CID" cat /etc/shadow >/dev/null ||
    fail "(d) ctr task exec failed"
wait_alerts read-shadow "$CID" 1 || fail "(d) no read-shadow alert for the ctr container $CID"
got=$(alerts_for read-shadow "$CID" | head -n 1)
[ "$got" = "app alert web-0 shop" ] || fail "(d) ctr alert: \"$got\", expected \"app alert web-0 shop\""
"$docker" inspect "$CID" >/dev/null 2>&1 && fail "(d) Docker knows $CID: not a containerd-only container"
ctr_ task kill -s KILL "$CID" >/dev/null 2>&1 || true

# --- (c) removal: the cache shrinks ---
# short-lived ones too, each seen through an exec
for i in 1 2 3; do
    "$docker" run --name "$P-tmp$i" --user 0 --entrypoint bash "$IMG" -c 'cat /etc/shadow >/dev/null' ||
        fail "(c) docker run $P-tmp$i failed"
done
REMOVED=$("$docker" ps -aq --filter "name=$P" | wc -l)
[ "$REMOVED" = 5 ] || fail "(c) expected 5 containers named $P-*, found $REMOVED"
"$docker" ps -aq --filter "name=$P" | xargs -r "$docker" rm -f >/dev/null
sleep 2                             # destroy events reach the loop
existing() {
    { "$docker" ps -aq --no-trunc
      for ns in $(ctr -a "$CTR_SOCK" namespaces ls -q); do
          ctr -a "$CTR_SOCK" -n "$ns" tasks ls -q 2>/dev/null; done; } | sort -u
}
existing >"$W/existing.before"
kill -TERM "$DEF_PID" 2>/dev/null || {
    tail -n 40 "$W/defender.err" >&2; fail "the defender died before the end of the test"; }
RC=0; wait "$DEF_PID" || RC=$?
DEF_PID=
[ "$RC" = 0 ] || { tail -n 40 "$W/defender.err" >&2; fail "defender exit $RC on SIGTERM"; }
existing >"$W/existing.after"
EXIST=$(sort -u "$W/existing.before" "$W/existing.after" | grep -c . || true)
STATS=$(grep "containers cached" "$W/defender.err" | tail -n 1)
note "$STATS"
CACHED=$(echo "$STATS" | sed -n 's/.* \([0-9]*\) containers cached (\([0-9]*\) dropped).*/\1/p')
DROPPED=$(echo "$STATS" | sed -n 's/.* \([0-9]*\) containers cached (\([0-9]*\) dropped).*/\2/p')
[ -n "$CACHED" ] && [ -n "$DROPPED" ] || fail "(c) no cache count in the stats line: $STATS"
# 5 Docker containers destroyed and the ctr one whose init exited
[ "$DROPPED" -ge 6 ] || fail "(c) $DROPPED entries dropped, expected at least 6"
[ "$CACHED" -le "$EXIST" ] || fail "(c) $CACHED containers cached but only $EXIST exist"
pass "$MODE: rename, restart (drift exit $DRC), containerd pod/namespace; $CACHED cached of $EXIST existing, $DROPPED dropped"
