#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""sbomdepth-check.py - fixtures and oracles for tests/integration/sbom_depth.sh.

  sbomdepth-check.py fixtures DIR      write poetry.lock, uv.lock and an apk db under DIR
  sbomdepth-check.py rpm-specs DIR     write the rpm specs (requires by name, virtual, path)
  sbomdepth-check.py check CDX SPDX NPMFIX RPMCDX RPMORACLE
                                       compare moat's SBOMs with the oracles; exit 1 on a
                                       missing or extra edge, hash or licence

Oracles are independent of moat: `npm ls --all --json` of the npm fixture and
its package-lock.json integrity fields, rpm's own --whatprovides, and the
expected edges written beside each hand-made fixture below.
"""
import base64
import json
import os
import sys

POETRY = """[[package]]
name = "requests"
version = "2.31.0"

[package.dependencies]
certifi = ">=2017.4.17"
Charset_Normalizer = ">=2,<4"
urllib3 = ">=1.21.1,<3"
PySocks = {version = ">=1.5.6", optional = true}

[[package]]
name = "certifi"
version = "2024.2.2"

[[package]]
name = "charset-normalizer"
version = "3.3.2"

[[package]]
name = "urllib3"
version = "2.2.1"
"""

UV = """version = 1

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "flask" }]

[[package]]
name = "flask"
version = "3.0.2"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "click" }, { name = "itsdangerous" }]

[[package]]
name = "click"
version = "8.1.7"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "itsdangerous"
version = "2.1.2"
source = { registry = "https://pypi.org/simple" }
"""
# PySocks is not in the lock: no edge. "app" is the project (editable): no row.
WANT_PY = {("requests@2.31.0", "certifi@2024.2.2"), ("requests@2.31.0", "charset-normalizer@3.3.2"),
           ("requests@2.31.0", "urllib3@2.2.1"), ("flask@3.0.2", "click@8.1.7"),
           ("flask@3.0.2", "itsdangerous@2.1.2")}

APK = """P:musl
V:1.2.4-r2
A:x86_64
L:MIT
p:so:libc.musl-x86_64.so.1=1

P:zlib
V:1.3.1-r0
A:x86_64
L:Zlib
D:so:libc.musl-x86_64.so.1
p:so:libz.so.1=1.3.1

P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
D:so:libc.musl-x86_64.so.1 !busybox-extras
p:cmd:sh=1.36.1-r15 /bin/sh

