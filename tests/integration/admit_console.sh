#!/bin/bash
# The console's admission policies enforced by `moat webhook --console`: the
# real console (SQLite) and the real webhook on loopback, policies made
# through the console's API.
#  1. a local policy that lets privileged pods in; an admission policy
#     deny_privileged (mode block, scope namespace prod) made in the console
#     denies a privileged pod in prod within the pull interval (1 s here),
#     not one in dev; disabled, the pod is allowed again; the same with a
#     compliance policy (benchmark k8s, check MOAT-K8S-001);
#  2. a trusted-images policy denies an image from an untrusted registry and
#     admits one from the trusted registry; at mode alert it warns only;
#     `moat authz --console` denies the untrusted pull and create too;
#  3. a policy the webhook cannot read (a label scope without "=") is
#     logged and leaves the last good set in force;
#  4. with the console stopped, a restarted webhook enforces the cached set
#     (and, the console back with a set it cannot read, says so: source
#     cache, the new set as last_error); a cache it cannot read stops its
#     start (exit 2).
# Throughout, the heartbeats (GET /admission-controllers): the webhook and
# the authz plugin listed with their kind and node, online, the console
# policies each has in force (the set changes with an edit), from the
# console and in sync, their decisions; the unreadable policy is the
# webhook's last_error while the old set stays in force; the stopped authz
# plugin goes offline.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
command -v curl >/dev/null || fail "curl is not installed"
WH_PID= AZ_PID=
cleanup() {
    if [ -n "$WH_PID" ]; then kill -KILL "$WH_PID" 2>/dev/null || true; fi
    if [ -n "$AZ_PID" ]; then kill -KILL "$AZ_PID" 2>/dev/null || true; fi
    stop_console
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT
t0=$(date +%s%N)

start_console
console_token defender gate >"$W/gate.token" || fail "token create failed"

api() { console_api "$@"; }
policy() { console_policy "$@"; }

# a local policy that admits privileged pods: only the console's can deny them
cat >"$W/policy.yaml" <<'EOT'
admission: {scan: none}
rules:
  privileged: off
  unscanned: off
EOT
webhook_up() {
    rm -f "$W/wh.ready"
    "$MOAT" webhook --listen 127.0.0.1:0 --insecure-listen --policy "$W/policy.yaml" \
        --state-dir "$W/adm" --console "$URL" --token-file "$W/gate.token" \
        --console-interval 1 --ready-file "$W/wh.ready" >/dev/null 2>>"$W/webhook.err" &
    WH_PID=$!
    for _ in $(seq 1 100); do [ -s "$W/wh.ready" ] && break; sleep 0.1; done
    [ -s "$W/wh.ready" ] || { cat "$W/webhook.err" >&2; fail "moat webhook did not start"; }
    WH=http://127.0.0.1:$(sed -n 2p "$W/wh.ready")/validate
}
review() { # NAMESPACE IMAGE PRIVILEGED(True|False) -> the AdmissionReview answer's response
    $PY - "$1" "$2" "$3" >"$W/review.json" <<'PY'
import json, sys
ns, image, priv = sys.argv[1], sys.argv[2], sys.argv[3] == "True"
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": ns},
       "spec": {"containers": [{"name": "c", "image": image,
                                "securityContext": {"privileged": priv}}]}}
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                  "request": {"uid": "u-1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                              "operation": "CREATE", "namespace": ns, "object": pod}}))
PY
    curl -s --max-time 10 --data-binary "@$W/review.json" -H 'Content-Type: application/json' \
        "$WH" >"$W/review.out"
    $PY -c 'import json,sys
r = json.load(open(sys.argv[1]))["response"]
print("allowed" if r["allowed"] else "denied", r.get("status", {}).get("message", ""),
      " | ".join(r.get("warnings") or []))' "$W/review.out"
}
until_answer() { # WANT(allowed|denied) NAMESPACE IMAGE PRIV -> ms it took (fails after 10 s)
    local t=$(date +%s%N)
    for _ in $(seq 1 100); do
        review "$2" "$3" "$4" >"$W/ans.txt"
        if grep -q "^$1" "$W/ans.txt"; then echo $(( ($(date +%s%N) - t) / 1000000 )); return 0; fi
        sleep 0.1
    done
    fail "not $1 within 10 s ($2 $3 privileged=$4): $(cat "$W/ans.txt"); webhook: $(tail -n 3 "$W/webhook.err")"
}

# until_controller KIND PYTHON-CONDITION(a: the controller) WHAT: waits up to 10 s
# for GET /admission-controllers to show it (its row in $W/ctl.json)
until_controller() {
    local tc=$(date +%s%N)
    for _ in $(seq 1 100); do
        curl -s -H "Authorization: Bearer $READ" "$URL/api/v1/admission-controllers" >"$W/ctls.json"
        if $PY - "$W/ctls.json" "$1" "$(hostname)" "$2" >"$W/ctl.json" 2>/dev/null <<'PY'
import json, sys
rows = [a for a in json.load(open(sys.argv[1]))["admission_controllers"]
        if a["kind"] == sys.argv[2] and a["node"] == sys.argv[3]]
a = rows[0] if rows else sys.exit(1)
h = a.get("health") or {}
ps = h.get("policy_set") or {}
names = sorted(p.get("name") for p in ps.get("policies") or [])
dec = h.get("decisions") or {}
if not eval(sys.argv[4]): sys.exit(1)
print(json.dumps(a))
PY
        then
            note "heartbeat: $1 $3 after $(( ($(date +%s%N) - tc) / 1000000 )) ms"
            return 0
        fi
        sleep 0.1
    done
    fail "admission controller $1: not $3 within 10 s: $(cat "$W/ctls.json")"
}

webhook_up
review prod reg.example.com/app:1 True | grep -q '^allowed' ||
    fail "the local policy should admit a privileged pod: $(cat "$W/review.out")"
until_controller webhook 'a["status"] == "online" and ps.get("source") == "console" and names == [] and a["in_sync"] and a["name"] == "token:gate" and ps["local"]["origin"].endswith("policy.yaml") and len(ps["local"]["sha256"]) >= 64 and dec.get("allowed", 0) >= 1' \
    "online, no console policy in force, its local policy's hash, one pod allowed"

# 1. deny_privileged, mode block, in prod only
PID_PRIV=$(policy '{"kind":"admission","name":"no privileged in prod","mode":"block","rules":{"deny_privileged":true,"scope":{"namespaces":["prod"]}}}')
ms=$(until_answer denied prod reg.example.com/app:1 True)
grep -q 'privileged: privileged container (console policy no privileged in prod' "$W/ans.txt" ||
    fail "the denial names no rule or console policy: $(cat "$W/ans.txt")"
review dev reg.example.com/app:1 True | grep -q '^allowed' ||
    fail "the policy's namespace scope was not honoured: $(cat "$W/review.out")"
note "console admission policy deny_privileged (block, scope prod) in force after $ms ms; dev still admitted"
until_controller webhook 'names == ["no privileged in prod"] and a["in_sync"] and ps["source"] == "console" and dec.get("denied", 0) >= 1' \
    "with [no privileged in prod] in force and a denial counted"
[ "$(api PUT "/policies/$PID_PRIV" '{"enabled":false}')" = 200 ] || fail "PUT: $(cat "$W/body")"
ms=$(until_answer allowed prod reg.example.com/app:1 True)
note "disabled in the console: admitted again after $ms ms"
until_controller webhook 'names == [] and a["in_sync"]' "with the disabled policy out of its set"
# 1b. a compliance policy (benchmark k8s) is the same gate as `moat comply k8s --console`
PID_CMP=$(policy '{"kind":"compliance","name":"cis privileged","mode":"block","rules":{"benchmark":"k8s","checks":["MOAT-K8S-001"],"scope":{"namespaces":["prod"]}}}')
ms=$(until_answer denied prod reg.example.com/app:1 True)
grep -q 'MOAT-K8S-001: spec.containers\[0\].securityContext.privileged.*(console policy cis privileged' "$W/ans.txt" ||
    fail "the compliance denial names no check or console policy: $(cat "$W/ans.txt")"
review dev reg.example.com/app:1 True | grep -q '^allowed' ||
    fail "the compliance policy's namespace scope was not honoured: $(cat "$W/review.out")"
[ "$(api PUT "/policies/$PID_CMP" '{"enabled":false}')" = 200 ] || fail "PUT: $(cat "$W/body")"
until_answer allowed prod reg.example.com/app:1 True >/dev/null
note "console compliance policy MOAT-K8S-001 (block, scope prod): denied after $ms ms; dev admitted"

# 2. trusted images
PID_TRUST=$(policy '{"kind":"trusted-images","name":"ours only","mode":"block","rules":{"allow":["registry.example.com","ghcr.io/acme/*"]}}')
ms=$(until_answer denied prod evil.example.net/miner:1 False)
grep -q 'trusted_images: image evil.example.net/miner:1 is not from a trusted' "$W/ans.txt" ||
    fail "trusted-images denial: $(cat "$W/ans.txt")"
review prod registry.example.com/app:1 False | grep -q '^allowed' ||
    fail "an image from the trusted registry was denied: $(cat "$W/review.out")"
review prod ghcr.io/acme/web:2 False | grep -q '^allowed' ||
    fail "an image under a trusted glob was denied: $(cat "$W/review.out")"
note "trusted-images (block): untrusted registry denied after $ms ms, trusted registry and glob admitted"
[ "$(api PUT "/policies/$PID_TRUST" '{"mode":"alert"}')" = 200 ] || fail "PUT: $(cat "$W/body")"
ms=$(until_answer allowed prod evil.example.net/miner:1 False)
grep -q 'trusted_images' "$W/ans.txt" || fail "mode alert gave no warning: $(cat "$W/ans.txt")"
[ "$(api PUT "/policies/$PID_TRUST" '{"mode":"block"}')" = 200 ] || fail "PUT: $(cat "$W/body")"
until_answer denied prod evil.example.net/miner:1 False >/dev/null
note "mode alert: admitted with the warning after $ms ms; back to block"

# 2b. moat authz (the Docker plugin) enforces the same set: a pull and a create
"$MOAT" authz --socket "$W/authz.sock" --policy "$W/policy.yaml" --state-dir "$W/adm-authz" \
    --docker-host "$W/no-engine.sock" --console "$URL" --token-file "$W/gate.token" \
    --console-interval 1 --ready-file "$W/authz.ready" >/dev/null 2>"$W/authz.err" &
AZ_PID=$!
for _ in $(seq 1 100); do [ -s "$W/authz.ready" ] && break; sleep 0.1; done
[ -s "$W/authz.ready" ] || { cat "$W/authz.err" >&2; fail "moat authz did not start"; }
authz() { # URI [BODY-JSON] -> the plugin's answer
    local body=''
    [ -n "${2:-}" ] && body=",\"RequestBody\":\"$(printf '%s' "$2" | base64 -w0)\""
    curl -s --max-time 10 --unix-socket "$W/authz.sock" -H 'Content-Type: application/json' \
        --data "{\"User\":\"\",\"RequestMethod\":\"POST\",\"RequestUri\":\"$1\"$body}" \
        http://plugin/AuthZPlugin.AuthZReq
}
# its first pull runs as it starts: give it up to 5 s
for _ in $(seq 1 50); do
    authz "/v1.43/images/create?fromImage=evil.example.net/miner&tag=1" | grep -q '"Allow":false' && break
    sleep 0.1
done
authz "/v1.43/images/create?fromImage=evil.example.net/miner&tag=1" | grep -q '"Allow":false.*console policy ours only' ||
    fail "authz: the untrusted pull was not denied: $(authz "/v1.43/images/create?fromImage=evil.example.net/miner&tag=1")"
authz "/v1.43/images/create?fromImage=registry.example.com/app&tag=1" | grep -q '"Allow":true' ||
    fail "authz: a trusted pull was denied"
authz /v1.43/containers/create '{"Image":"evil.example.net/miner:1","HostConfig":{}}' |
    grep -q '"Allow":false.*trusted_images' || fail "authz: the untrusted create was not denied"
until_controller authz 'a["status"] == "online" and names == ["ours only"] and dec.get("denied", 0) >= 2 and dec.get("allowed", 0) >= 1' \
    "listed with [ours only] in force, 2 denials and an allow"
kill -TERM "$AZ_PID"; wait "$AZ_PID" || true; AZ_PID=
note "moat authz --console: untrusted pull and create denied, trusted pull allowed; listed as an admission controller"

# 3. a policy the webhook cannot read keeps the last good set
PID_BAD=$(policy '{"kind":"admission","name":"bad labels","mode":"block","rules":{"deny_root":true,"scope":{"labels":["team"]}}}')
for _ in $(seq 1 50); do grep -q 'not applied' "$W/webhook.err" && break; sleep 0.1; done
grep -q 'bad labels.*scope.labels.*the last good one stays in force' "$W/webhook.err" ||
    fail "an unreadable console policy was not logged: $(tail -n 3 "$W/webhook.err")"
review prod evil.example.net/miner:1 False | grep -q '^denied' ||
    fail "the last good set is not in force: $(cat "$W/review.out")"
until_controller webhook '"bad labels" in h.get("last_error", "") and "scope.labels" in h["last_error"] and names == ["ours only"] and not a["in_sync"]' \
    "with bad labels as last_error and [ours only] still in force"
[ "$(api DELETE "/policies/$PID_BAD")" = 204 ] || fail "DELETE: $(cat "$W/body")"
until_controller webhook 'not h.get("last_error") and names == ["ours only"] and a["in_sync"]' \
    "in sync again with no error once the bad policy was deleted"
note "an unreadable console policy logged and shown as the webhook's last_error; the last good set stayed in force"
until_controller authz 'a["status"] == "offline"' "offline after it stopped"
note "the stopped authz plugin is listed offline"

# 4. the console away: a restarted webhook enforces the cached set
[ -s "$W/adm/console-policy-webhook.json" ] || fail "no policy cache in the state dir"
kill -TERM "$WH_PID"; wait "$WH_PID" || true; WH_PID=
# a set it will not be able to read waits in the console for its return
policy '{"kind":"admission","name":"bad labels 2","mode":"block","rules":{"deny_root":true,"scope":{"labels":["tier"]}}}' >/dev/null
console_down
webhook_up
review prod evil.example.net/miner:1 False | grep -q '^denied' ||
    fail "with the console away the cached policy was not in force: $(cat "$W/review.out")"
review prod registry.example.com/app:1 False | grep -q '^allowed' ||
    fail "cached set: a trusted image was denied: $(cat "$W/review.out")"
note "console stopped, webhook restarted: the cached trusted-images policy still denies"
console_up
until_controller webhook 'ps.get("source") == "cache" and names == ["ours only"] and "bad labels 2" in h.get("last_error", "") and not a["in_sync"]' \
    "back with the console: the cached [ours only] in force, the console's new set as last_error"
kill -TERM "$WH_PID"; wait "$WH_PID" || true; WH_PID=
# a cache that cannot be read stops the start (serving would drop the console's rules)
printf '{"policies":[{"kind":"admission","name":"x","enabled":true,"mode":"sometimes","rules":{}}]}' \
    >"$W/adm/console-policy-webhook.json"
rc=0; "$MOAT" webhook --listen 127.0.0.1:0 --insecure-listen --state-dir "$W/adm" --console "$URL" \
    --token-file "$W/gate.token" 2>"$W/badcache.err" || rc=$?
[ "$rc" = 2 ] && grep -q 'the cached console policy: console policy x (?): mode: want alert or block' \
    "$W/badcache.err" || fail "a bad policy cache: exit $rc, $(cat "$W/badcache.err")"
note "an unreadable policy cache stops the start (exit 2)"
note "$(( ($(date +%s%N) - t0) / 1000000 )) ms"
pass
