#!/bin/bash
# moat's Kubernetes checks: the same verdict as kube-linter and kubescape on
# their own test cases for every check moat references (object by object,
# differences only as documented in docs/k8s-agreement.md); `moat comply k8s`
# (moat.comply/v1, PSS levels, Helm sources, kubectl List paths, the three
# formats); `moat config` on manifests; `moat comply node` on fixture trees
# (insecure and hardened); bad input (exit 2, file and line named, no report).
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
t0=$(date +%s%N)

iac=$SHARED/iac
[ -f "$iac/kube-linter-expected.jsonl" ] || skip "no kube-linter corpus at $iac"
$PY "$TOOLS/k8s-agree.py" "$MOAT" "$iac" "$W/agree" "$REPO/docs/k8s-agreement.md" \
    >"$W/agree.txt" 2>&1 || { cat "$W/agree.txt" >&2; fail "undocumented disagreement (above)"; }
grep -E '^(kube-linter|kubescape):|^total:|^note:' "$W/agree.txt"

# A Helm-rendered stream and a kubectl List: documents, paths, lines, sources.
m=$W/manifests
mkdir -p "$m/chart" "$m/live"
cat >"$m/chart/rendered.yaml" <<'EOF'
---
# Source: web/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
---
# Source: web/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: nginx:latest
        securityContext:
          privileged: true
          allowPrivilegeEscalation: true
        env:
        - name: DB_PASSWORD
          value: hunter22
      volumes:
      - name: sock
        hostPath: {path: /var/run/docker.sock}
EOF
cat >"$m/live/pods.json" <<'EOF'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok", "namespace": "shop",
   "ownerReferences": [{"kind": "ReplicaSet", "name": "ok-1"}]},
  "spec": {"automountServiceAccountToken": false, "serviceAccountName": "shop",
   "securityContext": {"runAsNonRoot": true, "runAsUser": 1000,
                       "seccompProfile": {"type": "RuntimeDefault"}},
   "containers": [{"name": "c", "image": "reg.example/shop@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
     "imagePullPolicy": "Always",
     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
     "livenessProbe": {"httpGet": {"port": 8080}}, "readinessProbe": {"httpGet": {"port": 8080}},
     "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                         "capabilities": {"drop": ["ALL"]}}}]}},
 {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "ops"},
  "rules": [{"apiGroups": [""], "resources": ["pods/exec", "secrets"], "verbs": ["*"]}]}]}
EOF
printf 'not: [kubernetes\n' >"$m/chart/broken.yaml"   # skipped with a warning in a walk
printf 'name: just-yaml\n' >"$m/values.yaml"          # not an object: ignored

run_moat k8s comply k8s --format json "$m"
[ "$RC" = 0 ] || { moat_err k8s; fail "moat comply k8s DIR: $(describe_rc "$RC"), want 0"; }
grep -q 'skipped .*broken.yaml: line [0-9]' "$W/k8s.err" || { moat_err k8s; fail "no warning naming broken.yaml and its line"; }
$PY - "$W/k8s.out" "$m" <<'PYEOF' || fail "moat comply k8s: wrong report (above)"
import json, sys
doc = json.load(open(sys.argv[1])); m = sys.argv[2]
assert doc["schema"] == "moat.comply/v1" and doc["benchmark"] == "cis-k8s-1.9", doc.get("schema")
assert doc["files_checked"] == 3 and doc["objects_checked"] == 4, (doc["files_checked"], doc["objects_checked"])
checks = {c["id"]: c for c in doc["checks"]}
for c in doc["checks"]:
    assert set(c) >= {"id", "title", "result", "level", "evidence", "remediation", "controls"}, c
    assert c["result"] in ("PASS", "WARN", "INFO", "NOTE"), c
    assert c["level"] in ("baseline", "restricted", "L1", "L2"), c
def where(cid):
    return {(f["file"][len(m) + 1:], f["document"], f["kind"] + "/" + f["name"], f["path"], f.get("line"))
            for f in checks[cid].get("findings", [])}
