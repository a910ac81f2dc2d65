#!/usr/bin/python3
"""Write a container image from uncompressed layer tars.

  mkimage.py --format FMT -o OUT [--spec spec.json] [flags]

Formats:
  docker-archive      legacy `docker save` (Docker <= 24): <id>/layer.tar,
                      <id>/VERSION, <id>/json, <config>.json, manifest.json,
                      repositories
  docker-archive-oci  `docker save` of Docker 25+: OCI blobs + index.json,
                      plus manifest.json (with LayerSources) and repositories
  oci-dir             OCI image layout directory
  oci-tar             the same layout as a tar file

Spec (JSON; every key optional except at least one layer):
  {"ref": "moat-test/app:1", "created": "2024-01-01T00:00:00Z",
   "architecture": "amd64", "os": "linux",
   "config": {"User": "...", "Env": [...], "ExposedPorts": {"80/tcp": {}},
              "Entrypoint": [...], "Cmd": [...], "Labels": {...},
              "WorkingDir": "/app"},
   "history": [{"layer": "base.tar", "created_by": "ADD ..."},
               {"created_by": "CMD [\"bash\"]", "empty_layer": true}, ...]}
Layer paths are relative to the spec file. Flags (--layer/--created-by,
--empty, --env, ...) append to / override the spec, in command-line order.

Everything is deterministic: fixed mtimes in the outer tar (the image's
created time), sorted entries, compact JSON, gzip without name or time.

Also importable (hostile.py does): build(spec, fmt, out, compression) and the
small writers below. Keys a spec may carry to make *broken* images on
purpose: per-history-entry "diff_id" (overrides the computed one in the
config), top-level "manifest_layers" (docker-archive: replace the Layers list).
"""
import argparse
import calendar
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zlib

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
FORMATS = ("docker-archive", "docker-archive-oci", "oci-dir", "oci-tar")
DEFAULT_CREATED = "2024-01-01T00:00:00Z"


def jdump(obj):
    # Compact like Go's encoding/json; key order as given (stable in py3.7+).
    return json.dumps(obj, separators=(",", ":")).encode()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


def digest_bytes(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def epoch(ts):
    return calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))


def normalize_ref(ref):
    """docker.io/library/... form, as containerd names images."""
    first = ref.split("/")[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return ref
    return "docker.io/" + (ref if "/" in ref else "library/" + ref)


def compress(src, dst, comp):
    """Compress file src into dst; return (digest, size) of dst."""
    h = hashlib.sha256()
    if comp == "none":
        shutil.copyfile(src, dst)
        return sha256_file(dst), os.path.getsize(dst)
    if comp == "gzip":
        # wbits=31: gzip wrapper with mtime 0 and no file name -> reproducible.
        z = zlib.compressobj(6, zlib.DEFLATED, 31)
        with open(src, "rb") as fi, open(dst, "wb") as fo:
            for chunk in iter(lambda: fi.read(1 << 20), b""):
                out = z.compress(chunk)
                h.update(out)
                fo.write(out)
            out = z.flush()
            h.update(out)
            fo.write(out)
        return "sha256:" + h.hexdigest(), os.path.getsize(dst)
    if comp == "zstd":
        # No zstd in the stdlib (before 3.14); single-threaded for stable output.
        subprocess.run(["zstd", "-q", "-f", "-3", "-T1", src, "-o", dst], check=True)
        return sha256_file(dst), os.path.getsize(dst)
    raise ValueError(f"unknown compression {comp}")


class OuterTar:
    """The archive around an image: root-owned entries, one fixed mtime."""

    def __init__(self, path, mtime):
        self.tar = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)
        self.mtime = mtime

    def _ti(self, name, mode):
        ti = tarfile.TarInfo(name)
        ti.mode, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = mode, self.mtime, 0, 0, "", ""
        return ti

    def add_dir(self, name):
        ti = self._ti(name.rstrip("/"), 0o755)
        ti.type = tarfile.DIRTYPE
        self.tar.addfile(ti)

    def add_bytes(self, name, data):
        ti = self._ti(name, 0o644)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))

    def add_file(self, name, path):
        ti = self._ti(name, 0o644)
        ti.size = os.path.getsize(path)
        with open(path, "rb") as f:
            self.tar.addfile(ti, f)

    def add_stream(self, name, size, fobj):
        ti = self._ti(name, 0o644)
        ti.size = size
        self.tar.addfile(ti, fobj)

    def close(self):
        self.tar.close()


# ---------------------------------------------------------------- the model

