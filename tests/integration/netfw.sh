#!/bin/bash
# The network graph and container firewall (docs/network.md) against the
# real Docker engine and kernel, on a Docker network the test creates:
#   learn    a client container connects to server A: network.json of the
#            client's image lists image A, port 8080/tcp;
#   enforce  client -> A still connects; client -> B (a second server, another
#            image) fails with EPERM, and an alert names both images; a port
#            a deny rule of --net-rules names is reported with that rule's id;
#   edit     an entry removed from network.json is refused, and passes
#            again once it is back;
#   alert    client -> B connects and is reported;
#   graph    `moat network graph --format json` has the three image nodes and
#            the edges with their counts and verdicts;
#   isolate  A is cut off (client -> A fails, the host still reaches it) and
#            released again by unisolate;
#   policy   `moat network policy` prints a NetworkPolicy the shape checker
#            (tests/tools/netpolicy-check.py) accepts;
#   dns      the client resolves through a DNS responder container of its
#            own (tests/tools/dns-responder.py): in learn mode a connection to
#            ext.moat.test (an address the test adds to the network's bridge,
#            so external and on this host) is learned as dns:ext.moat.test;
#            in enforce mode a name an allow rule names (*.good.moat.test) and
#            the learned name connect at once, the kernel allowing the
#            answer's address before the resolver reads it; an unnamed one is
#            refused; a name a deny rule names is reported with that rule's
#            id and the name; the graph has the node external:ext.moat.test;
#   nft      the defender again with --firewall nft (no cgroup BPF): the
#            client's namespace gets a table allowing A:8080; B is refused
#            at once (TCP reset; EPERM for a datagram); isolation and alert
#            mode as above.
# The server images netfw-srv-a:1 and netfw-srv-b:1 (the benign image plus a
# label) are kept between runs, like the benign image.
# Needs root, eBPF, cgroup v2 and the Docker engine.
#
# Environment (set by meson): MOAT. Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
P=netfw-$$
ST=$W/state

DEF_PID=
EXT_PIDS=
EXTS=
BR=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    for pid in $EXT_PIDS; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    for a in $EXTS; do ip addr del "$a/32" dev "$BR" 2>/dev/null || true; done
    "$docker" ps -aq --filter "name=$P-" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
    "$docker" network rm "$P-net" >/dev/null 2>&1 || true
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT
grep -q cgroup2 /proc/mounts || skip "no cgroup v2 hierarchy mounted"

# --- images: the benign image (busybox, socat) and two servers made from it ---
benign_image
netfw_server_images
"$docker" network create "$P-net" >/dev/null
for s in a b; do
    "$docker" run -d --name "$P-$s" --network "$P-net" "netfw-srv-$s:1" \
        socat TCP-LISTEN:8080,fork,reuseaddr OPEN:/dev/null >/dev/null
done
ip_of() { "$docker" inspect -f "{{(index .NetworkSettings.Networks \"$P-net\").IPAddress}}" "$1"; }
A=$(ip_of "$P-a"); B=$(ip_of "$P-b")
[ -n "$A" ] && [ -n "$B" ] || fail "no addresses for the servers"
# "External" destinations that are still this host: addresses of the
# network's bridge that are neither a container's nor the gateway.
BR=br-$("$docker" network inspect -f '{{.Id}}' "$P-net" | cut -c1-12)
read -r EXT EXT2 < <($PY -c 'import ipaddress, sys; n = ipaddress.ip_network(sys.argv[1]); print(n[-6], n[-7])' \
      "$("$docker" network inspect -f '{{(index .IPAM.Config 0).Subnet}}' "$P-net")")
for a in "$EXT" "$EXT2"; do
    ip addr add "$a/32" dev "$BR" || fail "cannot add $a to $BR"
    EXTS="$EXTS $a"
    socat TCP-LISTEN:8080,bind="$a",fork,reuseaddr OPEN:/dev/null & EXT_PIDS="$EXT_PIDS $!"
