/* SPDX-License-Identifier: Apache-2.0 */
/* base_test.c - arena, buf, slice, hmap, digest, JSON writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/slice.h"
#include "base/term.h"
#include "base/warn.h"
#include "harness.h"
#include "moat/error.h"

static void test_base__arena_cap(void)
{
	struct moat_arena *arena = moat_arena_open(1000);
	void *big;

	CHECK(arena != NULL);
	CHECK(moat_arena_alloc(arena, 500) != NULL);
	big = moat_arena_alloc(arena, 600);
	CHECK(big == NULL); /* cap hit: NULL, not a crash */
	CHECK(moat_arena_alloc(arena, 100) != NULL);
	CHECK(moat_arena_calloc(arena, SIZE_MAX / 2, 4) == NULL);
	moat_arena_close(arena);
}

static int cleanup_ran;
static void cleanup(void *arg) { (void)arg; cleanup_ran++; }

static void test_base__arena_big_and_cleanup(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	char *s;
	uint8_t *big;

	big = moat_arena_alloc(arena, 1 << 20);
	CHECK(big != NULL);
	big[(1 << 20) - 1] = 1;
	s = moat_arena_printf(arena, "%s-%d", "layer", 7);
	CHECK_STR(s, "layer-7");
	CHECK(((uintptr_t)moat_arena_alloc(arena, 3) & 15) == 0);
	CHECK_INT(moat_arena_on_close(arena, cleanup, NULL), 0);
	moat_arena_close(arena);
	CHECK_INT(cleanup_ran, 1);
}

static void test_base__buf_max(void)
{
	struct moat_buf buf;

	moat_buf_init(&buf, 8);
	CHECK_INT(moat_buf_append_str(&buf, "12345678"), 0);
	CHECK_INT(moat_buf_append_str(&buf, "9"), MOAT_E_LIMIT);
	CHECK_INT((int)buf.len, 8);
	CHECK_STR((char *)buf.data, "12345678");
	moat_buf_release(&buf);
}

static void test_base__slice_lines(void)
{
	struct moat_slice in = MOAT_SLICE_LIT("a: 1\r\nb\n\nlast");
	struct moat_slice line;
	uint64_t v = 0;

	CHECK(moat_slice_line(&in, &line) && moat_slice_eq_str(line, "a: 1"));
	CHECK(moat_slice_line(&in, &line) && moat_slice_eq_str(line, "b"));
	CHECK(moat_slice_line(&in, &line) && line.len == 0);
	CHECK(moat_slice_line(&in, &line) && moat_slice_eq_str(line, "last"));
	CHECK(!moat_slice_line(&in, &line));
	CHECK(moat_slice_to_u64(MOAT_SLICE_LIT("18446744073709551615"), &v));
	CHECK(v == UINT64_MAX);
	CHECK(!moat_slice_to_u64(MOAT_SLICE_LIT("18446744073709551616"), &v));
	CHECK(!moat_slice_to_u64(MOAT_SLICE_LIT("12a"), &v));
	CHECK(moat_slice_eq_str(moat_slice_trim(MOAT_SLICE_LIT(" \tx y \n")), "x y"));
}

static void test_base__hmap(void)
{
	struct moat_hmap map;
	char keys[1000][8];

	moat_hmap_init(&map);
	for (int i = 0; i < 1000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		CHECK_INT(moat_hmap_put(&map, keys[i], strlen(keys[i]), &keys[i]), 0);
	}
	CHECK_INT((int)map.count, 1000);
	CHECK(moat_hmap_get(&map, "k512", 4) == &keys[512]);
	CHECK(moat_hmap_get(&map, "k1000", 5) == NULL);
	moat_hmap_release(&map);
}

/* Deletes in a scrambled order against a plain presence table; a deleted
 * key's bytes are overwritten, so the map must not point at them any more. */
