#!/bin/bash
# Alert forwarding from the console on loopback: integrations (webhook,
# Slack-compatible webhook, syslog RFC 5424 + CEF over UDP and TCP) set
# through /api/v1/integrations, routed by rule glob and minimum severity.
# Events posted to the console arrive at each sink exactly as routed and
# exactly once (a replayed batch forwards nothing), a failing sink is
# retried until it takes the event, a deleted integration gets no more.
# Across restarts: what a down sink had not taken when the console stopped
# reaches it after the restart, and nothing already delivered is sent again.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
t0=$(date +%s.%N)
D=$W/data
command -v curl >/dev/null || fail "curl is not installed"

# the sinks: one python process, every delivery a JSON line in $W/sink.log
$PY - "$W" <<'PY' &
import http.server, json, os, socket, socketserver, sys, threading
w = sys.argv[1]
log = open(os.path.join(w, "sink.log"), "a", buffering=1)
lock = threading.Lock()
fails = {"/flaky": 2, "/down": 10**9}
def put(**kw):
    with lock:
        log.write(json.dumps(kw) + "\n")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if self.path == "/heal":        # the test brings /down back
            with lock:
                fails["/down"] = 0
            self.send_response(204); self.end_headers(); return
        with lock:
            left = fails.get(self.path, 0)
            if left:
                fails[self.path] = left - 1
        put(sink="http", path=self.path, status=500 if left else 200, body=body,
            ctype=self.headers.get("Content-Type"))
        self.send_response(500 if left else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a): pass
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); tcp.bind(("127.0.0.1", 0)); tcp.listen(8)
def udp_loop():
    while True:
        data, _ = udp.recvfrom(65536); put(sink="udp", msg=data.decode())
def tcp_conn(c):
    buf = b""
    while True:
        d = c.recv(65536)
        if not d: break
        buf += d
        while b" " in buf:
            n, rest = buf.split(b" ", 1)
            if len(rest) < int(n): break
            put(sink="tcp", msg=rest[:int(n)].decode()); buf = rest[int(n):]
def tcp_loop():
    while True:
        c, _ = tcp.accept(); threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()
threading.Thread(target=udp_loop, daemon=True).start()
threading.Thread(target=tcp_loop, daemon=True).start()
with open(os.path.join(w, "ports.tmp"), "w") as f:
    f.write(f"{httpd.server_address[1]} {udp.getsockname()[1]} {tcp.getsockname()[1]}\n")
os.rename(os.path.join(w, "ports.tmp"), os.path.join(w, "ports"))
httpd.serve_forever()
PY
SINK_PID=$!
stop_all() { "$MOAT" console stop --data "$D" >/dev/null 2>&1 || true; kill "$SINK_PID" 2>/dev/null || true; }
prev_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT$/\1/")
trap "stop_all; $prev_trap" EXIT
for _ in $(seq 100); do [ -s "$W/ports" ] && break; sleep 0.1; done
read -r HP UP TP <"$W/ports" || fail "the sinks did not start"

ADMIN=$("$MOAT" console token create --data "$D" --role admin 2>/dev/null)
DEF=$("$MOAT" console token create --data "$D" --role defender 2>/dev/null)
OPER=$("$MOAT" console token create --data "$D" --role operator 2>/dev/null)
"$MOAT" console --data "$D" --listen 127.0.0.1:0 --daemon >"$W/start.out" 2>&1 || { cat "$W/start.out" >&2; fail "console did not start"; }
port=$(sed -n 's/.*(port \([0-9]*\).*/\1/p' "$D/console.log" | tail -1)
B=http://127.0.0.1:$port/api/v1

post() {   # post TOKEN PATH BODY -> status in $S, body in $W/out.json
    S=$(curl -s -o "$W/out.json" -w '%{http_code}' -H "Authorization: Bearer $1" -H 'Content-Type: application/json' --data "$3" "$B$2")
}
add() {    # add JSON -> id
    post "$ADMIN" /integrations "$1"
    [ "$S" = 201 ] || fail "POST /integrations $1: HTTP $S $(cat "$W/out.json")"
    $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/out.json"
}
post "$OPER" /integrations '{"name":"x","kind":"webhook","url":"http://127.0.0.1:1/"}'
[ "$S" = 403 ] || fail "an operator could add an integration (HTTP $S)"
for bad in '{"name":"x","kind":"email","url":"http://h/"}' '{"name":"x","kind":"syslog","url":"http://h/"}' \
           '{"name":"x","kind":"webhook","url":"ftp://h/"}' '{"name":"x","kind":"slack","url":"http://h/","min_severity":"loud"}' \
           '{"name":"x","kind":"webhook","url":"http://h/","rules":"read-*"}'; do
    post "$ADMIN" /integrations "$bad"
    [ "$S" = 400 ] || fail "a bad integration was accepted: $bad (HTTP $S)"
