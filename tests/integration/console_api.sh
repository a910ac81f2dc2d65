#!/bin/bash
# The console on real SQLite, on loopback, through its real binary:
#  1. bootstrap (user add, token create), refusals (plain HTTP off loopback,
#     bad role, short password, duplicate user);
#  2. RBAC: every role (and no credentials) on every endpoint class, with
#     the expected 2xx / 401 / 403;
#  3. login, the session cookie's flags, CSRF on non-GET, logout, and the
#     login rate limit (429);
#  4. `moat scan --console` of the sample image: the console's image shows
#     every finding with its layer and owner, as the scan printed them;
#     upload failures exit 2;
#  5. events: the same batch twice is stored once, edges and incidents count
#     once; filters; radar;
#  6. the OpenAPI document and the server's routes match both ways, and
#     every documented operation answers (not 404/405);
#  7. the web UI's files (index.html fallback, no traversal);
#  8. stop and start again: everything is still there.
# Storage: SQLite in the data dir; with CONSOLE_PG=1 (the console_api_pg
# test) a PostgreSQL server this script starts (pg.sh), or the one
# $MOAT_CONSOLE_DB names (an empty database): the same assertions on both,
# plus, on PostgreSQL, a server restart under the running console and
# errors that name the server but never the password.
. "$(dirname "$0")/lib.sh"
[ "${CONSOLE_PG:-}" = 1 ] && TEST=console_api_pg
need_moat
setup_work
sample_image
DBARG=()
if [ "${CONSOLE_PG:-}" = 1 ] && [ -z "${MOAT_CONSOLE_DB:-}" ]; then
    . "$(dirname "$0")/pg.sh"
    start_postgres
    export MOAT_CONSOLE_DB=$PG_URL
fi
PG=${MOAT_CONSOLE_DB:+1}      # on PostgreSQL, the store-independent parts are skipped
[ -n "$PG" ] && DBARG=(--db "$MOAT_CONSOLE_DB")
t0=$(date +%s.%N)
D=$W/data
B=                                  # base URL, once started
command -v curl >/dev/null || fail "curl is not installed"

start_console() {
    "$MOAT" console --data "$D" "${DBARG[@]}" --listen 127.0.0.1:0 --web "$W/web" --daemon "$@" \
        >"$W/start.out" 2>"$W/start.err" || { cat "$W/start.err" >&2; fail "console did not start"; }
    local port
    port=$(sed -n 's/.*serving http:\/\/127.0.0.1:0 (port \([0-9]*\).*/\1/p' "$D/console.log" | tail -1)
    [ -n "$port" ] || { cat "$D/console.log" >&2; fail "no port in console.log"; }
    B=http://127.0.0.1:$port/api/v1
}
stop_console() { "$MOAT" console stop --data "$D" >/dev/null 2>&1 || true; }
prev_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT$/\1/")
trap "stop_console; $prev_trap" EXIT

# call NAME METHOD PATH [curl args...]: status in $S, body in $W/NAME.json
call() {
    local name=$1 method=$2 path=$3; shift 3
    S=$(curl -s -o "$W/$name.json" -D "$W/$name.head" -w '%{http_code}' -X "$method" "$@" "$B$path")
}
expect() {   # expect STATUS NAME METHOD PATH [curl args...]
    local want=$1; shift
    call "$@"
    [ "$S" = "$want" ] || fail "$2 $3 ($1): HTTP $S, expected $want: $(head -c 300 "$W/$1.json")"
}
lap_t=$(date +%s%N)
lap() { local now; now=$(date +%s%N); note "$1: $(( (now - lap_t) / 1000000 )) ms"; lap_t=$now; }
jq_() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$W/$1.json"; }

# 1. bootstrap and refusals
mkdir -p "$W/web/assets"
echo '<!doctype html><title>moat</title>' >"$W/web/index.html"
echo 'console.log(1)' >"$W/web/assets/app.js"
if [ -z "$PG" ]; then   # refused before storage
RC=0; "$MOAT" console --data "$D" --listen 0.0.0.0:0 >"$W/plain.out" 2>&1 || RC=$?
[ "$RC" = 2 ] && grep -q "loopback" "$W/plain.out" || fail "plain HTTP on 0.0.0.0 was not refused (exit $RC)"
fi
echo 'admin-pass-123' | "$MOAT" console user add --data "$D" admin --role admin 2>"$W/ua.err" ||
    { cat "$W/ua.err" >&2; fail "user add failed"; }
RC=0; echo 'admin-pass-123' | "$MOAT" console user add --data "$D" admin --role admin 2>/dev/null || RC=$?
[ "$RC" = 2 ] || fail "a duplicate user was not refused"
if [ -z "$PG" ]; then   # refused before storage
RC=0; echo 'x' | "$MOAT" console user add --data "$D" bob --role admin 2>/dev/null || RC=$?
[ "$RC" = 2 ] || fail "a short password was not refused"
RC=0; echo 'long-enough-pw' | "$MOAT" console user add --data "$D" bob --role root 2>/dev/null || RC=$?
[ "$RC" = 2 ] || fail "an unknown role was not refused"
fi
declare -A TOK
for r in admin operator auditor ci defender; do
    TOK[$r]=$("$MOAT" console token create --data "$D" --role "$r" --name "t-$r" 2>/dev/null)
    [[ ${TOK[$r]} =~ ^moat_[0-9a-f]{40}$ ]] || fail "token create --role $r printed '${TOK[$r]}'"
done
if [ -n "${PG_DIR:-}" ]; then
    pg_as "$PG_BIN/pg_dump" -h "$PG_DIR" -p "$PG_PORT" -U postgres moat >"$W/dump.sql" || fail "pg_dump failed"
    grep -q "t-ci" "$W/dump.sql" || fail "the tokens are not in PostgreSQL"
    ! grep -q "${TOK[ci]}" "$W/dump.sql" || fail "a token's secret is stored in the database"
    ! ls "$D"/moat.db* >/dev/null 2>&1 || fail "--db postgres:// still made an SQLite file in --data"
    # errors name the server, never the password
    RC=0; "$MOAT" console --data "$W/bad" --db "postgresql://moat:wrong-$PG_PW@127.0.0.1:$PG_PORT/moat" \
        --listen 127.0.0.1:0 >"$W/badpw.out" 2>&1 || RC=$?
    [ "$RC" = 2 ] && grep -q "moat@127.0.0.1:$PG_PORT/moat" "$W/badpw.out" && grep -q "password" "$W/badpw.out" ||
        { cat "$W/badpw.out" >&2; fail "a wrong password: exit $RC, expected 2 naming the server"; }
    ! grep -q "$PG_PW" "$W/badpw.out" || fail "the error message shows the password: $(cat "$W/badpw.out")"
    RC=0; "$MOAT" console token create --data "$W/bad" --db "postgresql://moat:$PG_PW@127.0.0.1:1/moat" \
        --role ci >"$W/down.out" 2>&1 || RC=$?
    [ "$RC" = 2 ] && grep -q "127.0.0.1:1/moat" "$W/down.out" && ! grep -q "$PG_PW" "$W/down.out" ||
        { cat "$W/down.out" >&2; fail "an unreachable server: exit $RC, expected 2 naming it (no password)"; }
    RC=0; "$MOAT" console token create --data "$W/bad" --db "mysql://x@y/z" --role ci >"$W/scheme.out" 2>&1 || RC=$?
    [ "$RC" = 2 ] && grep -q "postgres://" "$W/scheme.out" || fail "a non-PostgreSQL --db URL: exit $RC"
