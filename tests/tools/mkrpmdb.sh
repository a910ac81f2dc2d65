#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# mkrpmdb.sh - build the rpmdb test fixtures in tests/data/rpm/ from real rpms.
#
# Run once by hand (needs rpm, rpmbuild, sqlite3, db5.3_load, zstd, base64 and
# /usr/bin/python3); the outputs are committed so the tests need none of them.
# Steps: build tiny noarch rpms with rpmbuild, install them with
# `rpm --justdb` into a scratch root to get a genuine rpmdb.sqlite, then write
# the same header blobs as a BerkeleyDB hash `Packages` with db5.3_load
# (little and big endian, several page sizes) and as an NDB `Packages.db`
# with mkrpmdb-ndb.py. rpm's own answers (-qa, -ql) are the expected results.
#
# Binary databases are stored zstd-compressed and base64-encoded (*.zst.b64)
# so the fixtures stay small text files; rpmdb_test.c decodes them.
#
#   tests/tools/mkrpmdb.sh            # writes tests/data/rpm/ and fuzz seeds
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/data/rpm
tools=$top/tests/tools
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

export SOURCE_DATE_EPOCH=1700000000
export TZ=UTC LC_ALL=C

mkdir -p "$work/specs" "$out"

# moat-hello: files in several dirs (one name with a space), a subpackage
# whose source rpm name differs from its own, a modularity label.
cat >"$work/specs/moat-hello.spec" <<'SPEC'
Name: moat-hello
Version: 1.2.3
Release: 4.moat
Summary: moat test package with files in several directories
License: MIT
Vendor: moat tests
BuildArch: noarch
ModularityLabel: moat-stream:1:20240101:abcd1234
%description
Test fixture for moat's rpmdb reader.
%package doc
Summary: documentation for moat-hello
License: CC-BY-4.0
%description doc
Documentation subpackage.
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc %{buildroot}/usr/share/moat-hello/data
mkdir -p %{buildroot}/usr/share/doc/moat-hello
echo '#!/bin/sh' > %{buildroot}/usr/bin/moat-hello
echo 'greeting=hi' > %{buildroot}/etc/moat-hello.conf
echo a > %{buildroot}/usr/share/moat-hello/data/a.txt
echo b > "%{buildroot}/usr/share/moat-hello/with space.txt"
echo readme > %{buildroot}/usr/share/doc/moat-hello/README
%files
%attr(0755,root,root) /usr/bin/moat-hello
%config(noreplace) /etc/moat-hello.conf
%dir /usr/share/moat-hello
/usr/share/moat-hello/data/a.txt
"/usr/share/moat-hello/with space.txt"
%files doc
/usr/share/doc/moat-hello/README
SPEC

# moat-epoch: an Epoch, a compound license, no vendor.
cat >"$work/specs/moat-epoch.spec" <<'SPEC'
Name: moat-epoch
Epoch: 3
Version: 0.9
Release: 1.el9
Summary: moat test package with an epoch
License: GPL-2.0-or-later AND BSD-3-Clause
BuildArch: noarch
%description
Test fixture with an epoch.
%install
mkdir -p %{buildroot}/usr/lib/moat-epoch
echo x > %{buildroot}/usr/lib/moat-epoch/lib.txt
%files
/usr/lib/moat-epoch/lib.txt
SPEC

# moat-meta: no files at all.
cat >"$work/specs/moat-meta.spec" <<'SPEC'
Name: moat-meta
Version: 2024.1
Release: 0.1.rc1
Summary: moat test meta package without files
License: Public Domain
BuildArch: noarch
%description
Test fixture without files.
%files
SPEC

for spec in "$work"/specs/*.spec; do
	rpmbuild -bb --quiet --define "_topdir $work/top" \
		--define "_buildhost moat.test" "$spec" >/dev/null
done

root=$work/root
mkdir -p "$root"
rpm --root "$root" --define '_dbpath /var/lib/rpm' --define '_db_backend sqlite' \
	--nodeps --justdb -i "$work"/top/RPMS/noarch/*.rpm 2>/dev/null
db=$root/var/lib/rpm/rpmdb.sqlite
q() { rpm --root "$root" --define '_dbpath /var/lib/rpm' "$@" 2>/dev/null; }

# Expected answers, from rpm itself, sorted so every backend compares equal.
q -qa --qf '%{NAME} %{EVR} %{ARCH} %{SOURCERPM}\n' | sort >"$out/expected-packages.txt"
: >"$out/expected-files.txt"
for name in $(cut -d' ' -f1 "$out/expected-packages.txt"); do
	q -ql "$name" | grep '^/' | sed "s|^/|$name |" >>"$out/expected-files.txt" || true
done
# '|' separates fields here because licenses and vendors contain spaces.
q -qa --qf '%{NAME}|%{LICENSE}|%{VENDOR}|%{MODULARITYLABEL}\n' | sort \
	>"$out/expected-meta.txt"

pack() { zstd -q -19 -c "$1" | base64 -w 76 >"$out/$2.zst.b64"; }

# SQLite, exactly as rpm left it (WAL mode header, all index tables).
pack "$db" rpmdb.sqlite

# BerkeleyDB hash: db_load text input with keys as 4-byte header numbers in
# the file's byte order (rpm stored them natively) plus rpm's key 0 record.
# 4096 is rpm's usual page size (values on overflow pages), 512 gives long
# overflow chains, 16384 keeps the values on the hash pages (H_KEYDATA), and
# the last one has page checksums (a longer page header).
for spec in le:1234:4096: be:4321:4096: le:1234:512: be:4321:16384: le:1234:1024:chksum; do
	IFS=: read -r tag lorder psize sum <<EOT
$spec
EOT
	name=Packages-$tag-$psize${sum:+-$sum}
	/usr/bin/python3 "$tools/mkrpmdb-dbtext.py" --order "$tag" "$db" >"$work/dbtext"
	rm -f "$work/Packages"
	db5.3_load -T -t hash -c db_lorder="$lorder" -c db_pagesize="$psize" \
		${sum:+-c chksum=1} -f "$work/dbtext" "$work/Packages"
	pack "$work/Packages" "$name"
	cp "$work/Packages" "$work/$name"
done

# NDB, laid out by our generator following rpm's lib/backend/ndb/rpmpkg.c.
/usr/bin/python3 "$tools/mkrpmdb-ndb.py" "$db" "$work/Packages.db"
pack "$work/Packages.db" Packages.db

# Fuzz seeds: small real inputs (a compacted copy of the sqlite db is enough
# to reach our code; the header blobs are the raw values).
seeds=$top/fuzz/corpus
mkdir -p "$seeds/rpmdb" "$seeds/rpm-header"
sqlite3 "$db" "VACUUM INTO '$work/small.sqlite'"
sqlite3 "$work/small.sqlite" 'PRAGMA page_size=512; PRAGMA journal_mode=DELETE; VACUUM;' >/dev/null
cp "$work/small.sqlite" "$seeds/rpmdb/sqlite-small"
cp "$work/Packages-le-512" "$seeds/rpmdb/bdb-le-512"
cp "$work/Packages-be-4096" "$seeds/rpmdb/bdb-be-4096"
cp "$work/Packages.db" "$seeds/rpmdb/ndb"
/usr/bin/python3 - "$db" "$seeds/rpm-header" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
for hnum, blob in con.execute("SELECT hnum, blob FROM Packages ORDER BY hnum"):
    with open(f"{sys.argv[2]}/hdr-{hnum}", "wb") as f:
        f.write(blob)
PY
ls -l "$out" "$seeds/rpmdb" "$seeds/rpm-header"
