#!/bin/bash
# Go and Rust binaries in a 2-layer image: layer 1 holds Debian's dockerd and
# containerd (and ctr, runc), layer 2 the Go demo module built here with its
# replaced dependencies (tests/data/lang/go), its pre-1.18-layout and
# section-less variants, any other Go binary this machine has with modules
# (terraform), the Rust demo with a .dep-v0 section, and lock files (go.mod,
# go.sum, Cargo.lock). Every module `go version -m` lists must be in the scan
# as a golang package of that file, with the right version and layer; the
# toolchain as stdlib v1.x.y. Rust: the crates `cargo metadata` resolved, and
# the Cargo.lock entries. The scan is run on the docker-archive and on the
# merged tree as dir:.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
command -v go >/dev/null || skip "golang-go is not installed (scripts/setup installs it)"

GOFIX=$MOAT_CACHE/go-fixtures/$(go env GOVERSION)
if [ ! -f "$GOFIX/.done" ]; then
    sh "$REPO/tests/data/lang/go/build-fixtures.sh" "$GOFIX" >"$W/go-build.log" 2>&1 ||
        { tail -20 "$W/go-build.log" >&2; fail "building the Go fixtures failed"; }
    touch "$GOFIX/.done"
fi
RUSTFIX=$MOAT_CACHE/rust-fixtures
if [ ! -f "$RUSTFIX/.done" ]; then
    if sh "$REPO/tests/data/lang/rust/build-fixtures.sh" "$RUSTFIX" >"$W/rust-build.log" 2>&1; then
        touch "$RUSTFIX/.done"
    else
        note "no Rust fixtures (cargo or Debian's crates missing): Rust not checked"
    fi
fi

# ---- layers and image ----
mkdir -p "$W/l1/usr/bin" "$W/l1/usr/sbin" "$W/l2/app/bin" "$W/l2/app/src"
for b in /usr/sbin/dockerd /usr/bin/containerd /usr/bin/ctr /usr/sbin/runc; do
    [ -f "$b" ] || skip "$b is missing (docker.io)"
    cp "$b" "$W/l1$b"
done
cp "$GOFIX"/demo-amd64 "$GOFIX"/demo-amd64-old "$GOFIX"/demo-amd64-noshdr \
    "$GOFIX"/demo-mips "$GOFIX"/demo-386-old "$W/l2/app/bin/"
[ -x /usr/local/bin/terraform ] && go version -m /usr/local/bin/terraform >/dev/null 2>&1 &&
    cp /usr/local/bin/terraform "$W/l2/app/bin/"
cp "$REPO/tests/data/lang/go/demo/go.mod" "$W/l2/app/src/go.mod"
cp /usr/share/go-1.19/src/cmd/go.sum "$W/l2/app/src/go.sum" 2>/dev/null || true
if [ -f "$RUSTFIX/.done" ]; then
    cp "$RUSTFIX/rust-demo" "$W/l2/app/bin/"
    cp "$RUSTFIX/Cargo.lock" "$W/l2/app/src/Cargo.lock"
fi
$PY "$TOOLS/mklayer.py" --root "$W/l1" -o "$W/layer1.tar"
$PY "$TOOLS/mklayer.py" --root "$W/l2" -o "$W/layer2.tar"
$PY "$TOOLS/mkimage.py" --format docker-archive -o "$W/image.tar" --ref moat-test/go:1 \
    --layer "$W/layer1.tar" --created-by "apt-get install docker.io" \
    --layer "$W/layer2.tar" --created-by "COPY app /app"
mkdir -p "$W/merged"
cp -a "$W/l1/." "$W/merged/"
cp -a "$W/l2/." "$W/merged/"

