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
#  2. No credentials and wrong ones exit 2 naming the registry.
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
sample_image
t_start=$(date +%s%N)

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$MOAT_WORK"
}
trap cleanup EXIT

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
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
        if u.path != "/token" or user is None or user == "!bad":
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"details":"bad credentials"}')
            return
        access = []
        for s in q.get("scope", []):
            typ, name, actions = s.split(":", 2) if s.count(":") >= 2 else (s, "", "")
            access.append({"type": typ, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        tok = sign({"iss": "moat-test-issuer", "sub": user, "aud": q["service"][0],
                    "exp": now + 300, "nbf": now - 10, "iat": now, "jti": os.urandom(8).hex(),
                    "access": access})
        body = json.dumps({"token": tok, "expires_in": 300, "issued_at": "now"}).encode()
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

skopeo copy -q --dest-tls-verify=false --dest-creds moat:s3cret \
    "docker-archive:$SAMPLE/app.tar" "docker://$R/moat/app:1" >"$W/skopeo.log" 2>&1 ||
    fail "skopeo push through the token flow: $(tail -c 400 "$W/skopeo.log")"

mkdir -p "$W/cfg-good" "$W/cfg-bad" "$W/cfg-none"
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf moat:s3cret | base64)" > "$W/cfg-good/config.json"
printf '{"auths":{"%s":{"username":"moat","password":"wrong"}}}\n' "$R" > "$W/cfg-bad/config.json"
echo '{}' > "$W/cfg-none/config.json"

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
    npk=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$W/good.out")
    [ "$npk" -gt 50 ] || failures+=("good: only $npk packages")
    note "good: $npk packages through a bearer token"
else
    moat_err good; failures+=("good: $(describe_rc "$RC")")
fi
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

note "registry_token: $(( ($(date +%s%N) - t_start) / 1000000 )) ms after the sample image was ready"
if [ ${#failures[@]} -gt 0 ]; then
    printf '%s\n' "${failures[@]}" >&2
    fail "${#failures[@]} bearer-token checks failed"
fi
pass "bearer-token auth: scan and registry scan with config.json credentials; none/wrong ones exit 2 naming the registry; pull-only scopes, one token per scope"
