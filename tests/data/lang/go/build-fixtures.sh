#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the Go test binaries for moat's build-info tests into OUTDIR, offline,
# with Debian's golang-go: the demo module (demo/) with its two replaced
# dependencies vendored (github.com/pkg/errors from golang-github-pkg-errors-dev,
# and demo/localdep), for four targets covering ELF32/ELF64 x little/big
# endian. Then, per target, two derived binaries made by goelf.py: one without
# section headers and one with the pre-Go-1.18 pointer-based build info.
# `go version -m` reads all of them and is the tests' oracle.
# Usage: build-fixtures.sh OUTDIR   (exit 77 when go or the errors source is missing)
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
errsrc=/usr/share/gocode/src/github.com/pkg/errors
command -v go >/dev/null 2>&1 || { echo "no go toolchain" >&2; exit 77; }
[ -f "$errsrc/errors.go" ] || { echo "no $errsrc (golang-github-pkg-errors-dev)" >&2; exit 77; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/demo" "$work/src"
v=$work/src/vendor
mkdir -p "$v/github.com/pkg/errors" "$v/example.com/localdep"
for f in "$errsrc"/*.go; do
	case $f in *_test.go) ;; *) cp "$f" "$v/github.com/pkg/errors/" ;; esac
done
cp "$here/demo/localdep/localdep.go" "$v/example.com/localdep/"
cat > "$v/modules.txt" <<'MOD'
# example.com/localdep v0.0.0-00010101000000-000000000000 => ./localdep
## explicit; go 1.19
example.com/localdep
# github.com/pkg/errors v0.9.1 => github.com/moat-test/errors v0.9.2
## explicit
github.com/pkg/errors
# example.com/localdep => ./localdep
MOD
export GOFLAGS=-mod=vendor GOPROXY=off GO111MODULE=on CGO_ENABLED=0
export GOCACHE=${GOCACHE:-${MOAT_CACHE:-/var/cache/moat}/go-build}
for t in amd64 386 ppc64 mips; do
	(cd "$work/src" && GOARCH=$t go build -trimpath -o "$out/demo-$t" .)
	python3 "$here/goelf.py" noshdr "$out/demo-$t" "$out/demo-$t-noshdr"
	python3 "$here/goelf.py" oldformat "$out/demo-$t" "$out/demo-$t-old"
done