done
# The client resolves through a responder of its own (Docker's embedded DNS
# does not answer here): an A record per name, TTL 60. It runs from server
# A's image, which stays in learn mode: its replies are datagrams it sends.
"$docker" run -d --name "$P-dns" --network "$P-net" -v "$TOOLS/dns-responder.py:/r.py:ro" netfw-srv-a:1 \
    python3 /r.py "ext.moat.test=$EXT" "api.good.moat.test=$EXT2" "other.moat.org=$EXT2" \
    "x.bad.moat.org=$A" >/dev/null
printf 'nameserver %s\noptions timeout:1 attempts:2\n' "$(ip_of "$P-dns")" >"$W/resolv.conf"
"$docker" run -d --name "$P-c" --network "$P-net" -v "$W/resolv.conf:/etc/resolv.conf:ro" \
    "$BIMG" sleep 300 >/dev/null
CKEY=$("$docker" image inspect -f '{{.Id}}' "$BIMG" | cut -d: -f2)

# a firewall rule: nobody reaches B on 9999
cat >"$W/net.rules" <<EOF
# id        action  from  to            port  proto
no-b-9999   deny    *     cidr:$B/32    9999  tcp
good-dns    allow   *     dns:*.good.moat.test  8080  tcp
no-bad-dns  deny    *     dns:*.bad.moat.org    any   tcp
EOF
mkdir -p "$W/rules"
printf 'rules: []\n' >"$W/rules/none.yaml"
start_defender 30 --rules "$W/rules" --state "$ST" --net-rules "$W/net.rules"
grep -q "network: state .*cgroup-bpf" "$W/defender.err" || { cat "$W/defender.err" >&2; skip "no cgroup BPF enforcement here"; }

# conn NAME DST PORT: from the client, 2 s at most; records rc and message
conn() {
    RC=0
    "$docker" exec "$P-c" sh -c "echo x | busybox nc -w 2 $2 $3" >"$W/$1.out" 2>&1 || RC=$?
}
set_mode() {    # the baseline helper's CLI when it is there, else the documented file
    "$MOAT" baseline mode "$BIMG" "$1" --state "$ST" >/dev/null 2>&1 ||
        printf '%s\n' "$1" >"$ST/images/$CKEY/mode"
    sleep 2     # the defender reads modes once a second
}
wait_for() {    # wait_for SECONDS CMD...: until CMD succeeds
    local n=$(( $1 * 5 )); shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done
    return 1
}
alert_with() {  # alert_with RULE ACTION DST_IMAGE [DST_DNS]
    $PY - "$W/alerts.jsonl" "$@" <<'PYEOF'
import json, sys
path, rule, action, dst = sys.argv[1:5]
dns = sys.argv[5] if len(sys.argv) > 5 else None
for line in open(path):
    a = json.loads(line)
    d = a.get("details", {})
    if (a["rule"] == rule and a["action"] == action and d.get("dst.image") == dst
            and (dns is None or d.get("dst.dns") == dns)
            and a["container"] and a["container"]["image"] == "moat-test/benign:1"):
        sys.exit(0)
sys.exit(1)
PYEOF
}

# --- learn ---
t0=$(date +%s.%N)
wait_for 10 test -d "$ST/images/$CKEY" || fail "the defender did not note the client's image"
for _ in 1 2 3; do conn learn "$A" 8080; [ "$RC" = 0 ] || { cat "$W/learn.out" >&2; fail "learn: client -> A failed"; }; done
wait_for 5 grep -q '"ref": "netfw-srv-a:1"' "$ST/images/$CKEY/network.json" ||
    fail "learn: network.json has no entry for image A"
grep -q '"port": 8080' "$ST/images/$CKEY/network.json" ||
    { cat "$ST/images/$CKEY/network.json" >&2; fail "learn: A:8080 not in the model"; }
conn learn-ext ext.moat.test 8080
[ "$RC" = 0 ] || { cat "$W/learn-ext.out" >&2; fail "learn: client -> ext.moat.test failed"; }
wait_for 5 grep -q '"to": "dns:ext.moat.test"' "$ST/images/$CKEY/network.json" ||
    { cat "$ST/images/$CKEY/network.json" >&2; fail "learn: ext.moat.test not learned by name"; }