P:apk-tools
V:2.14.0-r5
A:x86_64
L:GPL-2.0-only
D:musl>=1.2.3_git20230424 so:libz.so.1 so:libc.musl-x86_64.so.1 so:libcrypto.so.3
"""
# so:libcrypto.so.3 is not installed: no edge; "!busybox-extras" is a conflict.
WANT_APK = {("zlib@1.3.1-r0", "musl@1.2.4-r2"), ("busybox@1.36.1-r15", "musl@1.2.4-r2"),
            ("apk-tools@2.14.0-r5", "musl@1.2.4-r2"), ("apk-tools@2.14.0-r5", "zlib@1.3.1-r0")}

RPM_SPECS = {
    "moat-a": ("Requires: moat-b, moat-virt, /usr/libexec/moat-c-helper", None),
    "moat-b": ("Requires: /usr/libexec/moat-c-helper, /bin/sh", None),
    "moat-c": ("Provides: moat-virt", "/usr/libexec/moat-c-helper"),
}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def fixtures(root):
    write(os.path.join(root, "srv/poetry/poetry.lock"), POETRY)
    write(os.path.join(root, "srv/uv/uv.lock"), UV)
    write(os.path.join(root, "lib/apk/db/installed"), APK)


def rpm_specs(d):
    for name, (rel, path) in RPM_SPECS.items():
        install = files = ""
        if path:
            install = f"mkdir -p %{{buildroot}}{os.path.dirname(path)}\necho x > %{{buildroot}}{path}\n"
            files = path
        write(os.path.join(d, name + ".spec"),
              f"Name: {name}\nVersion: 1.0\nRelease: 1\nSummary: t\nLicense: MIT\n"
              f"BuildArch: noarch\n{rel}\n%description\nt\n%install\n{install}%files\n{files}\n")


def comps(d):
    return {c["bom-ref"]: c for c in d.get("components", []) if "version" in c}


def prop(c, name):
    return [p["value"] for p in c.get("properties", []) if p["name"] == name]


def under(prefix):
    return lambda c: any(v.startswith(prefix) for v in prop(c, "moat:db_path") + prop(c, "moat:location"))


def edges(d, where=None):
    c = comps(d)
    e = set()
    for x in d.get("dependencies", []):
        a = c.get(x["ref"])
        if not a or (where and not where(a)):
            continue
        for t in x.get("dependsOn", []):
            if t in c:
                e.add((f'{a["name"]}@{a["version"]}', f'{c[t]["name"]}@{c[t]["version"]}'))
    return e


def npm_ls_edges(path):
    want = set()

    def walk(n, parent):
        for k, v in (n.get("dependencies") or {}).items():
            me = f'{k}@{v["version"]}'
            if parent:
                want.add((parent, me))
            walk(v, me)
    walk(json.load(open(path)), None)
    return want


def lock_integrity(path):
    out = {}
    for k, v in json.load(open(path))["packages"].items():
        if k and "integrity" in v:
            alg, b64 = v["integrity"].split("-", 1)
            name = {"sha512": "SHA-512", "sha1": "SHA-1"}[alg]
            out[(k.rsplit("node_modules/", 1)[1], v["version"])] = (name, base64.b64decode(b64).hex())
    return out


def check(cdx_path, spdx_path, npmfix, rpm_path, rpm_oracle):
    d = json.load(open(cdx_path))
    bad = []
    # npm installed tree: exactly the edges npm ls prints
    want = npm_ls_edges(os.path.join(npmfix, "npm-ls.json"))
    got = edges(d, under("srv/web/"))
    if got != want:
        bad.append(f"npm: {len(got)} edges vs npm ls {len(want)}; missing {sorted(want - got)[:3]}, "
                   f"extra {sorted(got - want)[:3]}")
    integ = lock_integrity(os.path.join(npmfix, "app/package-lock.json"))
    npm = [c for c in comps(d).values()
           if c.get("purl", "").startswith("pkg:npm/") and under("srv/web/")(c)]
    hashed = 0
    for c in npm:
        w = integ.get((c["name"], c["version"]))
        h = {(x["alg"], x["content"]) for x in c.get("hashes", [])}
        if w and w not in h:
            bad.append(f'npm {c["name"]}@{c["version"]}: hashes {sorted(h)} lack the lock\'s {w[0]}')
        hashed += bool(h)
    if not npm or hashed < len(npm):
        bad.append(f"npm hashes on {hashed}/{len(npm)} packages")
    lic = sum(1 for c in npm if c.get("licenses"))
    if lic < len(npm):
        bad.append(f"npm licences on {lic}/{len(npm)} packages")
    # v1, v2, v3 locks of one project: one graph
    g = {v: edges(d, under(f"srv/v{v}/")) for v in (1, 2, 3)}
    if not g[3] or g[1] != g[3] or g[2] != g[3]:
        bad.append(f"npm lock v1/v2/v3 graphs differ: {len(g[1])}/{len(g[2])}/{len(g[3])} edges; "
                   f"v1^v3 {sorted(g[1] ^ g[3])[:3]}, v2^v3 {sorted(g[2] ^ g[3])[:3]}")
    got_py = edges(d, under("srv/poetry/")) | edges(d, under("srv/uv/"))
    if got_py != WANT_PY:
        bad.append(f"poetry/uv edges {sorted(got_py)} != {sorted(WANT_PY)}")
    pypi = [c for c in comps(d).values()
            if c.get("purl", "").startswith("pkg:pypi/") and under("usr/lib/python3")(c)]
    pylic = sum(1 for c in pypi if c.get("licenses"))
    if pypi and pylic < 0.8 * len(pypi):
        bad.append(f"PyPI licences on {pylic}/{len(pypi)} installed distributions, under 80%")
    got_apk = edges(d, lambda c: c.get("purl", "").startswith("pkg:apk/"))
    if got_apk != WANT_APK:
        bad.append(f"apk edges {sorted(got_apk)} != {sorted(WANT_APK)}")
    rd = json.load(open(rpm_path))
    got_rpm = {(a.split("@")[0], b.split("@")[0]) for a, b in edges(rd)}
    want_rpm = {tuple(line.split()) for line in open(rpm_oracle) if line.strip()}
    if len(want_rpm) < 3 or got_rpm != want_rpm:
        bad.append(f"rpm edges {sorted(got_rpm)} != rpm's own {sorted(want_rpm)}")
    sd = json.load(open(spdx_path))
    spdx_dep = sum(1 for r in sd["relationships"] if r["relationshipType"] == "DEPENDS_ON")
    c = comps(d)
    cdx_dep = sum(len(x.get("dependsOn", [])) for x in d["dependencies"] if x["ref"] in c)
    if spdx_dep != cdx_dep:
        bad.append(f"SPDX DEPENDS_ON {spdx_dep} != CycloneDX edges {cdx_dep}")
    sums = sum(1 for p in sd["packages"] if p.get("checksums"))
    if sums < hashed:
        bad.append(f"SPDX checksums on {sums} packages, CycloneDX hashes on {hashed} npm packages")
    for b in bad:
        print("  " + b, file=sys.stderr)
    print(f"npm: {len(got)} edges (npm ls {len(want)}), hashes {hashed}/{len(npm)}, licences "
          f"{lic}/{len(npm)}; locks v1/v2/v3: {len(g[1])}/{len(g[2])}/{len(g[3])} edges; "
          f"poetry+uv {len(got_py)} edges; PyPI licences {pylic}/{len(pypi)}; apk {len(got_apk)} "
          f"edges; rpm {len(got_rpm)} edges (rpm says {len(want_rpm)}); SPDX checksums on {sums}",
          file=sys.stderr)
    return 1 if bad else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "fixtures":
        return fixtures(argv[2]) or 0
    if len(argv) == 3 and argv[1] == "rpm-specs":
        return rpm_specs(argv[2]) or 0
    if len(argv) == 7 and argv[1] == "check":
        return check(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
