#!/bin/bash
# Vulnerability matching on the Debian 12 sample image, against oracles that
# do not use moat: apt (which security upgrades exist), dpkg (version order)
# and the tracker data the DB was built from.
#  1. The image (main suite only) reports, for every package apt-get would
#     upgrade from bookworm-security, each CVE the data says that upgrade
#     fixes, with the right fixed version.
#  2. The same root after `apt-get upgrade` from bookworm-security has none.
#  3. With --base-image base.tar, findings in base packages say owner "base",
#     those in layer-2 packages "app"; the local base index finds the same
#     boundary without the flag once base.tar has been scanned.
#  4. --fail-on / --fail-on-fixable gate with exit 1 and name the findings.
. "$(dirname "$0")/lib.sh"
need_moat
setup_work
sample_image
[ -f "$SHARED/vulndb/debian-tracker-bookworm.json" ] || fail "no shared test data at $SHARED"
export MOAT_BASE_INDEX=$W/bases.jsonl
tracker=$SHARED/vulndb/debian-tracker-bookworm.json

run_moat dbbuild db build --from "$tracker" --from "$SHARED/vulndb/kev.json" -o "$W/vuln.db"
[ "$RC" = 0 ] || { moat_err dbbuild; fail "moat db build: $(describe_rc "$RC")"; }

# An upgradable copy of the image's root, and what apt would upgrade.
root=$W/root
cp -a "$SAMPLE/app-root/." "$root/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
echo "deb http://deb.debian.org/debian-security bookworm-security main" \
    >"$root/etc/apt/sources.list.d/security.list"
mount -t proc proc "$root/proc"
trap 'rc=$?; umount "$root/proc" 2>/dev/null || true; rm -rf "$MOAT_WORK"; exit $rc' EXIT
chroot "$root" apt-get update -qq >"$W/apt-update.log" 2>&1 ||
    { tail "$W/apt-update.log" >&2; fail "apt-get update in the image root failed"; }
# apt is the oracle, and it needs the Debian mirror. apt-get update only
# warns when the mirror cannot be reached, and then lists no upgrades at
# all; so apt's lists and the upgrade's packages from the last run that
# reached it are kept (per sample build) and stand in for the mirror.
APTC=$MOAT_CACHE/vuln-debian-apt/$(tr -dc 'a-zA-Z0-9' <"$SAMPLE/.complete")
OFFLINE=
if grep -q 'Failed to fetch' "$W/apt-update.log"; then
    [ -f "$APTC/when" ] || skip "the Debian mirror is unreachable ($(grep -m1 -o 'Failed to fetch.*' "$W/apt-update.log")) and no apt lists of an earlier run are kept in $APTC"
    OFFLINE=1
    note "the Debian mirror is unreachable: apt's lists and packages of $(cat "$APTC/when") stand in"
    cp -a "$APTC/lists/." "$root/var/lib/apt/lists/"
    cp -a "$APTC/archives/." "$root/var/cache/apt/archives/"
fi
chroot "$root" apt-get -s upgrade >"$W/upgrades.txt" 2>&1 ||
    fail "apt-get -s upgrade failed: $(tail -3 "$W/upgrades.txt")"

run_moat app scan --format json --db "$W/vuln.db" "docker-archive:$SAMPLE/app.tar"
[ "$RC" = 0 ] || { moat_err app; fail "moat scan app.tar: $(describe_rc "$RC")"; }
$PY "$TOOLS/vulncheck.py" upgrade "$W/app.out" --root "$SAMPLE/app-root" \
    --upgrades "$W/upgrades.txt" --tracker "$tracker" >&2 ||
    fail "findings before the security upgrade are wrong (above)"

DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -y -qq -o Dpkg::Options::=--force-confold \
    -o APT::Keep-Downloaded-Packages=true upgrade >"$W/apt-upgrade.log" 2>&1 ||
    { tail "$W/apt-upgrade.log" >&2; fail "apt-get upgrade in the image root failed"; }