else
    ! grep -rq "${TOK[ci]}" "$D"/moat.db* || fail "a token's secret is stored in the database"
fi
start_console
RC=0; "$MOAT" console --data "$D" --listen 127.0.0.1:0 >/dev/null 2>"$W/twice.err" || RC=$?
[ "$RC" = 2 ] && grep -q "already running" "$W/twice.err" || fail "a second console on the same data dir was not refused (exit $RC)"

lap "bootstrap"
# 2. RBAC: role x endpoint class
SCAN_MINI='{"schema":"moat.scan/v1","target":{"ref":"mini:1","digest":"sha256:'$(printf 'a%.0s' {1..64})'"},"layers":[],"packages":[],"findings":[]}'
EV_MINI='{"events":[{"event_id":"rbac-1","rule":"r","severity":"notice"}]}'
POL_MINI='{"kind":"runtime","name":"rbac","rules":{}}'
COMPLY_MINI='{"schema":"moat.comply/v1","benchmark":"cis-docker-1.6","target":"/run/x.sock","node":"rbac","checks":[]}'
ADM_HB='{"producer":"webhook","node":"rbac-node","version":"9.9","interval_ms":1000,"uptime_s":5,"policy_set":{"etag":"sha256:old","source":"cache","applied":"2026-12-01T10:00:00Z","policies":[{"id":"p-1","kind":"admission","name":"no privileged","updated":"2026-12-01T09:00:00Z","rules":{"x":1}}],"local":{"origin":"/etc/moat/policy.yaml","sha256":"sha256:abc"}},"decisions":{"allowed":7,"denied":2,"warned":1,"bogus":-1},"verdicts_cached":3,"scans_queued":1,"scans_failed":0,"last_error":"console policy abc not applied: bad","secret":"dropped"}'
# class method path body allowed-roles
matrix="read GET /images - admin,operator,auditor
read GET /containers - admin,operator,auditor
read GET /events - admin,operator,auditor
read GET /radar - admin,operator,auditor
read GET /defenders - admin,operator,auditor
read GET /admission-controllers - admin,operator,auditor
admission-heartbeat POST /defenders/self/heartbeat ADM_HB defender
read GET /vulnerabilities - admin,operator,auditor
read GET /compliance - admin,operator,auditor
comply POST /compliance COMPLY_MINI admin,ci,defender
comply-policy GET /compliance/policies - admin,operator,auditor,ci,defender
scan POST /scans SCAN_MINI admin,ci,defender
events POST /events EV_MINI admin,defender
policy-read GET /policies - admin,operator,auditor,defender
policy-write POST /policies POL_MINI admin,operator
users GET /users - admin
tokens GET /tokens - admin
integrations GET /integrations - admin
audit GET /audit - admin,auditor
me GET /me - admin,operator,auditor,ci,defender
defender-self GET /defenders/self/policy - defender
join-tokens GET /join-tokens - admin"
checks=0
while read -r class method path body allowed; do
    data=()
    [ "$body" = - ] || data=(-H 'Content-Type: application/json' --data "${!body}")
    call none "$method" "$path" "${data[@]}"
    [ "$S" = 401 ] || fail "RBAC $class: $method $path without credentials: HTTP $S, expected 401"
    checks=$((checks + 1))
    for r in admin operator auditor ci defender; do
        call "rbac" "$method" "$path" -H "Authorization: Bearer ${TOK[$r]}" "${data[@]}"
        if [[ ,$allowed, == *,$r,* ]]; then
            [[ $S == 2?? ]] || fail "RBAC $class: $r $method $path: HTTP $S, expected 2xx: $(cat "$W/rbac.json")"
        else
            [ "$S" = 403 ] || fail "RBAC $class: $r $method $path: HTTP $S, expected 403"
        fi
        checks=$((checks + 1))
    done
done <<<"$matrix"
call bad GET /images -H "Authorization: Bearer moat_0000000000000000000000000000000000000000"
[ "$S" = 401 ] || fail "a made-up token got HTTP $S"
# bodies: refused before they are read without credentials; public ones are small
head -c $((8 << 20)) /dev/zero | tr '\0' ' ' >"$W/bigbody.bin"
call big POST /scans -H 'Content-Type: application/json' --data-binary "@$W/bigbody.bin"
[ "$S" = 401 ] || fail "an 8 MiB body without credentials: HTTP $S, expected 401"
call biglogin POST /login --data-binary "@$W/bigbody.bin"
[ "$S" = 413 ] || fail "an 8 MiB login body: HTTP $S, expected 413"
note "RBAC: $checks role x endpoint checks"

lap "rbac"
# 3. login, cookie, CSRF, logout, rate limit
expect 401 login POST /login --data '{"user":"admin","password":"wrong-password"}'
expect 200 login POST /login --data '{"user":"admin","password":"admin-pass-123"}' -c "$W/jar"
grep -i '^set-cookie: moat_session=' "$W/login.head" | grep -qi 'HttpOnly' || fail "session cookie is not HttpOnly"
grep -i '^set-cookie: moat_session=' "$W/login.head" | grep -qi 'SameSite=Strict' || fail "session cookie is not SameSite=Strict"
csrf=$(jq_ login 'd["csrf"]')
[ "$(jq_ login 'd["role"]')" = admin ] || fail "login did not answer the role"
expect 200 me GET /me -b "$W/jar"
[ "$(jq_ me 'd["csrf"]')" = "$csrf" ] || fail "/me did not answer the session's CSRF token"
expect 403 nocsrf POST /policies -b "$W/jar" --data "$POL_MINI"
expect 403 badcsrf POST /policies -b "$W/jar" -H "X-CSRF-Token: 0$csrf" --data "$POL_MINI"
expect 201 csrf POST /policies -b "$W/jar" -H "X-CSRF-Token: $csrf" --data "$POL_MINI"
expect 403 logout-nocsrf POST /logout -b "$W/jar"
expect 204 logout POST /logout -b "$W/jar" -H "X-CSRF-Token: $csrf"
expect 401 me2 GET /me -b "$W/jar"
for i in 1 2 3 4 5; do
    expect 401 rl POST /login --data '{"user":"admin","password":"guess-'$i'"}'
done
expect 429 rl POST /login --data '{"user":"admin","password":"admin-pass-123"}'
grep -qi '^retry-after:' "$W/rl.head" || fail "429 without Retry-After"
call other POST /login --data '{"user":"nobody","password":"whatever-pw"}'
[ "$S" = 401 ] || fail "the rate limit of one user name blocked another (HTTP $S)"

