/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hs-cache.c - the checks on a Hyperscan cache file (detect/hs-cache.h):
 * arbitrary bytes are decoded under the key their own header names (so the
 * fuzzer gets past the key check and at the length and hash checks), then
 * under a fixed key, then written as the cache file of a fixed rule set and
 * loaded through the file reader. Nothing may crash, and nothing but a file
 * whose content hashes to its header may reach Hyperscan's deserializer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "detect/hs-cache.h"
#include "moat-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if MOAT_HAVE_HYPERSCAN
static const char *const exprs[] = { "fuzz[0-9]+" };
static const unsigned flags[] = { HS_FLAG_SINGLEMATCH };
static const unsigned ids[] = { 7 };

static char dir[64], path[4200];

static void cleanup(void)
{
	char sub[128];

	unlink(path);
	snprintf(sub, sizeof(sub), "%s/hyperscan", dir);
	rmdir(sub);
	rmdir(dir);
}

static void decode(const uint8_t *data, size_t size, const char key[65])
{
	hs_database_t *db = NULL;

	if (hs_cache_decode(data, size, key, &db) == HS_CACHE_HIT && !db)
		abort();
	hs_free_database(db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_cache_input in = { "fuzz", exprs, NULL, flags, ids, 1, HS_MODE_BLOCK, false };
	hs_database_t *db = NULL;
	char key[65];

	if (size > (1u << 20))
		return 0;
	if (size >= 80) {
		memcpy(key, data + 16, 64);
		key[64] = '\0';
		decode(data, size, key);
	}
	if (hs_cache_key(&in, key) < 0)
		return 0;
	decode(data, size, key);
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/moat-fuzz-hs-cache.%ld", (long)getpid());
		snprintf(path, sizeof(path), "%s/hyperscan", dir);
		(void)moat_mkdirs(path, 0700);
		snprintf(path, sizeof(path), "%s/hyperscan/fuzz-%s.db", dir, key);
		atexit(cleanup);
	}
	if (moat_write_file_atomic(path, data, size, 0600, false) == 0 &&
	    hs_cache_load(dir, &in, &db) == HS_CACHE_HIT && !db)
		abort();
	hs_free_database(db);
	unlink(path);
	return 0;
}
#else
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
#endif