want = {
    "MOAT-K8S-001": ("chart/rendered.yaml", 1, "Deployment/web",
                     "spec.template.spec.containers[0].securityContext.privileged", 22),
    "MOAT-K8S-004": ("chart/rendered.yaml", 1, "Deployment/web", "spec.template.spec.hostNetwork", 17),
    "MOAT-K8S-012": ("chart/rendered.yaml", 1, "Deployment/web",
                     "spec.template.spec.volumes[0].hostPath.path", 29),
    "MOAT-K8S-043": ("chart/rendered.yaml", 1, "Deployment/web", "spec.template.spec.containers[0].env[0]", 25),
    "MOAT-K8S-054": ("chart/rendered.yaml", 1, "Deployment/web", "metadata.namespace", 13),
    "MOAT-K8S-053": ("chart/rendered.yaml", 0, "ServiceAccount/web", "automountServiceAccountToken", 3),
    "MOAT-K8S-063": ("live/pods.json", 0, "ClusterRole/ops", "items[1].rules[0]", 14),
    "MOAT-K8S-061": ("live/pods.json", 0, "ClusterRole/ops", "items[1].rules[0]", 14),
}
for cid, w in want.items():
    got = where(cid)
    assert checks[cid]["result"] == "WARN" and w in got, (cid, w, got)
f = checks["MOAT-K8S-001"]["findings"][0]
assert f["helm_source"] == "web/templates/deploy.yaml", f
assert checks["MOAT-K8S-001"]["level"] == "baseline" and "pss:baseline/privileged" in checks["MOAT-K8S-001"]["controls"]
assert "cis-k8s:5.2.2" in checks["MOAT-K8S-001"]["controls"]
# the hardened pod of the List has no pod-security, image, resource or probe finding
for c in doc["checks"]:
    for f in c.get("findings", []):
        assert f["name"] != "ok", (c["id"], f)
assert checks["MOAT-K8S-074"]["result"] == "INFO", checks["MOAT-K8S-074"]  # no bindings
assert checks["MOAT-K8S-002"]["result"] == "PASS", checks["MOAT-K8S-002"]
warn = sum(c["result"] == "WARN" for c in doc["checks"])
print("comply k8s: %d checks, %d WARN, %d PASS, %d INFO" % (len(doc["checks"]), warn,
      sum(c["result"] == "PASS" for c in doc["checks"]), sum(c["result"] == "INFO" for c in doc["checks"])))
PYEOF

# The same manifests through moat config (moat.config/v1) and SARIF.
run_moat cfg config --format json "$m/chart/rendered.yaml" "$m/live/pods.json"
[ "$RC" = 0 ] || { moat_err cfg; fail "moat config on manifests: $(describe_rc "$RC")"; }
$PY - "$W/cfg.out" <<'PYEOF' || fail "moat config on manifests: wrong findings (above)"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["manifests_checked"] == 2, doc["manifests_checked"]
k = [f for f in doc["findings"] if f.get("source") == "kubernetes"]
priv = [f for f in k if f["id"] == "MOAT-K8S-001"]
assert len(priv) == 1 and priv[0]["line"] == 22 and priv[0]["document"] == 1, priv
assert priv[0]["object"] == "Deployment/web" and priv[0]["path"].endswith("securityContext.privileged")
assert "kube-linter:privileged-container" in priv[0]["references"], priv[0]["references"]
print("config: %d kubernetes findings" % len(k))
PYEOF
run_moat sarif comply k8s --format sarif "$m/chart/rendered.yaml"
[ "$RC" = 0 ] || fail "comply k8s --format sarif: $(describe_rc "$RC")"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["runs"][0]["results"]; assert r and all(x["locations"][0]["physicalLocation"]["region"]["startLine"] for x in r), r[:1]' \
    "$W/sarif.out" || fail "SARIF results without lines"
run_moat scank8s scan k8s --format json "$m"
[ "$RC" = 0 ] && cmp -s "$W/scank8s.out" "$W/k8s.out" || fail "moat scan k8s differs from moat comply k8s"
run_moat table comply k8s "$m/chart/rendered.yaml"
grep -q '^\[WARN\] MOAT-K8S-001' "$W/table.out" || fail "table lacks the WARN line of MOAT-K8S-001"