lap "login"
# 4. scan upload of the sample image (DB from the shipped feed snapshot)
FEEDS=$REPO/data/feeds
run_moat db db build --from "$FEEDS/debian-tracker-bookworm.json.zst" --from "$FEEDS/kev.json.zst" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err db; fail "moat db build: $(describe_rc "$RC")"; }
run_moat up scan --format json --db "$W/vuln.db" --base-image "docker-archive:$SAMPLE/base.tar" \
    --console "${B%/api/v1}" --token "${TOK[ci]}" "docker-archive:$SAMPLE/app.tar"
[ "$RC" = 0 ] || { moat_err up; fail "moat scan --console: $(describe_rc "$RC")"; }
grep -q 'uploaded to' "$W/up.err" || fail "scan --console did not say it uploaded"
digest=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"]["digest"])' "$W/up.out") ||
    fail "scan --console did not print its JSON"
expect 200 img GET "/images/$digest" -H "Authorization: Bearer ${TOK[auditor]}"
$PY - "$W/up.out" "$W/img.json" <<'PY' || fail "the console's image differs from the scan (above)"
import json, sys
scan = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))
sf, cf = scan["findings"], got["findings"]
assert len(cf) == len(sf) > 0, f"{len(cf)} findings in the console, {len(sf)} in the scan"
vulns = [f for f in cf if f["kind"] == "vuln"]
assert vulns, "no vulnerability findings (is the DB empty?)"
for f in cf:
    assert "layer" in f and f.get("owner") in ("base", "app", "unknown"), f"finding without layer/owner: {f.get('id')}"
layers = {l["diff_id"]: l for l in got["layers"]}
assert [l["owner"] for l in got["layers"]][:1] == ["base"] and got["layers"][-1]["owner"] == "app", got["layers"]
for f in vulns:
    assert f["layer"] in layers, f"{f['id']}: layer {f['layer']} not among the image's layers"
    assert f["owner"] == layers[f["layer"]]["owner"], f"{f['id']}: owner {f['owner']} but its layer is {layers[f['layer']]['owner']}"
owners = {f["owner"] for f in vulns}
assert owners == {"base", "app"}, f"owners {owners}: want findings of both"
img = got["image"]
assert img["findings"] == len(sf) and img["risk_max"] == max(f.get("risk", {}).get("score", 0) for f in sf), img
assert len(got["packages"]) == len(scan["packages"]), "packages differ"
print(f"console_api: {len(cf)} findings ({len(vulns)} vulns, owners {sorted(owners)}), {len(got['packages'])} packages", file=sys.stderr)
PY
expect 200 imgs GET /images -H "Authorization: Bearer ${TOK[operator]}"
[ "$(jq_ imgs 'len([i for i in d["images"] if i["digest"] == "'"$digest"'"])')" = 1 ] || fail "/images does not list $digest"
# the same scan again replaces, not adds
expect 201 up2 POST /scans -H "Authorization: Bearer ${TOK[ci]}" --data-binary "@$W/up.out"
expect 200 img2 GET "/images/$digest" -H "Authorization: Bearer ${TOK[admin]}"
[ "$(jq_ img2 'len(d["findings"])')" = "$(jq_ img 'len(d["findings"])')" ] || fail "a re-upload changed the finding count"
if [ -z "$PG" ]; then   # the client's formats and failures do not depend on the store
# a table-format scan uploads its JSON all the same
run_moat up3 scan --format table --db "$W/vuln.db" --console "${B%/api/v1}/" --token "${TOK[ci]}" \
    "docker-archive:$SAMPLE/base.tar"
[ "$RC" = 0 ] && grep -q 'uploaded to' "$W/up3.err" || { moat_err up3; fail "table-format upload: $(describe_rc "$RC")"; }
grep -q 'CVE-' "$W/up3.out" || fail "scan --console --format table did not print its table"
run_moat upbad scan --db "$W/vuln.db" --console "${B%/api/v1}" --token "${TOK[auditor]}" "docker-archive:$SAMPLE/base.tar"
[ "$RC" = 2 ] && grep -q 'HTTP 403' "$W/upbad.err" || { moat_err upbad; fail "an upload with an auditor token: exit $RC, expected 2 with HTTP 403"; }
run_moat updown scan --db "$W/vuln.db" --console http://127.0.0.1:1 --token x "docker-archive:$SAMPLE/base.tar"
[ "$RC" = 2 ] && grep -q 'upload to the console failed' "$W/updown.err" || { moat_err updown; fail "an unreachable console: exit $RC, expected 2"; }
fi

lap "scan upload"
# 5. events: idempotent batches, filters, containers, radar
cfg=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"]["config_digest"])' "$W/up.out")
batch='{"defender":{"node":"node-1","version":"test"},"events":[
 {"schema":"moat.alert/v1","event_id":"ev-1","time":"2026-11-23T20:08:59.5Z","node":"node-1","rule":"read-shadow","severity":"warning",
  "container":{"id":"c0ffee","name":"web","image":"moat-test/app:1","image_id":"'"$cfg"'"},"details":{"fd.name":"/etc/shadow"}},
 {"schema":"moat.alert/v1","event_id":"ev-2","time":"2026-11-23T20:09:00Z","node":"node-1","rule":"network-outside-baseline","severity":"warning",
  "container":{"id":"c0ffee","name":"web","image":"moat-test/app:1","image_id":"'"$cfg"'"},
  "details":{"evt.kind":"connect","net.daddr":"10.9.8.7","net.dport":"5432","net.proto":"tcp"}},
 {"schema":"moat.alert/v1","event_id":"ev-3","time":"2026-11-23T20:09:01Z","node":"node-1","rule":"shell-in-container","severity":"critical",
  "container":{"id":"c0ffee","name":"web","image":"moat-test/app:1","image_id":"'"$cfg"'"},"details":{}}]}'
expect 200 ev1 POST /events -H "Authorization: Bearer ${TOK[defender]}" --data "$batch"
[ "$(jq_ ev1 '(d["accepted"], d["duplicates"])')" = "(3, 0)" ] || fail "first batch: $(cat "$W/ev1.json")"
expect 200 ev2 POST /events -H "Authorization: Bearer ${TOK[defender]}" --data "$batch"
[ "$(jq_ ev2 '(d["accepted"], d["duplicates"])')" = "(0, 3)" ] || fail "replayed batch: $(cat "$W/ev2.json")"
expect 200 evs GET "/events?container=web&since=2026-11-23T00:00:00Z" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ evs '[e["event_id"] for e in d["events"]]')" = "['ev-3', 'ev-2', 'ev-1']" ] ||
    fail "events (newest first, once each): $(jq_ evs '[e["event_id"] for e in d["events"]]')"
