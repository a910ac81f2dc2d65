/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zip.h - a bounded zip reader over a buffer in memory (jars, wars, eggs,
 * wheels), for catalogers that look inside archives found in images.
 *
 * Only what a listing and a few extractions need: the end of central
 * directory record (and its ZIP64 form), the central directory, and each
 * entry's local header, which must agree with the central directory (name,
 * method, sizes) so two readers cannot see two different archives. Entries
 * whose data overlap another's are refused at open: overlapping entries are
 * how the best-known zip bombs multiply their output. Data prepended to the
 * archive (self-running jars start with a shell script) is allowed.
 *
 * Extraction handles stored and deflate entries, checks the CRC-32, never
 * writes more than the declared size, and refuses entries whose declared
 * size is over the caller's bound or whose ratio marks a bomb. All extractions
 * from one archive (and, through limits.total_used, from archives nested in
 * it) share one byte budget.
 */
#ifndef MOAT_ZIP_H
#define MOAT_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

struct moat_buf;
struct moat_error;
struct moat_zip;

struct moat_zip_limits {
	uint32_t max_entries;  /* 0 = MOAT_LIMIT_ZIP_ENTRIES */
	uint64_t max_total;    /* bytes all extractions may produce; 0 = MOAT_LIMIT_CAPTURE_TOTAL */
	uint32_t max_ratio;    /* uncompressed/compressed for entries over 1 MiB; 0 = MOAT_LIMIT_RATIO */
	/* Optional counter shared by nested archives: extracted bytes are added
	 * here (instead of a private counter) and checked against max_total. */
	uint64_t *total_used;
};

struct moat_zip_entry {
	struct moat_slice name; /* points into the archive buffer; not NUL-terminated */
	bool name_safe;         /* relative, no "..", no '\\', no NUL, no empty name */
	bool is_dir;            /* name ends in '/' */
	bool encrypted;
	uint16_t method;        /* 0 stored, 8 deflate; others cannot be extracted */
	uint32_t crc32;
	uint64_t csize;         /* compressed bytes */
	uint64_t usize;         /* declared uncompressed bytes */
	uint64_t header_offset; /* of its local header, from the start of the buffer */
	uint64_t data_offset;   /* of the entry's data, from the start of the buffer */
};

/* Open the archive held in data[0..len) (borrowed: it must outlive the
 * handle). `what` names it in messages ("app.jar!/WEB-INF/lib/x.jar").
 * Returns 0 and *ret_zip, or MOAT_E_FORMAT (not a zip, or inconsistent),
 * MOAT_E_LIMIT, MOAT_E_UNSUPPORTED (multi-disk) or -ENOMEM. */
int moat_zip_open(const void *data, size_t len, const struct moat_zip_limits *limits,
		  const char *what, struct moat_zip **ret_zip, struct moat_error *err);
/* NULL is a no-op. */
void moat_zip_close(struct moat_zip *zip);

/* Entries in central-directory order. */
size_t moat_zip_count(const struct moat_zip *zip);
const struct moat_zip_entry *moat_zip_entry(const struct moat_zip *zip, size_t index);
/* Index of the first entry named exactly name (with a safe name), or -1. */
long moat_zip_find(const struct moat_zip *zip, struct moat_slice name);

/* Extract entry `index` into out (reset first; NUL-terminated after the data).
 * Entries declaring more than max bytes fail with MOAT_E_LIMIT, as do bombs
 * and extractions past the shared budget; corrupt data or a wrong CRC is
 * MOAT_E_FORMAT; other methods and encryption are MOAT_E_UNSUPPORTED. */
int moat_zip_extract(struct moat_zip *zip, size_t index, uint64_t max, struct moat_buf *out,
		     struct moat_error *err);

#endif
