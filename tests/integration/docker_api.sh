#!/bin/bash
# The Docker Engine client (src/runtime/docker.c) against the real engine.
#
# Builds a tiny image offline (docker import of a few files), then checks that
# docker_probe, which goes through moat_docker_open/_image_inspect/
# _image_export, sees what the docker CLI sees: the same image Id, the same
# export stream byte for byte (sha256 and size of `docker save`) and so the
# same tar members in the same order. Names with a registry port, several
# slashes and a tag, and bare image IDs must work; a missing image must be a
# clean "not found" (HTTP 404) error. With a moat binary around, `moat scan
# docker:REF` must report that image too.
#
# Environment (set by meson): DOCKER_PROBE, MOAT; see lib.sh for the rest.
# Exit 0 pass, 1 fail, 77 skip (only when no engine can be started).
. "$(dirname "$0")/lib.sh"
setup_work

IMG=moat-test/probe:1
LABEL=moat.test=docker_api-v1          # bump when the image content changes
ALIAS=localhost:5000/moat-test/sub/probe:1.0-rc1

PROBE=${DOCKER_PROBE:-}
if [ -z "$PROBE" ]; then
    for c in "$REPO/build/tests/integration/docker_probe"; do
        [ -x "$c" ] && PROBE=$c && break
    done
fi
[ -n "$PROBE" ] && [ -x "$PROBE" ] || fail "DOCKER_PROBE not set and no built docker_probe found"

[ -x /usr/sbin/dockerd ] || skip "no Docker engine (apt-get install docker.io)"
"$REPO/scripts/start-dockerd" >"$W/dockerd.out" 2>&1 || {
    cat "$W/dockerd.out" >&2; skip "dockerd cannot start"; }
# Debian's 20.10 CLI matches the daemon; the newer one on PATH works too.
docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker

# --- the test image: reused while its label says it has this content ---
have=$("$docker" image inspect -f '{{index .Config.Labels "moat.test"}}' "$IMG" 2>/dev/null || true)
if [ "$have" != "${LABEL#moat.test=}" ]; then
    R=$W/rootfs
    mkdir -p "$R/etc" "$R/var/lib/dpkg" "$R/usr/share/doc/moat-probe" "$R/opt/with space" "$R/bin"
    printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n%s\n' \
        'ID=debian' 'VERSION_ID="12"' 'VERSION_CODENAME=bookworm' >"$R/etc/os-release"
    cat >"$R/var/lib/dpkg/status" <<'EOF'
Package: moat-probe
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 1
Maintainer: moat <moat@example.invalid>
Architecture: amd64
Version: 1.0-1
Description: test package of tests/integration/docker_api.sh

EOF
    echo "probe" >"$R/usr/share/doc/moat-probe/README"
    echo "x" >"$R/opt/with space/file"
    ln -s ../usr/share/doc/moat-probe/README "$R/bin/readme"
    # Some bulk so the export spans many chunks and socket reads.
    head -c 300000 /dev/urandom >"$R/opt/blob"
    tar --numeric-owner --owner=0 --group=0 -C "$R" -cf - . |
        "$docker" import --change "LABEL $LABEL" - "$IMG" >"$W/import.out" 2>&1 || {
        cat "$W/import.out" >&2; fail "docker import failed"; }
    note "imported $IMG"
fi
ID=$("$docker" image inspect -f '{{.Id}}' "$IMG") || fail "docker inspect $IMG failed"

# --- inspect and export through moat, against `docker inspect` / `docker save` ---
probe() {  # probe NAME OUT -> RC
    RC=0
    timeout -k 5 120 "$PROBE" "$1" >"$W/$2.out" 2>"$W/$2.err" || RC=$?
}
# "member TYPE SIZE PATH" for each entry of a tar, paths as moat normalises them.
members() {
    $PY - "$1" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1], "r:") as t:
    for m in t:
        name = m.name[2:] if m.name.startswith("./") else m.name
        print("member %s %d %s" % (m.type.decode(), m.size, name.rstrip("/")))
EOF
}

"$docker" save "$IMG" >"$W/save.tar" || fail "docker save $IMG failed"
want_stream="stream sha256:$(sha256sum <"$W/save.tar" | cut -d' ' -f1) $(stat -c %s "$W/save.tar")"
members "$W/save.tar" >"$W/save.members" || fail "python could not read docker save output"

