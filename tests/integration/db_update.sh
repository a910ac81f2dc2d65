#!/bin/bash
# `moat db build`, `moat db update` and `moat db info` against real HTTP
# servers on 127.0.0.1: python3 -m http.server for plain files, and
# tests/tools/httpserve.py for an interrupted body and redirect chains. A
# good update replaces the DB; a corrupted file (checksum mismatch), an
# interrupted download, a 404, too many redirects and a file that is not a
# DB each exit 2 and leave the installed DB byte-for-byte unchanged.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
cd "$W"
VD=$SHARED/vulndb
[ -r "$VD/kev.json" ] || skip "no shared vulndb test data at $VD"
mkdir -p served local

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$MOAT_WORK"
}
trap cleanup EXIT

wait_port() {   # PORT
    for _ in $(seq 100); do
        $PY -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "server on port $1 did not start"
}

# Two different DBs: the one installed first, and the one the mirror serves.
run_moat build-local db build --from "$VD/debian-tracker-bookworm.json" -o "$W/local/vuln.db"
[ "$RC" = 0 ] || { moat_err build-local; fail "db build (tracker): $(describe_rc "$RC")"; }
run_moat build-served db build --from "$VD/osv-go.tar.zst" --from "$VD/kev.json" \
    -o "$W/served/vuln.db"
[ "$RC" = 0 ] || { moat_err build-served; fail "db build (osv+kev): $(describe_rc "$RC")"; }
(cd served && sha256sum vuln.db > vuln.db.sha256)
SUM=$(cut -d' ' -f1 served/vuln.db.sha256)
# corrupted: one flipped byte, published with the good file's checksum
$PY - "$W/served" <<'PYEOF'
import sys, shutil
d = sys.argv[1]
b = bytearray(open(d + "/vuln.db", "rb").read())
b[len(b) // 2] ^= 0x5a
open(d + "/bad.db", "wb").write(b)
shutil.copy(d + "/vuln.db.sha256", d + "/bad.db.sha256")
PYEOF
cp "$VD/kev.json" served/notadb.db
(cd served && sha256sum notadb.db > notadb.db.sha256)

PORT=$(free_port)
(cd served && exec $PY -m http.server --bind 127.0.0.1 "$PORT") >"$W/http.log" 2>&1 &
pids+=($!)
wait_port "$PORT"
$PY "$TOOLS/httpserve.py" "$W/served" "$W/faulty.port" >"$W/faulty.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$W/faulty.port" ] && break; sleep 0.1; done
FPORT=$(cat "$W/faulty.port" 2>/dev/null) || fail "httpserve.py did not start"
wait_port "$FPORT"

failures=()
installed() { sha256sum "$W/local/vuln.db" | cut -d' ' -f1; }
info_sum() {
    MOAT_DB=$W/local/vuln.db run_moat "info-$1" db info --format json
    [ "$RC" = 0 ] || { failures+=("$1: db info: $(describe_rc "$RC")"); return; }
    $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["checksum"])' "$W/info-$1.out"
}

# 1. a good update (checksum from URL.sha256) replaces the tracker-only DB
before=$(installed)
run_moat update-ok db update --url "http://127.0.0.1:$PORT/vuln.db" --db "$W/local/vuln.db"
if [ "$RC" != 0 ]; then
    moat_err update-ok; failures+=("good update: $(describe_rc "$RC")")
elif [ "$(installed)" != "$SUM" ] || [ "$before" = "$SUM" ]; then
    failures+=("good update: installed file is not the served one")
fi
grep -q '"name": "kev"' "$W/info-ok.out" 2>/dev/null || true
good_info=$(info_sum ok)
grep -q '"kev"' "$W/info-ok.out" || failures+=("db info after update does not list the kev source")

