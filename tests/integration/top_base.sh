#!/bin/bash
# `moat base add` and `moat top` on the Debian sample image, checked against
# moat's own per-image JSON scans and the image layout (not constants):
#  1. `moat base add docker-archive:base.tar --name debian:12` registers the
#     base; `moat base list --format json` shows it as a user entry with
#     base.tar's layer count.
#  2. `moat scan` of app.tar WITHOUT --base-image then reports owner "base"
#     for packages of the base layer and "app" for those of layer 2
#     (layer2.pkgs), every finding naming base_image "debian:12".
#  3. `moat top -n 5` over base.tar and app.tar lists 5 findings in
#     non-increasing risk order, each one present with that risk in its
#     image's JSON scan, and their risks are the 5 highest of both scans.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
[ -f "$SHARED/vulndb/debian-tracker-bookworm.json" ] || fail "no shared test data at $SHARED"
export MOAT_BASE_INDEX=$W/bases.jsonl
BASE=docker-archive:$SAMPLE/base.tar
APP=docker-archive:$SAMPLE/app.tar

run_moat db0 db build --from "$SHARED/vulndb/debian-tracker-bookworm.json" \
    --from "$SHARED/vulndb/kev.json" -o "$W/vuln0.db"
[ "$RC" = 0 ] || { moat_err db0; fail "moat db build: $(describe_rc "$RC")"; }
# The tracker data carries no CVSS, dates or EPSS, so every finding would
# score the same. Spread the risks: an EPSS file (FIRST's CSV format) giving
# distinct probabilities to some CVEs of each image.
for t in base app; do
    run_moat "ids-$t" scan --format json --no-lang --db "$W/vuln0.db" "docker-archive:$SAMPLE/$t.tar"
    [ "$RC" = 0 ] || { moat_err "ids-$t"; fail "moat scan $t.tar: $(describe_rc "$RC")"; }
done
$PY - "$W/ids-base.out" "$W/ids-app.out" >"$W/epss.csv" <<'PY'
import json, sys
print("#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000")
print("cve,epss,percentile")
base = sorted({f["id"] for f in json.load(open(sys.argv[1]))["findings"]})
app = sorted({f["id"] for f in json.load(open(sys.argv[2]))["findings"]} - set(base))
for i, cve in enumerate(base[:4] + app[:4]):
    print("%s,%.5f,%.5f" % (cve, 0.9 - 0.11 * i, 0.99 - 0.01 * i))
PY
run_moat dbbuild db build --from "$SHARED/vulndb/debian-tracker-bookworm.json" \
    --from "$SHARED/vulndb/kev.json" --from "$W/epss.csv" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err dbbuild; fail "moat db build: $(describe_rc "$RC")"; }

run_moat add base add "$BASE" --name debian:12
[ "$RC" = 0 ] || { moat_err add; fail "moat base add: $(describe_rc "$RC")"; }
run_moat list base list --format json
[ "$RC" = 0 ] || { moat_err list; fail "moat base list: $(describe_rc "$RC")"; }
n_base_layers=$(tar -xOf "$SAMPLE/base.tar" manifest.json |
    $PY -c 'import json,sys; print(len(json.load(sys.stdin)[0]["Layers"]))')
$PY - "$W/list.out" "$n_base_layers" <<'PY' || fail "moat base list does not show debian:12"
import json, sys
bases = json.load(open(sys.argv[1]))["bases"]
hit = [b for b in bases if b["name"] == "debian:12" and b["user"]]
sys.exit(0 if len(hit) == 1 and hit[0]["layers"] == int(sys.argv[2]) else 1)
PY

# Owners from the registered base alone.
run_moat app scan --format json --db "$W/vuln.db" "$APP"
[ "$RC" = 0 ] || { moat_err app; fail "moat scan app.tar: $(describe_rc "$RC")"; }
$PY "$TOOLS/vulncheck.py" owner "$W/app.out" --layer2 "$SAMPLE/layer2.pkgs" \
    --base-name "debian:12" >&2 || fail "owner attribution from moat base add is wrong"
$PY - "$W/app.out" <<'PY' || fail "findings without owner base/app or base_image debian:12"
import json, sys
fs = [f for f in json.load(open(sys.argv[1]))["findings"] if f["kind"] == "vuln"]
owners = {f["owner"] for f in fs}
ok = fs and owners <= {"base", "app"} and owners == {"base", "app"} and \
    all(f["base_image"] == "debian:12" for f in fs)
sys.exit(0 if ok else 1)
PY

# The N riskiest across both images.
run_moat basescan scan --format json --db "$W/vuln.db" "$BASE"
[ "$RC" = 0 ] || { moat_err basescan; fail "moat scan base.tar: $(describe_rc "$RC")"; }
run_moat top top -n 5 --format json --db "$W/vuln.db" "$BASE" "$APP"
[ "$RC" = 0 ] || { moat_err top; fail "moat top: $(describe_rc "$RC")"; }
run_moat toptable top -n 5 --db "$W/vuln.db" "$BASE" "$APP"
[ "$RC" = 0 ] || { moat_err toptable; fail "moat top (table): $(describe_rc "$RC")"; }
[ "$(grep -c "$SAMPLE" "$W/toptable.out")" = 5 ] || fail "moat top table has not 5 rows"
$PY - "$W/top.out" "$BASE" "$W/basescan.out" "$APP" "$W/app.out" <<'PY' || fail "moat top is wrong (above)"
import json, sys
top = json.load(open(sys.argv[1]))["findings"]
scans = {sys.argv[2]: json.load(open(sys.argv[3]))["findings"],
         sys.argv[4]: json.load(open(sys.argv[5]))["findings"]}
live = {img: [f for f in fs if not f.get("suppressed") and f["kind"] == "vuln"]
        for img, fs in scans.items()}
risks = [t["risk"] for t in top]
want = sorted((f["risk"]["score"] for fs in live.values() for f in fs), reverse=True)[:5]
errs = []
if len(top) != 5:
    errs.append("%d findings, want 5" % len(top))
if risks != sorted(risks, reverse=True):
    errs.append("risks not in non-increasing order: %s" % risks)
if risks != want:
    errs.append("risks %s, the 5 highest of both scans are %s" % (risks, want))
for t in top:
    same = [f for f in live.get(t["image"], []) if f["id"] == t["id"] and
            f["package"] == t["package"] and f["risk"]["score"] == t["risk"] and
            f["installed_version"] == t["installed_version"] and f["owner"] == t["owner"]]
    if not same:
        errs.append("%s %s in %s: not in that image's scan with risk %d" %
                    (t["id"], t["package"], t["image"], t["risk"]))
for e in errs:
    print("  " + e, file=sys.stderr)
if len(set(want)) < 3:
    errs.append("the scans' risks %s do not discriminate" % want)
sys.exit(1 if errs else 0)
PY
pass "base add/list, owners from the index, top 5 across images"
