/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar.h - streaming tar reader for image archives and layers.
 *
 * Reads a tar once, front to back, and yields the entries a container engine
 * would create from it: Docker, containerd, Podman and BuildKit all read
 * layers with Go's archive/tar and unpack them inside a chroot, so this reader
 * follows both exactly (docs/internals/tar-reading.md lists every rule and
 * where GNU tar differs). Where they would write something this reader cannot
 * represent the same way (sparse files, entry types they refuse) the archive
 * is refused, naming the entry: never a third reading. Every header is
 * checksummed and every size bounded. tests/integration/tar_diff.sh holds it
 * to Go's reader.
 */
#ifndef MOAT_TAR_H
#define MOAT_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/reader.h"
#include "moat/limits.h"
#include "tar-fields.h"

enum moat_tar_type {
	MOAT_TAR_FILE = '0',
	MOAT_TAR_HARDLINK = '1',
	MOAT_TAR_SYMLINK = '2',
	MOAT_TAR_CHAR = '3',
	MOAT_TAR_BLOCK = '4',
	MOAT_TAR_DIR = '5',
	MOAT_TAR_FIFO = '6',
};

struct moat_tar_entry {
	const char *path;        /* cleaned as the engine does, relative; valid until the next call */
	size_t path_len;
	const char *link;        /* symlink target as written; hardlink target cleaned; or NULL */
	size_t link_len;
	char type;               /* enum moat_tar_type */
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t size;           /* bytes of data that follow (0 for all but regular files) */
	uint32_t dev_major;      /* char and block devices (a 0,0 char device is an */
	uint32_t dev_minor;      /* overlayfs whiteout once Docker has unpacked it) */
	int64_t mtime;
};

struct moat_tar {
	struct moat_reader *in;          /* borrowed */
	const struct moat_limits *limits;
	uint64_t data_left;              /* unread data bytes of the current entry */
	uint64_t pad_left;               /* padding after it */
	uint64_t entries;
	bool done;
	struct moat_buf path;            /* current path */
	struct moat_buf link;
	struct moat_buf raw;             /* the current name before cleaning */
	struct moat_buf gnu_name;        /* pending GNU 'L' record for the next header */
	struct moat_buf gnu_link;        /* pending GNU 'K' record */
	struct moat_buf pax_data;        /* pending 'x' header; pax's slices point into it */
	struct tar_pax pax;
	bool pax_pending;
	const char *what;                /* names the archive in errors */
};

void moat_tar_init(struct moat_tar *tar, struct moat_reader *in, const struct moat_limits *limits,
		   const char *what);
void moat_tar_release(struct moat_tar *tar);
/* Next entry: 1 and *ret_entry filled, 0 at the end of the archive, or a negative code. */
int moat_tar_next(struct moat_tar *tar, struct moat_tar_entry *ret_entry, struct moat_error *err);
/* Read data of the current entry; 0 when it is consumed. */
ssize_t moat_tar_read(struct moat_tar *tar, void *buf, size_t len, struct moat_error *err);
/* The current entry's data as a moat_reader. */
struct moat_reader moat_tar_data_reader(struct moat_tar *tar);

/* Clean an archive path into out (NUL-terminated) as the engines do inside
 * their chroot: relative to the root whether or not it starts with "/", ""
 * and "." components dropped, ".." removing the previous component and
 * stopping at the root. The root itself becomes "". *ret_dot (may be NULL)
 * says the name was one Go's filepath.Clean turns into "." (relative, no
 * ".." stopped at the root), which Docker skips whatever its type. */
int moat_tar_clean(const char *in, size_t len, struct moat_buf *out, bool *ret_dot,
		   struct moat_error *err);

#endif
