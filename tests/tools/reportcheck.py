#!/usr/bin/python3
"""Check moat's CI report formats against the scan's own JSON findings.

  reportcheck.py sarif DOC --json SCAN.json --schemas DIR
      valid SARIF 2.1.0 (official schema); one result per finding, same ids.
  reportcheck.py cyclonedx DOC --json SCAN.json --schemas DIR
      valid CycloneDX 1.5; one vulnerability per finding, each affects a component.
  reportcheck.py junit DOC --json SCAN.json --expect-cases N --expect-failures N
      well-formed JUnit XML; counts as expected; failure bodies name the ids.
  reportcheck.py html DOC --json SCAN.json
      parses as HTML; one finding row per finding; no unescaped markup from data.
Stdlib + python3-jsonschema; prints what is wrong and exits 1.
"""
import argparse
import html.parser
import json
import os
import sys
import xml.etree.ElementTree as ET

errors = []


def err(msg):
    errors.append(msg)


def findings(path, kinds=("vuln",)):
    return [f for f in json.load(open(path))["findings"] if f.get("kind") in kinds]


def validate(doc, schema_path, store_dir=None):
    import jsonschema
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from scancheck import schema_store
    schema = json.load(open(schema_path))
    store = schema_store(store_dir or os.path.dirname(schema_path))
    base = schema.get("$id") or schema.get("id") or ""
    cls = jsonschema.validators.validator_for(schema)
    resolver = jsonschema.RefResolver(base_uri=base, referrer=schema, store=store)
    for e in sorted(cls(schema, resolver=resolver).iter_errors(doc), key=str)[:10]:
        err(f"schema: at /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")


def cmd_sarif(a):
    doc = json.load(open(a.doc))
    validate(doc, os.path.join(a.schemas, "sarif-2.1.0.schema.json"))
    # SARIF has one result per finding of every kind (content findings too).
    want = sorted(f["id"] for f in findings(a.json, ("vuln", "secret", "password", "malware", "misconfig")))
    run = doc["runs"][0]
    got = sorted(r["ruleId"] for r in run["results"])
    if got != want:
        err(f"SARIF results {len(got)} vs findings {len(want)} differ")
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    if len(rules) != len(set(rules)):
        err("SARIF rules repeat an id")
    for r in run["results"]:
        if rules[r["ruleIndex"]] != r["ruleId"]:
            err(f'result {r["ruleId"]}: ruleIndex points at {rules[r["ruleIndex"]]}')
    print(f"sarif: {len(got)} results, {len(rules)} rules")


def cmd_cyclonedx(a):
    doc = json.load(open(a.doc))
    validate(doc, os.path.join(a.schemas, f"bom-{doc.get('specVersion')}.schema.json"))
    want = sorted(f["id"] for f in findings(a.json))
    got = sorted(v["id"] for v in doc.get("vulnerabilities", []))
    if got != want:
        err(f"CycloneDX vulnerabilities {len(got)} vs findings {len(want)} differ")
    refs = {c["bom-ref"] for c in doc.get("components", [])}
    for v in doc.get("vulnerabilities", []):
        for aff in v["affects"]:
            if aff["ref"] not in refs:
                err(f'{v["id"]}: affects unknown component {aff["ref"]}')
    print(f"cyclonedx: {len(got)} vulnerabilities")


def cmd_junit(a):
    root = ET.parse(a.doc).getroot()
    cases = root.findall(".//testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    if len(cases) != a.expect_cases:
        err(f"{len(cases)} test cases, want {a.expect_cases}")
    if len(failures) != a.expect_failures:
        err(f"{len(failures)} failing test cases, want {a.expect_failures}")
    if root.get("failures") != str(len(failures)):
        err(f'testsuites failures="{root.get("failures")}" but {len(failures)} fail')
    ids = {f["id"] for f in findings(a.json, ("vuln", "secret", "password", "malware", "misconfig"))}
    for c in failures:
        text = c.find("failure").text or ""
        # content lines are "SEVERITY ID WHERE (...)", gate lines "ID ..."
        word = 1 if c.get("classname") == "moat.content" else 0
        named = {line.split()[word] for line in text.splitlines() if line.strip()}
        if not named <= ids:
            err(f'{c.get("name")}: names ids that are not findings: {sorted(named - ids)[:5]}')
    print(f"junit: {len(cases)} cases, {len(failures)} failing")


class Rows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cells, self.tags, self.in_td = [], None, set(), False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "tr":
            self.cells = []
        elif tag == "td" and self.cells is not None:
            self.cells.append("")
            self.in_td = True

    def handle_endtag(self, tag):
        if tag == "tr" and self.cells:
            self.rows.append(self.cells)
        if tag == "td":
            self.in_td = False

    def handle_data(self, data):
        if self.in_td and self.cells:
            self.cells[-1] += data


def cmd_html(a):
    p = Rows()
    p.feed(open(a.doc).read())
    want = sorted(f["id"] for f in findings(a.json))
    got = sorted(r[2] for r in p.rows if len(r) == 8)
    if got != want:
        err(f"HTML finding rows {len(got)} vs findings {len(want)} differ")
    if p.tags & {"script", "img", "iframe"}:
        err(f"HTML contains active tags {p.tags & {'script', 'img', 'iframe'}}")
    print(f"html: {len(got)} finding rows")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["sarif", "cyclonedx", "junit", "html"])
    p.add_argument("doc")
    p.add_argument("--json", required=True)
    p.add_argument("--schemas")
    p.add_argument("--expect-cases", type=int)
    p.add_argument("--expect-failures", type=int)
    a = p.parse_args()
    {"sarif": cmd_sarif, "cyclonedx": cmd_cyclonedx, "junit": cmd_junit, "html": cmd_html}[a.kind](a)
    for e in errors[:30]:
        print("  " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
