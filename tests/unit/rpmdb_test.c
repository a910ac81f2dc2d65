/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmdb_test.c - the rpmdb reader on real databases made by rpm and db_load.
 *
 * Fixtures come from tests/tools/mkrpmdb.sh: tiny rpms built with rpmbuild,
 * installed with `rpm --justdb` (rpmdb.sqlite), the same header blobs loaded
 * into BerkeleyDB hash files with db5.3_load (both byte orders, several page
 * sizes, with and without page checksums) and into an NDB Packages.db. The
 * expected answers are rpm's own -qa/-ql output. Binary fixtures are stored
 * zstd-compressed and base64-encoded. Damaged variants (cut, flipped,
 * patched) must fail with an error, never crash (run under ASan too).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <zstd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/slice.h"
#include "harness.h"
#include "test-io.h"
#include "moat/error.h"
#include "sbom/rpmdb.h"

struct blob {
	uint8_t *data;
	size_t len;
};

static const char *const bdb_fixtures[] = {
	"Packages-le-4096", "Packages-be-4096", "Packages-le-512", "Packages-be-16384",
	"Packages-le-1024-chksum",
};

/* --- fixture loading ---------------------------------------------------- */

static bool read_file(const char *name, struct blob *ret)
{
	const char *src = getenv("MOAT_SRC");
	char path[1024];

	snprintf(path, sizeof(path), "%s/tests/data/rpm/%s", src ? src : ".", name);
	ret->data = test_slurp(path, 0, &ret->len);
	if (!ret->data)
		printf("# cannot read %s\n", path);
	return ret->data != NULL;
}

/* Decode base64 text in place (newlines dropped first); returns the length. */
static size_t b64_decode(uint8_t *buf, size_t len)
{
	size_t n = 0;
	size_t pad = 0;
	int out;

	for (size_t i = 0; i < len; i++)
		if (buf[i] != '\n' && buf[i] != '\r')
			buf[n++] = buf[i];
	while (pad < 2 && n > pad && buf[n - 1 - pad] == '=')
		pad++;
	out = EVP_DecodeBlock(buf, buf, (int)n);
	/* EVP_DecodeBlock counts the '=' padding as decoded zero bytes */
	return out < (int)pad ? 0 : (size_t)out - pad;
}

/* tests/data/rpm/<name>.zst.b64 as raw bytes in an exact-size heap buffer
 * (so ASan catches a read one byte past the end). */
static bool load_db(const char *name, struct blob *ret)
{
	char file[256];
	struct blob text;
	unsigned long long size;
	size_t n;

	snprintf(file, sizeof(file), "%s.zst.b64", name);
	if (!read_file(file, &text))
		return false;
	n = b64_decode(text.data, text.len);
	size = ZSTD_getFrameContentSize(text.data, n);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size == 0) {
		free(text.data);
		return false;
	}
	ret->data = malloc(size);
	ret->len = ret->data ? ZSTD_decompress(ret->data, size, text.data, n) : 0;
	free(text.data);
	if (!ret->data || ZSTD_isError(ret->len) || ret->len != size) {
		free(ret->data);
		return false;
	}
	return true;
}

static struct blob dup_blob(const uint8_t *data, size_t len)
{
	struct blob b = { calloc(1, len ? len : 1), len };

	if (b.data && len)
		memcpy(b.data, data, len);
	return b;
}

/* --- collecting what the reader sees ------------------------------------ */

/* Lines of text, sorted and joined for comparison with rpm's answers. */
struct lines {
	char **v;
	size_t n;
	size_t cap;
};

