#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""moat config against hadolint's own rule cases.

Usage: hadolint-agree.py MOAT CASES.jsonl WORKDIR

For every case of ../shared/testdata/iac/hadolint-rule-cases.jsonl whose rule
a moat check references (`moat config --list-checks`, "hadolint:DLxxxx"),
write the Dockerfile, run `moat config --format json` once over all of them,
and call it a violation when a finding's check references that rule.
Prints agreed/total per rule and every disagreement; exits 1 on any
disagreement. Cases that set a non-default hadolint config are skipped
(their verdict depends on that config).
"""
import collections
import json
import os
import subprocess
import sys


def main():
    moat, cases_path, work = sys.argv[1:4]
    listing = subprocess.run([moat, "config", "--list-checks"], check=True,
                             capture_output=True, text=True).stdout
    ours = collections.defaultdict(set)   # hadolint rule -> our check ids
    for line in listing.splitlines():
        cid, _sev, _title, refs = line.split("\t")
        for ref in filter(None, refs.split(",")):
            if ref.startswith("hadolint:"):
                ours[ref[9:]].add(cid)
    cases = [json.loads(l) for l in open(cases_path, encoding="utf-8")]
    picked = []
    skipped = 0
    for i, c in enumerate(cases):
        if c["rule"] not in ours:
            continue
        if c["non_default_config"] or c["onbuild"]:
            skipped += 1
            continue
        d = os.path.join(work, "case%03d" % i)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "Dockerfile"), "w", encoding="utf-8") as f:
            f.write(c["dockerfile"])
        picked.append((i, c, os.path.join(d, "Dockerfile")))
    run = subprocess.run([moat, "config", "--format", "json", work],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit("moat config exited %d: %s" % (run.returncode, run.stderr.strip()))
    hits = collections.defaultdict(set)   # file -> check ids
    for f in json.loads(run.stdout)["findings"]:
        hits[f["file"]].add(f["id"])
    per_rule = collections.OrderedDict()
    bad = []
    for i, c, path in picked:
        got = bool(hits[path] & ours[c["rule"]])
        want = c["expect"] == "violation"
        agreed, total = per_rule.get(c["rule"], (0, 0))
        per_rule[c["rule"]] = (agreed + (got == want), total + 1)
        if got != want:
            bad.append("case %d %s (%s): hadolint %s, moat %s: %r" % (
                i, c["rule"], c["desc"], c["expect"],
                "violation" if got else "no_violation", c["dockerfile"]))
    agreed = sum(a for a, _ in per_rule.values())
    total = sum(t for _, t in per_rule.values())
    for rule in sorted(per_rule):
        a, t = per_rule[rule]
        print("%-7s %-28s %3d/%-3d agreed" % (rule, ",".join(sorted(ours[rule])), a, t))
    print("rules referenced: %d (with cases: %d); cases %d/%d agreed; skipped %d "
          "(non-default hadolint config)" % (len(ours), len(per_rule), agreed, total, skipped))
    for b in bad:
        print("DISAGREE " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
