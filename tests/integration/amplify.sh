#!/bin/bash
# Amplification images (tests/tools/amplify.py): small, legal images that ask
# for a lot of work. One layer listed 1000 times (docker-archive and OCI
# layout); 1000 layers each rewriting a dpkg status of 300 packages (one
# version bump per layer, or the same list each time); a 20k-file layer
# alternating with a one-file layer; 999 small databases before one of 50000
# packages. Each must scan with exit 0, report every package at the layer
# that last changed its version (the Python package of the repeated layer at
# its last position), and stay within a CPU-time and peak-RSS bound. The
# alternation with 70k files is past the merge limit, and one whose opaque
# marker covers its own files past the history limit: exit 2 naming the
# input, within the same bounds. The bounds are loose enough for an ASan
# build on a busy 2-core machine (CPU time, not wall time, which other jobs
# inflate), and tight enough that reading or merging each repetition again
# (the old cost: 6 s of CPU and 320 MiB in a release build for the OCI
# repeat, 1.3 GiB for the alternation) fails them.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work

CPU_MAX=${AMPLIFY_CPU_MAX:-10}        # seconds of user+system time
RSS_MAX=${AMPLIFY_RSS_MAX:-262144}    # KiB (256 MiB)
WALL_MAX=60                           # only against hangs

# ASan keeps up to 256 MiB of freed blocks in quarantine (a thousand layers
# free a thousand sets of read buffers): shrink it, so RSS measures moat.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16

A=$MOAT_CACHE/amplify
$PY "$TOOLS/amplify.py" "$A" 2>"$W/gen.log" || { cat "$W/gen.log" >&2; fail "amplify.py failed"; }

failures=()
bad() { failures+=("$1: $2"); echo "  FAIL $1: $2" >&2; }
targets="docker-archive:repeat.tar oci:repeat.oci oci:churn.oci oci:same.oci oci:alternate.oci
         oci:bigfinal.oci oci:overmerge.oci oci:selfwhiteout.oci"
n=0
for target in $targets; do
    name=${target#*:}
    n=$((n + 1))
    want_err=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]].get("error", ""))' \
        "$A/expect.json" "$name")
    rc=0
    /usr/bin/time -o "$W/$name.time" -f '%U %S %M %e' \
        timeout -k 5 "$WALL_MAX" "$MOAT" scan --format json "${target%%:*}:$A/$name" \
        >"$W/$name.json" 2>"$W/$name.err" || rc=$?
    want_rc=0
    [ -z "$want_err" ] || want_rc=2
    if [ "$rc" != "$want_rc" ]; then
        bad "$name" "$(describe_rc "$rc"), want exit $want_rc"
        tail -c 600 "$W/$name.err" | sed 's/^/    | /' >&2
        continue
    fi
    read -r user sys rss wall < <(tail -1 "$W/$name.time")
    cpu=$(echo "$user + $sys" | bc -l)
    echo "  $name: exit $rc, cpu ${cpu}s, wall ${wall}s, max RSS $((rss / 1024)) MiB" >&2
    [ "$(echo "$cpu < $CPU_MAX" | bc -l)" = 1 ] || bad "$name" "took ${cpu}s of CPU (limit ${CPU_MAX}s)"
    [ "$rss" -lt "$RSS_MAX" ] || bad "$name" "max RSS ${rss} KiB (limit ${RSS_MAX} KiB)"
    if [ -n "$want_err" ]; then
        grep -qF "$want_err" "$W/$name.err" && grep -qF "$name" "$W/$name.err" ||
            bad "$name" "stderr does not name the input and say \"$want_err\": $(cat "$W/$name.err")"
        ! grep -q '"packages"' "$W/$name.json" || bad "$name" "a partial result on stdout"
        continue
    fi
    $PY "$TOOLS/amplify.py" --check "$A" "$name" "$W/$name.json" 2>"$W/$name.chk" ||
        bad "$name" "wrong packages: $(head -5 "$W/$name.chk" | tr '\n' ';')"
done

[ ${#failures[@]} -eq 0 ] || fail "${#failures[@]} problems:
$(printf '  %s\n' "${failures[@]}")"
pass "$n amplification images within ${CPU_MAX}s CPU and $((RSS_MAX / 1024)) MiB"
