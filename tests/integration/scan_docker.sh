#!/bin/bash
# Scanning the sample image through the Docker engine (docker:REF) must give
# the same packages and layer diff_ids as scanning its docker-archive file.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
[ -x /usr/sbin/dockerd ] || skip "no Docker engine (apt-get install docker.io)"
sample_image

"$REPO/scripts/start-dockerd" >"$W/dockerd.out" 2>&1 || {
    cat "$W/dockerd.out" >&2; fail "scripts/start-dockerd failed"; }
# Debian's 20.10 CLI matches the 20.10 daemon (see scripts/start-dockerd).
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker
"$docker" load -i "$SAMPLE/app.tar" >"$W/load.out" 2>&1 || {
    cat "$W/load.out" >&2; fail "docker load -i app.tar failed"; }

run_moat tarball scan --format json "docker-archive:$SAMPLE/app.tar"
[ "$RC" = 0 ] || { moat_err tarball; fail "moat scan docker-archive:app.tar: $(describe_rc "$RC")"; }
run_moat docker scan --format json docker:moat-test/app:1
[ "$RC" = 0 ] || { moat_err docker; fail "moat scan docker:moat-test/app:1: $(describe_rc "$RC")"; }

for what in pkglines diffids; do
    $PY "$TOOLS/scancheck.py" "$what" "$W/tarball.out" >"$W/tarball.$what"
    $PY "$TOOLS/scancheck.py" "$what" "$W/docker.out" >"$W/docker.$what"
    [ -s "$W/tarball.$what" ] || fail "tarball scan reported no $what"
    diff -u "$W/tarball.$what" "$W/docker.$what" >&2 ||
        fail "docker:moat-test/app:1 and docker-archive:app.tar differ in $what (diff above)"
done
# And the docker source alone must meet the full contract (layer attribution).
$PY "$TOOLS/scancheck.py" debian "$W/docker.out" --dpkg "$SAMPLE/app.dpkg" \
    --diff-ids "$SAMPLE/diff_ids" --layer2 "$SAMPLE/layer2.pkgs" ||
    fail "moat scan docker:moat-test/app:1: wrong result (details above)"
pass "$(wc -l <"$W/docker.pkglines") packages, $(wc -l <"$W/docker.diffids") layers"
