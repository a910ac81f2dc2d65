#!/bin/bash
# CI report formats and suppressions on the Debian sample image, checked
# against the scan's own JSON findings and the official SARIF 2.1.0 and
# CycloneDX 1.5 schemas: SARIF, CycloneDX (with vulnerabilities), JUnit (one
# test case per gate check), HTML; ignore file (with expiry), OpenVEX,
# CycloneDX VEX, a YAML policy, --severity and --ignore-unfixed.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
export MOAT_BASE_INDEX=$W/bases.jsonl
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
img=docker-archive:$SAMPLE/app.tar
run_moat dbbuild db build --from "$SHARED/vulndb/debian-tracker-bookworm.json" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err dbbuild; fail "moat db build: $(describe_rc "$RC")"; }
scan() { local name=$1; shift; run_moat "$name" scan --db "$W/vuln.db" "$@" "$img"; }
count() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$1"; }

scan base --format json
[ "$RC" = 0 ] || { moat_err base; fail "moat scan: $(describe_rc "$RC")"; }
total=$(count "$W/base.out")
[ "$total" -gt 10 ] || fail "only $total findings on the sample image"
for fmt in sarif cyclonedx html; do
    scan "$fmt" --format "$fmt"
    [ "$RC" = 0 ] || { moat_err "$fmt"; fail "moat scan --format $fmt: $(describe_rc "$RC")"; }
    $PY "$TOOLS/reportcheck.py" "$fmt" "$W/$fmt.out" --json "$W/base.out" --schemas "$schemas" \
        2>"$W/$fmt.check" >&2 || { grep -v Deprecat "$W/$fmt.check" >&2; fail "--format $fmt is wrong"; }
done
scan junit --format junit --fail-on unknown,critical --fail-on-fixable
[ "$RC" = 1 ] || fail "junit with a failing gate: exit $RC, want 1"
# Two gate checks, plus one case per content scanner that ran (secret,
# password; misconfig, which reports on the sample: it runs as root with no
# healthcheck, so its case fails too).
$PY "$TOOLS/reportcheck.py" junit "$W/junit.out" --json "$W/base.out" --expect-cases 5 \
    --expect-failures 2 >&2 || fail "--format junit is wrong"

# Suppressions: two ids by ignore file (one expired), one by OpenVEX, one by CycloneDX VEX.
read -r id1 pkg1 id2 id3 purl3 id4 purl4 < <($PY - "$W/base.out" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["findings"]
ids = sorted({x["id"] for x in f})
by = {x["id"]: x for x in f}
a, b, c, d = ids[0], ids[1], ids[2], ids[3]
print(a, by[a]["package"], b, c, by[c]["purl"], d, by[d]["purl"])
PY
)
cat >"$W/ignore" <<EOT
# accepted risk
$id1 $pkg1 # not reachable in our use
$id2 exp:2001-01-01 # expired: must not suppress
EOT
cat >"$W/openvex.json" <<EOT
{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "t",
 "timestamp": "2026-01-01T00:00:00Z", "version": 1,
 "statements": [{"vulnerability": {"name": "$id3"}, "products": [{"@id": "$purl3"}],
                 "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
EOT
cat >"$W/cdxvex.json" <<EOT
{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
 "vulnerabilities": [{"id": "$id4", "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
                      "affects": [{"ref": "$purl4"}]}]}
EOT
scan supp --format json --ignore-file "$W/ignore" --vex "$W/openvex.json" --vex "$W/cdxvex.json"
[ "$RC" = 0 ] || { moat_err supp; fail "suppressions: $(describe_rc "$RC")"; }
$PY - "$W/supp.out" "$id1" "$pkg1" "$id2" "$id3" "$id4" <<'PY' || fail "suppressions are wrong (above)"
import json, sys
scan = json.load(open(sys.argv[1])); f = scan["findings"]
id1, pkg1, id2, id3, id4 = sys.argv[2:]
bad = [x["id"] for x in f if (x["id"] == id1 and x["package"] == pkg1) or x["id"] in (id3, id4)]
if bad: sys.exit(f"suppressed ids still reported: {bad}")
if not any(x["id"] == id2 for x in f): sys.exit(f"{id2}: an expired ignore line suppressed it")
if scan["vulnerabilities"]["suppressed"] < 3: sys.exit(f'suppressed count {scan["vulnerabilities"]["suppressed"]}')
PY

# A YAML policy: gate on unknown severity, ignore one id.
cat >"$W/policy.yaml" <<EOT
fail_on: [unknown]
ignore:
  - id: $id2
    reason: tracked in JIRA-1
EOT
scan policy --format json --policy "$W/policy.yaml"
[ "$RC" = 1 ] || fail "policy gate: exit $RC, want 1"
grep -q "$id2" "$W/policy.out" && fail "policy ignore did not suppress $id2"
grep -q "gate .*policy.yaml failed" "$W/policy.err" || fail "gate summary: $(head -c 200 "$W/policy.err")"
scan sev --format json --severity critical,high
[ "$(count "$W/sev.out")" = 0 ] || fail "--severity critical,high kept findings of other severities (content included)"
scan unfixed --format json --ignore-unfixed
$PY -c 'import json,sys; sys.exit(any(f["fixed_version"] is None for f in json.load(open(sys.argv[1]))["findings"] if f["kind"] == "vuln"))' \
    "$W/unfixed.out" || fail "--ignore-unfixed kept findings without a fix"
# Bad input: a broken policy and a missing DB are usage/input errors (exit 2).
echo "fail_on: [nonsense]" >"$W/bad.yaml"
scan badpolicy --format json --policy "$W/bad.yaml"
[ "$RC" = 2 ] || fail "bad policy: exit $RC, want 2"
run_moat nodb scan --db "$W/missing.db" "$img"
[ "$RC" = 2 ] || fail "missing --db: exit $RC, want 2"
pass "$total findings; sarif, cyclonedx, junit, html, ignore/vex/policy"
