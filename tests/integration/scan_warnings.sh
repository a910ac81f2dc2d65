#!/bin/bash
# Nothing dropped in silence, nothing raw on the terminal (issue 9).
#
# Each image in tests/tools/mkwarn.py hides a package behind one limit of
# the scanner (a 5 MiB package.json, jars nested past the depth limit, a
# lockfile nested past the JSON depth, ...). For every such warning path the
# scan must exit 0 but say what it skipped: a `warnings` entry in the JSON
# (code, layer diff_id, path, message), a line on stderr, a SARIF
# toolExecutionNotification, JUnit system-err, an HTML section; and
# `--strict` must exit 1. The finding-hiding case is shown against a real
# DB: the same vulnerable lodash is a gate failure when moat can read it,
# and a warning (exit 1 with --strict) when it is over the limit.
# Then: error messages say why (over a limit, not "missing") and name the
# layer and entry of a truncated stream; and image-controlled text (tag,
# os-release, user, history, package name and version, paths in warnings
# and errors) reaches the terminal escaped while the JSON keeps it exact.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work

img=$W/img
$PY "$TOOLS/mkwarn.py" "$img" 2>"$W/mkwarn.log" || { cat "$W/mkwarn.log" >&2; fail "mkwarn.py failed"; }

# check_warning NAME CODE PATH HIDDEN: the JSON of run NAME has exactly one
# warning, CODE for PATH in layer 0, and no package named HIDDEN.
check_warning() {
    $PY - "$W/$1.out" "$2" "$3" "$4" <<'PY' || fail "$1: the report does not say what was skipped"
import json, sys
doc, code, path, hidden = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
w = doc["warnings"]
assert len(w) == 1, f"want 1 warning, got {w}"
w = w[0]
assert set(w) >= {"code", "layer", "path", "message"}, w
assert w["code"] == code, w
assert w["path"] == path, w
assert w["layer"] == doc["layers"][0]["diff_id"] and w["layer_index"] == 0, w
assert w["message"], w
assert doc["warnings_dropped"] == 0, doc["warnings_dropped"]
names = {p["name"] for p in doc["packages"]}
assert hidden not in names, f"{hidden} was read after all: the case tests nothing"
PY
}

cases=(
    "node-big lang-file-too-large node_modules/lodash/package.json lodash"
    "java-deep lang-nesting-too-deep app/app.jar org.apache.logging.log4j:log4j-core"
    "java-unsafe lang-entry-unsafe-name app/app.jar org.apache.logging.log4j:log4j-core"
    "lock-deep lang-nesting-too-deep app/package-lock.json minimist"
    "node-broken lang-file-malformed node_modules/x/package.json x"
    "py-include lang-include-not-followed app/requirements.txt urllib3"
)
for c in "${cases[@]}"; do
    read -r name code path hidden <<<"$c"
    run_moat "$name" scan --format json "docker-archive:$img/$name.tar"
    [ "$RC" = 0 ] || { moat_err "$name"; fail "$name: $(describe_rc "$RC"), want 0"; }
    check_warning "$name" "$code" "$path" "$hidden"
    grep -qF "moat scan: warning: $code: layer 1 (sha256:" "$W/$name.err" ||
        { moat_err "$name"; fail "$name: no '$code' warning line on stderr"; }
    grep -qF "$path" "$W/$name.err" || fail "$name: the stderr warning does not name $path"
    run_moat "$name-strict" scan --strict --format json "docker-archive:$img/$name.tar"
    [ "$RC" = 1 ] || { moat_err "$name-strict"; fail "$name --strict: $(describe_rc "$RC"), want 1"; }
    grep -qF -- "--strict: 1 warning" "$W/$name-strict.err" || fail "$name --strict: no reason on stderr"
    grep -qF '"warnings"' "$W/$name-strict.out" || fail "$name --strict: no report written"
    note "$name: $code, exit 0; --strict exit 1"
done

# moat sbom: the SBOM cannot carry warnings, so stderr does, and --strict fails.
run_moat sbom sbom "docker-archive:$img/node-big.tar"
[ "$RC" = 0 ] && grep -qF "moat sbom: warning: lang-file-too-large" "$W/sbom.err" ||
    { moat_err sbom; fail "moat sbom: $(describe_rc "$RC") and no warning on stderr"; }
