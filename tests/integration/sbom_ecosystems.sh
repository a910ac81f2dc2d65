#!/bin/bash
# What each language ecosystem adds to the SBOM beyond name and version,
# on small trees written here (tests/tools/sbomeco.py): Python RECORD file
# digests (checked against the bytes), Go h1: digests (from go.sum) and
# LICENSE texts in the module cache and vendor/, a jar's pom.xml licences,
# gemspec licences, Gemfile.lock graph and CHECKSUMS, Cargo.lock graph and
# checksums with a registry crate's Cargo.toml licence, composer.lock graph,
# shasum and licences; and yarn v1, yarn berry and pnpm v5/v6/v9 locks of one
# project giving the very graph and integrity its package-lock.json gives.
# Expected values come from the fixture writer, not from moat. The CycloneDX
# (1.6, with --files) must pass the official schema and
# @cyclonedx/cyclonedx-library; the JSON report carries the same edges.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
start=$(date +%s%N)
F=$W/tree
$PY "$TOOLS/sbomeco.py" build "$F" "$REPO" || fail "could not write the fixture tree"
run_moat cdx sbom --files --format cyclonedx "dir:$F"
[ "$RC" = 0 ] || { moat_err cdx; fail "moat sbom --files: $(describe_rc "$RC")"; }
run_moat json scan --no-vuln --format json "dir:$F"
[ "$RC" = 0 ] || { moat_err json; fail "moat scan --format json: $(describe_rc "$RC")"; }
$PY "$TOOLS/sbomeco.py" check "$F" "$W/cdx.out" "$W/json.out" ||
    fail "hashes, licences or graphs differ from the fixture's (above)"
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
$PY "$TOOLS/scancheck.py" sbom cyclonedx "$W/cdx.out" --schemas "$schemas" >&2 ||
    fail "moat sbom --files: invalid CycloneDX"
"$TOOLS/cdx-validate.sh" "$W/cdx.out" ||
    fail "@cyclonedx/cyclonedx-library rejects moat's CycloneDX (above)"
note "took $(( ($(date +%s%N) - start) / 1000000 )) ms"
pass "RECORD/h1/checksum/shasum hashes, pom/Go/gem/cargo/composer licences, yarn/pnpm/gem/cargo/composer graphs"
