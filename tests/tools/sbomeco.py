#!/usr/bin/python3
"""Fixture and oracle for tests/integration/sbom_ecosystems.sh.

  sbomeco.py build DIR REPO         write the tree (expected values in DIR/.expect.json)
  sbomeco.py check DIR CDX.json SCAN.json

The expected digests are computed here from the bytes written (Python
RECORD) or generated here and written into the lock files (h1:, checksums,
shasums); licences and edges are what the fixture's files state.
"""
import base64
import hashlib
import io
import json
import os
import shutil
import sys
import zipfile

SITE = "usr/lib/python3.11/site-packages"


def w(root, path, data):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def digest(seed, n=32):
    return hashlib.sha512(seed.encode()).digest()[:n]


def build(root, repo):
    if os.path.exists(root):
        shutil.rmtree(root)
    lic = os.path.join(repo, "tests/data/licenses")
    text = lambda name: open(os.path.join(lic, name)).read()
    exp = {"files": {}, "hashes": {}, "licenses": {}, "no_license": [], "edges": [],
           "no_hashes": []}

    # Python: RECORD (urlsafe base64 SHA-256, unpadded; a quoted path with a
    # comma; a path up and out of site-packages; entries without a digest)
    files = {f"{SITE}/demo/__init__.py": b"x = 1\n", f"{SITE}/demo/a,b.py": b"y = 2\n",
             "usr/bin/demo-cli": b"#!/usr/bin/python3\nimport demo\n"}
    rows = []
    for path, data in files.items():
        w(root, path, data)
        b64 = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")
        rel = os.path.relpath(path, SITE)
        rel = f'"{rel}"' if "," in rel else rel
        rows.append(f"{rel},sha256={b64},{len(data)}")
    rows += ["demo-1.0.dist-info/RECORD,,", "demo/__pycache__/__init__.cpython-311.pyc,,"]
    w(root, f"{SITE}/demo-1.0.dist-info/METADATA",
      "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nLicense-Expression: MIT\n\n")
    w(root, f"{SITE}/demo-1.0.dist-info/RECORD", "\r\n".join(rows) + "\r\n")
    exp["files"]["pkg:pypi/demo@1.0"] = {"/" + p: hashlib.sha256(d).hexdigest()
                                         for p, d in files.items()}

    # Go: go.sum h1 digests; LICENSE texts in the module cache (case-encoded
    # path) and in vendor/; an unknown text gives no licence
    h1 = {m: digest(m) for m in ("github.com/BurntSushi/toml", "golang.org/x/text")}
    w(root, "src/app/go.mod", "module example.com/app\n\ngo 1.21\n\nrequire (\n"
      "\tgithub.com/BurntSushi/toml v1.3.2\n\tgolang.org/x/text v0.14.0\n"
      "\tgithub.com/pkg/errors v0.9.1\n\texample.com/custom v1.0.0\n)\n")
    w(root, "src/app/go.sum", "".join(
        f"{m} {v} h1:{base64.b64encode(h1[m]).decode()}\n{m} {v}/go.mod h1:{base64.b64encode(digest(m + 'mod')).decode()}\n"
        for m, v in (("github.com/BurntSushi/toml", "v1.3.2"), ("golang.org/x/text", "v0.14.0"))))
    exp["hashes"]["pkg:golang/github.com/BurntSushi/toml@v1.3.2"] = ["SHA-256", h1["github.com/BurntSushi/toml"].hex()]
    exp["hashes"]["pkg:golang/golang.org/x/text@v0.14.0"] = ["SHA-256", h1["golang.org/x/text"].hex()]
    w(root, "root/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/LICENSE", text("MIT"))
    w(root, "root/go/pkg/mod/golang.org/x/text@v0.14.0/LICENSE", text("BSD-3-Clause"))
    w(root, "src/app/vendor/github.com/pkg/errors/LICENSE", text("BSD-2-Clause"))
    w(root, "root/go/pkg/mod/example.com/custom@v1.0.0/LICENSE",
      "Copyright Example Corp. All rights reserved. Use only with written permission.\n")
    exp["licenses"].update({"pkg:golang/github.com/BurntSushi/toml@v1.3.2": "MIT",
                            "pkg:golang/golang.org/x/text@v0.14.0": "BSD-3-Clause",
                            "pkg:golang/github.com/pkg/errors@v0.9.1": "BSD-2-Clause"})
    exp["no_license"].append("pkg:golang/example.com/custom@v1.0.0")

    # Java: pom.xml beside pom.properties; names mapped to SPDX, several = OR
    def jar(path, group, art, ver, licenses):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
            d = f"META-INF/maven/{group}/{art}/"
            z.writestr(d + "pom.properties", f"groupId={group}\nartifactId={art}\nversion={ver}\n")
            lx = "".join(f"<license><name>{n}</name><url>https://x/</url></license>" for n in licenses)
            z.writestr(d + "pom.xml", f"<project><modelVersion>4.0.0</modelVersion><groupId>{group}</groupId>"
                       f"<artifactId>{art}</artifactId><version>{ver}</version>"
                       + (f"<licenses>\n  {lx}\n</licenses>" if licenses else "") + "</project>")
        w(root, path, buf.getvalue())
    jar("opt/app/lib/demo-lib-2.1.jar", "org.example", "demo-lib", "2.1",
        ["The Apache Software License, Version 2.0", "MIT License"])
    jar("opt/app/lib/plain-1.0.jar", "org.example", "plain", "1.0", [])
    jar("opt/app/lib/odd-3.0.jar", "org.example", "odd", "3.0", ["Example Community License"])
    exp["licenses"]["pkg:maven/org.example/demo-lib@2.1"] = "Apache-2.0 OR MIT"
    exp["licenses"]["pkg:maven/org.example/odd@3.0"] = "Example Community License"
    exp["no_license"].append("pkg:maven/org.example/plain@1.0")

    # Ruby: gemspec licences; Gemfile.lock graph and CHECKSUMS
    w(root, "usr/lib/ruby/gems/3.1.0/specifications/rack-2.2.8.gemspec",
      "# -*- encoding: utf-8 -*-\nGem::Specification.new do |s|\n  s.name = \"rack\".freeze\n"
      "  s.version = \"2.2.8\"\n  s.licenses = [\"MIT\".freeze]\nend\n")
    w(root, "usr/lib/ruby/gems/3.1.0/specifications/dual-1.0.gemspec",
      "Gem::Specification.new do |s|\n  s.name = \"dual\".freeze\n  s.version = \"1.0\"\n"
      "  s.licenses = [\"Ruby\".freeze, \"BSD-2-Clause\".freeze]\nend\n")
    sums = {g: digest(g).hex() for g in ("rack", "rack-test", "racc", "nokogiri")}
    w(root, "srv/ruby/Gemfile.lock", f"""GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    racc (1.7.3)
    rack (2.2.8)
    rack-test (2.1.0)
      rack (>= 1.3)

PLATFORMS
  x86_64-linux

DEPENDENCIES
  nokogiri
  rack-test

CHECKSUMS
  nokogiri (1.15.4-x86_64-linux) sha256={sums['nokogiri']}
  racc (1.7.3) sha256={sums['racc']}
  rack (2.2.8) sha256={sums['rack']}
  rack-test (2.1.0) sha256={sums['rack-test']}

BUNDLED WITH
   2.5.3
""")
    exp["licenses"]["pkg:gem/rack@2.2.8"] = "MIT"
    exp["licenses"]["pkg:gem/dual@1.0"] = "Ruby OR BSD-2-Clause"
    for g, v in (("rack", "2.2.8"), ("rack-test", "2.1.0"), ("racc", "1.7.3")):
        exp["hashes"][f"pkg:gem/{g}@{v}"] = ["SHA-256", sums[g]]
    exp["no_hashes"].append("pkg:gem/nokogiri@1.15.4")  # a platform gem's digest is its platform's file
    exp["edges"] += [["pkg:gem/rack-test@2.1.0", "pkg:gem/rack@2.2.8"],
                     ["pkg:gem/nokogiri@1.15.4", "pkg:gem/racc@1.7.3"]]

    # Rust: Cargo.lock graph ("name", "name version" when two are locked) and
    # checksums; a registry crate's Cargo.toml licence
    ck = {c: digest("crate" + c).hex() for c in ("serde 1.0.193", "rand 0.8.5", "rand 0.7.3", "rand_core 0.6.4")}
    src = 'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
    lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"rand 0.8.5\",\n \"serde\",\n]\n"
    for c, extra in (("serde 1.0.193", ""), ("rand 0.8.5", 'dependencies = [\n "rand_core",\n]\n'),
                     ("rand 0.7.3", ""), ("rand_core 0.6.4", "")):
        n, v = c.split()
        lock += f'\n[[package]]\nname = "{n}"\nversion = "{v}"\n{src}checksum = "{ck[c]}"\n{extra}'
        exp["hashes"][f"pkg:cargo/{n}@{v}"] = ["SHA-256", ck[c]]
    w(root, "srv/rust/Cargo.lock", lock)
    w(root, "root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.193/Cargo.toml",
      '[package]\nname = "serde"\nversion = "1.0.193"\nlicense = "MIT OR Apache-2.0"\n')
    exp["licenses"]["pkg:cargo/serde@1.0.193"] = "MIT OR Apache-2.0"
    exp["edges"] += [["pkg:cargo/app@0.1.0", "pkg:cargo/rand@0.8.5"],
                     ["pkg:cargo/app@0.1.0", "pkg:cargo/serde@1.0.193"],
                     ["pkg:cargo/rand@0.8.5", "pkg:cargo/rand_core@0.6.4"]]

    # PHP: composer.lock require edges (platform "php" is no package),
    # dist shasum (SHA-1; empty ones are none), licences (OR)
    sha1 = digest("monolog", 20).hex()
    w(root, "srv/php/composer.lock", json.dumps({
        "packages": [
            {"name": "monolog/monolog", "version": "3.5.0", "license": ["MIT"],
             "dist": {"type": "zip", "url": "https://x/monolog.zip", "shasum": sha1},
             "require": {"php": ">=8.1", "psr/log": "^2.0 || ^3.0"}},
            {"name": "psr/log", "version": "3.0.0", "license": ["MIT"],
             "dist": {"type": "zip", "url": "https://x/log.zip", "shasum": ""}}],
        "packages-dev": [
            {"name": "phpunit/phpunit", "version": "10.5.0",
             "license": ["BSD-3-Clause", "MIT"], "require": {"psr/log": "^3"}}]}))
    exp["hashes"]["pkg:composer/monolog/monolog@3.5.0"] = ["SHA-1", sha1]
    exp["no_hashes"].append("pkg:composer/psr/log@3.0.0")
    exp["licenses"]["pkg:composer/monolog/monolog@3.5.0"] = "MIT"
    exp["licenses"]["pkg:composer/phpunit/phpunit@10.5.0"] = "BSD-3-Clause OR MIT"
    exp["edges"] += [["pkg:composer/monolog/monolog@3.5.0", "pkg:composer/psr/log@3.0.0"],
                     ["pkg:composer/phpunit/phpunit@10.5.0", "pkg:composer/psr/log@3.0.0"]]

    # Node: one project's locks (fuzz seeds, made by npm/yarn/pnpm) in every format
    seeds = os.path.join(repo, "fuzz/corpus/node-lock")
    for d, name in (("yarn-v1", "yarn.lock"), ("yarn-berry", "yarn.lock"),
                    ("pnpm-v5", "pnpm-lock.yaml"), ("pnpm-v6", "pnpm-lock.yaml"),
                    ("pnpm-v9", "pnpm-lock.yaml")):
        w(root, f"srv/node/{d}/{name}", open(os.path.join(seeds, d), "rb").read()[1:])
    w(root, "srv/node/npm/package-lock.json",
      open(os.path.join(repo, "tests/data/lang/package-lock-v3.json"), "rb").read())
    w(root, ".expect.json", json.dumps(exp))


