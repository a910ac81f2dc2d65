#!/bin/bash
# `moat scan registry://...` against real registries (Debian's
# docker-registry, distribution 2.8) on 127.0.0.1: one plain, one with
# htpasswd basic auth, one with TLS from a throw-away CA; the sample images
# copied in with skopeo. The registry scan equals the tarball scan; missing
# or wrong credentials, a wrong CA and no CA each exit 2 with a clear
# message; a credential helper and --insecure-registry work; a manifest list
# gives the image of the asked platform; `moat registry scan` scans each
# digest once and a second run none; `moat registry listen` scans on push
# (the distribution envelope and a Harbor webhook). Also: credsStore, a 429
# with Retry-After waited for, HTTP/2 with the TLS registry, and a blob
# served with other bytes refused on its digest.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
cd "$W"
REG=$(command -v docker-registry || true)
[ -n "$REG" ] || skip "docker-registry is not installed (scripts/setup)"
command -v skopeo >/dev/null || skip "skopeo is not installed (scripts/setup)"
command -v htpasswd >/dev/null || skip "htpasswd is not installed (apache2-utils, scripts/setup)"
sample_image

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    "$MOAT" console stop --data "$W/console" >/dev/null 2>&1 || true
    rm -rf "$MOAT_WORK"
}
trap cleanup EXIT


# start_registry NAME PORT [EXTRA-HTTP-YAML]
start_registry() {
    mkdir -p "$W/$1"
    cat > "$W/$1.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $W/$1
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
${3:-}
YML
    "$REG" serve "$W/$1.yml" >"$W/$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
        $PY -c "import socket; socket.create_connection(('127.0.0.1',$2),1)" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "registry $1 did not start (log: $(tail -c 300 "$W/$1.log"))"
}

make_test_ca "$W/tls"
htpasswd -Bbn moat s3cret > "$W/htpasswd" 2>/dev/null
P_PLAIN=$(free_port); P_AUTH=$(free_port); P_TLS=$(free_port)
start_registry plain "$P_PLAIN"
start_registry auth "$P_AUTH" "$(printf 'auth:\n  htpasswd:\n    realm: moat-test\n    path: %s\n' "$W/htpasswd")"
start_registry tls "$P_TLS" "$(printf '  tls:\n    certificate: %s\n    key: %s\n' "$W/tls/server.pem" "$W/tls/server.key")"
PLAIN=127.0.0.1:$P_PLAIN; AUTH=127.0.0.1:$P_AUTH; TLS=127.0.0.1:$P_TLS

copy() {   # SRC DEST [skopeo args]
    local src=$1 dst=$2; shift 2
    skopeo copy -q --dest-tls-verify=false "$@" "$src" "docker://$dst" >"$W/skopeo.log" 2>&1 ||
        fail "skopeo copy $src $dst: $(tail -c 300 "$W/skopeo.log")"
}
APP=docker-archive:$SAMPLE/app.tar
BASE=docker-archive:$SAMPLE/base.tar
copy "$APP" "$PLAIN/moat/app:1"
copy "$BASE" "$PLAIN/moat/base:1"
copy "$APP" "$AUTH/moat/app:1" --dest-creds moat:s3cret
copy "$APP" "$TLS/moat/app:1"

failures=()
# The parts of a report that say what is in the image (not where it came from).
content() {   # JSON-FILE
    $PY - "$1" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
keep = {k: r.get(k) for k in ("packages", "removed_packages", "deleted_files", "findings",
                               "history", "warnings")}
keep["diff_ids"] = [l["diff_id"] for l in r["layers"]]
keep["config"] = r["target"].get("config_digest")
print(json.dumps(keep, sort_keys=True))
PYEOF
}
scan() {   # NAME TARGET [moat args] : JSON report in $W/NAME.out
    local name=$1 target=$2; shift 2
    run_moat "$name" scan --no-vuln --no-progress -f json "$@" "$target"
}
same_as() {   # NAME REFERENCE-NAME
    if [ "$RC" != 0 ]; then
        moat_err "$1"; failures+=("$1: $(describe_rc "$RC")"); return
    fi
    [ "$(content "$W/$1.out")" = "$(content "$W/$2.out")" ] ||
        failures+=("$1: report differs from the $2 scan")
}
refused() {   # NAME PATTERN
    if [ "$RC" != 2 ]; then
        moat_err "$1"; failures+=("$1: $(describe_rc "$RC"), want exit 2")
    elif ! grep -q "$2" "$W/$1.err"; then
        moat_err "$1"; failures+=("$1: message does not say '$2'")
    fi
    note "$1: $(head -c 240 "$W/$1.err")"
}

