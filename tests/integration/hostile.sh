#!/bin/bash
# Hostile images (tests/tools/hostile.py): moat must reject each bad input
# with exit 2 and a message naming it, within 60 s, without printing a
# partial result, and must never write or read outside its sandbox: no file
# may appear in its cwd, HOME, /tmp or any parent of its scratch dirs, and
# nothing from the planted canary outside the image may show up in output.
# Images that are legal but nasty (symlinks leaving the root) may also scan
# successfully (exit 0) as long as the output shows no escape.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work

H=$MOAT_CACHE/hostile
$PY "$TOOLS/hostile.py" "$H" 2>"$W/hostile-gen.log" || {
    cat "$W/hostile-gen.log" >&2; fail "tests/tools/hostile.py failed"; }
[ -s "$H/cases.tsv" ] || fail "no $H/cases.tsv"

# Canary outside every image: symlinks in the images point here.
canary=/tmp/moat-hostile-canary
mkdir -p "$canary"
printf 'ID=moat-escaped\nVERSION_ID="666"\nNAME=moat-escaped\n' >"$canary/os-release"
printf 'Package: moat-escaped\nStatus: install ok installed\nVersion: 6.6.6\n\n' >"$canary/status"

sums() { sha256sum /etc/passwd /etc/shadow 2>/dev/null; }
sums >"$W/etc.sums"
cp -p /etc/passwd "$W/passwd.bak"

# Where an extracting scanner would drop escape-canary / moat-hostile-escape*:
# every ancestor of its cwd and temp dir, /tmp and /.
escape_dirs() {
    local d
    for d in "$W/cwd/x" "$W/tmp/x/y" "$W/home"; do
        while [ "$d" != / ]; do d=$(dirname "$d"); echo "$d"; done
    done
    echo /tmp
    echo /root
} 
escapes() {
    local d
    for d in $(escape_dirs | sort -u); do
        ls -d "$d"/escape-canary* "$d"/moat-hostile-escape* 2>/dev/null || true
    done
}
leftover=$(escapes)
if [ -n "$leftover" ]; then
    note "removing escape files left by an earlier run: $leftover"
    rm -rf $leftover
fi

failures=()
bad() { failures+=("$1: $2"); echo "  FAIL $1: $2" >&2; }
n=0
while IFS=$'\t' read -r name target expect checks desc; do
    [ -n "$name" ] || continue
    n=$((n + 1))
    kind=${target%%:*}
    input=$H/${target#*:}
    rm -rf "$W/cwd" "$W/home" "$W/tmp"
    mkdir -p "$W/cwd" "$W/home" "$W/tmp"
    touch "$W/marker"


    t0=$(date +%s)
    rc=0
    (cd "$W/cwd" && HOME="$W/home" TMPDIR="$W/tmp" \
        timeout -k 5 60 "$MOAT" scan --format json "$kind:$input" \
        >"$W/$name.out" 2>"$W/$name.err") || rc=$?
    secs=$(( $(date +%s) - t0 ))

    case ",$expect," in
        *",$rc,"*) ;;
        *) bad "$name" "$(describe_rc "$rc"), want exit $expect ($desc)"
           tail -c 600 "$W/$name.err" | sed 's/^/    | /' >&2 ;;
    esac
    [ "$secs" -le 60 ] || bad "$name" "took ${secs}s (limit 60 s)"
    if [ "$rc" = 2 ]; then
        grep -qF "$(basename "$input")" "$W/$name.err" ||
            bad "$name" "stderr does not name the input $(basename "$input")"
        if [ -s "$W/$name.out" ] && grep -q '"packages"' "$W/$name.out"; then
            bad "$name" "stdout holds a (partial) result with \"packages\" despite the error"
        fi
    elif [ "$rc" = 0 ]; then
        opt=(); [ "$checks" = no-os ] && opt=(--no-os)
        $PY "$TOOLS/scancheck.py" hostile-ok "$W/$name.out" "${opt[@]}" 2>"$W/$name.chk" ||
            bad "$name" "exit 0 but: $(cat "$W/$name.chk")"
    fi

    # Nothing written outside the sandbox.
    [ -z "$(ls -A "$W/cwd")" ] || bad "$name" "wrote into its cwd: $(ls -A "$W/cwd" | head -5 | tr '\n' ' ')"
    # The one thing a scan keeps in HOME: the compiled pattern databases and
    # YARA rules of its rule sets (~/.cache/moat/{hyperscan,yara}/*.db,
    # docs/content-scanners.md), whatever the input; anything else is an escape.
    other=$(find "$W/home" -mindepth 1 ! -path "$W/home/.cache" ! -path "$W/home/.cache/moat" \
        ! -path "$W/home/.cache/moat/hyperscan" ! -path "$W/home/.cache/moat/hyperscan/*.db" \
        ! -path "$W/home/.cache/moat/yara" ! -path "$W/home/.cache/moat/yara/rules-*.db" | head -5)
    [ -z "$other" ] || bad "$name" "wrote into HOME: $(echo "$other" | tr '\n' ' ')"
    found=$(escapes)
    [ -z "$found" ] || { bad "$name" "files escaped the sandbox: $found"; rm -rf $found; }
    changed=$(find "$H" -newer "$W/marker" 2>/dev/null | head -5)
    [ -z "$changed" ] || bad "$name" "modified the input: $changed"
    if ! sums | cmp -s - "$W/etc.sums"; then
        bad "$name" "/etc/passwd or /etc/shadow changed!"
        cp -p "$W/passwd.bak" /etc/passwd
        sums >"$W/etc.sums"
    fi
    echo "  $name: $(describe_rc "$rc") in ${secs}s" >&2
done <"$H/cases.tsv"

[ "$n" -gt 0 ] || fail "no cases in $H/cases.tsv"
[ ${#failures[@]} -eq 0 ] || fail "${#failures[@]} problems in $n hostile images:
$(printf '  %s\n' "${failures[@]}")"
pass "$n hostile images"
