#!/bin/bash
# Defender enrollment end to end: the real `moat console` (SQLite) and the
# real `moat defender` (eBPF sensor) and `moat webhook` on loopback.
#  1. a join token (CLI) is traded by the defender for its own identity,
#     kept 0600 in its state directory and never printed; the same join
#     token is refused a second time;
#  2. the identity may push and read its own policy, nothing else (403);
#  3. the defender's heartbeat lists it online with its health;
#  4. a runtime policy made in the console turns a rule off in the running
#     defender (the marker stops alerting, a second rule still alerts), and
#     the policy is cached in the state directory;
#  4b. a privileged root container with a published port is in the
#     console's inventory from the defender, with its facts, and raises its
#     image's risk; stopped, it is listed as not running (needs dockerd);
#  4c. baseline and firewall policies from the console, scoped, in the
#     defender with its baselines and firewall (needs dockerd): a firewall
#     policy for namespace prod denies a flow its image had learned (connect
#     refused in the kernel) while the same image in namespace dev still
#     connects (a dry-run policy for dev only reports it); a runtime policy
#     scoped to label moat.tier=web kills with a rule that only alerts in
#     the other container of the same image; a baseline policy for label moat.tier=web puts that image
#     in enforce (an exec outside its model is killed) while the batch
#     container of the same image is untouched; a policy the defender cannot
#     apply leaves the last one in force and is the heartbeat's last_error;
#  5. an admission decision of `moat webhook --console` is an event of kind
#     "admission" in the console;
#  6. a revoked defender is refused (403 naming the revocation) and listed
#     as revoked; the audit log holds the enrollment and the revocation.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
[ "$(id -u)" = 0 ] || skip "needs root (eBPF)"
command -v curl >/dev/null || fail "curl is not installed"
DEF_PID= WH_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -KILL "$DEF_PID" 2>/dev/null || true; fi
    if [ -n "$WH_PID" ]; then kill -KILL "$WH_PID" 2>/dev/null || true; fi
    stop_console
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT
t0=$(date +%s%N)

start_console
console_token defender gate >"$W/gate.token" || fail "token create failed"
"$MOAT" console token create --data "$D" --role defender --join --ttl 1h --name node-join \
    >"$W/join.token" 2>"$W/join.err" || { cat "$W/join.err" >&2; fail "join token create failed"; }
grep -q '^moatjoin_' "$W/join.token" || fail "join token: $(cat "$W/join.token")"
grep -q "good for 1 enrollment" "$W/join.err" || fail "join token message: $(cat "$W/join.err")"
"$MOAT" console token create --data "$D" --join --ttl 0h >/dev/null 2>&1 &&
    fail "a join token with no lifetime was made"

api() { # METHOD PATH TOKEN [BODY] -> body on stdout, status in $W/status
    local args=(-s -o "$W/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3")
    if [ -n "${4:-}" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$4"); fi
    curl "${args[@]}" "$URL/api/v1$2" >"$W/status"
    cat "$W/body"
}
expect() { # STATUS METHOD PATH TOKEN [BODY]
    api "$2" "$3" "$4" "${5:-}" >/dev/null
    [ "$(cat "$W/status")" = "$1" ] || fail "$2 $3: HTTP $(cat "$W/status"), expected $1: $(cat "$W/body")"
}

mkdir -p "$W/rules"
cp /bin/true "$W/marker"; cp /bin/true "$W/marker2"
for m in marker marker2; do cat >"$W/rules/$m.yaml" <<YAML
rules:
  - id: test-enroll-$m
    description: the enroll test's $m ran
    severity: warning
    action: alert
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.exe, in: ["$W/$m"]}]}
YAML
done
DEF_FLAGS="--no-network --no-baselines"
defender_up() { # the same (by then spent) join token every time
    rm -f "$W/ready"
    # shellcheck disable=SC2086
    "$MOAT" defender --rules "$W/rules" --format json --state "$W/state" $DEF_FLAGS \
        --console "$URL" --join-token-file "$W/join.token" --console-interval 1 \
        --ready-file "$W/ready" >>"$W/alerts" 2>"$W/defender.err" &
    DEF_PID=$!
    for _ in $(seq 1 120); do
        [ -e "$W/ready" ] && return 0
        kill -0 "$DEF_PID" 2>/dev/null || { cat "$W/defender.err" >&2; fail "defender exited early"; }
        sleep 0.25
    done
    fail "defender not ready"
}
defender_up

