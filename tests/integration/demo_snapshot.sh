#!/bin/bash
# The main job from a fresh clone: the demo image scanned with a DB built
# from the feed snapshot shipped in data/feeds only (MOAT_FEEDS and
# ../shared are not used). Findings must carry severities with their
# source, base/app owners and risk; urllib3 that apt installed must be
# matched through its deb (no upstream PYSEC-2023-192, which Debian
# backported), while the same egg-info outside dpkg's control does match.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
unset MOAT_FEEDS
FEEDS=$REPO/data/feeds
for f in debian-tracker-bookworm.json.zst kev.json.zst osv-pypi.tar.zst PROVENANCE.md; do
    [ -s "$FEEDS/$f" ] || fail "data/feeds/$f missing"
done
DEMO=$MOAT_CACHE/demo
"$REPO/scripts/build-demo-image" "$DEMO" >"$W/build-demo.log" 2>&1 || {
    tail -n 30 "$W/build-demo.log" >&2; fail "scripts/build-demo-image failed (log above)"; }
run_moat db db build --from "$FEEDS/debian-tracker-bookworm.json.zst" \
    --from "$FEEDS/kev.json.zst" --from "$FEEDS/osv-pypi.tar.zst" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err db; fail "moat db build from data/feeds: $(describe_rc "$RC")"; }
run_moat scan scan --format json --db "$W/vuln.db" --base-image "docker-archive:$DEMO/base.tar" \
    "docker-archive:$DEMO/demo.tar"
[ "$RC" = 0 ] || { moat_err scan; fail "moat scan: $(describe_rc "$RC")"; }
run_moat table scan --db "$W/vuln.db" --base-image "docker-archive:$DEMO/base.tar" \
    "docker-archive:$DEMO/demo.tar"
[ "$RC" = 0 ] || { moat_err table; fail "moat scan (table): $(describe_rc "$RC")"; }
grep -Eq '^ +PYSEC-2024-71 +high +[0-9]+ +Flask-Cors .* app +osv$' "$W/table.out" ||
    fail "table: no 'PYSEC-2024-71 high ... app osv' row"
# The counterfactual: the same egg-info with no dpkg database around it.
mkdir -p "$W/root/usr/lib/python3/dist-packages"
egg=/usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info
[ -d "$egg" ] || fail "$egg missing (scripts/setup installs python3-requests, which pulls it in)"
cp -a "$egg" "$W/root/usr/lib/python3/dist-packages/"
run_moat bare scan --format json --db "$W/vuln.db" "dir:$W/root"
[ "$RC" = 0 ] || { moat_err bare; fail "moat scan dir:: $(describe_rc "$RC")"; }
$PY - "$W/scan.out" "$W/bare.out" <<'PY' || fail "demo findings are not what the snapshot holds (above)"
import json, sys
d = json.load(open(sys.argv[1]))
fs = [f for f in d["findings"] if f["kind"] == "vuln"]  # content findings: scan_content.sh
bad = []
def want(cond, what):
    if not cond:
        bad.append(what)
rated = [f for f in fs if f["severity"] != "unknown"]
want(rated, "no finding with a severity")
for f in rated:
    want(f["severity_source"] in ("osv", "nvd", "advisory", "debian-urgency"),
         f"{f['id']}: severity_source {f['severity_source']!r}")
    want(f["cvss"] is None or f["cvss"]["score"] > 0, f"{f['id']}: CVSS without a score")
by = {(f["id"], f["package"]): f for f in fs}
fc = by.get(("PYSEC-2024-71", "Flask-Cors"))
want(fc and fc["severity"] == "high" and fc["cvss"]["score"] == 7.5 and fc["owner"] == "app"
     and fc["fixed_version"] == "5.0.0" and fc["risk"]["score"] > 0, f"Flask-Cors finding: {fc}")
jw = by.get(("PYSEC-2024-104", "jwcrypto"))
want(jw and jw["severity"] == "medium" and jw["severity_source"] == "osv", f"jwcrypto finding: {jw}")
owners = {f["owner"] for f in fs}
want(owners == {"base", "app"}, f"owners {owners}")
want(all(f["severity"] == "unknown" and f["severity_source"] is None
         for f in fs if f["type"] == "deb"),
     "a deb finding has a severity, but the snapshot's tracker has no urgencies")
pk = {p["name"]: p for p in d["packages"] if p["type"] == "pypi"}
u = pk.get("urllib3")
want(u and u.get("os_package") == "python3-urllib3", f"urllib3 os_package: {u}")
want("os_package" not in pk.get("Flask-Cors", {"os_package": 1}), "vendored Flask-Cors has an os_package")
want(not [f for f in fs if f["package"] == "urllib3"], "urllib3 (dpkg-owned) matched upstream ranges")
bare = [f for f in json.load(open(sys.argv[2]))["findings"] if f["kind"] == "vuln"]
want(any(f["id"] == "PYSEC-2023-192" for f in bare),
     "the bare urllib3 1.26.12 egg-info does not match PYSEC-2023-192: the test proves nothing")
for b in bad:
    print("  " + b, file=sys.stderr)
sev = {}
for f in fs:
    sev[f["severity"]] = sev.get(f["severity"], 0) + 1
print(f"{len(fs)} findings {sev}; {len(rated)} rated; urllib3 owned by "
      f"{u and u.get('os_package')}; bare copy: {len(bare)} findings", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
pass "fresh-clone demo: $(grep -c '"kind": "vuln"' "$W/scan.out") findings from data/feeds, with severities"
