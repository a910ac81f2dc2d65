/* SPDX-License-Identifier: Apache-2.0 */
/* hs-cache.c - compiled Hyperscan databases kept on disk (hs-cache.h says why and how). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/file.h"
#include "hs-cache.h"

#if MOAT_HAVE_HYPERSCAN

#define MAGIC "MOATHSDB"
#define FORMAT 1u
/* Offsets in the header. */
#define OFF_FORMAT 8
#define OFF_KEY 16
#define OFF_LEN 80
#define OFF_SUM 88

static void put_u64(struct moat_sha256 *sha, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	moat_sha256_update(sha, b, sizeof(b));
}

/* Length-prefixed, so no two inputs hash the same bytes. */
static void put_bytes(struct moat_sha256 *sha, const void *p, size_t n)
{
	put_u64(sha, n);
	moat_sha256_update(sha, p, n);
}

int hs_cache_key(const struct hs_cache_input *in, char key[65])
{
	struct moat_sha256 sha;
	hs_platform_info_t plat = { 0 };
	char digest[MOAT_DIGEST_STR_MAX];
	const char *ver = hs_version();

	if (moat_sha256_init(&sha) < 0)
		return -1;
	put_bytes(&sha, "moat-hs-cache/1", 15);
	put_bytes(&sha, in->kind, strlen(in->kind));
	put_bytes(&sha, ver, strlen(ver));
	/* The compile targets this host (platform NULL): its features decide
	 * the bytecode, and a database from another CPU must not be found. */
	(void)hs_populate_platform(&plat);
	put_u64(&sha, plat.tune);
	put_u64(&sha, plat.cpu_features);
	put_u64(&sha, in->mode);
	put_u64(&sha, in->literal);
	put_u64(&sha, in->n);
	for (unsigned i = 0; i < in->n; i++) {
		put_bytes(&sha, in->exprs[i], in->lens ? in->lens[i] : strlen(in->exprs[i]));
		put_u64(&sha, in->flags ? in->flags[i] : 0);
		put_u64(&sha, in->ids ? in->ids[i] : 0);
	}
	moat_sha256_final(&sha, digest);
	memcpy(key, digest + 7, 65); /* after "sha256:", with the NUL */
	return 0;
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int hs_cache_encode(const hs_database_t *db, const char key[65], uint8_t **ret, size_t *ret_len)
{
	char *bytes = NULL, sum[MOAT_DIGEST_STR_MAX];
	size_t n = 0;
	uint8_t *out;

	*ret = NULL;
	if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return -ENOMEM;
	if (n > HS_CACHE_MAX_BYTES) {
		free(bytes);
		return -EFBIG;
	}
	if (!(out = malloc(HS_CACHE_HEADER + n)) || moat_sha256_str(bytes, n, sum) < 0) {
		free(out);
		free(bytes);
		return -ENOMEM;
	}
	memset(out, 0, HS_CACHE_HEADER);
	memcpy(out, MAGIC, 8);
	out[OFF_FORMAT] = FORMAT;
	memcpy(out + OFF_KEY, key, 64);
	for (int i = 0; i < 8; i++)
		out[OFF_LEN + i] = (uint8_t)((uint64_t)n >> (8 * i));
	memcpy(out + OFF_SUM, sum + 7, 64);
	memcpy(out + HS_CACHE_HEADER, bytes, n);
	free(bytes);
	*ret = out;
	*ret_len = HS_CACHE_HEADER + n;
	return 0;
}

enum hs_cache_result hs_cache_decode(const uint8_t *data, size_t len, const char key[65],
				     hs_database_t **db)
{
	char sum[MOAT_DIGEST_STR_MAX];
	uint64_t n;
	size_t want;

	*db = NULL;
	if (len < HS_CACHE_HEADER || memcmp(data, MAGIC, 8) != 0 ||
	    get_u64(data + OFF_FORMAT) != FORMAT || memcmp(data + OFF_KEY, key, 64) != 0)
		return HS_CACHE_REFUSED;
	n = get_u64(data + OFF_LEN);
	if (n > HS_CACHE_MAX_BYTES || n != len - HS_CACHE_HEADER)
		return HS_CACHE_REFUSED;
	if (moat_sha256_str(data + HS_CACHE_HEADER, (size_t)n, sum) < 0 ||
	    memcmp(data + OFF_SUM, sum + 7, 64) != 0)
		return HS_CACHE_REFUSED;
	/* Hyperscan's own checks on top: its version and this CPU. */
	if (hs_serialized_database_size((const char *)data + HS_CACHE_HEADER, (size_t)n, &want) !=
		    HS_SUCCESS || want == 0 || want > 4 * (size_t)HS_CACHE_MAX_BYTES ||
	    hs_deserialize_database((const char *)data + HS_CACHE_HEADER, (size_t)n, db) !=
		    HS_SUCCESS) {
		*db = NULL;
		return HS_CACHE_REFUSED;
	}
	return HS_CACHE_HIT;
}

static int cache_path(const char *dir, const struct hs_cache_input *in, const char key[65],
		      char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/hyperscan/%s-%s.db", dir, in->kind, key);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The file's bytes when it is ours to trust: a regular file (no symlink),
 * owned by this user, writable by no one else, not over the bound. */
static int read_cache_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	*ret = NULL;
	if (fd < 0)
		return errno == ENOENT ? HS_CACHE_MISS : HS_CACHE_REFUSED;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size < (off_t)HS_CACHE_HEADER ||
	    st.st_size > (off_t)(HS_CACHE_HEADER + HS_CACHE_MAX_BYTES) ||
	    !(buf = malloc((size_t)st.st_size))) {
		close(fd);
		return HS_CACHE_REFUSED;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return HS_CACHE_REFUSED;
	}
	*ret = buf;
	*ret_len = got;
	return HS_CACHE_HIT;
}

enum hs_cache_result hs_cache_load(const char *dir, const struct hs_cache_input *in,
				   hs_database_t **db)
{
	char key[65], path[4096];
	uint8_t *data;
	size_t len;
	int r;

	*db = NULL;
	if (!dir || !*dir || hs_cache_key(in, key) < 0 ||
	    cache_path(dir, in, key, path, sizeof(path)) < 0)
		return HS_CACHE_MISS;
	if ((r = read_cache_file(path, &data, &len)) != HS_CACHE_HIT)
		return (enum hs_cache_result)r;
	r = hs_cache_decode(data, len, key, db);
	free(data);
	return (enum hs_cache_result)r;
}

int hs_cache_store(const char *dir, const struct hs_cache_input *in, const hs_database_t *db)
{
	char key[65], path[4096];
	uint8_t *data;
	size_t len;
	int r;

	if (!dir || !*dir)
		return -EINVAL;
	if (hs_cache_key(in, key) < 0)
		return -ENOMEM;
	if (cache_path(dir, in, key, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	*strrchr(path, '/') = '\0';
	r = moat_mkdirs(path, 0700);
	path[strlen(path)] = '/';
	if (r < 0 || (r = hs_cache_encode(db, key, &data, &len)) < 0)
		return r;
	r = moat_write_file_atomic(path, data, len, 0600, false);
	free(data);
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