# ---- oracles ----
for layer in l1 l2; do
    find "$W/$layer" -type f | sort | while read -r f; do
        rel=${f#"$W/$layer/"}
        out=$(go version -m "$f" 2>/dev/null) || continue
        printf '%s\n' "$out" | sed "1s|^.*: |FILE $layer $rel |"
    done
done >"$W/go-version-m.txt"
for f in go.mod go.sum; do
    [ -f "$W/l2/app/src/$f" ] || continue
    [ $f = go.mod ] && (cd "$W/l2/app/src" && go mod edit -json) >"$W/gomod.json"
done

check() {
    local name=$1 target=$2
    run_moat "$name" scan --no-vuln --no-progress --format json "$target"
    [ "$RC" = 0 ] || { moat_err "$name"; fail "moat scan $target: $(describe_rc "$RC")"; }
    $PY - "$W/$name.out" "$W/go-version-m.txt" "$W/gomod.json" "$W/l2/app/src" \
        "$RUSTFIX" "$name" <<'PY' || fail "$name: wrong packages (details above; output in $W/$name.out)"
import json, os, re, sys, tomllib
from urllib.parse import unquote
scan, oracle, gomod, src, rustfix, name = sys.argv[1:]
doc = json.load(open(scan))
pkgs = doc["packages"]
layers = [l.get("diff_id") for l in doc.get("layers") or []]
bad = 0
def err(msg):
    global bad
    bad += 1
    print("  %s: %s" % (name, msg), file=sys.stderr)

def stdlib(tag):
    m = re.match(r"go(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?( |$)", tag)
    if not m:
        return None
    v = "v%s.%s.%s" % (m[1], m[2], m[3] or "0")
    return v + ("-%s.%s" % (m[4], m[5]) if m[4] else "")

# want[(file, type)] = {(name, version, source_name, source_version)}, layer per file
want, want_layer = {}, {}
cur = None
for line in open(oracle):
    line = line.rstrip("\n")
    if line.startswith("FILE "):
        _, layer, rel, ver = line.split(" ", 3)
        cur = rel
        want_layer[rel] = 0 if layer == "l1" else 1
        want[(rel, "golang")] = set()
        if stdlib(ver):
            want[(rel, "golang")].add(("stdlib", stdlib(ver), None, None))
        last = None
        continue
    f = line.split("\t")
    if len(f) < 3:
        continue
    word = f[1]
    if word in ("mod", "dep"):
        ver = f[3] if len(f) > 3 and f[3] != "(devel)" else ""
        last = [word, f[2], ver, None, None]
        if word == "dep" or ver:
            want[(cur, "golang")].add((f[2], ver, None, None))
    elif word == "=>" and last:
        rp, rv = f[2], (f[3] if len(f) > 3 and f[3] != "(devel)" else "")
        entry = (last[1], last[2], None, None)
        if last[0] == "mod" and not last[2] and not rv:
            continue
        want[(cur, "golang")].discard(entry)
        if rv:
            want[(cur, "golang")].add((rp, rv, last[1], last[2]))
        else:
            want[(cur, "golang")].add((last[1], "", last[1], last[2]))

# go.mod: requires with replaces applied; go.sum: non-/go.mod lines
g = json.load(open(gomod))
mods = set()
for r in g.get("Require") or []:
    hit = None
    for rp in g.get("Replace") or []:
        if rp["Old"]["Path"] == r["Path"] and rp["Old"].get("Version") in (None, r["Version"]):
            hit = rp["New"]
    if hit and hit.get("Version"):
        mods.add((hit["Path"], hit["Version"], r["Path"], r["Version"]))
    elif hit:
        mods.add((r["Path"], "", r["Path"], r["Version"]))
    else:
        mods.add((r["Path"], r["Version"], None, None))
want[("app/src/go.mod", "golang")] = mods
want_layer["app/src/go.mod"] = 1
# go.sum lists hashes, not dependencies: its lines only vouch for go.mod's
# requirements (a location of their rows), never make rows of their own.
if os.path.exists(os.path.join(src, "go.sum")):
    sums = {(l.split()[0], l.split()[1]) for l in open(os.path.join(src, "go.sum"))
            if len(l.split()) == 3 and not l.split()[1].endswith("/go.mod")}
    want[("app/src/go.sum", "golang")] = {m for m in mods if m[:2] in sums}
    want_layer["app/src/go.sum"] = 1

# Rust: cargo metadata for the binary, tomllib for Cargo.lock
if os.path.exists(os.path.join(rustfix, ".done")):
    meta = json.load(open(os.path.join(rustfix, "metadata.json")))
    want[("app/bin/rust-demo", "cargo")] = {(p["name"], p["version"], None, None)
                                             for p in meta["packages"]}
    lock = tomllib.load(open(os.path.join(src, "Cargo.lock"), "rb"))
    want[("app/src/Cargo.lock", "cargo")] = {(p["name"], p["version"], None, None)
                                              for p in lock["package"]}
    want_layer["app/bin/rust-demo"] = want_layer["app/src/Cargo.lock"] = 1

# One package, one row: a row stands for every file among its locations
# (one toolchain's stdlib across binaries, go.mod + go.sum, Cargo.lock +
# the binary that embeds the crate); a file never yields two rows of a key.
got, rows = {}, {}
for p in pkgs:
    if p["type"] not in ("golang", "cargo"):
        continue
    k = (p["type"], p["name"], p["version"], p["found_in"])
    rows[k] = rows.get(k, 0) + 1
    if rows[k] > 1:
        err("%s: two rows of %s %s" % (k[3], k[1], k[2]))
    for loc in [p["found_in"]] + (p.get("locations") or [])[1:]:
        got.setdefault((loc, p["type"]), set()).add(
            (p["name"], p["version"], p.get("source_name"), p.get("source_version")))
    if p["name"] == "stdlib" and p["found_in"].endswith(("go.mod", "go.sum")):
        err("stdlib from a lock file")
stdlibs = [p["version"] for p in pkgs if p["type"] == "golang" and p["name"] == "stdlib"]
if len(stdlibs) != len(set(stdlibs)):
    err("one toolchain's stdlib in several rows: %s" % sorted(stdlibs))
for p in pkgs:
    if p["found_in"].endswith("go.sum"):
        err("%s %s: a row from go.sum" % (p["name"], p["version"]))
    exp = want_layer.get(p["found_in"])
    if name == "dir" and exp is not None:
        exp = 0  # a directory is one layer
    if exp is not None and p["layer_index"] != exp:
        err("%s %s: layer %s, expected %s" % (p["found_in"], p["name"], p["layer_index"], exp))
    if layers and exp is not None and p.get("layer") != layers[exp]:
        err("%s %s: layer digest %s" % (p["found_in"], p["name"], p.get("layer")))
    if p["type"] == "golang" and p["version"] and not unquote(p["purl"]).endswith("@" + p["version"]):
        err("%s %s: purl %s" % (p["found_in"], p["name"], p["purl"]))
total = 0
for key in sorted(set(want) | set(got)):
    w, gt = want.get(key, set()), got.get(key, set())
    total += len(w)
    for m in sorted(w - gt, key=str):
        err("%s: missing %s" % (key[0], m))
    for m in sorted(gt - w, key=str):
        err("%s: unexpected %s" % (key[0], m))
print("%s: %d files, %d packages as go version -m / go mod edit / cargo say" %
      (name, len(want), total), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

check archive "docker-archive:$W/image.tar"
check dir "dir:$W/merged"
pass
