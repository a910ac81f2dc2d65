#!/bin/bash
# moat's merged view of an image must be the engine's. Each crafted image of
# tests/tools/engineview.py goes through the real Docker engine (docker load,
# docker create, docker export) and through moat:
#   - the engine refuses the image -> `moat fs ls` exits 2 naming the layer;
#   - the engine accepts it -> `moat fs ls` lists the same paths, types, file
#     contents (sha256) and symlink targets as the exported rootfs;
#   - a package case -> `moat scan --format json` of the archive and of the
#     loaded image (docker:REF) report exactly the packages of the database
#     the container sees (never the decoy);
#   - a special-file case ("!") -> `moat scan` exits 2 naming the path and layer;
#   - "x": the one construct moat refuses although the engine accepts it
#     (writing through a symlink of the same layer) -> exit 2 naming the layer.
# The verdicts are written to $W/verdicts.tsv (docs/internals/layered-fs.md
# has them as a table).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
$PY "$TOOLS/engineview.py" build "$W/img" || fail "engineview.py build failed"
bad=0

# Language cases need the language catalogers; the rest run OS packages only.
lang_flag() { case $1 in lang:*) ;; *) echo --no-lang ;; esac; }

# check_report NAME OUT PKGS DESC: the report $W/NAME.OUT.out names exactly PKGS
# ("os=ID": the detected OS instead).
check_report() {
    local got
    got=$($PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
if sys.argv[2].startswith("os="):
    print("os=%s" % (d["target"].get("os") or {}).get("id"))
elif sys.argv[2].startswith("lang:"):
    print("lang:" + ",".join(sorted(p["name"] for p in d["packages"] if p["type"] == "npm")))
else:
    print(",".join(sorted(p["name"] for p in d["packages"])))' \
        "$W/$1.$2.out" "$3" 2>/dev/null) || got="(no report: $(tail -1 "$W/$1.$2.err"))"
    if [ "$got" != "$3" ]; then
        note "$1 ($4): $2: packages '$got', the container's database has '$3'"
        bad=$((bad + 1))
    fi
}

# Without the engine, the database cases still run against the known answers.
if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/dockerd ] ||
    ! "$REPO/scripts/start-dockerd" >"$W/dockerd.out" 2>&1; then
    while IFS=$'\t' read -r name file pkgs desc; do
        case $pkgs in -|x) continue ;; esac
        run_moat "$name.scan" scan --format json $(lang_flag "$pkgs") "docker-archive:$W/img/$file"
        if [ "$pkgs" = "!" ]; then
            [ "$RC" = 2 ] && grep -q "layer [0-9]" "$W/$name.scan.err" ||
                { note "$name: must exit 2 naming the layer"; bad=$((bad + 1)); }
        else
            check_report "$name" scan "$pkgs" "$desc"
        fi
    done <"$W/img/cases.tsv"
    [ "$bad" = 0 ] || fail "$bad database cases wrong (details above)"
    skip "no usable Docker engine (needs root and docker.io): only the database cases ran"
fi
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker

# The comparison itself must be able to fail: two different trees differ.
$PY "$TOOLS/engineview.py" selftest "$W/img" >"$W/selftest.out" 2>&1 ||
    { cat "$W/selftest.out" >&2; fail "engineview.py compare does not see a difference"; }

n_cases=0
: >"$W/verdicts.tsv"
while IFS=$'\t' read -r name file pkgs desc; do
    n_cases=$((n_cases + 1))
    img=moat-ev/$name:1
    ctr=moat-ev-$name
    "$docker" rm -f "$ctr" >/dev/null 2>&1 || true
    "$docker" rmi -f "$img" >/dev/null 2>&1 || true
    run_moat "$name.ls" fs ls "docker-archive:$W/img/$file"
    if ! "$docker" load -i "$W/img/$file" >"$W/$name.load" 2>&1; then
        printf '%s\trefuses\t%s\n' "$name" "$(tail -1 "$W/$name.load")" >>"$W/verdicts.tsv"
        if [ "$RC" != 2 ] || ! grep -q "layer [0-9]" "$W/$name.ls.err"; then
            note "$name ($desc): the engine refuses it, moat fs ls: $(describe_rc "$RC")"
            moat_err "$name.ls"
            bad=$((bad + 1))
        fi
        continue
    fi
    "$docker" create --name "$ctr" "$img" >/dev/null 2>"$W/$name.create" ||
        fail "$name: docker create: $(cat "$W/$name.create")"
    "$docker" export -o "$W/$name.export.tar" "$ctr" || fail "$name: docker export failed"
    "$docker" rm -f "$ctr" >/dev/null
    # The engine source (docker:REF) streams the image again for a second pass.
    [ "$pkgs" = - ] || [ "$pkgs" = "!" ] || [ "$pkgs" = x ] ||
        run_moat "$name.dscan" scan --format json $(lang_flag "$pkgs") "docker:$img"
    "$docker" rmi -f "$img" >/dev/null
    printf '%s\taccepts\t\n' "$name" >>"$W/verdicts.tsv"
    if [ "$pkgs" = x ]; then
        # Accepted by the engine, refused by moat on purpose (layered-fs.md).
        if [ "$RC" != 2 ] || ! grep -q "layer [0-9]" "$W/$name.ls.err"; then
            note "$name ($desc): moat must refuse it naming the layer: $(describe_rc "$RC")"
            bad=$((bad + 1))
        fi
        continue
    fi
    if [ "$RC" != 0 ]; then
        note "$name ($desc): the engine accepts it, moat fs ls: $(describe_rc "$RC")"
        moat_err "$name.ls"
        bad=$((bad + 1))
        continue
    fi
    if ! $PY "$TOOLS/engineview.py" compare "$W/$name.export.tar" "$W/$name.ls.out" \
            >"$W/$name.diff" 2>&1; then
        note "$name ($desc): moat's view differs from docker export:"
        sed 's/^/    /' "$W/$name.diff" >&2
        bad=$((bad + 1))
        continue
    fi
    [ "$pkgs" = - ] && continue
    run_moat "$name.scan" scan --format json $(lang_flag "$pkgs") "docker-archive:$W/img/$file"
    if [ "$pkgs" = "!" ]; then
        if [ "$RC" != 2 ] || ! grep -q "layer [0-9]" "$W/$name.scan.err"; then
            note "$name ($desc): moat scan must exit 2 naming the layer, got $(describe_rc "$RC")"
            moat_err "$name.scan"
            bad=$((bad + 1))
        fi
        continue
    fi
    if [ "$RC" != 0 ]; then
        note "$name ($desc): moat scan: $(describe_rc "$RC")"
        moat_err "$name.scan"
        bad=$((bad + 1))
        continue
    fi
    check_report "$name" scan "$pkgs" "$desc"
    check_report "$name" dscan "$pkgs" "$desc"
done <"$W/img/cases.tsv"

[ "$bad" = 0 ] || fail "$bad of $n_cases cases differ from the engine (details above)"
pass "$n_cases cases: $(grep -c refuses "$W/verdicts.tsv") refused by both," \
    "$(cut -f3 "$W/img/cases.tsv" | grep -cx x) refused by moat alone (documented), the rest identical"
