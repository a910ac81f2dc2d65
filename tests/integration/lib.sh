# Shared helpers for the integration tests; sourced, not run.
#
# Environment (all optional):
#   MOAT        the moat binary (default: build/moat or build/src/cli/moat)
#   MOAT_CACHE  cache for sample images (default /var/cache/moat)
#   MOAT_WORK   scratch dir (default: a temp dir removed on exit)
# Exit codes: 0 pass, 1 fail, 77 skip.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS=$REPO/tests/tools
# Real corpora written by others (read-only), beside the checkout.
SHARED=${MOAT_SHARED:-$REPO/../shared/testdata}
PY=/usr/bin/python3              # stdlib only; never a pyenv shim
TEST=$(basename "$0" .sh)
export MOAT_CACHE=${MOAT_CACHE:-/var/cache/moat}

pass() { echo "PASS $TEST${1:+: $*}"; exit 0; }
fail() { echo "FAIL $TEST: $*" >&2; exit 1; }
skip() { echo "SKIP $TEST: $*" >&2; exit 77; }
note() { echo "$TEST: $*" >&2; }
# free_port: a loopback TCP port the kernel just handed out (free now)
free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

need_moat() {
    if [ -z "${MOAT:-}" ]; then
        for c in "$REPO/build/moat" "$REPO/build/src/cli/moat"; do
            [ -x "$c" ] && MOAT=$c && break
        done
        [ -n "${MOAT:-}" ] || skip "MOAT is not set and no built binary found"
    fi
    [ -x "$MOAT" ] || fail "MOAT=$MOAT is not an executable file"
    MOAT=$(cd "$(dirname "$MOAT")" && pwd)/$(basename "$MOAT")
    export MOAT
}

# A per-test scratch dir W under MOAT_WORK (fresh each run).
setup_work() {
    if [ -z "${MOAT_WORK:-}" ]; then
        MOAT_WORK=$(mktemp -d /tmp/moat-work.XXXXXX)
        trap 'rm -rf "$MOAT_WORK"' EXIT
    fi
    mkdir -p "$MOAT_WORK"
    MOAT_WORK=$(cd "$MOAT_WORK" && pwd)
    export MOAT_WORK
    W=$MOAT_WORK/$TEST
    rm -rf "$W"
    mkdir -p "$W"
}

# Builds (or reuses) the sample image; sets SAMPLE.
sample_image() {
    SAMPLE=$MOAT_CACHE/sample
    "$REPO/scripts/build-sample-image" "$SAMPLE" >"$W/build-sample.log" 2>&1 || {
        tail -n 30 "$W/build-sample.log" >&2
        fail "scripts/build-sample-image failed (log above)"
    }
}

# For the defender tests: root, a running Docker engine (sets docker), the
# BPF and trace filesystems, and the sample image loaded as IMG. Skips when
# root or the engine is missing.
defender_engine() {
    [ "$(id -u)" = 0 ] || skip "needs root"
    [ -x /usr/sbin/dockerd ] || skip "no Docker engine (apt-get install docker.io)"
    "$REPO/scripts/start-dockerd" >"$W/dockerd.out" 2>&1 || { cat "$W/dockerd.out" >&2; skip "dockerd cannot start"; }
    docker=/usr/bin/docker; [ -x "$docker" ] || docker=docker
    IMG=moat-test/app:1
    mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
    mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
    if ! "$docker" image inspect "$IMG" >/dev/null 2>&1; then
        sample_image
        "$docker" load -i "$SAMPLE/app.tar" >"$W/load.out" 2>&1 || { cat "$W/load.out" >&2; fail "docker load failed"; }
    fi
}

# benign_image: the image of tests/tools/build-benign-image (Debian 12 with
# python3, nginx, busybox, socat, ncat, gcc, node; cached) imported as
# BIMG=moat-test/benign:1 unless the engine already has this build of it.
benign_image() {
    BIMG=moat-test/benign:1
    sample_image                              # the debootstrap root it starts from
    "$REPO/tests/tools/build-benign-image" "$W/benign.tar" >"$W/build-image.log" 2>&1 || {
        tail -n 30 "$W/build-image.log" >&2; fail "tests/tools/build-benign-image failed"; }
    local key
    key=$(basename "$(readlink "$W/benign.tar")" .tar)
    if [ "$("$docker" image inspect -f '{{index .Config.Labels "moat.key"}}' "$BIMG" 2>/dev/null)" != "$key" ]; then
        "$docker" import --change "LABEL moat.key=$key" --change 'CMD ["bash"]' \
            --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
            "$W/benign.tar" "$BIMG" >"$W/import.out" 2>&1 || { cat "$W/import.out" >&2; fail "docker import"; }
    fi
}

# labelled_image TAG KEY: TAG, the benign image plus a label naming KEY and
# the benign image's id (so an image id of its own, no other test's), built
# once and kept between runs like the benign image.
labelled_image() {
    local want
    want="$2-$("$docker" image inspect -f '{{.Id}}' "$BIMG" | cut -c8-19)"
    if [ "$("$docker" image inspect -f '{{index .Config.Labels "moat.test"}}' "$1" 2>/dev/null)" != "$want" ]; then
        printf 'FROM %s\nLABEL moat.test=%s\n' "$BIMG" "$want" |
            "$docker" build -q -t "$1" - >"$W/build-$2.out" 2>&1 || { cat "$W/build-$2.out" >&2; fail "docker build"; }
    fi
}