# 1. the identity: 0600, the secret never printed; the join token is spent
ID_FILE=$W/state/console-identity.json
[ -f "$ID_FILE" ] || fail "no identity in the state directory"
[ "$(stat -c %a "$ID_FILE")" = 600 ] || fail "identity mode $(stat -c %a "$ID_FILE")"
DID=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$ID_FILE")
SECRET=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$ID_FILE")
grep -q "enrolled as defender $DID" "$W/defender.err" || fail "no enrollment line: $(cat "$W/defender.err")"
grep -qF "$SECRET" "$W/defender.err" "$W/alerts" "$D/console.log" 2>/dev/null &&
    fail "the defender's secret was logged"
expect 401 POST /defenders/enroll "$(cat "$W/join.token")" '{"node":"thief"}'
grep -q "used up" "$W/body" || fail "reused join token: $(cat "$W/body")"
# an API-made join token works once, for anyone holding it
JT=$(api POST /join-tokens "$ADMIN" '{"name":"api-join","ttl":"10m","uses":1}' |
    $PY -c 'import json,sys; print(json.load(sys.stdin)["token"])')
expect 201 POST /defenders/enroll "$JT" '{"node":"spare","version":"x"}'
SPARE=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/body")
expect 401 POST /defenders/enroll "$JT" '{"node":"spare2"}'
expect 403 POST /join-tokens "$READ" '{}'
note "enrolled $DID with a join token (identity 0600, secret not logged); reuse refused"

# 2. what the identity may do
expect 200 GET /defenders/self/policy "$SECRET"
expect 200 GET /me "$SECRET"
for p in /images /events /policies /defenders /containers /radar /audit /users /join-tokens; do
    expect 403 GET "$p" "$SECRET"
done
expect 403 POST /policies "$SECRET" '{"kind":"runtime","name":"x"}'
expect 403 POST "/defenders/$SPARE/revoke" "$SECRET"
expect 403 POST /defenders/self/heartbeat "$READ" '{}'
# the identity is bound to the node it enrolled with
expect 200 POST /defenders/self/heartbeat "$SECRET" '{"node":"elsewhere"}'
note "enrolled identity: push, heartbeat and own policy only (403 on 12 other calls)"

printed() { grep -c "\"rule\":\"test-enroll-$1\"" "$W/alerts" 2>/dev/null || true; }
run_marker() { # NAME: run it, wait until printed (or 3 s)
    local want=$(( $(printed "$1") + 1 ))
    "$W/$1"
    for _ in $(seq 1 30); do [ "$(printed "$1")" -ge "$want" ] && return 0; sleep 0.1; done
    return 1
}
run_marker marker || fail "the marker did not alert before the policy"
quiet_marker() { # WHEN: the marker does not alert while marker2 still does
    local before
    before=$(printed marker)
    "$W/marker"
    run_marker marker2 || fail "$1: the second rule does not alert"
    sleep 0.3
    [ "$(printed marker)" = "$before" ] || fail "$1: the disabled rule alerted"
}

# 3. heartbeat and health
defenders() { api GET /defenders "$READ"; }
for _ in $(seq 1 40); do
    defenders | $PY -c 'import json,sys
d = {x["id"]: x for x in json.load(sys.stdin)["defenders"]}[sys.argv[1]]
h = d.get("health") or {}
sys.exit(0 if d["status"] == "online" and h.get("events_sent", 0) >= 1 and d["version"] and
         "uptime_s" in h else 1)' "$DID" 2>/dev/null && break
    sleep 0.25
done || true
defenders | $PY -c 'import json,sys
d = {x["id"]: x for x in json.load(sys.stdin)["defenders"]}[sys.argv[1]]
h = d.get("health") or {}
assert d["status"] == "online" and h.get("events_sent", 0) >= 1, d
assert d["node"] == sys.argv[2], ("node", d)
print("status", d["status"], "health", json.dumps(h, sort_keys=True))' "$DID" "$(hostname)" >"$W/health" ||
    fail "no heartbeat with health in /defenders: $(defenders)"
note "$(cat "$W/health")"

# 4. a runtime policy from the console turns the marker rule off
expect 201 POST /policies "$ADMIN" \
    '{"kind":"runtime","name":"quiet-marker","mode":"alert","rules":{"disable":["test-enroll-marker"]}}'
