#!/bin/bash
# SBOM depth on the sample Debian image: licenses (from
# /usr/share/doc/PKG/copyright) for >= 95% of the debs, measured and printed;
# the dependency graph (dpkg Pre-Depends/Depends) in CycloneDX
# "dependencies" and SPDX DEPENDS_ON equal to the edges an independent
# reading of the dpkg database gives (SPDX LicenseRefs declared in
# hasExtractedLicensingInfos) (dpkg-query, resolved by name, then
# Provides); locations/evidence as CycloneDX properties; the documents valid
# against the official schemas (CycloneDX 1.6 and 1.5, SPDX 2.3) and, for
# CycloneDX, by @cyclonedx/cyclonedx-library's own validator (npm, pinned).
# Then the other graphs and hashes, each against an independent oracle
# (tests/tools/sbomdepth-check.py): npm (express fixture: every edge `npm ls`
# prints, the lock's integrity as a hash of every package; v1/v2/v3 locks of
# one project give one graph), poetry.lock/uv.lock, PyPI licences, apk D:/p:,
# rpm requires as rpm itself resolves them (rpms built here with rpmbuild).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
start=$(date +%s%N)
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
for kind in cyclonedx spdx; do
    run_moat "$kind" sbom --format "$kind" "docker-archive:$SAMPLE/app.tar"
    [ "$RC" = 0 ] || { moat_err "$kind"; fail "moat sbom --format $kind: $(describe_rc "$RC")"; }
    $PY "$TOOLS/scancheck.py" sbom "$kind" "$W/$kind.out" --schemas "$schemas" \
        --dpkg "$SAMPLE/app.dpkg" >&2 || fail "moat sbom --format $kind: invalid document"
done
dpkg-query --admindir="$SAMPLE/app-root/var/lib/dpkg" -W \
    -f '${Package}\t${Provides}\t${Pre-Depends}, ${Depends}\n' >"$W/dpkg-rel"
$PY - "$W/cyclonedx.out" "$W/spdx.out" "$W/dpkg-rel" <<'PY' || fail "licenses or graph wrong (above)"
import json, re, sys
cdx, spdx = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
# independent oracle: first installed alternative by name, else by Provides
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[3])]
names = {r[0] for r in rows}
prov = {}
for r in rows:
    for p in filter(None, (x.strip() for x in r[1].split(","))):
        prov.setdefault(re.split(r"[ (:]", p)[0], r[0])
want = set()
for r in rows:
    for g in r[2].split(","):
        for alt in g.split("|"):
            n = re.split(r"[ (:]", alt.strip())[0]
            hit = n if n in names else prov.get(n)
            if n and hit:
                if hit != r[0]:
                    want.add((r[0], hit))
                break
debs = [c for c in cdx["components"] if "pkg:deb/" in (c.get("purl") or "")]
ref = {c["bom-ref"]: c["name"] for c in debs}
got = set()
for d in cdx["dependencies"]:
    if d["ref"] in ref:
        got |= {(ref[d["ref"]], ref[x]) for x in d.get("dependsOn", []) if x in ref}
for e in sorted(want - got)[:10]:
    bad.append(f"cyclonedx: missing edge {e}")
for e in sorted(got - want)[:10]:
    bad.append(f"cyclonedx: unexpected edge {e}")
sid = {p["SPDXID"]: p["name"] for p in spdx["packages"]}
sgot = {(sid[r["spdxElementId"]], sid[r["relatedSpdxElement"]]) for r in spdx["relationships"]
        if r["relationshipType"] == "DEPENDS_ON"}
if sgot != want:
    bad.append(f"spdx: DEPENDS_ON differs from dpkg ({len(sgot ^ want)} edges)")
lic = [c for c in debs if c.get("licenses")]
cov = len(lic) / len(debs)
if cov < 0.95:
    bad.append(f"licenses for {len(lic)}/{len(debs)} debs, under 95%")
spdx_lic = [p for p in spdx["packages"] if p.get("licenseDeclared") not in (None, "NOASSERTION")]
if len(spdx_lic) < 0.95 * len(debs):
    bad.append(f"SPDX licenseDeclared on {len(spdx_lic)} of {len(debs)} debs")
