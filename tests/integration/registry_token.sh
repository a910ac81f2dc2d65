#!/bin/bash
# Bearer-token registry auth end to end: Debian's docker-registry with
# `auth: token` (realm, service, issuer, rootcertbundle) on 127.0.0.1, and a
# token server of our own (python3 stdlib; RS256 JWTs signed with the
# openssl CLI, the signing certificate in the JWT's x5c header, trusted by
# the registry through rootcertbundle). The sample image is pushed with
# skopeo through the same token flow.
#  1. `moat scan registry://...` with the right credentials (config.json
#     auths) reads the image; the token server saw Basic credentials and the
#     scope repository:moat/app:pull (pull only: moat never asks to push),
#     and one token served every request of the scan (cached per scope).
#  2. No credentials and wrong ones exit 2 naming the registry. An identity
#     token (config.json identitytoken) is sent as the OAuth2
#     refresh_token grant (POST), a revoked one is refused clearly.
#  3. `moat registry scan` asks for registry:catalog:* to list, then the
#     repository's pull scope; wrong credentials exit 2 naming the registry.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
cd "$W"
REG=$(command -v docker-registry || true)
[ -n "$REG" ] || skip "docker-registry is not installed (scripts/setup)"
command -v skopeo >/dev/null || skip "skopeo is not installed (scripts/setup)"
command -v openssl >/dev/null || skip "no openssl"
t_start=$(date +%s%N)

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$MOAT_WORK"
}
trap cleanup EXIT

wait_port() {   # PORT NAME LOG
    for _ in $(seq 100); do
        $PY -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "$2 did not start (log: $(tail -c 300 "$3"))"
}

# The token issuer's key and self-signed certificate (the registry's root).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=moat token issuer" \
    -keyout "$W/issuer.key" -out "$W/issuer.pem" 2>/dev/null || fail "openssl: issuer"