def cdx_license(c):
    out = []
    for l in c.get("licenses", []):
        if "expression" in l:
            out.append(l["expression"])
        else:
            out.append(l["license"].get("id") or l["license"].get("name"))
    return " OR ".join(out) if out else None


def check(root, cdx_path, scan_path):
    exp = json.load(open(os.path.join(root, ".expect.json")))
    cdx, scan = json.load(open(cdx_path)), json.load(open(scan_path))
    bad = []
    comps = {}
    for c in cdx["components"]:
        if c.get("purl"):
            comps.setdefault(c["purl"].split("?")[0], []).append(c)
    ref = {c["bom-ref"]: c["purl"].split("?")[0] for cs in comps.values() for c in cs}
    one = lambda p: comps.get(p, [None])[0]

    for purl, want in exp["files"].items():
        c = one(purl)
        got = {f["name"]: [h["content"] for h in f.get("hashes", []) if h["alg"] == "SHA-256"]
               for f in (c or {}).get("components", [])}
        if got != {k: [v] for k, v in want.items()}:
            bad.append(f"{purl}: file digests {got} != {want}")
    for purl, (alg, hexd) in exp["hashes"].items():
        c = one(purl)
        got = [(h["alg"], h["content"]) for h in (c or {}).get("hashes", [])]
        if (alg, hexd) not in got:
            bad.append(f"{purl}: hashes {got}, want {alg} {hexd}")
    for purl in exp["no_hashes"]:
        if (one(purl) or {}).get("hashes"):
            bad.append(f"{purl}: has hashes {one(purl)['hashes']}, none recorded")
    for purl, want in exp["licenses"].items():
        got = cdx_license(one(purl) or {})
        if got != want:
            bad.append(f"{purl}: licence {got!r}, want {want!r}")
    for purl in exp["no_license"]:
        if one(purl) is None or cdx_license(one(purl)):
            bad.append(f"{purl}: licence {cdx_license(one(purl) or {})!r}, want none")
    edges = {(ref[d["ref"]], ref[t]) for d in cdx.get("dependencies", []) if d["ref"] in ref
             for t in d.get("dependsOn", []) if t in ref}
    for e in exp["edges"]:
        if tuple(e) not in edges:
            bad.append(f"missing edge {e[0]} -> {e[1]}")
    eco = lambda t: {e for e in edges if e[0].startswith(t)}
    for t in ("pkg:gem/", "pkg:cargo/", "pkg:composer/"):
        extra = eco(t) - {tuple(e) for e in exp["edges"]}
        if extra:
            bad.append(f"unexpected edges {sorted(extra)[:4]}")

    # node: every lock of the project gives package-lock.json's graph
    by_dir, hashed = {}, {}
    for p in scan["packages"]:
        if p["type"] != "npm":
            continue
        d = p["found_in"].split("/")[2]
        by_dir.setdefault(d, set()).update((p["purl"], t) for t in p.get("depends_on", []))
        hashed[d] = hashed.get(d, 0) + bool(p.get("hashes"))
    want = by_dir.get("npm", set())
    if len(want) < 100:
        bad.append(f"package-lock.json gave {len(want)} edges, expected over 100")
    for d in ("yarn-v1", "yarn-berry", "pnpm-v5", "pnpm-v6", "pnpm-v9"):
        got = by_dir.get(d, set())
        if got != want:
            bad.append(f"{d}: {len(want - got)} edges missing, {len(got - want)} extra vs package-lock.json")
        if d != "yarn-berry" and hashed.get(d) != hashed.get("npm"):
            bad.append(f"{d}: {hashed.get(d)} packages with integrity, package-lock.json {hashed.get('npm')}")
    # the JSON report's edges are CycloneDX's
    jedges = {(p["purl"].split("?")[0], t.split("?")[0]) for p in scan["packages"]
              for t in p.get("depends_on", [])}
    if jedges != edges:
        bad.append(f"JSON depends_on differs from CycloneDX ({len(jedges ^ edges)} edges)")
    for b in bad:
        print("  " + b, file=sys.stderr)
    nfiles = sum(len(v) for v in exp["files"].values())
    print(f"checked {nfiles} RECORD digests, {len(exp['hashes'])} package digests, "
          f"{len(exp['licenses']) + len(exp['no_license'])} licences, {len(exp['edges'])} edges, "
          f"{len(want)} npm edges in 6 lock formats; {len(bad)} problems", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4]))
