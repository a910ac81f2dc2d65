#!/bin/bash
# Learned behaviour baselines against the real Docker engine and kernel.
#
# One defender (eBPF, its own --state dir) while a workload container of an
# image made for this test (so no other test's containers share its model):
#  (a) learn: the workload's executables, paths written and syscalls end up
#      in `moat baseline show --format json`;
#  (b) alert: an unseen executable and a write to an unseen path each raise
#      a deviation naming the item, the image and the container; an ia32
#      syscall (int 0x80) is reported as ia32:NAME, not as the native call
#      with its number (or the kernel refuses int 0x80 altogether);
#  (c) enforce: the unseen executable is killed (exit 137, SIGKILL) in the
#      kernel while the learned workload keeps running; exes are matched by
#      the file run (a symlink to a learned binary runs, one to an unlearned
#      binary is killed);
#  (d) `baseline export --seccomp`: `docker run --security-opt seccomp=FILE`
#      runs the same workload, and a syscall it never made fails with EPERM
#      (the same call succeeds without the profile);
#  (e) the defender is restarted: mode and model are still there;
#  (f) reset: back to learn with an empty model; bad IMAGE, mode and state
#      dir exit 2 naming the input.
# Prints the time each step took. Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
[ "${MOAT_SENSOR:-ebpf}" = ebpf ] || skip "baselines need the eBPF sensor"
P=baseline-$$                       # names of everything this test makes
TIMG=baseline-test/app:$$
S=(--state "$W/state")
DEF_PID=
cleanup() {
    [ -n "$DEF_PID" ] && kill -TERM "$DEF_PID" 2>/dev/null && wait "$DEF_PID" 2>/dev/null
    "$docker" ps -aq --filter "name=$P" | xargs -r timeout 60 "$docker" rm -f >/dev/null 2>&1 || true
    timeout 60 "$docker" rmi "$TIMG" >/dev/null 2>&1 || true
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT
T0=$(date +%s%N)
step() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); note "$(printf '%-44s at %3d.%01d s' "$1" $((ms / 1000)) $((ms % 1000 / 100)))"; }

# an image id of our own: the sample image plus a label
"$docker" create --name "$P-mk" "$IMG" >/dev/null
"$docker" commit --change "LABEL moat.test=$P" "$P-mk" "$TIMG" >/dev/null
"$docker" rm "$P-mk" >/dev/null
IID=$("$docker" image inspect -f '{{.Id}}' "$TIMG")
cc -static -O2 -o "$W/probe" "$REPO/tests/integration/baseline_probe.c" || fail "cannot build the probe"

mkdir -p "$W/rules"                 # no rules: only baseline alerts
start_defender 60 --rules "$W/rules" "${S[@]}"
grep -q "sensor ebpf" "$W/defender.err" || fail "expected the eBPF sensor: $(head -n 2 "$W/defender.err")"
step "defender ready"

WORK='while :; do date > /tmp/now; cat /etc/hostname > /dev/null; /probe > /dev/null; sleep 0.2; done'
RUN=("$docker" run --network none -v "$W/probe:/probe:ro" --entrypoint sh)
"${RUN[@]}" -d --name "$P-w1" "$TIMG" -c "$WORK" >/dev/null
"$docker" exec "$P-w1" sh -c 'echo hi > /tmp/learned.txt; /probe; ln -s /usr/bin/date /tmp/today; ln -s /usr/bin/id /tmp/sneaky' >/dev/null

bl() { run_moat "$1" baseline "${@:2}" "${S[@]}"; }
# wait_for SECONDS CMD...: until CMD succeeds
wait_for() { local n=$(( $1 * 4 )); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.25; done; return 1; }
learned() {
    bl show show "$TIMG" --format json && $PY - "$W/show.out" <<'PYEOF'
import json, sys
m = json.load(open(sys.argv[1]))
need = {"/usr/bin/date", "/usr/bin/cat", "/usr/bin/sleep", "/probe"}
ok = need <= set(m["exec"]) and {"/tmp/now", "/tmp/learned.txt"} <= set(m["file_writes"]) \
     and "nanosleep" in m["syscalls"] and m["mode"] == "learn"
sys.exit(0 if ok else 1)
PYEOF
}
wait_for 20 learned || { cat "$W/show.out" >&2; fail "(a) the workload was not learned within 20 s"; }
SYSCALLS=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["syscalls"]))' "$W/show.out")
EXECS=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["exec"]))' "$W/show.out")
step "(a) learned: $EXECS exes, $SYSCALLS syscalls"

