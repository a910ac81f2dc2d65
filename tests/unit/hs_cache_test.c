/* SPDX-License-Identifier: Apache-2.0 */
/* hs_cache_test.c - compiled Hyperscan databases on disk (detect/hs-cache.h):
 * a stored database loads and matches as the compiled one; the key changes
 * with every input of the compile; and a corrupt, truncated, extended,
 * foreign, planted (not ours, writable by others, a symlink, a directory)
 * or garbage file is refused, never handed to Hyperscan, and the next
 * compile replaces it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/file.h"
#include "moat-config.h"
#include "moat/error.h"
#include "detect/hs-cache.h"
#include "harness.h"
#include "test-io.h"

#if MOAT_HAVE_HYPERSCAN

static const char *const exprs[] = { "moat[0-9]+cache", "AKIA[A-Z0-9]{16}", "hs_cache" };
static const unsigned flags[] = { HS_FLAG_DOTALL, HS_FLAG_SINGLEMATCH, HS_FLAG_CASELESS };
static const unsigned ids[] = { 1, 2, 3 };

static struct hs_cache_input input(void)
{
	return (struct hs_cache_input){ "test-db", exprs, NULL, flags, ids, 3, HS_MODE_BLOCK,
					false };
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned fl,
		    void *ctx)
{
	(void)from;
	(void)to;
	(void)fl;
	*(unsigned *)ctx |= 1u << id;
	return 0;
}

/* Bit mask of the ids the database finds in text. */
static unsigned matches(const hs_database_t *db, const char *text)
{
	hs_scratch_t *scratch = NULL;
	unsigned found = 0;

	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
		return 0xffffffffu;
	(void)hs_scan(db, text, (unsigned)strlen(text), 0, scratch, on_match, &found);
	hs_free_scratch(scratch);
	return found;
}

static char dir[64];
static char path[4200];

