#!/usr/bin/python3
"""Expected Java and Python packages of a layered tree, from moat-independent
readers, and the check of a `moat scan --format json` result against them.

  jvmpy-expect.py L1 L2 > expected.json        # layer dirs, in order
  jvmpy-expect.py --check expected.json scan.json [--no-layers]

Sources of truth: importlib.metadata over usr/lib/python3/dist-packages;
`unzip -p` of every META-INF/maven/**/pom.properties of each archive (archives
inside archives through Python's zipfile); the lock files as tomllib / json
read them; pinned lines of requirements files by a regex. stdlib only.
"""
import argparse
import importlib.metadata as md
import io
import json
import os
import re
import subprocess
import sys
import tomllib
import urllib.parse
import zipfile

ARCHIVES = (".jar", ".war", ".ear", ".par", ".jpi", ".hpi")
POM = re.compile(r"META-INF/maven/.+/pom\.properties$")
PINNED = re.compile(r"^([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?\s*===?\s*([^\s;,\\#]+)\s*(;|\\|#|$)")


def enc(s):
    """purl percent-encoding: only A-Za-z0-9 . - _ ~ and ':' stay as they are."""
    return urllib.parse.quote(s, safe=".-_~:")


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def props(text):
    kv = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#!" or "=" not in line:
            continue
        k, v = line.split("=", 1)
        kv[k.strip()] = v.strip()
    return kv


def maven(kv, where, layer):
    g, a, v = kv.get("groupId", ""), kv.get("artifactId", ""), kv.get("version", "")
    if not (g and a and v):
        return None
    return {"type": "maven", "name": f"{g}:{a}", "version": v, "layer": layer,
            "found_in": where, "evidence": "installed", "purl": f"pkg:maven/{enc(g)}/{enc(a)}@{enc(v)}"}


def nested(data, where, layer, depth, out):
    z = zipfile.ZipFile(io.BytesIO(data))
    for n in z.namelist():
        if POM.match(n):
            p = maven(props(z.read(n).decode("utf-8", "replace")), where, layer)
            if p:
                out.append(p)
    if depth + 1 >= 4:
        return
    for n in z.namelist():
        if n.lower().endswith(ARCHIVES) and ".." not in n.split("/"):
            nested(z.read(n), f"{where}!/{n}", layer, depth + 1, out)


def java(root, layer, out):
    for d, _, files in os.walk(root):
        for f in sorted(files):
            path = os.path.join(d, f)
            if os.path.islink(path) or not f.lower().endswith(ARCHIVES):
                continue
            rel = os.path.relpath(path, root)
            names = subprocess.run(["unzip", "-Z1", path], capture_output=True,
                                   text=True).stdout.splitlines()
            for n in names:
                if POM.match(n):
                    text = subprocess.run(["unzip", "-p", path, n], capture_output=True,
                                          text=True, errors="replace").stdout
                    p = maven(props(text), rel, layer)
                    if p:
                        out.append(p)
            with zipfile.ZipFile(path) as z:
                for n in z.namelist():
                    if n.lower().endswith(ARCHIVES):
                        nested(z.read(n), f"{rel}!/{n}", layer, 1, out)


def pypi(name, version, layer, where, evidence):
    return {"type": "pypi", "name": name, "version": version, "layer": layer,
            "found_in": where, "evidence": evidence,
            "purl": f"pkg:pypi/{enc(pep503(name))}@{enc(version)}"}


def python(root, layer, out):
    site = os.path.join(root, "usr/lib/python3/dist-packages")
    if os.path.isdir(site):
        for dist in md.distributions(path=[site]):
            info = str(dist._path)  # the .dist-info / .egg-info dir, or the egg-info file
            meta = info if os.path.isfile(info) else os.path.join(
                info, "METADATA" if info.endswith(".dist-info") else "PKG-INFO")
            out.append(pypi(dist.metadata["Name"], dist.version, layer,
                            os.path.relpath(meta, root), "installed"))
    for d, _, files in os.walk(root):
        for f in files:
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            if f == "poetry.lock" or f == "uv.lock":
                with open(path, "rb") as fh:
                    for p in tomllib.load(fh).get("package", []):
                        out.append(pypi(p["name"], p["version"], layer, rel, "lockfile"))
            elif f == "Pipfile.lock":
                doc = json.load(open(path))
                for sec in ("default", "develop"):
                    for name, p in doc.get(sec, {}).items():
                        if p.get("version", "").startswith("=="):
                            out.append(pypi(name, p["version"].lstrip("="), layer, rel,
                                            "lockfile"))
            elif f.endswith(".txt") and "requirements" in f:
                for line in open(path):
                    m = PINNED.match(line.strip())
                    if m and "*" not in m.group(3):
                        out.append(pypi(m.group(1), m.group(3), layer, rel, "lockfile"))


def build(layers):
    out = []
    for i, root in enumerate(layers):
        java(root, i, out)
        python(root, i, out)
    json.dump(out, sys.stdout, indent=1)


def check(expected_path, scan_path, layers):
    """A lockfile entry is one row with the installed package of the same
    type, name and version (its path among "locations"), else "declared"."""
    want = json.load(open(expected_path))
    scan = json.load(open(scan_path))
    got, by_tnv = {}, {}
    for p in scan["packages"]:
        got.setdefault((p["type"], p["name"], p["version"], p["found_in"]), []).append(p)
        by_tnv.setdefault((p["type"], p["name"], p["version"]), []).append(p)
    installed = {(w["type"], w["name"], w["version"]) for w in want if w["evidence"] == "installed"}
    bad = 0
    for w in want:
        key = (w["type"], w["name"], w["version"], w["found_in"])
        tnv = key[:3]
        hits = got.get(key) or [p for p in by_tnv.get(tnv, [])
                                if key[3] in p.get("locations", [])]
        if not hits:
            print(f"missing: {key}", file=sys.stderr)
            bad += 1
            continue
        h = hits[0]
        exp_ev = w["evidence"]
        if exp_ev == "lockfile":
            exp_ev = "installed" if tnv in installed else "declared"
        if h.get("evidence") != exp_ev:
            print(f"{key}: evidence is {h.get('evidence')!r}, expected {exp_ev!r}", file=sys.stderr)
            bad += 1
        if h["found_in"] == w["found_in"]:      # this file's row, not one it folded into
            for field in ("purl",) + (("layer_index",) if layers else ()):
                exp = w["layer"] if field == "layer_index" else w[field]
                if h.get(field) != exp:
                    print(f"{key}: {field} is {h.get(field)!r}, expected {exp!r}", file=sys.stderr)
                    bad += 1
    wanted = {(w["type"], w["name"], w["version"], w["found_in"]) for w in want}
    wanted = {(w["type"], w["name"], w["version"], w["found_in"]) for w in want}
    extra = [k for k in got if k[0] in ("maven", "pypi") and k not in wanted]
    by_type = {}
    for w in want:
        by_type[w["type"]] = by_type.get(w["type"], 0) + 1
    print(f"expected {len(want)} {by_type}, problems {bad}, extra (manifest/file-name "
          f"guesses) {len(extra)}", file=sys.stderr)
    for k in extra:
        print(f"  extra: {k}", file=sys.stderr)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-layers", action="store_true")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    if a.check:
        sys.exit(check(a.paths[0], a.paths[1], not a.no_layers))
    build(a.paths)


if __name__ == "__main__":
    main()
