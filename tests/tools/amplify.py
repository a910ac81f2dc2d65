#!/usr/bin/python3
"""Generate amplification images: small inputs that ask for a lot of work.

  amplify.py OUTDIR [--layers N] [--packages P]   # regenerates only when changed
  amplify.py --check OUTDIR IMAGE REPORT.json       # exit 1 naming the mismatches

Each image is under 10 MB and legal; a scanner must read it in linear time
and memory (issue 9, "Bounded work on hostile input"). Writes:

  repeat.tar       docker-archive: one layer (os-release, a dpkg status of P
                   packages, 2000 small files, a Python dist-info) listed N
                   times in manifest.json
                   and the config's diff_ids; the blob is in the archive once
  repeat.oci       the same as an OCI layout: one blob, N layer descriptors
  churn.oci        OCI layout (gzip) of N distinct layers, each rewriting
                   var/lib/dpkg/status with P packages: layer 0 installs
                   pkg-0..pkg-(P-1) at 1.0; layer i >= 1 bumps pkg-(i mod P)
                   to version 1.i. A package's layer is the last i that
                   changed it.
  same.oci         N distinct layers (a marker file each) that all rewrite
                   status with the same P packages: every package is from
                   layer 0
  alternate.oci    a layer of 20000 empty files and a one-file layer bumping
                   pkg-0, alternating N times: nothing to collapse, the big
                   layer is applied N/2 times (10M entries)
  overmerge.oci    the same with 70000 files: past the merge limit (32M
                   entries), so a scanner must refuse it (exit 2) quickly
  bigfinal.oci     N-1 layers with a one-package status alternating between two
                   versions, then one with 50000 packages: attribution must
                   not cost layers x final packages
  selfwhiteout.oci alternate.oci with usr/.wh..wh..opq in the big layer: each
                   position removes and re-adds its 20k files, past the
                   history limit (4M events): exit 2
  expect.json      {"IMAGE": {"layers": N, "packages": {"TYPE:NAME": [version, layer]}}}
                   or {"IMAGE": {"error": "text stderr must contain"}}

Defaults: N=1000, P=300.
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkimage  # noqa: E402

MTIME = 1704067200
BIG = 50000
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n' \
             b'VERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n'


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def gzip_bytes(data):
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


def tar_bytes(files):
    """files: list of (name, bytes | None for a directory)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid = MTIME, 0, 0
            if data is None:
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            else:
                ti.mode, ti.size = 0o644, len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def status(versions):
    """A dpkg status database: {name: version}, in name order."""
    out = []
    for name in sorted(versions, key=lambda n: int(n.split("-")[1])):
        out.append(f"Package: {name}\nStatus: install ok installed\nPriority: optional\n"
                   f"Architecture: amd64\nVersion: {versions[name]}\n"
                   f"Description: amplification test package {name}\n")
    return "\n".join(out).encode() + b"\n"


DIST_INFO = "usr/lib/python3/dist-packages/amp_py-1.0.dist-info"
DIRS = [("etc", None), ("var", None), ("var/lib", None), ("var/lib/dpkg", None)]


def base_layer(p):
    files = DIRS + [("etc/os-release", OS_RELEASE), ("usr", None), ("usr/share", None),
                    ("usr/share/amp", None)]
    files.append(("var/lib/dpkg/status", status({f"pkg-{k}": "1.0" for k in range(p)})))
    files += [(f"usr/share/amp/f{k:04d}", b"x%d\n" % k) for k in range(2000)]
    files += [("usr/lib", None), ("usr/lib/python3", None),
              ("usr/lib/python3/dist-packages", None), (f"{DIST_INFO}", None),
              (f"{DIST_INFO}/METADATA", b"Metadata-Version: 2.1\nName: amp-py\nVersion: 1.0\n\n")]
    return tar_bytes(files)


def alt_layer(files, opaque=False):
    return tar_bytes(DIRS + [("etc/os-release", OS_RELEASE),
                             ("var/lib/dpkg/status", status({"pkg-0": "1.0"})),
                             ("usr", None), ("usr/share", None)] +
                     ([("usr/.wh..wh..opq", b"")] if opaque else []) +
                     [(f"usr/share/e{k:06d}", b"") for k in range(files)])


