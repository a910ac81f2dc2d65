#!/bin/bash
# SBOM depth on the sample Debian image: licenses (from
# /usr/share/doc/PKG/copyright) for >= 95% of the debs, measured and printed;
# the dependency graph (dpkg Pre-Depends/Depends) in CycloneDX
# "dependencies" and SPDX DEPENDS_ON equal to the edges an independent
# reading of the dpkg database gives (SPDX LicenseRefs declared in
# hasExtractedLicensingInfos) (dpkg-query, resolved by name, then
# Provides); locations/evidence as CycloneDX properties; both documents valid
# against the official schemas (CycloneDX 1.5, SPDX 2.3).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
for kind in cyclonedx spdx; do
    run_moat "$kind" sbom --format "$kind" "docker-archive:$SAMPLE/app.tar"
    [ "$RC" = 0 ] || { moat_err "$kind"; fail "moat sbom --format $kind: $(describe_rc "$RC")"; }
    $PY "$TOOLS/scancheck.py" sbom "$kind" "$W/$kind.out" --schemas "$schemas" --dpkg "$SAMPLE/app.dpkg" >&2 ||
        fail "moat sbom --format $kind: invalid document"
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
pass "licenses, dpkg graph and schema validity of the sample image's SBOMs"
