#!/bin/bash
# Hot reload of `moat defender --rules DIR` (fallback sensor: no eBPF or
# containers needed, only root for the proc connector). While the defender
# runs: a rule file added to DIR (with a Lua hook) must fire on the next
# exec without a restart; an invalid edit must print one error line naming
# the file and line and keep the old set, whose rules must go on firing.
#
# Environment (set by meson): MOAT. Exit 0 pass, 1 fail, 77 skip (not root).
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
[ "$(id -u)" = 0 ] || skip "needs root (proc connector)"

DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; fi
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

mkdir -p "$W/rules"
# probes: copies of sleep under names the rules look for (they live long
# enough for the fallback to read /proc after the exec notification)
cp /bin/sleep "$W/probe-a"
cp /bin/sleep "$W/probe-b"
cat >"$W/rules/a.yaml" <<EOF2
rules:
  - id: probe-a
    description: the first probe ran
    severity: info
    mitre: [T1204]
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.name, equals: probe-a}]}
EOF2

MOAT_SENSOR=fallback start_defender 30 --rules "$W/rules"
grep -q "sensor fallback, .* 1 rules" "$W/defender.err" || fail "$(cat "$W/defender.err")"

count() { grep -c "\"rule\":\"$1\"" "$W/alerts.jsonl" || true; }
wait_line() {   # wait_line PATTERN FILE: up to 10 s
    for _ in $(seq 1 50); do grep -q "$1" "$2" && return 0; sleep 0.2; done
    return 1
}

"$W/probe-a" 0.5
"$W/probe-b" 0.5
wait_line '"rule":"probe-a"' "$W/alerts.jsonl" || fail "probe-a did not fire before the reload"
[ "$(count probe-b)" = 0 ] || fail "probe-b fired before its rule existed"

# 1. a new file with a Lua hook: written elsewhere, renamed in (as editors do)
cat >"$W/b.tmp" <<EOF2
rules:
  - id: secret-read
    description: the test's secret file was opened (needs the reloaded path-prefix filter)
    severity: warning
    mitre: [T1552.001]
    when: {and: [{field: evt.kind, equals: open}, {field: fd.name, startswith: "$W/secret"}]}
  - id: probe-b
    description: the second probe ran with the argument the Lua hook wants
    severity: warning
    mitre: [T1204]
    when: {and: [{field: evt.kind, equals: exec}, {field: proc.name, equals: probe-b}]}
    lua: |
      calls = 0
      function match(evt)
        calls = calls + 1
        return evt["proc.cmdline"]:find("0.7", 1, true) ~= nil
      end
EOF2
mv "$W/b.tmp" "$W/rules/b.yaml"
wait_line "reloaded 3 rules" "$W/defender.err" || fail "no reload: $(tail -n 3 "$W/defender.err")"
grep -q "reloaded 3 rules .*, 1 path prefixes" "$W/defender.err" || fail "prefix filter not rebuilt"
# the fallback's fanotify mark covers the root filesystem: check the new prefix lets the open through
if grep -q "2 of 2 probes" "$W/defender.err" && [ "$(findmnt -n -o TARGET -T "$W")" = / ]; then
    echo x >"$W/secret"
    cat "$W/secret" >/dev/null
    wait_line '"rule":"secret-read"' "$W/alerts.jsonl" || fail "no secret-read alert: the reload did not update the prefix filter"
    FILE_CHECK="file rule through the new prefix filter"
else
    FILE_CHECK="file rule not checked (no fanotify on $W)"
fi
"$W/probe-b" 0.5                       # the hook says no
"$W/probe-b" 0.7                       # the hook says yes
"$W/probe-a" 0.5
wait_line '"rule":"probe-b"' "$W/alerts.jsonl" || fail "probe-b did not fire after the reload"
sleep 1
[ "$(count probe-b)" = 1 ] || fail "probe-b fired $(count probe-b) times, expected once (Lua hook)"
grep '"rule":"probe-b"' "$W/alerts.jsonl" | grep -q 'probe-b 0.7' || fail "probe-b fired on the wrong run"
[ "$(count probe-a)" = 2 ] || fail "probe-a fired $(count probe-a) times after the reload, expected 2"

# 2. an invalid edit: one error line naming file and line; the old set stays
printf 'rules:\n  - id: probe-b\n    when: [unclosed\n' >"$W/rules/b.yaml"
wait_line "rules not reloaded" "$W/defender.err" || fail "no error line for the invalid edit"
line=$(grep "rules not reloaded" "$W/defender.err")
[ "$(grep -c "rules not reloaded" "$W/defender.err")" = 1 ] || fail "more than one error line"
case "$line" in
    *"keeping 3 rules"*"$W/rules/b.yaml"*line*) ;;
    *) fail "error line does not name the file and line: $line" ;;
esac
"$W/probe-b" 0.7
wait_line '"rule":"probe-b".*"cmdline":"[^"]*probe-b 0.7".*' "$W/alerts.jsonl" || true
for _ in $(seq 1 50); do [ "$(count probe-b)" = 2 ] && break; sleep 0.2; done
[ "$(count probe-b)" = 2 ] || fail "the old set stopped firing after an invalid edit"

# 3. the file removed: its rule goes
rm "$W/rules/b.yaml"
for _ in $(seq 1 50); do [ "$(grep -c "reloaded 1 rules" "$W/defender.err")" = 1 ] && break; sleep 0.2; done
grep -q "reloaded 1 rules" "$W/defender.err" || fail "no reload after removing b.yaml"
"$W/probe-b" 0.7
"$W/probe-a" 0.5
for _ in $(seq 1 50); do [ "$(count probe-a)" = 3 ] && break; sleep 0.2; done
[ "$(count probe-a)" = 3 ] || fail "probe-a fired $(count probe-a) times, expected 3"
[ "$(count probe-b)" = 2 ] || fail "probe-b still fired after its file was removed"

kill -TERM "$DEF_PID"
DRC=0; wait "$DEF_PID" || DRC=$?
DEF_PID=
[ "$DRC" = 0 ] || { cat "$W/defender.err" >&2; fail "defender exit $DRC on SIGTERM"; }
note "$(tail -n 1 "$W/defender.err")"
pass "new rule fired after reload, $FILE_CHECK, invalid edit kept the old set: $(grep "rules not reloaded" "$W/defender.err" | head -c 200)"
