#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Derive test binaries from a Go >= 1.18 ELF binary (stdlib only).

  goelf.py noshdr IN OUT     drop the section header table (e_shoff/e_shnum/
                             e_shstrndx = 0): readers must find the build info
                             by scanning the writable segments for its magic.
  goelf.py oldformat IN OUT  rewrite .go.buildinfo in the pre-1.18 layout Go's
                             debug/buildinfo still reads: flags without the
                             inline bit, two pointers to Go string headers
                             {data, len}, and the string bytes, all inside the
                             section. If the strings do not fit, trailing
                             "build" lines of the modinfo are dropped (the
                             oracle, `go version -m`, reads the result).
  goelf.py mini IN OUT       a small ELF of the same class, byte order and
                             machine holding only .go.buildinfo (at its
                             address, in one writable PT_LOAD segment) and
                             .shstrtab: a fuzz seed that `go version -m` still
                             reads when the build info is self-contained
                             (inline, or made by oldformat).
"""
import struct
import sys

MAGIC = b"\xff Go buildinf:"


def elf_header(d):
    if d[:4] != b"\x7fELF":
        sys.exit("not ELF")
    is64 = d[4] == 2
    end = ">" if d[5] == 2 else "<"
    if is64:
        shoff, = struct.unpack_from(end + "Q", d, 40)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", d, 58)
    else:
        shoff, = struct.unpack_from(end + "I", d, 32)
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", d, 46)
    return is64, end, shoff, shentsize, shnum, shstrndx


def sections(d):
    is64, end, shoff, shentsize, shnum, shstrndx = elf_header(d)
    fmt = end + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    out = []
    for i in range(shnum):
        f = struct.unpack_from(fmt, d, shoff + i * shentsize)
        out.append({"name": f[0], "type": f[1], "addr": f[3], "offset": f[4], "size": f[5]})
    strtab = out[shstrndx]
    for s in out:
        base = strtab["offset"] + s["name"]
        s["name"] = d[base:d.index(b"\0", base)].decode()
    return out


def uvarint(d, i):
    v = shift = 0
    while True:
        b = d[i]
        i += 1
        v |= (b & 0x7f) << shift
        shift += 7
        if b < 0x80:
            return v, i


def noshdr(d):
    is64, end, *_ = elf_header(d)
    if is64:
        struct.pack_into(end + "Q", d, 40, 0)
        struct.pack_into(end + "HHH", d, 58, 0, 0, 0)
    else:
        struct.pack_into(end + "I", d, 32, 0)
        struct.pack_into(end + "HHH", d, 46, 0, 0, 0)


def oldformat(d):
    is64, end, *_ = elf_header(d)
    sec = next(s for s in sections(d) if s["name"] == ".go.buildinfo")
    off, size, addr = sec["offset"], sec["size"], sec["addr"]
    if d[off:off + 14] != MAGIC or not d[off + 15] & 2:
        sys.exit("no inline build info")
    n, i = uvarint(d, off + 32)
    vers = bytes(d[i:i + n])
    n, i = uvarint(d, i + n)
    mod = bytes(d[i:i + n])
    ptr = 8 if is64 else 4
    body = mod[16:-16]
    while 32 + 4 * ptr + len(vers) + len(mod) > size:
        lines = body.split(b"\n")
        cut = max(k for k, l in enumerate(lines) if l.startswith(b"build\t"))
        del lines[cut]
        body = b"\n".join(lines)
        mod = mod[:16] + body + mod[-16:]
    p = end + ("Q" if is64 else "I")
    hdr_v = 32                     # string headers right after the 32-byte header
    hdr_m = 32 + 2 * ptr
    dat_v = 32 + 4 * ptr
    dat_m = dat_v + len(vers)
    blob = bytearray(size)
    blob[0:14] = MAGIC
    blob[14] = ptr
    blob[15] = 1 if end == ">" else 0
    struct.pack_into(p, blob, 16, addr + hdr_v)
    struct.pack_into(p, blob, 16 + ptr, addr + hdr_m)
    struct.pack_into(p + p[-1], blob, hdr_v, addr + dat_v, len(vers))
    struct.pack_into(p + p[-1], blob, hdr_m, addr + dat_m, len(mod))
    blob[dat_v:dat_m] = vers
    blob[dat_m:dat_m + len(mod)] = mod
    d[off:off + size] = blob


def mini(d):
    is64, end, *_ = elf_header(d)
    sec = next(s for s in sections(d) if s["name"] == ".go.buildinfo")
    body = bytes(d[sec["offset"]:sec["offset"] + sec["size"]])
    names = b"\0.go.buildinfo\0.shstrtab\0"
    ehsize, phsize, shsize = (64, 56, 64) if is64 else (52, 32, 40)
    off_data = 128
    off_names = off_data + len(body)
    off_sh = (off_names + len(names) + 7) & ~7
    out = bytearray(off_sh + 3 * shsize)
    out[0:16] = d[0:16]
    e_type, e_machine, e_version = struct.unpack_from(end + "HHI", d, 16)
    w = "Q" if is64 else "I"
    struct.pack_into(end + "HHI" + w + w + w + "IHHHHHH", out, 16, e_type, e_machine,
                     e_version, 0, ehsize, off_sh, 0, ehsize, phsize, 1, shsize, 3, 2)
    if is64:
        struct.pack_into(end + "IIQQQQQQ", out, ehsize, 1, 6, off_data, sec["addr"],
                         sec["addr"], len(body), len(body), 16)
    else:
        struct.pack_into(end + "IIIIIIII", out, ehsize, 1, off_data, sec["addr"],
                         sec["addr"], len(body), len(body), 6, 16)
    out[off_data:off_names] = body
    out[off_names:off_names + len(names)] = names
    fmt = end + ("IIQQQQIIQQ" if is64 else "IIIIIIIIII")
    struct.pack_into(fmt, out, off_sh + shsize, 1, 1, 3, sec["addr"], off_data, len(body),
                     0, 0, 16, 0)
    struct.pack_into(fmt, out, off_sh + 2 * shsize, 15, 3, 0, 0, off_names, len(names),
                     0, 0, 1, 0)
    d[:] = out


def main():
    mode, src, dst = sys.argv[1:4]
    d = bytearray(open(src, "rb").read())
    {"noshdr": noshdr, "oldformat": oldformat, "mini": mini}[mode](d)
    with open(dst, "wb") as f:
        f.write(d)
    import os
    os.chmod(dst, 0o755)


if __name__ == "__main__":
    main()
