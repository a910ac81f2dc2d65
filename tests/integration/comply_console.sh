#!/bin/bash
# The console's compliance policies enforced by `moat comply --console`: the
# real console (SQLite) on loopback, policies made through its API, a CI
# token (role ci) for the run.
#  1. no compliance policy: a privileged pod's MOAT-K8S-001 WARNs at alert,
#     exit 0;
#  2. a policy setting MOAT-K8S-001 to block: exit 1; a local --policy that
#     turns the check off does not lower it (the stricter wins);
#  3. a policy that disables MOAT-K8S-001: the check is not in the report;
#  4. a policy for benchmark docker only does nothing to `comply k8s`;
#  5. a console that cannot be reached, and one that answers garbage: exit
#     2 naming the console (a gate never passes in silence).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
command -v curl >/dev/null || fail "curl is not installed"
GARBAGE_PID=
cleanup() {
    if [ -n "$GARBAGE_PID" ]; then kill "$GARBAGE_PID" 2>/dev/null || true; fi
    stop_console
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT
t0=$(date +%s%N)

start_console
CI=$(console_token ci pipeline) || fail "ci token create failed"

api() { console_api "$@"; }
policy() { console_policy "$@"; }
# comply NAME [args...]: moat comply k8s pod.yaml --console (ci token); exit in RC
comply() {
    local name=$1; shift
    RC=0
    "$MOAT" comply k8s "$W/pod.yaml" -f json -o "$W/$name.json" --console "$URL" --token "$CI" \
        "$@" 2>"$W/$name.err" || RC=$?
}
# action NAME ID: the check's action in the report ("absent" when dropped)
action() {
    $PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["checks"] if x["id"] == sys.argv[2]]
print(c[0].get("action", "none") + ":" + c[0]["result"] if c else "absent")' "$W/$1.json" "$2"
}

cat >"$W/pod.yaml" <<'EOT'
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: prod}
spec:
  containers:
  - name: c
    image: registry.example.com/app:1
    securityContext: {privileged: true}
EOT

# 1. nothing in the console: the check alerts
comply none
[ "$RC" = 0 ] || { cat "$W/none.err" >&2; fail "no console policy: exit $RC, expected 0"; }
grep -q "0 compliance policies from the console" "$W/none.err" ||
    fail "the run did not say what it pulled: $(cat "$W/none.err")"
a=$(action none MOAT-K8S-001)
[[ $a == *:WARN ]] || fail "MOAT-K8S-001 on a privileged pod: $a, expected WARN"

# 2. block MOAT-K8S-001 from the console
pid_block=$(policy '{"kind":"compliance","name":"no privileged","mode":"alert","rules":{"benchmark":"k8s","checks":["MOAT-K8S-001"],"action":"block"}}')
comply block
[ "$RC" = 1 ] || { cat "$W/block.err" >&2; fail "console policy at block: exit $RC, expected 1"; }
[ "$(action block MOAT-K8S-001)" = block:WARN ] || fail "MOAT-K8S-001: $(action block MOAT-K8S-001), expected block:WARN"
[ "$(action block MOAT-K8S-004)" = alert:PASS ] || fail "MOAT-K8S-004 (no opinion): $(action block MOAT-K8S-004)"
printf 'comply:\n  k8s:\n    checks: {MOAT-K8S-001: off}\n' >"$W/local.yaml"
comply local --policy "$W/local.yaml"
[ "$RC" = 1 ] || { cat "$W/local.err" >&2; fail "local off under console block: exit $RC, expected 1 (stricter wins)"; }
RC=0; "$MOAT" comply k8s "$W/pod.yaml" -f json -o "$W/offline.json" --policy "$W/local.yaml" \
    2>"$W/offline.err" || RC=$?
[ "$RC" = 0 ] && [ "$(action offline MOAT-K8S-001)" = absent ] ||
    fail "the local policy alone: exit $RC, MOAT-K8S-001 $(action offline MOAT-K8S-001)"