class Image:
    """Resolved spec: layers with digests, history, config JSON."""

    def __init__(self, spec, base_dir="."):
        self.ref = spec.get("ref", "moat-test/image:1")
        self.created = spec.get("created", DEFAULT_CREATED)
        self.mtime = epoch(self.created)
        self.layers = []          # dicts: path, diff_id, size, created_by
        history = []
        for h in spec.get("history", []):
            e = {"created": h.get("created", self.created)}
            if h.get("created_by"):
                e["created_by"] = h["created_by"]
            if h.get("comment"):
                e["comment"] = h["comment"]
            if h.get("layer"):
                path = os.path.join(base_dir, h["layer"])
                real = sha256_file(path)
                self.layers.append({"path": path, "diff_id": h.get("diff_id", real),
                                    "real_diff_id": real, "size": os.path.getsize(path),
                                    "created_by": h.get("created_by", "")})
            else:
                e["empty_layer"] = True
            history.append(e)
        if not self.layers:
            raise SystemExit("mkimage: no layers")
        cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
        cfg.update(spec.get("config", {}))
        self.config = {
            "architecture": spec.get("architecture", "amd64"),
            "config": cfg,
            "created": self.created,
            "history": history,
            "os": spec.get("os", "linux"),
            "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in self.layers]},
        }
        self.config_bytes = jdump(self.config)
        self.config_digest = digest_bytes(self.config_bytes)
        self.manifest_layers = spec.get("manifest_layers")

    @property
    def repo_tag(self):
        name, _, tag = self.ref.rpartition(":")
        if not name or "/" in tag:
            return self.ref, "latest"
        return name, tag


def oci_manifest(img, layer_descs):
    return jdump({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": img.config_digest,
                   "size": len(img.config_bytes)},
        "layers": layer_descs,
    })


def oci_index(manifest_bytes, annotations):
    return jdump({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": digest_bytes(manifest_bytes),
                       "size": len(manifest_bytes), "annotations": annotations}],
    })


OCI_LAYOUT = jdump({"imageLayoutVersion": "1.0.0"})


# ---------------------------------------------------------------- writers

def write_docker_archive(img, out):
    """docker save as Docker 20.10 writes it: entries in lexical order (it
    tars a temp dir), so layer dirs and <config>.json come before
    manifest.json and repositories."""
    entries = {}
    parent = ""
    ids = []
    for i, l in enumerate(img.layers):
        # v1 ids are a chain: each depends on its parent and its content;
        # the top one also on the config (as in Docker's v1.CreateID).
        seed = parent + l["diff_id"] + (img.config_digest if i == len(img.layers) - 1 else "")
        lid = hashlib.sha256(seed.encode()).hexdigest()
        v1 = {"id": lid}
        if parent:
            v1["parent"] = parent
        v1["created"] = img.created
        v1["container_config"] = {"Cmd": [l["created_by"]] if l["created_by"] else None}
        if i == len(img.layers) - 1:
            v1["config"] = img.config["config"]
            v1["architecture"] = img.config["architecture"]
        v1["os"] = img.config["os"]
        entries[lid + "/"] = ("dir", None)
        entries[lid + "/VERSION"] = ("bytes", b"1.0")
        entries[lid + "/json"] = ("bytes", jdump(v1))
        entries[lid + "/layer.tar"] = ("file", l["path"])
        ids.append(lid)
        parent = lid
    cfg_name = img.config_digest.split(":")[1] + ".json"
    entries[cfg_name] = ("bytes", img.config_bytes)
    layers = img.manifest_layers or [i + "/layer.tar" for i in ids]
    entries["manifest.json"] = ("bytes", jdump(
        [{"Config": cfg_name, "RepoTags": [img.ref], "Layers": layers}]) + b"\n")
    repo, tag = img.repo_tag
    entries["repositories"] = ("bytes", jdump({repo: {tag: ids[-1]}}) + b"\n")
    t = OuterTar(out, img.mtime)
    for name in sorted(entries):
        kind, val = entries[name]
        if kind == "dir":
            t.add_dir(name)
        elif kind == "bytes":
            t.add_bytes(name, val)
        else:
            t.add_file(name, val)
    t.close()


