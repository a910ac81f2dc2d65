/* SPDX-License-Identifier: Apache-2.0 */
/* hs-cache.c - compiled Hyperscan databases kept on disk (hs-cache.h says why and how). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hs-cache.h"

#if MOAT_HAVE_HYPERSCAN

#define MAGIC "MOATHSDB"
#define SUBDIR "hyperscan"

int hs_cache_key(const struct hs_cache_input *in, char key[65])
{
	struct moat_sha256 sha;
	hs_platform_info_t plat = { 0 };
	const char *ver = hs_version();

	if (blob_key_init(&sha, "moat-hs-cache/1") < 0)
		return -1;
	blob_key_bytes(&sha, in->kind, strlen(in->kind));
	blob_key_bytes(&sha, ver, strlen(ver));
	/* The compile targets this host (platform NULL): its features decide
	 * the bytecode, and a database from another CPU must not be found. */
	(void)hs_populate_platform(&plat);
	blob_key_u64(&sha, plat.tune);
	blob_key_u64(&sha, plat.cpu_features);
	blob_key_u64(&sha, in->mode);
	blob_key_u64(&sha, in->literal);
	blob_key_u64(&sha, in->n);
	for (unsigned i = 0; i < in->n; i++) {
		blob_key_bytes(&sha, in->exprs[i], in->lens ? in->lens[i] : strlen(in->exprs[i]));
		blob_key_u64(&sha, in->flags ? in->flags[i] : 0);
		blob_key_u64(&sha, in->ids ? in->ids[i] : 0);
	}
	blob_key_final(&sha, key);
	return 0;
}

int hs_cache_encode(const hs_database_t *db, const char key[65], uint8_t **ret, size_t *ret_len)
{
	char *bytes = NULL;
	size_t n = 0;
	int r;

	*ret = NULL;
	if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return -ENOMEM;
	r = blob_cache_encode(MAGIC, key, bytes, n, ret, ret_len);
	free(bytes);
	return r;
}

/* Hyperscan's own checks on top of the container's: its version and this CPU. */
static enum hs_cache_result deserialize(const uint8_t *p, size_t n, hs_database_t **db)
{
	size_t want;

	if (hs_serialized_database_size((const char *)p, n, &want) != HS_SUCCESS || want == 0 ||
	    want > 4 * (size_t)HS_CACHE_MAX_BYTES ||
	    hs_deserialize_database((const char *)p, n, db) != HS_SUCCESS) {
		*db = NULL;
		return HS_CACHE_REFUSED;
	}
	return HS_CACHE_HIT;
}

enum hs_cache_result hs_cache_decode(const uint8_t *data, size_t len, const char key[65],
				     hs_database_t **db)
{
	size_t off, n;

	*db = NULL;
	if (blob_cache_check(data, len, MAGIC, key, &off, &n) != BLOB_CACHE_HIT)
		return HS_CACHE_REFUSED;
	return deserialize(data + off, n, db);
}

enum hs_cache_result hs_cache_load(const char *dir, const struct hs_cache_input *in,
				   hs_database_t **db)
{
	char key[65];
	uint8_t *data;
	size_t len;
	enum blob_cache_result r;
	enum hs_cache_result hr;

	*db = NULL;
	if (!dir || !*dir || hs_cache_key(in, key) < 0)
		return HS_CACHE_MISS;
	if ((r = blob_cache_read(dir, SUBDIR, in->kind, MAGIC, key, &data, &len)) != BLOB_CACHE_HIT)
		return r == BLOB_CACHE_MISS ? HS_CACHE_MISS : HS_CACHE_REFUSED;
	hr = deserialize(data + BLOB_CACHE_HEADER, len, db);
	free(data);
	return hr;
}

int hs_cache_store(const char *dir, const struct hs_cache_input *in, const hs_database_t *db)
{
	char key[65], *bytes = NULL;
	size_t n = 0;
	int r;

	if (!dir || !*dir)
		return -EINVAL;
	if (hs_cache_key(in, key) < 0)
		return -ENOMEM;
	if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return -ENOMEM;
	r = blob_cache_write(dir, SUBDIR, in->kind, MAGIC, key, bytes, n);
	free(bytes);
	return r;
}
hs_error_t hs_cache_compile(const char *dir, const struct hs_cache_input *in,
			    hs_database_t **db, hs_compile_error_t **cerr)
{
	hs_error_t e;

	*cerr = NULL;
	if (hs_cache_load(dir, in, db) == HS_CACHE_HIT)
		return HS_SUCCESS;
	if (in->literal)
		e = hs_compile_lit_multi(in->exprs, in->flags, in->ids, in->lens, in->n, in->mode,
					 NULL, db, cerr);
	else
		e = hs_compile_multi(in->exprs, in->flags, in->ids, in->n, in->mode, NULL, db, cerr);
	if (e == HS_SUCCESS && dir && *dir)
		(void)hs_cache_store(dir, in, *db);
	return e;
}

#endif