probe "$IMG" probe
[ "$RC" = 0 ] || { cat "$W/probe.err" >&2; fail "docker_probe $IMG: $(describe_rc "$RC")"; }
grep -qx "api 1\.[0-9]*" "$W/probe.out" || fail "no negotiated API version in probe output"
got_id=$(sed -n 's/^id //p' "$W/probe.out")
[ "$got_id" = "$ID" ] || fail "inspect Id: moat saw '$got_id', docker inspect says '$ID'"
grep '^member ' "$W/probe.out" >"$W/probe.members"
diff -u "$W/save.members" "$W/probe.members" >&2 ||
    fail "export members differ from docker save (diff above)"
got_stream=$(grep '^stream ' "$W/probe.out")
[ "$got_stream" = "$want_stream" ] ||
    fail "export stream: moat read '$got_stream', docker save gives '$want_stream'"

# Registry host with a port, several slashes, a tag with '.' and '-'; then IDs.
"$docker" tag "$IMG" "$ALIAS" || fail "docker tag $ALIAS failed"
probe "$ALIAS" alias
"$docker" rmi "$ALIAS" >/dev/null 2>&1 || true
[ "$RC" = 0 ] || { cat "$W/alias.err" >&2; fail "docker_probe $ALIAS: $(describe_rc "$RC")"; }
[ "$(sed -n 's/^id //p' "$W/alias.out")" = "$ID" ] || fail "$ALIAS: wrong Id"
for name in "$ID" "${ID#sha256:}" "$(echo "${ID#sha256:}" | cut -c1-12)"; do
    probe "$name" byid
    [ "$RC" = 0 ] || { cat "$W/byid.err" >&2; fail "docker_probe $name: $(describe_rc "$RC")"; }
    [ "$(sed -n 's/^id //p' "$W/byid.out")" = "$ID" ] || fail "$name: wrong Id"
done

# A missing image: exit 3 (MOAT_E_NOTFOUND) with the engine's 404 message.
probe moat-test/does-not-exist:0 missing
[ "$RC" = 3 ] || { cat "$W/missing.err" >&2; fail "missing image: probe $(describe_rc "$RC"), want exit 3"; }
grep -q "^docker_probe: not found: docker: image inspect moat-test/does-not-exist:0: HTTP 404: " \
    "$W/missing.err" || { cat "$W/missing.err" >&2; fail "missing image: unexpected message"; }

# --- moat scan docker:REF end to end (the image source reads the export) ---
if [ -z "${MOAT:-}" ]; then
    for c in "$REPO/build/moat"; do [ -x "$c" ] && MOAT=$c; done
fi
if [ -n "${MOAT:-}" ]; then
    export MOAT
    run_moat scan scan --format json "docker:$IMG"
    [ "$RC" = 0 ] || { moat_err scan; fail "moat scan docker:$IMG: $(describe_rc "$RC")"; }
    layers=$("$docker" image inspect -f '{{range .RootFS.Layers}}{{.}} {{end}}' "$IMG")
    $PY - "$W/scan.out" "$ID" "$layers" <<'EOF' || fail "moat scan docker:$IMG: wrong report"
import json, sys
scan = json.load(open(sys.argv[1]))
want_id, want_layers = sys.argv[2], sys.argv[3].split()
errs = []
t = scan.get("target", {})
if t.get("source") != "docker": errs.append("target.source %r" % t.get("source"))
if t.get("digest") != want_id: errs.append("target.digest %r, want %r" % (t.get("digest"), want_id))
got_layers = [l.get("diff_id") for l in scan.get("layers", [])]
if got_layers != want_layers: errs.append("layers %r, want %r" % (got_layers, want_layers))
if (t.get("os") or {}).get("id") != "debian": errs.append("target.os %r" % t.get("os"))
pkgs = [(p.get("name"), p.get("version")) for p in scan.get("packages", [])]
if ("moat-probe", "1.0-1") not in pkgs: errs.append("packages %r lack moat-probe 1.0-1" % pkgs)
for e in errs: print("docker_api: scan: " + e, file=sys.stderr)
sys.exit(1 if errs else 0)
EOF
    run_moat scanmissing scan --format json docker:moat-test/does-not-exist:0
    [ "$RC" = 2 ] && grep -q "HTTP 404" "$W/scanmissing.err" || {
        moat_err scanmissing; fail "moat scan of a missing image: $(describe_rc "$RC"), want exit 2 and HTTP 404"; }
else
    note "no moat binary: skipped the moat scan check"
fi
pass "$(wc -l <"$W/probe.members") members, $(stat -c %s "$W/save.tar") bytes, API $(sed -n 's/^api //p' "$W/probe.out")"
