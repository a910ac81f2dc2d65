#!/bin/bash
# The console UI end to end, in Debian's headless chromium driven by
# playwright-core (tests/integration/ui/console_ui.mjs): the real
# `moat console` on a loopback port with a fresh data dir, an admin made
# with `moat console user add`, the sample images' scans uploaded with
# `moat scan --console` (a ci token), events with a network connection
# posted by a defender token; then the browser logs in, finds the image and
# the connection on the radar (same layout after a reload), checks each
# node's colour (highest risk; an unrated image grey, not low) and icon
# (Kubernetes-managed from io.kubernetes.* labels, standalone), opens the
# image's vulnerabilities in the layer view with risk raised where it runs,
# the by-CVE view and compliance per template and check, filters events,
# creates, disables and edits a policy (a bad rule refused by the server),
# reads the CI snippets. Screenshots go to
# $MOAT_ARTIFACTS (meson: build dir/console_ui-artifacts).
# Skips (77) only when chromium cannot start.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
t_start=$SECONDS
[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (scripts/setup installs Debian's chromium)"
command -v node >/dev/null || fail "node is missing"
# Screenshots outlive the work dir: beside the moat binary (the build dir).
ART=${MOAT_ARTIFACTS:-$(dirname "$MOAT")/console_ui-artifacts}
rm -rf "$ART"/*.png
mkdir -p "$ART"
ART=$(cd "$ART" && pwd)

# The UI as the sources are now, and playwright-core (no-ops when current).
"$REPO/scripts/build-web" >"$W/build-web.log" 2>&1 || { cat "$W/build-web.log" >&2; fail "scripts/build-web failed"; }
[ -f "$REPO/web/dist/index.html" ] || fail "web/dist/index.html was not built"

sample_image
# A vulnerability DB from the feed snapshot in the repo (what the demo uses).
set --
for f in debian-tracker-bookworm.json.zst kev.json.zst; do
    [ -e "$REPO/data/feeds/$f" ] && set -- "$@" --from "$REPO/data/feeds/$f"
done
run_moat dbbuild db build "$@" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err dbbuild; fail "moat db build: $(describe_rc "$RC")"; }

DATA=$W/data
PASSWORD=ui-test-password-$RANDOM$RANDOM
printf '%s\n' "$PASSWORD" | "$MOAT" console user add --data "$DATA" admin --role admin \
    >"$W/useradd.out" 2>&1 || { cat "$W/useradd.out" >&2; fail "moat console user add"; }
CI_TOKEN=$("$MOAT" console token create --data "$DATA" --role ci --name ui-test-ci 2>"$W/token.err" | tail -n 1) ||
    { cat "$W/token.err" >&2; fail "moat console token create (ci)"; }
DEF_TOKEN=$("$MOAT" console token create --data "$DATA" --role defender --name ui-test-node 2>"$W/token.err" | tail -n 1) ||
    { cat "$W/token.err" >&2; fail "moat console token create (defender)"; }

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$MOAT" console --data "$DATA" --listen "127.0.0.1:$PORT" --web "$REPO/web/dist" \
    >"$W/console.out" 2>"$W/console.err" &
CONSOLE_PID=$!
# Stop the console, then whatever lib.sh's trap did (remove its work dir).
old_trap=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
# shellcheck disable=SC2064
trap "kill $CONSOLE_PID 2>/dev/null; wait $CONSOLE_PID 2>/dev/null; $old_trap" EXIT
for _ in $(seq 1 100); do
    curl -sf "$URL/api/v1/health" >/dev/null && break
    kill -0 "$CONSOLE_PID" 2>/dev/null || { cat "$W/console.err" >&2; fail "moat console exited"; }
    sleep 0.2
done
curl -sf "$URL/api/v1/health" >/dev/null || { cat "$W/console.err" >&2; fail "moat console did not answer on $URL"; }
curl -sf "$URL/" | grep -q '<script type="module" src="/app.js">' || fail "the console does not serve web/dist at /"

# The sample images: the app (base layer + an apt layer) and its base.
for img in app base; do
    args=(scan --format json --db "$W/vuln.db" --console "$URL" --token "$CI_TOKEN")
    [ "$img" = app ] && args+=(--base-image "docker-archive:$SAMPLE/base.tar")
    run_moat "scan-$img" "${args[@]}" "docker-archive:$SAMPLE/$img.tar"
    [ "$RC" = 0 ] || { moat_err "scan-$img"; fail "moat scan --console ($img): $(describe_rc "$RC")"; }
done
APP=$(jq -r .target.digest "$W/scan-app.out")
BASE=$(jq -r .target.digest "$W/scan-base.out")
APP_REF=$(jq -r .target.ref "$W/scan-app.out")
BASE_REF=$(jq -r .target.ref "$W/scan-base.out")
# A finding the app layer introduced, for the layer view.
read -r CVE LAYER < <(jq -r '
    [.findings[] | select(.kind == "vuln" and .owner == "app")][0] as $f
    | [.layers[] | select(.diff_id == $f.layer)][0].index as $i | "\($f.id) \($i)"' "$W/scan-app.out")
{ [ -n "$CVE" ] && [ "$LAYER" != null ]; } || fail "the sample scan has no app-layer vulnerability to look for"
CMD=$(jq -r --argjson i "$LAYER" '.layers[$i].created_by' "$W/scan-app.out" |
    sed -e 's/^RUN \/bin\/sh -c /RUN /' -e 's/^\/bin\/sh -c /RUN /' | cut -c1-40)

# Events as a defender sends them: two alerts in the app's container, a
# connection from it to a container of the base image (a radar edge), and
# an alert from two days ago (for the time filter).
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
old=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ)
ctr='{"id":"c0ffee0000000001","name":"ui-web-1","image":"'"$APP_REF"'","image_id":"'"$APP"'"}'
cat >"$W/events.json" <<JSON
{"events":[
 {"schema":"moat.alert/v1","event_id":"ui-test-1","time":"$now","node":"ui-node","rule":"reverse-shell",
  "description":"a shell with its stdio on a socket","severity":"critical","action":"alert","container":$ctr,
  "process":{"pid":10,"ppid":1,"uid":0,"exe":"/bin/bash","cmdline":"bash -i"},"details":{"evt.kind":"exec"}},
 {"schema":"moat.alert/v1","event_id":"ui-test-2","time":"$now","node":"ui-node","rule":"read-shadow",
  "description":"a process read /etc/shadow","severity":"warning","action":"alert","container":$ctr,
  "process":{"pid":11,"ppid":1,"uid":0,"exe":"/usr/bin/cat","cmdline":"cat /etc/shadow"},
  "details":{"evt.kind":"open","fd.name":"/etc/shadow"}},
 {"schema":"moat.alert/v1","event_id":"ui-test-3","time":"$now","node":"ui-node","rule":"network-outside-baseline",
  "description":"a connection outside the learned model","severity":"warning","action":"alert","container":$ctr,
  "process":{"pid":12,"ppid":1,"uid":0,"exe":"/usr/bin/curl","cmdline":"curl http://172.18.0.4:5432"},
  "details":{"evt.kind":"connect","net.daddr":"172.18.0.4","net.dport":"5432","net.proto":"tcp",
   "net.verdict":"alerted","net.mode":"alert","src.image":"$APP_REF","src.image_id":"$APP",
   "dst.node":"image:$BASE","dst.image":"$BASE_REF","dst.image_id":"$BASE","dst.container":"ui-db-1"}},
 {"schema":"moat.alert/v1","event_id":"ui-test-4","time":"$old","node":"ui-node","rule":"shell-in-container",
  "description":"a shell started in a container","severity":"notice","action":"alert","container":$ctr,
  "process":{"pid":9,"ppid":1,"uid":0,"exe":"/bin/sh","cmdline":"sh"},"details":{"evt.kind":"exec"}}
]}
JSON
ans=$(curl -sf -H "Authorization: Bearer $DEF_TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$W/events.json" "$URL/api/v1/events") || fail "POST /api/v1/events failed"
[ "$(jq -r .accepted <<<"$ans")" = 4 ] || fail "POST /api/v1/events: $ans"
# The radar's colour rule, written again here: the worst severity, an
# unrated finding (unknown) above low (as the risk model weighs it), never
# shown as low.
top_sev() {
    jq -r '[.findings[].severity] as $s
        | first((["critical","high","medium","unknown","low","negligible"][] | select(. as $x | any($s[]; . == $x))), "none")' "$1"
}
APP_SEV=$(top_sev "$W/scan-app.out")
BASE_SEV=$(top_sev "$W/scan-base.out")
# A third image whose only finding nobody rated: grey on the radar.
UNK=sha256:$(printf 'f%.0s' {1..64})
curl -sf -H "Authorization: Bearer $CI_TOKEN" -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/scans" >/dev/null <<JSON ||
{"schema":"moat.scan/v1","target":{"ref":"ui-unrated:1","digest":"$UNK"},"layers":[],"packages":[],
 "findings":[{"kind":"vuln","id":"CVE-2099-0001","severity":"unknown","package":"libfoo","installed_version":"1","status":"affected",
  "risk":{"score":18,"factors":[{"name":"severity","weight":18}]}}]}
JSON
    fail "POST /api/v1/scans (the unrated image) failed"
# The defender's inventory: the base image runs in a Kubernetes pod (its
# labels say so), the app standalone, privileged, as root, port published.
BASE_CFG=$(jq -r .target.config_digest "$W/scan-base.out")
APP_CFG=$(jq -r .target.config_digest "$W/scan-app.out")
ans=$(curl -sf -H "Authorization: Bearer $DEF_TOKEN" -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/events" <<JSON
{"events":[],"containers":[
 {"id":"c0ffee0000000002","name":"k8s_db_db-0_shop","image":"$BASE_REF","image_digest":"$BASE_CFG","node":"ui-node","running":true,
  "privileged":false,"user":"999","ports":[],"labels":{"io.kubernetes.pod.name":"db-0","io.kubernetes.pod.namespace":"shop","io.kubernetes.container.name":"db"}},
 {"id":"c0ffee0000000001","name":"ui-web-1","image":"$APP_REF","image_digest":"$APP_CFG","node":"ui-node","running":true,
  "privileged":true,"user":"root","ports":[{"ip":"0.0.0.0","public":8080,"private":80,"proto":"tcp"}]}]}
JSON
) || fail "POST /api/v1/events (inventory) failed"
# The defender's heartbeat: two images of its node scanned, one waiting (the Manage page shows it).
curl -sf -H "Authorization: Bearer $DEF_TOKEN" -H 'Content-Type: application/json' "$URL/api/v1/defenders/self/heartbeat" \
    --data '{"version":"0.1.0","uptime_s":60,"alerts":4,"spool_events":0,"spool_dropped":0,"images_scanned":2,"images_failed":0,"images_queued":1}' \
    >/dev/null || fail "POST /api/v1/defenders/self/heartbeat failed"
# An admission controller's heartbeat (moat webhook --console, the same channel): the
# console's set in force, decisions, and a set that failed to translate.
curl -sf -H "Authorization: Bearer $DEF_TOKEN" -H 'Content-Type: application/json' "$URL/api/v1/defenders/self/heartbeat" \
    --data '{"producer":"webhook","node":"ui-node","version":"0.1.0","interval_ms":30000,"policy_set":{"etag":"sha256:0","source":"console","applied":"2026-12-01T10:00:00Z","policies":[{"id":"p-1","kind":"admission","name":"no privileged in prod"},{"id":"p-2","kind":"trusted-images","name":"ours only"}],"local":{"origin":"/etc/moat/policy.yaml","sha256":"sha256:1"}},"decisions":{"allowed":12,"denied":3,"warned":1},"last_error":"console policy 4f2a not applied: console policy bad labels (p-3): scope.labels[0]: want KEY=VALUE"}' \
    >/dev/null || fail "POST /api/v1/defenders/self/heartbeat (admission controller) failed"
# A compliance report of the node (what moat comply docker --console sends).
curl -sf -H "Authorization: Bearer $CI_TOKEN" -H 'Content-Type: application/json' --data-binary @- "$URL/api/v1/compliance" >/dev/null <<JSON ||
{"schema":"moat.comply/v1","benchmark":"cis-docker-1.6","target":"/var/run/docker.sock","node":"ui-node","checks":[
 {"id":"5.4","title":"Ensure that Linux kernel capabilities are restricted within containers","result":"WARN","level":"Level 1",
  "evidence":"capabilities added: ui-web-1:NET_ADMIN","controls":["NIST-800-190:4.4.3","PCI-DSS-4.0:2.2.6"]},
 {"id":"2.2","title":"Ensure network traffic is restricted between containers on the default bridge","result":"PASS","level":"Level 1",
  "controls":["PCI-DSS-4.0:1.3.1"]}],"summary":{"PASS":1,"WARN":1,"INFO":0,"NOTE":0}}
JSON
    fail "POST /api/v1/compliance failed"
note "console on $URL: 3 images ($APP_REF $APP_SEV standalone, $BASE_REF $BASE_SEV Kubernetes, ui-unrated:1 unknown), 4 events; looking for $CVE in layer $LAYER"

t_ui=$SECONDS
RC=0
UI_URL=$URL UI_USER=admin UI_PASSWORD=$PASSWORD UI_ARTIFACTS=$ART \
UI_IMAGE=$APP_REF UI_DIGEST=$APP UI_PEER=$BASE_REF UI_CVE=$CVE UI_LAYER=$LAYER UI_CMD=$CMD \
UI_EVENTS_TOTAL=4 UI_CRITICAL=1 UI_NETWORK=1 UI_RECENT=3 \
UI_APP_SEV=$APP_SEV UI_BASE_SEV=$BASE_SEV UI_UNRATED=ui-unrated:1 \
    timeout -k 5 240 node "$REPO/tests/integration/ui/console_ui.mjs" || RC=$?
echo "screenshots: $ART"
ls "$ART"
case $RC in
    0) ;;
    77) skip "chromium cannot start" ;;
    *) tail -n 20 "$W/console.err" >&2; fail "the browser test failed ($(describe_rc "$RC"))" ;;
esac
pass "browser steps $((SECONDS - t_ui)) s, whole test $((SECONDS - t_start)) s"