done
add '{"name":"all","kind":"webhook","url":"http://127.0.0.1:'$HP'/all"}' >/dev/null
add '{"name":"chat","kind":"slack","url":"http://127.0.0.1:'$HP'/slack","rules":["shell-*"],"min_severity":"critical"}' >/dev/null
add '{"name":"siem-udp","kind":"syslog","url":"udp://127.0.0.1:'$UP'","min_severity":"warning"}' >/dev/null
flaky=$(add '{"name":"flaky","kind":"webhook","url":"http://127.0.0.1:'$HP'/flaky","rules":["read-*"]}')
add '{"name":"siem-tcp","kind":"syslog","url":"tcp://127.0.0.1:'$TP'","rules":["network-*","nomatch"]}' >/dev/null

ctr='"container":{"id":"c1","name":"web","image":"app:1","image_id":"sha256:'$(printf 'b%.0s' {1..64})'"}'
batch='{"events":[
 {"schema":"moat.alert/v1","event_id":"f-1","time":"2026-11-23T20:08:59Z","node":"node-1","rule":"read-shadow","severity":"warning",'$ctr',"description":"read of /etc/shadow | x=y"},
 {"schema":"moat.alert/v1","event_id":"f-2","time":"2026-11-23T20:09:00Z","node":"node-1","rule":"network-outside-baseline","severity":"notice",'$ctr',
  "details":{"net.daddr":"10.9.8.7","net.dport":"5432","net.proto":"tcp"}},
 {"schema":"moat.alert/v1","event_id":"f-3","time":"2026-11-23T20:09:01Z","node":"node-1","rule":"shell-in-container","severity":"critical",'$ctr'}]}'
post "$DEF" /events "$batch"
[ "$S" = 200 ] || fail "POST /events: HTTP $S"
post "$DEF" /events "$batch"
[ "$(cat "$W/out.json")" = '{"accepted":0,"duplicates":3}' ] || fail "replay: $(cat "$W/out.json")"

# all: 3, slack: 1, udp: 2 (warning, critical), flaky: 3 tries (2 x 500, 1 x 200), tcp: 1
want=10
for _ in $(seq 150); do [ "$(wc -l <"$W/sink.log")" -ge "$want" ] && break; sleep 0.1; done
sleep 1.5   # anything more (a duplicate) would show now
$PY - "$W/sink.log" <<'PY' || fail "forwarding differs from the routes (above)"
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = lambda **kw: [r for r in recs if all(r.get(k) == v for k, v in kw.items())]
allp = sorted(json.loads(r["body"])["event_id"] for r in by(path="/all"))
assert allp == ["f-1", "f-2", "f-3"], f"/all got {allp}"
assert all(r["ctype"] == "application/json" for r in by(path="/all"))
ev = json.loads(by(path="/all")[0]["body"]); assert ev["schema"] == "moat.alert/v1" and ev["rule"], ev
slack = by(path="/slack"); assert len(slack) == 1, slack
text = json.loads(slack[0]["body"])["text"]
assert "shell-in-container" in text and "critical" in text and "f-3" in text, text
flaky = by(path="/flaky"); assert [r["status"] for r in flaky] == [500, 500, 200], flaky
assert all(json.loads(r["body"])["event_id"] == "f-1" for r in flaky), flaky
udp = [r["msg"] for r in by(sink="udp")]; assert len(udp) == 2, udp
rx = re.compile(r"^<(\d+)>1 (\S+) (\S+) moat - alert - CEF:0\|moat\|moat\|[^|]*\|([^|]+)\|([^|]+)\|(\d+)\|(.*)$")
got = {}
for m in udp:
    x = rx.match(m); assert x, f"not RFC 5424 + CEF: {m!r}"
    got[x.group(4)] = (int(x.group(1)), int(x.group(6)), x.group(7))