run_moat sbom-strict sbom --strict "docker-archive:$img/node-big.tar"
[ "$RC" = 1 ] || fail "moat sbom --strict: $(describe_rc "$RC"), want 1"

# The control: a clean image has no warnings, and --strict passes it.
run_moat small scan --strict --format json "docker-archive:$img/node-small.tar"
[ "$RC" = 0 ] || { moat_err small; fail "clean image with --strict: $(describe_rc "$RC"), want 0"; }
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["warnings"] == [] and d["warnings_dropped"] == 0, d["warnings"]' \
    "$W/small.out" || fail "clean image: warnings reported"

# More warnings than are kept: 1000 listed, the rest counted, none silent.
run_moat many scan --format json "docker-archive:$img/many-broken.tar"
[ "$RC" = 0 ] || { moat_err many; fail "many-broken: $(describe_rc "$RC")"; }
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert (len(d["warnings"]), d["warnings_dropped"]) == (1000, 1), (len(d["warnings"]), d["warnings_dropped"])' \
    "$W/many.out" || fail "many-broken: want 1000 warnings and 1 dropped"
grep -qF "1 more warnings not listed" "$W/many.err" || fail "many-broken: the dropped warning is not on stderr"
run_moat many-strict scan --strict --format json "docker-archive:$img/many-broken.tar"
[ "$RC" = 1 ] || fail "many-broken --strict: $(describe_rc "$RC"), want 1"
grep -qF -- "--strict: 1001 warnings" "$W/many-strict.err" || fail "many-broken --strict: count is not 1001"

# An archive of two images: the second is not scanned, and the report says so.
run_moat two scan --format json "docker-archive:$img/two-images.tar"
[ "$RC" = 0 ] || { moat_err two; fail "two-images: $(describe_rc "$RC")"; }
$PY -c 'import json,sys; w=json.load(open(sys.argv[1]))["warnings"]; assert [(x["code"], x["path"], x["layer"]) for x in w] == [("archive-images-skipped", "manifest.json", None)], w' \
    "$W/two.out" || fail "two-images: the skipped image is not reported"
run_moat two-tag scan --strict --format json "docker-archive:$img/two-images.tar"
[ "$RC" = 1 ] || fail "two-images --strict: $(describe_rc "$RC"), want 1"

# The finding hides behind the limit: a DB with one lodash advisory.
mkdir -p "$W/osv"
cat >"$W/osv/GHSA-35jh-r3h4-6jhm.json" <<'EOF'
{"id": "GHSA-35jh-r3h4-6jhm", "modified": "2024-01-01T00:00:00Z", "published": "2021-05-06T00:00:00Z",
 "aliases": ["CVE-2021-23337"], "summary": "Command Injection in lodash",
 "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
   "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}],
 "database_specific": {"severity": "HIGH"}}
EOF
run_moat dbbuild db build --from "$W/osv" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err dbbuild; fail "moat db build: $(describe_rc "$RC")"; }
run_moat gate-small scan --scanners vuln --db "$W/vuln.db" --fail-on high "docker-archive:$img/node-small.tar"
[ "$RC" = 1 ] || { moat_err gate-small; fail "readable lodash 4.17.20: $(describe_rc "$RC"), want the gate to fail (1)"; }
run_moat gate-big scan --scanners vuln --db "$W/vuln.db" --fail-on high "docker-archive:$img/node-big.tar"
[ "$RC" = 0 ] || { moat_err gate-big; fail "hidden lodash: $(describe_rc "$RC"), want 0 with a warning"; }
grep -qF "warning: lang-file-too-large" "$W/gate-big.err" || fail "hidden lodash: passed the gate without a warning"
grep -qF "Warnings: 1" "$W/gate-big.out" || fail "hidden lodash: the table does not say the scan skipped content"
run_moat gate-big-strict scan --scanners vuln --db "$W/vuln.db" --fail-on high --strict "docker-archive:$img/node-big.tar"
[ "$RC" = 1 ] || fail "hidden lodash with --strict: $(describe_rc "$RC"), want 1"

