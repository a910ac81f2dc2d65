#!/usr/bin/python3
"""Compare `moat comply docker` with expected verdicts and with docker-bench-security.

  comply-compare.py expect MOAT.json EXPECT.txt PHASE
      EXPECT.txt: "ID INSECURE HARDENED [needle]" per line (# comments); PHASE
      picks the column; "-" = not checked in that phase. The optional needle
      must appear in the evidence (a container or image name).
  comply-compare.py bench MOAT.json BENCH.json[,BENCH.json] DOCS.md PHASE
      every id both report: same verdict, or a row of the deliberate
      differences table in DOCS.md (| id | moat | docker-bench | reason |,
      verdicts as A/B lists or *) names the pair. Prints the counts.
"""
import json
import os
import re
import sys


def moat_results(path):
    doc = json.load(open(path))
    assert doc["schema"] == "moat.comply/v1", doc.get("schema")
    assert doc["benchmark"] == "cis-docker-1.6"
    return {c["id"]: c for c in doc["checks"]}


def expect(moat_json, expect_txt, phase):
    col = {"insecure": 1, "hardened": 2}[phase]
    got = moat_results(moat_json)
    bad, n = [], 0
    for line in open(expect_txt):
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        cid, want = line[0], line[col]
        needle = line[3] if len(line) > 3 else None
        if want == "-":
            continue
        n += 1
        c = got.get(cid)
        if c is None:
            bad.append(f"{cid}: missing (want {want})")
        elif c["result"] != want:
            bad.append(f"{cid}: {c['result']} (want {want}): {c['evidence'][:200]}")
        elif needle and needle != "-" and want in ("WARN", "INFO") and needle not in c["evidence"]:
            bad.append(f"{cid}: evidence lacks {needle!r}: {c['evidence'][:200]}")
    for c in got.values():
        if not c.get("controls") and c["id"] != "x":
            bad.append(f"{c['id']}: no controls")
    print(f"{phase}: {n} expected verdicts checked, {len(bad)} wrong, {len(got)} checks reported")
    for b in bad:
        print("  " + b)
    return 1 if bad else 0


def deliberate(docs_md):
    rows = []
    in_table = False
    for line in open(docs_md):
        if line.startswith("## Deliberate differences"):
            in_table = True
            continue
        if in_table and line.startswith("## "):
            break
        m = re.match(r"\|\s*([0-9.]+)\s*\|\s*([A-Z/*]+)\s*\|\s*([A-Z/*]+)\s*\|(.+)\|", line)
        if in_table and m:
            rows.append((m.group(1), m.group(2).split("/"), m.group(3).split("/"), m.group(4).strip()))
    return rows


def bench(moat_json, bench_json, docs_md, phase):
    got = moat_results(moat_json)
    theirs = {}
    for path in bench_json.split(","):
        for sec in json.load(open(path)).get("tests", []):
            for r in sec.get("results", []):
                theirs[r["id"]] = r["result"]
    rows = deliberate(docs_md)
    agree, documented, bad = 0, [], []
    both = sorted(set(got) & set(theirs), key=lambda s: [int(x) for x in s.split(".")])
    for cid in both:
        m, b = got[cid]["result"], theirs[cid]
        if m == b:
            agree += 1
            continue
        hit = [r for r in rows if r[0] == cid and (m in r[1] or "*" in r[1]) and (b in r[2] or "*" in r[2])]
        if hit:
            documented.append(f"{cid}: moat {m}, docker-bench {b}")
        else:
            bad.append(f"{cid}: moat {m} ({got[cid]['evidence'][:120]}), docker-bench {b}")
    only_moat = sorted(set(got) - set(theirs))
    only_bench = sorted(set(theirs) - set(got))
    print(f"{phase}: docker-bench reported {len(theirs)} ids, moat {len(got)}; both {len(both)}: "
          f"{agree} agree, {len(documented)} documented differences, {len(bad)} undocumented")
    for d in documented:
        print("  documented: " + d)
    if only_bench:
        print("  only docker-bench: " + " ".join(only_bench))
    print(f"  only moat: {len(only_moat)} ids")
    for b in bad:
        print("  UNDOCUMENTED: " + b)
    return 1 if bad or len(both) < int(os.environ.get("MIN_BOTH", "14")) else 0


if __name__ == "__main__":
    if sys.argv[1] == "expect":
        sys.exit(expect(sys.argv[2], sys.argv[3], sys.argv[4]))
    sys.exit(bench(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]))
