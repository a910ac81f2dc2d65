#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Write an rpm NDB `Packages.db` holding the header blobs of an sqlite rpmdb.

  mkrpmdb-ndb.py rpmdb.sqlite Packages.db

Debian's rpm is built without the ndb backend, so the test fixture is laid
out here, following rpm's lib/backend/ndb/rpmpkg.c as a fresh database looks
after installing the packages one by one:

  file     = slot pages (4096 bytes each), then blobs in 16-byte blocks
  header   = first 32 bytes of slot page 0, little endian u32s:
             magic 'RpmP', version 0, generation, slot page count,
             next package index, zero padding
  slot     = 16 bytes: magic 'Slot', pkgidx, blkoff, blkcnt (all 0 = free);
             slots 0 and 1 of page 0 are the header
  blob     = at blkoff * 16: head (magic 'BlbS', pkgidx, timestamp, length),
             the header blob, zero padding to a block boundary, tail
             (adler32 of head+blob+padding, length, magic 'BlbE');
             blkcnt = ceil((16 + length + 12) / 16)

Every put rewrites one slot and bumps the generation (which starts at 1
when the empty database is created).

stdlib only; run with /usr/bin/python3.
"""
import sqlite3
import struct
import sys
import zlib

PAGE = 4096
SLOT = 16
BLK = 16
HEAD = 16
TAIL = 12
TSTAMP = 1700000000


def le(*vals):
    return struct.pack("<%dI" % len(vals), *vals)


def magic(s):
    return struct.unpack("<I", s.encode())[0]


def blob_record(pkgidx, blob):
    blkcnt = (HEAD + len(blob) + TAIL + BLK - 1) // BLK
    head = le(magic("BlbS"), pkgidx, TSTAMP, len(blob))
    pad = b"\0" * (blkcnt * BLK - HEAD - len(blob) - TAIL)
    adl = zlib.adler32(head + blob + pad, 1)
    return head + blob + pad + le(adl, len(blob), magic("BlbE")), blkcnt


def main():
    src, dst = sys.argv[1], sys.argv[2]
    con = sqlite3.connect("file:%s?mode=ro" % src, uri=True)
    rows = con.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    nslots = PAGE // SLOT - 2
    npages = 1 + max(0, len(rows) - nslots + PAGE // SLOT - 1) // (PAGE // SLOT)
    slots = []
    area = bytearray()
    blkoff = npages * PAGE // BLK
    for hnum, blob in rows:
        rec, blkcnt = blob_record(hnum, bytes(blob))
        slots.append(le(magic("Slot"), hnum, blkoff, blkcnt))
        area += rec
        blkoff += blkcnt
    total_slots = npages * PAGE // SLOT - 2
    slots += [le(magic("Slot"), 0, 0, 0)] * (total_slots - len(slots))
    nextidx = max((h for h, _ in rows), default=0) + 1
    header = le(magic("RpmP"), 0, 1 + len(rows), npages, nextidx) + b"\0" * 12
    with open(dst, "wb") as f:
        f.write(header + b"".join(slots) + bytes(area))


if __name__ == "__main__":
    main()