P_TOK=$(free_port); P_REG=$(free_port)
cat > "$W/token-server.py" <<'PYEOF'
# A Docker token server (distribution's token auth spec): GET /token with
# Basic credentials, ?service=&scope=...; answers {"token", "expires_in"}.
import base64, http.server, json, os, subprocess, sys, time, urllib.parse
port, key, cert, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
USER, PASSWORD = "moat", "s3cret"
der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                     capture_output=True).stdout
def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def sign(claims):
    head = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
    signing = b64u(json.dumps(head).encode()) + "." + b64u(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing.encode(),
                         check=True, capture_output=True).stdout
    return signing + "." + b64u(sig)
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(u.query)
        auth = self.headers.get("Authorization", "")
        user = None
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            if (user, pw) != (USER, PASSWORD):
                user = "!bad"
        with open(log, "a") as f:
            f.write(json.dumps({"path": u.path, "service": q.get("service", [""])[0],
                                "scope": q.get("scope", []), "user": user}) + "\n")
        # anonymous: a token that grants nothing (as public token servers do)
        if u.path != "/token" or user == "!bad":
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"details":"bad credentials"}')
            return
        access = []
        for s in (q.get("scope", []) if user else []):
            typ, name, actions = s.split(":", 2) if s.count(":") >= 2 else (s, "", "")
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        tok = sign({"iss": "moat-test-issuer", "sub": user or "", "aud": q["service"][0],
                    "exp": now + 300, "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(),
                    "access": access})
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        body = json.dumps({"token": tok, "expires_in": 300, "issued_at": issued}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        # the OAuth2 refresh-token grant (docker login's identity token)
        n = int(self.headers.get("Content-Length", "0"))
        f = urllib.parse.parse_qs(self.rfile.read(n).decode())
        get = lambda k: f.get(k, [""])[0]
        with open(log, "a") as lf:
            lf.write(json.dumps({"path": self.path, "method": "POST", "grant": get("grant_type"),
                                 "service": get("service"), "scope": f.get("scope", []),
                                 "user": "refresh:" + get("refresh_token")}) + "\n")
        if get("grant_type") != "refresh_token" or get("refresh_token") != "moat-refresh-1":
            self.send_response(401); self.send_header("Content-Length", "0"); self.end_headers()
            return
        now = int(time.time())
        access = []
        for s in f.get("scope", []):
            typ, name, actions = s.split(":", 2)
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
        tok = sign({"iss": "moat-test-issuer", "sub": USER, "aud": get("service"),
                    "exp": now + 300, "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(),
                    "access": access})
        body = json.dumps({"access_token": tok, "expires_in": 300,
                           "refresh_token": "moat-refresh-1"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PYEOF
$PY "$W/token-server.py" "$P_TOK" "$W/issuer.key" "$W/issuer.pem" "$W/tokens.jsonl" \
    >"$W/token-server.log" 2>&1 &
pids+=($!)
wait_port "$P_TOK" "token server" "$W/token-server.log"

mkdir -p "$W/store"
cat > "$W/reg.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $W/store
http:
  addr: 127.0.0.1:$P_REG
auth:
  token:
    realm: http://127.0.0.1:$P_TOK/token
    service: moat-registry
    issuer: moat-test-issuer
    rootcertbundle: $W/issuer.pem
YML
"$REG" serve "$W/reg.yml" >"$W/reg.log" 2>&1 &
pids+=($!)
wait_port "$P_REG" registry "$W/reg.log"
R=127.0.0.1:$P_REG

# A tiny image (one layer, one file): this test is about auth, not content.
$PY - "$W/tiny" <<'PYEOF' || fail "cannot build the tiny OCI image"
import gzip, hashlib, io, json, os, sys, tarfile
d = sys.argv[1]
os.makedirs(d + "/blobs/sha256")
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{d}/blobs/sha256/{h}", "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
    body = b"moat token test\n"
    ti = tarfile.TarInfo("etc/motd"); ti.size = len(body); ti.mtime = 1704153600
    t.addfile(ti, io.BytesIO(body))
layer = blob(gzip.compress(raw.getvalue(), mtime=0))
layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
cfg = blob(json.dumps({"architecture": "amd64", "os": "linux", "created": "2024-01-02T00:00:00Z",
                       "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()]},
                       "config": {}}).encode())
cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
man = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": cfg, "layers": [layer]}).encode())
man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
json.dump({"schemaVersion": 2, "manifests": [man]}, open(d + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(d + "/oci-layout", "w"))
PYEOF
skopeo copy -q --dest-tls-verify=false --dest-creds moat:s3cret \
    "oci:$W/tiny" "docker://$R/moat/app:1" >"$W/skopeo.log" 2>&1 ||
    fail "skopeo push through the token flow: $(tail -c 400 "$W/skopeo.log")"

ms() { echo $(( ($(date +%s%N) - t_start) / 1000000 )); }
note "registries up and the image pushed: $(ms) ms"
mkdir -p "$W/cfg-good" "$W/cfg-bad" "$W/cfg-none"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf moat:s3cret | base64)" > "$W/cfg-good/config.json"
printf '{"auths":{"%s":{"username":"moat","password":"wrong"}}}\n' "$R" > "$W/cfg-bad/config.json"
echo '{}' > "$W/cfg-none/config.json"
mkdir -p "$W/cfg-idtok" "$W/cfg-idbad"
printf '{"auths":{"%s":{"identitytoken":"moat-refresh-1"}}}\n' "$R" > "$W/cfg-idtok/config.json"
printf '{"auths":{"%s":{"identitytoken":"revoked"}}}\n' "$R" > "$W/cfg-idbad/config.json"

failures=()
refused() {   # NAME PATTERN...
    local n=$1; shift
    if [ "$RC" != 2 ]; then
        moat_err "$n"; failures+=("$n: $(describe_rc "$RC"), want exit 2"); return
    fi
    for p in "$@"; do
        grep -q -- "$p" "$W/$n.err" || { moat_err "$n"; failures+=("$n: message does not say '$p'"); }
    done
    note "$n: $(head -c 240 "$W/$n.err")"
}
# the token requests moat made since line N of the log
tokens_since() { tail -n "+$(( $1 + 1 ))" "$W/tokens.jsonl"; }

# 1. the right credentials
n0=$(wc -l < "$W/tokens.jsonl")
DOCKER_CONFIG=$W/cfg-good run_moat good scan --no-vuln --no-progress -f json "registry://$R/moat/app:1"
if [ "$RC" = 0 ]; then
    want=$(skopeo inspect --raw "oci:$W/tiny" | sha256sum | cut -d' ' -f1)
    got=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"]["manifest_digest"])' "$W/good.out")
    [ "$got" = "sha256:$want" ] || failures+=("good: scanned $got, pushed sha256:$want")
    note "good: $got read through a bearer token"
else
    moat_err good; failures+=("good: $(describe_rc "$RC")")
fi
note "scan done: $(ms) ms"
tokens_since "$n0" > "$W/good.tokens"
$PY - "$W/good.tokens" <<'PYEOF' || failures+=("good: token requests: $(cat "$W/good.tokens" | head -c 400)")
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert reqs, "no token request"
assert all(r["service"] == "moat-registry" and r["user"] == "moat" for r in reqs), reqs
scopes = [s for r in reqs for s in r["scope"]]
assert "repository:moat/app:pull" in scopes, scopes
assert not any("push" in s for s in scopes), scopes
assert len(reqs) == 1, f"{len(reqs)} token requests for one scope (no caching?)"
PYEOF

# 2. none and wrong
DOCKER_CONFIG=$W/cfg-none run_moat none scan --no-vuln --no-progress -f json "registry://$R/moat/app:1"
refused none "authentication required" "$R"
DOCKER_CONFIG=$W/cfg-bad run_moat bad scan --no-vuln --no-progress -f json "registry://$R/moat/app:1"
refused bad "authentication failed" "$R"

# an identity token (docker login's OAuth2 refresh token): the POST grant
n0=$(wc -l < "$W/tokens.jsonl")
DOCKER_CONFIG=$W/cfg-idtok run_moat idtok scan --no-vuln --no-progress -f json "registry://$R/moat/app:1"
[ "$RC" = 0 ] || { moat_err idtok; failures+=("idtok: $(describe_rc "$RC")"); }
tokens_since "$n0" | grep '"method": "POST"' | grep '"grant": "refresh_token"' |
    grep -q '"repository:moat/app:pull"' ||
    failures+=("idtok: no refresh_token grant: $(tokens_since "$n0" | head -c 300)")
DOCKER_CONFIG=$W/cfg-idbad run_moat idbad scan --no-vuln --no-progress -f json "registry://$R/moat/app:1"
refused idbad "identity token was refused" "$R"
note "refusals done: $(ms) ms"
# 3. moat registry scan: the catalog scope, then the repository's
n0=$(wc -l < "$W/tokens.jsonl")
DOCKER_CONFIG=$W/cfg-good run_moat rscan registry scan "$R" --repos 'moat/*' --no-vuln \
    --cache "$W/cache" --jobs 1
if [ "$RC" = 0 ]; then
    [ "$(wc -l < "$W/rscan.out")" = 1 ] && grep -q '"repo":"moat/app"' "$W/rscan.out" &&
        ! grep -q '"error"' "$W/rscan.out" || failures+=("rscan: $(head -c 300 "$W/rscan.out")")
else
    moat_err rscan; failures+=("rscan: $(describe_rc "$RC")")
fi
tokens_since "$n0" | grep -q '"registry:catalog:\*"' || failures+=("rscan: no registry:catalog:* token request")
tokens_since "$n0" | grep -q '"repository:moat/app:pull"' || failures+=("rscan: no pull token request")
DOCKER_CONFIG=$W/cfg-bad run_moat rscan-bad registry scan "$R" --no-vuln --cache "$W/cache-bad"
refused rscan-bad "authentication failed" "$R"

note "registry_token: $(ms) ms in all"
if [ ${#failures[@]} -gt 0 ]; then
    printf '%s\n' "${failures[@]}" >&2
    fail "${#failures[@]} bearer-token checks failed"
fi
pass "bearer-token auth: scan and registry scan with config.json credentials; none/wrong ones exit 2 naming the registry; pull-only scopes, one token per scope"