static void lines_add(struct lines *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = strdup(s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted lines joined with '\n' (each line ends with one). Caller frees. */
static char *lines_join(struct lines *l)
{
	struct moat_buf b;

	moat_buf_init(&b, 0);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (size_t i = 0; i < l->n; i++) {
		moat_buf_append_str(&b, l->v[i]);
		moat_buf_putc(&b, '\n');
		free(l->v[i]);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
	moat_buf_putc(&b, '\0');
	return (char *)b.data;
}

/* An expected-*.txt file with its lines sorted. */
static char *expected(const char *name)
{
	struct blob f;
	struct lines l = { 0 };
	struct moat_slice in;
	struct moat_slice line;

	if (!read_file(name, &f))
		return strdup("(missing)");
	in = moat_slice_make(f.data, f.len);
	while (moat_slice_line(&in, &line)) {
		char *s = strndup((const char *)line.ptr, line.len);

		lines_add(&l, s);
		free(s);
	}
	free(f.data);
	return lines_join(&l);
}

struct seen {
	struct moat_arena *arena;
	struct lines pkgs;  /* "name evr arch sourcerpm" */
	struct lines files; /* "name path" */
	struct lines meta;  /* "name|license|vendor|modularitylabel" */
	struct lines srcs;  /* "name source_name source_version" */
	int calls;
	int stop_after;     /* return 7 from this call on (0 = never) */
	int parse_errors;
};

static const char *or_none(const char *s)
{
	return s ? s : "(none)";
}

static int collect(void *ctx, const uint8_t *blob, size_t len)
{
	struct seen *s = ctx;
	struct moat_rpm_header h;
	struct moat_error err = { 0 };
	char line[8192];

	s->calls++;
	if (s->stop_after && s->calls >= s->stop_after)
		return 7;
	if (moat_rpm_header_parse(s->arena, blob, len, &h, &err) != 0) {
		printf("# parse: %s\n", err.msg);
		s->parse_errors++;
		return 0;
	}
	snprintf(line, sizeof(line), "%s %s %s %s", h.name, moat_rpm_evr(s->arena, &h),
		 or_none(h.arch), or_none(h.sourcerpm));
	lines_add(&s->pkgs, line);
	snprintf(line, sizeof(line), "%s|%s|%s|%s", h.name, or_none(h.license),
		 or_none(h.vendor), or_none(h.modularitylabel));
	lines_add(&s->meta, line);
	snprintf(line, sizeof(line), "%s %s %s", h.name, or_none(h.source_name),
		 or_none(h.source_version));
	lines_add(&s->srcs, line);
	for (size_t i = 0; i < h.n_files; i++) {
		snprintf(line, sizeof(line), "%s %s", h.name, h.files[i]);
		lines_add(&s->files, line);
	}
	return 0;
}

static void seen_free(struct seen *s)
{
	free(lines_join(&s->pkgs));
	free(lines_join(&s->files));
	free(lines_join(&s->meta));
	free(lines_join(&s->srcs));
	moat_arena_close(s->arena);
}

static void check_lines(struct lines *got, const char *file)
{
	char *g = lines_join(got);
	char *e = expected(file);

	CHECK_STR(g, e);
	free(g);
	free(e);
}

/* Walk a database and compare everything with rpm's answers. */
static void check_db(const char *name, enum moat_rpmdb_kind kind)
{
	struct seen s = { .arena = moat_arena_open(0) };
	struct moat_error err = { 0 };
	struct blob db;
	char *srcs;

	printf("# %s\n", name);
	CHECK(load_db(name, &db));
	if (!db.data)
		return;
	CHECK_INT(moat_rpmdb_sniff(db.data, db.len), kind);
	CHECK_INT(moat_rpmdb_foreach(db.data, db.len, 0, collect, &s, &err), 0);
	if (err.msg[0])
		printf("# error: %s\n", err.msg);
	CHECK_INT(s.calls, 4);
	CHECK_INT(s.parse_errors, 0);
	check_lines(&s.pkgs, "expected-packages.txt");
	check_lines(&s.files, "expected-files.txt");
	check_lines(&s.meta, "expected-meta.txt");
	srcs = lines_join(&s.srcs);
	CHECK_STR(srcs, "moat-epoch moat-epoch 0.9-1.el9\n"
			"moat-hello moat-hello 1.2.3-4.moat\n"
			"moat-hello-doc moat-hello 1.2.3-4.moat\n"
			"moat-meta moat-meta 2024.1-0.1.rc1\n");
	free(srcs);
	seen_free(&s);
	free(db.data);
}

static void test_rpmdb__sqlite(void)
{
	check_db("rpmdb.sqlite", MOAT_RPMDB_SQLITE);
}

static void test_rpmdb__bdb(void)
{
	for (size_t i = 0; i < sizeof(bdb_fixtures) / sizeof(bdb_fixtures[0]); i++)
		check_db(bdb_fixtures[i], MOAT_RPMDB_BDB);
}

static void test_rpmdb__ndb(void)
{
	check_db("Packages.db", MOAT_RPMDB_NDB);
}

/* --- walk control ------------------------------------------------------- */

static void test_rpmdb__limits_and_stop(void)
{
	const char *const dbs[] = { "rpmdb.sqlite", "Packages-le-4096", "Packages.db" };

	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		struct seen s = { .arena = moat_arena_open(0) };
		struct moat_error err = { 0 };
		struct blob db;

		CHECK(load_db(dbs[i], &db));
		if (!db.data)
			continue;
		CHECK_INT(moat_rpmdb_foreach(db.data, db.len, 2, collect, &s, &err), MOAT_E_LIMIT);
		CHECK_INT(s.calls, 2);
		CHECK(strstr(err.msg, "more than 2 packages") != NULL);
		s.calls = 0;
		s.stop_after = 1;
		CHECK_INT(moat_rpmdb_foreach(db.data, db.len, 0, collect, &s, &err), 7);
		CHECK_INT(s.calls, 1);
		seen_free(&s);
		free(db.data);
	}
}

static void test_rpmdb__sniff(void)
{
	static const uint8_t junk[32] = "not a database at all, really!!";
	struct moat_error err = { 0 };
	struct seen s = { 0 };

	CHECK_INT(moat_rpmdb_sniff(NULL, 0), MOAT_RPMDB_UNKNOWN);
	CHECK_INT(moat_rpmdb_sniff((const uint8_t *)"SQLite format 3", 15), MOAT_RPMDB_UNKNOWN);
	CHECK_INT(moat_rpmdb_sniff(junk, sizeof(junk)), MOAT_RPMDB_UNKNOWN);
	CHECK_INT(moat_rpmdb_foreach(junk, sizeof(junk), 0, collect, &s, &err), MOAT_E_FORMAT);
	CHECK_INT(s.calls, 0);
	/* images ship empty stub files: no packages, no error */
	CHECK_INT(moat_rpmdb_foreach(junk, 0, 0, collect, &s, &err), 0);
}

/* --- damaged databases -------------------------------------------------- */

static bool allowed_error(int r)
{
	return r == MOAT_E_FORMAT || r == MOAT_E_TRUNCATED || r == MOAT_E_LIMIT ||
	       r == MOAT_E_UNSUPPORTED || r == -ENOMEM;
}

/* Parse every blob; a bad header counts but does not stop the walk. */
static int parse_all(void *ctx, const uint8_t *blob, size_t len)
{
	struct seen *s = ctx;
	struct moat_rpm_header h;
	struct moat_error err = { 0 };
	int r = moat_rpm_header_parse(s->arena, blob, len, &h, &err);

	s->calls++;
	if (r == 0)
		CHECK(moat_rpm_evr(s->arena, &h) != NULL);
	else
		s->parse_errors++;
	if (r != 0 && (!allowed_error(r) || !err.msg[0]))
		CHECK_INT(r, MOAT_E_FORMAT);
	return 0;
}

/* Run the reader over data (copied into an exact-size buffer); headers that
 * failed to parse are counted in *ret_bad if it is not NULL. */
static int run_damaged(const uint8_t *data, size_t len, struct moat_error *err, int *ret_bad)
{
	struct seen s = { .arena = moat_arena_open(64u << 20) };
	struct blob copy = dup_blob(data, len);
	int r;

	memset(err, 0, sizeof(*err));
	r = moat_rpmdb_foreach(copy.data, copy.len, 0, parse_all, &s, err);
	if (ret_bad)
		*ret_bad = s.parse_errors;
	moat_arena_close(s.arena);
	free(copy.data);
	if (r != 0 && (!allowed_error(r) || !err->msg[0]))
		CHECK_INT(r, MOAT_E_FORMAT);
	return r;
}

/* Every cut must fail: each backend knows how long the file has to be. */
static void check_cuts(const char *name)
{
	struct moat_error err;
	struct blob db;
	size_t step;
	int ok = 0;

	CHECK(load_db(name, &db));
	if (!db.data)
		return;
	step = db.len / 500 ? db.len / 500 : 1;
	for (size_t cut = 1; cut < db.len; cut += step + (cut % 7)) {
		int r = run_damaged(db.data, cut, &err, NULL);

		if (r == 0) {
			printf("# %s cut at %zu parsed without error\n", name, cut);
			ok++;
		}
	}
	for (size_t back = 1; back <= 64 && back < db.len; back++)
		if (run_damaged(db.data, db.len - back, &err, NULL) == 0)
			ok++;
	CHECK_INT(ok, 0);
	free(db.data);
}

static void test_rpmdb__truncated(void)
{
	check_cuts("rpmdb.sqlite");
	check_cuts("Packages.db");
	for (size_t i = 0; i < sizeof(bdb_fixtures) / sizeof(bdb_fixtures[0]); i++)
		check_cuts(bdb_fixtures[i]);
}

/* Flipped bytes may still parse (unused space), but must never crash; some
 * must be caught by the walk or by the header parser. */
static void check_flips(const char *name, size_t step)
{
	struct moat_error err;
	struct blob db;
	int failed = 0;

	CHECK(load_db(name, &db));
	if (!db.data)
		return;
	for (size_t at = 0; at < db.len; at += step) {
		uint8_t save = db.data[at];

		for (int k = 0; k < 3; k++) {
			static const uint8_t masks[] = { 0xff, 0x80, 0x01 };

			int bad = 0;

			db.data[at] = save ^ masks[k];
			if (run_damaged(db.data, db.len, &err, &bad) != 0 || bad)
				failed++;
		}
		db.data[at] = save;
	}
	printf("# %s: %d flipped variants caught\n", name, failed);
	CHECK(failed > 0);
	free(db.data);
}

static void test_rpmdb__flipped(void)
{
	check_flips("rpmdb.sqlite", 509);
	check_flips("Packages.db", 7);
	check_flips("Packages-le-512", 5);
	check_flips("Packages-be-4096", 13);
	check_flips("Packages-be-16384", 37);
	check_flips("Packages-le-1024-chksum", 5);
}

/* --- hand-aimed damage on real files ------------------------------------ */

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put(uint8_t *p, unsigned width, uint32_t v, bool be)
{
	for (unsigned i = 0; i < width; i++)
		p[be ? i : width - 1 - i] = (uint8_t)(v >> (8 * (width - 1 - i)));
}

/* One write into a fixture: at an absolute offset, or (item >= 0) at an
 * offset inside item `item` of BerkeleyDB page 1, found via its index. */
struct poke {
	size_t at;
	int item;
	unsigned width; /* 1, 2 or 4; 0 ends the list */
	uint32_t value;
};

/* Packages-le-512: page 1 is a hash page whose items are key 0, its 4-byte
 * value, key 1, an H_OFFPAGE value; pages 3 -> 4 -> 5 are the first overflow
 * chain. Packages.db: slot 2 (offset 32) is the first package, its blob at
 * offset 4096. Offsets into the page header: 16 next, 20 entries, 22 length. */
static const struct {
	const char *db;
	bool be;
	struct poke pokes[3];
	int code;
	const char *msg;
} aimed[] = {
	{ "Packages-le-512", false, { { 512 + 26, -1, 2, 5000 } }, MOAT_E_FORMAT,
	  "rpmdb (bdb): page 1: item 0 offset 5000" },
	/* zero-length pages 3 and 4 pointing at each other never finish */
	{ "Packages-le-512", false,
	  { { 3 * 512 + 22, -1, 2, 0 }, { 4 * 512 + 22, -1, 2, 0 }, { 4 * 512 + 16, -1, 4, 3 } },
	  MOAT_E_FORMAT, "overflow chain loops" },
	{ "Packages-le-512", false, { { 4 * 512 + 16, -1, 4, 3 } }, MOAT_E_FORMAT, "longer than" },
	{ "Packages-le-512", false, { { 4 * 512 + 16, -1, 4, 9999 } }, MOAT_E_FORMAT,
	  "overflow page 9999 past last page" },
	{ "Packages-le-512", false, { { 3 * 512 + 25, -1, 1, 13 } }, MOAT_E_FORMAT,
	  "overflow chain reaches page 3 of type 13" },
	{ "Packages-le-512", false, { { 3 * 512 + 22, -1, 2, 600 } }, MOAT_E_FORMAT,
	  "overflow length 600 past page end" },
	{ "Packages-le-512", false, { { 32, -1, 4, 0x7fffffff } }, MOAT_E_TRUNCATED, "last page" },
	{ "Packages-le-512", false, { { 20, -1, 4, 1000 } }, MOAT_E_FORMAT, "page size 1000" },
	{ "Packages-le-512", false, { { 24, -1, 1, 1 } }, MOAT_E_UNSUPPORTED, "encrypted" },
	{ "Packages-le-512", false, { { 16, -1, 4, 3 } }, MOAT_E_UNSUPPORTED, "hash version 3" },
	{ "Packages-le-512", false, { { 512 + 20, -1, 2, 5 } }, MOAT_E_FORMAT, "odd item count" },
	{ "Packages-le-512", false, { { 512 + 20, -1, 2, 0x8000 } }, MOAT_E_FORMAT,
	  "past page end" },
	{ "Packages-le-512", false, { { 512 + 8, -1, 4, 7 } }, MOAT_E_FORMAT,
	  "page 1: header says page 7" },
	{ "Packages-le-512", false, { { 0, 3, 1, 4 } }, MOAT_E_FORMAT, "duplicate" },
	{ "Packages-le-512", false, { { 0, 3, 1, 9 } }, MOAT_E_FORMAT, "unknown item type 9" },
	{ "Packages-le-512", false, { { 0, 2, 1, 3 } }, MOAT_E_FORMAT, "is not a header number" },
	{ "Packages-le-512", false, { { 4, 3, 4, 0 } }, MOAT_E_FORMAT, "chain ends after 0" },
	{ "Packages-be-4096", true, { { 8, 3, 4, 0xfffffff0u } }, MOAT_E_LIMIT, "off-page item" },
	{ "Packages-be-4096", true, { { 8, 3, 4, 0x100000 } }, MOAT_E_FORMAT, "file has" },
	{ "Packages.db", false, { { 32 + 8, -1, 4, 0x00ffffff } }, MOAT_E_TRUNCATED,
	  "past file end" },
	{ "Packages.db", false, { { 32 + 8, -1, 4, 3 } }, MOAT_E_FORMAT, "inside the slot" },
	{ "Packages.db", false, { { 32 + 4, -1, 4, 0 } }, MOAT_E_FORMAT, "package 0 with" },
	{ "Packages.db", false, { { 48, -1, 1, 'X' } }, MOAT_E_FORMAT, "'Slot' magic" },
	{ "Packages.db", false, { { 4096, -1, 1, 'X' } }, MOAT_E_FORMAT, "no blob of package" },
	{ "Packages.db", false, { { 4096 + 12, -1, 4, 0xffffffffu } }, MOAT_E_FORMAT, "blocks" },
	{ "Packages.db", false, { { 12, -1, 4, 0x100000 } }, MOAT_E_TRUNCATED, "slot pages" },
	{ "Packages.db", false, { { 12, -1, 4, 0 } }, MOAT_E_FORMAT, "no slot pages" },
	{ "Packages.db", false, { { 4, -1, 4, 1 } }, MOAT_E_UNSUPPORTED, "version 1" },
	{ "rpmdb.sqlite", true, { { 28, -1, 4, 100000 } }, MOAT_E_TRUNCATED, "pages of" },
	{ "rpmdb.sqlite", true, { { 16, -1, 2, 1000 } }, MOAT_E_FORMAT, "page size 1000" },
};

static size_t poke_offset(const struct blob *db, bool be, const struct poke *p)
{
	const uint8_t *m = db->data;
	uint32_t psize;
	const uint8_t *inp;

	if (p->item < 0)
		return p->at;
	psize = be ? get_be32(m + 20) : (uint32_t)(m[20] | m[21] << 8 | m[22] << 16 | m[23] << 24);
	inp = m + psize + 26 + 2 * p->item;
	return psize + (be ? (size_t)(inp[0] << 8 | inp[1]) : (size_t)(inp[1] << 8 | inp[0])) +
	       p->at;
}

static void test_rpmdb__aimed(void)
{
	for (size_t i = 0; i < sizeof(aimed) / sizeof(aimed[0]); i++) {
		struct moat_error err;
		struct blob db;

		CHECK(load_db(aimed[i].db, &db));
		if (!db.data)
			continue;
		for (const struct poke *p = aimed[i].pokes; p < aimed[i].pokes + 3 && p->width; p++) {
			size_t at = poke_offset(&db, aimed[i].be, p);

			CHECK(at + p->width <= db.len);
			if (at + p->width <= db.len)
				put(db.data + at, p->width, p->value, aimed[i].be);
		}
		CHECK_INT(run_damaged(db.data, db.len, &err, NULL), aimed[i].code);
		printf("# %zu %s: %s\n", i, aimed[i].db, err.msg);
		if (!strstr(err.msg, aimed[i].msg))
			CHECK_STR(err.msg, aimed[i].msg);
		free(db.data);
	}
}

/* The Packages table renamed in the schema text ("Packages" -> "Packagez"). */
static void test_rpmdb__sqlite_no_table(void)
{
	struct moat_error err;
	struct blob db;

	CHECK(load_db("rpmdb.sqlite", &db));
	if (!db.data)
		return;
	for (size_t i = 0; i + 8 < db.len; i++)
		if (!memcmp(db.data + i, "Packages", 8))
			db.data[i + 7] = 'z';
	CHECK_INT(run_damaged(db.data, db.len, &err, NULL), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "no such table: Packages") != NULL);
	free(db.data);
}

/* A Packages table whose blob column holds text (made with SQLite itself). */
static void test_rpmdb__sqlite_wrong_type(void)
{
	sqlite3 *db = NULL;
	sqlite3_int64 size = 0;
	unsigned char *bytes = NULL;
	struct moat_error err = { 0 };
	struct seen s = { 0 };

	CHECK_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB);"
			       "INSERT INTO Packages VALUES(1, 'text');", NULL, NULL, NULL),
		  SQLITE_OK);
	bytes = sqlite3_serialize(db, "main", &size, 0);
	CHECK(bytes != NULL);
	if (bytes)
		CHECK_INT(moat_rpmdb_foreach(bytes, (size_t)size, 0, collect, &s, &err),
			  MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "package 1: blob column is not a blob") != NULL);
	sqlite3_free(bytes);
	sqlite3_close(db);
}