# --- (b) alert ---
bl mode mode "$TIMG" alert
[ "$RC" = 0 ] || { moat_err mode; fail "baseline mode alert: exit $RC"; }
wait_for 20 grep -q "$IID: alert" "$W/defender.err" || fail "(b) the defender did not pick up the mode"
"$docker" exec "$P-w1" sh -c 'id > /dev/null; echo x > /tmp/unseen.txt' ||
    fail "(b) in alert mode the commands must run"
deviation() {  # deviation RULE ITEM: an alert of RULE naming ITEM, the image and the container
    $PY - "$W/alerts.jsonl" "$1" "$2" "$IID" "$P-w1" "${3:-}" <<'PYEOF'
import json, sys
path, rule, item, iid, name, action = sys.argv[1:]
for line in open(path):
    a = json.loads(line)
    d = a.get("details", {})
    c = a.get("container") or {}
    if a["rule"] == rule and d.get("baseline.item") == item and \
       d.get("baseline.image") == iid and c.get("image_id") == iid and c.get("name") == name \
       and (not action or a["action"] == action):
        sys.exit(0)
sys.exit(1)
PYEOF
}
wait_for 10 deviation baseline-exec /usr/bin/id ||
    { cat "$W/alerts.jsonl" >&2; fail "(b) no baseline-exec deviation for /usr/bin/id"; }
wait_for 10 deviation baseline-file-write /tmp/unseen.txt ||
    { cat "$W/alerts.jsonl" >&2; fail "(b) no baseline-file-write deviation for /tmp/unseen.txt"; }
deviation baseline-exec /usr/bin/date && fail "(b) a learned executable was reported"
# an ia32 syscall (int 0x80) is no way around the syscall model: getpid is
# number 20 there, writev's natively; it must be reported as ia32:getpid.
# A kernel without the ia32 entry (ia32_emulation off) kills the probe
# with SIGSEGV: no ia32 call can be made at all.
rc=0; out=$("$docker" exec "$P-w1" /probe int80 2>&1) || rc=$?
if [ "$rc" = 139 ]; then
    IA32="int 0x80 refused by this kernel (SIGSEGV)"
elif [ "$rc" = 0 ]; then
    wait_for 10 deviation baseline-syscall ia32:getpid ||
        { cat "$W/alerts.jsonl" >&2; fail "(b) int 0x80 getpid raised no ia32:getpid deviation"; }
    IA32="int 0x80 getpid reported as ia32:getpid"
else
    fail "(b) /probe int80: $(describe_rc "$rc") $out"
fi
step "(b) alert: exec and write deviations; $IA32"

# --- (c) enforce ---
bl mode mode "$TIMG" enforce
wait_for 20 grep -q "$IID: enforce" "$W/defender.err" || fail "(c) the defender did not pick up enforce"
rc=0; "$docker" exec "$P-w1" id >/dev/null 2>&1 || rc=$?
[ "$rc" = 137 ] || fail "(c) the unseen exec should die by SIGKILL (137), got $(describe_rc "$rc")"
wait_for 10 deviation baseline-exec /usr/bin/id killed-in-kernel ||
    { tail -n 3 "$W/alerts.jsonl" >&2; fail "(c) no killed-in-kernel alert for /usr/bin/id"; }
a=$("$docker" exec "$P-w1" sh -c 'read x < /tmp/now; echo $x') || fail "(c) a learned command was blocked"
sleep 1.2
b=$("$docker" exec "$P-w1" sh -c 'read x < /tmp/now; echo $x') || fail "(c) a learned command was blocked"
[ "$a" != "$b" ] || fail "(c) the workload stopped: /tmp/now stayed '$a'"
[ "$("$docker" inspect -f '{{.State.Running}}' "$P-w1")" = true ] || fail "(c) the workload container died"
# exes are the files run, not the names given: a symlink to a learned
# binary runs, one to an unlearned binary is killed under that binary's name
"$docker" exec "$P-w1" /tmp/today >/dev/null 2>&1 || fail "(c) /tmp/today (-> the learned /usr/bin/date) was refused"
rc=0; "$docker" exec "$P-w1" /tmp/sneaky >/dev/null 2>&1 || rc=$?
[ "$rc" = 137 ] || fail "(c) /tmp/sneaky (-> /usr/bin/id) should die by SIGKILL, got $(describe_rc "$rc")"
deviation baseline-exec /tmp/sneaky && fail "(c) the exec was reported by the symlink's name, not the file run"
step "(c) enforce: unseen exec killed, workload runs, symlinks resolved"