static void setup(void)
{
	struct hs_cache_input in = input();
	char key[65];

	snprintf(dir, sizeof(dir), "/tmp/moat-hs-cache-test.XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
	hs_cache_key(&in, key);
	snprintf(path, sizeof(path), "%s/hyperscan/test-db-%s.db", dir, key);
}

static void teardown(void)
{
	if (dir[0] && test_rm_tree(dir) != 0)
		printf("# cannot remove %s\n", dir);
}

/* Compile (and store) through the cache; 1 when the file was there after. */
static int compile_store(void)
{
	struct hs_cache_input in = input();
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	struct stat st;
	int ok;

	ok = hs_cache_compile(dir, &in, &db, &cerr) == HS_SUCCESS;
	hs_free_compile_error(cerr);
	if (ok)
		CHECK_INT(matches(db, "xx moat42cache AKIAABCDEFGHIJKLMNOP HS_CACHE"), 0xe);
	hs_free_database(db);
	return ok && stat(path, &st) == 0;
}

static enum hs_cache_result load(void)
{
	struct hs_cache_input in = input();
	hs_database_t *db = NULL;
	enum hs_cache_result r = hs_cache_load(dir, &in, &db);

	if (r == HS_CACHE_HIT)
		CHECK_INT(matches(db, "moat7cache and AKIA0000000000000000"), 0x6);
	else
		CHECK(db == NULL);
	hs_free_database(db);
	return r;
}

static void test_hs_cache__roundtrip(void)
{
	struct stat st;
	char sub[128];

	setup();
	CHECK_INT(load(), HS_CACHE_MISS);
	CHECK(compile_store());
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(sub, sizeof(sub), "%s/hyperscan", dir);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK_INT(load(), HS_CACHE_HIT);
	/* No cache directory: always a miss, never an error. */
	{
		struct hs_cache_input in = input();
		hs_database_t *db = NULL;

		CHECK_INT(hs_cache_load(NULL, &in, &db), HS_CACHE_MISS);
		CHECK_INT(hs_cache_load("", &in, &db), HS_CACHE_MISS);
	}
	teardown();
}

static void test_hs_cache__key(void)
{
	static const char *const other[] = { "moat[0-9]+cache", "AKIA[A-Z0-9]{16}", "hs_cachE" };
	static const unsigned flags2[] = { HS_FLAG_DOTALL, HS_FLAG_SINGLEMATCH, 0 };
	static const unsigned ids2[] = { 1, 2, 4 };
	static const size_t lens[] = { 15, 16, 8 };
	struct hs_cache_input in = input(), v;
	char k0[65], k[65];

	CHECK_INT(hs_cache_key(&in, k0), 0);
	CHECK_INT(strlen(k0), 64);
	hs_cache_key(&in, k);
	CHECK_STR(k, k0);                       /* stable */
	v = in, v.exprs = other;
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
	v = in, v.flags = flags2;
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
	v = in, v.ids = ids2;
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
	v = in, v.n = 2;
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
	v = in, v.kind = "test-dc";
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
	v = in, v.literal = true, v.lens = lens;
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
	v = in, v.mode = HS_MODE_STREAM;
	hs_cache_key(&v, k);
	CHECK(strcmp(k, k0) != 0);
}

static int slurp(struct moat_buf *b)
{
	struct moat_error err = { 0 };

	return moat_read_file(path, 1u << 26, b, &err);
}

/* Write bytes as the cache file (ours, 0600), then load: refused? */
static enum hs_cache_result plant(const uint8_t *data, size_t len)
{
	unlink(path);
	if (moat_write_file_atomic(path, data, len, 0600, false) < 0)
		return 99;
	return load();
}

static void test_hs_cache__refused(void)
{
	struct moat_buf good, bad;
	uint8_t hdr[HS_CACHE_HEADER];

	setup();
	moat_buf_init(&good, 0);
	moat_buf_init(&bad, 0);
	CHECK(compile_store());
	CHECK_INT(slurp(&good), 0);
	CHECK(good.len > HS_CACHE_HEADER);
	/* Every byte of the header, and bytes of the payload, flipped. */
	for (size_t i = 0; i < good.len; i += i < HS_CACHE_HEADER ? 1 : 997) {
		moat_buf_reset(&bad);
		moat_buf_append(&bad, good.data, good.len);
		bad.data[i] ^= 0x5a;
		if (plant(bad.data, bad.len) != HS_CACHE_REFUSED) {
			printf("# byte %zu flipped: not refused\n", i);
			CHECK(0);
			break;
		}
	}
	/* Truncated at every length up to the header, and at some after. */
	for (size_t n = 0; n < good.len; n += n < HS_CACHE_HEADER + 8 ? 1 : 4099)
		if (plant(good.data, n) != HS_CACHE_REFUSED) {
			printf("# truncated to %zu: not refused\n", n);
			CHECK(0);
			break;
		}
	/* Extended by a byte; the length field saying so too. */
	moat_buf_reset(&bad);
	moat_buf_append(&bad, good.data, good.len);
	moat_buf_putc(&bad, 'x');
	CHECK_INT(plant(bad.data, bad.len), HS_CACHE_REFUSED);
	bad.data[80]++;
	CHECK_INT(plant(bad.data, bad.len), HS_CACHE_REFUSED);
	/* A huge length field. */
	memcpy(hdr, good.data, sizeof(hdr));
	memset(hdr + 80, 0xff, 8);
	CHECK_INT(plant(hdr, sizeof(hdr)), HS_CACHE_REFUSED);
	/* Garbage that hashes right: our header over random bytes; Hyperscan's
	 * own header check refuses it before its deserializer reads it. */
	{
		uint8_t junk[4096];
		char sum[MOAT_DIGEST_STR_MAX];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)(i * 2654435761u >> 13);
		moat_buf_reset(&bad);
		moat_buf_append(&bad, good.data, HS_CACHE_HEADER);
		moat_buf_append(&bad, junk, sizeof(junk));
		for (int i = 0; i < 8; i++)
			bad.data[80 + i] = (uint8_t)((uint64_t)sizeof(junk) >> (8 * i));
		moat_sha256_str(junk, sizeof(junk), sum);
		memcpy(bad.data + 88, sum + 7, 64);
		CHECK_INT(plant(bad.data, bad.len), HS_CACHE_REFUSED);
	}
	/* The refused file is replaced by the next compile, then loads. */
	CHECK(compile_store());
	CHECK_INT(load(), HS_CACHE_HIT);
	moat_buf_release(&good);
	moat_buf_release(&bad);
	teardown();
}

