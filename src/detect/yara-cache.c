/* SPDX-License-Identifier: Apache-2.0 */
/* yara-cache.c - compiled YARA rules kept on disk (yara-cache.h says why and how). */
#include "yara-cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define MAGIC "MOATYARA"
#define SUBDIR "yara"
#define KIND "rules"

int yara_cache_key(const struct malware_source *srcs, const char *const *ns, size_t n,
		   const char *const *externals, char key[65])
{
	struct moat_sha256 sha;

	if (blob_key_init(&sha, "moat-yara-cache/1") < 0)
		return -1;
	blob_key_bytes(&sha, YR_VERSION, strlen(YR_VERSION));
	blob_key_u64(&sha, sizeof(void *));
	for (size_t i = 0; externals[i]; i++)
		blob_key_bytes(&sha, externals[i], strlen(externals[i]));
	blob_key_u64(&sha, n);
	for (size_t i = 0; i < n; i++) {
		blob_key_bytes(&sha, ns[i], strlen(ns[i]));
		blob_key_bytes(&sha, srcs[i].text, srcs[i].len);
	}
	blob_key_final(&sha, key);
	return 0;
}

struct mem_stream {
	const uint8_t *p;
	size_t len, off;
	struct moat_buf *out;
	bool failed;
};

static size_t mem_read(void *ptr, size_t size, size_t count, void *user)
{
	struct mem_stream *m = user;
	size_t want;

	if (!size || count > (m->len - m->off) / size)
		return 0;       /* YARA asks for whole items: a short read is an error */
	want = size * count;
	memcpy(ptr, m->p + m->off, want);
	m->off += want;
	return count;
}

static size_t mem_write(const void *ptr, size_t size, size_t count, void *user)
{
	struct mem_stream *m = user;

	if (m->failed || (size && count > BLOB_CACHE_MAX_BYTES / size) ||
	    moat_buf_append(m->out, ptr, size * count) < 0) {   /* the buffer's max: the bound */
		m->failed = true;
		return 0;
	}
	return count;
}

enum blob_cache_result yara_cache_load(const char *dir, const char key[65], YR_RULES **rules)
{
	struct mem_stream m = { 0 };
	YR_STREAM st = { .user_data = &m, .read = mem_read };
	uint8_t *data;
	size_t len;
	enum blob_cache_result r;

	*rules = NULL;
	if ((r = blob_cache_read(dir, SUBDIR, KIND, MAGIC, key, &data, &len)) != BLOB_CACHE_HIT)
		return r;
	m.p = data + BLOB_CACHE_HEADER;
	m.len = len;
	if (yr_rules_load_stream(&st, rules) != ERROR_SUCCESS) {
		*rules = NULL;
		r = BLOB_CACHE_REFUSED;
	}
	free(data);
	return r;
}

int yara_cache_store(const char *dir, const char key[65], YR_RULES *rules)
{
	struct moat_buf out;
	struct mem_stream m = { .out = &out };
	YR_STREAM st = { .user_data = &m, .write = mem_write };
	int r;

	moat_buf_init(&out, BLOB_CACHE_MAX_BYTES);
	if (yr_rules_save_stream(rules, &st) != ERROR_SUCCESS || m.failed)
		r = -ENOMEM;
	else
		r = blob_cache_write(dir, SUBDIR, KIND, MAGIC, key, out.data, out.len);
	moat_buf_release(&out);
	return r;
}