static void test_base__hmap_del(void)
{
	static char keys[1000][8];
	bool present[1000];
	struct moat_hmap map;
	size_t live = 1000;

	moat_hmap_init(&map);
	for (int i = 0; i < 1000; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		present[i] = moat_hmap_put(&map, keys[i], strlen(keys[i]), &keys[i]) == 0;
	}
	for (unsigned n = 0, i = 7; n < 600; n++, i = (i * 7919u + 13u) % 1000u) {
		void *v = moat_hmap_del(&map, keys[i], strlen(keys[i]));

		CHECK(v == (present[i] ? (void *)&keys[i] : NULL));
		if (present[i])
			live--;
		present[i] = false;
		memset(keys[i], 'x', sizeof(keys[i]) - 1);
	}
	CHECK_INT((int)map.count, (int)live);
	for (int i = 0; i < 1000; i++) {
		char k[8];

		snprintf(k, sizeof(k), "k%d", i);
		if (moat_hmap_get(&map, k, strlen(k)) != (present[i] ? (void *)&keys[i] : NULL)) {
			printf("# k%d: expected %s\n", i, present[i] ? "present" : "absent");
			CHECK(0);
			break;
		}
	}
	CHECK(moat_hmap_del(&map, "absent", 6) == NULL);
	moat_hmap_release(&map);
	CHECK(moat_hmap_del(&map, "k1", 2) == NULL);
}

static void test_base__sha256(void)
{
	char out[MOAT_DIGEST_STR_MAX];

	CHECK_INT(moat_sha256_str("abc", 3, out), 0);
	CHECK_STR(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK(moat_digest_valid(out, strlen(out)));
	CHECK(!moat_digest_valid("sha256:BA78", 11));
}

static void test_base__jsonw(void)
{
	struct moat_buf buf;
	struct moat_jw jw;
	json_t *back = NULL;
	struct moat_error err = { 0 };

	moat_buf_init(&buf, 0);
	moat_jw_init(&jw, &buf, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "s", "q\"\\\n\x01\xff");
	/* plain runs around escapes, DEL and UTF-8 pass as they are */
	moat_jw_kstr(&jw, "r", "ab \"cd\x7f\xc3\xa9\tzz");
	moat_jw_key(&jw, "a");
	moat_jw_arr_begin(&jw);
	moat_jw_int(&jw, -1);
	moat_jw_bool(&jw, true);
	moat_jw_str(&jw, NULL);
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "e");
	moat_jw_obj_begin(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	CHECK_INT(moat_jw_finish(&jw), 0);
	CHECK_STR((char *)buf.data,
		  "{\"s\":\"q\\\"\\\\\\n\\u0001\\ufffd\",\"r\":\"ab \\\"cd\x7f\xc3\xa9\\tzz\","
		  "\"a\":[-1,true,null],\"e\":{}}");
	CHECK_INT(moat_json_parse(buf.data, buf.len, 1 << 20, "out", &back, &err), 0);
	CHECK_STR(moat_json_str(back, "s"), "q\"\\\n\x01\xef\xbf\xbd");
	json_decref(back);
	CHECK_INT(moat_json_parse("{\"a\":", 5, 1 << 20, "bad.json", &back, &err), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "bad.json: line 1") != NULL);
	moat_buf_release(&buf);
}

/* Whole-file reads: content, the exact bound, a missing file, procfs. */
static void test_base__read_file(void)
{
	char path[] = "/tmp/moat-base-test-XXXXXX";
	struct moat_error err = { 0 };
	struct moat_buf b;
	char small[8];
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(write(fd, "hello\n", 6) == 6);
	close(fd);
	moat_buf_init(&b, 0);
	CHECK_INT(moat_read_file(path, 6, &b, &err), 0);
	CHECK_INT((int)b.len, 6);
	CHECK_STR((const char *)b.data, "hello\n");
	CHECK_INT(moat_read_file(path, 5, &b, &err), MOAT_E_LIMIT);
	CHECK(strstr(err.msg, path) != NULL);
	CHECK_INT((int)moat_read_small_file(path, small, 4), 3);
	CHECK_STR(small, "hel");
	unlink(path);
	CHECK_INT(moat_read_file(path, 64, &b, &err), -ENOENT);
	CHECK(moat_read_small_file(path, small, sizeof(small)) == -ENOENT);
	CHECK(moat_read_small_file("/proc/self/stat", small, sizeof(small)) == 7);
	moat_buf_release(&b);
}

/* An atomic replace: new content and mode in place, no temporary left
 * behind, and a failure (a directory in the way) leaves nothing either. */
