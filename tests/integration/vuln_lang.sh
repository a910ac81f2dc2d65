#!/bin/bash
# Vulnerability matching on language packages, end to end with the real OSV
# data (PyPI advisories in YAML, the Go vulndb in JSON): an image holding
# Debian's python3-requests (a pinned, vulnerable 2.28.1) and Debian's Go
# binary dockerd (stdlib and modules built into it) must yield exactly the
# advisories an independent evaluation of the raw records finds
# (tests/tools/langvulncheck.py: PyPA packaging for PEP 440, SemVer for Go),
# each with the fixed version of the matching interval; and the SBOMs carry
# these packages with their purls.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
export MOAT_BASE_INDEX=$W/bases.jsonl
for f in /usr/lib/python3/dist-packages/requests /usr/sbin/dockerd; do
    [ -e "$f" ] || fail "$f missing (scripts/setup installs python3-requests and docker.io)"
done
root=$W/root
mkdir -p "$root/usr/lib/python3/dist-packages" "$root/usr/sbin"
cp -a /usr/lib/python3/dist-packages/requests /usr/lib/python3/dist-packages/requests-*.egg-info \
    "$root/usr/lib/python3/dist-packages/"
cp /usr/sbin/dockerd "$root/usr/sbin/"
mkdir -p "$W/osv"
tar --zstd -xf "$SHARED/vulndb/osv-pypi.tar.zst" -C "$W/osv"
tar --zstd -xf "$SHARED/vulndb/osv-go.tar.zst" -C "$W/osv"
run_moat dbbuild db build --from "$SHARED/vulndb/osv-pypi.tar.zst" \
    --from "$SHARED/vulndb/osv-go.tar.zst" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err dbbuild; fail "moat db build: $(describe_rc "$RC")"; }
run_moat scan scan --format json --db "$W/vuln.db" "dir:$root"
[ "$RC" = 0 ] || { moat_err scan; fail "moat scan: $(describe_rc "$RC")"; }
$PY "$TOOLS/langvulncheck.py" "$W/scan.out" --osv-dir "$W/osv" --ecosystem PyPI --ecosystem Go >&2 ||
    fail "language findings differ from the OSV oracle (above)"
grep -q '"PYSEC-2023-74"' "$W/scan.out" || fail "requests 2.28.1: PYSEC-2023-74 (fixed 2.31.0) missing"
# SBOMs: language packages with purls, schema-valid.
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
for kind in cyclonedx spdx; do
    run_moat "sbom-$kind" sbom --format "$kind" "dir:$root"
    [ "$RC" = 0 ] || { moat_err "sbom-$kind"; fail "moat sbom $kind: $(describe_rc "$RC")"; }
    $PY "$TOOLS/scancheck.py" sbom "$kind" "$W/sbom-$kind.out" --schemas "$schemas" >&2 ||
        fail "moat sbom --format $kind: invalid document"
    for purl in pkg:pypi/requests@2.28.1 pkg:golang/stdlib@; do
        grep -q "$purl" "$W/sbom-$kind.out" || fail "$kind SBOM lacks $purl"
    done
done
pass "$(grep -c '"kind": "vuln"' "$W/scan.out") findings on PyPI + Go packages match the OSV oracle"