# 2..6 each must exit 2 and leave the file and what db info reports unchanged
expect_fail() {   # NAME ARGS...
    local name=$1; shift
    run_moat "$name" db update --db "$W/local/vuln.db" "$@"
    if [ "$RC" != 2 ]; then
        moat_err "$name"; failures+=("$name: $(describe_rc "$RC"), want exit 2")
    elif [ ! -s "$W/$name.err" ]; then
        failures+=("$name: exit 2 without a message")
    fi
    [ "$(installed)" = "$SUM" ] || failures+=("$name: the installed DB changed")
    [ "$(info_sum "$name")" = "$good_info" ] || failures+=("$name: db info shows another DB")
    note "$name: $(head -c 300 "$W/$name.err")"
}
expect_fail corrupted --url "http://127.0.0.1:$PORT/bad.db"
grep -q "checksum mismatch" "$W/corrupted.err" || failures+=("corrupted: no 'checksum mismatch'")
expect_fail truncated --url "http://127.0.0.1:$FPORT/short/vuln.db" --sha256 "$SUM"
expect_fail not-found --url "http://127.0.0.1:$PORT/missing.db" --sha256 "$SUM"
grep -q "404" "$W/not-found.err" || failures+=("not-found: message does not say 404")
expect_fail no-sums --url "http://127.0.0.1:$PORT/missing.db"
expect_fail not-a-db --url "http://127.0.0.1:$PORT/notadb.db"
expect_fail redirects --url "http://127.0.0.1:$FPORT/redirect/6/vuln.db" --sha256 "$SUM"
expect_fail https-to-http --url "https://127.0.0.1:$PORT/vuln.db" --sha256 "$SUM"
expect_fail refused --url "http://127.0.0.1:1/vuln.db" --sha256 "$SUM"

# 7. five redirects are fine; no temp files are left behind
run_moat update-redirect db update --url "http://127.0.0.1:$FPORT/redirect/5/vuln.db" \
    --sha256 "$SUM" --db "$W/local/vuln.db"
[ "$RC" = 0 ] || { moat_err update-redirect; failures+=("5 redirects: $(describe_rc "$RC")"); }
left=$(ls -A "$W/local" | grep -v '^vuln.db$' || true)
[ -z "$left" ] || failures+=("files left in the DB directory: $left")

# 7b. proxies from the environment (libcurl's http_proxy / no_proxy): a
# forwarding proxy of our own sees the update's request; with the mirror in
# no_proxy it sees none; a proxy that is down fails the update.
PPORT=$(free_port)
$PY - "$PPORT" "$W/proxy.log" >/dev/null 2>&1 <<'PYEOF' &
import http.server, sys, urllib.error, urllib.request
port, log = int(sys.argv[1]), sys.argv[2]
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
class P(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        open(log, "a").write(self.path + "\n")
        try:
            r = direct.open(self.path)
            code, body = r.status, r.read()
        except urllib.error.HTTPError as e:
            code, body = e.code, e.read()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", port), P).serve_forever()
PYEOF
pids+=($!)
wait_port "$PPORT"
via_proxy() {   # NAME [env assignments]
    local name=$1; shift
    RC=0
    env -u no_proxy -u NO_PROXY -u all_proxy -u ALL_PROXY "$@" "$MOAT" db update \
        --url "http://127.0.0.1:$PORT/vuln.db" --db "$W/local/vuln.db" \
        >"$W/$name.out" 2>"$W/$name.err" || RC=$?
}
: >"$W/proxy.log"
via_proxy proxy-on http_proxy="http://127.0.0.1:$PPORT"
[ "$RC" = 0 ] || { moat_err proxy-on; failures+=("update through http_proxy: $(describe_rc "$RC")"); }
grep -q "^http://127.0.0.1:$PORT/vuln.db\$" "$W/proxy.log" ||
    failures+=("http_proxy: the proxy saw no request for vuln.db: $(head -c 200 "$W/proxy.log")")
n_proxied=$(wc -l < "$W/proxy.log")
: >"$W/proxy.log"
via_proxy proxy-skip http_proxy="http://127.0.0.1:$PPORT" no_proxy=127.0.0.1
[ "$RC" = 0 ] && [ ! -s "$W/proxy.log" ] || failures+=("no_proxy: rc $RC, proxy saw $(head -c 200 "$W/proxy.log")")
via_proxy proxy-down http_proxy="http://127.0.0.1:1"
[ "$RC" = 2 ] || failures+=("a proxy that is down: $(describe_rc "$RC"), want exit 2")
[ "$(installed)" = "$SUM" ] || failures+=("the proxy updates changed the installed DB")
note "proxy: $n_proxied request(s) through http_proxy, none with no_proxy; down: $(head -c 160 "$W/proxy-down.err")"

# 8. https with a test CA: trusted with --cacert, refused with another CA or
# none (the system store does not know it), and the DB stays as it was.
make_test_ca "$W/tls"
TPORT=$(free_port)
$PY - "$W/served" "$TPORT" "$W/tls" >"$W/https.log" 2>&1 <<'PYEOF' &
import functools, http.server, ssl, sys
d, port, tls = sys.argv[1], int(sys.argv[2]), sys.argv[3]
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=d)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), h)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(tls + "/server.pem", tls + "/server.key")
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
PYEOF
pids+=($!)
wait_port "$TPORT"
expect_fail https-wrong-ca --url "https://127.0.0.1:$TPORT/vuln.db" --cacert "$W/tls/wrong-ca.pem"
grep -q "not trusted" "$W/https-wrong-ca.err" || failures+=("https-wrong-ca: no 'not trusted'")
expect_fail https-no-ca --url "https://127.0.0.1:$TPORT/vuln.db"
cp "$W/local/vuln.db" "$W/before-https.db"
run_moat build-https db build --from "$VD/kev.json" -o "$W/served/kev.db"
(cd "$W/served" && sha256sum kev.db > kev.db.sha256)
run_moat update-https db update --url "https://127.0.0.1:$TPORT/kev.db" \
    --cacert "$W/tls/ca.pem" --db "$W/local/vuln.db"
