#!/bin/bash
# Run every integration test (or those named) and summarise.
#   MOAT=build/moat tests/integration/run.sh [scan_debian.sh ...]
# Each test runs standalone; see lib.sh for the environment it reads.
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
cd "$dir"
if [ $# -gt 0 ]; then tests=("$@"); else
    tests=(); for t in *.sh; do case $t in lib.sh|run.sh) ;; *) tests+=("$t") ;; esac; done
fi
p=0 f=0 s=0
for t in "${tests[@]}"; do
    start=$(date +%s)
    bash "$dir/$(basename "$t")"
    rc=$?
    case $rc in
        0) p=$((p + 1)) ;;
        77) s=$((s + 1)) ;;
        *) f=$((f + 1)); echo "^^ $t failed (exit $rc)" >&2 ;;
    esac
    echo "   ($t: $(( $(date +%s) - start ))s)"
done
echo "integration: $p passed, $f failed, $s skipped"
[ "$f" = 0 ]