# 1. plain http on loopback: the same report as the tarball, faster
t0=$(date +%s%N)
scan tar-app "$APP"
t1=$(date +%s%N)
[ "$RC" = 0 ] || { moat_err tar-app; fail "tarball scan: $(describe_rc "$RC")"; }
scan reg-app "registry://$PLAIN/moat/app:1"
t2=$(date +%s%N)
same_as reg-app tar-app
note "app: tarball scan $(( (t1 - t0) / 1000000 )) ms, registry scan $(( (t2 - t1) / 1000000 )) ms"
npk=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$W/reg-app.out")
[ "$npk" -gt 50 ] || failures+=("registry scan found only $npk packages")
src=$($PY -c 'import json,sys; t=json.load(open(sys.argv[1]))["target"]; print(t["source"], t["manifest_digest"])' "$W/reg-app.out")
case $src in "registry sha256:"*) ;; *) failures+=("target of the registry scan: $src") ;; esac
digest=${src#registry }
scan reg-digest "registry://$PLAIN/moat/app@$digest"
same_as reg-digest tar-app
scan tar-base "$BASE"
scan reg-missing "registry://$PLAIN/moat/app:nope"
refused reg-missing "404\|not found\|unknown"

# 2. basic auth: no credentials, wrong ones, right ones (auths and a helper)
mkdir -p "$W/cfg-none" "$W/cfg-bad" "$W/cfg-good" "$W/cfg-helper" "$W/bin"
echo '{}' > "$W/cfg-none/config.json"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$AUTH" "$(printf moat:wrong | base64)" > "$W/cfg-bad/config.json"
printf '{"auths":{"https://%s":{"auth":"%s"}}}\n' "$AUTH" "$(printf moat:s3cret | base64)" > "$W/cfg-good/config.json"
printf '{"credHelpers":{"%s":"moattest"}}\n' "$AUTH" > "$W/cfg-helper/config.json"
cat > "$W/bin/docker-credential-moattest" <<'SH'
#!/bin/sh
read -r host
echo "{\"ServerURL\":\"$host\",\"Username\":\"moat\",\"Secret\":\"s3cret\"}"
SH
chmod +x "$W/bin/docker-credential-moattest"
DOCKER_CONFIG=$W/cfg-none scan auth-none "registry://$AUTH/moat/app:1"
refused auth-none "authentication required"
DOCKER_CONFIG=$W/cfg-bad scan auth-bad "registry://$AUTH/moat/app:1"
refused auth-bad "authentication failed"
DOCKER_CONFIG=$W/cfg-good scan auth-good "registry://$AUTH/moat/app:1"
same_as auth-good tar-app
PATH=$W/bin:$PATH DOCKER_CONFIG=$W/cfg-helper scan auth-helper "registry://$AUTH/moat/app:1"
same_as auth-helper tar-app

# 2b. credsStore (the store's helper; no credHelpers entry for the host), on
# a one-file image
mkdir -p "$W/cfg-store" "$W/tiny"
printf '{"credsStore":"moattest"}\n' > "$W/cfg-store/config.json"
echo moat > "$W/tiny/hello"
tar -C "$W/tiny" -cf "$W/tiny.tar" hello
$PY "$TOOLS/mkimage.py" --format oci-dir -o "$W/tiny-oci" --ref moat/tiny:1 --oci-ref-name 1 \
    --layer "$W/tiny.tar" >"$W/mkimage.log" 2>&1 || fail "mkimage: $(tail -c 300 "$W/mkimage.log")"
TINY=oci:$W/tiny-oci:1
copy "$TINY" "$AUTH/moat/tiny:1" --dest-creds moat:s3cret
PATH=$W/bin:$PATH DOCKER_CONFIG=$W/cfg-store scan auth-store "registry://$AUTH/moat/tiny:1"
[ "$RC" = 0 ] && grep -q '"manifest_digest"' "$W/auth-store.out" ||
    { moat_err auth-store; failures+=("credsStore: $(describe_rc "$RC")"); }
DOCKER_CONFIG=$W/cfg-store scan auth-store-nohelper "registry://$AUTH/moat/tiny:1"
[ "$RC" = 2 ] || failures+=("credsStore without its helper program: $(describe_rc "$RC"), want exit 2")

# 2c. 429 with Retry-After: 1 is waited for and asked again (a fake
# registry: /v2/ answers, the manifest first 429, then 404)
P_FAKE=$(free_port)
$PY - "$P_FAKE" "$W/fake.log" >/dev/null 2>&1 <<'PYEOF' &
import http.server, sys, time
port, log = int(sys.argv[1]), sys.argv[2]
seen = []
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        if self.path == "/v2/":
            self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
            self.wfile.write(b"{}"); return
        seen.append(time.monotonic())
        open(log, "a").write("%s %.3f\n" % (self.path, seen[-1] - seen[0]))
        body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}'
        self.send_response(429 if len(seen) == 1 else 404)
        if len(seen) == 1:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    do_HEAD = do_GET
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PYEOF
pids+=($!)
for _ in $(seq 100); do
    $PY -c "import socket; socket.create_connection(('127.0.0.1',$P_FAKE),1)" 2>/dev/null && break
    sleep 0.1