# OS packages the DB cannot be asked about are not a silent pass either.
for c in "os-missing os-unknown" "os-other os-unsupported"; do
    read -r name code <<<"$c"
    run_moat "$name" scan --scanners vuln --db "$W/vuln.db" --fail-on high --format json "docker-archive:$img/$name.tar"
    [ "$RC" = 0 ] || { moat_err "$name"; fail "$name: $(describe_rc "$RC"), want 0 with a warning"; }
    check_warning "$name" "$code" var/lib/dpkg/status no-such-package
    grep -qF "warning: $code" "$W/$name.err" || fail "$name: no stderr line"
    run_moat "$name-strict" scan --db "$W/vuln.db" --strict --format json "docker-archive:$img/$name.tar"
    [ "$RC" = 1 ] || fail "$name --strict: $(describe_rc "$RC"), want 1"
    note "$name: $code, exit 0; --strict exit 1"
done

# The other formats carry the warning too.
schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
run_moat sarif scan --db "$W/vuln.db" --format sarif "docker-archive:$img/node-big.tar"
[ "$RC" = 0 ] || { moat_err sarif; fail "sarif: $(describe_rc "$RC")"; }
run_moat sarif-json scan --db "$W/vuln.db" --format json "docker-archive:$img/node-big.tar"
$PY "$TOOLS/reportcheck.py" sarif "$W/sarif.out" --json "$W/sarif-json.out" --schemas "$schemas" \
    >"$W/sarif.check" 2>&1 || { grep -v Deprecat "$W/sarif.check" >&2; fail "SARIF with warnings is not valid"; }