/* --- header blobs ------------------------------------------------------- */

struct blobs {
	struct blob v[8];
	size_t n;
};

static int keep_blob(void *ctx, const uint8_t *blob, size_t len)
{
	struct blobs *b = ctx;

	if (b->n < sizeof(b->v) / sizeof(b->v[0]))
		b->v[b->n++] = dup_blob(blob, len);
	return 0;
}

/* The header blob of package `name`, from the sqlite fixture. */
static bool header_of(const char *name, struct blob *ret)
{
	struct blobs all = { 0 };
	struct moat_error err = { 0 };
	struct moat_arena *arena = moat_arena_open(0);
	struct blob db;
	bool found = false;

	if (!load_db("rpmdb.sqlite", &db))
		return false;
	moat_rpmdb_foreach(db.data, db.len, 0, keep_blob, &all, &err);
	for (size_t i = 0; i < all.n; i++) {
		struct moat_rpm_header h;

		if (!found && moat_rpm_header_parse(arena, all.v[i].data, all.v[i].len, &h,
						    &err) == 0 && !strcmp(h.name, name)) {
			*ret = all.v[i];
			found = true;
			continue;
		}
		free(all.v[i].data);
	}
	moat_arena_close(arena);
	free(db.data);
	return found;
}

/* Index entry of tag in a header blob, or NULL. */
static uint8_t *entry_of(struct blob *b, uint32_t tag)
{
	uint32_t il = get_be32(b->data);

	for (uint32_t i = 0; i < il; i++)
		if (get_be32(b->data + 8 + 16 * i) == tag)
			return b->data + 8 + 16 * i;
	return NULL;
}