def config(diff_ids):
    return mkimage.jdump({"architecture": "amd64", "os": "linux", "created": "2024-01-01T00:00:00Z",
                          "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids},
                          "history": [{"created_by": f"layer {i}"} for i in range(len(diff_ids))]})


def oci_layout(outdir, blobs, order):
    """blobs: list of (tar bytes); order: indices into blobs, one per layer position."""
    bdir = os.path.join(outdir, "blobs", "sha256")
    os.makedirs(bdir, exist_ok=True)
    descs, diff_ids = [], []
    for tar in blobs:
        gz = gzip_bytes(tar)
        d = sha(gz)
        with open(os.path.join(bdir, d[7:]), "wb") as f:
            f.write(gz)
        descs.append({"mediaType": mkimage.OCI_LAYER["gzip"], "digest": d, "size": len(gz)})
        diff_ids.append(sha(tar))
    cfg = config([diff_ids[i] for i in order])
    man = mkimage.jdump({"schemaVersion": 2, "mediaType": mkimage.OCI_MANIFEST,
                         "config": {"mediaType": mkimage.OCI_CONFIG, "digest": sha(cfg),
                                    "size": len(cfg)},
                         "layers": [descs[i] for i in order]})
    for b in (cfg, man):
        with open(os.path.join(bdir, sha(b)[7:]), "wb") as f:
            f.write(b)
    with open(os.path.join(outdir, "index.json"), "wb") as f:
        f.write(mkimage.oci_index(man, {"org.opencontainers.image.ref.name": "moat-test/amp:1"}))
    with open(os.path.join(outdir, "oci-layout"), "wb") as f:
        f.write(mkimage.OCI_LAYOUT)


def docker_archive_repeat(out, tar, n):
    """`docker save` layout with one layer.tar that manifest.json lists n times."""
    cfg = config([sha(tar)] * n)
    cfg_name = sha(cfg)[7:] + ".json"
    man = mkimage.jdump([{"Config": cfg_name, "RepoTags": ["moat-test/amp:1"],
                          "Layers": ["l0/layer.tar"] * n}]) + b"\n"
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as t:
        for name, data in (("l0/layer.tar", tar), (cfg_name, cfg), ("manifest.json", man)):
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.mode, ti.size = MTIME, 0o644, len(data)
            t.addfile(ti, io.BytesIO(data))


