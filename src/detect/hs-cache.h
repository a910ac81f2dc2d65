/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hs-cache.h - compiled Hyperscan databases kept on disk between scans.
 *
 * Why: compiling the malware prefilter's database costs ~0.12 s of CPU per
 * scan in a release build (1.3 s under ASan) and, while it is not compiled,
 * YARA searches every byte of the first 32 MB itself; on the Debian sample
 * image the two were a third of what the content scanners add. The database
 * only depends on the patterns, Hyperscan's version and the CPU, so a scan
 * stores it (hs_serialize_database) and later scans load it
 * (hs_deserialize_database) in a few milliseconds.
 *
 * A cache file is DIR/hyperscan/KIND-KEY.db in blob-cache.h's container
 * (atomic, ours only, header with KEY and the payload's SHA-256), KEY the
 * SHA-256 of everything that went into the compile (a format tag, KIND,
 * hs_version(), the target platform, the mode, every pattern with its
 * length, flags and id): a corrupt, truncated, foreign (another rule set,
 * another CPU) or planted file is refused and the database compiled again,
 * never handed to Hyperscan's deserializer (which trusts its input).
 *
 * Every failure of the cache is a miss: a scan never fails or changes its
 * findings because of it.
 */
#ifndef MOAT_DETECT_HS_CACHE_H
#define MOAT_DETECT_HS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob-cache.h"
#include "moat-config.h"

/* A serialized database larger than this is neither stored nor read. */
#define HS_CACHE_MAX_BYTES BLOB_CACHE_MAX_BYTES
#define HS_CACHE_HEADER BLOB_CACHE_HEADER

/* What hs_compile_multi / hs_compile_lit_multi were given. */
struct hs_cache_input {
	const char *kind;           /* "malware-prefilter", "secret-keywords": [a-z-] */
	const char *const *exprs;
	const size_t *lens;         /* literal patterns: their lengths; NULL = NUL-terminated */
	const unsigned *flags;
	const unsigned *ids;
	unsigned n;
	unsigned mode;
	bool literal;               /* hs_compile_lit_multi */
};

/* Outcome of a lookup, for tests and the scan's counters. */
enum hs_cache_result {
	HS_CACHE_HIT = 1,
	HS_CACHE_MISS = 0,          /* no file (or no cache dir) */
	HS_CACHE_REFUSED = -1,      /* a file that failed a check: compile again */
};

#if MOAT_HAVE_HYPERSCAN
#include <hs/hs.h>

/* The key of in: 64 lowercase hex and a NUL. 0, or -1 (out of memory). */
int hs_cache_key(const struct hs_cache_input *in, char key[65]);
/* Load the database for in from dir (NULL: no cache). *db set on a hit. */
enum hs_cache_result hs_cache_load(const char *dir, const struct hs_cache_input *in,
				   hs_database_t **db);
/* Check a cache file's bytes against key and deserialize them: the
 * validation behind hs_cache_load, for the fuzz target and tests. */
enum hs_cache_result hs_cache_decode(const uint8_t *data, size_t len, const char key[65],
				     hs_database_t **db);
/* A cache file's bytes for db under key (malloc'd into *ret, *ret_len), as
 * hs_cache_store writes them. 0, -ENOMEM or -EFBIG. */
int hs_cache_encode(const hs_database_t *db, const char key[65], uint8_t **ret, size_t *ret_len);
/* Store db for in under dir (mkdir -p, atomic). 0 or -errno; callers may
 * ignore a failure (a read-only home: the next scan compiles again). */
int hs_cache_store(const char *dir, const struct hs_cache_input *in, const hs_database_t *db);
/* Load, or compile (and store): what a caller that wants the database now
 * does. HS_SUCCESS or Hyperscan's error (with *cerr from the compiler). */
hs_error_t hs_cache_compile(const char *dir, const struct hs_cache_input *in,
			    hs_database_t **db, hs_compile_error_t **cerr);
#endif

#endif
