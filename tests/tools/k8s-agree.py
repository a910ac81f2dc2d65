#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""moat's Kubernetes checks against kube-linter's and kubescape's own test cases.

Usage: k8s-agree.py MOAT IACDIR WORKDIR DIFFERENCES.md

IACDIR is ../shared/testdata/iac. For every kube-linter check and kubescape
regolibrary rule that a moat check references (`moat config --list-checks`:
"kube-linter:NAME", "kubescape:RULE"), every object of the test manifests gets
an expected verdict and moat's verdict (a finding of a check referencing it
on that document or List item), compared object by object:

- kube-linter (tests/checks/*.yml + e2e expectations): an object fires unless
  its name starts with "dont-fire" (the corpus's convention), among the kinds
  the expected messages name ("Deployment: ...") or, when none are given,
  the kinds moat checks.
- kubescape (rules/<rule>/test/<case>/input + expected.json): the objects of
  the alerts (alertObject.k8sApiObjects, and for RBAC the relatedObjects of
  externalObjects) fire; every other object of the kinds the rule matches
  (rule.metadata.json) passes.

A disagreement listed in DIFFERENCES.md (rows "| tool | check | case | object
| expected | moat | reason |"; "*" matches any case or object) is deliberate;
any other one fails. Prints agreed/total per check and the totals.
"""
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys

import yaml

WORKLOADS = {"Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet",
             "ReplicationController", "Job", "CronJob", "DeploymentConfig", "PodTemplate"}
RBAC = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
CHECKED = WORKLOADS | RBAC | {"ServiceAccount"}


def listing(moat):
    out = subprocess.run([moat, "config", "--list-checks"], check=True,
                         capture_output=True, text=True).stdout
    refs = collections.defaultdict(set)   # "kube-linter:x" -> our ids
    for line in out.splitlines():
        cid, _sev, _title, rr = line.split("\t")
        for r in filter(None, rr.split(",")):
            if r.startswith(("kube-linter:", "kubescape:")):
                refs[r].add(cid)
    return refs


def objects(path):
    """(doc, item, kind, name) of every object in a manifest file."""
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            docs = list(yaml.safe_load_all(f))
    except (yaml.YAMLError, UnicodeDecodeError):
        return out
    for d, doc in enumerate(docs):
        if not isinstance(doc, dict) or "kind" not in doc:
            continue
        if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
            for i, it in enumerate(doc["items"]):
                if isinstance(it, dict):
                    out.append((d, i, it.get("kind"), (it.get("metadata") or {}).get("name", "")))
            continue
        out.append((d, None, doc["kind"], (doc.get("metadata") or {}).get("name", "")))
    return out


def moat_hits(moat, *roots):
    run = subprocess.run([moat, "config", "--format", "json", *roots], capture_output=True,
                         text=True)
    if run.returncode != 0:
        sys.exit("moat config %s exited %d: %s" % (roots[0], run.returncode,
                                                   run.stderr.strip()[-2000:]))
    hits = collections.defaultdict(set)   # (file, doc, item) -> ids
    for f in json.loads(run.stdout)["findings"]:
        if f.get("source") != "kubernetes":
            continue
        m = re.match(r"items\[(\d+)\]\.", f["path"])
        hits[(f["file"], f["document"], int(m.group(1)) if m else None)].add(f["id"])
    return hits


def load_differences(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and cells[0] in ("kube-linter", "kubescape"):
            rows.append(cells[:7])
    return rows


def deliberate(rows, tool, check, case, obj, want, got):
    for r in rows:
        if (r[0] == tool and r[1] == check and r[2] in ("*", case) and r[3] in ("*", obj)
                and r[4] == ("fire" if want else "pass") and r[5] == ("fire" if got else "pass")):
            r.append("used")
            return True
    return False


def kube_linter(moat, iac, refs):
    d = os.path.join(iac, "kube-linter-checks")
    hits = moat_hits(moat, d)
    results = []   # (tool, check, case, object, want, got)
    for line in open(os.path.join(iac, "kube-linter-expected.jsonl"), encoding="utf-8"):
        e = json.loads(line)
        ours = refs.get("kube-linter:" + e["check"])
        if not ours:
            continue
        path = os.path.join(d, e["file"])
        kinds = {m.split(":")[0].split(" ")[0] for m in e["expect_messages"]} & CHECKED
        for doc, item, kind, name in objects(path):
            if kind not in (kinds or CHECKED):
                continue
            want = not str(name).startswith("dont-fire")
            got = bool(hits[(path, doc, item)] & ours)
            results.append(("kube-linter", e["check"], e["file"],
                            "doc%d %s/%s" % (doc, kind, name), want, got))
    return results


def kubescape_cases(moat, root, refs):
    mapped = [os.path.join(root, r, "test") for r in sorted(os.listdir(root))
              if "kubescape:" + r in refs and os.path.isdir(os.path.join(root, r, "test"))]
    hits = moat_hits(moat, *mapped)
    # bindings join their roles by name and cluster-scoped names repeat across
    # cases: a case with a binding is a scan of its own (a few at a time)
    alone = [os.path.join(t, c) for t in mapped for c in sorted(os.listdir(t))
             if any(k in ("RoleBinding", "ClusterRoleBinding")
                    for fn in (os.listdir(os.path.join(t, c, "input"))
                               if os.path.isdir(os.path.join(t, c, "input")) else [])
                    for _d, _i, k, _n in objects(os.path.join(t, c, "input", fn)))]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for d, case_hits in zip(alone, pool.map(lambda d: moat_hits(moat, d), alone)):
            for k in [k for k in hits if k[0].startswith(d + os.sep)]:
                del hits[k]
            hits.update(case_hits)
    results = []
    for rule in sorted(os.listdir(root)):
        ours = refs.get("kubescape:" + rule)
        tdir = os.path.join(root, rule, "test")
        if not ours or not os.path.isdir(tdir):
            continue
        meta = json.load(open(os.path.join(root, rule, "rule.metadata.json"), encoding="utf-8"))
        kinds = {k for m in meta.get("match", []) for k in m.get("resources", [])} & CHECKED
        for case in sorted(os.listdir(tdir)):
            cdir = os.path.join(tdir, case)
            try:
                alerts = json.load(open(os.path.join(cdir, "expected.json"), encoding="utf-8"))
            except (OSError, ValueError):
                continue
            fire = set()
            for a in alerts or []:
                ao = a.get("alertObject") or {}
                for o in ao.get("k8sApiObjects") or []:
                    fire.add((o.get("kind"), (o.get("metadata") or {}).get("name")))
                for o in (ao.get("externalObjects") or {}).get("relatedObjects") or []:
                    fire.add((o.get("kind"), (o.get("metadata") or {}).get("name")))
            idir = os.path.join(cdir, "input")
            for fn in sorted(os.listdir(idir)) if os.path.isdir(idir) else []:
                path = os.path.join(idir, fn)
                for doc, item, kind, name in objects(path):
                    if kind not in kinds:
                        continue
                    want = (kind, name) in fire
                    got = bool(hits[(path, doc, item)] & ours)
                    results.append(("kubescape", rule, case, "%s %s/%s" % (fn, kind, name),
                                    want, got))
    return results


def main():
    moat, iac, work, diffs = sys.argv[1:5]
    refs = listing(moat)
    rows = load_differences(diffs)
    os.makedirs(work, exist_ok=True)
    subprocess.run(["tar", "--zstd", "-xf", os.path.join(iac, "kubescape-regolibrary-tests.tar.zst"),
                    "-C", work], check=True)
    results = kube_linter(moat, iac, refs) + kubescape_cases(moat, os.path.join(work, "rules"), refs)
    per = collections.OrderedDict()
    bad, documented = [], 0
    for tool, check, case, obj, want, got in results:
        k = (tool, check)
        a, t = per.get(k, (0, 0))
        per[k] = (a + (want == got), t + 1)
        if want != got:
            if deliberate(rows, tool, check, case, obj, want, got):
                documented += 1
            else:
                bad.append((tool, check, case, obj, want, got))
    for (tool, check), (a, t) in per.items():
        print("%-11s %-48s %3d/%-3d agreed" % (tool, check, a, t))
    for tool in ("kube-linter", "kubescape"):
        a = sum(v[0] for k, v in per.items() if k[0] == tool)
        t = sum(v[1] for k, v in per.items() if k[0] == tool)
        n = len({k[1] for k in per if k[0] == tool})
        print("%s: %d checks, objects %d/%d agreed" % (tool, n, a, t))
    unused = [r for r in rows if "used" not in r]
    for r in unused:
        print("note: documented difference never seen: %s" % " | ".join(r[:6]))
    for tool, check, case, obj, want, got in bad:
        print("DISAGREE %s %s %s %s: expected %s, moat %s" % (
            tool, check, case, obj, "fire" if want else "pass", "fire" if got else "pass"))
    agreed = sum(v[0] for v in per.values())
    total = sum(v[1] for v in per.values())
    print("total: %d/%d objects agreed, %d documented differences, %d undocumented" % (
        agreed, total, documented, len(bad)))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
