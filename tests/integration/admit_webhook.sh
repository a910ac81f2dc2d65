#!/bin/bash
# `moat webhook` over TLS (a test CA made here with openssl), fed real
# AdmissionReview v1 documents built from kube-linter's check manifests
# (../shared/testdata/iac/kube-linter-checks), sent with curl.
#  1. docker-sock, privileged-container, host-pid, host-network and host-ipc:
#     each Deployment is denied exactly when kube-linter reports it (the
#     "dont-fire" objects pass), with the rule in status.message; the same
#     pod spec as a Pod, StatefulSet, DaemonSet, ReplicaSet, Job and CronJob
#     gets the same answer.
#  2. Alert-only rules (host_path on writable-host-mount) allow with warnings.
#  3. dryRun: answered, but no scan is queued; the same request without
#     dryRun queues one, and once it is in, the warning is gone.
#  4. TLS: a client trusting another CA cannot talk to it; a bad document is 400.
#  5. A pod whose image is only in a registry (docker-registry with Basic
#     auth, credentials from --registry-config; no engine) is scanned from
#     the registry and denied for its fixable vulnerabilities, by tag and by
#     digest; a missing repository is a scan error (denied, failure closed).
#     With no --policy (the built-in default) a privileged pod is denied and
#     an unscanned image allowed with a warning, scanned in the background,
#     then admitted without one. Under unscanned: block ("only images
#     scanned by moat and passing policy may run") with a match_labels
#     scope and failure: open: a pod outside the labels is not checked, an
#     unscanned image is denied until its scan is in, a failed scan is
#     allowed with a warning and "failed_open" in the audit line. A registry
#     that accepts connections and never answers: the tag's resolution gives
#     up within its 2.5 s budget and the pod is answered.
#  6. The manifest checks under the policy's comply.k8s section: a
#     privileged Pod is denied naming MOAT-K8S-001 and its YAML path when the
#     check is block, allowed with that warning when it is alert, allowed
#     without a word when it is off (the built-in rules are off here, so the
#     check alone decides); a wildcard ClusterRole gets its warning.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
command -v openssl >/dev/null || skip "no openssl"
command -v curl >/dev/null || skip "no curl"
IAC=$SHARED/iac/kube-linter-checks
[ -d "$IAC" ] || fail "no kube-linter manifests at $IAC"
$PY -c 'import yaml' 2>/dev/null || skip "python3-yaml missing"

