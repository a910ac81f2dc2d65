#!/bin/bash
# Precision of the language inventory on real trees:
#  1. declared vs installed: npm's package-lock.json and a pinned
#     requirements.txt with nothing installed beside them are "declared",
#     not matched unless --lang-declared (then the real PYSEC-2023-192 of
#     urllib3 1.26.12 is); Go's go.sum alone yields no package, beside go.mod
#     it only vouches for go.mod's requirements (Go's own std module here).
#  2. no invented identities: every jar of Debian's /usr/share/java and the
#     JDK without pom.properties and without a stated group gets pkg:generic.
#     Each jar's components carry the archive's SHA-256 (CycloneDX hashes,
#     SPDX checksums; equal to sha256sum), both documents schema-valid.
#  3. language packages a deb installed (Debian's node, java, python
#     packages and a Go program, with the real dpkg status and file lists):
#     os_package names the deb that `dpkg -S` names, and none is matched
#     against upstream ranges.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
FEEDS=$REPO/data/feeds
NPMFIX=$(ls -d "$MOAT_CACHE"/npm-fixture/*/ 2>/dev/null | head -n 1)
[ -n "$NPMFIX" ] || skip "no npm fixture in $MOAT_CACHE/npm-fixture (lang_node builds it)"
GOSRC=$(ls -d /usr/share/go-1.*/src 2>/dev/null | head -n 1)
JDK=$(ls -d /usr/lib/jvm/java-17-openjdk-*/lib 2>/dev/null | head -n 1)
for f in "$GOSRC/go.mod" "$GOSRC/go.sum" "$JDK/jrt-fs.jar" /usr/share/java /usr/share/nodejs/lodash \
    /usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info /usr/sbin/runc; do
    [ -e "$f" ] || skip "$f missing (scripts/setup installs golang, openjdk-17, node-*, python3-requests, docker.io)"
done
run_moat db db build --from "$FEEDS/osv-pypi.tar.zst" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err db; fail "moat db build: $(describe_rc "$RC")"; }

# ---- 1. declared ----
D=$W/declared
mkdir -p "$D/web" "$D/py" "$D/gosum" "$D/gomod"
cp "$NPMFIX/app/package-lock.json" "$NPMFIX/app/package.json" "$D/web/"
printf 'urllib3==1.26.12\n' >"$D/py/requirements.txt"
cp "$GOSRC/go.sum" "$D/gosum/"
cp "$GOSRC/go.mod" "$GOSRC/go.sum" "$D/gomod/"
run_moat decl scan --format json --db "$W/vuln.db" "dir:$D"
[ "$RC" = 0 ] || { moat_err decl; fail "moat scan dir:declared: $(describe_rc "$RC")"; }
run_moat decl-match scan --format json --lang-declared --db "$W/vuln.db" "dir:$D"
[ "$RC" = 0 ] || { moat_err decl-match; fail "moat scan --lang-declared: $(describe_rc "$RC")"; }

# ---- 2 + 3. Debian's own language packages, with dpkg's records ----
R=$W/deb
mkdir -p "$R/var/lib/dpkg/info" "$R/usr/share/nodejs" "$R/usr/share/java" \
    "$R/usr/lib/python3/dist-packages" "$R/usr/sbin" "$R/usr/lib/jvm/jdk/lib"