static void test_base__write_file_atomic(void)
{
	char dir[] = "/tmp/moat-base-atomic-XXXXXX", path[64], small[16];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	CHECK_INT(moat_write_file_atomic(path, "one", 3, 0600, false), 0);
	CHECK_INT(moat_write_file_atomic(path, "second", 6, 0640, true), 0);
	CHECK_INT((int)moat_read_small_file(path, small, sizeof(small)), 6);
	CHECK_STR(small, "second");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
	unlink(path);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(moat_write_file_atomic(path, "x", 1, 0600, false) < 0);
	rmdir(path);
	CHECK(rmdir(dir) == 0);      /* empty: no temporary file left */
}

/* Terminal escaping: controls, DEL, C1 (raw and encoded), invalid UTF-8 and
 * bidi overrides become visible escapes; printable UTF-8 stays. */
static void test_base__term_escape(void)
{
	static const struct {
		const char *in;
		const char *out;
	} rows[] = {
		{ "plain text 1.2-3", "plain text 1.2-3" },
		{ "\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m" },
		{ "a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd" },
		{ "del\x7f", "del\\x7f" },
		{ "c1 \x9b" "31m", "c1 \\x9b31m" },              /* raw CSI byte, not UTF-8 */
		{ "enc \xc2\x9b" "2J", "enc \\xc2\\x9b2J" },     /* U+009B encoded */
		{ "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93" }, /* é ✓ kept */
		{ "\xc3\xa0\xff\xfe", "\xc3\xa0\\xff\\xfe" },
		{ "over\xc0\xaflong", "over\\xc0\\xaflong" },
		{ "cut \xe2\x9c", "cut \\xe2\\x9c" },
		{ "rtl \xe2\x80\xae" "gpj.exe", "rtl \\u{202e}gpj.exe" },
		{ "\x07\x08", "\\x07\\x08" },
	};
	struct moat_buf out;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		moat_buf_init(&out, 0);
		CHECK_INT(moat_term_str(&out, rows[i].in), 0);
		CHECK_STR(out.data ? (const char *)out.data : "", rows[i].out);
		CHECK_INT(moat_term_needs_escape(rows[i].in, strlen(rows[i].in)),
			  strcmp(rows[i].in, rows[i].out) != 0);
		moat_buf_release(&out);
	}
	moat_buf_init(&out, 0);
	moat_term_pad(&out, "\x1b", 6);
	moat_buf_putc(&out, '|');
	CHECK_STR((const char *)out.data, "\\x1b  |");
	moat_buf_release(&out);
}

/* Warnings: kept up to MOAT_WARNINGS_MAX, the rest counted; append keeps layer ids. */
static void test_base__warnings(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_warnings w = { .arena = arena }, all = { .arena = arena };

	moat_warnings_add(&w, "lang-file-too-large", 2, "app/package.json", 16, "%d bytes", 7);
	CHECK_INT(w.count, 1);
	CHECK_STR(w.items[0].code, "lang-file-too-large");
	CHECK_STR(w.items[0].path, "app/package.json");
	CHECK_STR(w.items[0].message, "7 bytes");
	CHECK_INT(w.items[0].layer, 2);
	w.items[0].layer_id = "sha256:x";
	for (unsigned i = 0; i < MOAT_WARNINGS_MAX + 5; i++)
		moat_warnings_add(&w, "lang-file-malformed", -1, NULL, 0, "n%u", i);
	CHECK_INT(w.count, MOAT_WARNINGS_MAX);
	CHECK_INT(w.dropped, 6);
	CHECK_INT(moat_warnings_total(&w), MOAT_WARNINGS_MAX + 6);
	moat_warnings_append(&all, &w);
	CHECK_INT(all.count, MOAT_WARNINGS_MAX);
	CHECK_INT(all.dropped, 6);
	CHECK_STR(all.items[0].layer_id, "sha256:x");
	CHECK(all.items[1].path == NULL);
	moat_arena_close(arena);
}

int main(void)
{
	MOAT_RUN(test_base__arena_cap);
	MOAT_RUN(test_base__arena_big_and_cleanup);
	MOAT_RUN(test_base__buf_max);
	MOAT_RUN(test_base__slice_lines);
	MOAT_RUN(test_base__hmap);
	MOAT_RUN(test_base__hmap_del);
	MOAT_RUN(test_base__sha256);
	MOAT_RUN(test_base__jsonw);
	MOAT_RUN(test_base__read_file);
	MOAT_RUN(test_base__write_file_atomic);
	MOAT_RUN(test_base__term_escape);
	MOAT_RUN(test_base__warnings);
	return moat_test_done();
}
