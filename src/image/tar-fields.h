/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar-fields.h - header fields and PAX records read exactly as Go's
 * archive/tar reads them (the reader every container engine unpacks with).
 *
 * Private to src/image/tar.c; split out so the stream logic stays short.
 */
#ifndef MOAT_TAR_FIELDS_H
#define MOAT_TAR_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

#define TAR_BLOCK 512u

/* Header formats, as Go's block.getFormat() guesses them. */
enum tar_format { TAR_V7, TAR_USTAR, TAR_STAR, TAR_GNU };

/* Go's parser.parseNumeric: base-256 (two's complement) or octal. */
bool tar_parse_numeric(const uint8_t *field, size_t len, int64_t *ret);
/* Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, in range. */
bool tar_parse_int(struct moat_slice s, int64_t *ret);
/* Checksum valid (unsigned or signed sum) and the format it implies; false
 * for a block Go would call FormatUnknown. */
bool tar_block_format(const uint8_t *block, enum tar_format *ret_format);
/* A C string in a fixed field: up to the first NUL. */
struct moat_slice tar_field_string(const uint8_t *field, size_t len);

/* The PAX records that matter, from the last 'x' header (each 'x' replaces
 * the previous one, as in Go). Slices point into the caller's buffer. */
struct tar_pax {
	struct moat_slice path, linkpath, size, uid, gid, atime, mtime, ctime;
	struct moat_slice sparse_major, sparse_minor, sparse_map;
	size_t offsets_map_bytes; /* GNU.sparse.offset/numbytes records (format 0.0) */
	bool sparse_map_set;      /* GNU.sparse.map non-empty, as Go would join it */
};

/* Go's parsePAX: every record well formed or the whole header is bad.
 * Returns NULL on success or a short reason. */
const char *tar_pax_parse(struct moat_slice in, struct tar_pax *ret);
/* Go's mergePAX checks on the non-empty numeric values; NULL or the key. */
const char *tar_pax_check(const struct tar_pax *pax);
/* Whether Go would read the entry as a GNU sparse file (PAX 0.0, 0.1, 1.0). */
bool tar_pax_sparse(const struct tar_pax *pax);

#endif
