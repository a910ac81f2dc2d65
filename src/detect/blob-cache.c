/* SPDX-License-Identifier: Apache-2.0 */
/* blob-cache.c - verified cache files for compiled databases (blob-cache.h says why and how). */
#include "blob-cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"

#define FORMAT 1u
/* Offsets in the header. */
#define OFF_FORMAT 8
#define OFF_KEY 16
#define OFF_LEN 80
#define OFF_SUM 88

int blob_key_init(struct moat_sha256 *sha, const char *tag)
{
	if (moat_sha256_init(sha) < 0)
		return -1;
	blob_key_bytes(sha, tag, strlen(tag));
	return 0;
}

void blob_key_u64(struct moat_sha256 *sha, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	moat_sha256_update(sha, b, sizeof(b));
}

void blob_key_bytes(struct moat_sha256 *sha, const void *p, size_t n)
{
	blob_key_u64(sha, n);
	moat_sha256_update(sha, p, n);
}

void blob_key_final(struct moat_sha256 *sha, char key[65])
{
	char digest[MOAT_DIGEST_STR_MAX];

	moat_sha256_final(sha, digest);
	memcpy(key, digest + 7, 65); /* after "sha256:", with the NUL */
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int blob_cache_encode(const char magic[8], const char key[65], const void *payload, size_t len,
		      uint8_t **ret, size_t *ret_len)
{
	char sum[MOAT_DIGEST_STR_MAX];
	uint8_t *out;

	*ret = NULL;
	if (len > BLOB_CACHE_MAX_BYTES)
		return -EFBIG;
	if (!(out = malloc(BLOB_CACHE_HEADER + len)) || moat_sha256_str(payload, len, sum) < 0) {
		free(out);
		return -ENOMEM;
	}
	memset(out, 0, BLOB_CACHE_HEADER);
	memcpy(out, magic, 8);
	out[OFF_FORMAT] = FORMAT;
	memcpy(out + OFF_KEY, key, 64);
	for (int i = 0; i < 8; i++)
		out[OFF_LEN + i] = (uint8_t)((uint64_t)len >> (8 * i));
	memcpy(out + OFF_SUM, sum + 7, 64);
	if (len)
		memcpy(out + BLOB_CACHE_HEADER, payload, len);
	*ret = out;
	*ret_len = BLOB_CACHE_HEADER + len;
	return 0;
}

enum blob_cache_result blob_cache_check(const uint8_t *data, size_t len, const char magic[8],
					const char key[65], size_t *payload_off,
					size_t *payload_len)
{
	char sum[MOAT_DIGEST_STR_MAX];
	uint64_t n;

	if (len < BLOB_CACHE_HEADER || memcmp(data, magic, 8) != 0 ||
	    get_u64(data + OFF_FORMAT) != FORMAT || memcmp(data + OFF_KEY, key, 64) != 0)
		return BLOB_CACHE_REFUSED;
	n = get_u64(data + OFF_LEN);
	if (n > BLOB_CACHE_MAX_BYTES || n != len - BLOB_CACHE_HEADER)
		return BLOB_CACHE_REFUSED;
	if (moat_sha256_str(data + BLOB_CACHE_HEADER, (size_t)n, sum) < 0 ||
	    memcmp(data + OFF_SUM, sum + 7, 64) != 0)
		return BLOB_CACHE_REFUSED;
	*payload_off = BLOB_CACHE_HEADER;
	*payload_len = (size_t)n;
	return BLOB_CACHE_HIT;
}

static int cache_path(const char *dir, const char *sub, const char *kind, const char key[65],
		      char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s/%s-%s.db", dir, sub, kind, key);

	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* The file's bytes when it is ours to trust: a regular file (no symlink),
 * owned by this user, writable by no one else, not over the bound. */
static enum blob_cache_result read_trusted(const char *path, uint8_t **ret, size_t *ret_len)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	*ret = NULL;
	if (fd < 0)
		return errno == ENOENT ? BLOB_CACHE_MISS : BLOB_CACHE_REFUSED;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size < (off_t)BLOB_CACHE_HEADER ||
	    st.st_size > (off_t)(BLOB_CACHE_HEADER + BLOB_CACHE_MAX_BYTES) ||
	    !(buf = malloc((size_t)st.st_size))) {
		close(fd);
		return BLOB_CACHE_REFUSED;
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
		return BLOB_CACHE_REFUSED;
	}
	*ret = buf;
	*ret_len = got;
	return BLOB_CACHE_HIT;
}

enum blob_cache_result blob_cache_read(const char *dir, const char *sub, const char *kind,
				       const char magic[8], const char key[65], uint8_t **ret,
				       size_t *ret_len)
{
	char path[4096];
	size_t off, n;
	enum blob_cache_result r;

	*ret = NULL;
	if (!dir || !*dir || cache_path(dir, sub, kind, key, path, sizeof(path)) < 0)
		return BLOB_CACHE_MISS;
	if ((r = read_trusted(path, ret, ret_len)) != BLOB_CACHE_HIT)
		return r;
	if ((r = blob_cache_check(*ret, *ret_len, magic, key, &off, &n)) != BLOB_CACHE_HIT) {
		free(*ret);
		*ret = NULL;
		return r;
	}
	*ret_len = n;
	return BLOB_CACHE_HIT;
}

int blob_cache_write(const char *dir, const char *sub, const char *kind, const char magic[8],
		     const char key[65], const void *payload, size_t len)
{
	char path[4096];
	uint8_t *data;
	size_t n;
	int r;

	if (!dir || !*dir)
		return -EINVAL;
	if (cache_path(dir, sub, kind, key, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	*strrchr(path, '/') = '\0';
	r = moat_mkdirs(path, 0700);
	path[strlen(path)] = '/';
	if (r < 0 || (r = blob_cache_encode(magic, key, payload, len, &data, &n)) < 0)
		return r;
	r = moat_write_file_atomic(path, data, n, 0600, false);
	free(data);
	return r;
}