# The policy's comply.k8s section: off drops a check, block fails the run
# (exit 1), alert reports without failing; an unknown id is exit 2.
tp=$(date +%s%N)
pol() { printf 'comply:\n  %s:\n    default: alert\n    checks: {%s}\n' "$1" "$2" >"$W/$3.yaml"; }
pol k8s '"MOAT-K8S-001": block, "MOAT-K8S-054": off' block
pol k8s '"MOAT-K8S-001": {action: alert}, "MOAT-K8S-054": {enabled: false}' alert
pol k8s '"MOAT-K8S-999": block' unknown
run_moat polblock comply k8s --policy "$W/block.yaml" --format json "$m/chart/rendered.yaml"
[ "$RC" = 1 ] || { moat_err polblock; fail "a block-level WARN: $(describe_rc "$RC"), want 1"; }
run_moat polalert comply k8s --policy "$W/alert.yaml" --format json "$m/chart/rendered.yaml"
[ "$RC" = 0 ] || { moat_err polalert; fail "alert-level WARNs only: $(describe_rc "$RC"), want 0"; }
run_moat polsarif comply k8s --policy "$W/block.yaml" --format sarif "$m/chart/rendered.yaml"
[ "$RC" = 1 ] || fail "SARIF with a block-level WARN: $(describe_rc "$RC"), want 1"
$PY - "$W/polblock.out" "$W/polalert.out" "$W/polsarif.out" <<'PYEOF' || fail "comply k8s --policy: wrong report (above)"
import json, sys
b, a, s = (json.load(open(p)) for p in sys.argv[1:4])
for doc, act, failed in ((b, "block", True), (a, "alert", False)):
    ids = {c["id"]: c for c in doc["checks"]}
    assert "MOAT-K8S-054" not in ids, "a check turned off is still reported"
    assert ids["MOAT-K8S-001"]["action"] == act and ids["MOAT-K8S-001"]["result"] == "WARN", ids["MOAT-K8S-001"]
    assert ids["MOAT-K8S-004"]["action"] == "alert", ids["MOAT-K8S-004"]
    assert doc["failed"] is failed and len(doc["checks"]) == 61, (doc["failed"], len(doc["checks"]))
lv = {r["ruleId"]: r["level"] for r in s["runs"][0]["results"]}
assert lv["MOAT-K8S-001"] == "error" and lv["MOAT-K8S-004"] == "warning", lv
print("policy: block exit 1, alert exit 0, off dropped")
PYEOF
run_moat polunk comply k8s --policy "$W/unknown.yaml" "$m/chart/rendered.yaml"
[ "$RC" = 2 ] && grep -q "unknown check 'MOAT-K8S-999'" "$W/polunk.err" ||
    { moat_err polunk; fail "a policy naming an unknown check: $(describe_rc "$RC"), want 2 naming it"; }
run_moat failon comply k8s --fail-on MOAT-K8S-004 "$m/chart/rendered.yaml"
[ "$RC" = 1 ] || fail "--fail-on MOAT-K8S-004: $(describe_rc "$RC"), want 1"

# --compliance: per-control status. A hardened pod alone: every control a
# workload check serves passes; those only RBAC, node or no manifest checks
# serve are REVIEW. The Helm chart: the controls its findings serve fail.
$PY - "$m/live/pods.json" "$W/hardened.json" <<'PYEOF'
import json, sys
l = json.load(open(sys.argv[1])); l["items"] = l["items"][:1]; json.dump(l, open(sys.argv[2], "w"))
PYEOF
run_moat pci comply k8s --compliance pci --format json "$W/hardened.json"
[ "$RC" = 0 ] || { moat_err pci; fail "comply k8s --compliance pci: $(describe_rc "$RC")"; }
run_moat pcibad comply k8s --compliance pci --format json "$m/chart/rendered.yaml"
run_moat nist comply k8s --compliance nist-800-190 "$m/chart/rendered.yaml"
grep -q '^FAIL    NIST-800-190:4.3.4 ' "$W/nist.out" && grep -q 'checks: MOAT-K8S-054=WARN' "$W/nist.out" ||
    fail "--compliance nist-800-190 table: 4.3.4 not FAIL with MOAT-K8S-054: $(grep -A1 4.3.4 "$W/nist.out")"
