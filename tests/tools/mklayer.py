#!/usr/bin/python3
"""Write an uncompressed, deterministic image layer tar.

  mklayer.py --root DIR -o layer.tar                 # whole tree
  mklayer.py --lower LOW --upper UP -o layer.tar     # changeset UP - LOW

The changeset mode emulates what a container build records: entries that are
new or differ (type, mode, owner, mtime, size, symlink target, content), OCI
whiteouts (DIR/.wh.NAME) for deletions, and DIR/.wh..wh..opq when a directory
that exists on both sides lost *all* of its lower children and has new ones
(a wholesale replacement). Every emitted entry is preceded by its parent
directories.

Tar details chosen to look like images Docker writes: relative names without
'./', numeric owners only (no uname/gname: host name tables must not leak into
test data), whole-second mtimes (no PAX time records), PAX only when a path
needs it. Sockets and device nodes are skipped (Docker images keep /dev empty).
Hardlinks inside the emitted set become tar type '1' pointing at the first
path of the inode written to this layer.

stdlib only; run with /usr/bin/python3.
"""
import argparse
import fnmatch
import hashlib
import os
import stat
import sys
import tarfile

WH = ".wh."
OPQ = ".wh..wh..opq"


def _sorted_names(path):
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    # Sort on bytes so the order never depends on the locale.
    return sorted(names, key=os.fsencode)


def _excluded(rel, patterns):
    return any(fnmatch.fnmatchcase(rel, p) for p in patterns)


def _file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.digest()


def _same(lpath, lst, upath, ust):
    """True when the upper entry needs no record in the layer."""
    if stat.S_IFMT(lst.st_mode) != stat.S_IFMT(ust.st_mode):
        return False
    if (lst.st_mode, lst.st_uid, lst.st_gid) != (ust.st_mode, ust.st_uid, ust.st_gid):
        return False
    if stat.S_ISDIR(ust.st_mode):
        # Directory mtimes change whenever an entry is added or removed; the
        # directory is emitted anyway as the parent of such changes, so a
        # bare mtime change is recorded too (overlayfs would copy it up).
        return int(lst.st_mtime) == int(ust.st_mtime)
    if int(lst.st_mtime) != int(ust.st_mtime):
        return False
    if stat.S_ISLNK(ust.st_mode):
        return os.readlink(lpath) == os.readlink(upath)
    if stat.S_ISREG(ust.st_mode):
        if lst.st_size != ust.st_size:
            return False
        # Same size and second: only the bytes can tell (dpkg restores the
        # package's mtimes, so an upgraded file can match on both).
        return _file_digest(lpath) == _file_digest(upath)
    return True  # fifo


class LayerWriter:
    def __init__(self, out, base):
        self.tar = tarfile.open(out, "w", format=tarfile.PAX_FORMAT)
        self.base = base
        self.emitted = set()      # relative paths already written
        self.inodes = {}          # (dev, ino) -> first relative path written
        self.skipped = []

    def close(self):
        self.tar.close()

    def _info(self, rel, st):
        ti = tarfile.TarInfo(rel)
        ti.mode = stat.S_IMODE(st.st_mode)
        ti.uid, ti.gid = st.st_uid, st.st_gid
        ti.uname = ti.gname = ""
        ti.mtime = int(st.st_mtime)
        return ti

    def ensure_parents(self, rel, root):
        """Write directory entries for every not-yet-written ancestor."""
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.emitted:
                self.add(d, root, parents=False)

    def add(self, rel, root, parents=True):
        """Write the entry at root/rel (not its children)."""
        if rel in self.emitted:
            return
        if parents:
            self.ensure_parents(rel, root)
        path = os.path.join(root, rel)
        st = os.lstat(path)
        ti = self._info(rel, st)
        fobj = None
        if stat.S_ISDIR(st.st_mode):
            ti.type = tarfile.DIRTYPE
        elif stat.S_ISLNK(st.st_mode):
            ti.type = tarfile.SYMTYPE
            ti.linkname = os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if st.st_nlink > 1 and key in self.inodes:
                ti.type = tarfile.LNKTYPE
                ti.linkname = self.inodes[key]
            else:
                if st.st_nlink > 1:
                    self.inodes[key] = rel
                ti.type = tarfile.REGTYPE
                ti.size = st.st_size
                fobj = open(path, "rb")
        elif stat.S_ISFIFO(st.st_mode):
            ti.type = tarfile.FIFOTYPE
        else:
            # Sockets and device nodes have no place in an image layer.
            self.skipped.append(rel)
            return
        try:
            self.tar.addfile(ti, fobj)
        finally:
            if fobj:
                fobj.close()
        self.emitted.add(rel)

    def add_marker(self, rel, mtime):
        """Zero-length whiteout file, owned by root, like Docker writes."""
        ti = tarfile.TarInfo(rel)
        ti.mode, ti.uid, ti.gid, ti.mtime = 0o644, 0, 0, mtime
        ti.uname = ti.gname = ""
        self.tar.addfile(ti)
        self.emitted.add(rel)