# a rule the console does not know is refused, naming it
[ "$(api POST /policies '{"kind":"compliance","name":"typo","mode":"block","rules":{"benchmark":"k8s","checks":["MOAT-K8S-9999"]}}')" = 400 ] &&
    grep -q "rules.checks\[0\]" "$W/body" || fail "an unknown check id was accepted: $(cat "$W/body")"

# 3. disable it instead: dropped from the report
[ "$(api PUT "/policies/$pid_block" '{"enabled":false}')" = 200 ] || fail "PUT: $(cat "$W/body")"
pid_dis=$(policy '{"kind":"compliance","name":"probes are ours","mode":"block","rules":{"benchmark":"k8s","disable":["MOAT-K8S-001","MOAT-K8S-05*"],"templates":["pci"]}}')
comply disable
[ "$RC" = 1 ] || { cat "$W/disable.err" >&2; fail "every other k8s check at block: exit $RC, expected 1"; }
[ "$(action disable MOAT-K8S-001)" = absent ] || fail "disabled MOAT-K8S-001 is in the report: $(action disable MOAT-K8S-001)"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d.get("compliance", {}).get("framework") != "pci")' "$W/disable.json" ||
    fail "the policy's template pci was not reported against: $(head -c 300 "$W/disable.json")"
# only the disable, at block: a privileged pod with nothing else wrong passes
[ "$(api PUT "/policies/$pid_dis" '{"rules":{"benchmark":"k8s","checks":["MOAT-K8S-001","MOAT-K8S-004"],"disable":["MOAT-K8S-001"]}}')" = 200 ] ||
    fail "PUT: $(cat "$W/body")"
comply disable2
[ "$RC" = 0 ] && [ "$(action disable2 MOAT-K8S-001)" = absent ] ||
    { cat "$W/disable2.err" >&2; fail "disable: exit $RC, MOAT-K8S-001 $(action disable2 MOAT-K8S-001)"; }

# 4. a docker policy does not reach comply k8s; ci reads no other policy
policy '{"kind":"compliance","name":"docker","mode":"block","rules":{"benchmark":"docker","checks":["5.5"]}}' >/dev/null
comply docker
[ "$RC" = 0 ] || { cat "$W/docker.err" >&2; fail "a docker-only policy changed comply k8s: exit $RC"; }
S=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $CI" "$URL/api/v1/policies")
[ "$S" = 403 ] || fail "a ci token read GET /policies: HTTP $S"

# 5. no console, a garbage console: exit 2 naming it
DEAD=http://127.0.0.1:$(free_port)
RC=0; "$MOAT" comply k8s "$W/pod.yaml" --console "$DEAD" --token "$CI" >/dev/null 2>"$W/dead.err" || RC=$?
[ "$RC" = 2 ] && grep -q "the console $DEAD" "$W/dead.err" ||
    fail "an unreachable console: exit $RC, expected 2 naming it: $(cat "$W/dead.err")"
mkdir -p "$W/garbage/api/v1/compliance"
echo '{"etag":"x","policies":[{"kind":"compliance","name":"g","enabled":true,"mode":"block","rules":{"checks":7}}]}' \
    >"$W/garbage/api/v1/compliance/policies"
GPORT=$(free_port)
(cd "$W/garbage" && exec $PY -m http.server --bind 127.0.0.1 "$GPORT") >/dev/null 2>&1 &
GARBAGE_PID=$!
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$GPORT/" && break; sleep 0.1; done
RC=0; "$MOAT" comply k8s "$W/pod.yaml" --console "http://127.0.0.1:$GPORT" --token "$CI" \
    >/dev/null 2>"$W/garbage.err" || RC=$?
[ "$RC" = 2 ] && grep -q "the console http://127.0.0.1:$GPORT" "$W/garbage.err" &&
    grep -q "rules.checks" "$W/garbage.err" ||
    fail "a console answering garbage: exit $RC, expected 2 naming it: $(cat "$W/garbage.err")"

pass "block -> exit 1, local off does not lower it, disable drops the check, docker-only ignored, unreachable/garbage console exit 2 ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
