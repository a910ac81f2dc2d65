/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar.h - streaming tar reader for image archives and layers.
 *
 * Reads ustar, GNU (long names 'L'/'K', base-256 sizes) and PAX ('x' path,
 * linkpath, size) from a moat_reader, once, front to back. Every header is
 * checksummed, every size bounded, and every path normalised: no absolute
 * paths, no ".." components. Entry data not read by the caller is skipped.
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
	const char *path;        /* normalised, relative; valid until the next call */
	size_t path_len;
	const char *link;        /* link target as written (hardlink targets normalised); or NULL */
	size_t link_len;
	char type;               /* enum moat_tar_type */
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t size;           /* bytes of data that follow */
	int64_t mtime;
};

struct moat_tar {
	struct moat_reader *in;          /* borrowed */
	const struct moat_limits *limits;
	uint64_t data_left;              /* unread data bytes of the current entry */
	uint64_t pad_left;               /* padding after it */
	uint64_t entries;
	bool done;
	struct moat_buf path;            /* current path (and long/pax names) */
	struct moat_buf link;
	struct moat_buf long_path;       /* pending GNU 'L' / PAX path for the next header */
	struct moat_buf long_link;
	uint64_t pax_size;               /* pending PAX size, or UINT64_MAX */
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

/* Normalise an archive path into out (NUL-terminated): drop leading "./",
 * duplicate and trailing slashes and "." components. An absolute path or a
 * ".." component is MOAT_E_UNSAFE_PATH. The root itself becomes "". */
int moat_path_normalize(const char *in, size_t len, struct moat_buf *out, struct moat_error *err);

#endif
