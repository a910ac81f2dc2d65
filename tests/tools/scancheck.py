#!/usr/bin/python3
"""Assertions on moat's JSON output, for the shell integration tests.

  scancheck.py pkglines SCAN.json          sorted "name version src srcver" (type deb)
  scancheck.py diffids SCAN.json           .layers[].diff_id, one a line
  scancheck.py debian SCAN.json --dpkg F --diff-ids F [--layer2 F]
  scancheck.py sbom {cyclonedx|spdx} DOC.json --schemas DIR [--dpkg F]
  scancheck.py hostile-ok SCAN.json [--no-os]

Exit 0 = ok, 1 = failed (reasons on stderr), 77 = could not check (missing
schema files or python3-jsonschema). The scan contract checked here:
  .schema == "moat.scan/v1"
  .target.os.{id, version_id, codename}
  .layers[].diff_id                  in image order
  .packages[].{type, name, version, source_name, source_version, layer}
      layer = diff_id of the layer that introduced the package
"""
import argparse
import glob
import json
import os
import sys

errors = []


def err(msg):
    errors.append(msg)


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return json.loads(raw)
    except ValueError as e:
        sys.exit(f"{path}: not JSON ({e}); first bytes: {raw[:200]!r}")


def get(obj, *keys):
    for k in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def deb_packages(scan):
    pk = scan.get("packages")
    if not isinstance(pk, list):
        sys.exit(".packages is missing or not an array")
    return [p for p in pk if isinstance(p, dict) and p.get("type") == "deb"]


def line(p):
    return " ".join(str(p.get(k)) for k in ("name", "version", "source_name", "source_version"))


def read_lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def cmd_pkglines(a):
    for l in sorted(line(p) for p in deb_packages(load(a.scan))):
        print(l)


def cmd_diffids(a):
    for l in load(a.scan).get("layers") or []:
        print(get(l, "diff_id"))


def cmd_debian(a):
    scan = load(a.scan)
    if scan.get("schema") != "moat.scan/v1":
        err(f'.schema is {scan.get("schema")!r}, want "moat.scan/v1"')
    osinfo = get(scan, "target", "os") or {}
    codename = osinfo.get("codename", osinfo.get("version_codename"))
    for k, want, got in (("id", "debian", osinfo.get("id")),
                         ("version_id", "12", osinfo.get("version_id")),
                         ("codename", "bookworm", codename)):
        if got != want:
            err(f".target.os.{k} is {got!r}, want {want!r}")

    want_ids = read_lines(a.diff_ids)
    got_ids = [get(l, "diff_id") for l in scan.get("layers") or []]
    if got_ids != want_ids:
        err(f".layers[].diff_id is {got_ids}, want {want_ids}")

    pkgs = deb_packages(scan)
    got = sorted(line(p) for p in pkgs)
    want = sorted(read_lines(a.dpkg))
    if got != want:
        gs, ws = set(got), set(want)
        extra, missing = sorted(gs - ws), sorted(ws - gs)
        err(f"package lines differ from {os.path.basename(a.dpkg)}: "
            f"{len(got)} reported, {len(want)} expected; "
            f"missing {missing[:10]}{' ...' if len(missing) > 10 else ''}; "
            f"unexpected {extra[:10]}{' ...' if len(extra) > 10 else ''}")
        if len(got) != len(gs):
            err("duplicate package lines in .packages")

    if a.layer2 is not None and len(want_ids) == 2:
        l2 = set(read_lines(a.layer2))
        bad = []
        for p in pkgs:
            expect = want_ids[1] if p.get("name") in l2 else want_ids[0]
            if p.get("layer") != expect:
                bad.append(f'{p.get("name")}: layer {p.get("layer")!r}')
        if bad:
            err(f"{len(bad)} packages attributed to the wrong layer "
                f"(layer 2 = {want_ids[1][:19]}...): {bad[:8]}")
    elif len(want_ids) == 1:
        bad = [p.get("name") for p in pkgs if p.get("layer") != want_ids[0]]
        if bad:
            err(f"packages not attributed to the only layer: {bad[:8]}")


def schema_store(d):
    """All schemas in d, by $id. The CycloneDX bom schema refers to its
    spdx.schema.json / jsf-0.82.schema.json siblings by relative $ref."""
    store = {}
    for p in glob.glob(os.path.join(d, "*.json")):
        with open(p) as f:
            s = json.load(f)
        if isinstance(s, dict) and s.get("$id"):
            sid = s["$id"].rstrip("#")
            store[sid] = s
            # the npm package's bom schema names its siblings *.SNAPSHOT.schema.json
            if sid.startswith("http://cyclonedx.org/") and not sid.endswith(".SNAPSHOT.schema.json"):
                store[sid.replace(".schema.json", ".SNAPSHOT.schema.json")] = s
    return store


