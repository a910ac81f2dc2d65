#!/usr/bin/python3
"""Check `moat scan --format json` vulnerability findings against independent oracles.

  vulncheck.py upgrade SCAN.json --root ROOT --upgrades UPG.txt --tracker T.json [--absent]
      UPG.txt is `apt-get -s upgrade` output run in ROOT with bookworm-security.
      For every package apt would upgrade from the security suite, every CVE the
      tracker data says is fixed in a version v with installed < v <= candidate
      (by `dpkg --compare-versions`, the reference) must be reported for that
      package with fixed_version == v. With --absent (scan of the upgraded root),
      none of those (package, CVE) pairs may be reported.
  vulncheck.py owner SCAN.json --layer2 PKGS --base-name NAME
      Every finding of a layer-2 package says owner "app", every other "base",
      base_image NAME; and there are findings of both kinds.
Stdlib only; prints what is wrong and exits 1.
"""
import argparse
import json
import re
import subprocess
import sys

errors = []


def err(msg):
    errors.append(msg)


def dpkg_cmp(a, op, b):
    return subprocess.run(["dpkg", "--compare-versions", a, op, b]).returncode == 0


def installed_sources(root):
    out = subprocess.run(
        ["dpkg-query", "--admindir", f"{root}/var/lib/dpkg", "-W", "-f",
         "${Package} ${Version} ${source:Package} ${source:Version}\n"],
        check=True, capture_output=True, text=True).stdout
    pkgs = {}
    for line in out.splitlines():
        name, ver, src, srcver = line.split()
        pkgs[name] = (ver, src, srcver)
    return pkgs


INST = re.compile(r"^Inst (\S+) \[([^\]]+)\] \((\S+) ([^)]*)\)")


def security_upgrades(path):
    """{binary: (old, new)} for upgrades that come from the security suite."""
    ups = {}
    for line in open(path):
        m = INST.match(line)
        if m and "Security" in m.group(4):
            ups[m.group(1).split(":")[0]] = (m.group(2), m.group(3))
    return ups


def expected_pairs(a):
    tracker = json.load(open(a.tracker))
    pkgs = installed_sources(a.root)
    ups = security_upgrades(a.upgrades)
    if not ups:
        sys.exit(f"{a.upgrades}: apt-get -s upgrade lists no security upgrades; "
                 "the test needs an image without them")
    want = {}
    for binary, (old, new) in sorted(ups.items()):
        _, src, _ = pkgs[binary]
        for cve, rec in (tracker.get(src) or {}).items():
            rel = (rec.get("releases") or {}).get("bookworm") or {}
            fixed = rel.get("fixed_version")
            if rel.get("status") != "resolved" or not fixed or fixed == "0":
                continue
            if dpkg_cmp(old, "lt", fixed) and dpkg_cmp(fixed, "le", new):
                want[(binary, cve)] = fixed
    return want, ups


def findings(path):
    scan = json.load(open(path))
    got = {}
    for f in scan.get("findings", []):
        if f.get("kind") != "vuln":
            continue
        for key in [f["id"]] + list(f.get("aliases") or []):
            got[(f["package"], key)] = f
    return scan, got


def cmd_upgrade(a):
    want, ups = expected_pairs(a)
    _, got = findings(a.scan)
    if not a.absent:
        if not want:
            sys.exit("no tracker CVE is fixed by the security upgrades: nothing to check")
        for (binary, cve), fixed in sorted(want.items()):
            f = got.get((binary, cve))
            if not f:
                err(f"{binary}: {cve} (fixed in {fixed}) not reported")
            elif f.get("fixed_version") != fixed:
                err(f"{binary}: {cve}: fixed_version {f.get('fixed_version')!r}, want {fixed!r}")
        print(f"{len(want)} (package, CVE) pairs from {len(ups)} security upgrades checked")
    else:
        for key in sorted(want):
            if key in got:
                err(f"{key[0]}: {key[1]} still reported after the security upgrade")
        print(f"{len(want)} (package, CVE) pairs absent after the upgrade")


def cmd_owner(a):
    scan, _ = findings(a.scan)
    layer2 = {l.strip() for l in open(a.layer2) if l.strip()}
    kinds = {"base": 0, "app": 0}
    for f in scan.get("findings", []):
        if f.get("kind") != "vuln":
            continue  # content findings have their own owners (scan_content.sh, config_image.sh)
        want = "app" if f["package"] in layer2 else "base"
        if f.get("owner") != want:
            err(f'{f["package"]} {f["id"]}: owner {f.get("owner")!r}, want {want!r}')
        elif f.get("base_image") != a.base_name:
            err(f'{f["package"]} {f["id"]}: base_image {f.get("base_image")!r}, want {a.base_name!r}')
        kinds[want] = kinds.get(want, 0) + 1
    if not kinds["base"] or not kinds["app"]:
        err(f"want findings owned by both base and app, got {kinds}")
    print(f"owners: {kinds}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("upgrade")
    u.add_argument("scan"); u.add_argument("--root", required=True)
    u.add_argument("--upgrades", required=True); u.add_argument("--tracker", required=True)
    u.add_argument("--absent", action="store_true")
    o = sub.add_parser("owner")
    o.add_argument("scan"); o.add_argument("--layer2", required=True)
    o.add_argument("--base-name", required=True)
    a = p.parse_args()
    {"upgrade": cmd_upgrade, "owner": cmd_owner}[a.cmd](a)
    for e in errors[:40]:
        print("  " + e, file=sys.stderr)
    if len(errors) > 40:
        print(f"  ... and {len(errors) - 40} more", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