cp /var/lib/dpkg/status "$R/var/lib/dpkg/"
cp /var/lib/dpkg/info/*.list "$R/var/lib/dpkg/info/"
cp -a /usr/share/nodejs/lodash /usr/share/nodejs/debug "$R/usr/share/nodejs/"
# A sample of Debian's jars: with pom.properties, with a manifest only, none.
for j in guava commons-lang3 guice-servlet guice-no-aop-4.2.3 aopalliance-1.0 atinject-jsr330-api-1.0 \
    libintl-0.21 cdi-api slf4j-jcl plexus-utils2 wagon-http-shaded-3.5.3 sisu-inject; do
    [ -f "/usr/share/java/$j.jar" ] && cp "/usr/share/java/$j.jar" "$R/usr/share/java/"
done
cp -a /usr/lib/python3/dist-packages/urllib3-1.26.12.egg-info /usr/lib/python3/dist-packages/requests-*.egg-info \
    "$R/usr/lib/python3/dist-packages/"
cp /usr/sbin/runc "$R/usr/sbin/"
cp "$JDK/jrt-fs.jar" "$R/usr/lib/jvm/jdk/lib/"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' >"$R/os-release"
mkdir -p "$R/etc" && mv "$R/os-release" "$R/etc/os-release"
run_moat deb scan --format json --db "$W/vuln.db" "dir:$R"
[ "$RC" = 0 ] || { moat_err deb; fail "moat scan dir:deb: $(describe_rc "$RC")"; }
# Oracles: dpkg -S for the owner; unzip for pom.properties and the manifest.
( cd "$R" && find usr -type f \( -name package.json -o -name PKG-INFO -o -name '*.jar' -o -name runc \) ) \
    >"$W/owned-files"
# shellcheck disable=SC2046
dpkg -S $(sed 's|^|/|' "$W/owned-files") 2>/dev/null | sed 's|^\([^:]*\): /|\1 |' >"$W/dpkg-S" || true
while read -r f; do
    o=$(awk -v f="$f" '$2 == f { print $1; exit }' "$W/dpkg-S")
    echo "$f ${o:--}"
done <"$W/owned-files" >"$W/owners"
for j in $(cd "$R" && find usr -name '*.jar' -type f); do
    list=$(unzip -l "$R/$j" 2>/dev/null) || list=
    mf=$(unzip -p "$R/$j" META-INF/MANIFEST.MF 2>/dev/null) || mf=
    if grep -q 'META-INF/maven/.*/pom.properties$' <<<"$list"; then s=pom
    elif grep -Eq '^(Group-Id|Implementation-Vendor-Id):' <<<"$mf"; then s=stated
    else s=none; fi
    echo "$j $s"
done >"$W/jars"

schemas=$("$TOOLS/fetch-schemas" "$MOAT_CACHE/schemas") || fail "could not fetch the schemas"
for kind in cyclonedx spdx; do
    run_moat "deb-$kind" sbom --format "$kind" "dir:$R"
    [ "$RC" = 0 ] || { moat_err "deb-$kind"; fail "moat sbom $kind: $(describe_rc "$RC")"; }
    $PY "$TOOLS/scancheck.py" sbom "$kind" "$W/deb-$kind.out" --schemas "$schemas" >&2 ||
        fail "moat sbom --format $kind: invalid document"
done
(cd "$R" && find usr -name '*.jar' -type f -exec sha256sum {} +) >"$W/jar-sums"

$PY - "$W" "$GOSRC" <<'PY' || fail "precision rules broken (above)"
import json, os, sys
W, gosrc = sys.argv[1:]
bad = []
def want(c, msg):
    if not c:
        bad.append(msg)
def ld(n):
    doc = json.load(open(os.path.join(W, n + ".out")))
    # vulnerabilities only: content findings (misconfig on a dir:) are scan_content's
    doc["findings"] = [f for f in doc.get("findings", []) if f.get("kind", "vuln") == "vuln"]
    return doc
# 1. declared
d = ld("decl")
npm = [p for p in d["packages"] if p["type"] == "npm"]
lock = json.load(open(os.path.join(W, "declared/web/package-lock.json")))
nlock = len([k for k in lock["packages"] if k])
want(len(npm) == len({(p["name"], p["version"]) for p in npm}), "npm: duplicate rows")
want(npm and all(p["evidence"] == "declared" for p in npm), "npm lock alone: not all declared")
want(len(npm) >= nlock * 0.9, f"npm: {len(npm)} rows for {nlock} lock entries")
u = [p for p in d["packages"] if p["type"] == "pypi" and p["name"] == "urllib3"]
want(len(u) == 1 and u[0]["evidence"] == "declared", f"requirements.txt urllib3: {u}")
want(not d["findings"], f"declared packages matched by default: {[f['id'] for f in d['findings']]}")
dm = ld("decl-match")
want(any(f["id"] == "PYSEC-2023-192" and f["package"] == "urllib3" for f in dm["findings"]),
     "--lang-declared: urllib3 1.26.12 lacks PYSEC-2023-192")