$PY - "$W/sarif.out" <<'PY' || fail "SARIF: no toolExecutionNotification for the skipped file"
import json, sys
inv = json.load(open(sys.argv[1]))["runs"][0]["invocations"]
assert len(inv) == 1 and inv[0]["executionSuccessful"] is True, inv
n = inv[0]["toolExecutionNotifications"]
assert len(n) == 1 and n[0]["descriptor"]["id"] == "lang-file-too-large", n
assert n[0]["level"] == "warning", n
assert n[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "node_modules/lodash/package.json", n
PY
run_moat junit scan --db "$W/vuln.db" --format junit "docker-archive:$img/node-big.tar"
grep -qF "<system-err>warning: lang-file-too-large" "$W/junit.out" || fail "JUnit: no system-err warning"
$PY -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$W/junit.out" || fail "JUnit with warnings is not XML"
run_moat html scan --db "$W/vuln.db" --format html "docker-archive:$img/node-big.tar"
grep -qF "<h2>Warnings (1)</h2>" "$W/html.out" && grep -qF "node_modules/lodash/package.json" "$W/html.out" ||
    fail "HTML: no warnings section"

# dir: targets: a directory or file moat may not open (run as nobody).
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    root=$W/rootfs
    mkdir -p "$root/etc" "$root/app/secret/node_modules/lodash" "$root/app/lib"
    printf 'ID=debian\nVERSION_ID="12"\n' >"$root/etc/os-release"
    printf '{"name":"lodash","version":"4.17.20"}' >"$root/app/secret/node_modules/lodash/package.json"
    printf 'PK\005\006%018d' 0 >"$root/app/lib/locked.jar"
    chmod 755 "$W" "$MOAT_WORK" "$root" "$root/app" "$root/etc" "$root/app/lib"
    chmod 000 "$root/app/secret" "$root/app/lib/locked.jar"
    RC=0
    setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
        "$MOAT" scan --format json "dir:$root" >"$W/dir.out" 2>"$W/dir.err" || RC=$?
    chmod 755 "$root/app/secret"
    chmod 644 "$root/app/lib/locked.jar"
    [ "$RC" = 0 ] || { moat_err dir; fail "dir: as nobody: $(describe_rc "$RC")"; }
    $PY - "$W/dir.out" <<'PY' || { moat_err dir; fail "dir: unreadable content not reported"; }
import json, sys
w = {(x["code"], x["path"]) for x in json.load(open(sys.argv[1]))["warnings"]}
assert ("dir-unreadable", "app/secret") in w, w
assert ("file-unreadable", "app/lib/locked.jar") in w, w
PY
    grep -qF "warning: dir-unreadable" "$W/dir.err" || fail "dir: no stderr line for the unreadable directory"
else
    note "not root or no setpriv: dir: permission cases skipped"
fi

# Messages say why: over a limit, not "missing".
for t in "docker-archive:$img/big-config.tar" "docker-archive:$img/big-manifest.tar" "oci:$img/big-config.oci"; do
    run_moat big scan --format json "$t"
    [ "$RC" = 2 ] || { moat_err big; fail "$t: $(describe_rc "$RC"), want 2"; }
    grep -qE "5[0-9]{6} bytes, over the 4194304-byte limit" "$W/big.err" ||
        { moat_err big; fail "$t: the message does not say the file is over the limit"; }
    ! grep -qiE "not in the archive|missing|not an image archive" "$W/big.err" ||
        { moat_err big; fail "$t: the message says missing for a file over the limit"; }
done
# A package database over the capture limit fails the scan and says which limit.
run_moat status scan --format json "docker-archive:$img/big-status.tar"
[ "$RC" = 2 ] || { moat_err status; fail "big-status: $(describe_rc "$RC"), want 2"; }
grep -qE "layer.tar: var/lib/dpkg/status: 314572800 bytes, over the 268435456-byte limit for one package database" \
    "$W/status.err" || { moat_err status; fail "big-status: the message does not name the file and the limit"; }
# "unexpected end of data" names the layer and the entry it cut.
$PY - "$W/trunc.tar" "$W" "$TOOLS" <<'PY' || fail "could not build the truncated layer"
import sys
sys.path.insert(0, sys.argv[3])
import hostile
fn = {c[0]: c[4] for c in hostile.CASES}["truncated-layer.tar"]
fn(sys.argv[1], sys.argv[2])
PY
run_moat trunc scan --format json "docker-archive:$W/trunc.tar"
[ "$RC" = 2 ] || fail "truncated layer: $(describe_rc "$RC"), want 2"
grep -qE "trunc.tar: [0-9a-f]{64}/layer.tar: usr/bin/big: (unexpected end of data|data ends early)" "$W/trunc.err" ||
    { moat_err trunc; fail "truncated layer: the message does not name the layer and the entry"; }

# Terminal escaping: no raw control byte reaches a terminal; JSON is exact.
raw() { $PY -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if any(b in d for b in (b"\x1b", b"\x07", b"\x9b")) else 1)' "$1"; }
run_moat esc-table scan --no-progress "docker-archive:$img/esc.tar"
[ "$RC" = 0 ] || { moat_err esc-table; fail "esc: $(describe_rc "$RC")"; }
for f in esc-table.out esc-table.err; do
    ! raw "$W/$f" || fail "esc: raw control bytes in the table output ($f)"
done
for want in 'moat-test/esc:1\x1b[H' 'Debian\x1b]0;owned\x07\x1b[2J' '\x1b[5mroot' 'evil\x1b[31mpkg' \
            '1.0\x1b[0m-1' 'RUN echo \x1b[8mhidden'; do
    grep -qF -- "$want" "$W/esc-table.out" || fail "esc: table does not show '$want'"
done
grep -qF 'node_modules/\x1b[1mx/package.json' "$W/esc-table.err" || fail "esc: the stderr warning path is not escaped"
run_moat esc-json scan --format json "docker-archive:$img/esc.tar"
! raw "$W/esc-json.err" || fail "esc: raw control bytes on stderr in json mode"
$PY - "$W/esc-json.out" <<'PY' || fail "esc: JSON does not keep the exact bytes"
import json, sys
d = json.load(open(sys.argv[1]))
E = "\x1b"
assert d["target"]["ref"] == f"moat-test/esc:1{E}[H", d["target"]["ref"]
assert d["target"]["os"]["pretty_name"] == f"Debian{E}]0;owned\x07{E}[2J", d["target"]["os"]
assert d["target"]["config"]["user"] == f"{E}[5mroot"
p = [x for x in d["packages"] if x["type"] == "deb"][0]
assert (p["name"], p["version"]) == (f"evil{E}[31mpkg", f"1.0{E}[0m-1"), p
assert d["warnings"][0]["path"] == f"node_modules/{E}[1mx/package.json", d["warnings"]
assert d["layers"][0]["created_by"] == f"RUN echo {E}[8mhidden 0"
PY
run_moat esc-err scan --format json "docker-archive:$img/esc-missing.tar"
[ "$RC" = 2 ] || fail "esc-missing: $(describe_rc "$RC"), want 2"
! raw "$W/esc-err.err" || fail "esc: raw control bytes in an error message"
grep -qF 'config \x1b[2J\x1b[31mnope.json is not in the archive' "$W/esc-err.err" ||
    { moat_err esc-err; fail "esc: the error does not show the escaped config name"; }

pass "${#cases[@]} lang warning paths + dropped, dir:, os-unknown/unsupported, gate, sarif/junit/html, 5 messages, escaping"