def build(out, n, p):
    expect = {}
    base = base_layer(p)
    # dpkg: the version never changed after layer 0; the Python package's file
    # was last written by the last repetition.
    final = {f"deb:pkg-{k}": ["1.0", 0] for k in range(p)}
    final["pypi:amp-py"] = ["1.0", n - 1]
    docker_archive_repeat(os.path.join(out, "repeat.tar"), base, n)
    expect["repeat.tar"] = final
    oci_layout(os.path.join(out, "repeat.oci"), [base], [0] * n)
    expect["repeat.oci"] = final

    # churn: layer i bumps one package
    versions = {f"pkg-{k}": "1.0" for k in range(p)}
    owner = {f"pkg-{k}": 0 for k in range(p)}
    blobs = [tar_bytes(DIRS + [("etc/os-release", OS_RELEASE),
                               ("var/lib/dpkg/status", status(versions))])]
    for i in range(1, n):
        name = f"pkg-{i % p}"
        versions[name], owner[name] = f"1.{i}", i
        blobs.append(tar_bytes([("var/lib/dpkg/status", status(versions))]))
    oci_layout(os.path.join(out, "churn.oci"), blobs, list(range(n)))
    expect["churn.oci"] = {"deb:" + k: [versions[k], owner[k]] for k in versions}

    # same: every layer rewrites the same database
    same = status({f"pkg-{k}": "1.0" for k in range(p)})
    blobs = [tar_bytes(DIRS + [("etc/os-release", OS_RELEASE), ("var/lib/dpkg/status", same)])]
    for i in range(1, n):
        blobs.append(tar_bytes([("var/lib/dpkg/status", same), (f"marker-{i}", b"%d\n" % i)]))
    oci_layout(os.path.join(out, "same.oci"), blobs, list(range(n)))
    expect["same.oci"] = {f"deb:pkg-{k}": ["1.0", 0] for k in range(p)}
    # alternate: a layer of 20k files and a one-file layer, alternating: the big
    # one is applied at every other position (no run to collapse)
    alt = [alt_layer(20000), tar_bytes([("var/lib/dpkg/status", status({"pkg-0": "2.0"}))])]
    oci_layout(os.path.join(out, "alternate.oci"), alt, [i % 2 for i in range(n)])
    expect["alternate.oci"] = {"deb:pkg-0": ["2.0" if n % 2 == 0 else "1.0", n - 1]}
    # overmerge: the same with 70k files, past the merge limit (32M entries)
    alt[0] = alt_layer(70000)
    oci_layout(os.path.join(out, "overmerge.oci"), alt, [i % 2 for i in range(n)])
    expect["overmerge.oci"] = {"error": "merging the layers would apply more than"}
    # bigfinal: n-1 small databases that differ from each other, then a big one
    blobs = [tar_bytes(DIRS + [("etc/os-release", OS_RELEASE),
                               ("var/lib/dpkg/status", status({"pkg-0": "1.0"}))])]
    blobs += [tar_bytes([("var/lib/dpkg/status", status({"pkg-0": f"1.{i % 2}"}))])
              for i in range(1, n - 1)]
    big = {f"big-{k}": "1.0" for k in range(BIG)}
    big["pkg-0"] = f"1.{(n - 2) % 2}"
    blobs.append(tar_bytes([("var/lib/dpkg/status", status(big))]))
    oci_layout(os.path.join(out, "bigfinal.oci"), blobs, list(range(n)))
    expect["bigfinal.oci"] = {f"deb:big-{k}": ["1.0", n - 1] for k in range(BIG)}
    expect["bigfinal.oci"]["deb:pkg-0"] = [big["pkg-0"], n - 2]
    # selfwhiteout: the big layer's opaque marker covers its own files, so each
    # position removes and re-adds all of them (two events per file)
    alt[0] = alt_layer(20000, opaque=True)
    oci_layout(os.path.join(out, "selfwhiteout.oci"), alt, [i % 2 for i in range(n)])
    expect["selfwhiteout.oci"] = {"error": "the merge recorded more than"}
    with open(os.path.join(out, "expect.json"), "w") as f:
        json.dump({k: v if "error" in v else {"layers": n, "packages": v}
                   for k, v in expect.items()}, f, sort_keys=True)


def check(outdir, image, report):
    """Every expected package, with its version and layer index, and no other."""
    want = json.load(open(os.path.join(outdir, "expect.json")))[image]
    want_layers, want = want["layers"], want["packages"]
    rep = json.load(open(report))
    got = {f'{p["type"]}:{p["name"]}': [p["version"], p["layer_index"]]
           for p in rep["packages"]}
    bad = [f"{k}: want {want[k]}, got {got.get(k)}" for k in sorted(want) if got.get(k) != want[k]]
    bad += [f"{k}: not expected, got {got[k]}" for k in sorted(got) if k not in want]
    if rep.get("removed_packages"):
        bad.append(f"{len(rep['removed_packages'])} removed packages, want none")
    if len(rep["layers"]) != want_layers:
        bad.append(f"{len(rep['layers'])} layers in the report, want {want_layers}")
    for line in bad[:10]:
        print(f"amplify: {image}: {line}", file=sys.stderr)
    return 1 if bad else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "--check":
        return check(argv[2], argv[3], argv[4])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--layers", type=int, default=1000)
    ap.add_argument("--packages", type=int, default=300)
    a = ap.parse_args(argv[1:])
    out = os.path.abspath(a.outdir)
    me = open(os.path.abspath(__file__), "rb").read() + open(mkimage.__file__, "rb").read()
    key = f"{hashlib.sha256(me).hexdigest()[:16]} {a.layers} {a.packages}"
    stamp = os.path.join(out, ".complete")
    if os.path.exists(stamp) and open(stamp).read().strip() == key:
        print(f"amplify: up to date: {out}", file=sys.stderr)
        return 0
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    build(out, a.layers, a.packages)
    with open(stamp, "w") as f:
        f.write(key + "\n")
    print(f"amplify: wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
