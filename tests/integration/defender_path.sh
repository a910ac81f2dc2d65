#!/bin/bash
# No path games: `moat defender` (eBPF sensor, built-in rules) must match the
# file actually opened, not the string passed to the syscall.
#
# Every form below runs as its own process (repeats of a rule by one process
# are folded), on the host and in a container of the sample image, and must
# raise its rule:
#   /etc/shadow (read-shadow): openat on a directory fd, "..", a symlink, a
#     hard link (fd.name must be /etc/shadow, fd.opened the link), through
#     /proc/self/root, cd + a relative name; plain open as the control;
#   /etc/ld.so.preload (write-ld-so-preload), which did not exist: created
#     through a directory fd and through ".."; then replaced by a rename
#     through directory fds and opened for writing through "..";
#   cron (write-below-etc-cron): /etc/cron.d/NEW created through a
#     directory fd and a symlink to the directory; /var/spool/cron/crontabs
#     through a directory fd and "..";
#   in the container also: a file renamed over /etc/shadow, then opened
#     through ".." and through a hard link made after the rename (the
#     defender must have re-stat'ed the directory), and a container whose
#     very first process opens ../etc/shadow (its root not scanned yet).
# Opens of unwatched files (/etc/hostname, /etc/passwd read) must raise
# nothing. Prints forms caught per place.
#
# Writes on the host, all removed at exit: /etc/ld.so.preload (empty; only
# if absent), /etc/cron.d/moat-path-PID, /var/spool/cron/crontabs (only if
# absent), links in the work dir.
. "$(dirname "$0")/lib.sh"
setup_work
need_moat
defender_engine
P=path-$$                           # container name prefix
HOST_PRELOAD=; HOST_SPOOL=; CRON=/etc/cron.d/moat-path-$$
DEF_PID=
cleanup() {
    if [ -n "$DEF_PID" ]; then kill -TERM "$DEF_PID" 2>/dev/null || true; wait "$DEF_PID" 2>/dev/null || true; fi
    "$docker" ps -aq --filter "name=$P" | xargs -r "$docker" rm -f >/dev/null 2>&1 || true
    [ -n "${PIMG:-}" ] && "$docker" rmi -f "$PIMG" >/dev/null 2>&1
    [ -n "$HOST_PRELOAD" ] && rm -f /etc/ld.so.preload
    [ -n "$HOST_SPOOL" ] && rm -rf "$HOST_SPOOL"
    rm -f "$CRON"
    if [ -n "${KEEP:-}" ]; then echo "kept $W" >&2; else rm -rf "$MOAT_WORK"; fi
}
trap cleanup EXIT
[ -e /etc/ld.so.preload ] && skip "/etc/ld.so.preload exists on this host"
mkdir -p "$W/bin"
cc -static -O2 -o "$W/bin/path_evade" "$REPO/tests/integration/path_evade.c"

# an image of our own (the sample plus a label): state kept per image by any
# other defender on this node (a learned baseline in enforce mode) is not ours
PIMG=path-test/app:$$
printf 'FROM %s\nLABEL moat.test=defender_path\n' "$IMG" | "$docker" build -q -t "$PIMG" - >/dev/null ||
    fail "docker build of $PIMG failed"
start_defender 60 --rules "$REPO/rules" --format json
note "$(head -n 1 "$W/defender.err")"
grep -q "sensor ebpf" "$W/defender.err" || skip "no eBPF sensor: $(head -n 1 "$W/defender.err")"

# "T/../../" with as many ".." as T has components: back to the root
up() { local u=$1/; for _ in $(seq 1 "$(tr -cd / <<<"$1" | wc -c)"); do u="$u../"; done; echo "$u"; }

# forms WHERE T E: every evasion once; T a scratch dir there, E the helper.
# Each line of $W/forms.WHERE: RULE|command (as the alert's cmdline shows it).
forms() {
    local where=$1 t=$2 e=$3 d x
    d=$(up "$t")
    x() { echo "$1|$2" >>"$W/forms.$where"; }
    # /etc/shadow
    x read-shadow "$e open /etc/shadow"
    x read-shadow "$e at /etc shadow"
    x read-shadow "$e open ${d}etc/shadow"
    x read-shadow "$e open $t/sym-shadow"
    x read-shadow "$e open $t/hard-shadow"
    x read-shadow "$e open /proc/self/root/etc/shadow"
    x read-shadow "$e open shadow"
    # /etc/ld.so.preload: created, then replaced
    x write-ld-so-preload "$e at /etc ld.so.preload w"
    x write-ld-so-preload "$e open ${d}etc/ld.so.preload w"
    x write-ld-so-preload "$e renameat $t preload /etc ld.so.preload"
    x write-ld-so-preload "$e open ${d}etc/./ld.so.preload w"
    # cron
    x write-below-etc-cron "$e at /etc/cron.d $(basename "$CRON") w"
    x write-below-etc-cron "$e open $t/sym-crond/$(basename "$CRON")-2 w"
    x write-below-etc-cron "$e at /var/spool/cron/crontabs root w"
    x write-below-etc-cron "$e open ${d}var/spool/cron/crontabs/root w"
}
# run_forms RUNNER T E: the same forms through RUNNER ("" on the host,
# "docker exec NAME" in a container); links and files set up first.
run_forms() {
    local run=$1 t=$2 e=$3 d
    d=$(up "$t")
    $run sh -c "mkdir -p $t /etc/cron.d && ln -sf /etc/shadow $t/sym-shadow && ln -f /etc/shadow $t/hard-shadow && ln -sfn /etc/cron.d $t/sym-crond"
    $run $e open /etc/shadow
    $run $e at /etc shadow
    $run $e open "${d}etc/shadow"
    $run $e open "$t/sym-shadow"
    $run $e open "$t/hard-shadow"
    $run $e open /proc/self/root/etc/shadow
    $run sh -c "cd /etc && exec $e open shadow"
    $run $e at /etc ld.so.preload w
    $run rm -f /etc/ld.so.preload
    $run $e open "${d}etc/ld.so.preload" w
    sleep 0.5                       # the defender re-stats /etc (inotify)
    $run sh -c "echo >$t/preload"
    $run $e renameat "$t" preload /etc ld.so.preload
    $run $e open "${d}etc/./ld.so.preload" w
    $run rm -f /etc/ld.so.preload
    $run $e at /etc/cron.d "$(basename "$CRON")" w
    $run $e open "$t/sym-crond/$(basename "$CRON")-2" w
    $run rm -f "$CRON" "$CRON-2"
    $run $e at /var/spool/cron/crontabs root w
    $run $e open "${d}var/spool/cron/crontabs/root" w
    # benign: unwatched files
    $run $e open /etc/hostname
    $run $e open "${d}etc/passwd"
}