done
scan retry-after "registry://127.0.0.1:$P_FAKE/moat/app:1"
refused retry-after "not found\|unknown"
$PY - "$W/fake.log" <<'PYEOF' || failures+=("Retry-After: $(tr '\n' ' ' < "$W/fake.log")")
import sys
t = [float(l.split()[1]) for l in open(sys.argv[1])]
assert len(t) == 2 and 0.9 <= t[1] < 5, t
PYEOF
note "retry-after: $(tr '\n' ' ' < "$W/fake.log" 2>/dev/null)"

# 3. TLS from a test CA: trusted with --cacert, refused otherwise, skipped
# only for an explicit --insecure-registry
scan tls-ca "registry://$TLS/moat/app:1" --cacert "$W/tls/ca.pem"
same_as tls-ca tar-app
scan tls-wrong "registry://$TLS/moat/app:1" --cacert "$W/tls/wrong-ca.pem"
refused tls-wrong "not trusted"
scan tls-none "registry://$TLS/moat/app:1"
refused tls-none "not trusted"
scan tls-insecure "registry://$TLS/moat/app:1" --insecure-registry "$TLS"
same_as tls-insecure tar-app
# HTTP/2 over TLS (ALPN): the registry's access log has moat's requests as HTTP/2.0
grep -q '"GET /v2/moat/app/manifests/1 HTTP/2.0" 200 .*"moat/' "$W/tls.log" ||
    failures+=("TLS registry not spoken to over HTTP/2: $(grep -m1 'manifests/1' "$W/tls.log" | head -c 300)")

# 4. a manifest list: linux/amd64 is the app image, linux/arm64 the base one
copy "$APP" "$PLAIN/moat/multi:app"
copy "$BASE" "$PLAIN/moat/multi:base"
$PY - "$PLAIN" <<'PYEOF' || fail "could not push the manifest list"
import json, sys, urllib.request
reg = sys.argv[1]
dm = "application/vnd.docker.distribution.manifest.v2+json"
def head(tag):
    rq = urllib.request.Request("http://%s/v2/moat/multi/manifests/%s" % (reg, tag), headers={"Accept": dm})
    with urllib.request.urlopen(rq) as r:
        body = r.read()
        return r.headers["Docker-Content-Digest"], len(body)