def write_docker_archive_oci(img, out):
    """docker save of Docker 25+: uncompressed OCI layout plus the legacy
    manifest.json pointing into blobs/."""
    blobs = {}   # hex -> ("file", path) | ("bytes", data)
    descs = []
    for l in img.layers:
        d = l["real_diff_id"]
        blobs[d.split(":")[1]] = ("file", l["path"])
        descs.append({"mediaType": OCI_LAYER["none"], "digest": d, "size": l["size"]})
    blobs[img.config_digest.split(":")[1]] = ("bytes", img.config_bytes)
    man = oci_manifest(img, descs)
    blobs[digest_bytes(man).split(":")[1]] = ("bytes", man)
    repo, tag = img.repo_tag
    index = oci_index(man, {"io.containerd.image.name": normalize_ref(img.ref),
                            "org.opencontainers.image.ref.name": tag})
    layers = img.manifest_layers or ["blobs/sha256/" + d["digest"].split(":")[1] for d in descs]
    manifest_json = jdump([{
        "Config": "blobs/sha256/" + img.config_digest.split(":")[1],
        "RepoTags": [img.ref],
        "Layers": layers,
        "LayerSources": {d["digest"]: d for d in descs},
    }]) + b"\n"
    t = OuterTar(out, img.mtime)
    t.add_dir("blobs/")
    t.add_dir("blobs/sha256/")
    for hexd in sorted(blobs):
        kind, val = blobs[hexd]
        if kind == "file":
            t.add_file("blobs/sha256/" + hexd, val)
        else:
            t.add_bytes("blobs/sha256/" + hexd, val)
    t.add_bytes("index.json", index + b"\n")
    t.add_bytes("manifest.json", manifest_json)
    t.add_bytes("oci-layout", OCI_LAYOUT)
    top_layer = descs[-1]["digest"].split(":")[1]
    t.add_bytes("repositories", jdump({repo: {tag: top_layer}}) + b"\n")
    t.close()


def compress_cached(src, dst, comp, diff_id, cache):
    """compress(), reusing an earlier result from the cache dir: gzip of a
    200 MB layer costs seconds, copying it a fraction of that."""
    if not cache or comp == "none":
        return compress(src, dst, comp)
    os.makedirs(cache, exist_ok=True)
    hit = os.path.join(cache, f"{diff_id.split(':')[1]}.{comp}")
    if not os.path.exists(hit):
        compress(src, hit + ".tmp", comp)
        os.replace(hit + ".tmp", hit)
    shutil.copyfile(hit, dst)
    return sha256_file(dst), os.path.getsize(dst)


def write_oci_dir(img, outdir, comp, ref_name=None, blob_cache=None):
    """OCI image layout directory. ref.name defaults to the full reference
    (what `skopeo copy ... oci:DIR:REF` writes)."""
    bdir = os.path.join(outdir, "blobs", "sha256")
    os.makedirs(bdir, exist_ok=True)
    descs = []
    for l in img.layers:
        tmp = os.path.join(bdir, ".tmp-layer")
        dig, size = compress_cached(l["path"], tmp, comp, l["real_diff_id"], blob_cache)
        os.replace(tmp, os.path.join(bdir, dig.split(":")[1]))
        descs.append({"mediaType": OCI_LAYER[comp], "digest": dig, "size": size})
    man = oci_manifest(img, descs)
    for data in (img.config_bytes, man):
        with open(os.path.join(bdir, digest_bytes(data).split(":")[1]), "wb") as f:
            f.write(data)
    index = oci_index(man, {"org.opencontainers.image.ref.name": ref_name or img.ref})
    with open(os.path.join(outdir, "index.json"), "wb") as f:
        f.write(index + b"\n")
    with open(os.path.join(outdir, "oci-layout"), "wb") as f:
        f.write(OCI_LAYOUT)
    fix_mtimes(outdir, img.mtime)


def fix_mtimes(top, mtime):
    for dirpath, dirs, files in os.walk(top):
        for n in files + dirs:
            os.utime(os.path.join(dirpath, n), (mtime, mtime))
    os.utime(top, (mtime, mtime))


def tar_dir(src, out, mtime):
    """Tar a directory with sorted, root-owned, fixed-mtime entries."""
    t = OuterTar(out, mtime)

    def walk(rel):
        for n in sorted(os.listdir(os.path.join(src, rel) if rel else src)):
            r = f"{rel}/{n}" if rel else n
            p = os.path.join(src, r)
            if os.path.isdir(p):
                t.add_dir(r + "/")
                walk(r)
            else:
                t.add_file(r, p)
    walk("")
    t.close()