declared = {x["licenseId"] for x in spdx.get("hasExtractedLicensingInfos", [])}
used = {r for p in spdx_lic for r in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", p["licenseDeclared"])}
if used - declared:
    bad.append(f"SPDX LicenseRefs used but not declared: {sorted(used - declared)[:5]}")
for b in bad:
    print("  " + b, file=sys.stderr)
print(f"licenses: {len(lic)}/{len(debs)} debs ({cov:.1%}; SPDX licenseDeclared on {len(spdx_lic)}); "
      f"graph: {len(got)} dpkg edges (oracle {len(want)})", file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# ---- --files: each deb's files with dpkg's MD5, checked against the bytes ----
run_moat files sbom --files "docker-archive:$SAMPLE/app.tar"
[ "$RC" = 0 ] || { moat_err files; fail "moat sbom --files: $(describe_rc "$RC")"; }
$PY - "$W/files.out" "$SAMPLE/app-root" <<'PY' || fail "--files digests wrong (above)"
import hashlib, json, os, sys
d, root = json.load(open(sys.argv[1])), sys.argv[2]
debs = [c for c in d["components"] if "pkg:deb/" in c.get("purl", "")]
with_files = [c for c in debs if c.get("components")]
n = checked = bad = 0
for c in with_files:
    for f in c["components"]:
        n += 1
        path = os.path.join(root, f["name"].lstrip("/"))
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        checked += 1
        want = hashlib.md5(open(path, "rb").read()).hexdigest()
        if f["hashes"] != [{"alg": "MD5", "content": want}]:
            bad += 1
            if bad <= 5:
                print(f'  {c["name"]}: {f["name"]}: {f["hashes"]} != md5 {want}', file=sys.stderr)
print(f"--files: {len(with_files)}/{len(debs)} debs with file digests, {n} files, "
      f"{checked} checked against the rootfs bytes, {bad} wrong", file=sys.stderr)
sys.exit(1 if bad or checked < 1000 or len(with_files) < 0.9 * len(debs) else 0)
PY

# ---- language graphs, hashes and licences; apk and rpm graphs ----
NPMFIX=$(ls -d "$MOAT_CACHE"/npm-fixture/*/ 2>/dev/null | head -n 1)
[ -n "$NPMFIX" ] || fail "no npm fixture in $MOAT_CACHE/npm-fixture (lang_node builds it)"
command -v rpmbuild >/dev/null || fail "rpmbuild missing (scripts/setup installs rpm)"
L=$W/lang
mkdir -p "$L/srv/web" "$L/srv/v1" "$L/srv/v2" "$L/srv/v3" "$L/usr/lib/python3/dist-packages"
cp -a "$NPMFIX/app/." "$L/srv/web/"
for v in 1 2 3; do cp "$REPO/tests/data/lang/package-lock-v$v.json" "$L/srv/v$v/package-lock.json"; done
cp -a /usr/lib/python3/dist-packages/*.dist-info /usr/lib/python3/dist-packages/*.egg-info \
    "$L/usr/lib/python3/dist-packages/" 2>/dev/null || true
$PY "$TOOLS/sbomdepth-check.py" fixtures "$L"
run_moat lang sbom "dir:$L"
[ "$RC" = 0 ] || { moat_err lang; fail "moat sbom dir:lang: $(describe_rc "$RC")"; }
run_moat lang-spdx sbom --format spdx "dir:$L"
[ "$RC" = 0 ] || { moat_err lang-spdx; fail "moat sbom --format spdx dir:lang: $(describe_rc "$RC")"; }
$PY "$TOOLS/scancheck.py" sbom spdx "$W/lang-spdx.out" --schemas "$schemas" >&2 ||
    fail "SPDX of dir:lang: invalid document"

# rpm: rpms whose requirements rpm resolves by name, by a virtual Provides
# and by a file path; the oracle is rpm's own --whatprovides.
R=$W/rpm
mkdir -p "$R/root/etc"
printf 'ID=rocky\nVERSION_ID=9.3\n' >"$R/root/etc/os-release"
$PY "$TOOLS/sbomdepth-check.py" rpm-specs "$R/specs"
for spec in "$R"/specs/*.spec; do
    rpmbuild -bb --quiet --define "_topdir $R/top" "$spec" >/dev/null 2>&1 || fail "rpmbuild $spec failed"
done
rq() { rpm --root "$R/root" --define '_dbpath /var/lib/rpm' "$@" 2>/dev/null; }
rpm --root "$R/root" --define '_dbpath /var/lib/rpm' --define '_db_backend sqlite' \
    --nodeps --justdb -i "$R"/top/RPMS/noarch/*.rpm 2>/dev/null || fail "rpm --justdb -i failed"
for p in $(rq -qa --qf '%{NAME}\n'); do
    rq -q --requires "$p" | { grep -v '^rpmlib(' || true; } | while read -r req _; do
        n=$(rq -q --whatprovides "$req" --qf '%{NAME}\n') && echo "$p ${n%%$'\n'*}" || true
    done
done | awk '$1 != $2' | sort -u >"$W/rpm-oracle"
run_moat rpm sbom --format cyclonedx-1.5 "dir:$R/root"
[ "$RC" = 0 ] || { moat_err rpm; fail "moat sbom dir:rpm: $(describe_rc "$RC")"; }
$PY "$TOOLS/scancheck.py" sbom cyclonedx "$W/rpm.out" --schemas "$schemas" --cdx 1.5 >&2 ||
    fail "moat sbom --format cyclonedx-1.5: invalid document"
# One node start for all: CycloneDX 1.6 (sample, --files, languages) and 1.5 (rpm).
"$TOOLS/cdx-validate.sh" "$W/cyclonedx.out" "$W/files.out" "$W/lang.out" "$W/rpm.out" ||
    fail "@cyclonedx/cyclonedx-library rejects moat's CycloneDX (above)"
$PY "$TOOLS/sbomdepth-check.py" check "$W/lang.out" "$W/lang-spdx.out" "$NPMFIX" "$W/rpm.out" \
    "$W/rpm-oracle" || fail "language/apk/rpm graphs, hashes or licences wrong (above)"
note "took $(( ($(date +%s%N) - start) / 1000000 )) ms"
pass "licenses, graphs (dpkg, npm, poetry/uv, apk, rpm), hashes and schema validity of the SBOMs"
