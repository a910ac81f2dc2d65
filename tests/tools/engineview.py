#!/usr/bin/python3
"""Crafted layer stacks for comparing moat's merged view with the engine's.

  engineview.py build OUTDIR          # one docker-archive per case + cases.tsv
  engineview.py export-list TAR       # a `docker export` tar as JSON lines
  engineview.py selftest OUTDIR       # compare itself can fail (exit 0 if so)
  engineview.py compare EXPORT.tar MOAT.jsonl
                                      # exit 1 (and print the differences) when the
                                      # engine's merged rootfs and `moat fs ls` differ

cases.tsv has one line per case: NAME <TAB> FILE <TAB> PKGS <TAB> DESCRIPTION,
PKGS being the dpkg/apk package names moat must report, comma-separated
("-": the whiteout cases only compare trees; "os=ID": the OS moat must
detect; "lang:NAMES": the language packages a scan with the language
catalogers must report; "!": `moat scan` must refuse the image; "x": moat refuses an image
the engine accepts, on purpose, see docs/internals/layered-fs.md). Each case is a list of layers; a layer is
a list of (kind, name, arg) entries written verbatim in that order:
f=file bytes, d=dir, l=symlink, h=hardlink, p=FIFO, c=char device 1:3.

The engine's verdict is what tests/integration/engine_view.sh observes:
`docker load` refusing the image, or the merged tree `docker export` shows;
docs/internals/layered-fs.md has the table.

stdlib only; run with /usr/bin/python3.
"""
import hashlib
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkimage  # noqa: E402
from hostile import tar_bytes  # noqa: E402

OS_RELEASE = b'NAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'


def stanza(name, version="1.0-1"):
    return (f"Package: {name}\nStatus: install ok installed\nArchitecture: amd64\n"
            f"Version: {version}\nDescription: engine view test\n\n").encode()


def apk_stanza(name, version="1.0-r0"):
    return f"P:{name}\nV:{version}\nA:x86_64\n\n".encode()


# Every image starts from this layer so the engine adds no parent directories
# of its own (etc for hostname/hosts, dev, proc, sys) that moat would not list.
BASE = [("d", "etc", None), ("f", "etc/os-release", OS_RELEASE),
        ("d", "dev", None), ("d", "proc", None), ("d", "sys", None),
        ("d", "a", None), ("f", "a/x", b"lower x\n"), ("f", "a/y", b"lower y\n"),
        ("d", "a/sub", None), ("f", "a/sub/z", b"lower z\n"),
        ("d", "real", None), ("f", "real/f", b"real f\n"), ("l", "link", "real")]

DPKG_DIRS = [("d", "var", None), ("d", "var/lib", None)]

CASES = []


def case(name, layers, desc, pkgs="-"):
    CASES.append((name, layers, desc, pkgs))


# ---- whiteouts
case("wh-empty", [BASE, [("f", "a/.wh.", b"")]], "whiteout with an empty name (a/.wh.)")
case("wh-dot", [BASE, [("f", "a/.wh..", b"")]], "whiteout of '.' (a/.wh..)")
case("wh-dotdot", [BASE, [("f", "a/.wh...", b"")]], "whiteout of '..' (a/.wh...)")
case("wh-empty-root", [BASE, [("f", ".wh.", b"")]], "whiteout with an empty name at the root")
case("wh-file", [BASE, [("f", "a/.wh.x", b"")]], "plain whiteout of a file")
case("wh-dir", [BASE, [("f", "a/.wh.sub", b"")]], "whiteout of a directory")
case("wh-absent", [BASE, [("f", "a/.wh.nothere", b"")]], "whiteout of a name no layer has")
case("wh-via-symlink", [BASE, [("f", "link/.wh.f", b"")]],
     "whiteout below a parent that is a symlink in a lower layer")
case("add-via-symlink", [BASE, [("f", "link/g", b"new g\n")]],
     "file added below a parent that is a symlink in a lower layer")
case("opq-root", [BASE, [("f", ".wh..wh..opq", b""), ("f", "new", b"new\n")]],
     "opaque marker at the layer root")
case("opq-sub", [BASE, [("d", "a", None), ("f", "a/.wh..wh..opq", b""),
                        ("f", "a/n", b"new n\n")]], "opaque marker in a subdirectory")
case("opq-after", [BASE, [("d", "a", None), ("f", "a/n", b"new n\n"),
                          ("f", "a/.wh..wh..opq", b"")]],
     "opaque marker after the directory's new entries")