assert set(got) == {"read-shadow", "shell-in-container"}, got
assert got["shell-in-container"][0] == 16 * 8 + 2 and got["read-shadow"][0] == 16 * 8 + 4, got
assert got["shell-in-container"][1] == 10, got
assert "externalId=f-1" in got["read-shadow"][2] and "dvchost=node-1" in got["read-shadow"][2], got
assert "msg=read of /etc/shadow | x\\=y" in got["read-shadow"][2], got["read-shadow"][2]
tcp = [r["msg"] for r in by(sink="tcp")]
assert len(tcp) == 1 and "|network-outside-baseline|" in tcp[0] and "externalId=f-2" in tcp[0], tcp
assert len(recs) == 10, f"{len(recs)} deliveries, want 10"
print(f"console_forward: {len(recs)} deliveries as routed, the flaky sink took f-1 on its 3rd try", file=sys.stderr)
PY
S=$(curl -s -o "$W/int.json" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$B/integrations")
[ "$S" = 200 ] || fail "GET /integrations: HTTP $S"
[ "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["integrations"]), d["forwarding"]["sent"], d["forwarding"]["retried"], d["forwarding"]["failed"])' "$W/int.json")" = "5 8 2 0" ] ||
    fail "GET /integrations: $(cat "$W/int.json")"
S=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $ADMIN" "$B/integrations/$flaky")
[ "$S" = 204 ] || fail "DELETE /integrations/$flaky: HTTP $S"
post "$DEF" /events '{"events":[{"event_id":"f-4","rule":"read-passwd","severity":"info","node":"node-1"}]}'
for _ in $(seq 100); do [ "$(wc -l <"$W/sink.log")" -ge 11 ] && break; sleep 0.1; done
sleep 1
[ "$(grep -c '"/all"' "$W/sink.log")" = 4 ] || fail "f-4 did not reach /all"
[ "$(grep -c '"/flaky"' "$W/sink.log")" = 3 ] || fail "a deleted integration still got an event"
# restart: the integrations are stored
"$MOAT" console stop --data "$D" >/dev/null
"$MOAT" console --data "$D" --listen 127.0.0.1:0 --daemon >/dev/null 2>&1 || fail "console did not restart"
port=$(sed -n 's/.*(port \([0-9]*\).*/\1/p' "$D/console.log" | tail -1)
B=http://127.0.0.1:$port/api/v1
post "$DEF" /events '{"events":[{"event_id":"f-5","rule":"shell-in-container","severity":"critical","node":"node-1"}]}'
for _ in $(seq 100); do [ "$(grep -c '"/slack"' "$W/sink.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c '"/slack"' "$W/sink.log")" = 2 ] || fail "after a restart, the slack integration was gone"
# a sink down when the console stops: f-6 reaches it after the restart,
# and /all (which took f-6 at once) does not get it again
add '{"name":"down","kind":"webhook","url":"http://127.0.0.1:'$HP'/down","rules":["down-*"]}' >/dev/null
post "$DEF" /events '{"events":[{"event_id":"f-6","rule":"down-test","severity":"info","node":"node-1"}]}'
for _ in $(seq 100); do grep -q '"/down"' "$W/sink.log" && [ "$(grep -c '"/all"' "$W/sink.log")" -ge 6 ] && break; sleep 0.1; done
grep -q '"/down"' "$W/sink.log" || fail "the down sink was never tried"
"$MOAT" console stop --data "$D" >/dev/null
$PY -c 'import json,sys; c=json.load(open(sys.argv[1])); sys.exit(0 if "*" in c else 1)' "$D/forward.cursor" ||
    fail "no forwarding cursor after a stop: $(cat "$D/forward.cursor" 2>&1)"
curl -s -o /dev/null -X POST "http://127.0.0.1:$HP/heal"
"$MOAT" console --data "$D" --listen 127.0.0.1:0 --daemon >/dev/null 2>&1 || fail "console did not restart (2)"
for _ in $(seq 100); do grep -q '"/down", "status": 200' "$W/sink.log" && break; sleep 0.1; done
sleep 1.5   # a duplicate would show now
downs=$(grep '"/down"' "$W/sink.log" | grep -c '"status": 200')
[ "$downs" = 1 ] || fail "f-6 reached the down sink $downs times after the restart (want 1)"
[ "$(grep -c '"/all"' "$W/sink.log")" = 6 ] || fail "after the restart /all got events again: $(grep -c '"/all"' "$W/sink.log") deliveries (want 6)"
[ "$(grep -c '"/slack"' "$W/sink.log")" = 2 ] || fail "after the restart slack got events again"
t1=$(date +%s.%N)
pass "webhook, slack, syslog UDP/TCP with CEF routed by rule and severity, exactly once, retried, deleted, kept across a restart, a down sink served after a restart without resending the rest; $($PY -c "print(round($t1 - $t0, 1))") s"
