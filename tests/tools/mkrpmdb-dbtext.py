#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Print an rpm sqlite database's header blobs as `db_load -T` input.

  mkrpmdb-dbtext.py --order le|be rpmdb.sqlite > text
  db5.3_load -T -t hash -c db_lorder=1234 -f text Packages

db_load -T reads paired lines (key, then value); a backslash followed by two
hex digits is one byte, so every byte is written escaped and binary data
survives. Keys are the 4-byte header numbers in the byte order of the target
file, as rpm's BerkeleyDB backend stored them (native integers). Key 0 holds
the largest header number, like the record rpm kept there for allocating
instances; readers must skip it.

stdlib only; run with /usr/bin/python3.
"""
import argparse
import sqlite3
import struct
import sys


def esc(data):
    return "".join("\\%02x" % b for b in data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--order", choices=("le", "be"), required=True)
    ap.add_argument("db")
    args = ap.parse_args()
    fmt = "<I" if args.order == "le" else ">I"
    con = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
    rows = con.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    out = sys.stdout
    top = max((hnum for hnum, _ in rows), default=0)
    out.write(esc(struct.pack(fmt, 0)) + "\n" + esc(struct.pack(fmt, top)) + "\n")
    for hnum, blob in rows:
        out.write(esc(struct.pack(fmt, hnum)) + "\n" + esc(blob) + "\n")


if __name__ == "__main__":
    main()