case("opq-nested", [BASE, [("d", "a", None), ("d", "a/sub", None),
                           ("f", "a/sub/.wh..wh..opq", b"")]], "opaque marker two levels down")
case("opq-then-later", [BASE, [("d", "a", None), ("f", "a/.wh..wh..opq", b""),
                               ("f", "a/n", b"new n\n")], [("f", "a/m", b"m\n")]],
     "opaque marker in layer 2, a file added to the same directory in layer 3")
case("wh-then-add", [BASE, [("f", "a/.wh.x", b""), ("f", "a/x", b"upper x\n")]],
     "whiteout, then the same name re-added in the same layer")
case("add-then-wh", [BASE, [("f", "a/x", b"upper x\n"), ("f", "a/.wh.x", b"")]],
     "the name re-added, then whited out in the same layer")
case("wh-dir-then-add", [BASE, [("f", "a/.wh.sub", b""), ("d", "a/sub", None),
                                ("f", "a/sub/w", b"new w\n")]],
     "directory whited out and re-created in the same layer")
case("wh-new-only", [BASE, [("f", "b/q", b"q\n"), ("f", "b/.wh.q", b"")]],
     "whiteout of a name only this layer adds")
case("wh-aufs-meta", [BASE, [("d", ".wh..wh.plnk", None), ("f", ".wh..wh.plnk/1", b"m\n"),
                             ("f", "a/.wh..wh.aufs", b"")]], "aufs metadata (.wh..wh.*)")
case("wh-as-dir", [BASE, [("d", "a/.wh.x", None)]], "whiteout written as a directory entry")
case("wh-with-data", [BASE, [("f", "a/.wh.x", b"data in a whiteout\n")]],
     "whiteout file with content")
case("wh-symlink-entry", [BASE, [("l", "a/.wh.x", "y")]], "whiteout written as a symlink")
case("dir-over-symlink", [BASE, [("d", "link", None), ("f", "link/g", b"g\n")]],
     "a directory entry replacing a lower symlink")
case("file-over-dir", [BASE, [("f", "a", b"now a file\n")]],
     "a file replacing a lower directory")
case("hardlink-chain", [BASE, [("f", "h1", b"h\n"), ("h", "h2", "h1"), ("h", "h3", "h2")]],
     "hardlink to a hardlink in the same layer")
case("wh-in-absent-dir", [BASE, [("f", "nodir/.wh.q", b"")]],
     "whiteout in a directory no layer has")
case("add-under-file", [BASE, [("f", "a/x/k", b"k\n")]],
     "entry below a path that is a file in a lower layer")
case("wh-twice", [BASE, [("f", "a/.wh.x", b""), ("f", "a/.wh.x", b"")]],
     "the same whiteout twice in one layer")
case("wh-dir-then-child", [BASE, [("f", "a/.wh.sub", b""), ("f", "a/sub/w", b"w\n")]],
     "directory whited out, then a file below it without the directory entry")
case("hardlink-lower", [BASE, [("h", "a/hl", "a/x")]],
     "hardlink to a file of a lower layer")
case("hardlink-forward", [BASE, [("h", "h2", "h1"), ("f", "h1", b"h\n")]],
     "hardlink to an entry that comes later in the same layer")
case("hardlink-symlink", [BASE, [("l", "s1", "a/x"), ("h", "s2", "s1")]],
     "hardlink to a symlink of the same layer")
case("hardlink-dir", [BASE, [("d", "d1", None), ("h", "d2", "d1")]],
     "hardlink to a directory of the same layer")
case("add-via-own-symlink", [BASE, [("d", "t", None), ("l", "l", "t"), ("f", "l/f", b"f\n")]],
     "entry below a symlink of the same layer (the engine writes through it)", "x")

# ---- package databases reached through links
DB_REAL = stanza("real-pkg")
DECOY = stanza("decoy-pkg")
case("db-dir-symlink",
     [BASE + DPKG_DIRS + [("d", "opt", None), ("d", "opt/x", None),
                          ("f", "opt/x/status", DB_REAL), ("l", "var/lib/dpkg", "../../opt/x")]],
     "var/lib/dpkg -> ../../opt/x (a directory symlink)", "real-pkg")
case("db-dir-symlink-later",
     [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("f", "var/lib/dpkg/status", DECOY),
                          ("d", "opt", None), ("d", "opt/x", None),
                          ("f", "opt/x/status", DB_REAL)],
      [("f", "var/lib/.wh.dpkg", b""), ("l", "var/lib/dpkg", "/opt/x")]],
     "a later layer swaps var/lib/dpkg for a symlink into a lower layer's directory",
     "real-pkg")