expect 200 evk GET "/events?kind=network" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ evk '[e["event_id"] for e in d["events"]]')" = "['ev-2']" ] || fail "?kind=network: $(cat "$W/evk.json")"
expect 200 evs2 GET "/events?severity=critical&image=$digest" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ evs2 '[e["event_id"] for e in d["events"]]')" = "['ev-3']" ] || fail "?severity=critical&image=: $(cat "$W/evs2.json")"
expect 400 evbad GET "/events?since=yesterday" -H "Authorization: Bearer ${TOK[auditor]}"
expect 400 evbad2 POST /events -H "Authorization: Bearer ${TOK[defender]}" --data '{"events":[{"event_id":"ok-9"},{"event_id":"x","time":"noon"}]}'
expect 200 evs3 GET "/events?rule=r" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ evs3 'len([e for e in d["events"] if e["event_id"] == "ok-9"])')" = 0 ] || fail "a refused batch stored an event"
expect 403 ack-aud POST /events/ev-1/ack -H "Authorization: Bearer ${TOK[auditor]}"
expect 200 ack POST /events/ev-1/ack -H "Authorization: Bearer ${TOK[operator]}"
expect 404 ack-none POST /events/no-such/ack -H "Authorization: Bearer ${TOK[operator]}"
expect 200 acked GET "/events?acked=true" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ acked '[(e["event_id"], e["acked_by"]) for e in d["events"]]')" = "[('ev-1', 'token:t-operator')]" ] ||
    fail "?acked=true: $(cat "$W/acked.json")"
expect 200 ctr GET /containers -H "Authorization: Bearer ${TOK[operator]}"
[ "$(jq_ ctr '[(c["name"], c["image_digest"], c["running"]) for c in d["containers"]]')" = "[('web', '$cfg', True)]" ] ||
    fail "containers: $(cat "$W/ctr.json")"
expect 200 radar GET /radar -H "Authorization: Bearer ${TOK[operator]}"
$PY - "$W/radar.json" "$digest" "$W/up.out" <<'PY' || fail "radar is wrong (above)"
import json, sys
d = json.load(open(sys.argv[1])); dg = sys.argv[2]
sevs = {f.get("severity") for f in json.load(open(sys.argv[3]))["findings"]}
# the colour: the worst severity, unrated (unknown) above low, never shown as low
want = next((s for s in ("critical", "high", "medium", "unknown", "low", "negligible") if s in sevs), "none")
node = [n for n in d["nodes"] if n["id"] == "image:" + dg]
assert len(node) == 1, d["nodes"]
n = node[0]
assert n["kind"] == "image" and n["incidents"] == 3 and n["containers_running"] == 1, n
assert n["severity"] == want, (n, want, sevs)
edges = [e for e in d["edges"] if e["src"] == "image:" + dg]
assert edges == [{"src": "image:" + dg, "dst": "external:10.9.8.7", "port": 5432, "proto": "tcp", "count": 1}], d["edges"]
assert any(x["id"] == "external:10.9.8.7" and x["kind"] == "external" for x in d["nodes"]), d["nodes"]
PY
expect 200 defs GET /defenders -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ defs '[(x["node"], x["version"], x["status"]) for x in d["defenders"]]')" = "[('node-1', 'test', 'online')]" ] ||
    fail "defenders: $(cat "$W/defs.json")"

lap "events"
# 5b. risk in its environment: a privileged root container with a published
# port and an alert raise every finding's score (the same model as the
# scan, factors named); stopping it, then acknowledging the alert, brings
# the scan's scores back. The sample scan again under a new digest, so the
# image has no history here.
t_risk=$(date +%s%N)
D2=sha256:$(printf 'd%.0s' {1..64}); C2=sha256:$(printf 'e%.0s' {1..64})
$PY - "$W/up.out" "$D2" "$C2" >"$W/scan2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["target"]["digest"], d["target"]["config_digest"], d["target"]["ref"] = sys.argv[2], sys.argv[3], "moat-test/risk:1"
print(json.dumps(d))
PY
expect 201 s2 POST /scans -H "Authorization: Bearer ${TOK[ci]}" --data-binary "@$W/scan2.json"
ctr2() {  # ctr2 RUNNING: the defender's inventory of one container of that image
    printf '{"defender":{"node":"node-2"},"events":%s,"containers":[{"id":"risk-ctr-1","name":"risk-web","image":"moat-test/risk:1","image_digest":"%s","node":"node-2","running":%s,"privileged":true,"user":"root","ports":[{"ip":"0.0.0.0","public":8443,"private":443,"proto":"tcp"}],"labels":{"io.kubernetes.pod.name":"web-0","io.kubernetes.pod.namespace":"shop"}}]}' \
        "$2" "$C2" "$1"
}
risk_check() {  # risk_check NAME EXPECTED-ENV-FACTORS(comma list, or -)
    expect 200 "$1" GET "/images/$D2" -H "Authorization: Bearer ${TOK[auditor]}"
    $PY - "$W/$1.json" "$2" <<'PY' || fail "risk in its environment ($1, want $2) is wrong (above)"
import json, sys
d = json.load(open(sys.argv[1])); want = set() if sys.argv[2] == "-" else set(sys.argv[2].split(","))
ENV = {"privileged", "runs-as-root", "listening-ports", "internet-facing", "runtime-alerts"}
vulns = [f for f in d["findings"] if f["kind"] == "vuln"]
assert vulns, "no vulnerabilities"
top = top_scan = 0
for f in vulns:
    scan, now = f["risk_scan"], f["risk"]
    had = {x["name"] for x in scan["factors"]} & ENV
    names = [x["name"] for x in now["factors"]]
    assert set(names) & ENV == had | want, f"{f['id']}: env factors {set(names) & ENV}, want {had | want}"
    assert sorted(f["risk_raised_by"]) == sorted(want - had), f"{f['id']}: raised_by {f['risk_raised_by']}, want {want - had}"
    assert f["risk_lowered_by"] == [], f"{f['id']}: lowered_by {f['risk_lowered_by']}"
    # the same model: the scan's own factors, each with its weight, plus the environment's
    non_env = [(x["name"], x["weight"]) for x in now["factors"] if x["name"] not in ENV]
    assert non_env == [(x["name"], x["weight"]) for x in scan["factors"] if x["name"] not in ENV], f"{f['id']}: vulnerability factors changed"
    raw = sum(x["weight"] for x in now["factors"])
    assert now["score"] == max(0, min(100, int(raw + 0.5))), f"{f['id']}: score {now['score']} is not the sum of its factors {raw}"
    if not want:
        assert now == scan, f"{f['id']}: {now} differs from the scan's {scan}"
    else:
        assert now["score"] >= scan["score"], f"{f['id']}: {now['score']} < scan {scan['score']}"
    top, top_scan = max(top, now["score"]), max(top_scan, scan["score"])
img = d["image"]
assert img["risk_max"] == top and img["risk_max_scan"] == top_scan, (img["risk_max"], top, img["risk_max_scan"], top_scan)
raised = sum(f["risk"]["score"] > f["risk_scan"]["score"] for f in vulns)
print(f"{sys.argv[2]}: risk_max {top} (scan {top_scan}), {raised} of {len(vulns)} findings raised, environment {img['environment']}", file=sys.stderr)
PY
}
risk_check r0 -
expect 200 r1p POST /events -H "Authorization: Bearer ${TOK[defender]}" --data "$(ctr2 true '[{"event_id":"risk-ev-1","time":"2026-11-23T20:10:00Z","rule":"reverse-shell","severity":"critical","container":{"id":"risk-ctr-1","image_id":"'"$C2"'"}}]')"
risk_check r1 privileged,runs-as-root,listening-ports,internet-facing,runtime-alerts
$PY - "$W/r1.json" <<'PY' || fail "the image's environment is wrong (above)"
import json, sys
img = json.load(open(sys.argv[1]))["image"]; e = img["environment"]
assert (e["containers_running"], e["privileged"], e["runs_as_root"], e["published_ports"], e["internet_facing"], e["runtime_alerts"]) == (1, True, True, 1, True, 1), e
assert img["risk_max"] > img["risk_max_scan"] and img["k8s"] is True, img
PY
expect 200 r1l GET /images -H "Authorization: Bearer ${TOK[auditor]}"
expect 200 r1r GET /radar -H "Authorization: Bearer ${TOK[auditor]}"
expect 200 r1v GET "/vulnerabilities?limit=1000" -H "Authorization: Bearer ${TOK[auditor]}"
$PY - "$W/r1.json" "$W/r1l.json" "$W/r1r.json" "$W/r1v.json" "$D2" <<'PY' || fail "/images, /radar or /vulnerabilities disagree with the image (above)"
import json, sys
one, lst, radar, vul = (json.load(open(f)) for f in sys.argv[1:5]); dg = sys.argv[5]
top = one["image"]["risk_max"]
assert [i["risk_max"] for i in lst["images"] if i["digest"] == dg] == [top], "GET /images risk_max"
n = [x for x in radar["nodes"] if x["id"] == "image:" + dg][0]
assert n["risk_max"] == top and n["k8s"] is True and "privileged" in n["risk_raised_by"], n
best = max((f for f in one["findings"] if f["kind"] == "vuln"), key=lambda f: f["risk"]["score"])
cve = [v for v in vul["vulnerabilities"] if v["id"] == best["id"]]
assert cve and any(i["digest"] == dg and i["risk"] == best["risk"]["score"] and "privileged" in i["risk_raised_by"] for i in cve[0]["images"]), cve
assert vul["total"] >= len(vul["vulnerabilities"]) > 0
PY
expect 200 r2p POST /events -H "Authorization: Bearer ${TOK[defender]}" --data "$(ctr2 false '[]')"
risk_check r2 runtime-alerts
expect 200 r3p POST /events/risk-ev-1/ack -H "Authorization: Bearer ${TOK[operator]}"
risk_check r3 -
cve1=$(jq_ r3 '[f["id"] for f in d["findings"] if f["kind"] == "vuln"][0]')
q1=$(tr 'A-Z' 'a-z' <<<"${cve1:4}")   # a part of the id, in the other case
expect 200 vq GET "/vulnerabilities?q=$q1" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ vq 'all("'"$q1"'" in (v["id"].lower() + " " + " ".join(v["packages"]).lower()) for v in d["vulnerabilities"]) and "'"$cve1"'" in [v["id"] for v in d["vulnerabilities"]]')" = True ] ||
    fail "/vulnerabilities?q=$q1 (for $cve1): $(head -c 300 "$W/vq.json")"
