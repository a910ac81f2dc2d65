#!/bin/bash
# cdx-validate.sh FILE... - validate CycloneDX JSON with @cyclonedx/cyclonedx-library
# (tests/tools/cdx-validate/: versions pinned in package-lock.json, installed
# once with `npm ci` into $MOAT_CACHE/cdx-validate, reinstalled when the
# lock changes). Exit as validate.mjs: 0 valid, 1 invalid, 2 setup error.
set -euo pipefail
src=$(cd "$(dirname "$0")/cdx-validate" && pwd)
dir=${MOAT_CACHE:-/var/cache/moat}/cdx-validate
if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" 2>/dev/null ||
   [ ! -d "$dir/node_modules/@cyclonedx/cyclonedx-library" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --silent >/dev/null 2>&1) ||
        { echo "cdx-validate: npm ci in $dir failed" >&2; rm -rf "$dir"; exit 2; }
fi
cp "$src/validate.mjs" "$dir/validate.mjs"
exec node "$dir/validate.mjs" "$@"