def build(spec, fmt, out, compression="gzip", base_dir=".", ref_name=None, blob_cache=None):
    img = Image(spec, base_dir)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    if fmt == "oci-dir":
        # Build beside the target, then swap in, so a failed run never
        # leaves a half-written layout under the final name.
        tmp = tempfile.mkdtemp(prefix=".mkimage-", dir=parent)
        os.chmod(tmp, 0o755)    # mkdtemp's 0700 would survive the rename
        try:
            write_oci_dir(img, tmp, compression, ref_name, blob_cache)
            if os.path.exists(out):
                shutil.rmtree(out)
            os.replace(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return img
    tmp = out + ".tmp"
    if fmt == "docker-archive":
        write_docker_archive(img, tmp)
    elif fmt == "docker-archive-oci":
        write_docker_archive_oci(img, tmp)
    elif fmt == "oci-tar":
        d = tempfile.mkdtemp(prefix=".mkimage-", dir=parent)
        try:
            write_oci_dir(img, d, compression, ref_name, blob_cache)
            tar_dir(d, tmp, img.mtime)
        finally:
            shutil.rmtree(d, ignore_errors=True)
    else:
        raise SystemExit(f"mkimage: unknown format {fmt}")
    os.replace(tmp, out)
    return img


# ---------------------------------------------------------------- CLI

class _Append(argparse.Action):
    """Keep --layer/--created-by/--empty in command-line order."""

    def __call__(self, parser, ns, value, option_string=None):
        ns.steps.append((self.dest, value))


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write a docker-archive / OCI image from layer tars.",
        epilog="Example: mkimage.py --format oci-dir --compression zstd -o out "
               "--ref moat-test/x:1 --layer l1.tar --created-by 'ADD x /' "
               "--empty 'CMD [\"bash\"]' --cmd '[\"bash\"]'")
    ap.set_defaults(steps=[])
    ap.add_argument("--format", required=True, choices=FORMATS)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--spec", help="JSON spec (see module doc)")
    ap.add_argument("--compression", choices=OCI_LAYER, default="gzip",
                    help="layer compression for oci-dir/oci-tar (default gzip)")
    ap.add_argument("--blob-cache", metavar="DIR",
                    help="keep compressed layers here and reuse them (keyed by diff_id)")
    ap.add_argument("--ref")
    ap.add_argument("--oci-ref-name", help="index.json ref.name (default: the full ref)")
    ap.add_argument("--created", help="RFC 3339 UTC, e.g. 2024-01-01T00:00:00Z")
    ap.add_argument("--layer", dest="layer", action=_Append, help="uncompressed layer tar")
    ap.add_argument("--created-by", dest="created_by", action=_Append,
                    help="history text for the preceding --layer")
    ap.add_argument("--empty", dest="empty", action=_Append,
                    help="extra history entry with empty_layer: true")
    ap.add_argument("--user")
    ap.add_argument("--workdir")
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE")
    ap.add_argument("--expose", action="append", default=[], help="PORT/PROTO")
    ap.add_argument("--label", action="append", default=[], help="KEY=VALUE")
    ap.add_argument("--entrypoint", help="JSON array")
    ap.add_argument("--cmd", help="JSON array")
    a = ap.parse_args(argv)

    spec, base_dir = {}, "."
    if a.spec:
        with open(a.spec) as f:
            spec = json.load(f)
        base_dir = os.path.dirname(os.path.abspath(a.spec))
    hist = spec.setdefault("history", [])
    for kind, val in a.steps:
        if kind == "layer":
            hist.append({"layer": os.path.abspath(val)})
        elif kind == "created_by":
            if not hist or "layer" not in hist[-1]:
                ap.error("--created-by must follow a --layer")
            hist[-1]["created_by"] = val
        else:
            hist.append({"created_by": val, "empty_layer": True})
    for key in ("ref", "created"):
        if getattr(a, key):
            spec[key] = getattr(a, key)
    cfg = spec.setdefault("config", {})
    if a.user is not None:
        cfg["User"] = a.user
    if a.workdir is not None:
        cfg["WorkingDir"] = a.workdir
    if a.env:
        cfg["Env"] = cfg.get("Env", ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]) + a.env
    if a.expose:
        cfg.setdefault("ExposedPorts", {}).update({p: {} for p in a.expose})
    if a.label:
        cfg.setdefault("Labels", {}).update(dict(l.split("=", 1) for l in a.label))
    if a.entrypoint:
        cfg["Entrypoint"] = json.loads(a.entrypoint)
    if a.cmd:
        cfg["Cmd"] = json.loads(a.cmd)
    build(spec, a.format, a.output, a.compression, base_dir, a.oci_ref_name, a.blob_cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