static void test_hs_cache__foreign(void)
{
	static const char *const lit[] = { "password", "token" };
	static const size_t lens[] = { 8, 5 };
	static const unsigned lflags[] = { HS_FLAG_CASELESS, HS_FLAG_CASELESS };
	struct hs_cache_input in = { "test-db", lit, lens, lflags, ids, 2, HS_MODE_BLOCK, true };
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	char key[65], other[4200], blocker[9000];

	setup();
	/* Another rule set's file under this one's name: its key differs. */
	CHECK_INT(hs_cache_compile(dir, &in, &db, &cerr), HS_SUCCESS);
	hs_free_database(db);
	hs_cache_key(&in, key);
	snprintf(other, sizeof(other), "%s/hyperscan/test-db-%s.db", dir, key);
	CHECK(rename(other, path) == 0);
	CHECK_INT(load(), HS_CACHE_REFUSED);
	/* Ours in content, but writable by the group, or by others. */
	CHECK(compile_store());
	CHECK_INT(load(), HS_CACHE_HIT);
	CHECK(chmod(path, 0620) == 0);
	CHECK_INT(load(), HS_CACHE_REFUSED);
	CHECK(chmod(path, 0602) == 0);
	CHECK_INT(load(), HS_CACHE_REFUSED);
	CHECK(chmod(path, 0600) == 0);
	CHECK_INT(load(), HS_CACHE_HIT);
	/* Owned by someone else (root can give it away). */
	if (geteuid() == 0) {
		CHECK(chown(path, 65534, 65534) == 0);
		CHECK_INT(load(), HS_CACHE_REFUSED);
		CHECK(chown(path, 0, 0) == 0);
	}
	/* A symlink to a good file is not followed. */
	snprintf(other, sizeof(other), "%s/good.db", dir);
	CHECK(rename(path, other) == 0);
	CHECK(symlink(other, path) == 0);
	CHECK_INT(load(), HS_CACHE_REFUSED);
	/* A directory, or a FIFO (no blocking open), in its place. */
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	CHECK_INT(load(), HS_CACHE_REFUSED);
	rmdir(path);
	CHECK(mkfifo(path, 0600) == 0);
	CHECK_INT(load(), HS_CACHE_REFUSED);
	unlink(path);
	/* A cache dir that cannot be written: compiled anyway, nothing stored. */
	snprintf(blocker, sizeof(blocker), "%s/file", dir);
	CHECK(moat_write_file_atomic(blocker, "x", 1, 0600, false) == 0);
	CHECK_INT(hs_cache_compile(blocker, &in, &db, &cerr), HS_SUCCESS);
	CHECK(db != NULL);
	CHECK(hs_cache_store(blocker, &in, db) < 0);
	hs_free_database(db);
	teardown();
}

int main(void)
{
	MOAT_RUN(test_hs_cache__key);
	MOAT_RUN(test_hs_cache__roundtrip);
	MOAT_RUN(test_hs_cache__refused);
	MOAT_RUN(test_hs_cache__foreign);
	return moat_test_done();
}

#else

int main(void)
{
	printf("1..0 # SKIP no Hyperscan in this build\n");
	return 0;
}

#endif