expect 400 vbad GET "/vulnerabilities?severity=urgent" -H "Authorization: Bearer ${TOK[auditor]}"
note "risk in its environment: up with 5 named factors, down when the container stopped, the scan's scores back after the ack: $(( ($(date +%s%N) - t_risk) / 1000000 )) ms"

# 5c. compliance reports: per check and per template; one report per node,
# benchmark and target (a new one replaces it); a malformed one is refused.
comply_doc() {  # comply_doc NODE RESULT-of-5.4
    printf '{"schema":"moat.comply/v1","benchmark":"cis-docker-1.6","target":"/var/run/docker.sock","node":"%s","checks":[{"id":"5.4","title":"Ensure that Linux kernel capabilities are restricted within containers","result":"%s","level":"Level 1","evidence":"capabilities added: web:NET_ADMIN","controls":["NIST-800-190:4.4.3","PCI-DSS-4.0:2.2.6"]},{"id":"2.2","title":"Ensure network traffic is restricted between containers on the default bridge","result":"PASS","level":"Level 1","evidence":"","controls":["PCI-DSS-4.0:1.3.1"]},{"id":"4.8","title":"Ensure setuid and setgid permissions are removed","result":"NOTE","controls":["NIST-800-190:4.1.5"]}],"summary":{"PASS":1,"WARN":1,"INFO":0,"NOTE":1}}' "$1" "$2"
}
expect 201 cp1 POST /compliance -H "Authorization: Bearer ${TOK[ci]}" --data "$(comply_doc node-a WARN)"
expect 201 cp2 POST /compliance -H "Authorization: Bearer ${TOK[defender]}" --data "$(comply_doc node-b PASS)"
expect 201 cp3 POST /compliance -H "Authorization: Bearer ${TOK[ci]}" --data "$(comply_doc node-a WARN)"
expect 403 cp4 POST /compliance -H "Authorization: Bearer ${TOK[auditor]}" --data "$(comply_doc node-c WARN)"
expect 400 cp5 POST /compliance -H "Authorization: Bearer ${TOK[ci]}" --data "$(comply_doc node-c MAYBE)"
grep -q 'checks\[0\].*result' "$W/cp5.json" || fail "a bad result was refused without naming it: $(cat "$W/cp5.json")"
expect 400 cp6 POST /compliance -H "Authorization: Bearer ${TOK[ci]}" --data '{"schema":"moat.scan/v1"}'
expect 200 cpg GET /compliance -H "Authorization: Bearer ${TOK[auditor]}"
$PY - "$W/cpg.json" <<'PY' || fail "/compliance is wrong (above)"
import json, sys
d = json.load(open(sys.argv[1]))
reps = sorted(r["node"] for r in d["reports"] if r["benchmark"] == "cis-docker-1.6" and r["target"] == "/var/run/docker.sock")
assert reps == ["node-a", "node-b"], reps
c = {x["id"]: x for x in d["checks"] if x["benchmark"] == "cis-docker-1.6"}
assert c["5.4"]["results"] == {"WARN": 1, "PASS": 1}, c["5.4"]
assert [(f["node"], f["evidence"]) for f in c["5.4"]["failing"]] == [("node-a", "capabilities added: web:NET_ADMIN")], c["5.4"]["failing"]
assert c["2.2"]["results"] == {"PASS": 2} and c["2.2"]["failing"] == [], c["2.2"]
t = {x["name"]: {k["id"]: k["status"] for k in x["controls"]} for x in d["templates"]}
assert t["PCI-DSS-4.0"] == {"PCI-DSS-4.0:2.2.6": "FAIL", "PCI-DSS-4.0:1.3.1": "PASS"}, t
assert t["NIST-800-190"] == {"NIST-800-190:4.4.3": "FAIL", "NIST-800-190:4.1.5": "REVIEW"}, t
s = [x["summary"] for x in d["templates"] if x["name"] == "PCI-DSS-4.0"][0]
assert s == {"FAIL": 1, "PASS": 1, "REVIEW": 0}, s
assert isinstance(d["image_checks"], list)
PY
if curl -sf --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; then
    # the CLI end to end: a real report of this host's engine, as node $(hostname)
    cp_t=$(date +%s%N)
    run_moat cpcli comply docker --format json --console "${B%/api/v1}" --token "${TOK[ci]}"
    cp_ms=$(( ($(date +%s%N) - cp_t) / 1000000 ))
    { [ "$RC" = 0 ] || [ "$RC" = 1 ]; } && grep -q 'uploaded to' "$W/cpcli.err" || { moat_err cpcli; fail "moat comply docker --console: $(describe_rc "$RC")"; }
    expect 200 cpg2 GET /compliance -H "Authorization: Bearer ${TOK[auditor]}"
    [ "$(jq_ cpg2 'sum(1 for r in d["reports"] if r["node"] == "'"$(hostname)"'" and r["benchmark"] == "cis-docker-1.6")')" = 1 ] ||
        fail "moat comply docker --console: no report of $(hostname): $(head -c 400 "$W/cpg2.json")"
    note "moat comply docker --console: $($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["checks"]))' "$W/cpcli.out") checks uploaded as node $(hostname) in $cp_ms ms"