run_moat badfw comply k8s --compliance sox "$m/chart/rendered.yaml"
[ "$RC" = 2 ] || fail "--compliance sox: $(describe_rc "$RC"), want 2"
$PY - "$W/pci.out" "$W/pcibad.out" <<'PYEOF' || fail "comply k8s --compliance pci: wrong per-control status (above)"
import json, sys
good, bad = (json.load(open(p)) for p in sys.argv[1:3])
def status(doc):
    assert doc["compliance"]["framework"] == "pci", doc["compliance"]["framework"]
    res = {c["id"]: c["result"] for c in doc["checks"]}
    out = {}
    for ctl in doc["compliance"]["controls"]:
        got = [c["result"] for c in ctl["checks"]]
        assert all(res[c["id"]] == c["result"] for c in ctl["checks"]), ctl
        want = "FAIL" if "WARN" in got else "PASS" if "PASS" in got else "REVIEW"
        assert ctl["status"] == want, (ctl["id"], ctl["status"], want)
        out[ctl["id"][len("PCI-DSS-4.0:"):]] = ctl["status"]
    return out
g = status(good)
want = {"1.3.1": "PASS", "2.2.1": "PASS", "2.2.3": "PASS", "2.2.4": "PASS", "2.2.6": "PASS",
        "2.2.7": "REVIEW", "4.2.1": "REVIEW", "6.3.3": "PASS", "7.2.2": "PASS", "8.3.2": "PASS",
        "10.2.1": "REVIEW", "11.5.2": "PASS", "12.5.1": "PASS"}
assert g == want, {k: (g.get(k), v) for k, v in want.items() if g.get(k) != v}
b = status(bad)
for ctl in ("1.3.1", "2.2.3", "2.2.6", "7.2.2", "8.3.2", "12.5.1"):
    assert b[ctl] == "FAIL", (ctl, b[ctl])
assert b["10.2.1"] == "REVIEW", b["10.2.1"]
c = {x["id"]: x for x in bad["checks"]}["MOAT-K8S-001"]["controls"]
assert "pss:baseline/privileged" in c and "PCI-DSS-4.0:2.2.6" in c and "NIST-800-190:4.4.3" in c, c
print("compliance pci: hardened pod %d PASS %d REVIEW; chart %d FAIL" % (
    list(g.values()).count("PASS"), list(g.values()).count("REVIEW"), list(b.values()).count("FAIL")))
PYEOF

tpol=$(( ($(date +%s%N) - tp) / 1000000 ))

# Bad input: an explicit file that is not YAML is exit 2, named with its line; no report.
run_moat bad comply k8s --format json -o "$W/bad.json" "$m/chart/broken.yaml"
[ "$RC" = 2 ] || fail "broken manifest: $(describe_rc "$RC"), want 2"
grep -q 'broken.yaml: line [0-9]' "$W/bad.err" || { moat_err bad; fail "error does not name the file and line"; }
[ ! -e "$W/bad.json" ] || fail "a report was written for bad input"
run_moat badcfg config "$m/chart/broken.yaml"
[ "$RC" = 2 ] || fail "moat config broken manifest: $(describe_rc "$RC"), want 2"

# Node checks on two fixture trees: an insecure control plane node and a hardened one.
node() { # DIR ANON PROFILING MODE READONLY
    local d=$1
    mkdir -p "$d/etc/kubernetes/manifests" "$d/var/lib/kubelet" "$d/etc/kubernetes/pki"
    cat >"$d/etc/kubernetes/manifests/kube-apiserver.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    command:
    - kube-apiserver
    - --anonymous-auth=$2
    - --authorization-mode=$6
    - --profiling=$3
    - --enable-admission-plugins=NodeRestriction
    - --audit-log-path=/var/log/audit.log
    - --audit-log-maxage=30
    - --client-ca-file=/etc/kubernetes/pki/ca.crt
EOF
    cat >"$d/var/lib/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: $2}
  x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}
