#!/bin/bash
# `moat db push` / `moat db pull` against a real OCI registry (Debian's
# docker-registry, distribution 2.8) on 127.0.0.1 with storage in a temp
# dir: the pulled file is byte-for-byte the pushed one, by tag and by the
# manifest digest; a missing tag, a non-DB artifact and a stopped registry
# each exit 2 and leave the installed DB unchanged.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
cd "$W"
VD=$SHARED/vulndb
REG=$(command -v docker-registry || true)
[ -n "$REG" ] || skip "docker-registry is not installed (scripts/setup)"
[ -r "$VD/kev.json" ] || skip "no shared vulndb test data at $VD"

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$MOAT_WORK"; }
trap cleanup EXIT

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$W/storage"
cat > "$W/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $W/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$PORT
YML
"$REG" serve "$W/registry.yml" >"$W/registry.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    $PY -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v2/')" 2>/dev/null && break
    sleep 0.1
done

failures=()
run_moat build db build --from "$VD/osv-go.tar.zst" --from "$VD/kev.json" -o "$W/pushed.db"
[ "$RC" = 0 ] || { moat_err build; fail "db build: $(describe_rc "$RC")"; }
run_moat build-old db build --from "$VD/debian-tracker-bookworm.json" -o "$W/local.db"
[ "$RC" = 0 ] || { moat_err build-old; fail "db build: $(describe_rc "$RC")"; }

REF=127.0.0.1:$PORT/moat/vulndb:test
run_moat push db push --db "$W/pushed.db" "$REF"
[ "$RC" = 0 ] || { moat_err push; fail "db push: $(describe_rc "$RC")"; }
# what the registry holds, read with the standard library only
$PY - "$PORT" > "$W/manifest.txt" <<'PYEOF'
import hashlib, json, sys, urllib.request
req = urllib.request.Request("http://127.0.0.1:%s/v2/moat/vulndb/manifests/test" % sys.argv[1],
                             headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
body = urllib.request.urlopen(req).read()
m = json.loads(body)
print(m["artifactType"], m["layers"][0]["mediaType"], m["layers"][0]["digest"],
      "sha256:" + hashlib.sha256(body).hexdigest())
PYEOF
read -r atype ltype ldigest mdigest < "$W/manifest.txt"
want=sha256:$(sha256sum "$W/pushed.db" | cut -d' ' -f1)
[ "$atype" = application/vnd.moat.vulndb.v1 ] || failures+=("artifactType is $atype")
[ "$ltype" = application/vnd.moat.vulndb.layer.v1 ] || failures+=("layer type is $ltype")
[ "$ldigest" = "$want" ] || failures+=("layer digest $ldigest, DB is $want")

installed() { sha256sum "$W/local.db" | cut -d' ' -f1; }
run_moat pull db pull --db "$W/local.db" "$REF"
[ "$RC" = 0 ] || { moat_err pull; failures+=("pull by tag: $(describe_rc "$RC")"); }
[ "sha256:$(installed)" = "$want" ] || failures+=("pulled DB differs from the pushed one")
run_moat pull-digest db pull --db "$W/by-digest.db" "127.0.0.1:$PORT/moat/vulndb@$mdigest"
[ "$RC" = 0 ] || { moat_err pull-digest; failures+=("pull by digest: $(describe_rc "$RC")"); }
MOAT_DB=$W/local.db run_moat info db info
grep -q "kev" "$W/info.out" || failures+=("db info of the pulled DB lists no kev source")

expect_fail() {   # NAME REF
    run_moat "$1" db pull --db "$W/local.db" "$2"
    [ "$RC" = 2 ] || { moat_err "$1"; failures+=("$1: $(describe_rc "$RC"), want exit 2"); }
    [ "sha256:$(installed)" = "$want" ] || failures+=("$1: the installed DB changed")
    note "$1: $(head -c 300 "$W/$1.err")"
}
expect_fail missing-tag "127.0.0.1:$PORT/moat/vulndb:nope"
expect_fail wrong-digest "127.0.0.1:$PORT/moat/vulndb@sha256:$(printf '0%.0s' $(seq 64))"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
expect_fail registry-down "$REF"

if [ ${#failures[@]} -gt 0 ]; then
    printf '  %s\n' "${failures[@]}" >&2
    fail "${#failures[@]} problem(s)"
fi
pass "push, pull by tag and digest, 3 failure modes"
