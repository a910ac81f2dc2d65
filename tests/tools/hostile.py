#!/usr/bin/python3
"""Generate hostile images that a scanner must refuse (or survive) safely.

  hostile.py OUTDIR          # regenerates only when this script changed

Writes one image per case (docker-archive FILE.tar or OCI layout DIR.oci)
and OUTDIR/cases.tsv, one line per case:

  NAME <TAB> TARGET <TAB> EXPECT <TAB> CHECKS <TAB> DESCRIPTION

TARGET is a moat target relative to OUTDIR (docker-archive:x.tar, oci:x.oci).
EXPECT lists the acceptable exit codes: "2" = must be rejected as a bad
input; "0,2" = the image is legal but nasty (symlinks out of the root are
normal in real images), so either outcome is fine as long as the scanner
stays inside the image (see tests/integration/hostile.sh). CHECKS are extra
checks on a successful scan's JSON, "-" for none; "no-os": the image has
no usable os-release, so any reported OS was read from outside it.

Names the images use, so a test can look for escapes:
  escape-canary, moat-hostile-escape*   files an extracting scanner would
                                        create outside its sandbox
  /tmp/moat-hostile-canary/{os-release,status}
                                        planted by the test; symlinks point
                                        there, and "moat-escaped" in any
                                        output means the scanner followed
Everything is small except the two bombs' *inflated* sizes; they are
written streaming and never materialised.
"""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkimage  # noqa: E402

CANARY = "/tmp/moat-hostile-canary"
BOMB_SIZE = 2 << 30          # 2 GiB of zeros inside each bomb
OS_RELEASE = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n' \
             b'VERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n'
STATUS = b"Package: hostile-pkg\nStatus: install ok installed\nArchitecture: amd64\n" \
         b"Version: 1.0-1\nDescription: placeholder\n\n"

# ------------------------------------------------------------------ layers