readOnlyPort: $5
EOF
    printf 'cert' >"$d/etc/kubernetes/pki/ca.crt"
    printf 'key' >"$d/etc/kubernetes/pki/ca.key"
    chmod "$4" "$d/etc/kubernetes/manifests/kube-apiserver.yaml" "$d/var/lib/kubelet/config.yaml" \
        "$d/etc/kubernetes/pki/ca.crt" "$d/etc/kubernetes/pki/ca.key"
}
node "$W/bad-node" true true 644 10255 AlwaysAllow
node "$W/good-node" false false 600 0 Node,RBAC
for n in bad-node good-node; do
    run_moat "$n" comply node --format json --root "$W/$n"
    [ "$RC" = 0 ] || { moat_err "$n"; fail "comply node $n: $(describe_rc "$RC")"; }
done
$PY - "$W/bad-node.out" "$W/good-node.out" <<'PYEOF' || fail "comply node: wrong verdicts (above)"
import json, sys
bad = {c["id"]: c["result"] for c in json.load(open(sys.argv[1]))["checks"]}
good = {c["id"]: c["result"] for c in json.load(open(sys.argv[2]))["checks"]}
differ = {"1.1.1": ("WARN", "PASS"), "1.2.1": ("WARN", "PASS"), "1.2.6": ("WARN", "PASS"),
          "1.2.7": ("WARN", "PASS"), "1.2.8": ("WARN", "PASS"), "1.2.15": ("WARN", "PASS"),
          "4.1.9": ("WARN", "PASS"), "4.1.7": ("WARN", "PASS"), "4.2.1": ("WARN", "PASS"),
          "4.2.4": ("WARN", "PASS"), "1.1.20": ("WARN", "PASS"), "1.1.21": ("WARN", "PASS")}
same = {"1.1.2": "PASS", "1.2.14": "PASS", "1.2.16": "PASS", "1.2.17": "PASS", "1.2.25": "PASS",
        "1.2.27": "WARN", "4.2.3": "PASS", "4.2.6": "PASS", "1.1.3": "INFO", "1.3.2": "INFO",
        "2.2": "INFO", "4.1.1": "INFO"}
for cid, (b, g) in differ.items():
    assert (bad[cid], good[cid]) == (b, g), (cid, bad[cid], good[cid])
for cid, v in same.items():
    assert bad[cid] == v and good[cid] == v, (cid, bad[cid], good[cid])
print("comply node: %d checks; insecure node %d WARN, hardened node %d WARN" % (
    len(bad), sum(v == "WARN" for v in bad.values()), sum(v == "WARN" for v in good.values())))
PYEOF
# comply.node in a policy: 1.2.1 (anonymous auth) blocks on the insecure node only.
tp=$(date +%s%N)
pol node '"1.2.1": block, "4.2.4": off' nodepol
run_moat nodepol-bad comply node --policy "$W/nodepol.yaml" --format json --root "$W/bad-node"
[ "$RC" = 1 ] || { moat_err nodepol-bad; fail "comply node --policy, insecure node: $(describe_rc "$RC"), want 1"; }
run_moat nodepol-good comply node --policy "$W/nodepol.yaml" --compliance nist-800-190 --format json --root "$W/good-node"
[ "$RC" = 0 ] || { moat_err nodepol-good; fail "comply node --policy, hardened node: $(describe_rc "$RC"), want 0"; }
$PY - "$W/nodepol-good.out" <<'PYEOF' || fail "comply node --policy --compliance: wrong report (above)"
import json, sys
d = json.load(open(sys.argv[1])); ids = {c["id"]: c for c in d["checks"]}
assert "4.2.4" not in ids and ids["1.2.1"]["action"] == "block" and d["failed"] is False, d["failed"]
ctl = {c["id"]: c for c in d["compliance"]["controls"]}
node = ctl["NIST-800-190:4.3.5"]
assert {c["id"] for c in node["checks"]} >= {"1.2.7", "1.2.14", "4.2.1"}, node
assert node["status"] == "FAIL", node  # 4.2.11/1.2.4: no kubelet client certificate flags
PYEOF
tpol=$(( tpol + ($(date +%s%N) - tp) / 1000000 ))
run_moat noroot comply node --root "$W/nope"
[ "$RC" = 2 ] || fail "comply node --root missing dir: $(describe_rc "$RC"), want 2"

echo "comply_k8s: $(( ($(date +%s%N) - t0) / 1000000 )) ms (policy and --compliance: $tpol ms)"
pass "$(grep '^total:' "$W/agree.txt")"