for _ in $(seq 1 40); do grep -q "console policy: 1 off" "$W/defender.err" && break; sleep 0.25; done
grep -q "for the console's policy (console policy: 1 off" "$W/defender.err" ||
    fail "the defender did not apply the policy: $(tail -n 5 "$W/defender.err")"
quiet_marker "after the policy"
grep -q quiet-marker "$W/state/console-policy.json" || fail "the policy is not cached"
expect 200 GET /defenders/self/policy "$SECRET"
grep -q quiet-marker "$W/body" || fail "self policy: $(cat "$W/body")"
note "console policy disabled test-enroll-marker in the running defender; cached on disk"
# a restart: the identity is reused (the spent join token is not sent again),
# and the cached policy is in force before the sensor runs
kill -TERM "$DEF_PID"; wait "$DEF_PID" || true
defender_up
grep -q "identity of defender $DID" "$W/defender.err" || fail "restart: $(head -n 3 "$W/defender.err")"
grep -q "the console's policy sha256:.* is in force" "$W/defender.err" ||
    fail "restart: the cached policy was not applied at start: $(head -n 3 "$W/defender.err")"
quiet_marker "after the restart"
note "restarted: same identity $DID, cached policy enforced from the start"

# 4b. the container inventory: a privileged root container with a published
# port, seen by the defender, is in /containers with those facts and raises
# its image's risk (privileged named); stopped, it is listed as not running
# and the factor goes. Needs the Docker engine (skipped without one).
if [ -x /usr/sbin/dockerd ] && "$REPO/scripts/start-dockerd" >"$W/dockerd.out" 2>&1; then
    t_inv=$(date +%s%N)
    defender_engine                     # docker, IMG (loaded if missing)
    CTR=inventory-enroll-$$
    cleanup_ctr() { "$docker" rm -f "$CTR" >/dev/null 2>&1 || true; }
    trap 'cleanup_ctr; cleanup' EXIT
    IMGID=$("$docker" image inspect -f '{{.Id}}' "$IMG")
    printf '{"schema":"moat.scan/v1","target":{"digest":"sha256:%s","config_digest":"%s","ref":"%s"},"layers":[],"packages":[],"findings":[{"kind":"vuln","id":"CVE-2099-1","severity":"high","cvss":{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N","score":7.5},"status":"fixed","kev":false,"epss":0.2,"published":"2020-01-01","risk":{"score":40,"factors":[{"name":"cvss-base-score","weight":33.75}]}}]}' \
        "$(printf 'a%.0s' {1..64})" "$IMGID" "$IMG" >"$W/inv-scan.json"
    expect 201 POST /scans "$ADMIN" "$(cat "$W/inv-scan.json")"
    # --privileged needs every capability; where this host's bounding set
    # lacks one, runc refuses it: then the rest is checked unprivileged
    PRIV=1
    if ! "$docker" run -d --name "$CTR" --privileged --user 0 -p 127.0.0.1:0:80 \
        --entrypoint sleep "$IMG" 60 >"$W/ctr.id" 2>"$W/ctr.err"; then
        grep -q "unable to apply caps" "$W/ctr.err" || fail "docker run: $(cat "$W/ctr.err")"
        note "this host cannot run --privileged containers (capabilities missing): checking an unprivileged one"
        cleanup_ctr; PRIV=0
        "$docker" run -d --name "$CTR" --user 0 -p 127.0.0.1:0:80 --entrypoint sleep "$IMG" 60 \
            >"$W/ctr.id" 2>"$W/ctr.err" || fail "docker run: $(cat "$W/ctr.err")"
    fi
    CID=$(cat "$W/ctr.id")
    HPORT=$("$docker" port "$CTR" 80/tcp | head -n 1 | sed 's/.*://')
    inv_check() { # WANT-RUNNING: /containers and the image's environment agree
        api GET "/containers?limit=1000" "$READ" >"$W/ctrs.json"
        api GET "/images/$IMGID" "$READ" >"$W/inv-img.json"
        $PY - "$W/ctrs.json" "$W/inv-img.json" "$CID" "$1" "$HPORT" "$(hostname)" "$PRIV" <<'PY'
import json, sys
c = [x for x in json.load(open(sys.argv[1]))["containers"] if x["id"] == sys.argv[3]]
assert c, "the container is not listed"
c, running, priv = c[0], sys.argv[4] == "1", sys.argv[7] == "1"
assert c["running"] is running, c
assert c["privileged"] is priv and c["user"] == "0" and c["node"] == sys.argv[6], c
assert c["ports"] == [{"ip": "127.0.0.1", "host_port": int(sys.argv[5]), "port": 80, "proto": "tcp"}], c
img = json.load(open(sys.argv[2]))["image"]
e = img.get("environment") or {}
assert bool(e.get("privileged")) is (running and priv) and e.get("containers_running", 0) == (1 if running else 0), e
raised = set(e.get("raised_by") or [])
assert ("privileged" in raised) is (running and priv) and ("listening-ports" in raised) is running, e
assert "internet-facing" not in raised, e
print("running" if running else "stopped", "privileged", c["privileged"], "user", c["user"], "ports", c["ports"], "environment", json.dumps(e, sort_keys=True))
PY
    }
    for _ in $(seq 1 40); do inv_check 1 >"$W/inv1.txt" 2>&1 && break; sleep 0.25; done
    inv_check 1 >"$W/inv1.txt" 2>&1 || fail "the defender's inventory: $(cat "$W/inv1.txt")"
    note "$(cat "$W/inv1.txt")"
    "$docker" stop -t 0 "$CTR" >/dev/null 2>&1 || fail "docker stop"
    for _ in $(seq 1 40); do inv_check 0 >"$W/inv0.txt" 2>&1 && break; sleep 0.25; done
    inv_check 0 >"$W/inv0.txt" 2>&1 || fail "after the stop: $(cat "$W/inv0.txt")"
    note "$(cat "$W/inv0.txt")"
    cleanup_ctr
    note "container inventory: privileged($PRIV)/user/ports in /containers, the image's risk raised by them, stop -> running false: $(( ($(date +%s%N) - t_inv) / 1000000 )) ms"