# --- enforce ---
set_mode enforce
conn allowed "$A" 8080
[ "$RC" = 0 ] || { cat "$W/allowed.out" >&2; fail "enforce: the learned flow client -> A failed"; }
conn blocked "$B" 8080
[ "$RC" != 0 ] || fail "enforce: client -> B (not learned) connected"
grep -q "Operation not permitted" "$W/blocked.out" || { cat "$W/blocked.out" >&2; fail "enforce: client -> B failed, but not with EPERM"; }
wait_for 5 alert_with network-outside-baseline blocked "netfw-srv-b:1" ||
    { cat "$W/alerts.jsonl" >&2; fail "enforce: no blocked alert naming both images"; }
conn denied "$B" 9999
[ "$RC" != 0 ] || fail "enforce: client -> B:9999 connected"
wait_for 5 alert_with no-b-9999 blocked "netfw-srv-b:1" || fail "enforce: the deny rule's id is not in the alert"
# DNS: a name no rule allows is refused; the learned external name
# and a name under *.good.moat.test connect on their first try (the kernel
# allows the answer's address itself); a denied name is reported by its rule.
conn dns-other other.moat.org 8080
[ "$RC" != 0 ] || fail "enforce: client -> other.moat.org (no rule) connected"
conn dns-ext ext.moat.test 8080
[ "$RC" = 0 ] || { cat "$W/dns-ext.out" >&2; fail "enforce: the learned name ext.moat.test was refused"; }
conn dns-good api.good.moat.test 8080
[ "$RC" = 0 ] || { cat "$W/dns-good.out" >&2; fail "enforce: api.good.moat.test (allowed by dns:*.good.moat.test) was refused"; }
conn dns-bad x.bad.moat.org 9999
[ "$RC" != 0 ] || fail "enforce: client -> x.bad.moat.org:9999 connected"
wait_for 5 alert_with no-bad-dns blocked "netfw-srv-a:1" x.bad.moat.org ||
    { cat "$W/alerts.jsonl" >&2; fail "enforce: no alert of the dns: deny rule naming x.bad.moat.org"; }

# --- the model is editable: an entry removed is no longer allowed ---
M=$ST/images/$CKEY/network.json
cp "$M" "$W/model.bak"
$PY -c 'import json, sys; d = json.load(open(sys.argv[1])); d["allow"] = []; json.dump(d, open(sys.argv[2], "w"))' "$M" "$W/model.empty"
mv "$W/model.empty" "$M"
sleep 2
conn edited "$A" 8080
[ "$RC" != 0 ] || fail "edit: client -> A still connects after its entry was removed from network.json"
cp "$W/model.bak" "$W/model.new"; mv "$W/model.new" "$M"
sleep 2
conn restored "$A" 8080
[ "$RC" = 0 ] || { cat "$W/restored.out" >&2; fail "edit: client -> A still refused after the entry came back"; }

# --- alert ---
set_mode alert
conn alerted "$B" 8080
[ "$RC" = 0 ] || { cat "$W/alerted.out" >&2; fail "alert mode: client -> B did not connect"; }
wait_for 5 alert_with network-outside-baseline alert "netfw-srv-b:1" || fail "alert mode: no alert"

# --- graph (the defender writes it once a second) ---
sleep 1.5
run_moat graph network graph --format json --state "$ST"
[ "$RC" = 0 ] || { moat_err graph; fail "network graph: $(describe_rc "$RC")"; }
$PY - "$W/graph.out" "$P" <<'PYEOF' || fail "graph check"
import json, sys
g = json.load(open(sys.argv[1])); p = sys.argv[2]
assert set(g) == {"schema", "nodes", "edges"} and g["schema"] == "moat.netgraph/v1", list(g)
nodes = {n["id"]: n for n in g["nodes"]}
for n in g["nodes"]:
    assert set(n) == {"id", "kind", "image", "containers"}, n
    assert n["kind"] in ("image", "external", "host"), n
by_image = {n["image"]: n for n in g["nodes"] if n["kind"] == "image"}
for img, cont in (("moat-test/benign:1", p + "-c"), ("netfw-srv-a:1", p + "-a"), ("netfw-srv-b:1", p + "-b")):
    assert img in by_image and cont in by_image[img]["containers"], (img, list(by_image))