ents = []
for tag, arch in (("app", "amd64"), ("base", "arm64")):
    d, n = head(tag)
    ents.append({"mediaType": dm, "digest": d, "size": n,
                 "platform": {"os": "linux", "architecture": arch}})
ml = "application/vnd.docker.distribution.manifest.list.v2+json"
body = json.dumps({"schemaVersion": 2, "mediaType": ml, "manifests": ents}).encode()
rq = urllib.request.Request("http://%s/v2/moat/multi/manifests/1" % reg, data=body, method="PUT",
                            headers={"Content-Type": ml})
urllib.request.urlopen(rq).read()
PYEOF
scan multi-default "registry://$PLAIN/moat/multi:1"
same_as multi-default tar-app
scan multi-arm64 "registry://$PLAIN/moat/multi:1" --platform linux/arm64
same_as multi-arm64 tar-base
scan multi-s390x "registry://$PLAIN/moat/multi:1" --platform linux/s390x
refused multi-s390x "no manifest for platform linux/s390x"

# 5. `moat registry scan`: each digest once (app:1 and multi:app are one
# image), a second run scans none, a new DB scans everything again
rscan() {   # NAME [args]
    local name=$1; shift
    run_moat "$name" registry scan "$PLAIN" --repos 'moat/*' --cache "$W/cache" --jobs 2 "$@"
    [ "$RC" = 0 ] || { moat_err "$name"; failures+=("$name: $(describe_rc "$RC")"); }
    note "$name: $(tail -n 1 "$W/$name.err")"
}
# ... each report also uploaded to a console (SQLite) with --console
CPORT=$(free_port)
CTOK=$("$MOAT" console token create --data "$W/console" --role ci --name reg 2>/dev/null)
CREAD=$("$MOAT" console token create --data "$W/console" --role auditor --name read 2>/dev/null)
"$MOAT" console --data "$W/console" --listen "127.0.0.1:$CPORT" --daemon >/dev/null 2>"$W/console.err" ||
    failures+=("console did not start: $(cat "$W/console.err")")
# --jobs 2 is a bound: the most scan children the registry scan had at once
watch_jobs() {
    local max=0 p n
    while [ ! -e "$W/jobs.stop" ]; do
        for p in $(pgrep -f "^$MOAT registry scan $PLAIN" || true); do
            n=$(pgrep -P "$p" | wc -l || true)   # pgrep finds none: exit 1
            [ "$n" -gt "$max" ] && max=$n
        done
        echo "$max" > "$W/jobs.max"
        sleep 0.05
    done
}
watch_jobs &
watcher=$!
t0=$(date +%s%N)
rscan rscan-1 --no-vuln --console "http://127.0.0.1:$CPORT" --token "$CTOK"
t1=$(date +%s%N)
touch "$W/jobs.stop"; wait "$watcher" 2>/dev/null || true
jmax=$(cat "$W/jobs.max" 2>/dev/null || echo 0)
[ "$jmax" -ge 1 ] && [ "$jmax" -le 2 ] || failures+=("--jobs 2: $jmax scan children at once")
note "--jobs 2: at most $jmax scan children at once"
curl -s -H "Authorization: Bearer $CREAD" "http://127.0.0.1:$CPORT/api/v1/images" >"$W/console-images.json"
$PY - "$W/rscan-1.out" "$W/console-images.json" <<'PYEOF' || failures+=("registry scan --console: the console lacks the images: $(head -c 300 "$W/console-images.json")")
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
stored = {i["digest"] for i in json.load(open(sys.argv[2]))["images"]}
assert lines and all(l.get("console") in stored for l in lines), (lines, stored)
PYEOF
note "registry scan of 3 images with --jobs 2: $(( (t1 - t0) / 1000000 )) ms"
$PY - "$W/rscan-1.out" "$W/tar-app.out" <<'PYEOF' || failures+=("rscan-1: $(cat "$W/rscan-1.check" 2>/dev/null)")
import collections, json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
digests = collections.Counter(l["digest"] for l in lines)
app = len(json.load(open(sys.argv[2]))["packages"])
problems = []
if len(lines) != 3 or any(n != 1 for n in digests.values()):
    problems.append("want 3 lines, one per digest: %s" % dict(digests))