go = [p for p in d["packages"] if p["type"] == "golang"]
want(not [p for p in go if p["found_in"].startswith("gosum/")], "go.sum alone made packages")
req = set()
inblock = False
for line in open(os.path.join(gosrc, "go.mod")):
    t = line.split()
    if t[:2] == ["require", "("]:
        inblock = True; continue
    if inblock and t[:1] == [")"]:
        inblock = False; continue
    if inblock and len(t) >= 2:
        req.add((t[0], t[1]))
    elif t[:1] == ["require"] and len(t) >= 3:
        req.add((t[1], t[2]))
gm = {(p["name"], p["version"]): p for p in go if p["found_in"] == "gomod/go.mod"}
want(set(gm) == req, f"go.mod rows {sorted(gm)} != requires {sorted(req)}")
want(len(go) == len(gm), f"golang rows other than go.mod's: {[p['found_in'] for p in go]}")
sums = {tuple(l.split()[:2]) for l in open(os.path.join(gosrc, "go.sum")) if len(l.split()) == 3}
for k, p in gm.items():
    want(("gomod/go.sum" in p["locations"]) == (k in sums), f"{k}: go.sum location {p['locations']}")
    want(p["evidence"] == "declared", f"{k}: evidence {p['evidence']}")
# 2. identities
deb = ld("deb")
rows = {}
for p in deb["packages"]:
    if p["type"] != "deb":
        rows.setdefault(p["found_in"].split("!/")[0], []).append(p)
ngen = 0
for line in open(os.path.join(W, "jars")):
    jar, how = line.split()
    for p in rows.get(jar, []):
        if "!/" in p["found_in"]:
            continue
        if how == "none":
            ngen += 1
            want(p["purl"].startswith("pkg:generic/"), f"{jar}: invented identity {p['purl']}")
        elif how == "pom":
            want(p["purl"].startswith("pkg:maven/"), f"{jar}: {p['purl']}")
want(any(p["purl"].startswith("pkg:generic/jrt-fs@") for p in rows.get("usr/lib/jvm/jdk/lib/jrt-fs.jar", [])),
     "JDK jrt-fs.jar: not pkg:generic")
sums = {l.split()[1]: l.split()[0] for l in open(os.path.join(W, "jar-sums"))}
cdx = json.load(open(os.path.join(W, "deb-cyclonedx.out")))
nhash = 0
for c in cdx["components"]:
    props = {p["name"]: p["value"] for p in c.get("properties", [])}
    path = props.get("moat:db_path", "")
    if path in sums:
        h = [x["content"] for x in c.get("hashes", []) if x["alg"] == "SHA-256"]
        want(h == [sums[path]], f"{path}: CycloneDX hashes {h}, sha256sum {sums[path]}")
        nhash += 1
want(nhash >= len(sums), f"jar hashes checked on {nhash} components for {len(sums)} jars")
spdx = json.load(open(os.path.join(W, "deb-spdx.out")))
want(sum(1 for p in spdx["packages"] if p.get("checksums")) >= len(sums), "SPDX checksums missing")
# 3. owners
nown = 0
for line in open(os.path.join(W, "owners")):
    f, owner = line.split()
    for p in rows.get(f, []):
        nown += 1
        want(p.get("os_package") == (None if owner == "-" else owner),
             f"{f} {p['name']}: os_package {p.get('os_package')}, dpkg -S says {owner}")
kinds = {p["type"] for ps in rows.values() for p in ps if p.get("os_package")}
want({"npm", "maven", "pypi", "golang"} <= kinds, f"owned kinds {kinds}")
want(not [f for f in deb["findings"] if f["type"] != "deb"],
     f"deb-owned language packages matched upstream: {[f['id'] for f in deb['findings'] if f['type'] != 'deb']}")
for b in bad:
    print("  " + b, file=sys.stderr)
print(f"declared: {len(npm)} npm, {len(gm)} go.mod rows, {len(dm['findings'])} findings with "
      f"--lang-declared; jars without a stated identity: {ngen}; jar hashes {nhash}; owned rows checked: {nown} ({sorted(kinds)})",
      file=sys.stderr)
sys.exit(1 if bad else 0)
PY
pass "declared vs installed, go.sum, jar identities, deb-owned language packages"
