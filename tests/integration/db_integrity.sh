#!/bin/bash
# Gates fail closed; the DB is what it claims to be. On the Debian sample
# image (which has fixable findings, so a working --fail-on-fixable gate
# exits 1) and a DB built from the real tracker, KEV and NVD feeds:
#  1. One byte changed in the middle of each section, one in the header's
#     build time, the file truncated, appended to, of format version 1, not a
#     DB, a directory, a FIFO, missing: each `moat scan --db` exits 2 naming the DB
#     and what is wrong, with a gate and without; no report is written.
#  2. Each gate (--fail-on, --fail-on-fixable, --fail-on-risk, --policy)
#     with no DB at the default path ($MOAT_DB) exits 2 naming that path;
#     so does a gate with --no-vuln. Without a gate, no DB is packages only
#     with a warning and exit 0 (today's behaviour, kept).
#  3. `moat db info` refuses the same edited files.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
VD=$SHARED/vulndb
[ -r "$VD/debian-tracker-bookworm.json" ] || skip "no shared vulndb test data at $VD"
export MOAT_BASE_INDEX=$W/bases.jsonl
img=docker-archive:$SAMPLE/app.tar

# The NVD sample brings CWEs and references, so the lists section is not empty.
run_moat build db build --from "$VD/debian-tracker-bookworm.json" --from "$VD/kev.json" \
    --from "$REPO/tests/data/vuln/nvd-sample.json" -o "$W/good.db"
[ "$RC" = 0 ] || { moat_err build; fail "db build: $(describe_rc "$RC")"; }

# The baseline: the good DB verifies, and the gate is evaluated (and broken).
run_moat good scan --format json --db "$W/good.db" --fail-on-fixable "$img"
[ "$RC" = 1 ] || { moat_err good; fail "--fail-on-fixable with the good DB: $(describe_rc "$RC"), want 1"; }
n_fix=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["gate"]["breaking"]))' "$W/good.out")
[ "$n_fix" -gt 0 ] || fail "the good DB breaks the gate with no findings"

# expect_refused NAME DB PATTERN: scan with and without a gate; both exit 2,
# name DB and match PATTERN on stderr, and write no report.
expect_refused() {
    local name=$1 db=$2 pattern=$3
    rm -f "$W/$name.report"
    run_moat "$name-gate" scan --format json -o "$W/$name.report" --db "$db" \
        --fail-on critical,high "$img"
    [ "$RC" = 2 ] || { moat_err "$name-gate"; fail "$name: --fail-on with that DB: $(describe_rc "$RC"), want 2"; }
    grep -qF "gate --fail-on critical,high needs a usable vulnerability DB: $db" "$W/$name-gate.err" ||
        fail "$name: message does not name the gate and $db: $(head -c 400 "$W/$name-gate.err")"
    grep -qE "$pattern" "$W/$name-gate.err" ||
        fail "$name: message does not say /$pattern/: $(head -c 400 "$W/$name-gate.err")"
    [ ! -e "$W/$name.report" ] || fail "$name: a report was written for a refused DB"
    run_moat "$name-plain" scan --format json --db "$db" "$img"
    [ "$RC" = 2 ] || { moat_err "$name-plain"; fail "$name: scan --db without a gate: $(describe_rc "$RC"), want 2"; }
    grep -qF "vulnerability DB $db" "$W/$name-plain.err" && grep -qE "$pattern" "$W/$name-plain.err" ||
        fail "$name: message without a gate: $(head -c 400 "$W/$name-plain.err")"
    [ ! -s "$W/$name-plain.out" ] || fail "$name: a report was printed for a refused DB"
}

# edit OUT OFFSET: a copy of good.db with the byte at OFFSET inverted.
edit() {
    cp "$W/good.db" "$1"
    $PY - "$1" "$2" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))
EOF
}

