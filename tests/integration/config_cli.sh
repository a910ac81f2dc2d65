#!/bin/bash
# moat config on Dockerfiles: the same verdict as hadolint on every one of
# hadolint's own rule cases whose rule a moat check references (printed per
# rule), directory discovery, the three formats, the --fail-on gate, and
# bad input (exit 2, the file and line named, no report written).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work

cases=$SHARED/iac/hadolint-rule-cases.jsonl
[ -f "$cases" ] || skip "no hadolint corpus at $cases"
$PY "$TOOLS/hadolint-agree.py" "$MOAT" "$cases" "$W/hadolint" >"$W/agree.txt" 2>&1 || {
    cat "$W/agree.txt" >&2; fail "moat config disagrees with hadolint (above)"; }
cat "$W/agree.txt"
agreed=$(tail -n 1 "$W/agree.txt" | sed -n 's/.*cases \([0-9]*\/[0-9]*\) agreed.*/\1/p')
[ -n "$agreed" ] || agreed=$(grep -o 'cases [0-9]*/[0-9]*' "$W/agree.txt" | tail -n 1)

# Discovery: Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile; nothing else.
d=$W/tree
mkdir -p "$d/a/b" "$d/.git" "$d/node_modules/x"
printf 'FROM debian:12\nUSER app\nHEALTHCHECK CMD true\n' >"$d/Dockerfile"
printf 'FROM debian\nEXPOSE 22\n' >"$d/a/web.Dockerfile"
printf 'FROM debian:latest\n' >"$d/a/b/Dockerfile.prod"
printf 'FROM alpine:3.19\nRUN apk add curl\n' >"$d/a/Containerfile"
printf 'FROM debian\n' >"$d/README.md"
printf 'FROM debian\n' >"$d/.git/Dockerfile"
printf 'FROM debian\n' >"$d/node_modules/x/Dockerfile"
run_moat tree config --format json "$d"
[ "$RC" = 0 ] || { moat_err tree; fail "moat config DIR: $(describe_rc "$RC"), want 0 without --fail-on"; }
$PY - "$W/tree.out" "$d" <<'PYEOF' || fail "moat config DIR: wrong files or findings (above)"
import json, sys
doc = json.load(open(sys.argv[1])); d = sys.argv[2]
files = sorted({f["file"][len(d) + 1:] for f in doc["findings"]})
want = ["a/Containerfile", "a/b/Dockerfile.prod", "a/web.Dockerfile"]
ids = {(f["file"][len(d) + 1:], f["id"]) for f in doc["findings"]}
need = {("a/web.Dockerfile", "MOAT-DF-075"), ("a/web.Dockerfile", "MOAT-DF-001"),
        ("a/b/Dockerfile.prod", "MOAT-DF-002"), ("a/Containerfile", "MOAT-DF-026")}
print("files with findings:", files, "checked:", doc["files_checked"])
assert doc["files_checked"] == 4, doc["files_checked"]
assert files == want, files
assert need <= ids, sorted(need - ids)
for f in doc["findings"]:
    assert f["kind"] == "misconfig" and f["severity"] in ("low", "medium", "high", "critical")
    assert isinstance(f["references"], list) and f["title"] and f["message"]
PYEOF

# The gate: 1 when a finding is at or above --fail-on, else 0.
run_moat gate1 config --fail-on high "$d/a/web.Dockerfile"
[ "$RC" = 1 ] || fail "--fail-on high with EXPOSE 22: $(describe_rc "$RC"), want 1"
run_moat gate0 config --fail-on critical "$d/a/web.Dockerfile"
[ "$RC" = 0 ] || fail "--fail-on critical without critical findings: $(describe_rc "$RC"), want 0"
run_moat gatebad config --fail-on severe "$d"
[ "$RC" = 2 ] || fail "--fail-on severe: $(describe_rc "$RC"), want 2"

# SARIF: one result per JSON finding, with the line as the region.
run_moat sarif config --format sarif -o "$W/r.sarif" "$d"
[ "$RC" = 0 ] || { moat_err sarif; fail "--format sarif: $(describe_rc "$RC")"; }
$PY - "$W/r.sarif" "$W/tree.out" <<'PYEOF' || fail "SARIF does not match the JSON findings"
import json, sys
s = json.load(open(sys.argv[1])); j = json.load(open(sys.argv[2]))
run = s["runs"][0]
assert s["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "moat"
res = run["results"]; rules = run["tool"]["driver"]["rules"]
assert len(res) == len(j["findings"]), (len(res), len(j["findings"]))
for r in res:
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
lines = sorted(r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0) for r in res)
assert lines == sorted(f.get("line", 0) for f in j["findings"]), lines
print("SARIF: %d results, %d rules" % (len(res), len(rules)))
PYEOF

# Bad input: exit 2, file and line named, nothing written to -o.
printf 'FROM debian:12\nRUN <<EOF\necho never closed\n' >"$W/heredoc.Dockerfile"
printf 'FROM debian:12\nRUN echo \0\n' >"$W/nul.Dockerfile"
printf '# escape=x\nFROM debian:12\n' >"$W/escape.Dockerfile"
head -c $((5 << 20)) /dev/zero | tr '\0' '#' >"$W/big.Dockerfile"
for bad in "heredoc:heredoc.Dockerfile:2: unterminated heredoc" "nul:nul.Dockerfile:2: NUL byte" \
           "escape:escape.Dockerfile:1: invalid escape" "big:big.Dockerfile: larger than" \
           "missing:nothere: No such file"; do
    name=${bad%%:*}; rest=${bad#*:}
    rm -f "$W/bad.json"
    run_moat "bad-$name" config --format json -o "$W/bad.json" "$d/Dockerfile" "$W/${rest%%:*}"
    [ "$RC" = 2 ] || fail "$name: $(describe_rc "$RC"), want 2"
    grep -qF "${rest}" "$W/bad-$name.err" || { moat_err "bad-$name"; fail "$name: stderr does not say '$rest'"; }
    [ ! -e "$W/bad.json" ] || fail "$name: a report was written despite the input error"
done

pass "hadolint cases $agreed agreed; discovery, gate, SARIF and 5 bad inputs as expected"