case("db-file-symlink",
     [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("d", "srv", None),
                          ("f", "srv/blob", DB_REAL)],
      [("l", "var/lib/dpkg/status", "/srv/blob")]],
     "var/lib/dpkg/status is a symlink to a file of another layer", "real-pkg")
case("db-hardlink",
     [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("d", "srv", None),
                          ("f", "srv/blob", DB_REAL), ("h", "var/lib/dpkg/status", "srv/blob")]],
     "var/lib/dpkg/status is a hardlink to an unwanted path", "real-pkg")
case("db-status-d-symlink",
     [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("d", "srv", None),
                          ("f", "srv/one", stanza("statusd-pkg")),
                          ("l", "var/lib/dpkg/status.d", "/srv")]],
     "distroless status.d is a symlink to a directory", "statusd-pkg")
case("db-apk-symlink",
     [[("d", "etc", None), ("f", "etc/os-release", b"ID=alpine\nVERSION_ID=3.19.0\n"),
       ("d", "dev", None), ("d", "proc", None), ("d", "sys", None),
       ("d", "lib", None), ("d", "data", None), ("f", "data/installed", apk_stanza("apk-real")),
       ("d", "lib/apk", None), ("l", "lib/apk/db", "../../data")]],
     "lib/apk/db -> ../../data, with data/installed the database", "apk-real")
case("os-release-symlink",
     [[("d", "etc", None), ("d", "usr", None), ("d", "usr/share", None),
       ("f", "usr/share/osr", b'ID=debian\nVERSION_ID="12"\n'),
       ("l", "etc/os-release", "../usr/share/osr"),
       ("d", "dev", None), ("d", "proc", None), ("d", "sys", None)]],
     "etc/os-release is a symlink to an unwanted path", "os=debian")

# Language manifests behind links (PKGS "lang:NAMES": a scan with the language
# catalogers must find them under the name the container sees).
NODE_PKG = b'{"name": "linked-npm", "version": "1.2.3"}\n'
case("lang-hardlink",
     [BASE + [("d", "srv", None), ("f", "srv/blob", NODE_PKG), ("d", "usr", None),
              ("d", "usr/lib", None), ("d", "usr/lib/node_modules", None),
              ("d", "usr/lib/node_modules/linked-npm", None),
              ("h", "usr/lib/node_modules/linked-npm/package.json", "srv/blob")]],
     "an installed package.json that is a hardlink to an unrelated name", "lang:linked-npm")
case("lang-symlink",
     [BASE + [("d", "srv", None), ("f", "srv/blob", NODE_PKG)],
      [("d", "usr", None), ("d", "usr/lib", None), ("d", "usr/lib/node_modules", None),
       ("d", "usr/lib/node_modules/linked-npm", None),
       ("l", "usr/lib/node_modules/linked-npm/package.json", "/srv/blob")]],
     "an installed package.json that is a symlink into a lower layer", "lang:linked-npm")

# ---- special files where a database should be: the engine loads these, moat
# must refuse to scan them (PKGS "!": `moat scan` exits 2 naming path and layer)
case("db-fifo", [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("p", "var/lib/dpkg/status", None)]],
     "a FIFO at var/lib/dpkg/status", "!")
case("db-dir", [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("d", "var/lib/dpkg/status", None)]],
     "a directory at var/lib/dpkg/status", "!")
case("os-release-chardev", [BASE, [("f", "etc/.wh.os-release", b""),
                                   ("c", "etc/os-release", None)]],
     "a character device at etc/os-release", "!")
case("db-symlink-fifo", [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None), ("p", "fifo", None),
                                             ("l", "var/lib/dpkg/status", "/fifo")]],
     "var/lib/dpkg/status is a symlink to a FIFO", "!")


# ---- a 0,0 character device is what overlayfs itself uses as a whiteout: once
# unpacked into a layer it hides the lower path, whatever its name
case("chr00-file", [BASE, [("w", "a/x", None)]], "a 0,0 char device over a lower file")
case("chr00-dir", [BASE, [("w", "a/sub", None)]], "a 0,0 char device over a lower directory")
case("chr00-then-child", [BASE, [("w", "a/sub", None), ("f", "a/sub/y", b"y\n")]],
     "a 0,0 char device, then a file below it in the same layer")