# --- host ---
[ -e /var/spool/cron ] || HOST_SPOOL=/var/spool/cron
mkdir -p /var/spool/cron/crontabs
HOST_PRELOAD=1
HT=$W/host-t
forms host "$HT" "$W/bin/path_evade"
sleep 1                             # the new spool directory is scanned
run_forms "" "$HT" "$W/bin/path_evade" 2>>"$W/host.err"
rm -f /var/spool/cron/crontabs/root "$HT/hard-shadow"

# --- a container (known to the defender before the forms run) ---
C=$P-c
"$docker" run -d --name "$C" --network none --user 0 -v "$W/bin:/t:ro" \
    --entrypoint sleep "$PIMG" 600 >/dev/null
"$docker" exec "$C" mkdir -p /var/spool/cron/crontabs
sleep 2                             # first event -> the container's root is scanned
CT=/tmp/path-t
forms container "$CT" /t/path_evade
run_forms "$docker exec $C" "$CT" /t/path_evade 2>>"$W/container.err"
# a file renamed over /etc/shadow, then opened through ".." and a new hard link
"$docker" exec "$C" sh -c "cp /etc/shadow /tmp/shadow.new && /t/path_evade renameat /tmp shadow.new /etc shadow"
sleep 0.5
"$docker" exec "$C" ln -f /etc/shadow /tmp/hard2
echo "read-shadow|/t/path_evade open /tmp/x/../../etc/shadow" >>"$W/forms.container"
echo "read-shadow|/t/path_evade open /tmp/hard2" >>"$W/forms.container"
"$docker" exec "$C" sh -c "mkdir -p /tmp/x && /t/path_evade open /tmp/x/../../etc/shadow"
"$docker" exec "$C" /t/path_evade open /tmp/hard2

# --- a container whose first process evades at once ---
"$docker" run --name "$P-fresh" --network none --user 0 -v "$W/bin:/t:ro" \
    --entrypoint /t/path_evade "$PIMG" open /tmp/../etc/shadow >/dev/null 2>&1 ||
    fail "the fresh container's open failed"
echo "read-shadow|/t/path_evade open /tmp/../etc/shadow" >>"$W/forms.fresh"

sleep 1
kill -TERM "$DEF_PID"; wait "$DEF_PID" || fail "defender exit $? on SIGTERM"; DEF_PID=
note "$(tail -n 1 "$W/defender.err")"

# --- check: each form's rule, with the process and the place ---
check() {   # check WHERE CONTAINER-NAME|"" -> caught count; misses listed in $W/miss
    local where=$1 cname=$2 rule cmd n=0 hit
    while IFS='|' read -r rule cmd; do
        hit=$(jq -c --arg r "$rule" --arg c "$cmd" --arg n "$cname" '
            select(.rule == $r and .process.cmdline == $c and
                   ((.container == null and $n == "") or (.container.name == $n)))' \
            "$W/alerts.jsonl" | head -n 1)
        if [ -n "$hit" ]; then n=$((n + 1)); else echo "$where: $rule: $cmd" >>"$W/miss"; fi
    done <"$W/forms.$where"
    echo "$n"
}
: >"$W/miss"
HN=$(check host ""); CN=$(check container "$C"); FN=$(check fresh "$P-fresh")
HT_N=$(wc -l <"$W/forms.host"); CT_N=$(wc -l <"$W/forms.container")
note "caught: host $HN of $HT_N, container $CN of $CT_N, fresh container $FN of 1"
if [ -s "$W/miss" ]; then
    sed 's/^/    missed: /' "$W/miss" >&2
    sed 's/^/    | /' "$W/host.err" "$W/container.err" >&2 || true
    fail "$(wc -l <"$W/miss") evasion forms not caught"
fi
# the hard link is reported under the real file's name, and the link's
for where in "" "$C"; do
    link=$HT/hard-shadow; [ -n "$where" ] && link=$CT/hard-shadow
    # (jq 1.6's -e goes by the last input, not by any output: grep the output)
    jq -c --arg l "$link" 'select(.process.cmdline | endswith("open " + $l)) |
        select(.details["fd.name"] == "/etc/shadow" and .details["fd.opened"] == $l)' \
        "$W/alerts.jsonl" | grep -q . || fail "hard link $link not reported as /etc/shadow and $link"
done
# nothing for unwatched files
if jq -c 'select(.process.cmdline | test("path_evade open (/etc/hostname|.*/etc/passwd)"))' \
    "$W/alerts.jsonl" | grep -q .; then
    fail "an open of an unwatched file raised an alert"
fi
pass "host $HN/$HT_N, container $CN/$CT_N, fresh container $FN/1 evasion forms caught; unwatched opens quiet"