fi
# moat comply k8s too (no engine needed): a privileged pod, uploaded from a table run
cat >"$W/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: risky, namespace: shop}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1
    securityContext: {privileged: true}
YAML
run_moat cpk8s comply k8s --format table --console "${B%/api/v1}" --token "${TOK[ci]}" "$W/pod.yaml"
[ "$RC" = 0 ] && grep -q 'uploaded to' "$W/cpk8s.err" || { moat_err cpk8s; fail "moat comply k8s --console: $(describe_rc "$RC")"; }
expect 200 cpg3 GET /compliance -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ cpg3 'sum(1 for r in d["reports"] if r["node"] == "'"$(hostname)"'" and r["benchmark"].startswith("cis-k8s") and r["warn"] > 0)')" = 1 ] ||
    fail "moat comply k8s --console: no report with warnings from $(hostname): $(head -c 400 "$W/cpg3.json")"
RC=0; "$MOAT" comply docker --console http://127.0.0.1:1 >/dev/null 2>"$W/cpnotok.err" </dev/null || RC=$?
[ "$RC" = 2 ] && grep -q 'needs --token' "$W/cpnotok.err" || fail "comply --console without a token: exit $RC"

# 5d. policies: every kind's rules are checked on the server
for bad in '{"kind":"vulnerability","name":"x","rules":{"severity":["urgent"]}}|rules.severity' \
           '{"kind":"waf","name":"x","rules":{"paranoia":7}}|rules.paranoia' \
           '{"kind":"firewall","name":"x","rules":{"allow":[{"from":"a","to":"b","port":70000}]}}|rules.allow[0]' \
           '{"kind":"admission","name":"x","rules":{"deny_privilegd":true}}|rules.deny_privilegd' \
           '{"kind":"runtime","name":"x","rules":{"action":"explode"}}|rules.action' \
           '{"kind":"trusted-images","name":"x","rules":{"allow":"registry.example.com/*"}}|rules.allow'; do
    expect 400 pbad POST /policies -H "Authorization: Bearer ${TOK[admin]}" --data "${bad%|*}"
    grep -qF "${bad#*|}" "$W/pbad.json" || fail "a bad policy was refused without naming ${bad#*|}: $(cat "$W/pbad.json")"
done
expect 201 pok POST /policies -H "Authorization: Bearer ${TOK[admin]}" --data '{"kind":"firewall","name":"db only from web","rules":{"allow":[{"from":"image:shop/web","to":"image:shop/db","port":5432,"proto":"tcp"}],"deny":[]}}'
pid_fw=$(jq_ pok 'd["id"]')
expect 400 pput PUT "/policies/$pid_fw" -H "Authorization: Bearer ${TOK[admin]}" --data '{"rules":{"allow":[{"from":"a"}]}}'
expect 200 pput2 PUT "/policies/$pid_fw" -H "Authorization: Bearer ${TOK[admin]}" --data '{"enabled":false}'
expect 204 pdel DELETE "/policies/$pid_fw" -H "Authorization: Bearer ${TOK[admin]}"
# the admission producers (moat authz, moat webhook) pull their kinds, defenders theirs
expect 201 pad POST /policies -H "Authorization: Bearer ${TOK[admin]}" --data '{"kind":"admission","name":"no privileged","mode":"block","rules":{"deny_privileged":true}}'
pid_ad=$(jq_ pad 'd["id"]')
expect 200 spa GET "/defenders/self/policy?producer=admission" -H "Authorization: Bearer ${TOK[defender]}"
[ "$(jq_ spa '",".join(p["kind"] + ":" + p["id"] for p in d["policies"])')" = "admission:$pid_ad" ] ||
    fail "?producer=admission: not the admission policy alone: $(cat "$W/spa.json")"
expect 200 spd GET /defenders/self/policy -H "Authorization: Bearer ${TOK[defender]}"
[ "$(jq_ spd 'str(any(p["kind"] == "admission" for p in d["policies"]))')" = False ] ||
    fail "a defender was served an admission policy: $(cat "$W/spd.json")"
[ "$(jq_ spa 'd["etag"]')" != "$(jq_ spd 'd["etag"]')" ] || fail "both producers got one etag"
expect 400 spx GET "/defenders/self/policy?producer=registry" -H "Authorization: Bearer ${TOK[defender]}"
expect 204 pdel2 DELETE "/policies/$pid_ad" -H "Authorization: Bearer ${TOK[admin]}"

# 5e. admission controllers: their heartbeat (the defender's, with "producer"), kept bounded
expect 200 ahb POST /defenders/self/heartbeat -H "Authorization: Bearer ${TOK[defender]}" --data "$ADM_HB"
expect 200 acl GET /admission-controllers -H "Authorization: Bearer ${TOK[auditor]}"
jq_ acl 'json.dumps([a for a in d["admission_controllers"] if a["node"] == "rbac-node"])' >"$W/acl-row.json"
$PY - "$W/acl-row.json" <<'PY' || fail "GET /admission-controllers: $(cat "$W/acl.json")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 1, rows
a = rows[0]; h = a["health"]; ps = h["policy_set"]
assert a["kind"] == "webhook" and a["status"] == "online" and a["version"] == "9.9", a
assert a["name"].startswith("token:") and a["id"].startswith("a-"), a
assert a["in_sync"] is False, a     # sha256:old is not the console's set
assert ps["source"] == "cache" and ps["etag"] == "sha256:old", ps
assert ps["policies"] == [{"id": "p-1", "kind": "admission", "name": "no privileged", "updated": "2026-12-01T09:00:00Z"}], ps
assert ps["local"] == {"origin": "/etc/moat/policy.yaml", "sha256": "sha256:abc"}, ps
assert h["decisions"] == {"allowed": 7, "denied": 2, "warned": 1}, h
assert h["last_error"].startswith("console policy abc") and h["verdicts_cached"] == 3, h
assert "secret" not in h and "secret" not in a, h
PY
# not a defender: the defenders list does not show it
expect 200 defl GET /defenders -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ defl 'str(any(x.get("node") == "rbac-node" for x in d["defenders"]))')" = False ] ||
    fail "an admission controller is listed as a defender: $(cat "$W/defl.json")"
