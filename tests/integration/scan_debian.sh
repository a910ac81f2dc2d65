#!/bin/bash
# The Debian 12 sample image, in every archive format moat reads, must give
# exactly the packages dpkg itself lists, each attributed to the layer that
# installed it; and its SBOMs must validate against the official schemas.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image

targets=(
    "docker-archive:$SAMPLE/app.tar"
    "oci:$SAMPLE/app-oci"
    "docker-archive:$SAMPLE/app-ocidocker.tar"
    "oci:$SAMPLE/app-oci-zstd.tar"
)
i=0
for t in "${targets[@]}"; do
    i=$((i + 1))
    run_moat "scan$i" scan --format json "$t"
    [ "$RC" = 0 ] || { moat_err "scan$i"; fail "moat scan $t: $(describe_rc "$RC"), want exit 0"; }
    $PY "$TOOLS/scancheck.py" debian "$W/scan$i.out" --dpkg "$SAMPLE/app.dpkg" \
        --diff-ids "$SAMPLE/diff_ids" --layer2 "$SAMPLE/layer2.pkgs" ||
        fail "moat scan $t: wrong result (details above; output in $W/scan$i.out)"
done

# The one-layer base image: everything in that layer.
head -n 1 "$SAMPLE/diff_ids" >"$W/base.diff_ids"
run_moat base scan --format json "docker-archive:$SAMPLE/base.tar"
[ "$RC" = 0 ] || { moat_err base; fail "moat scan base.tar: $(describe_rc "$RC")"; }
$PY "$TOOLS/scancheck.py" debian "$W/base.out" --dpkg "$SAMPLE/base.dpkg" \
    --diff-ids "$W/base.diff_ids" || fail "moat scan base.tar: wrong result (details above)"

# SBOMs, validated against the official JSON schemas (fetched once, cached).
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the SBOM schemas"
for kind in cyclonedx spdx; do
    run_moat "sbom-$kind" sbom --format "$kind" "docker-archive:$SAMPLE/app.tar"
    [ "$RC" = 0 ] || { moat_err "sbom-$kind"; fail "moat sbom --format $kind: $(describe_rc "$RC")"; }
    $PY "$TOOLS/scancheck.py" sbom "$kind" "$W/sbom-$kind.out" --schemas "$schemas" \
        --dpkg "$SAMPLE/app.dpkg" >&2 || fail "moat sbom --format $kind: invalid document (above)"
done

pass "4 archive formats + base image + CycloneDX/SPDX schema-valid"
