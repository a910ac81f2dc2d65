#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write the tar reading corpus: one hand-made tar per known class where tar
readers disagree, plus seeded mutations of them.

Usage: mktarcorpus.py OUTDIR [MUTANTS]

OUTDIR/cases.tsv lists NAME<TAB>EXPECT<TAB>WHAT for the hand-made cases, with
EXPECT one of
  agree         Go's archive/tar (as the engines use it) accepts, and moat
                must list exactly the same entries
  refuse        Go (or the engine) refuses; moat must refuse too
  moat-refuses  the engine accepts something moat cannot read the same way;
                moat must refuse (never a third reading)
Mutants are written as OUTDIR/mut-NNNN.tar; they have no expectation beyond
"moat agrees with Go or refuses".
"""
import os
import random
import sys

BLOCK = 512


def octal(value, width):
    """A NUL-terminated octal field of width bytes."""
    return b"%0*o\0" % (width - 1, value)


def header(name=b"", typeflag=b"0", size=0, mode=0o644, linkname=b"",
           magic=b"ustar\0", version=b"00", prefix=b"", fields=None,
           chksum=None, signed=False, chksum_fmt=b"%06o\0 "):
    """One header block. `fields` overrides raw bytes at offsets."""
    b = bytearray(BLOCK)
    b[0:len(name[:100])] = name[:100]
    b[100:108] = octal(mode, 8)
    b[108:116] = octal(0, 8)
    b[116:124] = octal(0, 8)
    b[124:136] = size if isinstance(size, bytes) else octal(size, 12)
    b[136:148] = octal(1700000000, 12)
    b[156:157] = typeflag
    b[157:157 + len(linkname[:100])] = linkname[:100]
    b[257:263] = magic
    b[263:265] = version
    b[265:270] = b"root\0"
    b[297:302] = b"root\0"
    if magic == b"ustar\0":
        b[329:337] = octal(0, 8)
        b[337:345] = octal(0, 8)
    b[345:345 + len(prefix)] = prefix
    for off, raw in (fields or {}).items():
        b[off:off + len(raw)] = raw
    b[148:156] = b" " * 8
    if chksum is None:
        total = sum((c - 256 if c > 127 else c) if signed else c for c in b)
        chksum = chksum_fmt % (total & 0o7777777)
    b[148:148 + len(chksum)] = chksum
    return bytes(b)


def data(payload):
    return payload + b"\0" * ((-len(payload)) % BLOCK)


def entry(name, payload=b"", **kw):
    return header(name, size=len(payload), **kw) + data(payload)


def pax(records, typeflag=b"x", name=b"PaxHeaders/x"):
    body = b""
    for key, value in records:
        rec = b" " + key + b"=" + value + b"\n"
        n = len(rec) + 1
        while len(str(n).encode()) + len(rec) != n:
            n += 1
        body += str(n).encode() + rec
    return entry(name, body, typeflag=typeflag)


def gnu_long(name, typeflag=b"L"):
    return entry(b"././@LongLink", name + b"\0", typeflag=typeflag,
                 magic=b"ustar ", version=b" \0")


END = b"\0" * (2 * BLOCK)
STATUS = b"Package: hidden\nStatus: install ok installed\nVersion: 1.0\n\n"


def hidden_after(typeflag, linkname=b""):
    """A header-only entry whose size field covers the next entry: the
    engines read that entry, a reader that skips "data" would not."""
    inner = entry(b"var/lib/dpkg/status", STATUS)
    target = entry(b"target", b"t") if typeflag == b"1" else b""
    return (target + header(b"x", typeflag=typeflag, size=len(inner), linkname=linkname)
            + inner + END)


def cases():
    """(name, expect, what, bytes) for every known class."""
    plain = (entry(b"etc/", typeflag=b"5", mode=0o755)
             + entry(b"etc/os-release", b"ID=debian\n")
             + entry(b"etc/link", typeflag=b"2", linkname=b"os-release")
             + entry(b"etc/hard", typeflag=b"1", linkname=b"etc/os-release")
             + END)
    yield "plain", "agree", "ustar file, dir, symlink, hard link", plain
    for flag, what in ((b"5", "directory"), (b"2", "symlink"), (b"1", "hard link"),
                       (b"3", "char device"), (b"4", "block device"), (b"6", "FIFO")):
        link = b"target" if flag in (b"1", b"2") else b""
        yield ("data-after-" + what.replace(" ", "-"), "agree",
               what + " with a size field: no data follows, the next blocks are headers",
               hidden_after(flag, link))
    yield ("data-after-rega-dir", "agree",
           "type NUL with a trailing slash is a directory: its size covers no data",
           header(b"d/", typeflag=b"\0", size=len(entry(b"a", b"x")))
           + entry(b"a", b"x") + END)
    # GNU headers: the ustar prefix area holds atime/ctime.
    yield ("gnu-prefix-octal", "agree", "GNU header, valid atime/ctime: no prefix",
           entry(b"name", b"x", magic=b"ustar ", version=b" \0",
                 fields={345: octal(5, 12), 357: octal(6, 12)}) + END)
    yield ("gnu-prefix-ascii", "agree",
           "GNU header, atime not a number and ASCII: Go reads it as a prefix",
           entry(b"status", b"x", magic=b"ustar ", version=b" \0",
                 fields={345: b"var/lib/dpkg\0"}) + END)
    yield ("gnu-prefix-binary", "agree",
           "GNU header, atime not a number and not ASCII: no prefix",
           entry(b"status", b"x", magic=b"ustar ", version=b" \0",
                 fields={345: b"\xffvar/lib\0"}) + END)
    yield ("gnu-bad-version", "agree", "GNU magic with another version is V7: no prefix",
           entry(b"status", b"x", magic=b"ustar ", version=b"00",
                 fields={345: b"var/lib/dpkg\0"}) + END)
    yield ("ustar-prefix", "agree", "ustar prefix joined with a slash",
           entry(b"status", b"x", prefix=b"var/lib/dpkg") + END)
    yield ("star-prefix", "agree", "star trailer: prefix is 131 bytes",
           entry(b"status", b"x", prefix=b"var/lib/dpkg",
                 fields={476: octal(1, 12), 488: octal(1, 12), 508: b"tar\0"}) + END)
    yield ("star-bad-atime", "refuse", "star header with a bad atime",
           entry(b"status", b"x", fields={476: b"zz\0", 508: b"tar\0"}) + END)
    yield ("v7-prefix-ignored", "agree", "V7 header: prefix area ignored",
           entry(b"status", b"x", magic=b"\0" * 6, version=b"\0\0",
                 prefix=b"var/lib/dpkg") + END)
    yield ("ustar-bad-devmajor", "refuse", "ustar header with a bad device number",
           entry(b"f", b"x", fields={329: b"9\0"}) + END)
    yield ("v7-bad-devmajor", "agree", "V7 header: device fields not read",
           entry(b"f", b"x", magic=b"\0" * 6, version=b"\0\0", fields={329: b"9\0"}) + END)
    # Long names: GNU L/K against PAX path/linkpath.
    yield ("gnu-over-pax", "agree", "GNU long name wins over PAX path (L then x)",
           gnu_long(b"from/gnu") + pax([(b"path", b"from/pax")]) + entry(b"hdr", b"x") + END)
    yield ("pax-then-gnu", "agree", "GNU long name wins over PAX path (x then L)",
           pax([(b"path", b"from/pax")]) + gnu_long(b"from/gnu") + entry(b"hdr", b"x") + END)
    yield ("gnu-link-over-pax", "agree", "GNU long link wins over PAX linkpath",
           pax([(b"linkpath", b"pax-target")]) + gnu_long(b"gnu-target", b"K")
           + entry(b"l", typeflag=b"2", linkname=b"hdr-target") + END)
    yield ("pax-replaced", "agree", "a second x replaces the first: its path is lost",
           pax([(b"path", b"first")]) + pax([(b"mtime", b"1")]) + entry(b"hdr", b"x") + END)
    yield ("gnu-twice", "agree", "two L records: the last wins",
           gnu_long(b"first") + gnu_long(b"second") + entry(b"hdr", b"x") + END)
    yield ("gnu-empty", "agree", "an empty L record clears the name before it",
           gnu_long(b"first") + gnu_long(b"") + entry(b"hdr", b"x") + END)
    yield ("gnu-nul", "agree", "L record cut at its first NUL",
           gnu_long(b"short\0ignored") + entry(b"hdr", b"x") + END)
    yield ("global-drops-pending", "agree", "a g header drops a pending x and L",
           pax([(b"path", b"lost")]) + gnu_long(b"lost2")
           + pax([(b"comment", b"hi")], typeflag=b"g") + entry(b"kept", b"x") + END)
    yield ("global-bad", "refuse", "a malformed g header",
           entry(b"g", b"5 a=b\n", typeflag=b"g") + END)
    # PAX size and numbers.
    yield ("pax-size-dir", "agree", "PAX size on a directory: no data follows",
           pax([(b"size", b"1024")]) + entry(b"d", typeflag=b"5")
           + entry(b"after", b"x") + END)
    yield ("pax-size-file", "agree", "PAX size overrides the header size",
           pax([(b"size", b"3")]) + header(b"f", size=0) + data(b"abc") + END)
    yield ("pax-size-empty", "agree", "an empty PAX size keeps the header's",
           pax([(b"size", b"")]) + entry(b"f", b"abc") + END)
    yield ("pax-size-plus", "agree", "PAX size with a plus sign (Go's ParseInt accepts it)",
           pax([(b"size", b"+3")]) + header(b"f", size=0) + data(b"abc") + END)
    yield ("pax-size-negative", "refuse", "negative PAX size",
           pax([(b"size", b"-3")]) + entry(b"f", b"abc") + END)
    yield ("pax-bad-uid", "refuse", "PAX uid not a number",
           pax([(b"uid", b"x")]) + entry(b"f", b"abc") + END)
    yield ("pax-bad-mtime", "refuse", "PAX mtime not a time",
           pax([(b"mtime", b"1.x")]) + entry(b"f", b"abc") + END)
    yield ("pax-frac-mtime", "agree", "PAX mtime with a fraction",
           pax([(b"mtime", b"-1.5")]) + entry(b"f", b"abc") + END)
    yield ("pax-bad-length", "refuse", "PAX record length wrong",
           entry(b"p", b"99 path=x\n", typeflag=b"x") + entry(b"f", b"abc") + END)
    yield ("pax-nul-path", "refuse", "PAX path with a NUL",
           pax([(b"path", b"a\0b")]) + entry(b"f", b"abc") + END)
    yield ("pax-empty-path", "agree", "an empty PAX path keeps the header name",
           pax([(b"path", b"")]) + entry(b"f", b"abc") + END)
    yield ("pax-sparse-1.0", "moat-refuses", "PAX GNU sparse 1.0: the engines expand it",
           pax([(b"GNU.sparse.major", b"1"), (b"GNU.sparse.minor", b"0"),
                (b"GNU.sparse.name", b"var/lib/dpkg/status"),
                (b"GNU.sparse.realsize", b"3")])
           + header(b"GNUSparseFile.0/status", size=512 + 3) + data(b"1\n0\n3\n".ljust(512, b"\0") + b"abc")
           + END)
    yield ("pax-sparse-unknown", "agree", "unknown GNU sparse version: a plain file",
           pax([(b"GNU.sparse.major", b"7"), (b"GNU.sparse.map", b"0,1")])
           + entry(b"f", b"abc") + END)
    yield ("pax-sparse-bad-order", "refuse", "GNU sparse 0.0 records out of order",
           pax([(b"GNU.sparse.numbytes", b"1")]) + entry(b"f", b"abc") + END)
    # Types the engines do not create.
    for flag, what in ((b"S", "old-gnu-sparse"), (b"7", "contiguous"), (b"V", "volume-label"),
                       (b"D", "gnu-dumpdir"), (b"Z", "unknown")):
        yield ("type-" + what, "refuse", "type %s is not unpacked" % flag.decode(),
               entry(b"f", b"abc", typeflag=flag) + END)
    yield ("type-rega", "agree", "type NUL is a regular file",
           entry(b"f", b"abc", typeflag=b"\0") + END)
    yield ("type-reg-slash", "agree", "type 0 with a trailing slash stays a file",
           entry(b"f/", b"abc") + END)
    # Numbers.
    yield ("base256-size", "agree", "base-256 size",
           header(b"f", size=b"\x80" + b"\0" * 10 + b"\x03") + data(b"abc") + END)
    yield ("base256-negative-size", "refuse", "negative base-256 size",
           header(b"f", size=b"\xff" * 12) + END)
    yield ("base256-negative-mtime", "agree", "negative base-256 mtime",
           entry(b"f", b"abc", fields={136: b"\xff" * 12}) + END)
    yield ("base256-overflow", "refuse", "base-256 size that overflows",
           header(b"f", size=b"\x81" + b"\0" * 11) + END)
    yield ("octal-trailing-junk", "agree", "octal field: anything after a NUL ignored",
           entry(b"f", b"abc", fields={100: b"644\0zz\0"}) + END)
    yield ("octal-inner-space", "refuse", "octal field with a space inside",
           entry(b"f", b"abc", fields={100: b"6 44\0"}) + END)
    yield ("checksum-signed", "agree", "checksum as a signed sum",
           entry(b"f\xe9", b"abc", signed=True) + END)
    yield ("checksum-junk", "agree", "checksum field with junk after a NUL",
           entry(b"f", b"abc", chksum_fmt=b"%06o\0z") + END)
    yield ("checksum-bad", "refuse", "wrong checksum",
           entry(b"f", b"abc", chksum=b"000001\0 ") + END)
    # Names as the engines clean them.
    yield ("name-nul", "agree", "name field cut at its NUL",
           entry(b"abc\0def", b"x") + END)
    yield ("name-dot-slash", "agree", "./ prefixes and doubled slashes",
           entry(b"./a//b/./c", b"x") + END)
    yield ("name-absolute", "agree", "absolute names are relative to the root",
           entry(b"/etc/abs", b"x") + END)
    yield ("name-dotdot", "agree", ".. stops at the root",
           entry(b"../../etc/up", b"x") + entry(b"a/../../b", b"y") + END)
    yield ("name-root-dir", "agree", "the root as a directory is skipped",
           entry(b"./", typeflag=b"5") + entry(b"/", typeflag=b"5") + entry(b"f", b"x") + END)
    yield ("name-dot-file", "agree", "a file named . is skipped (its data too)",
           entry(b".", b"hidden") + entry(b"f", b"x") + END)
    yield ("name-root-file", "refuse", "a file named / is refused",
           entry(b"/", b"x") + END)
    yield ("hardlink-clean", "agree", "hard link targets cleaned and rooted",
           entry(b"f", b"x") + entry(b"h1", typeflag=b"1", linkname=b"../../f")
           + entry(b"h2", typeflag=b"1", linkname=b"/f") + END)
    yield ("hardlink-root", "refuse", "hard link to the root",
           entry(b"h", typeflag=b"1", linkname=b"./") + END)
    yield ("symlink-empty", "refuse", "symlink with an empty target",
           entry(b"s", typeflag=b"2", linkname=b"") + END)
    yield ("symlink-raw", "agree", "symlink targets kept as written",
           entry(b"s", typeflag=b"2", linkname=b"../../x//y/") + END)
    # The end of the archive.
    yield ("end-one-zero-block", "agree", "one zero block then the end of the stream",
           entry(b"f", b"x") + b"\0" * BLOCK)
    yield ("end-none", "agree", "no end blocks at all",
           entry(b"f", b"x"))
    yield ("end-no-padding", "agree", "the stream ends in the last entry's padding",
           header(b"f", size=3) + b"abc")
    yield ("end-zero-then-header", "refuse", "a header after one zero block",
           entry(b"f", b"x") + b"\0" * BLOCK + entry(b"g", b"y") + END)
    yield ("end-truncated-data", "refuse", "the stream ends inside file data",
           header(b"f", size=1000) + b"abc")
    yield ("end-partial-header", "refuse", "the stream ends inside a header",
           entry(b"f", b"x") + b"\1" * 100)
    yield ("empty", "agree", "an empty stream", b"")


def mutate(rng, blob):
    """Change a few header bytes where readers differ, then fix the checksum."""
    b = bytearray(blob)
    blocks = [i for i in range(0, len(b) - BLOCK + 1, BLOCK)
              if any(b[i:i + BLOCK]) and b[i + 257:i + 262] in (b"ustar", b"\0" * 5)]
    if not blocks:
        return bytes(b)
    for _ in range(rng.randint(1, 3)):
        at = rng.choice(blocks)
        choice = rng.randrange(8)
        if choice == 0:
            b[at + 156] = rng.choice(b"0123456\0xgLKS7V")
        elif choice == 1:
            b[at + 124:at + 136] = octal(rng.choice([0, 1, 3, 511, 512, 513, 1024, 1536]), 12)
        elif choice == 2:
            b[at + 257:at + 265] = rng.choice([b"ustar\x0000", b"ustar  \0", b"\0" * 8])
        elif choice == 3:
            b[at + 345:at + 357] = rng.choice([b"var/lib\0", b"\xff\xfe\0", octal(7, 12)])
        elif choice == 4:
            b[at:at + 100] = rng.choice([b"./x/../y", b"/abs", b"../up", b"d/", b"."]).ljust(100, b"\0")
        elif choice == 5:
            b[at + 157:at + 257] = rng.choice([b"", b"../t", b"/t", b"."]).ljust(100, b"\0")
        elif choice == 6:
            b[at + 508:at + 512] = b"tar\0"
        else:
            pos = at + rng.randrange(BLOCK)
            b[pos] = rng.randrange(256)
        b[at + 148:at + 156] = b" " * 8
        b[at + 148:at + 156] = b"%06o\0 " % (sum(b[at:at + BLOCK]) & 0o7777777)
    return bytes(b)


def main():
    out = sys.argv[1]
    mutants = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.makedirs(out, exist_ok=True)
    seeds = []
    with open(os.path.join(out, "cases.tsv"), "w") as tsv:
        for name, expect, what, blob in cases():
            with open(os.path.join(out, name + ".tar"), "wb") as f:
                f.write(blob)
            tsv.write("%s\t%s\t%s\n" % (name, expect, what))
            seeds.append(blob)
    rng = random.Random(1234)
    for i in range(mutants):
        with open(os.path.join(out, "mut-%04d.tar" % i), "wb") as f:
            f.write(mutate(rng, rng.choice(seeds)))


if __name__ == "__main__":
    main()