# netfw_server_images: netfw-srv-a:1 and netfw-srv-b:1 (labelled_image).
netfw_server_images() {
    labelled_image netfw-srv-a:1 netfw-a
    labelled_image netfw-srv-b:1 netfw-b
}

# start_defender WAIT_SECONDS ARGS...: `moat defender ARGS --ready-file`
# (and --state $W/state unless ARGS name one),
# alerts to $W/alerts.jsonl, stderr to $W/defender.err; sets DEF_PID and
# returns once every probe is attached (fails if it exits or times out).
start_defender() {
    local wait=$1; shift
    # what it learns stays in the test's work dir unless the test names a --state
    case " $* " in *" --state "*) ;; *) set -- "$@" --state "$W/state" ;; esac
    "$MOAT" defender "$@" --ready-file "$W/ready" >"$W/alerts.jsonl" 2>"$W/defender.err" &
    DEF_PID=$!
    for _ in $(seq 1 $((wait * 2))); do
        [ -e "$W/ready" ] && return 0
        kill -0 "$DEF_PID" 2>/dev/null || { cat "$W/defender.err" >&2; fail "defender exited early"; }
        sleep 0.5
    done
    fail "defender not ready after $wait s"
}

# The test's console (SQLite) in $W/console on a free loopback port:
# init_console sets D, PORT, URL, ADMIN (an admin token) and READ (an
# auditor's); console_up starts it in the background (console_down stops
# it; stop_console in a cleanup is quiet); start_console does both;
# console_token ROLE NAME [ARGS] prints a new token (the CLI works while the
# console runs).
console_token() {
    "$MOAT" console token create --data "$D" --role "$1" --name "$2" "${@:3}" 2>/dev/null
}
init_console() {
    D=$W/console
    PORT=$(free_port)
    URL=http://127.0.0.1:$PORT
    ADMIN=$(console_token admin boss) || fail "console token create (admin) failed"
    READ=$(console_token auditor reader) || fail "console token create (auditor) failed"
}
console_up() {
    "$MOAT" console --data "$D" --listen "127.0.0.1:$PORT" --daemon >/dev/null 2>"$W/console.err" ||
        { cat "$W/console.err" >&2; fail "console did not start"; }
}
console_down() { "$MOAT" console stop --data "$D" >/dev/null 2>&1 || fail "console stop failed"; }
stop_console() { if [ -n "${D:-}" ]; then "$MOAT" console stop --data "$D" >/dev/null 2>&1 || true; fi; }
start_console() { init_console; console_up; }
# console_api METHOD PATH [BODY]: the API as the admin; the body in
# $W/body, the status on stdout. console_policy BODY: a new policy's id.
console_api() {
    local args=(-s -o "$W/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $ADMIN")
    if [ -n "${3:-}" ]; then args+=(-H 'Content-Type: application/json' --data-binary "$3"); fi
    curl "${args[@]}" "$URL/api/v1$2"
}
console_policy() {
    [ "$(console_api POST /policies "$1")" = 201 ] || fail "POST /policies: $(cat "$W/body")"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$W/body"
}

# run_moat NAME ARGS...: stdout -> $W/NAME.out, stderr -> $W/NAME.err,
# exit code -> RC. Bounded by MOAT_TIMEOUT seconds (default 300).
run_moat() {
    local name=$1; shift
    RC=0
    timeout -k 5 "${MOAT_TIMEOUT:-300}" "$MOAT" "$@" >"$W/$name.out" 2>"$W/$name.err" || RC=$?
}

# Show the end of a failed run's stderr with the failure.
moat_err() { tail -c 2000 "$W/$1.err" 2>/dev/null | sed 's/^/    | /' >&2 || true; }

describe_rc() {
    case $1 in
        124) echo "timed out" ;;
        12[5-7]) echo "could not run ($1)" ;;
        1[3-9][0-9]|2[0-5][0-9]) echo "killed by signal $(( $1 - 128 )) ($(kill -l $(( $1 - 128 )) 2>/dev/null || echo ?))" ;;
        *) echo "exit $1" ;;
    esac
}

# make_test_ca DIR: a throw-away CA (DIR/ca.pem) and a server certificate for
# 127.0.0.1 and localhost signed by it (DIR/server.pem, DIR/server.key), plus
# an unrelated CA (DIR/wrong-ca.pem) for the refusal cases. openssl only.
make_test_ca() {
    local d=$1
    mkdir -p "$d"
    (
        cd "$d"
        for ca in ca wrong-ca; do
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=moat test $ca" \
                -keyout "$ca.key" -out "$ca.pem" -addext basicConstraints=critical,CA:TRUE \
                -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        done
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key \
            -out server.csr 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
            -extfile ext.cnf -out server.pem 2>/dev/null
    ) || fail "make_test_ca: openssl failed"
}