if [ "$RC" != 0 ]; then
    moat_err update-https; failures+=("https with --cacert: $(describe_rc "$RC")")
elif [ "$(installed)" != "$(cut -d' ' -f1 "$W/served/kev.db.sha256")" ]; then
    failures+=("https with --cacert: installed file is not the served one")
fi
cp "$W/before-https.db" "$W/local/vuln.db"

# 9. an interrupted build input is an error, not a partial DB
head -c 300000 "$VD/osv-go.tar.zst" > "$W/cut.tar.zst"
run_moat build-cut db build --from "$W/cut.tar.zst" -o "$W/cut.db"
[ "$RC" = 2 ] || failures+=("build from a cut archive: $(describe_rc "$RC"), want exit 2")
[ ! -e "$W/cut.db" ] || failures+=("build from a cut archive wrote a DB")

# 10. the same OSV records as a zip (OSV's all.zip layout) give the same counts
$PY - "$VD/osv-go.tar.zst" "$W/osv-go.zip" <<'PYEOF'
import io, subprocess, sys, tarfile, zipfile
raw = subprocess.run(["zstd", "-dc", sys.argv[1]], check=True, capture_output=True).stdout
with tarfile.open(fileobj=io.BytesIO(raw)) as t, \
        zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for m in t.getmembers():
        if m.isfile():
            z.writestr(m.name.rsplit("/", 1)[-1], t.extractfile(m).read())
PYEOF
run_moat build-zip db build --from "$W/osv-go.zip" -o "$W/zip.db"
run_moat build-tar db build --from "$VD/osv-go.tar.zst" -o "$W/tar.db"
zip_counts=$(grep -o '[0-9]* vulnerabilities, [0-9]* entries for [0-9]* packages' "$W/build-zip.err" || true)
tar_counts=$(grep -o '[0-9]* vulnerabilities, [0-9]* entries for [0-9]* packages' "$W/build-tar.err" || true)
[ -n "$zip_counts" ] && [ "$zip_counts" = "$tar_counts" ] ||
    failures+=("zip build: '$zip_counts', tar build: '$tar_counts'")

if [ ${#failures[@]} -gt 0 ]; then
    printf '  %s\n' "${failures[@]}" >&2
    fail "${#failures[@]} problem(s)"
fi
pass "update, 9 failure modes, redirects, http_proxy / no_proxy from the environment, https with a test CA (trusted, wrong CA, no CA), zip input"