def write_tree(w, root, rel, excludes):
    """Emit root/rel and everything below it."""
    if rel and _excluded(rel, excludes):
        return
    if rel:
        w.add(rel, root)
    path = os.path.join(root, rel) if rel else root
    if os.path.isdir(path) and not os.path.islink(path):
        for name in _sorted_names(path):
            write_tree(w, root, f"{rel}/{name}" if rel else name, excludes)


def write_diff(w, lower, upper, rel, excludes, opaque):
    """Emit the changes below directory rel (present on both sides)."""
    ldir = os.path.join(lower, rel) if rel else lower
    udir = os.path.join(upper, rel) if rel else upper
    lnames = [n for n in _sorted_names(ldir) if not _excluded(_j(rel, n), excludes)]
    unames = [n for n in _sorted_names(udir) if not _excluded(_j(rel, n), excludes)]
    uset, lset = set(unames), set(lnames)
    dmtime = int(os.lstat(udir).st_mtime)

    if rel and opaque and lnames and unames and not (lset & uset):
        # Emptied and refilled (rm -rf d && mkdir d && ...): one opaque marker
        # instead of N whiteouts. A directory only emptied keeps whiteouts.
        w.add(rel, upper)
        w.add_marker(_j(rel, OPQ), dmtime)
        for n in unames:
            write_tree(w, upper, _j(rel, n), excludes)
        return

    for n in lnames:
        if n not in uset:
            w.ensure_parents(_j(rel, n), upper)
            w.add_marker(_j(rel, WH + n), dmtime)

    for n in unames:
        r = _j(rel, n)
        up = os.path.join(upper, r)
        ust = os.lstat(up)
        if n not in lset:
            write_tree(w, upper, r, excludes)
            continue
        lp = os.path.join(lower, r)
        lst = os.lstat(lp)
        ldir_, udir_ = stat.S_ISDIR(lst.st_mode), stat.S_ISDIR(ust.st_mode)
        if ldir_ and udir_:
            if not _same(lp, lst, up, ust):
                w.add(r, upper)
            write_diff(w, lower, upper, r, excludes, opaque)
        elif ldir_ and not udir_:
            # A non-directory replacing a directory: hide the old subtree
            # explicitly (the whiteout applies to lower layers only).
            w.ensure_parents(r, upper)
            w.add_marker(_j(rel, WH + n), dmtime)
            w.add(r, upper)
        elif not _same(lp, lst, up, ust):
            write_tree(w, upper, r, excludes)


def _j(rel, name):
    return f"{rel}/{name}" if rel else name


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", help="emit the whole tree below DIR")
    ap.add_argument("--lower", help="base tree (changeset mode)")
    ap.add_argument("--upper", help="changed tree (changeset mode)")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--exclude", action="append", default=[],
                    help="fnmatch pattern on the relative path (e.g. 'dev/*'); "
                         "matching entries and their subtrees are left out")
    ap.add_argument("--no-opaque", action="store_true",
                    help="never use .wh..wh..opq; always one whiteout per name")
    a = ap.parse_args(argv)
    if bool(a.root) == bool(a.lower or a.upper) or bool(a.lower) != bool(a.upper):
        ap.error("give either --root, or both --lower and --upper")

    tmp = a.output + ".tmp"
    w = LayerWriter(tmp, a.root or a.upper)
    try:
        if a.root:
            write_tree(w, os.path.abspath(a.root), "", a.exclude)
        else:
            write_diff(w, os.path.abspath(a.lower), os.path.abspath(a.upper), "",
                       a.exclude, not a.no_opaque)
    finally:
        w.close()
    os.replace(tmp, a.output)
    if w.skipped:
        print(f"mklayer: skipped {len(w.skipped)} special files (sockets/devices)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