static int parse_blob(struct blob *b, struct moat_arena *arena, struct moat_rpm_header *h,
		      struct moat_error *err)
{
	struct blob copy = dup_blob(b->data, b->len);
	int r;

	memset(err, 0, sizeof(*err));
	r = moat_rpm_header_parse(arena, copy.data, copy.len, h, err);
	/* strings must be copies: the blob is gone after the call */
	memset(copy.data, 0xaa, copy.len);
	free(copy.data);
	return r;
}

/* Replace the SOURCERPM string (in place, never longer than the original). */
static void test_rpmdb__sourcerpm_split(void)
{
	static const struct {
		const char *srpm;
		const char *name;
		const char *version;
	} rows[] = {
		{ "bash-5.1.8-6.el9.src.rpm", "bash", "5.1.8-6.el9" },
		{ "foo-bar-1.0-3.fc39.src.rpm", "foo-bar", "1.0-3.fc39" },
		{ "a-1-2.nosrc.rpm", "a", "1-2" },
		{ "noversion.src.rpm", NULL, NULL },
		{ "a-1.src.rpm", NULL, NULL },
		{ "-1-2.src.rpm", NULL, NULL },
		{ "a--2.src.rpm", NULL, NULL },
		{ "a-1-.src.rpm", NULL, NULL },
		{ "a-1-2.rpm", NULL, NULL },
		{ "", NULL, NULL },
	};
	struct moat_arena *arena = moat_arena_open(0);
	struct blob b;
	uint8_t *e;
	uint8_t *s;
	size_t room;

	CHECK(header_of("moat-epoch", &b));
	e = b.data ? entry_of(&b, 1044) : NULL;
	CHECK(e != NULL);
	s = e ? b.data + 8 + 16 * get_be32(b.data) + get_be32(e + 8) : NULL;
	room = s ? strlen((const char *)s) : 0;
	for (size_t i = 0; e && i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_rpm_header h;
		struct moat_error err;

		CHECK(strlen(rows[i].srpm) <= room);
		memset(s, 0, room);
		memcpy(s, rows[i].srpm, strlen(rows[i].srpm));
		CHECK_INT(parse_blob(&b, arena, &h, &err), 0);
		CHECK_STR(h.sourcerpm, rows[i].srpm);
		if (rows[i].name) {
			CHECK_STR(h.source_name, rows[i].name);
			CHECK_STR(h.source_version, rows[i].version);
		} else {
			CHECK(h.source_name == NULL && h.source_version == NULL);
		}
	}
	free(b.data);
	moat_arena_close(arena);
}