cleanup() {
    rc=$?
    [ -n "${WPID:-}" ] && kill "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
    [ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
    [ -n "${BHPID:-}" ] && kill "$BHPID" 2>/dev/null
    [ -n "${CLEAN_IMG:-}" ] && docker rmi -f "$CLEAN_IMG" >/dev/null 2>&1
    rm -rf "$MOAT_WORK"
    exit $rc
}
trap cleanup EXIT

# Test CA and a server certificate for 127.0.0.1.
cd "$W"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=moat test CA" >/dev/null 2>&1 || fail "openssl: CA"
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
    -subj "/CN=another CA" >/dev/null 2>&1 || fail "openssl: other CA"
openssl req -newkey rsa:2048 -nodes -keyout tls.key -out tls.csr -subj "/CN=moat-webhook" \
    >/dev/null 2>&1 || fail "openssl: server key"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
openssl x509 -req -in tls.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out tls.pem -days 2 \
    -extfile san.ext >/dev/null 2>&1 || fail "openssl: server cert"
cd - >/dev/null

cat >"$W/policy.yaml" <<'EOT'
version: 1
rules:
  host_path: {action: alert, prefixes: [/config, /etc]}
scope:
  exclude_namespaces: [kube-system]
EOT

"$MOAT" webhook --listen 127.0.0.1:0 --tls-cert "$W/tls.pem" --tls-key "$W/tls.key" \
    --policy "$W/policy.yaml" --audit "$W/audit.jsonl" --state-dir "$W/state" \
    --db "$W/none.db" --ready-file "$W/ready" >"$W/webhook.out" 2>"$W/webhook.err" &
WPID=$!
for _ in $(seq 1 50); do [ -s "$W/ready" ] && break; sleep 0.2; done
[ -s "$W/ready" ] || { cat "$W/webhook.err" >&2; fail "moat webhook did not start"; }
port=$(sed -n 2p "$W/ready")
url=https://127.0.0.1:$port/validate

post() { # FILE -> response on stdout
    curl -sS --fail-with-body --max-time "${POST_MAX:-30}" --cacert "$W/ca.pem" -H 'Content-Type: application/json' \
        --data-binary "@$1" "$url"
}

# 4. TLS with the wrong CA fails; a non-AdmissionReview is a 400.
if curl -sS --max-time 10 --cacert "$W/other.pem" -d '{}' "$url" >/dev/null 2>"$W/badca.err"; then
    fail "a client trusting another CA got through"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$W/ca.pem" -d '{"kind":"Nope"}' "$url")
[ "$code" = 400 ] || fail "bad document: HTTP $code, want 400"

# 1 + 2. Reviews from the manifests, with what kube-linter expects.
$PY - "$IAC" "$W/reviews" <<'PY' || fail "cannot build AdmissionReviews"
import json, os, sys, yaml
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
checks = {"docker-sock": "engine_socket", "privileged-container": "privileged",
          "host-pid": "host_pid", "host-network": "host_network", "host-ipc": "host_ipc",
          "writable-host-mount": None}
wrap = {  # kind -> (apiVersion, function from a pod spec + template to the object's spec)
    "Pod": ("v1", lambda spec, t: spec),
    "StatefulSet": ("apps/v1", lambda spec, t: {"template": t}),
    "DaemonSet": ("apps/v1", lambda spec, t: {"template": t}),
    "ReplicaSet": ("apps/v1", lambda spec, t: {"template": t}),
    "Job": ("batch/v1", lambda spec, t: {"template": t}),
    "CronJob": ("batch/v1", lambda spec, t: {"schedule": "* * * * *",
                                             "jobTemplate": {"spec": {"template": t}}}),
}
cases = []
n = 0
for check, rule in checks.items():
    for doc in yaml.safe_load_all(open(os.path.join(src, check + ".yml"))):
        if not doc or doc.get("kind") != "Deployment":
            continue
        objs = [doc]
        t = doc["spec"]["template"]
        for kind, (api, f) in wrap.items():
            objs.append({"apiVersion": api, "kind": kind, "metadata": dict(doc["metadata"]),
                         "spec": f(t["spec"], t)})
        for obj in objs:
            n += 1
            group, _, version = obj["apiVersion"].rpartition("/")
            review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                      "request": {"uid": f"uid-{n}", "kind": {"group": group, "version": version,
                                  "kind": obj["kind"]}, "operation": "CREATE",
                                  "namespace": "default", "name": obj["metadata"]["name"],
                                  "object": obj, "dryRun": False}}
            path = os.path.join(out, f"{n:03d}.json")
            json.dump(review, open(path, "w"))
            cases.append({"file": path, "uid": f"uid-{n}", "check": check, "rule": rule,
                          "kind": obj["kind"], "deny": rule is not None and
                          obj["metadata"]["name"] != "dont-fire",
                          "warn": rule is None and obj["metadata"]["name"] != "dont-fire"})
json.dump(cases, open(os.path.join(out, "cases.json"), "w"))
PY

$PY - "$W/reviews/cases.json" "$W/ca.pem" "$url" \
    "$SHARED/iac/kube-linter-expected.jsonl" <<'PY' || fail "webhook answers differ (above)"
import json, subprocess, sys
cases = json.load(open(sys.argv[1]))
expected = {}
for line in open(sys.argv[4]):
    e = json.loads(line)
    expected[e["check"]] = sum(m.startswith("Deployment:") for m in e["expect_messages"])
bad, denied, warned = 0, {}, 0
for c in cases:
    r = subprocess.run(["curl", "-sS", "--max-time", "30", "--cacert", sys.argv[2],
                        "-H", "Content-Type: application/json", "--data-binary",
                        "@" + c["file"], sys.argv[3]], capture_output=True, text=True)
    try:
        resp = json.loads(r.stdout)["response"]
    except Exception:
        print(f"{c['file']}: bad answer {r.stdout[:200]!r} {r.stderr[:200]!r}", file=sys.stderr)
        bad += 1
        continue
    ok = resp["uid"] == c["uid"] and resp["allowed"] == (not c["deny"])
    if c["deny"]:
        msg = resp.get("status", {}).get("message", "")
        ok &= resp.get("status", {}).get("code") == 403 and c["rule"] + ":" in msg
        if c["kind"] == "Deployment":
            denied[c["check"]] = denied.get(c["check"], 0) + 1
    if c["warn"]:
        w = resp.get("warnings", [])
        ok &= any("host_path" in x and "/config" in x for x in w)
        warned += ok
    if not ok:
        bad += 1
        print(f"{c['check']} {c['kind']} {c['file']}: {json.dumps(resp)[:300]}", file=sys.stderr)