for l in lines:
    if "error" in l:
        problems.append("%s: %s" % (l["repo"], l["error"]))
    elif l["repo"] == "moat/app" and l["summary"]["packages"] != app:
        problems.append("moat/app: %d packages, the tarball has %d" % (l["summary"]["packages"], app))
    elif not json.load(open(l["report"]))["packages"]:
        problems.append("%s: empty report" % l["repo"])
tags = sorted(t for l in lines for t in l["tags"])
if tags != sorted(["1", "1", "app", "1", "base"]) and len(tags) < 4:
    problems.append("tags: %s" % tags)
if problems:
    open(sys.argv[1].replace(".out", ".check"), "w").write("; ".join(problems))
    sys.exit(1)
PYEOF
rscan rscan-2 --no-vuln
[ ! -s "$W/rscan-2.out" ] || failures+=("second registry scan scanned again: $(head -c 300 "$W/rscan-2.out")")
grep -q " 0 scanned, 3 already scanned" "$W/rscan-2.err" || failures+=("rscan-2: summary does not say 0 scanned, 3 already scanned")
if [ -r "$SHARED/vulndb/kev.json" ]; then
    run_moat db-build db build --from "$SHARED/vulndb/kev.json" -o "$W/kev.db"
    rscan rscan-db --db "$W/kev.db"
    [ "$(wc -l < "$W/rscan-db.out")" = 3 ] || failures+=("a new DB did not rescan the 3 images")
    rscan rscan-db2 --db "$W/kev.db"
    [ ! -s "$W/rscan-db2.out" ] || failures+=("same DB scanned again")
fi
# the sample images say they were created on 2024-01-02: --since 1d skips all
rscan rscan-since --no-vuln --cache "$W/cache-since" --since 1d
[ ! -s "$W/rscan-since.out" ] && grep -q "3 older than --since" "$W/rscan-since.err" ||
    failures+=("--since 1d: $(tail -n 1 "$W/rscan-since.err")")
rscan rscan-glob --no-vuln --cache "$W/cache-glob" --repos 'moat/b*' --tags '1'
[ "$(wc -l < "$W/rscan-glob.out")" = 1 ] && grep -q '"repo":"moat/base"' "$W/rscan-glob.out" ||
    failures+=("--repos 'moat/b*' --tags 1: $(head -c 300 "$W/rscan-glob.out")")

# 6. `moat registry listen`: a registry configured to notify it; a push scans
P_LISTEN=$(free_port); P_NOTE=$(free_port)
timeout -k 5 300 "$MOAT" registry listen --listen "127.0.0.1:$P_LISTEN" \
    --registry "127.0.0.1:$P_NOTE" --cache "$W/cache-listen" --no-vuln \
    >"$W/listen.out" 2>"$W/listen.err" &
listen_pid=$!
pids+=($listen_pid)
start_registry notify "$P_NOTE" "$(printf 'notifications:\n  endpoints:\n    - name: moat\n      url: http://127.0.0.1:%s/notify\n      timeout: 2s\n      threshold: 3\n      backoff: 1s\n' "$P_LISTEN")"
copy "$BASE" "127.0.0.1:$P_NOTE/moat/pushed:1"
for _ in $(seq 600); do grep -q '"repo":"moat/pushed"' "$W/listen.out" 2>/dev/null && break; sleep 0.1; done
if grep -q '"repo":"moat/pushed"' "$W/listen.out"; then
    $PY -c 'import json,sys; l=json.loads(open(sys.argv[1]).readline()); sys.exit(l["summary"]["packages"] < 50 or "error" in l)' "$W/listen.out" ||
        failures+=("listen: bad line: $(head -c 300 "$W/listen.out")")
    note "listen: $(head -c 200 "$W/listen.out")"
