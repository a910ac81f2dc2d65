#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the Rust test binary for moat's cargo-auditable tests into OUTDIR,
# offline: the demo crate (demo/) against the crates Debian ships under
# /usr/share/cargo/registry (librust-itoa-dev, librust-semver-dev).
# cargo-auditable itself is not packaged, so its .dep-v0 section is made the
# way it makes it: the resolved graph from `cargo metadata` as the
# cargo-auditable JSON, zlib-compressed, added with objcopy (auditable.py).
# Leaves: rust-demo (the binary), Cargo.lock (written by cargo) and
# metadata.json (`cargo metadata` output, the tests' oracle).
# Usage: build-fixtures.sh OUTDIR   (exit 77 when cargo or the crates are missing)
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
reg=/usr/share/cargo/registry
command -v cargo >/dev/null 2>&1 || { echo "no cargo" >&2; exit 77; }
ls -d "$reg"/itoa-1.* "$reg"/semver-1.* >/dev/null 2>&1 ||
	{ echo "no itoa/semver crates under $reg" >&2; exit 77; }
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/demo" "$work/src"
mkdir -p "$work/src/.cargo"
cat > "$work/src/.cargo/config.toml" <<CFG
[source.crates-io]
replace-with = "debian"
[source.debian]
directory = "$reg"
CFG
cd "$work/src"
export CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target"
cargo build --release --offline --quiet
cargo metadata --format-version 1 --offline > "$out/metadata.json"
python3 "$here/auditable.py" "$out/metadata.json" "$work/dep-v0.z"
objcopy --add-section .dep-v0="$work/dep-v0.z" "$work/target/release/moat-rust-demo" \
	"$out/rust-demo"
cp Cargo.lock "$out/Cargo.lock"
