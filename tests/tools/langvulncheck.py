#!/usr/bin/python3
"""Independent oracle for language-package vulnerability matching.

  langvulncheck.py SCAN.json --osv-dir DIR [--ecosystem PyPI|Go]...
For every language package in the scan of an ecosystem given, evaluate each
OSV record of the raw feed (DIR holds the unpacked YAML/JSON files) with
Python's own version logic -- packaging.version for PyPI (PyPA's reference),
a SemVer 2.0 comparison for Go -- and require the scan to report exactly the
affected ones, each with the fixed version of the interval that matched.
"""
import argparse
import json
import os
import re
import sys

import yaml  # python3-yaml
from packaging.version import InvalidVersion, Version  # python3-packaging

errors = []


def semver_key(v):
    v = v[1:] if v.startswith("v") else v
    v = v.split("+", 1)[0]
    core, _, pre = v.partition("-")
    nums = [int(x) for x in core.split(".")]
    ids = []
    for p in pre.split(".") if pre else []:
        ids.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    # a version without prerelease sorts after any prerelease of it
    return (nums, 1 if not pre else 0, ids)


def go_cmp(a, b):
    ka, kb = semver_key(a), semver_key(b)
    return (ka > kb) - (ka < kb)


def py_cmp(a, b):
    va, vb = Version(a), Version(b)
    return (va > vb) - (va < vb)


def affected(cmp, ranges, versions, version):
    """OSV semantics: (hit, fixed-of-matching-interval)."""
    if version in versions:
        return True, None
    for r in ranges:
        if r.get("type") == "GIT":
            continue
        introduced = None
        for ev in r.get("events", []):
            if "introduced" in ev:
                introduced = ev["introduced"]
                continue
            end = ev.get("fixed") or ev.get("last_affected")
            if introduced is None:
                continue
            lo_ok = introduced == "0" or cmp(version, introduced) >= 0
            if "fixed" in ev:
                hi_ok = cmp(version, ev["fixed"]) < 0
            elif "last_affected" in ev:
                hi_ok = cmp(version, ev["last_affected"]) <= 0
            else:
                hi_ok = cmp(version, ev["limit"]) < 0
            if lo_ok and hi_ok:
                return True, ev.get("fixed")
            introduced = None
        if introduced is not None and (introduced == "0" or cmp(version, introduced) >= 0):
            return True, None
    return False, None


def load_records(d):
    recs = []
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if f.endswith(".json"):
                recs.append(json.load(open(p)))
            elif f.endswith((".yaml", ".yml")):
                recs.append(yaml.safe_load(open(p)))
    return recs


def norm(eco, name):
    return re.sub(r"[-_.]+", "-", name).lower() if eco == "PyPI" else name


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scan")
    p.add_argument("--osv-dir", required=True, action="append")
    p.add_argument("--ecosystem", action="append", required=True)
    a = p.parse_args()
    purl_type = {"PyPI": "pypi", "Go": "golang"}
    cmps = {"PyPI": py_cmp, "Go": go_cmp}
    scan = json.load(open(a.scan))
    index = {}
    for d in a.osv_dir:
        for rec in load_records(d):
            if not rec or rec.get("withdrawn"):
                continue
            for aff in rec.get("affected", []):
                pkg = aff.get("package", {})
                index.setdefault((pkg.get("ecosystem"), norm(pkg.get("ecosystem"), pkg.get("name", ""))),
                                 []).append((rec, aff))
    got = {}
    for f in scan["findings"]:
        if f.get("kind") != "vuln":
            continue
        got.setdefault((f["package"], f["installed_version"]), {})[f["id"]] = f
        for al in f.get("aliases") or []:
            got[(f["package"], f["installed_version"])].setdefault(al, f)
    checked = 0
    for eco in a.ecosystem:
        for pkg in scan["packages"]:
            if pkg["type"] != purl_type[eco]:
                continue
            name, version = pkg["name"], pkg["version"]
            if eco == "Go" and name == "stdlib":
                version = version[2:] if version.startswith("go") else version
            want = {}
            for rec, aff in index.get((eco, norm(eco, name)), []):
                try:
                    hit, fixed = affected(cmps[eco], aff.get("ranges", []), aff.get("versions", []), version)
                except (InvalidVersion, ValueError):
                    continue
                if hit:
                    prev = want.get(rec["id"])
                    want[rec["id"]] = fixed if prev is None else prev
            have = got.get((pkg["name"], pkg["version"]), {})
            for vid, fixed in sorted(want.items()):
                checked += 1
                f = have.get(vid)
                if not f:
                    errors.append(f"{eco} {name} {version}: {vid} not reported")
                elif fixed and f.get("fixed_version") != fixed:
                    errors.append(f"{eco} {name} {version}: {vid} fixed_version "
                                  f"{f.get('fixed_version')!r}, want {fixed!r}")
            for vid, f in have.items():
                if f["id"] == vid and vid not in want and not set(f.get("aliases") or []) & set(want):
                    errors.append(f"{eco} {name} {version}: {vid} reported but the feed says unaffected")
    print(f"{checked} (package, advisory) pairs checked")
    if checked == 0:
        errors.append("nothing to check: no vulnerable language package in the scan")
    for e in errors[:40]:
        print("  " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