/* Renaming tags of a real header: no ARCH (like gpg-pubkey), OLDFILENAMES. */
static void test_rpmdb__header_retagged(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_rpm_header h;
	struct moat_error err;
	struct blob b;
	uint8_t *e;

	CHECK(header_of("moat-hello", &b));
	if (!b.data)
		return;
	CHECK_INT(parse_blob(&b, arena, &h, &err), 0);
	CHECK_STR(moat_rpm_evr(arena, &h), "1.2.3-4.moat");
	CHECK_INT(h.epoch, -1);
	CHECK_INT(h.n_files, 5);
	e = entry_of(&b, 1022);
	put(e, 4, 999999, true);
	CHECK_INT(parse_blob(&b, arena, &h, &err), 0);
	CHECK(h.arch == NULL);
	/* BASENAMES renamed to OLDFILENAMES: the old full-path list is used */
	e = entry_of(&b, 1117);
	put(e, 4, 1027, true);
	CHECK_INT(parse_blob(&b, arena, &h, &err), 0);
	CHECK_INT(h.n_files, 5);
	CHECK_STR(h.files[0], "moat-hello.conf");
	e = entry_of(&b, 1000);
	put(e, 4, 999998, true);
	CHECK_INT(parse_blob(&b, arena, &h, &err), MOAT_E_FORMAT);
	CHECK_STR(err.msg, "rpm header: no NAME tag");
	free(b.data);
	moat_arena_close(arena);
}

