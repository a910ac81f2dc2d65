#!/bin/bash
# npm packages in a 2-layer image: layer 1 holds Debian's node packages
# (/usr/share/nodejs, as dpkg installed them here), layer 2 a project that
# `npm install` put together from the npm registry. moat must find exactly
# the packages `npm ls --all --json` lists (installed, from each
# node_modules/**/package.json, and again from package-lock.json v3), the
# Debian ones at the versions dpkg gives, each in its own layer.
# The npm tree is cached under $MOAT_CACHE/npm-fixture, so the registry is
# needed once; without it and without a cache the test skips.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work

DEB_PKGS="node-lodash node-debug node-semver node-yargs"
SPEC="express@4.18.2 lodash@4.17.20"
for p in $DEB_PKGS; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        skip "$p is not installed (scripts/setup installs it)"
done
command -v npm >/dev/null || skip "npm is not installed"

# ---- the npm project (cached) ----
FIX=$MOAT_CACHE/npm-fixture/$(echo "$SPEC" | tr ' @' '_-')
if [ ! -f "$FIX/done" ]; then
    rm -rf "$FIX.tmp"
    mkdir -p "$FIX.tmp/app"
    echo '{"name":"moat-fixture","version":"1.0.0","private":true}' >"$FIX.tmp/app/package.json"
    # shellcheck disable=SC2086
    (cd "$FIX.tmp/app" && timeout 600 npm install --no-audit --no-fund --ignore-scripts $SPEC) \
        >"$W/npm-install.log" 2>&1 || { tail -5 "$W/npm-install.log" >&2; rm -rf "$FIX.tmp"
        skip "npm install failed (registry unreachable?)"; }
    (cd "$FIX.tmp/app" && npm ls --all --json) >"$FIX.tmp/npm-ls.json" 2>/dev/null ||
        fail "npm ls failed"
    touch "$FIX.tmp/done"
    rm -rf "$FIX" && mv "$FIX.tmp" "$FIX"
fi

# ---- layers and image ----
mkdir -p "$W/l1/usr/share" "$W/l2"
cp -a /usr/share/nodejs "$W/l1/usr/share/"
cp -a "$FIX/app" "$W/l2/app"
$PY "$TOOLS/mklayer.py" --root "$W/l1" -o "$W/layer1.tar"
$PY "$TOOLS/mklayer.py" --root "$W/l2" -o "$W/layer2.tar"
$PY "$TOOLS/mkimage.py" --format docker-archive -o "$W/image.tar" --ref moat-test/node:1 \
    --layer "$W/layer1.tar" --created-by "apt-get install $DEB_PKGS" \
    --layer "$W/layer2.tar" --created-by "npm install $SPEC"

run_moat scan scan --format json "docker-archive:$W/image.tar"
[ "$RC" = 0 ] || { moat_err scan; fail "moat scan: $(describe_rc "$RC")"; }
run_moat nolang scan --no-lang --format json "docker-archive:$W/image.tar"
[ "$RC" = 0 ] || { moat_err nolang; fail "moat scan --no-lang: $(describe_rc "$RC")"; }

# Debian: the package.json files dpkg says it installed, at package roots.
for p in $(dpkg-query -S /usr/share/nodejs 2>/dev/null | cut -d: -f1 | tr , ' '); do
    dpkg -L "$p"
done | sort -u | grep '/package\.json$' >"$W/dpkg-files"
for p in $DEB_PKGS; do
    echo "$p $(dpkg-query -W -f '${Version}' "$p")"
done >"$W/dpkg-versions"

$PY - "$W/scan.out" "$W/nolang.out" "$FIX/npm-ls.json" "$W/dpkg-files" "$W/dpkg-versions" \
    "$W/l1" <<'PY' || fail "wrong packages (details above; output in $W/scan.out)"