for check, n in denied.items():
    if expected.get(check) != n:
        bad += 1
        print(f"{check}: {n} Deployments denied, kube-linter reports {expected.get(check)}",
              file=sys.stderr)
print(f"admit_webhook: {len(cases)} reviews, {sum(c['deny'] for c in cases)} denied, "
      f"{warned} warned, {bad} wrong", file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Out of scope: kube-system is skipped (allowed, no evaluation).
$PY - "$W/reviews/001.json" "$W/ks.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["request"]["namespace"] = "kube-system"
r["request"]["object"]["spec"]["template"]["spec"]["hostPID"] = True
json.dump(r, open(sys.argv[2], "w"))
PY
post "$W/ks.json" | grep -q '"allowed":true' || fail "kube-system was not out of scope"

# 3. dryRun: needs an image the local engine holds (an empty one we import).
if [ "$(id -u)" = 0 ] && timeout 10 docker info >/dev/null 2>&1; then
    CLEAN_IMG=admission/webhook-empty:$$
    mkdir -p "$W/empty"; echo moat >"$W/empty/hello"
    tar -C "$W/empty" -cf "$W/empty.tar" .
    docker import "$W/empty.tar" "$CLEAN_IMG" >/dev/null || fail "docker import"
    pod() { # DRYRUN FILE
        $PY - "$1" "$CLEAN_IMG" "$2" <<'PY'
import json, sys
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "dry", "namespace": "default"},
       "spec": {"containers": [{"name": "c", "image": sys.argv[2]}]}}
json.dump({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
           "request": {"uid": "dry-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                       "operation": "CREATE", "namespace": "default", "object": pod,
                       "dryRun": sys.argv[1] == "true"}}, open(sys.argv[3], "w"))
PY
    }
    pod true "$W/dry.json"; pod false "$W/wet.json"
    post "$W/dry.json" >"$W/dry.out" || fail "dry run request failed"
    grep -q '"allowed":true' "$W/dry.out" && grep -q 'not been scanned' "$W/dry.out" ||
        fail "dry run answer: $(cat "$W/dry.out")"
    sleep 2
    [ -z "$(ls "$W/state/verdicts" 2>/dev/null)" ] || fail "a dry run queued a scan"
    grep -q '"dry_run":true' "$W/audit.jsonl" || fail "dry run not marked in the audit log"
    post "$W/wet.json" >/dev/null || fail "request failed"
    for _ in $(seq 1 120); do [ -n "$(ls "$W/state/verdicts")" ] && break; sleep 0.5; done
    [ -n "$(ls "$W/state/verdicts")" ] || { tail -5 "$W/webhook.err" >&2; fail "no scan after a real request"; }
    post "$W/wet.json" >"$W/wet.out"
    grep -q 'not been scanned' "$W/wet.out" && fail "still unscanned after the scan: $(cat "$W/wet.out")"
    note "dry run queued no scan; the real request did, and the warning went away"
else
    note "dry run scan check skipped (needs root and the Docker engine)"
fi

lines=$(wc -l <"$W/audit.jsonl")
[ "$lines" -ge 40 ] || fail "only $lines audit lines"
kill "$WPID"; wait "$WPID" || fail "moat webhook exited $? on SIGTERM"
WPID=