/* Each corrupt field must be named in the error. */
static void expect_hdr(struct blob *orig, size_t at, uint32_t value, int code, const char *part)
{
	struct moat_arena *arena = moat_arena_open(0);
	struct blob b = dup_blob(orig->data, orig->len);
	struct moat_rpm_header h;
	struct moat_error err;

	put(b.data + at, 4, value, true);
	CHECK_INT(parse_blob(&b, arena, &h, &err), code);
	printf("# %s\n", err.msg);
	if (!strstr(err.msg, part))
		CHECK_STR(err.msg, part);
	free(b.data);
	moat_arena_close(arena);
}

static void test_rpmdb__header_corrupt(void)
{
	struct moat_arena *arena = moat_arena_open(1u << 20);
	struct moat_rpm_header h;
	struct moat_error err;
	struct blob b;
	size_t di, dl, ie, bn;

	CHECK(header_of("moat-hello", &b));
	if (!b.data)
		return;
	dl = get_be32(b.data + 4);
	ie = (size_t)(entry_of(&b, 1116) - b.data); /* DIRINDEXES */
	bn = (size_t)(entry_of(&b, 1117) - b.data); /* BASENAMES */
	di = 8 + 16 * get_be32(b.data) + get_be32(b.data + ie + 8);
	expect_hdr(&b, 0, 0x10000, MOAT_E_FORMAT, "il 65536");
	expect_hdr(&b, 0, 0, MOAT_E_FORMAT, "il 0");
	expect_hdr(&b, 4, 0x10000000, MOAT_E_FORMAT, "dl 268435456");
	expect_hdr(&b, 4, (uint32_t)dl + 1, MOAT_E_TRUNCATED, "need");
	expect_hdr(&b, 4, (uint32_t)dl - 1, MOAT_E_FORMAT, "need only");
	expect_hdr(&b, ie + 4, 99, MOAT_E_FORMAT, "unknown type");
	expect_hdr(&b, ie + 8, (uint32_t)dl + 4, MOAT_E_FORMAT, "offset past data end");
	expect_hdr(&b, ie + 8, 2, MOAT_E_FORMAT, "misaligned");
	expect_hdr(&b, ie + 12, 0x40000000, MOAT_E_FORMAT, "runs past data end");
	expect_hdr(&b, ie + 12, 4, MOAT_E_FORMAT, "DIRINDEXES type 4 count 4");
	expect_hdr(&b, bn + 12, 0x7fffffff, MOAT_E_FORMAT, "cannot fit");
	expect_hdr(&b, bn + 12, (uint32_t)dl - get_be32(b.data + bn + 8), MOAT_E_FORMAT,
		   "has no NUL");
	expect_hdr(&b, bn + 4, 4, MOAT_E_FORMAT, "not a string array");
	expect_hdr(&b, bn + 8, (uint32_t)dl, MOAT_E_FORMAT, "string starts at data end");
	expect_hdr(&b, di, 77, MOAT_E_FORMAT, "dir index 77");
	/* every prefix is truncated; every byte flipped must not crash */
	for (size_t cut = 0; cut < b.len; cut++) {
		CHECK(moat_rpm_header_parse(arena, b.data, cut, &h, &err) < 0);
		CHECK(err.msg[0] != '\0');
	}
	for (size_t at = 0; at < b.len; at++) {
		struct blob f = dup_blob(b.data, b.len);
		int r;

		f.data[at] ^= 0xff;
		r = moat_rpm_header_parse(arena, f.data, f.len, &h, &err);
		if (r != 0 && !allowed_error(r))
			CHECK_INT(r, MOAT_E_FORMAT);
		free(f.data);
	}
	free(b.data);
	moat_arena_close(arena);
}

