#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write cargo-auditable's .dep-v0 payload from `cargo metadata` output.

The JSON follows rustsec's cargo-auditable.json schema (VersionInfo):
{"packages": [{"name", "version", "source", "kind"?, "dependencies"?, "root"?}]}
sorted by name and version like cargo-auditable does, "source" reduced to
"crates.io" / "local" / "git" / "registry", then zlib-compressed.
Usage: auditable.py METADATA.json OUT.z
"""
import json
import sys
import zlib


def source(src):
    if src is None:
        return "local"
    if src == "registry+https://github.com/rust-lang/crates.io-index":
        return "crates.io"
    return src.split("+", 1)[0]


def main():
    meta = json.load(open(sys.argv[1]))
    root = meta["resolve"]["root"]
    pkgs = sorted(meta["packages"], key=lambda p: (p["name"], p["version"]))
    index = {p["id"]: i for i, p in enumerate(pkgs)}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    out = []
    for p in pkgs:
        e = {"name": p["name"], "version": p["version"], "source": source(p["source"])}
        deps = sorted(index[d] for d in nodes[p["id"]]["dependencies"])
        if deps:
            e["dependencies"] = deps
        if p["id"] == root:
            e["root"] = True
        out.append(e)
    data = json.dumps({"packages": out}, separators=(",", ":")).encode()
    open(sys.argv[2], "wb").write(zlib.compress(data, 9))


if __name__ == "__main__":
    main()