# 5. Images from a registry, no engine: a real docker-registry (htpasswd
# Basic auth) holding the Debian sample image (fixable vulnerabilities);
# the webhook reads credentials from --registry-config and scans
# registry://, synchronously here so the first answer carries the verdict.
REG=$(command -v docker-registry || true)
if [ -n "$REG" ] && command -v skopeo >/dev/null && command -v htpasswd >/dev/null; then
    t0=$(date +%s%N)
    sample_image
    P_REG=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    htpasswd -Bbn moat s3cret >"$W/htpasswd" 2>/dev/null
    mkdir -p "$W/regstore"
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\nauth:\n  htpasswd:\n    realm: moat\n    path: %s\n' \
        "$W/regstore" "$P_REG" "$W/htpasswd" >"$W/reg.yml"
    "$REG" serve "$W/reg.yml" >"$W/reg.log" 2>&1 &
    RPID=$!
    for _ in $(seq 100); do
        $PY -c "import socket; socket.create_connection(('127.0.0.1',$P_REG),1)" 2>/dev/null && break
        sleep 0.1
    done
    R=127.0.0.1:$P_REG
    skopeo copy -q --dest-tls-verify=false --dest-creds moat:s3cret \
        "oci:$SAMPLE/app-oci" "docker://$R/moat/app:1" >"$W/skopeo.log" 2>&1 ||
        fail "skopeo push: $(tail -c 300 "$W/skopeo.log")"
    run_moat db db build --from "$SHARED/vulndb/debian-tracker-bookworm.json" -o "$W/vuln.db"
    [ "$RC" = 0 ] || { moat_err db; fail "moat db build: $(describe_rc "$RC")"; }
    mkdir -p "$W/regcfg"
    printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$R" "$(printf moat:s3cret | base64)" >"$W/regcfg/config.json"
    printf 'fail_on_fixable: true\nadmission:\n  scan: sync\n  scan_timeout: 120\n' >"$W/vpolicy.yaml"
    rm -f "$W/ready"
    # no engine: --docker-host names a socket that does not exist
    "$MOAT" webhook --listen 127.0.0.1:0 --tls-cert "$W/tls.pem" --tls-key "$W/tls.key" \
        --policy "$W/vpolicy.yaml" --state-dir "$W/state2" --db "$W/vuln.db" \
        --docker-host "$W/no-engine.sock" --registry-config "$W/regcfg" --tag-ttl 1 \
        --ready-file "$W/ready" >"$W/webhook2.out" 2>"$W/webhook2.err" &
    WPID=$!
    for _ in $(seq 1 50); do [ -s "$W/ready" ] && break; sleep 0.2; done
    [ -s "$W/ready" ] || { cat "$W/webhook2.err" >&2; fail "moat webhook (registry) did not start"; }
    url=https://127.0.0.1:$(sed -n 2p "$W/ready")/validate
    # the webhook may hold a request for its scan_timeout (120 s); an ASan
    # scan of the sample image takes 35 s on the loaded 2-core machine
    POST_MAX=130
    regpod() { # IMAGE FILE [TEAM-LABEL [priv]]
        $PY - "$@" <<'PY'
import json, sys
c = {"name": "app", "image": sys.argv[1]}
if sys.argv[4:5] == ["priv"]:
    c["securityContext"] = {"privileged": True}
meta = {"name": "reg", "namespace": "default"}
if sys.argv[3:4] and sys.argv[3]:
    meta["labels"] = {"team": sys.argv[3]}
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [c]}}
json.dump({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
           "request": {"uid": "reg-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                       "operation": "CREATE", "namespace": "default", "object": pod}},
          open(sys.argv[2], "w"))
PY
    }
    regpod "$R/moat/app:1" "$W/reg.json"
    post "$W/reg.json" >"$W/reg.out" || fail "registry pod request failed"
    grep -q '"allowed":false' "$W/reg.out" && grep -q 'vulnerabilities: image' "$W/reg.out" &&
        grep -q 'fixed in' "$W/reg.out" ||
        fail "registry image not denied for its vulnerabilities: $(head -c 600 "$W/reg.out")"
    note "registry image denied: $(grep -o 'vulnerabilities: [^"]*' "$W/reg.out" | head -c 200)"
    # by digest: the same image, its own verdict key, the same answer
    dig=$(skopeo inspect --tls-verify=false --creds moat:s3cret "docker://$R/moat/app:1" |
          $PY -c 'import json,sys; print(json.load(sys.stdin)["Digest"])')
    regpod "$R/moat/app@$dig" "$W/regd.json"
    post "$W/regd.json" | grep -q 'vulnerabilities: image' ||
        fail "registry image by digest not denied"
    # the tag was resolved at the registry: one verdict, kept under the digest
    keys() { cat "$W"/state2/verdicts/* 2>/dev/null | $PY -c 'import json,sys
print(" ".join(sorted({json.loads(l)["key"] for l in sys.stdin.read().replace("}{", "}\n{").splitlines() if l.strip()})))'; }
    [ "$(keys)" = "$R/moat/app@$dig" ] || fail "verdict keys after the tag and its digest: '$(keys)', want $R/moat/app@$dig"
    # the tag moves to a clean image: the same reference is scanned again and
    # admitted, not answered from the old image's verdict
    $PY - "$W/clean-oci" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
d = sys.argv[1]; os.makedirs(f"{d}/blobs/sha256", exist_ok=True)
def blob(b):
    h = hashlib.sha256(b).hexdigest(); open(f"{d}/blobs/sha256/{h}", "wb").write(b); return "sha256:" + h, len(b)
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w") as t:
    data = b"moat\n"; ti = tarfile.TarInfo("hello"); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
diff = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
layer, llen = blob(gzip.compress(raw.getvalue(), mtime=0))
cfg, clen = blob(json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                             "rootfs": {"type": "layers", "diff_ids": [diff]}}).encode())
man, mlen = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": clen},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": llen}]}).encode())
open(f"{d}/oci-layout", "w").write('{"imageLayoutVersion": "1.0.0"}')
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": man, "size": mlen, "annotations": {"org.opencontainers.image.ref.name": "clean"}}]},
          open(f"{d}/index.json", "w"))
PY
    skopeo copy -q --dest-tls-verify=false --dest-creds moat:s3cret "oci:$W/clean-oci:clean" \
        "docker://$R/moat/app:1" >"$W/skopeo2.log" 2>&1 || fail "skopeo push (clean): $(tail -c 300 "$W/skopeo2.log")"
    sleep 1.2   # --tag-ttl 1
    post "$W/reg.json" >"$W/reg2.out" || fail "registry pod request (moved tag) failed"
    grep -q '"allowed":true' "$W/reg2.out" ||
        fail "the tag moved to a clean image but the old verdict answered: $(head -c 400 "$W/reg2.out")"
    [ "$(keys | wc -w)" = 2 ] || fail "verdict keys after the tag moved: '$(keys)'"
    # a repository the registry does not have: a scan error, denied (failure: closed)
    regpod "$R/moat/nope:1" "$W/regn.json"
    post "$W/regn.json" >"$W/regn.out"
    grep -q '"allowed":false' "$W/regn.out" && grep -q 'scan_error' "$W/regn.out" ||
        fail "missing registry image: $(head -c 400 "$W/regn.out")"
    kill "$WPID"; wait "$WPID" || fail "moat webhook (registry) exited $? on SIGTERM"
    WPID=
    note "registry images: $(( ($(date +%s%N) - t0) / 1000000 )) ms"

    # 5b. The built-in policy (no --policy), "only images scanned by moat and
    # passing policy may run" with a label selector and failure: open, and a
    # registry that never answers. The clean image under a tag of its own.
    t5=$(date +%s%N)
    skopeo copy -q --dest-tls-verify=false --dest-creds moat:s3cret "oci:$W/clean-oci:clean" \
        "docker://$R/moat/clean:1" >"$W/skopeo3.log" 2>&1 || fail "skopeo push (clean:1): $(tail -c 300 "$W/skopeo3.log")"
    start_hook() { # NAME [moat webhook args]: sets url
        local name=$1; shift
        rm -f "$W/ready"
        "$MOAT" webhook --listen 127.0.0.1:0 --tls-cert "$W/tls.pem" --tls-key "$W/tls.key" \
            --state-dir "$W/state-$name" --db "$W/none.db" --docker-host "$W/no-engine.sock" \
            --registry-config "$W/regcfg" --audit "$W/audit-$name.jsonl" --ready-file "$W/ready" \
            "$@" >"$W/webhook-$name.out" 2>"$W/webhook-$name.err" &
        WPID=$!
        for _ in $(seq 1 50); do [ -s "$W/ready" ] && break; sleep 0.1; done
        [ -s "$W/ready" ] || { cat "$W/webhook-$name.err" >&2; fail "moat webhook ($name) did not start"; }
        url=https://127.0.0.1:$(sed -n 2p "$W/ready")/validate
    }
    stop_hook() {
        kill "$WPID"; wait "$WPID" || fail "moat webhook ($1) exited $? on SIGTERM"
        WPID=
    }
    until_answer() { # FILE OUT PATTERN: post until the answer matches (30 s)
        for _ in $(seq 1 60); do
            post "$1" >"$2" 2>/dev/null && grep -q "$3" "$2" && return 0
            sleep 0.5
        done
        return 1
    }
    regpod "$R/moat/clean:1" "$W/clean.json"
    regpod "$R/moat/clean:1" "$W/cpriv.json" "" priv
    start_hook default
    post "$W/clean.json" >"$W/def1.out" || fail "default policy: request failed"
    grep -q '"allowed":true' "$W/def1.out" && grep -q 'unscanned (container app): image .* has not been scanned' "$W/def1.out" ||
        fail "default policy: an unscanned image is not allowed with a warning: $(head -c 400 "$W/def1.out")"
    post "$W/cpriv.json" >"$W/def2.out"
    grep -q '"allowed":false' "$W/def2.out" && grep -q 'privileged: privileged container' "$W/def2.out" ||
        fail "default policy: privileged pod: $(head -c 400 "$W/def2.out")"
    scanned() { grep -q '"allowed":true' "$W/def3.out" && ! grep -q 'not been scanned' "$W/def3.out"; }
    for _ in $(seq 1 60); do
        post "$W/clean.json" >"$W/def3.out" 2>/dev/null; scanned && break; sleep 0.5
    done
    scanned || fail "default policy: the background scan did not clear the warning: $(head -c 400 "$W/def3.out")"
    stop_hook default

    printf 'scope:\n  match_labels: {team: pay}\nrules:\n  unscanned: block\nadmission:\n  failure: open\n' >"$W/gate.yaml"
    regpod "$R/moat/clean:1" "$W/gclean.json" pay
    regpod "$R/moat/clean:1" "$W/gpriv-web.json" web priv
    regpod "$R/moat/clean:1" "$W/gpriv-pay.json" pay priv
    regpod "$R/moat/nope:1" "$W/gnope.json" pay
    start_hook gate --policy "$W/gate.yaml" --scan-workers 2
    post "$W/gpriv-web.json" | grep -q '"allowed":true' ||
        fail "label selector: a pod without team=pay was checked"
    post "$W/gclean.json" >"$W/g1.out"
    grep -q '"allowed":false' "$W/g1.out" && grep -q 'unscanned: image .* has not been scanned' "$W/g1.out" ||
        fail "unscanned: block: an unscanned image was not denied: $(head -c 400 "$W/g1.out")"
    post "$W/gnope.json" >/dev/null     # its scan (which fails) runs beside clean:1's
    post "$W/gpriv-pay.json" | grep -q '"allowed":false.*privileged' ||
        fail "label selector: a privileged team=pay pod was allowed"
    until_answer "$W/gclean.json" "$W/g2.out" '"allowed":true' ||
        fail "unscanned: block: still denied after its scan: $(head -c 400 "$W/g2.out")"
    # a scan that fails (no such repository) under failure: open: allowed, said, audited
    until_answer "$W/gnope.json" "$W/g3.out" '"allowed":true' && grep -q 'failure mode open' "$W/g3.out" ||
        fail "failure: open: a failed scan: $(head -c 400 "$W/g3.out")"
    grep -q '"failed_open":true' "$W/audit-gate.jsonl" || fail "failure: open not in the audit log"
    stop_hook gate

    # a registry that accepts connections and never answers: the tag's
    # resolution gives up within its budget (2.5 s), the pod is answered
    BH=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    $PY -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); time.sleep(120)' "$BH" >/dev/null 2>&1 &
    BHPID=$!
    printf 'admission:\n  scan: none\n' >"$W/noscan.yaml"
    regpod "127.0.0.1:$BH/moat/app:1" "$W/bh.json"
    start_hook blackhole --policy "$W/noscan.yaml"
    tb=$(date +%s%N)
    post "$W/bh.json" >"$W/bh.out" || fail "blackholed registry: request failed"
    ms=$(( ($(date +%s%N) - tb) / 1000000 ))
    kill "$BHPID" 2>/dev/null; wait "$BHPID" 2>/dev/null || true; BHPID=
    grep -q '"allowed":true' "$W/bh.out" || fail "blackholed registry: $(head -c 300 "$W/bh.out")"
    [ "$ms" -lt 5000 ] || fail "blackholed registry: the answer took $ms ms (budget 2500 ms)"
    note "blackholed registry: answered in $ms ms"
    stop_hook blackhole
    note "default policy, unscanned: block, labels, failure open, blackhole: $(( ($(date +%s%N) - t5) / 1000000 )) ms"
    kill "$RPID"; wait "$RPID" 2>/dev/null || true; RPID=
    POST_MAX=30
else
    note "registry image check skipped (docker-registry, skopeo, htpasswd: scripts/setup)"
fi
# 6. comply.k8s in admission: the same privileged Pod under block, alert and off.
t6=$(date +%s%N)
$PY - "$W" <<'PY'
import json, sys
w = sys.argv[1]
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "priv", "namespace": "shop"},
       "spec": {"containers": [{"name": "app", "image": "reg.example/app:1",
                                "securityContext": {"privileged": True}}]}}
role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "all"}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
for name, obj, group in (("priv", pod, ""), ("role", role, "rbac.authorization.k8s.io")):
    json.dump({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
               "request": {"uid": "c-" + name, "kind": {"group": group, "version": "v1", "kind": obj["kind"]},
                           "operation": "CREATE", "namespace": "shop", "object": obj}},
              open(f"{w}/{name}-review.json", "w"))
PY
for act in block alert off; do
    printf 'rules: {privileged: off, unscanned: off}\ncomply:\n  k8s:\n    default: off\n    checks: {MOAT-K8S-001: %s, MOAT-K8S-060: alert}\n' \
        "$act" >"$W/comply-$act.yaml"
    rm -f "$W/ready"
    "$MOAT" webhook --listen 127.0.0.1:0 --tls-cert "$W/tls.pem" --tls-key "$W/tls.key" \
        --policy "$W/comply-$act.yaml" --state-dir "$W/state-$act" --db "$W/none.db" \
        --ready-file "$W/ready" >"$W/webhook-$act.out" 2>"$W/webhook-$act.err" &
    WPID=$!
    for _ in $(seq 1 50); do [ -s "$W/ready" ] && break; sleep 0.1; done
    [ -s "$W/ready" ] || { cat "$W/webhook-$act.err" >&2; fail "moat webhook ($act) did not start"; }
    url=https://127.0.0.1:$(sed -n 2p "$W/ready")/validate
    post "$W/priv-review.json" >"$W/priv-$act.out" || fail "comply $act: request failed"
    post "$W/role-review.json" >"$W/role-$act.out" || fail "comply $act: role request failed"
    kill "$WPID"; wait "$WPID" || fail "moat webhook ($act) exited $? on SIGTERM"
    WPID=
done
$PY - "$W" <<'PY' || fail "comply.k8s in admission: wrong answers (above)"
import json, sys
w = sys.argv[1]
def resp(name):
    return json.load(open(f"{w}/{name}.out"))["response"]
b, a, o = resp("priv-block"), resp("priv-alert"), resp("priv-off")
path = "spec.containers[0].securityContext.privileged"
msg = b.get("status", {}).get("message", "")
assert b["allowed"] is False and b["status"]["code"] == 403, b
assert "MOAT-K8S-001: " + path in msg, msg
assert a["allowed"] is True and "status" not in a, a
assert any(x.startswith("moat: MOAT-K8S-001: " + path) for x in a.get("warnings", [])), a
assert o["allowed"] is True and not o.get("warnings"), o
for act in ("block", "alert", "off"):
    r = resp("role-" + act)
    assert r["allowed"] is True and any("MOAT-K8S-060" in x for x in r.get("warnings", [])), (act, r)
print("comply.k8s in admission: block denied (%s), alert warned, off silent" % msg[:90])
PY
# a check id the webhook does not have: it refuses to start (a typo never weakens a policy)
printf 'comply:\n  k8s:\n    checks: {MOAT-K8S-0001: block}\n' >"$W/comply-typo.yaml"
rc=0; "$MOAT" webhook --listen 127.0.0.1:0 --tls-cert "$W/tls.pem" --tls-key "$W/tls.key" \
    --policy "$W/comply-typo.yaml" --state-dir "$W/state-typo" 2>"$W/typo.err" || rc=$?
[ "$rc" = 2 ] && grep -q "unknown check 'MOAT-K8S-0001'" "$W/typo.err" ||
    fail "webhook with an unknown comply.k8s check: exit $rc, $(cat "$W/typo.err")"
note "comply.k8s in admission: $(( ($(date +%s%N) - t6) / 1000000 )) ms"
pass "kube-linter manifests x 7 kinds over TLS agree; warnings, scope, dryRun; $lines audit lines; comply.k8s block/alert/off; registry images scanned without an engine"
