/* SPDX-License-Identifier: Apache-2.0 */
/*
 * blob-cache.h - compiled pattern databases kept on disk between scans, as
 * files nobody else could have written: the container that hs-cache.h
 * (Hyperscan databases) and yara-cache.h (YARA rules) put their bytes in.
 *
 * Why one container: both libraries trust what their loaders are given
 * (Hyperscan's deserializer and YARA's rule loader run the bytes they
 * read), so the checks that decide whether a file may reach them must be
 * the same, and in one place.
 *
 * A file is DIR/SUB/KIND-KEY.db, KEY the SHA-256 (64 hex) of everything
 * that went into the compile, computed by the caller with the blob_key_*
 * helpers. It is written atomically (temporary file, rename; mode 0600 in a
 * 0700 directory) and starts with a header: an 8-byte magic of the caller's,
 * the format, KEY again, the payload's length and its SHA-256. It is read
 * bounded (BLOB_CACHE_MAX_BYTES), without following a symlink, only when it
 * is a regular file owned by us and writable by nobody else, and its bytes
 * are handed back only when the header names the KEY asked for and the
 * payload hashes to what the header says. Every failure is a miss: a scan
 * never fails or changes its findings because of the cache.
 */
#ifndef MOAT_DETECT_BLOB_CACHE_H
#define MOAT_DETECT_BLOB_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/digest.h"

/* A payload larger than this is neither stored nor read. */
#define BLOB_CACHE_MAX_BYTES (64u << 20)
/* magic (8) + format (4) + reserved (4) + key (64 hex) + length (8) + sha256 (64 hex) */
#define BLOB_CACHE_HEADER 152u

enum blob_cache_result {
	BLOB_CACHE_HIT = 1,
	BLOB_CACHE_MISS = 0,        /* no file (or no cache dir) */
	BLOB_CACHE_REFUSED = -1,    /* a file that failed a check: compile again */
};

/* Building a key: init with a tag naming the format ("moat-hs-cache/1"),
 * then numbers and length-prefixed byte strings (no two inputs hash the
 * same bytes), then final: 64 lowercase hex and a NUL. */
int blob_key_init(struct moat_sha256 *sha, const char *tag);
void blob_key_u64(struct moat_sha256 *sha, uint64_t v);
void blob_key_bytes(struct moat_sha256 *sha, const void *p, size_t n);
void blob_key_final(struct moat_sha256 *sha, char key[65]);

/* A cache file's bytes for payload under magic (8 bytes) and key
 * (malloc'd into *ret, *ret_len). 0, -ENOMEM or -EFBIG. */
int blob_cache_encode(const char magic[8], const char key[65], const void *payload, size_t len,
		      uint8_t **ret, size_t *ret_len);
/* Check a cache file's bytes: BLOB_CACHE_HIT and the payload's place in
 * data (*payload_off, *payload_len), else BLOB_CACHE_REFUSED. */
enum blob_cache_result blob_cache_check(const uint8_t *data, size_t len, const char magic[8],
					const char key[65], size_t *payload_off,
					size_t *payload_len);
/* Read DIR/SUB/KIND-KEY.db and check it: on a hit *ret (malloc'd, whole
 * file) with the payload at *ret + BLOB_CACHE_HEADER, *ret_len its length.
 * dir NULL or empty: a miss. */
enum blob_cache_result blob_cache_read(const char *dir, const char *sub, const char *kind,
				       const char magic[8], const char key[65], uint8_t **ret,
				       size_t *ret_len);
/* Store payload as DIR/SUB/KIND-KEY.db (mkdir -p, atomic). 0 or -errno;
 * callers may ignore a failure (a read-only home: the next scan compiles
 * again). */
int blob_cache_write(const char *dir, const char *sub, const char *kind, const char magic[8],
		     const char key[65], const void *payload, size_t len);

#endif