else
    failures+=("listen: no scan within 60 s of the push: $(tail -c 300 "$W/listen.err")")
fi
code=$($PY -c 'import urllib.request, urllib.error
try:
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:'"$P_LISTEN"'/", data=b"junk"))
    print(200)
except urllib.error.HTTPError as e:
    print(e.code)')
[ "$code" = 400 ] || failures+=("listen: junk body answered $code, want 400")
kill -TERM "$listen_pid"; wait "$listen_pid" 2>/dev/null || true
# A Harbor webhook (PUSH_ARTIFACT) to a listener for the plain registry
copy "$TINY" "$PLAIN/moat/tiny:1"
tdig=$(skopeo inspect --tls-verify=false "docker://$PLAIN/moat/tiny:1" |
       $PY -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
P_HARBOR=$(free_port)
timeout -k 5 120 "$MOAT" registry listen --listen "127.0.0.1:$P_HARBOR" --registry "$PLAIN" \
    --cache "$W/cache-harbor" --no-vuln >"$W/harbor.out" 2>"$W/harbor.err" &
harbor_pid=$!
pids+=($harbor_pid)
for _ in $(seq 100); do
    $PY -c "import socket; socket.create_connection(('127.0.0.1',$P_HARBOR),1)" 2>/dev/null && break
    sleep 0.1
done
printf '{"type":"PUSH_ARTIFACT","occur_at":1700000000,"operator":"admin","event_data":{"resources":[{"digest":"%s","tag":"1","resource_url":"%s/moat/tiny:1"}],"repository":{"name":"tiny","namespace":"moat","repo_full_name":"moat/tiny","repo_type":"private"}}}' \
    "$tdig" "$PLAIN" >"$W/harbor.json"
curl -s --max-time 10 -d "@$W/harbor.json" "http://127.0.0.1:$P_HARBOR/" >"$W/harbor.ans" || true
grep -q '"queued":1' "$W/harbor.ans" || failures+=("harbor: answer $(head -c 200 "$W/harbor.ans")")
for _ in $(seq 300); do grep -q '"repo":"moat/tiny"' "$W/harbor.out" 2>/dev/null && break; sleep 0.1; done
grep -q "\"repo\":\"moat/tiny\".*\"digest\":\"$tdig\"" "$W/harbor.out" ||
    failures+=("harbor: no scan of moat/tiny@$tdig: $(head -c 300 "$W/harbor.out") $(tail -c 300 "$W/harbor.err")")
kill -TERM "$harbor_pid"; wait "$harbor_pid" 2>/dev/null || true

# 7. a blob the registry serves with other bytes (same size; the gzip
# header's MTIME changed, which no decompressor minds) fails the scan on
# its digest, checked while it streams
ldig=$($PY -c 'import json,sys; d=sys.argv[1]; i=json.load(open(d+"/index.json"))
m=json.load(open(d+"/blobs/"+i["manifests"][0]["digest"].replace(":","/")))
print(m["layers"][0]["digest"].split(":")[1])' "$W/tiny-oci")
blobfile=$W/plain/docker/registry/v2/blobs/sha256/${ldig:0:2}/$ldig/data
[ -f "$blobfile" ] || fail "no blob file $blobfile"
$PY - "$blobfile" <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[4] ^= 0x01
open(sys.argv[1], "wb").write(b)
PYEOF
scan blob-tampered "registry://$PLAIN/moat/tiny:1"
refused blob-tampered "digest"

if [ ${#failures[@]} -gt 0 ]; then
    printf '  %s\n' "${failures[@]}" >&2
    fail "${#failures[@]} problem(s)"
fi
pass "registry scans equal the tarball scan (plain, basic auth, helper, TLS CA, insecure, by digest, manifest list); credsStore; Retry-After; HTTP/2 over TLS; 7 refusals exit 2 (a tampered blob among them); registry scan once per digest, none on rerun, again on a new DB, --since and globs filter; listen scans on push and on a Harbor webhook"