expect 400 ahb2 POST /defenders/self/heartbeat -H "Authorization: Bearer ${TOK[defender]}" --data '{"producer":"registry","node":"n"}'
expect 400 ahb3 POST /defenders/self/heartbeat -H "Authorization: Bearer ${TOK[defender]}" --data '{"producer":"authz"}'
expect 400 ahb4 POST /defenders/self/heartbeat -H "Authorization: Bearer ${TOK[defender]}" --data '{"producer":"authz","node":"a\nb"}'
# a retired controller is forgotten by an admin (audited); nobody else may
ACL_ID=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$W/acl-row.json")
for r in operator auditor ci defender; do
    expect 403 acld-$r DELETE "/admission-controllers/$ACL_ID" -H "Authorization: Bearer ${TOK[$r]}"
done
expect 204 acld DELETE "/admission-controllers/$ACL_ID" -H "Authorization: Bearer ${TOK[admin]}"
expect 404 acld2 DELETE "/admission-controllers/$ACL_ID" -H "Authorization: Bearer ${TOK[admin]}"
expect 200 acl2 GET /admission-controllers -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ acl2 'str(any(a["node"] == "rbac-node" for a in d["admission_controllers"]))')" = False ] ||
    fail "a deleted admission controller is still listed: $(cat "$W/acl2.json")"
expect 200 acla GET "/audit" -H "Authorization: Bearer ${TOK[admin]}"
[ "$(jq_ acla 'str(any(a["action"] == "admission-controller.delete" and a["target"] == "'"$ACL_ID"'" for a in d["audit"]))')" = True ] ||
    fail "no audit record of the admission controller's deletion"