c, a, b = (by_image[i]["id"] for i in ("moat-test/benign:1", "netfw-srv-a:1", "netfw-srv-b:1"))
def count(src, dst, port, verdict):
    return sum(e["count"] for e in g["edges"]
               if (e["src"], e["dst"], e["port"], e["proto"], e["verdict"]) == (src, dst, port, "tcp", verdict))
for e in g["edges"]:
    assert set(e) == {"src", "dst", "port", "proto", "count", "verdict"}, e
    assert e["src"] in nodes and e["dst"] in nodes, e
    assert e["verdict"] in ("allowed", "alerted", "blocked", "learned"), e
want = {"c->a learned": count(c, a, 8080, "learned"), "c->a allowed": count(c, a, 8080, "allowed"),
        "c->b blocked": count(c, b, 8080, "blocked"), "c->b:9999 blocked": count(c, b, 9999, "blocked"),
        "c->b alerted": count(c, b, 8080, "alerted")}
print(" ".join("%s=%d" % kv for kv in want.items()), file=sys.stderr)
assert want["c->a learned"] == 1 and want["c->a learned"] + want["c->a allowed"] == 5, want
assert count(c, a, 8080, "blocked") == 1, "the edited-out flow"
assert want["c->b blocked"] == 1 and want["c->b:9999 blocked"] == 1 and want["c->b alerted"] == 1, want
ext = "external:ext.moat.test"
assert nodes.get(ext, {}).get("kind") == "external", sorted(nodes)
assert count(c, ext, 8080, "learned") == 1 and count(c, ext, 8080, "allowed") >= 1, "the named external flow"
PYEOF
edges=$($PY -c 'import json,sys; g=json.load(open(sys.argv[1])); print(len(g["nodes"]), "nodes,", len(g["edges"]), "edges")' "$W/graph.out")

# --- isolate ---
run_moat iso network isolate "$P-a" --state "$ST"
[ "$RC" = 0 ] || { moat_err iso; fail "network isolate: $(describe_rc "$RC")"; }
conn iso-client "$A" 8080
[ "$RC" != 0 ] || fail "isolate: client -> A still connects"
RC=0; echo x | timeout 5 busybox nc -w 2 "$A" 8080 >"$W/iso-host.out" 2>&1 || RC=$?
[ "$RC" = 0 ] || { cat "$W/iso-host.out" >&2; fail "isolate: the host no longer reaches A"; }
run_moat uniso network unisolate "$P-a" --state "$ST"
[ "$RC" = 0 ] || { moat_err uniso; fail "network unisolate: $(describe_rc "$RC")"; }
conn uniso-client "$A" 8080
[ "$RC" = 0 ] || { cat "$W/uniso-client.out" >&2; fail "unisolate: client -> A still cut"; }

# --- NetworkPolicy ---
run_moat policy network policy "$BIMG" --state "$ST" --namespace shop
[ "$RC" = 0 ] || { moat_err policy; fail "network policy: $(describe_rc "$RC")"; }
$PY "$TOOLS/netpolicy-check.py" "$W/policy.out" --egress-port 8080 >"$W/policy-check.out" 2>&1 ||
    { cat "$W/policy-check.out" "$W/policy.out" >&2; fail "the NetworkPolicy does not have the schema's shape"; }
# the same exporter behind `moat baseline export --network-policy`
run_moat policy2 network policy "$BIMG" --state "$ST"
run_moat blpolicy baseline export "$BIMG" --network-policy --state "$ST"
[ "$RC" = 0 ] && cmp -s "$W/policy2.out" "$W/blpolicy.out" ||
    { moat_err blpolicy; fail "baseline export --network-policy differs from network policy ($RC)"; }

kill -TERM "$DEF_PID"; wait "$DEF_PID" || fail "defender exit $?"; DEF_PID=
stats=$(grep "network:" "$W/defender.err" | tail -n 1 | sed 's/^moat defender: network: //')
t_bpf=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')