case("chr00-db", [BASE + DPKG_DIRS + [("d", "var/lib/dpkg", None),
                                      ("f", "var/lib/dpkg/status", stanza("real"))],
                  [("w", "var/lib/dpkg/status", None)]],
     "a 0,0 char device over the package database: it is gone in the container")


def build(outdir, only=None):
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for name, layers, desc, pkgs in CASES:
        if only and name not in only:
            continue
        hist = []
        for i, entries in enumerate(layers):
            p = os.path.join(outdir, f"{name}.l{i}.tar")
            with open(p, "wb") as f:
                f.write(tar_bytes(entries))
            hist.append({"layer": p, "created_by": f"{name} layer {i + 1}"})
        spec = {"ref": f"moat-ev/{name}:1", "history": hist, "config": {"Cmd": ["/none"]}}
        mkimage.build(spec, "docker-archive", os.path.join(outdir, f"{name}.tar"))
        for i in range(len(layers)):
            os.unlink(os.path.join(outdir, f"{name}.l{i}.tar"))
        lines.append(f"{name}\t{name}.tar\t{pkgs}\t{desc}\n")
    with open(os.path.join(outdir, "cases.tsv"), "w") as f:
        f.writelines(lines)


# Paths the engine itself adds to every container (init layer, mounts).
ENGINE_PATHS = {".dockerenv", "etc/hostname", "etc/hosts", "etc/mtab", "etc/resolv.conf"}
ENGINE_TREES = ("dev/", "proc/", "sys/")


def export_list(path):
    """{path: (type, size, sha256 or link target)} of an exported rootfs."""
    out, seen = {}, {}
    with tarfile.open(path) as t:
        for m in t.getmembers():
            name = m.name.rstrip("/")
            if name.startswith("./"):
                name = name[2:]
            if m.isfile():
                digest = hashlib.sha256(t.extractfile(m).read()).hexdigest()
                v = ("file", m.size, digest)
            elif m.islnk():
                target = m.linkname[2:] if m.linkname.startswith("./") else m.linkname
                v = seen[target.rstrip("/")]   # a second name of an entry already listed
            elif m.issym():
                v = ("symlink", 0, m.linkname)
            elif m.isdir():
                v = ("dir", 0, "")
            elif m.isfifo():
                v = ("fifo", 0, "")
            elif m.ischr():
                v = ("char", 0, "")
            elif m.isblk():
                v = ("block", 0, "")
            else:
                continue
            seen[name] = v
            if name in ("", ".") or name in ENGINE_PATHS or name.startswith(ENGINE_TREES):
                continue
            out[name] = v
    return out


def moat_list(path):
    out = {}
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            p = e["path"]
            if p in ENGINE_PATHS or p.startswith(ENGINE_TREES):
                continue
            if e["type"] == "file":
                out[p] = ("file", e["size"], e.get("sha256"))
            elif e["type"] == "symlink":
                out[p] = ("symlink", 0, e["link"])
            else:
                out[p] = (e["type"], 0, "")
    return out


def compare(export_tar, moat_jsonl):
    engine, moat = export_list(export_tar), moat_list(moat_jsonl)
    bad = 0
    for p in sorted(set(engine) | set(moat)):
        if engine.get(p) != moat.get(p):
            print(f"  {p}: engine {engine.get(p)} moat {moat.get(p)}")
            bad += 1
    return 1 if bad else 0


def selftest(outdir):
    """compare must report a difference: two exports of different trees."""
    a = {"x": ("file", 1, "00"), "d": ("dir", 0, "")}
    b = {"x": ("file", 1, "01"), "d": ("dir", 0, "")}
    engine_list, moat_list_ = export_list, moat_list
    try:
        globals()["export_list"] = lambda p: a
        globals()["moat_list"] = lambda p: b
        differs = compare(None, None) == 1
        globals()["moat_list"] = lambda p: a
        same = compare(None, None) == 0
    finally:
        globals()["export_list"], globals()["moat_list"] = engine_list, moat_list_
    return 0 if differs and same else 1


def main(argv):
    if len(argv) >= 2 and argv[0] == "build":
        build(argv[1], set(argv[2:]))
        return 0
    if len(argv) == 2 and argv[0] == "export-list":
        for p, v in sorted(export_list(argv[1]).items()):
            print(json.dumps({"path": p, "type": v[0], "size": v[1], "data": v[2]}))
        return 0
    if len(argv) == 2 and argv[0] == "selftest":
        return selftest(argv[1])
    if len(argv) == 3 and argv[0] == "compare":
        return compare(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