# One byte in the middle of each section (from the header's section table).
sections=$($PY - "$W/good.db" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
names = {1: "strings", 2: "sources", 3: "packages", 4: "entries", 5: "ranges", 6: "vulns", 7: "lists"}
n, = struct.unpack_from("<I", d, 96)
for i in range(n):
    sid, _, off, length = struct.unpack_from("<IIQQ", d, 104 + 24 * i)
    if sid in names and length:
        print(names[sid], off + length // 2)
EOF
)
[ "$(echo "$sections" | wc -l)" = 7 ] || fail "expected 7 non-empty sections, got: $sections"
while read -r sec off; do
    edit "$W/flip-$sec.db" "$off"
    expect_refused "flip-$sec" "$W/flip-$sec.db" "checksum mismatch \(changed after it was built\)"
done <<<"$sections"
# The header's build time is covered too (format 2): an old DB made to look new.
edit "$W/flip-built.db" 17
expect_refused flip-built "$W/flip-built.db" "checksum mismatch"

size=$(stat -c %s "$W/good.db")
head -c $((size / 2)) "$W/good.db" >"$W/half.db"
expect_refused truncated "$W/half.db" "file is $((size / 2)) bytes, header says $size"
head -c $((size - 1)) "$W/good.db" >"$W/short.db"
expect_refused short "$W/short.db" "file is $((size - 1)) bytes, header says $size"
{ cat "$W/good.db"; printf 'x'; } >"$W/appended.db"
expect_refused appended "$W/appended.db" "file is $((size + 1)) bytes, header says $size"
# Appended to, with the header's size field fixed up to match: the checksum.
cp "$W/appended.db" "$W/appended-sized.db"
$PY - "$W/appended-sized.db" "$((size + 1))" <<'EOF'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(24); f.write(struct.pack("<Q", int(sys.argv[2])))
EOF
expect_refused appended-sized "$W/appended-sized.db" "checksum mismatch"
cp "$W/good.db" "$W/v1.db"
printf '\001\000\000\000' | dd of="$W/v1.db" bs=1 seek=8 conv=notrunc status=none
expect_refused version "$W/v1.db" "DB format version 1, expected 2"
head -c 4096 /dev/urandom >"$W/random.db"
expect_refused random "$W/random.db" "not a moat vulnerability DB"
mkdir -p "$W/dir.db"
expect_refused directory "$W/dir.db" "not a regular file"
mkfifo "$W/fifo.db"   # refused at once, not waited on
expect_refused fifo "$W/fifo.db" "not a regular file"
expect_refused missing "$W/missing.db" "No such file or directory"
if [ "$(id -u)" != 0 ]; then
    cp "$W/good.db" "$W/unreadable.db"; chmod 000 "$W/unreadable.db"
    expect_refused unreadable "$W/unreadable.db" "Permission denied"
fi

# The image is not read when the DB is refused: a gate fails on the DB even
# for a target that does not exist.
run_moat early scan --db "$W/flip-strings.db" --fail-on critical "docker-archive:$W/no-such.tar"
[ "$RC" = 2 ] && grep -q "checksum mismatch" "$W/early.err" ||
    fail "DB checked after the image: $(describe_rc "$RC"): $(head -c 300 "$W/early.err")"

# No DB at the default path ($MOAT_DB): every gate is an error naming it.
export MOAT_DB=$W/default/vuln.db
cat >"$W/policy.yaml" <<'EOT'
fail_on: [critical]
EOT
for gate in "--fail-on critical" "--fail-on-fixable" "--fail-on-risk 50" "--policy $W/policy.yaml"; do
    name=nodb-${gate%% *}
    # shellcheck disable=SC2086 # the gate is two words
    run_moat "$name" scan --format json $gate "$img"
    [ "$RC" = 2 ] || { moat_err "$name"; fail "$gate without a DB: $(describe_rc "$RC"), want 2"; }
    grep -qF "gate $gate needs a vulnerability DB: none at $MOAT_DB" "$W/$name.err" ||
        fail "$gate without a DB: $(head -c 300 "$W/$name.err")"
done
run_moat novuln scan --db "$W/good.db" --no-vuln --fail-on critical "$img"
[ "$RC" = 2 ] && grep -q "needs vulnerability matching: drop --no-vuln" "$W/novuln.err" ||
    fail "--no-vuln with a gate: $(describe_rc "$RC"): $(head -c 300 "$W/novuln.err")"
# Without a gate: packages only, a warning, exit 0.
run_moat inventory scan --format json "$img"
[ "$RC" = 0 ] || { moat_err inventory; fail "no DB and no gate: $(describe_rc "$RC"), want 0"; }
grep -q "no vulnerability DB at $MOAT_DB .*packages only" "$W/inventory.err" ||
    fail "no warning for the missing DB: $(head -c 300 "$W/inventory.err")"
n_pkg=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["packages"]))' "$W/inventory.out")
[ "$n_pkg" -gt 50 ] || fail "inventory-only scan lists $n_pkg packages"
# A good DB at the default path is used, verified, and gates.
mkdir -p "$W/default" && cp "$W/good.db" "$MOAT_DB"
run_moat default scan --format json --fail-on-fixable "$img"
[ "$RC" = 1 ] || { moat_err default; fail "the default DB does not gate: $(describe_rc "$RC")"; }
cp "$W/flip-vulns.db" "$MOAT_DB"
run_moat default-bad scan --format json "$img"
[ "$RC" = 2 ] && grep -qF "vulnerability DB $MOAT_DB: checksum mismatch" "$W/default-bad.err" ||
    fail "an edited default DB: $(describe_rc "$RC"): $(head -c 300 "$W/default-bad.err")"
unset MOAT_DB

# `moat db info` refuses the same files.
for f in flip-entries flip-built appended-sized; do
    run_moat "info-$f" db info --db "$W/$f.db"
    [ "$RC" = 2 ] && grep -q "checksum mismatch" "$W/info-$f.err" ||
        fail "db info $f.db: $(describe_rc "$RC"): $(head -c 300 "$W/info-$f.err")"
done
run_moat info-good db info --db "$W/good.db"
[ "$RC" = 0 ] && grep -q "format version:  2" "$W/info-good.out" ||
    fail "db info good.db: $(describe_rc "$RC"): $(cat "$W/info-good.out" "$W/info-good.err")"
pass "7 sections + header edited, truncated, appended, v1, not a DB: exit 2; 4 gates without a DB: exit 2"
