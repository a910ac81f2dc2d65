#!/usr/bin/python3
"""Images where a limit makes moat skip content, or that carry terminal escapes.

  mkwarn.py OUTDIR        # writes OUTDIR/NAME.tar (docker-archive) or NAME.oci

Every image hides a vulnerable package behind one limit (see
tests/integration/scan_warnings.sh): moat must say so in its report
(`warnings`), and `--strict` must fail. Images:

  node-big.tar        node_modules/lodash/package.json of 5 MiB (lodash 4.17.20):
                      over the 4 MiB manifest limit
  java-deep.tar       app/app.jar with jars nested 5 deep; log4j-core 2.14.1
                      is in the innermost one, past the nesting limit (4)
  java-unsafe.tar     app/app.jar holds log4j-core 2.14.1 as BOOT-INF/lib/../lib/x.jar
  lock-deep.tar       app/package-lock.json (v1) whose dependencies nest 70
                      deep; minimist 1.2.5 is the deepest
  node-small.tar      the same lodash 4.17.20 in a small package.json (the control)
  node-broken.tar     node_modules/x/package.json is not JSON
  py-include.tar      app/requirements.txt includes another file (-r base.txt)
  many-broken.tar     1001 broken package.json files: 1000 warnings kept, 1 counted
  esc.tar             ESC sequences in the tag, os-release PRETTY_NAME, the
                      config User, history, a dpkg package name and version,
                      and the path of a broken package.json
  os-missing.tar      a dpkg database (hostile-pkg 1.0-1) and no os-release: with a DB,
                      its packages cannot be matched
  os-other.tar        the same with ID=moatos: a distribution without advisories
  two-images.tar      manifest.json lists two images (as `docker save a b` writes)
  esc-missing.tar     manifest.json names a config "ESC[2JESC[31mnope.json" that is absent
  big-config.tar      the config JSON is 5 MiB (over the 4 MiB limit)
  big-manifest.tar    manifest.json is 5 MiB
  big-status.tar      a layer whose var/lib/dpkg/status header says 300 MiB (over the
                      256 MiB capture limit); the data is not there
  big-config.oci      OCI layout whose config descriptor claims 300 bytes
                      while the blob has 5 MiB
"""
import io
import json
import os
import shutil
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile  # noqa: E402
import mkimage  # noqa: E402

BIG = 5 << 20
ESC = "\x1b"
OS_RELEASE = hostile.OS_RELEASE


def image(out, work, layers, ref="moat-test/warn:1", config=None, created_by=None):
    hist = []
    for i, data in enumerate(layers):
        p = os.path.join(work, f"{os.path.basename(out)}.l{i}.tar")
        with open(p, "wb") as f:
            f.write(data)
        hist.append({"layer": p, "created_by": (created_by or "warn layer {}").format(i)})
    spec = {"ref": ref, "history": hist}
    if config:
        spec["config"] = config
    mkimage.build(spec, "docker-archive", out)


def base():
    return [("d", "etc", None), ("f", "etc/os-release", OS_RELEASE)]


def pkg_json(name, version, pad=0):
    doc = {"name": name, "version": version}
    if pad:
        doc["description"] = "x" * pad
    return json.dumps(doc).encode()


