#!/usr/bin/python3
"""Check a Kubernetes NetworkPolicy (JSON) against the shape of the
networking.k8s.io/v1 schema (kubeconform and kubectl are not available
here): known keys only, types, label and name syntax, CIDRs, ports.

  netpolicy-check.py FILE [--egress-port N]...

--egress-port N: some egress rule must allow port N. Exit 0 valid, 1 not.
"""
import ipaddress
import json
import re
import sys

DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
errors = []


def err(where, msg):
    errors.append("%s: %s" % (where, msg))


def keys(where, obj, allowed, required=()):
    if not isinstance(obj, dict):
        err(where, "not an object")
        return False
    for k in obj:
        if k not in allowed:
            err(where, "unknown field %r" % k)
    for k in required:
        if k not in obj:
            err(where, "missing %r" % k)
    return True


def label_key(where, k):
    prefix, _, name = k.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS1123_SUB.match(prefix)):
        err(where, "label key prefix %r" % prefix)
    if not name or len(name) > 63 or not LABEL_NAME.match(name):
        err(where, "label key %r" % k)


def selector(where, sel):
    if not keys(where, sel, ("matchLabels", "matchExpressions")):
        return
    ml = sel.get("matchLabels", {})
    if not isinstance(ml, dict):
        err(where, "matchLabels not a map")
        return
    for k, v in ml.items():
        label_key(where, k)
        if not isinstance(v, str) or len(v) > 63 or not LABEL_VALUE.match(v):
            err(where, "label value %r" % v)
    for i, e in enumerate(sel.get("matchExpressions", [])):
        w = "%s.matchExpressions[%d]" % (where, i)
        if keys(w, e, ("key", "operator", "values"), ("key", "operator")):
            if e["operator"] not in ("In", "NotIn", "Exists", "DoesNotExist"):
                err(w, "operator %r" % e["operator"])


def peer(where, p):
    if not keys(where, p, ("ipBlock", "podSelector", "namespaceSelector")):
        return
    if not p:
        err(where, "empty peer")
    if "ipBlock" in p and len(p) > 1:
        err(where, "ipBlock cannot be combined with selectors")
    if "ipBlock" in p:
        b = p["ipBlock"]
        if keys(where + ".ipBlock", b, ("cidr", "except"), ("cidr",)):
            try:
                net = ipaddress.ip_network(b["cidr"], strict=False)
                if "/" not in b["cidr"]:
                    err(where, "cidr %r has no prefix length" % b["cidr"])
            except (ValueError, TypeError):
                err(where, "cidr %r" % b.get("cidr"))
                net = None
            for x in b.get("except", []):
                try:
                    if net and not ipaddress.ip_network(x, strict=False).subnet_of(net):
                        err(where, "except %r outside the cidr" % x)
                except (ValueError, TypeError):
                    err(where, "except %r" % x)
    for s in ("podSelector", "namespaceSelector"):
        if s in p:
            selector(where + "." + s, p[s])


def port(where, p):
    if not keys(where, p, ("protocol", "port", "endPort")):
        return []
    if p.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
        err(where, "protocol %r" % p.get("protocol"))
    v = p.get("port")
    if v is not None and not (isinstance(v, str) and re.match(r"^[a-z0-9-]{1,15}$", v)) and \
            not (isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535):
        err(where, "port %r" % v)
    if "endPort" in p and not (isinstance(v, int) and isinstance(p["endPort"], int) and p["endPort"] >= v):
        err(where, "endPort %r" % p["endPort"])
    return [v]


def rules(where, rs, direction):
    allowed = []
    if not isinstance(rs, list):
        err(where, "not a list")
        return allowed
    peers_key = "to" if direction == "egress" else "from"
    for i, r in enumerate(rs):
        w = "%s[%d]" % (where, i)
        if not keys(w, r, (peers_key, "ports")):
            continue
        for j, p in enumerate(r.get(peers_key, [])):
            peer("%s.%s[%d]" % (w, peers_key, j), p)
        ports = r.get("ports")
        if ports is None:
            allowed.append(None)       # every port
        for j, p in enumerate(ports or []):
            allowed += port("%s.ports[%d]" % (w, j), p)
    return allowed


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    want = [int(args[i + 1]) for i, a in enumerate(args) if a == "--egress-port"]
    doc = json.load(open(args[0]))
    keys("$", doc, ("apiVersion", "kind", "metadata", "spec"), ("apiVersion", "kind", "metadata", "spec"))
    if doc.get("apiVersion") != "networking.k8s.io/v1" or doc.get("kind") != "NetworkPolicy":
        err("$", "not a networking.k8s.io/v1 NetworkPolicy")
    md = doc.get("metadata", {})
    if keys("$.metadata", md, ("name", "namespace", "labels", "annotations"), ("name",)):
        if not isinstance(md.get("name"), str) or len(md["name"]) > 253 or not DNS1123_SUB.match(md["name"]):
            err("$.metadata.name", "not a DNS-1123 subdomain: %r" % md.get("name"))
        if "namespace" in md and not DNS1123_LABEL.match(str(md["namespace"])):
            err("$.metadata.namespace", repr(md["namespace"]))
        for k, v in md.get("annotations", {}).items():
            label_key("$.metadata.annotations", k)
            if not isinstance(v, str):
                err("$.metadata.annotations", "value of %r not a string" % k)
    spec = doc.get("spec", {})
    egress = []
    if keys("$.spec", spec, ("podSelector", "policyTypes", "ingress", "egress"), ("podSelector",)):
        selector("$.spec.podSelector", spec["podSelector"])
        for t in spec.get("policyTypes", []):
            if t not in ("Ingress", "Egress"):
                err("$.spec.policyTypes", repr(t))
        rules("$.spec.ingress", spec.get("ingress", []), "ingress")
        egress = rules("$.spec.egress", spec.get("egress", []), "egress")
    for w in want:
        if w not in egress and None not in egress:
            err("$.spec.egress", "no rule allows port %d" % w)
    for e in errors:
        print(e)
    print("%s: %s (%d egress ports)" % (args[0], "invalid" if errors else "valid", len(egress)))
    return 1 if errors else 0


sys.exit(main())