# --- (d) seccomp export ---
bl export export "$TIMG" --seccomp -o "$W/seccomp.json"
[ "$RC" = 0 ] || { moat_err export; fail "export --seccomp: exit $RC"; }
NAMES=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["defaultAction"]=="SCMP_ACT_ERRNO"; print(len(d["syscalls"][0]["names"]))' "$W/seccomp.json") ||
    fail "(d) the profile is not a seccomp profile"
out=$("${RUN[@]}" --rm --name "$P-sc1" --security-opt "seccomp=$W/seccomp.json" "$TIMG" \
      -c 'date > /tmp/now; cat /etc/hostname > /dev/null; /probe; sleep 0.2; echo workload-ok' 2>&1) ||
    fail "(d) the workload failed under its learned profile: $out"
case $out in *workload-ok*) ;; *) fail "(d) the workload did not finish under the profile: $out" ;; esac
rc=0; out=$("${RUN[@]}" --rm --name "$P-sc2" --security-opt "seccomp=$W/seccomp.json" "$TIMG" \
      -c '/probe getpriority' 2>&1) || rc=$?
case $out in *"Operation not permitted"*) ;; *) fail "(d) getpriority should fail with EPERM under the profile: rc=$rc $out" ;; esac
out=$("${RUN[@]}" --rm --name "$P-sc3" "$TIMG" -c '/probe getpriority' 2>&1) ||
    fail "(d) control: getpriority fails even without the profile: $out"
step "(d) seccomp: $NAMES syscalls allowed, EPERM outside"

# --- (e) restart ---
kill -TERM "$DEF_PID"; wait "$DEF_PID" 2>/dev/null || true; DEF_PID=
grep -q "baselines: .* images" "$W/defender.err" || fail "(e) no final baseline line"
rm -f "$W/ready"
start_defender 60 --rules "$W/rules" "${S[@]}"
bl show2 show "$TIMG" --format json
$PY - "$W/show2.out" "$EXECS" <<'PYEOF' || fail "(e) the model did not survive the restart"
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m["mode"] == "enforce" and len(m["exec"]) >= int(sys.argv[2]) and "/usr/bin/id" not in m["exec"] else 1)
PYEOF
"$docker" exec "$P-w1" true >/dev/null 2>&1 && rc=0 || rc=$?
wait_for 10 sh -c "[ \$(grep -c '\"baseline.item\":\"/usr/bin/true\"' '$W/alerts.jsonl') -ge 1 ]" ||
    fail "(e) after the restart an unseen exec was not caught (exit $rc)"
step "(e) state survives a restart"

# --- approve, list ---
bl approve approve "$TIMG" exec:/usr/bin/id
[ "$RC" = 0 ] || { moat_err approve; fail "approve: exit $RC"; }
wait_for 10 sh -c "'$MOAT' baseline show '$TIMG' --format json --state '$W/state' | grep -q '\"/usr/bin/id\"'" ||
    fail "approve: /usr/bin/id not in the model"
sleep 1.5                           # the defender reloads on its next tick
"$docker" exec "$P-w1" id >/dev/null || fail "an approved executable was still killed"
bl list list
grep -q "${IID:7:12}  enforce" "$W/list.out" || { cat "$W/list.out" >&2; fail "list does not show the image"; }

# --- (f) reset and bad input ---
bl reset reset "$TIMG"
bl show3 show "$TIMG" --format json
$PY -c 'import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if m["mode"]=="learn" and not m["exec"] and not m["syscalls"] else 1)' "$W/show3.out" ||
    fail "(f) reset did not empty the model"
bl bad1 show no-such-image:1
[ "$RC" = 2 ] && grep -q "no-such-image" "$W/bad1.err" || fail "(f) unknown IMAGE: exit $RC, $(cat "$W/bad1.err")"
bl bad2 mode "$TIMG" enforcing
[ "$RC" = 2 ] && grep -q "enforcing" "$W/bad2.err" || fail "(f) bad mode: exit $RC"
run_moat bad3 baseline list --state "$W/nonexistent"
[ "$RC" = 2 ] && grep -q "$W/nonexistent" "$W/bad3.err" || fail "(f) missing state dir: exit $RC"
bl bad4 export "$TIMG" --network-policy
[ "$RC" = 2 ] && grep -q "no network learned" "$W/bad4.err" ||
    fail "(f) --network-policy of an image that made no connection: exit $RC, $(cat "$W/bad4.err")"
step "(f) reset, approve, bad input"
pass "learn, alert, enforce (kill 137), seccomp ($NAMES calls), restart, reset"
