#!/bin/bash
# A defender scans the images its node's containers run and sends the
# reports to the console (`moat defender --scan-db`): the real defender
# (eBPF), the real console (SQLite) and the real Docker engine.
#  1. a container of the sample image runs; the defender starts with
#     --scan-db: the console gets that image, under the name the container
#     was started from and the engine's image id, with the same findings as
#     `moat scan` of the same image prints;
#  2. the heartbeat says how many images were scanned;
#  3. a restart of the defender does not scan it again (STATE/image-scans.json);
#     other images (other tests' containers) are left alone (--scan-images);
#  4. a bad --scan-db is a usage error (exit 2) naming it.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
defender_engine
command -v curl >/dev/null || fail "curl is not installed"
t0=$(date +%s.%N)
D=$W/console
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
CTR=moat-defscan-$$
DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -KILL "$DEF_PID" 2>/dev/null || true; fi
    "$docker" rm -f "$CTR" >/dev/null 2>&1 || true
    "$MOAT" console stop --data "$D" >/dev/null 2>&1 || true
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

run_moat db db build --from "$REPO/data/feeds/debian-tracker-bookworm.json.zst" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err db; fail "moat db build: $(describe_rc "$RC")"; }
"$MOAT" console --data "$D" --listen "127.0.0.1:$PORT" --daemon >/dev/null 2>"$W/console.err" ||
    { cat "$W/console.err" >&2; fail "console did not start"; }
"$MOAT" console token create --data "$D" --role defender --name node1 >"$W/def.token" 2>/dev/null ||
    fail "token create failed"
READ=$("$MOAT" console token create --data "$D" --role auditor --name reader 2>/dev/null)
get() { curl -s -H "Authorization: Bearer $READ" "$URL/api/v1/$1"; }

# 4. refusals first (no engine work)
RC=0; "$MOAT" defender --no-network --no-baselines --state "$W/state0" --console "$URL" \
    --token-file "$W/def.token" --scan-db "$W/missing.db" >/dev/null 2>"$W/bad.err" || RC=$?
[ "$RC" = 2 ] && grep -q "missing.db" "$W/bad.err" || { cat "$W/bad.err" >&2; fail "a missing --scan-db: exit $RC"; }
RC=0; "$MOAT" defender --no-network --no-baselines --state "$W/state0" --scan-db "$W/vuln.db" \
    >/dev/null 2>"$W/bad2.err" || RC=$?
[ "$RC" = 2 ] && grep -q "needs --console" "$W/bad2.err" || { cat "$W/bad2.err" >&2; fail "--scan-db without --console: exit $RC"; }

# 1. the container, then the defender
"$docker" run -d --name "$CTR" --entrypoint sleep "$IMG" 600 >/dev/null || fail "docker run $IMG"
[ "$("$docker" inspect -f "{{.State.Running}}" "$CTR")" = true ] || fail "the container $CTR is not running"
ID=$("$docker" image inspect -f '{{.Id}}' "$IMG")
SCANNERS=vuln,secret,password
run_moat ref scan --format json --no-progress --db "$W/vuln.db" --scanners "$SCANNERS" "docker:$IMG"
[ "$RC" = 0 ] || { moat_err ref; fail "moat scan docker:$IMG: $(describe_rc "$RC")"; }
t1=$(date +%s.%N)
start_defender 60 --no-network --no-baselines --console "$URL" --token-file "$W/def.token" \
    --console-interval 1 --scan-db "$W/vuln.db" --scan-scanners "$SCANNERS" --scan-images 'moat-test/app:*,none' 
for _ in $(seq 1 120); do
    get "images?limit=1000" >"$W/images.json"
    grep -q "$ID" "$W/images.json" && break
    sleep 0.5
done
t2=$(date +%s.%N)
grep -q "$ID" "$W/images.json" || { tail -5 "$W/defender.err" >&2; cat "$W/state/image-scans/scan.log" >&2 2>/dev/null; fail "the console never got image $ID"; }
DIGEST=$($PY -c 'import json,sys; print([i["digest"] for i in json.load(open(sys.argv[1]))["images"] if i.get("config_digest") == sys.argv[2]][0])' "$W/images.json" "$ID") ||
    fail "no image with config digest $ID: $(cat "$W/images.json")"
get "images/$DIGEST" >"$W/image.json"
$PY - "$W/image.json" "$W/ref.out" "$IMG" <<'PY' || fail "the console's image differs from moat scan's (above)"
import json, sys
got = json.load(open(sys.argv[1])); ref = json.load(open(sys.argv[2])); name = sys.argv[3]
assert name in got["image"]["refs"], f"refs {got['image']['refs']}: want {name}"
key = lambda f: (f["kind"], f["id"], f.get("package", {}).get("name") if isinstance(f.get("package"), dict) else f.get("package"), f.get("path"))
a = sorted(map(key, got["findings"]), key=str); b = sorted(map(key, ref["findings"]), key=str)
assert len(a) == len(b) > 0, f"{len(a)} findings in the console, {len(b)} from moat scan"
assert a == b, f"findings differ: {set(a) ^ set(b)}"
print(f"defender_scan: {len(a)} findings, refs {got['image']['refs']}", file=sys.stderr)
PY

# 2. the heartbeat
for _ in $(seq 1 20); do
    get defenders >"$W/defenders.json"
    n=$($PY -c 'import json,sys; print(max(d.get("health",{}).get("images_scanned",0) for d in json.load(open(sys.argv[1]))["defenders"]))' "$W/defenders.json")
    [ "$n" -ge 1 ] && break
    sleep 0.5
done
[ "$n" -ge 1 ] || fail "the heartbeat does not count the scan: $(cat "$W/defenders.json")"

# 3. a restart does not scan again
at1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["images"][sys.argv[2]]["at"])' "$W/state/image-scans.json" "$ID") ||
    fail "STATE/image-scans.json does not hold $ID"
kill -TERM "$DEF_PID"; wait "$DEF_PID" || true; DEF_PID=
rm -f "$W/ready"
start_defender 60 --no-network --no-baselines --console "$URL" --token-file "$W/def.token" \
    --console-interval 1 --scan-db "$W/vuln.db" --scan-scanners "$SCANNERS" --scan-images 'moat-test/app:*,none' 
sleep 7          # the scanner looks every 5 s
at2=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["images"][sys.argv[2]]["at"])' "$W/state/image-scans.json" "$ID")
[ "$at1" = "$at2" ] || fail "the restarted defender scanned $ID again"
grep -q "image scan:" "$W/defender.err" && fail "image scan errors: $(grep 'image scan:' "$W/defender.err")"
[ "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["images"]))' "$W/state/image-scans.json")" = 1 ] ||
    fail "--scan-images did not leave other images alone: $(cat "$W/state/image-scans.json")"
t3=$(date +%s.%N)
pass "image $ID scanned on the node and in the console in $($PY -c "print(round($t2 - $t1, 1))") s; not again after a restart; total $($PY -c "print(round($t3 - $t0, 1))") s"
