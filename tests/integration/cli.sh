#!/bin/bash
# Command-line contract: usage errors exit 2 with a message on stderr,
# --help exits 0, `moat version` prints a version.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
cd "$W"

failures=()
expect() {   # WANT_RC NAME ARGS...
    local want=$1 name=$2; shift 2
    run_moat "$name" "$@"
    if [ "$RC" != "$want" ]; then
        failures+=("moat $*: $(describe_rc "$RC"), want exit $want")
    elif [ "$want" = 2 ] && [ ! -s "$W/$name.err" ]; then
        failures+=("moat $*: exit 2 but nothing on stderr")
    fi
}

expect 2 no-args
expect 2 unknown-sub no-such-subcommand
expect 2 unknown-flag scan --no-such-flag "docker-archive:$W/x.tar"
expect 2 unknown-global --no-such-flag version
expect 2 missing-target scan
expect 2 missing-target-json scan --format json
expect 2 bad-format scan --format no-such-format "docker-archive:$W/x.tar"
expect 2 nonexistent-archive scan --format json "docker-archive:$W/does-not-exist.tar"
expect 2 nonexistent-oci scan --format json "oci:$W/does-not-exist"
expect 2 unknown-transport scan --format json "no-such-transport:$W/x"
expect 0 help --help
expect 0 scan-help scan --help
expect 0 version version

[ -s "$W/help.out" ] || failures+=("moat --help printed nothing on stdout")
grep -Eq '[0-9]+\.[0-9]+' "$W/version.out" ||
    failures+=("moat version printed no version: '$(head -c 200 "$W/version.out")'")
grep -qF does-not-exist.tar "$W/nonexistent-archive.err" ||
    failures+=("error for a nonexistent archive does not name the path")
# Usage errors must not print a result.
for n in unknown-flag missing-target nonexistent-archive; do
    if grep -q '"packages"' "$W/$n.out"; then failures+=("$n printed a scan result"); fi
done

# -o names something that is not a regular file (a FIFO here, /dev/null in
# scripts): the report goes into it, and it stays what it was (a temp file
# renamed over it would replace it: /dev/null became a regular file that way)
mkdir -p "$W/root/etc" && echo 'ID=debian' >"$W/root/etc/os-release"
mkfifo "$W/fifo"
timeout 60 cat "$W/fifo" >"$W/fifo.out" &   # nobody writes it if it was replaced
reader=$!
run_moat fifo sbom -o "$W/fifo" "dir:$W/root"
wait "$reader" || true
[ "$RC" = 0 ] || failures+=("moat sbom -o FIFO: $(describe_rc "$RC")")
[ -p "$W/fifo" ] || failures+=("moat sbom -o FIFO replaced the FIFO")
grep -q '"bomFormat"' "$W/fifo.out" || failures+=("moat sbom -o FIFO: no SBOM came out of the FIFO")

[ ${#failures[@]} -eq 0 ] || fail "${#failures[@]} problems:
$(printf '  %s\n' "${failures[@]}")"
pass "$(head -n 1 "$W/version.out")"