def cmd_sbom(a):
    """Always: JSON, the right format/version, every dpkg package present.
    Schema validation only when jsonschema and the vendored schemas exist
    (returns 77 after the other checks pass otherwise)."""
    doc = load(a.doc)
    if not isinstance(doc, dict):
        sys.exit(f"{a.doc}: not a JSON object")
    if a.kind == "cyclonedx":
        if doc.get("bomFormat") != "CycloneDX" or doc.get("specVersion") != a.cdx:
            err(f'bomFormat/specVersion are {doc.get("bomFormat")!r}/{doc.get("specVersion")!r}, '
                f'want "CycloneDX"/{a.cdx!r}')
        names = {c.get("name") for c in doc.get("components") or [] if isinstance(c, dict)}
    else:
        if doc.get("spdxVersion") != "SPDX-2.3":
            err(f'spdxVersion is {doc.get("spdxVersion")!r}, want "SPDX-2.3"')
        names = {p.get("name") for p in doc.get("packages") or [] if isinstance(p, dict)}
    if a.dpkg:
        missing = sorted({l.split()[0] for l in read_lines(a.dpkg)} - names)
        if missing:
            err(f"{len(missing)} dpkg packages absent from the {a.kind} document: {missing[:10]}")

    try:
        import jsonschema
    except ImportError:
        why = "python3-jsonschema not installed (apt-get install python3-jsonschema)"
        return None if errors else print(why, file=sys.stderr) or 77
    store = schema_store(a.schemas) if os.path.isdir(a.schemas) else {}
    if a.kind == "cyclonedx":
        ids = [i for i in store if i.endswith(f"/bom-{a.cdx}.schema.json")]
        need = f"bom-{a.cdx}.schema.json (+ spdx, jsf-0.82, cryptography-defs schemas)"
    else:
        ids = [i for i in store if i.startswith("http://spdx.org/rdf/terms/2.3")]
        need = "the SPDX 2.3 document schema (spdx-spec schemas/spdx-schema.json)"
    if not ids:
        why = f"schema missing in {a.schemas}: {need}"
        return None if errors else print(why, file=sys.stderr) or 77
    schema = store[ids[0]]
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver(base_uri=ids[0], referrer=schema, store=store)
    problems = sorted(cls(schema, resolver=resolver).iter_errors(doc),
                      key=lambda e: list(map(str, e.absolute_path)))
    for e in problems[:10]:
        err(f"schema: at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
    if len(problems) > 10:
        err(f"... and {len(problems) - 10} more schema errors")


def cmd_hostile_ok(a):
    """A hostile image scanned with exit 0: the output must be a whole JSON
    document and show nothing read from outside the image."""
    with open(a.scan, "rb") as f:
        raw = f.read()
    if b"moat-escaped" in raw:
        err("output contains 'moat-escaped': data was read from the planted canary "
            "outside the image root")
    scan = load(a.scan)
    if a.no_os and get(scan, "target", "os", "id"):
        err(f"reported OS {get(scan, 'target', 'os')!r}, but the image has no usable "
            "os-release: it was read from outside the image root")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pkglines"); p.add_argument("scan")
    p = sub.add_parser("diffids"); p.add_argument("scan")
    p = sub.add_parser("debian"); p.add_argument("scan")
    p.add_argument("--dpkg", required=True); p.add_argument("--diff-ids", required=True)
    p.add_argument("--layer2")
    p = sub.add_parser("sbom"); p.add_argument("kind", choices=("cyclonedx", "spdx"))
    p.add_argument("doc"); p.add_argument("--schemas", required=True); p.add_argument("--dpkg")
    p.add_argument("--cdx", default="1.6", help="the CycloneDX specVersion expected")
    p = sub.add_parser("hostile-ok"); p.add_argument("scan"); p.add_argument("--no-os", action="store_true")
    a = ap.parse_args()
    rc = {"pkglines": cmd_pkglines, "diffids": cmd_diffids, "debian": cmd_debian,
          "sbom": cmd_sbom, "hostile-ok": cmd_hostile_ok}[a.cmd](a)
    if rc:
        return rc
    for e in errors:
        print("  " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
