#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tarlistcmp.py WANT ENGINE: compare a gotar listing of a layer (what the
engine should write) with a gotar listing of `docker export` (what the
container sees). Exit 0 when every file, symlink and device matches and
every directory exists; otherwise print the differences and exit 1.

Docker adds its own files (.dockerenv, /dev, /proc, /sys, etc/hosts, ...),
export writes hard links its own way, and overlay2 turns a 0,0 character
device into a whiteout the container does not see: all normalised here."""
import sys

INJECTED = {".dockerenv", "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab"}
TOP_INJECTED = ("dev", "proc", "sys")


def load(path):
    files, dirs = {}, set()
    for line in open(path, encoding="latin-1"):
        line = line.rstrip("\n")
        if line == "end" or line.startswith("error"):
            continue
        kind, _mode, _size, sha, rest = line.split(" ", 4)
        name, _, link = rest.partition(" -> ")
        if name in INJECTED or name.split("/")[0] in TOP_INJECTED:
            continue
        if kind == "1":  # a hard link shares its target's inode
            if link in files:
                files[name] = files[link]
            continue
        files.pop(name, None)
        dirs.discard(name)
        if kind == "5":
            dirs.add(name)
        elif kind == "3" and sha == "0,0":
            pass  # an overlay whiteout once unpacked
        else:
            files[name] = (kind, sha, link)
    return files, dirs


def main():
    want_files, want_dirs = load(sys.argv[1])
    got_files, got_dirs = load(sys.argv[2])
    ok = True
    for name in sorted(set(want_files) | set(got_files)):
        if want_files.get(name) != got_files.get(name):
            print("    | %s: go %s, engine %s" % (name, want_files.get(name), got_files.get(name)),
                  file=sys.stderr)
            ok = False
    for name in sorted(want_dirs - got_dirs):
        print("    | %s: directory missing in the container" % name, file=sys.stderr)
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