import json, os, re, sys
scan, nolang, npmls, dpkg_files, dpkg_versions, l1 = sys.argv[1:]
pkgs = [p for p in json.load(open(scan))["packages"] if p["type"] == "npm"]
bad = 0
def err(msg):
    global bad
    bad += 1
    print("  " + msg, file=sys.stderr)

if any(p["type"] == "npm" for p in json.load(open(nolang))["packages"]):
    err("--no-lang still reported npm packages")

def at_root(path):
    parts = path.strip("/").split("/")[:-1]
    if len(parts) >= 2 and parts[-2].startswith("@"):
        base = parts[:-2]
    else:
        base = parts[:-1]
    if parts[-1].startswith((".", "@")):
        return False
    return (base and base[-1] == "node_modules") or base == ["usr", "share", "nodejs"]

# Debian layer: every package.json dpkg installed at a package root
deb_want = {}
for f in open(dpkg_files).read().split():
    # a symlinked package.json (lodash-es -> lodash) is the same package
    if not at_root(f) or os.path.islink(os.path.join(l1, f.lstrip("/"))):
        continue
    try:
        m = json.load(open(os.path.join(l1, f.lstrip("/"))))
    except ValueError:
        continue
    if isinstance(m.get("name"), str) and isinstance(m.get("version"), str) and m["version"][:1].isdigit():
        deb_want[f.lstrip("/")] = m["name"] + "@" + m["version"]
deb_got = {p["found_in"]: p["name"] + "@" + p["version"] for p in pkgs if p["layer_index"] == 0}
for f in sorted(set(deb_want) | set(deb_got)):
    if deb_want.get(f) != deb_got.get(f):
        err("layer 0 %s: moat %s, dpkg tree %s" % (f, deb_got.get(f), deb_want.get(f)))
# the npm version of each named Debian package's module is its upstream version
for line in open(dpkg_versions):
    deb, ver = line.split()
    up = re.sub(r"^\d+:", "", ver).rsplit("-", 1)[0]
    up = re.split(r"[+~]", up)[0]
    mod = deb[len("node-"):]
    got = deb_got.get("usr/share/nodejs/%s/package.json" % mod)
    if got != "%s@%s" % (mod, up):
        err("%s %s: moat found %s" % (deb, ver, got))

# npm layer: npm ls, as a set, from installed package.json and from the lock
def walk(d, out):
    for n, v in (d.get("dependencies") or {}).items():
        if "version" in v:
            out.add(n + "@" + v["version"])
        walk(v, out)
want = set()
walk(json.load(open(npmls)), want)
inst = {p["name"] + "@" + p["version"] for p in pkgs
        if p["layer_index"] == 1 and p["found_in"].endswith("/package.json")}
# One package, one row: each lock entry is folded into its installed copy
# (the lockfile among the row's locations); none stands alone.
lock = [p["name"] + "@" + p["version"] for p in pkgs
        if p["layer_index"] == 1 and "app/package-lock.json" in p.get("locations", [])]
for p in pkgs:
    if p["found_in"] == "app/package-lock.json":
        err("%s@%s: a row of its own from package-lock.json (%s)" % (p["name"], p["version"], p["evidence"]))
for name, got in (("installed", inst), ("package-lock.json", set(lock))):
    for x in sorted(want - got):
        err("%s: missing %s" % (name, x))
    for x in sorted(got - want):
        err("%s: unexpected %s" % (name, x))
if len(lock) != len(set(lock)):
    err("package-lock.json: a lock entry folded into two rows")
for p in pkgs:
    if p["layer_index"] not in (0, 1):
        err("%s@%s: layer %s" % (p["name"], p["version"], p["layer_index"]))
    if p["name"].startswith("@") and not p["purl"].startswith("pkg:npm/%40"):
        err("bad purl " + p["purl"])
print("lang_node: debian %d/%d, npm installed %d/%d, lock %d/%d" % (
    len(deb_got), len(deb_want), len(inst), len(want), len(set(lock)), len(want)), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
pass "Debian node tree + npm install ($SPEC) in 2 layers"