def tar_bytes(entries):
    """entries: (kind, name, arg): f=file bytes, d=dir, l=symlink, h=hardlink,
    p=FIFO, c=char device 1,3, w=char device 0,0.
    Names are written verbatim: tarfile does not sanitise on write."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for kind, name, arg in entries:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.mode = 1704067200, 0, 0, 0o644
            data = None
            if kind == "f":
                ti.size, data = len(arg), io.BytesIO(arg)
            elif kind == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "l":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, arg, 0o777
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, arg
            elif kind == "p":
                ti.type = tarfile.FIFOTYPE
            elif kind == "c":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "w":  # a 0,0 character device: overlayfs's own whiteout
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 0, 0
            t.addfile(ti, data)
    return buf.getvalue()


BASE = [("d", "etc", None), ("f", "etc/os-release", OS_RELEASE),
        ("d", "var", None), ("d", "var/lib", None), ("d", "var/lib/dpkg", None),
        ("f", "var/lib/dpkg/status", STATUS)]


def docker_archive(out, work, layers, **spec):
    """layers: list of tar bytes. spec: extra mkimage spec keys; a per-layer
    diff_id override goes in spec["diff_ids"]."""
    hist = []
    for i, data in enumerate(layers):
        p = os.path.join(work, f"{os.path.basename(out)}.l{i}.tar")
        with open(p, "wb") as f:
            f.write(data)
        h = {"layer": p, "created_by": f"hostile layer {i}"}
        if spec.get("diff_ids"):
            h["diff_id"] = spec["diff_ids"][i]
        hist.append(h)
    s = {"ref": "moat-test/hostile:1", "history": hist,
         "manifest_layers": spec.get("manifest_layers")}
    mkimage.build(s, "docker-archive", out)


def rewrite_tar(path, replace):
    """Replace members of an (outer) tar by name: {name: bytes or callable}."""
    tmp = path + ".rw"
    with tarfile.open(path) as src, tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name in replace:
                r = replace[m.name]
                data = r(data) if callable(r) else r
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    os.replace(tmp, path)


def manifest_of(path):
    with tarfile.open(path) as t:
        return json.load(t.extractfile("manifest.json"))


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def oci_layout(outdir, blobs, diff_ids, ref="moat-test/hostile:1"):
    """blobs: list of (media_type, bytes | (path, digest, size)). Writes a
    consistent layout unless the caller breaks it afterwards."""
    bdir = os.path.join(outdir, "blobs", "sha256")
    os.makedirs(bdir, exist_ok=True)
    descs = []
    for media, b in blobs:
        if isinstance(b, bytes):
            d, size = sha(b), len(b)
            with open(os.path.join(bdir, d[7:]), "wb") as f:
                f.write(b)
        else:
            path, d, size = b
            os.replace(path, os.path.join(bdir, d[7:]))
        descs.append({"mediaType": media, "digest": d, "size": size})
    cfg = mkimage.jdump({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids},
                         "history": [{"created_by": "hostile"} for _ in diff_ids]})
    man = mkimage.jdump({"schemaVersion": 2, "mediaType": mkimage.OCI_MANIFEST,
                         "config": {"mediaType": mkimage.OCI_CONFIG, "digest": sha(cfg),
                                    "size": len(cfg)},
                         "layers": descs})
    for b in (cfg, man):
        with open(os.path.join(bdir, sha(b)[7:]), "wb") as f:
            f.write(b)
    with open(os.path.join(outdir, "index.json"), "wb") as f:
        f.write(mkimage.oci_index(man, {"org.opencontainers.image.ref.name": ref}))
    with open(os.path.join(outdir, "oci-layout"), "wb") as f:
        f.write(mkimage.OCI_LAYOUT)
    return {"config": sha(cfg), "layers": [d["digest"] for d in descs]}


def gzip_bytes(data):
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    return z.compress(data) + z.flush()


def bomb_stream(name, size):
    """Yield an uncompressed tar holding one file of `size` zero bytes."""
    ti = tarfile.TarInfo(name)
    ti.size, ti.mtime, ti.mode = size, 1704067200, 0o644
    yield ti.tobuf(tarfile.GNU_FORMAT)
    chunk = bytes(1 << 20)
    left = size
    while left:
        n = min(left, len(chunk))
        yield chunk[:n]
        left -= n
    yield bytes((512 - size % 512) % 512 + 1024)   # padding + end of archive


def write_bomb(path, comp, member="var/lib/dpkg/status"):
    """Compress the bomb stream to path; return (diff_id, digest, size)."""
    h = hashlib.sha256()
    if comp == "gzip":
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        with open(path, "wb") as f:
            for piece in bomb_stream(member, BOMB_SIZE):
                h.update(piece)
                f.write(z.compress(piece))
            f.write(z.flush())
    else:
        with open(path, "wb") as f:
            p = subprocess.Popen(["zstd", "-q", "-19", "-c"], stdin=subprocess.PIPE, stdout=f)
            for piece in bomb_stream(member, BOMB_SIZE):
                h.update(piece)
                p.stdin.write(piece)
            p.stdin.close()
            if p.wait():
                raise SystemExit("zstd failed")
    return "sha256:" + h.hexdigest(), mkimage.sha256_file(path), os.path.getsize(path)


# ------------------------------------------------------------------ cases

CASES = []


def case(name, expect, desc, checks="-"):
    def reg(fn):
        CASES.append((name, expect, checks, desc, fn))
        return fn
    return reg


@case("truncated-layer.tar", "2", "layer.tar cut in the middle of a file's data "
      "(diff_id matches the cut bytes, so only the tar structure is broken)")
def _(out, work):
    full = tar_bytes(BASE + [("f", "usr/bin/big", os.urandom(64 << 10))])
    docker_archive(out, work, [full[:len(full) - (40 << 10)]])


@case("truncated-archive.tar", "2", "the docker-archive file itself cut mid-layer "
      "(manifest.json, written last, is lost too)")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE + [("f", "usr/bin/big", os.urandom(256 << 10))])])
    os.truncate(out, os.path.getsize(out) * 6 // 10)


@case("diffid-mismatch.tar", "2", "config rootfs.diff_ids does not match the layer")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE)], diff_ids=[sha(b"not this layer")])


@case("missing-layer.tar", "2", "manifest.json names a layer file the archive lacks")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE)])
    m = manifest_of(out)
    m[0]["Layers"] = ["0000000000000000000000000000000000000000000000000000000000000000/layer.tar"]
    rewrite_tar(out, {"manifest.json": mkimage.jdump(m)})


@case("oci-layer-digest-mismatch.oci", "2", "OCI layer blob whose content does not match "
      "its name (one byte changed, same size, still a valid tar)")
def _(out, work):
    layer = tar_bytes(BASE)
    r = oci_layout(out, [(mkimage.OCI_LAYER["none"], layer)], [sha(layer)])
    p = os.path.join(out, "blobs", "sha256", r["layers"][0][7:])
    data = open(p, "rb").read().replace(b"ID=debian", b"ID=DEBIAN")
    open(p, "wb").write(data)


@case("oci-config-digest-mismatch.oci", "2", "OCI config blob whose content does not "
      "match its name (valid JSON, amd64 -> arm64)")
def _(out, work):
    layer = tar_bytes(BASE)
    r = oci_layout(out, [(mkimage.OCI_LAYER["none"], layer)], [sha(layer)])
    p = os.path.join(out, "blobs", "sha256", r["config"][7:])
    data = open(p, "rb").read().replace(b'"amd64"', b'"arm64"')
    open(p, "wb").write(data)


@case("truncated-gzip-layer.oci", "2", "gzip layer stream cut in half (blob digest "
      "matches the cut bytes; diff_id is the full layer's)")
def _(out, work):
    layer = tar_bytes(BASE + [("f", "usr/bin/big", os.urandom(128 << 10))])
    gz = gzip_bytes(layer)
    oci_layout(out, [(mkimage.OCI_LAYER["gzip"], gz[:len(gz) // 2])], [sha(layer)])


@case("malformed-index.oci", "2", "index.json is not valid JSON")
def _(out, work):
    layer = tar_bytes(BASE)
    oci_layout(out, [(mkimage.OCI_LAYER["none"], layer)], [sha(layer)])
    with open(os.path.join(out, "index.json"), "wb") as f:
        f.write(b'{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.im')


# The engines unpack layers inside a chroot of the layer directory, so ".."
# stops at the root and "/etc/passwd" is the image's own (tar-reading.md):
# these images are legal, and the scan must read them the same way without
# anything escaping.
@case("path-dotdot.tar", "0", "layer entries ../escape-canary, ../../escape-canary, ... "
      "and etc/../../escape-canary (all are /escape-canary inside the image)")
def _(out, work):
    evil = [("f", "../" * i + "escape-canary", b"escaped\n") for i in range(1, 13)]
    evil.append(("f", "etc/../../escape-canary", b"escaped\n"))
    docker_archive(out, work, [tar_bytes(BASE + evil)])


@case("path-absolute.tar", "0", "layer entries with absolute paths /etc/passwd and "
      "/tmp/moat-hostile-escape-abs (the image's own files)")
def _(out, work):
    evil = [("f", "/etc/passwd", b"root:x:0:0:moat-hostile:/root:/bin/sh\n"),
            ("f", "/tmp/moat-hostile-escape-abs", b"escaped\n")]
    docker_archive(out, work, [tar_bytes(BASE + evil)])


@case("symlink-loop.tar", "0,2", "symlink loops: a -> b, b -> a, self -> self, and "
      "etc/os-release, usr/lib/os-release pointing into them", "no-os")
def _(out, work):
    links = [("l", "a", "b"), ("l", "b", "a"), ("l", "self", "self"),
             ("d", "etc", None), ("l", "etc/os-release", "../a"),
             ("d", "usr", None), ("d", "usr/lib", None),
             ("l", "usr/lib/os-release", "../../etc/os-release"),
             ("d", "var", None), ("d", "var/lib", None), ("d", "var/lib/dpkg", None),
             ("l", "var/lib/dpkg/status", "../../../self")]
    docker_archive(out, work, [tar_bytes(links)])


@case("symlink-outside.tar", "0,2", "symlinks leaving the root: etc/os-release -> "
      "../../../../etc/os-release, usr/lib/os-release and var/lib/dpkg/status -> "
      f"{CANARY}/..., etc/passwd -> /etc/shadow", "no-os")
def _(out, work):
    links = [("d", "etc", None),
             ("l", "etc/os-release", "../../../../etc/os-release"),
             ("l", "etc/passwd", "/etc/shadow"),
             ("d", "usr", None), ("d", "usr/lib", None),
             ("l", "usr/lib/os-release", CANARY + "/os-release"),
             ("d", "var", None), ("d", "var/lib", None), ("d", "var/lib/dpkg", None),
             ("l", "var/lib/dpkg/status", "../../../../../../../.." + CANARY + "/status")]
    docker_archive(out, work, [tar_bytes(links)])


@case("symlink-write-through.tar", "0,2", "layer 1 has lnk -> ../../../tmp/... and "
      "abs -> /tmp/...; layer 2 writes lnk/moat-hostile-escape-wt and abs/...")
def _(out, work):
    l1 = tar_bytes(BASE + [("l", "lnk", "../../../../../../../../tmp"),
                           ("l", "abs", "/tmp")])
    l2 = tar_bytes([("f", "lnk/moat-hostile-escape-wt", b"escaped\n"),
                    ("f", "abs/moat-hostile-escape-wt2", b"escaped\n")])
    docker_archive(out, work, [l1, l2])


@case("hardlink-outside.tar", "2", "hardlinks to ../../../../etc/passwd and /etc/shadow")
def _(out, work):
    evil = [("h", "etc/passwd", "../../../../etc/passwd"), ("h", "etc/shadow", "/etc/shadow")]
    docker_archive(out, work, [tar_bytes(BASE + evil)])


@case("hardlink-missing.tar", "2", "hardlink etc/hostname -> nonexistent/file "
      "(no such earlier entry, no lower layer)")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE + [("h", "etc/hostname", "nonexistent/file")])])


@case("gzip-bomb.oci", "2", f"gzip layer of ~2 MB inflating to {BOMB_SIZE >> 30} GiB "
      "(one zero-filled var/lib/dpkg/status)")
def _(out, work):
    tmp = os.path.join(work, "bomb.gz")
    diff_id, dig, size = write_bomb(tmp, "gzip")
    oci_layout(out, [(mkimage.OCI_LAYER["gzip"], (tmp, dig, size))], [diff_id])


@case("gzip-bomb-uncaptured.oci", "2", f"gzip bomb again, the {BOMB_SIZE >> 30} GiB file "
      "named usr/share/zeros, which no analyzer reads: only an inflation limit stops it")
def _(out, work):
    tmp = os.path.join(work, "bomb2.gz")
    diff_id, dig, size = write_bomb(tmp, "gzip", "usr/share/zeros")
    oci_layout(out, [(mkimage.OCI_LAYER["gzip"], (tmp, dig, size))], [diff_id])


@case("zstd-bomb.oci", "2", f"zstd layer of ~70 kB inflating to {BOMB_SIZE >> 30} GiB")
def _(out, work):
    tmp = os.path.join(work, "bomb.zst")
    diff_id, dig, size = write_bomb(tmp, "zstd")
    oci_layout(out, [(mkimage.OCI_LAYER["zstd"], (tmp, dig, size))], [diff_id])


@case("million-layers.tar", "2", "manifest.json lists 1,000,000 layers (all the same "
      "short path, ~4 MB of JSON); the config has one diff_id")
def _(out, work):
    layer = tar_bytes(BASE)
    cfg = mkimage.jdump({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}})
    man = os.path.join(work, "million.json")
    with open(man, "w") as f:                 # streamed, never one big string
        f.write('[{"Config":"c.json","RepoTags":["moat-test/million:1"],"Layers":["l"')
        for _ in range(10**6 - 1):
            f.write(',"l"')
        f.write("]}]\n")
    t = mkimage.OuterTar(out, 1704067200)
    t.add_bytes("c.json", cfg)
    t.add_bytes("l", layer)
    t.add_file("manifest.json", man)
    t.close()


@case("malformed-manifest.tar", "2", "manifest.json truncated mid-string")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE)])
    rewrite_tar(out, {"manifest.json": lambda d: d[: len(d) // 2]})


@case("malformed-config.tar", "2", "config JSON truncated, with invalid UTF-8 appended")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE)])
    cfg = manifest_of(out)[0]["Config"]
    rewrite_tar(out, {cfg: lambda d: d[: len(d) // 2] + b"\xff\xfe\x00"})


@case("deep-nesting-manifest.tar", "2", "manifest.json is 100,000 nested arrays "
      "(recursive parsers overflow the stack)")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE)])
    rewrite_tar(out, {"manifest.json": b"[" * 100000 + b"]" * 100000})


@case("manifest-wrong-types.tar", "2", "manifest.json fields of the wrong JSON types")
def _(out, work):
    docker_archive(out, work, [tar_bytes(BASE)])
    rewrite_tar(out, {"manifest.json": b'[{"Config":42,"RepoTags":"x","Layers":{"a":1}}]'})


# ------------------------------------------------------------------ main

def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = os.path.abspath(argv[1])
    me = open(os.path.abspath(__file__), "rb").read() + open(mkimage.__file__, "rb").read()
    key = hashlib.sha256(me).hexdigest()[:16]
    stamp = os.path.join(out, ".complete")
    if os.path.exists(stamp) and open(stamp).read().strip() == key:
        print(f"hostile: up to date: {out}", file=sys.stderr)
        return 0
    if os.path.exists(out):
        shutil.rmtree(out)
    work = os.path.join(out, ".work")
    os.makedirs(work)
    rows = []
    for name, expect, checks, desc, fn in CASES:
        fn(os.path.join(out, name), work)
        kind = "oci" if name.endswith(".oci") else "docker-archive"
        rows.append(f"{name}\t{kind}:{name}\t{expect}\t{checks}\t{desc}\n")
    shutil.rmtree(work)
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.writelines(rows)
    with open(stamp, "w") as f:
        f.write(key + "\n")
    print(f"hostile: {len(rows)} cases in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