else
    note "no Docker engine: the container inventory is not tested"
fi

# 4c. baseline and firewall policies, scoped (needs the Docker engine of 4b)
if [ -n "${docker:-}" ]; then
    t_pol=$(date +%s%N)
    benign_image                        # BIMG: busybox nc, socat (cached)
    # images of this test's own (ids no other test's defender has a mode
    # for: defenders of tests running beside this one see these containers
    # too), made from the benign image with a label and kept between runs
    labelled_image enroll-pol-cli:1 enroll-cli
    labelled_image enroll-pol-srv:1 enroll-srv
    P=enroll-$$
    cleanup_pol() {
        "$docker" ps -aq --filter "name=$P-" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
        "$docker" network rm "$P-net" >/dev/null 2>&1 || true
    }
    trap 'cleanup_pol; cleanup_ctr; cleanup' EXIT
    "$docker" network create "$P-net" >/dev/null || fail "docker network create"
    # the three at once (the engine takes a second or so for each)
    "$docker" run -d --name "$P-srv" --network "$P-net" enroll-pol-srv:1 \
        socat TCP-LISTEN:8080,fork,reuseaddr OPEN:/dev/null >/dev/null 2>"$W/run-srv.err" & r1=$!
    "$docker" run -d --name "$P-in" --network "$P-net" --label io.kubernetes.pod.namespace=prod \
        --label moat.tier=web enroll-pol-cli:1 sleep 300 >/dev/null 2>"$W/run-in.err" & r2=$!
    "$docker" run -d --name "$P-out" --network "$P-net" --label io.kubernetes.pod.namespace=dev \
        --label moat.tier=batch enroll-pol-cli:1 sleep 300 >/dev/null 2>"$W/run-out.err" & r3=$!
    wait "$r1" && wait "$r2" && wait "$r3" || fail "docker run: $(cat "$W"/run-*.err)"
    SRV=$("$docker" inspect -f "{{(index .NetworkSettings.Networks \"$P-net\").IPAddress}}" "$P-srv")
    lap() { local now; now=$(date +%s%N); laps="${laps:+$laps, }$1 $(( (now - t_lap) / 1000000 )) ms"; t_lap=$now; }
    laps= t_lap=$t_pol
    lap containers
    kill -TERM "$DEF_PID"; wait "$DEF_PID" || true
    DEF_FLAGS=""                        # baselines and the firewall on, learning
    defender_up
    lap "defender restart"
    conn() { "$docker" exec "$1" busybox nc -w 2 "$SRV" 8080 </dev/null >/dev/null 2>"$W/nc.err"; }
    # N: wait for the defender to take a policy with N of them, newer than the
    # last one waited for (counted from before the POST: a fast defender may
    # print it before this runs)
    in_force_seen=$(grep -c "is in force (" "$W/defender.err" || true)
    policies_in_force() {
        local lines
        for _ in $(seq 1 80); do
            lines=$(grep "is in force (" "$W/defender.err" || true)
            if printf '%s\n' "$lines" | tail -n +$((in_force_seen + 1)) | grep -q "is in force ($1 baseline"; then
                in_force_seen=$(printf '%s\n' "$lines" | grep -c "is in force (")
                return 0
            fi
            sleep 0.25
        done
        fail "the defender did not take the policy: $(tail -n 5 "$W/defender.err")"
    }
    # learning: both containers reach the server and run busybox
    sleep 1                             # the firewall has met the containers
    conn "$P-in" && conn "$P-out" || fail "before the policies: $(cat "$W/nc.err")"
    SRV_ID=$("$docker" image inspect -f '{{.Id}}' enroll-pol-srv:1)
    for _ in $(seq 1 12); do            # learned (written once a second): the deny must win over it
        grep -qs "$SRV_ID" "$W"/state/images/*/network.json && break
        sleep 0.25
    done
    expect 201 POST /policies "$ADMIN" '{"kind":"firewall","name":"prod-no-srv","mode":"block",
        "rules":{"deny":[{"from":"*","to":"image:enroll-pol-srv:1","port":8080,"proto":"tcp"}],
                 "default":"allow","scope":{"namespaces":["prod"]}}}'
    policies_in_force 1
    sleep 0.5                           # the kernel maps follow at the next firewall tick
    conn "$P-in" && fail "the firewall policy did not refuse $P-in -> $SRV:8080"
    grep -q "Operation not permitted\|refused" "$W/nc.err" || fail "refused how? $(cat "$W/nc.err")"
    refused=$(tr -d '\n' <"$W/nc.err" | cut -c1-80)
    conn "$P-out" || fail "the firewall policy (namespace prod) refused $P-out (dev): $(cat "$W/nc.err")"
    for _ in $(seq 1 20); do grep -q '"rule":"console:prod-no-srv"' "$W/alerts" && break; sleep 0.25; done
    grep '"rule":"console:prod-no-srv"' "$W/alerts" | grep -q "\"name\":\"$P-in\".*\"action\":\"blocked\"\|\"action\":\"blocked\".*\"name\":\"$P-in\"" ||
        fail "no blocked alert naming the policy: $(grep prod-no-srv "$W/alerts" | head -n 2)"
    lap "learn + firewall policy"
    note "firewall policy (scope namespace prod): $P-in -> srv:8080 refused in the kernel ($refused), $P-out (dev) still connects"
    # the same denial as a dry run (mode alert) for namespace dev: reported, not refused
    expect 201 POST /policies "$ADMIN" '{"kind":"firewall","name":"dev-dry","mode":"alert",
        "rules":{"deny":[{"from":"*","to":"image:enroll-pol-srv:1","port":8080}],"scope":{"namespaces":["dev"]}}}'
    policies_in_force 2
    sleep 0.5
    conn "$P-out" || fail "an alert-mode firewall policy refused $P-out: $(cat "$W/nc.err")"
    for _ in $(seq 1 20); do grep -q '"rule":"console:dev-dry"' "$W/alerts" && break; sleep 0.25; done
    grep '"rule":"console:dev-dry"' "$W/alerts" | grep -q "\"name\":\"$P-out\"" ||
        fail "no alert of the dry-run policy for $P-out: $(grep dev-dry "$W/alerts" | head -n 2)"
    grep '"rule":"console:dev-dry"' "$W/alerts" | grep -q '"action":"blocked"' &&
        fail "the dry-run policy's alert says blocked"
    lap "dry run"
    note "firewall policy in mode alert (namespace dev): $P-out connects, alert console:dev-dry"
    # a scoped runtime policy: its rule kills in moat.tier=web and only alerts elsewhere
    cat >"$W/rules/scoped.yaml" <<'YAML'
rules:
  - id: test-enroll-scoped
    description: the enroll test's scoped probe ran
    severity: warning
    action: alert
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.cmdline, contains: "sleep 1.77"}]}
YAML
    expect 201 POST /policies "$ADMIN" '{"kind":"runtime","name":"web-kill","mode":"block",
        "rules":{"rules":["test-enroll-scoped"],"action":"kill","scope":{"labels":["moat.tier=web"]}}}'
    policies_in_force 2
    rc=0; "$docker" exec "$P-in" sleep 1.77 || rc=$?
    [ "$rc" = 137 ] || fail "the scoped runtime policy did not kill in $P-in (exit $rc)"
    rc=0; "$docker" exec "$P-out" sleep 1.77 || rc=$?
    [ "$rc" = 0 ] || fail "the scoped runtime policy reached $P-out (exit $rc)"
    for _ in $(seq 1 20); do [ "$(grep -c '"rule":"test-enroll-scoped"' "$W/alerts")" -ge 2 ] && break; sleep 0.25; done
    grep '"rule":"test-enroll-scoped"' "$W/alerts" | grep "\"name\":\"$P-in\"" | grep -q '"action":"killed' ||
        fail "no kill alert in $P-in: $(grep test-enroll-scoped "$W/alerts" | head -n 2)"
    grep '"rule":"test-enroll-scoped"' "$W/alerts" | grep "\"name\":\"$P-out\"" | grep -q '"action":"alert"' ||
        fail "no alert in $P-out: $(grep test-enroll-scoped "$W/alerts" | head -n 2)"
    lap "runtime policy"
    note "runtime policy (scope label moat.tier=web, kill): killed in $P-in, alert only in $P-out"
    # a baseline policy puts the image in enforce for moat.tier=web only
    expect 201 POST /policies "$ADMIN" "{\"kind\":\"baseline\",\"name\":\"web-enforce\",\"mode\":\"block\",
        \"rules\":{\"images\":[\"enroll-pol-cli:*\"],\"mode\":\"enforce\",\"scope\":{\"labels\":[\"moat.tier=web\"]}}}"
    policies_in_force 3
    sleep 0.5
    rc=0; "$docker" exec "$P-in" /usr/bin/id >/dev/null 2>&1 || rc=$?
    [ "$rc" = 137 ] || fail "an exec outside the model in $P-in (enforce by policy) exited $rc, not killed"
    rc=0; "$docker" exec "$P-out" /usr/bin/id >/dev/null 2>&1 || rc=$?
    [ "$rc" = 0 ] || fail "the baseline policy touched $P-out (label moat.tier=batch): exit $rc"
    for _ in $(seq 1 20); do grep -q '"rule":"baseline-exec".*/usr/bin/id' "$W/alerts" && break; sleep 0.25; done
    grep '"rule":"baseline-exec"' "$W/alerts" | grep "/usr/bin/id" | grep -q "\"killed" ||
        fail "no kill alert for the exec: $(grep baseline-exec "$W/alerts" | tail -n 2)"
    lap "baseline policy"
    note "baseline policy (scope label moat.tier=web): /usr/bin/id killed in $P-in, runs in $P-out"
    # a policy the defender cannot apply: the last one stays, the heartbeat says why
    expect 201 POST /policies "$ADMIN" '{"kind":"firewall","name":"broken","mode":"block",
        "rules":{"deny":[{"from":"*","to":"nowhere"}]}}'
    for _ in $(seq 1 40); do grep -q "is not applied, the last one stays" "$W/defender.err" && break; sleep 0.25; done
    grep -q "is not applied, the last one stays.*broken" "$W/defender.err" ||
        fail "the bad policy was not refused: $(tail -n 3 "$W/defender.err")"
    for _ in $(seq 1 20); do
        defenders | $PY -c 'import json,sys