# --- the nftables fallback: --firewall nft never loads the cgroup BPF
# programs; each container's namespace gets a table (docs/network.md). Same
# containers, same state: the client's model allows A:8080. ---
t1=$(date +%s.%N)
CPID=$("$docker" inspect -f '{{.State.Pid}}' "$P-c")
APID=$("$docker" inspect -f '{{.State.Pid}}' "$P-a")
printf 'enforce\n' >"$ST/images/$CKEY/mode"
rm -f "$W/ready"
start_defender 30 --rules "$W/rules" --state "$ST" --net-rules "$W/net.rules" --firewall nft --no-baselines
grep -q "network: state .*nftables in each container's network namespace" "$W/defender.err" ||
    { cat "$W/defender.err" >&2; fail "nft: the defender did not take the nftables firewall"; }
table_in() { nsenter -t "$1" -n nft list table inet moat_fw >"$W/table.out" 2>&1; }
wait_for 5 table_in "$CPID" || { cat "$W/defender.err" >&2; fail "nft: no moat_fw table in the client's namespace"; }
grep -q "ip daddr $A tcp dport 8080 accept" "$W/table.out" ||
    { cat "$W/table.out" >&2; fail "nft: the table does not allow A:8080"; }
conn nft-allowed "$A" 8080
[ "$RC" = 0 ] || { cat "$W/nft-allowed.out" "$W/table.out" >&2; fail "nft: client -> A (in the model) failed"; }
# refused at once: a TCP reset from the table ("Connection refused"; the BPF
# path gives EPERM), and EPERM for a datagram
conn nft-blocked "$B" 8080
[ "$RC" != 0 ] && grep -q "Connection refused" "$W/nft-blocked.out" ||
    { cat "$W/nft-blocked.out" >&2; fail "nft: client -> B (not in the model) was not refused at once"; }
RC=0
"$docker" exec "$P-c" python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[1], 9))' "$B" \
    >"$W/nft-udp.out" 2>&1 || RC=$?
[ "$RC" != 0 ] && grep -q "Operation not permitted" "$W/nft-udp.out" ||
    { cat "$W/nft-udp.out" >&2; fail "nft: a datagram to B was not refused with EPERM"; }
! table_in "$APID" || { cat "$W/table.out" >&2; fail "nft: a table in A's namespace while its image learns"; }
run_moat nft-iso network isolate "$P-a" --state "$ST"
[ "$RC" = 0 ] || { moat_err nft-iso; fail "nft: network isolate: $(describe_rc "$RC")"; }
conn nft-iso "$A" 8080
[ "$RC" != 0 ] || fail "nft isolate: client -> A still connects"
RC=0; echo x | timeout 5 busybox nc -w 2 "$A" 8080 >"$W/nft-iso-host.out" 2>&1 || RC=$?
[ "$RC" = 0 ] || { cat "$W/nft-iso-host.out" >&2; fail "nft isolate: the host no longer reaches A"; }
run_moat nft-uniso network unisolate "$P-a" --state "$ST"
[ "$RC" = 0 ] || { moat_err nft-uniso; fail "nft: network unisolate: $(describe_rc "$RC")"; }
conn nft-uniso "$A" 8080
[ "$RC" = 0 ] || { cat "$W/nft-uniso.out" >&2; fail "nft unisolate: client -> A still cut"; }
printf 'alert\n' >"$ST/images/$CKEY/mode"
wait_for 5 eval '! table_in "$CPID"' || { cat "$W/table.out" >&2; fail "nft alert mode: the table is still there"; }
conn nft-alerted "$B" 8080
[ "$RC" = 0 ] || { cat "$W/nft-alerted.out" >&2; fail "nft alert mode: client -> B did not connect"; }
kill -TERM "$DEF_PID"; wait "$DEF_PID" || fail "nft: defender exit $?"; DEF_PID=
! grep "firewall not applied" "$W/defender.err" || fail "nft: a ruleset was refused"
# a container's table in the host's own namespace would firewall the machine
! nft list table inet moat_fw >/dev/null 2>&1 || fail "nft: a moat_fw table in the host's network namespace"
t_nft=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
pass "bpf in $t_bpf s, nft in $t_nft s; graph $edges; $stats"