/* A full arena is MOAT_E_LIMIT, not a crash or a half-filled header. */
static void test_rpmdb__header_arena_full(void)
{
	struct blob b;
	int limited = 0;

	CHECK(header_of("moat-hello", &b));
	if (!b.data)
		return;
	for (uint64_t cap = 16; cap < 4096; cap += 16) {
		struct moat_arena *arena = moat_arena_open(cap);
		struct moat_rpm_header h = { .name = "untouched" };
		struct moat_error err = { 0 };
		int r = moat_rpm_header_parse(arena, b.data, b.len, &h, &err);

		if (r != 0) {
			CHECK_INT(r, MOAT_E_LIMIT);
			CHECK_STR(h.name, "untouched");
			limited++;
		}
		moat_arena_close(arena);
	}
	CHECK(limited > 0);
	free(b.data);
}

int main(void)
{
	MOAT_RUN(test_rpmdb__sniff);
	MOAT_RUN(test_rpmdb__sqlite);
	MOAT_RUN(test_rpmdb__bdb);
	MOAT_RUN(test_rpmdb__ndb);
	MOAT_RUN(test_rpmdb__limits_and_stop);
	MOAT_RUN(test_rpmdb__truncated);
	MOAT_RUN(test_rpmdb__flipped);
	MOAT_RUN(test_rpmdb__aimed);
	MOAT_RUN(test_rpmdb__sqlite_no_table);
	MOAT_RUN(test_rpmdb__sqlite_wrong_type);
	MOAT_RUN(test_rpmdb__sourcerpm_split);
	MOAT_RUN(test_rpmdb__header_retagged);
	MOAT_RUN(test_rpmdb__header_corrupt);
	MOAT_RUN(test_rpmdb__header_arena_full);
	return moat_test_done();
}