d = {x["id"]: x for x in json.load(sys.stdin)["defenders"]}[sys.argv[1]]
sys.exit(0 if "broken" in ((d.get("health") or {}).get("last_error") or "") else 1)' "$DID" && break
        sleep 0.25
    done || fail "the heartbeat's last_error does not name the bad policy: $(defenders)"
    conn "$P-in" && fail "the bad policy undid the firewall policy in force"
    lap "bad policy"
    note "a bad policy: refused, the last one kept in force, reported in the heartbeat's last_error"
    cleanup_pol
    note "baseline and firewall policies: $(( ($(date +%s%N) - t_pol) / 1000000 )) ms ($laps)"
fi

# 5. an admission decision reaches the console
cat >"$W/policy.yaml" <<'EOT'
admission: {scan: none}
rules:
  privileged: block
EOT
"$MOAT" webhook --listen 127.0.0.1:0 --insecure-listen --policy "$W/policy.yaml" \
    --state-dir "$W/adm" --console "$URL" --token-file "$W/gate.token" \
    --ready-file "$W/wh.ready" >/dev/null 2>"$W/webhook.err" &
WH_PID=$!
for _ in $(seq 1 50); do [ -s "$W/wh.ready" ] && break; sleep 0.2; done
[ -s "$W/wh.ready" ] || { cat "$W/webhook.err" >&2; fail "moat webhook did not start"; }
$PY - >"$W/review.json" <<'PY'
import json
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "evil", "namespace": "default"},
       "spec": {"containers": [{"name": "c", "image": "enroll.test/evil:1",
                                "securityContext": {"privileged": True}}]}}
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                  "request": {"uid": "enroll-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                              "operation": "CREATE", "namespace": "default", "object": pod}}))
PY
curl -s --max-time 10 --data-binary "@$W/review.json" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$(sed -n 2p "$W/wh.ready")/validate" >"$W/review.out"
grep -q '"allowed":false' "$W/review.out" || fail "webhook answer: $(cat "$W/review.out")"
for _ in $(seq 1 40); do
    api GET "/events?kind=admission" "$READ" | grep -q 'enroll.test/evil:1' && break
    sleep 0.25
done
api GET "/events?kind=admission" "$READ" | $PY -c 'import json,sys
ev = json.load(sys.stdin)["events"]
e = [x for x in ev if x["image"] == "enroll.test/evil:1"]
assert len(e) == 1 and e[0]["rule"] == "privileged" and e[0]["details"]["allow"] is False, ev
print("admission event:", e[0]["rule"], "allow", e[0]["details"]["allow"], e[0]["image"])' \
    >"$W/adm.txt" || fail "no admission event in the console: $(cat "$W/body")"
note "$(cat "$W/adm.txt")"
defenders | grep -q '"node":null\|admission' && fail "the webhook is listed as a defender: $(defenders)"

# 6. revocation
expect 204 POST "/defenders/$DID/revoke" "$ADMIN"
expect 409 POST "/defenders/$DID/revoke" "$ADMIN"
expect 403 POST /events "$SECRET" '{"events":[]}'
grep -q "has been revoked" "$W/body" || fail "revoked push: $(cat "$W/body")"
expect 403 GET /defenders/self/policy "$SECRET"
"$MOAT" console defender revoke --data "$D" "$SPARE" 2>"$W/revoke.err" ||
    fail "CLI revoke: $(cat "$W/revoke.err")"
"$W/marker2"
for _ in $(seq 1 40); do grep -q "has been revoked" "$W/defender.err" && break; sleep 0.25; done
grep -q "has been revoked" "$W/defender.err" || fail "the defender was not told: $(tail -n 3 "$W/defender.err")"
defenders | $PY -c 'import json,sys
d = {x["id"]: x["status"] for x in json.load(sys.stdin)["defenders"]}
assert d[sys.argv[1]] == "revoked" and d[sys.argv[2]] == "revoked", d' "$DID" "$SPARE" ||
    fail "revoked defenders not listed as revoked: $(defenders)"
api GET "/audit?limit=1000" "$ADMIN" | $PY -c 'import json,sys
a = [(x["action"], x["target"]) for x in json.load(sys.stdin)["audit"]]
for want in [("defender.enroll", sys.argv[1]), ("defender.revoke", sys.argv[1]),
             ("defender.revoke", sys.argv[2]), ("join-token.create", None)]:
    assert any(x[0] == want[0] and (want[1] is None or x[1] == want[1]) for x in a), (want, a)' \
    "$DID" "$SPARE" || fail "audit log lacks enroll/revoke: $(cat "$W/body")"
note "revoked defender refused (403) and listed as revoked; audit holds enroll and revoke"
kill -TERM "$DEF_PID"; wait "$DEF_PID" || true; DEF_PID=
kill -TERM "$WH_PID"; wait "$WH_PID" || true; WH_PID=
note "$(( ($(date +%s%N) - t0) / 1000000 )) ms"
pass