if [ -z "$OFFLINE" ]; then     # keep what this run fetched for a run without the mirror
    rm -rf "$APTC.new"
    mkdir -p "$APTC.new"
    cp -a "$root/var/lib/apt/lists" "$APTC.new/lists"
    cp -a "$root/var/cache/apt/archives" "$APTC.new/archives"
    rm -f "$APTC.new/lists/lock" "$APTC.new/archives/lock"
    date -u +%Y-%m-%dT%H:%MZ >"$APTC.new/when"
    rm -rf "$APTC"
    mv "$APTC.new" "$APTC"
fi
umount "$root/proc"
run_moat upgraded scan --format json --db "$W/vuln.db" "dir:$root"
[ "$RC" = 0 ] || { moat_err upgraded; fail "moat scan dir:upgraded: $(describe_rc "$RC")"; }
$PY "$TOOLS/vulncheck.py" upgrade "$W/upgraded.out" --root "$SAMPLE/app-root" \
    --upgrades "$W/upgrades.txt" --tracker "$tracker" --absent >&2 ||
    fail "findings remain after the security upgrade (above)"

# Owners: explicit base image, then the index learnt from scanning base.tar.
run_moat owner scan --format json --db "$W/vuln.db" --base-image "docker-archive:$SAMPLE/base.tar" \
    "docker-archive:$SAMPLE/app.tar"
[ "$RC" = 0 ] || { moat_err owner; fail "moat scan --base-image: $(describe_rc "$RC")"; }
$PY "$TOOLS/vulncheck.py" owner "$W/owner.out" --layer2 "$SAMPLE/layer2.pkgs" \
    --base-name "docker-archive:$SAMPLE/base.tar" >&2 || fail "owner attribution with --base-image is wrong"
rm -f "$MOAT_BASE_INDEX"
run_moat base-scan scan --format json --db "$W/vuln.db" "docker-archive:$SAMPLE/base.tar"
run_moat indexed scan --format json --db "$W/vuln.db" "docker-archive:$SAMPLE/app.tar"
[ "$RC" = 0 ] || { moat_err indexed; fail "moat scan (index): $(describe_rc "$RC")"; }
base_ref=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["target"]["ref"])' "$W/base-scan.out")
$PY "$TOOLS/vulncheck.py" owner "$W/indexed.out" --layer2 "$SAMPLE/layer2.pkgs" \
    --base-name "$base_ref" >&2 || fail "owner attribution from the base index is wrong"

# Gates (on vulnerabilities: --scanners vuln; content gates are scan_content's).
run_moat gate scan --scanners vuln --format json --db "$W/vuln.db" --fail-on critical,high "docker-archive:$SAMPLE/app.tar"
n_high=$($PY -c 'import json,sys; print(sum(f["severity"] in ("critical","high") for f in json.load(open(sys.argv[1]))["findings"] if f["kind"] == "vuln"))' "$W/app.out")
if [ "$n_high" -gt 0 ]; then
    [ "$RC" = 1 ] || fail "--fail-on critical,high with $n_high such findings: exit $RC, want 1"
    grep -q "gate .*failed: $n_high finding" "$W/gate.err" || fail "gate summary missing: $(cat "$W/gate.err")"
else
    [ "$RC" = 0 ] || fail "--fail-on critical,high with no such findings: exit $RC"
fi
# --fail-on-fixable names exactly the findings that have a fix.
run_moat fixable scan --scanners vuln --format json --db "$W/vuln.db" --fail-on-fixable "docker-archive:$SAMPLE/app.tar"
n_fix=$($PY -c 'import json,sys; print(sum(f["fixed_version"] is not None for f in json.load(open(sys.argv[1]))["findings"] if f["kind"] == "vuln"))' "$W/app.out")
[ "$n_fix" -gt 0 ] || fail "the sample image has no fixable findings; the gate test needs some"
[ "$RC" = 1 ] || fail "--fail-on-fixable with $n_fix fixable findings: exit $RC, want 1"
grep -q "gate --fail-on-fixable failed: $n_fix finding" "$W/fixable.err" ||
    fail "gate summary does not count $n_fix findings: $(head -c 300 "$W/fixable.err")"
n_gate=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["gate"]["breaking"]))' "$W/fixable.out")
[ "$n_gate" = "$n_fix" ] || fail "JSON gate.breaking lists $n_gate findings, want $n_fix"
pass "security-upgrade oracle, owners, gates"