lap "risk, compliance, policy rules"
# 6. OpenAPI <-> routes, and every documented operation answers
expect 200 openapi GET /openapi.json
"$MOAT" console routes | sort >"$W/routes.txt"
jq_ openapi '"\n".join(sorted(m.upper() + " /api/v1" + p for p, ops in d["paths"].items() for m in ops))' >"$W/doc-routes.txt"
diff "$W/routes.txt" "$W/doc-routes.txt" >&2 || fail "the server's routes and docs/api/openapi.json differ (above)"
expect 201 u POST /users -H "Authorization: Bearer ${TOK[admin]}" --data '{"name":"tmp-user","role":"auditor","password":"tmp-pass-123"}'
expect 201 t POST /tokens -H "Authorization: Bearer ${TOK[admin]}" --data '{"role":"ci","name":"tmp"}'
tid=$(jq_ t 'd["id"]')
expect 201 p POST /policies -H "Authorization: Bearer ${TOK[admin]}" --data '{"kind":"vulnerability","name":"no criticals","mode":"block","rules":{"max_severity":"high"}}'
pid=$(jq_ p 'd["id"]')
expect 201 i POST /integrations -H "Authorization: Bearer ${TOK[admin]}" --data '{"name":"hook","kind":"webhook","url":"http://127.0.0.1:1/"}'
iid=$(jq_ i 'd["id"]')
expect 200 li POST /login -c "$W/jar2" --data '{"user":"tmp-user","password":"tmp-pass-123"}'
csrf2=$(jq_ li 'd["csrf"]')
# enrollment needs a join token; revoking, an enrolled defender
expect 201 jt POST /join-tokens -H "Authorization: Bearer ${TOK[admin]}" --data '{"uses":2}'
jt=$(jq_ jt 'd["token"]'); jtid=$(jq_ jt 'd["id"]')
expect 201 en POST /defenders/enroll -H "Authorization: Bearer $jt" --data '{"node":"n-2"}'
did=$(jq_ en 'd["id"]')
# forgetting an admission controller needs one
expect 200 ahb5 POST /defenders/self/heartbeat -H "Authorization: Bearer ${TOK[defender]}" --data "$ADM_HB"
expect 200 acl3 GET /admission-controllers -H "Authorization: Bearer ${TOK[admin]}"
acid=$(jq_ acl3 '[a["id"] for a in d["admission_controllers"] if a["node"] == "rbac-node"][0]')
ops=0
while read -r method path; do
    p=${path#/api/v1}
    p=${p//\{digest\}/$digest}; p=${p//\{id\}/$pid}; p=${p//\{name\}/tmp-user}
    [[ $path == */tokens/\{id\} ]] && p=/tokens/$tid
    [[ $path == */integrations/\{id\} ]] && p=/integrations/$iid
    [[ $path == */join-tokens/\{id\} ]] && p=/join-tokens/$jtid
    [[ $path == */defenders/\{id\}/revoke ]] && p=/defenders/$did/revoke
    [[ $path == */admission-controllers/\{id\} ]] && p=/admission-controllers/$acid
    data=(--data '{}')
    case "$method $path" in
        "POST /api/v1/scans") data=(--data "$SCAN_MINI") ;;
        "POST /api/v1/events") data=(--data '{"events":[]}') ;;
        "POST /api/v1/login") data=(--data '{"user":"tmp-user","password":"tmp-pass-123"}') ;;
        "POST /api/v1/policies") data=(--data "$POL_MINI") ;;
        "POST /api/v1/compliance") data=(--data "$COMPLY_MINI") ;;
        "PUT /api/v1/policies/{id}") data=(--data '{"enabled":false}') ;;
        "POST /api/v1/events/{id}/ack") p=/events/ev-2/ack ;;
        "POST /api/v1/users") data=(--data '{"name":"tmp-user2","role":"ci","password":"tmp-pass-123"}') ;;
        "POST /api/v1/tokens") data=(--data '{"role":"ci"}') ;;
        "POST /api/v1/integrations") data=(--data '{"name":"h2","kind":"slack","url":"http://127.0.0.1:1/"}') ;;
    esac
    auth=(-H "Authorization: Bearer ${TOK[admin]}")
    [ "$path" = /api/v1/logout ] && auth=(-b "$W/jar2" -H "X-CSRF-Token: $csrf2")
    [ "$path" = /api/v1/defenders/enroll ] && auth=(-H "Authorization: Bearer $jt")
    [[ $path == /api/v1/defenders/self/* ]] && auth=(-H "Authorization: Bearer ${TOK[defender]}")
    call op "$method" "$p" "${auth[@]}" "${data[@]}"
    [[ $S == 2?? ]] || fail "documented $method $path ($p): HTTP $S: $(head -c 300 "$W/op.json")"
    ops=$((ops + 1))
done < <(sort -k1,1r "$W/routes.txt" | grep -v '^DELETE'; grep '^DELETE' "$W/routes.txt")
expect 404 nope GET /nope -H "Authorization: Bearer ${TOK[admin]}"
expect 405 meth DELETE /images -H "Authorization: Bearer ${TOK[admin]}"
expect 409 lastadmin DELETE /users/admin -H "Authorization: Bearer ${TOK[admin]}"
expect 200 aud GET /audit -H "Authorization: Bearer ${TOK[auditor]}"
for a in integration.create integration.delete user.create token.create policy.create policy.update policy.delete user.delete token.delete scan.upload login; do
    [ "$(jq_ aud 'len([x for x in d["audit"] if x["action"] == "'$a'"])')" -gt 0 ] || fail "no $a in the audit log"
done

lap "openapi"
# 7. web UI files
if [ -z "$PG" ]; then   # the UI files and TLS do not depend on the store
ui=${B%/api/v1}
curl -sf "$ui/" | grep -q '<title>moat</title>' || fail "GET / is not index.html"
curl -sf "$ui/images/sha256:abc" | grep -q '<title>moat</title>' || fail "a deep link does not fall back to index.html"
[ "$(curl -s "$ui/assets/app.js")" = 'console.log(1)' ] || fail "assets/app.js not served"
curl -s --path-as-is "$ui/../../../../etc/passwd" | grep -q root: && fail "path traversal served /etc/passwd"
curl -s --path-as-is "$ui/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd" | grep -q root: && fail "encoded traversal served /etc/passwd"

lap "ui"
# 7b. HTTPS: the same store behind TLS, the cookie gets Secure
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -keyout "$W/key.pem" -out "$W/cert.pem" >/dev/null 2>&1 || fail "openssl could not make a test certificate"
"$MOAT" console --data "$D" --listen 127.0.0.1:0 --tls-cert "$W/cert.pem" --tls-key "$W/key.pem" \
    --daemon --pid-file "$W/tls.pid" --log-file "$W/tls.log" >/dev/null 2>"$W/tls.err" ||
    { cat "$W/tls.err" "$W/tls.log" >&2; fail "the console did not start with TLS"; }
tport=$(sed -n 's/.*serving https:\/\/127.0.0.1:0 (port \([0-9]*\).*/\1/p' "$W/tls.log" | tail -1)
S=$(curl -s -k -o "$W/tls.json" -D "$W/tls.head" -w '%{http_code}' --data '{"user":"admin","password":"admin-pass-123"}' \
    "https://127.0.0.1:$tport/api/v1/login")
"$MOAT" console stop --data "$D" --pid-file "$W/tls.pid" >/dev/null 2>&1 || true
[ "$S" = 200 ] || fail "login over HTTPS: HTTP $S"
grep -i '^set-cookie: moat_session=' "$W/tls.head" | grep -qi '; Secure' || fail "the session cookie over HTTPS is not Secure"
curl -s -m 5 "http://127.0.0.1:$tport/api/v1/health" | grep -q '"ok"' && fail "the TLS port answered plain HTTP"
fi

lap "https"
# 8. restart: data survives
n_events=$(jq_ evs 'len(d["events"])')
if [ -n "${PG_DIR:-}" ]; then
    # PostgreSQL restarts under the running console: it reconnects
    restart_postgres
    expect 200 pgre GET /images -H "Authorization: Bearer ${TOK[auditor]}"
    expect 200 pgre2 POST /events -H "Authorization: Bearer ${TOK[defender]}" --data "$batch"
    [ "$(jq_ pgre2 '(d["accepted"], d["duplicates"])')" = "(0, 3)" ] || fail "after a PostgreSQL restart: $(cat "$W/pgre2.json")"
    [ "$(pg_psql -c 'SELECT COUNT(*) FROM events')" -ge 3 ] || fail "the events are not in PostgreSQL"
fi
stop_console
[ ! -e "$D/console.pid" ] || fail "console stop left its pid file"
curl -s -m 2 "$B/health" >/dev/null && fail "the console still answers after stop"
start_console
expect 200 img3 GET "/images/$digest" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ img3 'len(d["findings"])')" = "$(jq_ img 'len(d["findings"])')" ] || fail "findings lost across a restart"
expect 200 evs4 GET "/events?container=web" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ evs4 'len(d["events"])')" = "$n_events" ] || fail "events lost across a restart"
expect 200 login3 POST /login --data '{"user":"admin","password":"admin-pass-123"}'
# retention: fresh events (rbac-1, fresh-1) stay, the November ones (older than 7 days) go
expect 200 fresh POST /events -H "Authorization: Bearer ${TOK[defender]}" --data '{"events":[{"event_id":"fresh-1","rule":"r"}]}'
stop_console
start_console --retain-days 7
expect 200 kept GET "/events?limit=1000" -H "Authorization: Bearer ${TOK[auditor]}"
[ "$(jq_ kept '" ".join(sorted(e["event_id"] for e in d["events"]))')" = "fresh-1 rbac-1" ] ||
    fail "--retain-days 7 kept: $(jq_ kept '[e["event_id"] for e in d["events"]]')"
grep -q 'retention: .* events older than 7 days deleted' "$D/console.log" || fail "retention did not log what it deleted"
stop_console
# retention of images and audit records: both images and every audit record
# made old; the risk image's container was just seen, so that image stays
db_sql() {
    if [ -z "$PG" ]; then sqlite3 "$D/moat.db" "$@"
    elif [ -n "${PG_DIR:-}" ]; then pg_psql -c "$@"
    else return 1; fi
}
now_us=$(( $(date +%s) * 1000000 ))
if db_sql "UPDATE images SET scanned_at = 1; UPDATE audit SET ts = 1; UPDATE containers SET last_seen = $now_us WHERE id = 'risk-ctr-1'"; then
    start_console --retain-images-days 7 --retain-audit-days 7
    expect 404 gone GET "/images/$digest" -H "Authorization: Bearer ${TOK[auditor]}"
    expect 200 kept2 GET "/images/$D2" -H "Authorization: Bearer ${TOK[auditor]}"
    [ "$(db_sql "SELECT COUNT(*) FROM findings WHERE image = '$digest'")" = 0 ] || fail "the pruned image's findings stayed"
    expect 200 aud GET "/audit?limit=1000" -H "Authorization: Bearer ${TOK[auditor]}"
    [ "$(jq_ aud '" ".join(sorted(a["action"] for a in d["audit"]))')" = "audit.prune images.prune" ] ||
        fail "audit after --retain-audit-days 7: $(jq_ aud '[a["action"] for a in d["audit"]]')"
    grep -Eq 'retention: [0-9]+ images scanned more than 7 days ago and not running deleted' "$D/console.log" ||
        fail "image retention did not log what it deleted: $(tail -5 "$D/console.log")"
    stop_console
fi
lap restart
t1=$(date +%s.%N)
pass "${MOAT_CONSOLE_DB:+PostgreSQL: }$checks RBAC checks, $ops documented operations, scan upload with layer/owner, idempotent events, restart; $($PY -c "print(round($t1 - $t0, 1))") s"