def jar(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def node_big(out, work):
    image(out, work, [hostile.tar_bytes(base() + [
        ("f", "node_modules/ok/package.json", pkg_json("ok", "1.0.0")),
        ("f", "node_modules/lodash/package.json", pkg_json("lodash", "4.17.20", BIG))])])


def java_deep(out, work):
    inner = jar([("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                  b"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n")])
    for i in range(4):      # d.jar inside c.jar inside b.jar inside a.jar inside app.jar
        inner = jar([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                     (f"lib/level{4 - i}.jar", inner)])
    image(out, work, [hostile.tar_bytes(base() + [("f", "app/app.jar", inner)])])


def java_unsafe(out, work):
    inner = jar([("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                  b"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n")])
    outer = jar([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                 ("BOOT-INF/lib/../lib/log4j-core-2.14.1.jar", inner)])
    image(out, work, [hostile.tar_bytes(base() + [("f", "app/app.jar", outer)])])


def lock_deep(out, work):
    deps = {"minimist": {"version": "1.2.5"}}
    for i in range(70):
        deps = {f"level{i}": {"version": "1.0.0", "dependencies": deps}}
    lock = json.dumps({"name": "app", "version": "1.0.0", "lockfileVersion": 1,
                       "dependencies": deps}).encode()
    image(out, work, [hostile.tar_bytes(base() + [("f", "app/package-lock.json", lock)])])


def node_small(out, work):
    image(out, work, [hostile.tar_bytes(base() + [
        ("f", "node_modules/lodash/package.json", pkg_json("lodash", "4.17.20"))])])


def node_broken(out, work):
    image(out, work, [hostile.tar_bytes(base() + [
        ("f", "node_modules/x/package.json", b'{"name": "x", "version":')])])


def py_include(out, work):
    image(out, work, [hostile.tar_bytes(base() + [
        ("f", "app/requirements.txt", b"-r base.txt\nrequests==2.19.0\n"),
        ("f", "app/base.txt", b"urllib3==1.24.1\n")])])


def many_broken(out, work):
    files = [("f", f"node_modules/b{i}/package.json", b"{") for i in range(1001)]
    image(out, work, [hostile.tar_bytes(base() + files)])


def esc(out, work):
    osr = (f'PRETTY_NAME="Debian{ESC}]0;owned{chr(7)}{ESC}[2J"\nNAME=Debian\n'
           'ID=debian\nVERSION_ID="12"\n').encode()
    status = (f"Package: evil{ESC}[31mpkg\nStatus: install ok installed\n"
              f"Architecture: amd64\nVersion: 1.0{ESC}[0m-1\nDescription: x\n\n").encode()
    layer = hostile.tar_bytes([
        ("d", "etc", None), ("f", "etc/os-release", osr),
        ("d", "var", None), ("d", "var/lib", None), ("d", "var/lib/dpkg", None),
        ("f", "var/lib/dpkg/status", status),
        ("f", f"node_modules/{ESC}[1mx/package.json", b"{")])
    image(out, work, [layer], ref="moat-test/esc:1", config={"User": f"{ESC}[5mroot"},
          created_by="RUN echo " + ESC + "[8mhidden {}")
    # The tag: docker would refuse it, but an archive can say anything.
    m = hostile.manifest_of(out)
    m[0]["RepoTags"] = [f"moat-test/esc:1{ESC}[H"]
    hostile.rewrite_tar(out, {"manifest.json": mkimage.jdump(m)})


def dpkg(status=hostile.STATUS):
    return [("d", "var", None), ("d", "var/lib", None), ("d", "var/lib/dpkg", None),
            ("f", "var/lib/dpkg/status", status)]


def os_missing(out, work):
    image(out, work, [hostile.tar_bytes(dpkg())])


def os_other(out, work):
    image(out, work, [hostile.tar_bytes([("d", "etc", None), ("f", "etc/os-release",
                                          b'ID=moatos\nVERSION_ID="1"\n')] + dpkg())])


def two_images(out, work):
    image(out, work, [hostile.tar_bytes(base())])
    m = hostile.manifest_of(out)
    second = dict(m[0], RepoTags=["moat-test/warn:2"])
    hostile.rewrite_tar(out, {"manifest.json": mkimage.jdump(m + [second])})


def esc_missing(out, work):
    image(out, work, [hostile.tar_bytes(base())])
    m = hostile.manifest_of(out)
    m[0]["Config"] = f"{ESC}[2J{ESC}[31mnope.json"
    hostile.rewrite_tar(out, {"manifest.json": mkimage.jdump(m)})


def big_status(out, work):
    ti = tarfile.TarInfo("var/lib/dpkg/status")
    ti.size, ti.mtime, ti.mode = 300 << 20, 1704067200, 0o644
    image(out, work, [ti.tobuf(tarfile.GNU_FORMAT)])    # the header alone: the data never comes


def big_config(out, work):
    image(out, work, [hostile.tar_bytes(base())], config={"Labels": {"pad": "x" * BIG}})


def big_manifest(out, work):
    image(out, work, [hostile.tar_bytes(base())])
    m = hostile.manifest_of(out)
    hostile.rewrite_tar(out, {"manifest.json": mkimage.jdump(m) + b" " * BIG})


def big_config_oci(out, work):
    layer = hostile.tar_bytes(base())
    r = hostile.oci_layout(out, [(mkimage.OCI_LAYER["none"], layer)], [hostile.sha(layer)])
    bdir = os.path.join(out, "blobs", "sha256")
    cfg = os.path.join(bdir, r["config"][7:])
    with open(cfg, "ab") as f:          # same name, now 5 MiB: digest and size both lie
        f.write(b" " * BIG)


IMAGES = {
    "node-big.tar": node_big, "java-deep.tar": java_deep, "java-unsafe.tar": java_unsafe, "lock-deep.tar": lock_deep,
    "node-small.tar": node_small, "node-broken.tar": node_broken, "py-include.tar": py_include,
    "many-broken.tar": many_broken, "esc.tar": esc,
    "esc-missing.tar": esc_missing, "os-missing.tar": os_missing, "os-other.tar": os_other,
    "two-images.tar": two_images, "big-config.tar": big_config, "big-status.tar": big_status,
    "big-manifest.tar": big_manifest, "big-config.oci": big_config_oci,
}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = os.path.abspath(argv[1])
    work = os.path.join(out, ".work")
    os.makedirs(work, exist_ok=True)
    for name, fn in IMAGES.items():
        fn(os.path.join(out, name), work)
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
