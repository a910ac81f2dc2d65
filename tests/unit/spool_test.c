/* SPDX-License-Identifier: Apache-2.0 */
/* spool_test.c - the uplink's on-disk event queue: ids, batches, commits
 * that survive a reopen, torn and damaged lines, the byte bound; and the
 * sender against a console that is down, then up. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "harness.h"
#include "moat/error.h"
#include "uplink/spool.h"

static char root[64];

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct moat_spool *open_at(const char *dir, uint64_t max_bytes, uint32_t seg_bytes)
{
	struct moat_spool_opts o = { .dir = dir, .max_bytes = max_bytes, .segment_bytes = seg_bytes };
	struct moat_spool *sp = NULL;
	struct moat_error err = { 0 };

	CHECK_INT(moat_spool_open(&o, &sp, &err), 0);
	return sp;
}

static void push(struct moat_spool *sp, int i)
{
	char line[64];
	struct moat_error err = { 0 };
	int n = snprintf(line, sizeof(line), "{\"n\":%d}", i);

	CHECK_INT(moat_spool_append(sp, line, (size_t)n, &err), 0);
}

/* Peek everything; the "n" values in order into got[], their count returned. */
static size_t peek_all(struct moat_spool *sp, int *got, size_t cap, struct moat_spool_mark *end)
{
	struct moat_buf out;
	struct moat_error err = { 0 };
	size_t n = 0, k = 0;

	moat_buf_init(&out, 0);
	CHECK_INT(moat_spool_peek(sp, &out, 100000, 1u << 30, &n, end, &err), 0);
	moat_buf_putc(&out, 0);
	for (const char *p = (const char *)out.data; p && (p = strstr(p, "\"n\":")) && k < cap; p += 4)
		got[k++] = (int)strtol(p + 4, NULL, 10);
	CHECK_INT((int)k, (int)n);
	moat_buf_release(&out);
	return n;
}

static void test_spool__ids_batches_resume(void)
{
	char dir[128];
	struct moat_spool *sp;
	struct moat_spool_mark end;
	struct moat_buf out;
	struct moat_error err = { 0 };
	int got[64];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/a", root);
	sp = open_at(dir, 0, 0);
	for (int i = 0; i < 10; i++)
		push(sp, i);
	/* a batch bounded by count: the first 4, each with its event id */
	moat_buf_init(&out, 0);
	CHECK_INT(moat_spool_peek(sp, &out, 4, 1u << 20, &n, &end, &err), 0);
	CHECK_INT((int)n, 4);
	moat_buf_putc(&out, 0);
	CHECK(strncmp((char *)out.data, "{\"event_id\":\"", 13) == 0);
	CHECK(strstr((char *)out.data, moat_spool_id(sp)) != NULL);
	CHECK(strstr((char *)out.data, "\"n\":3}") != NULL && !strstr((char *)out.data, "\"n\":4}"));
	moat_buf_release(&out);
	CHECK_INT(moat_spool_commit(sp, &end, &err), 0);
	moat_spool_close(sp);
	/* reopened: the 6 not acknowledged, then new ones after them */
	sp = open_at(dir, 0, 0);
	push(sp, 10);
	n = peek_all(sp, got, 64, &end);
	CHECK_INT((int)n, 7);
	CHECK_INT(got[0], 4);
	CHECK_INT(got[6], 10);
	CHECK_INT(moat_spool_commit(sp, &end, &err), 0);
	CHECK_INT((int)peek_all(sp, got, 64, &end), 0);
	moat_spool_close(sp);
	rm_tree(dir);
}

/* Event ids stay unique across reopens, even once everything was sent. */
static void test_spool__unique_ids(void)
{
	char dir[128];
	struct moat_spool *sp;
	struct moat_spool_mark end;
	struct moat_buf a, b;
	struct moat_error err = { 0 };
	size_t n;

	snprintf(dir, sizeof(dir), "%s/u", root);
	moat_buf_init(&a, 0);
	moat_buf_init(&b, 0);
	sp = open_at(dir, 0, 0);
	push(sp, 1);
	CHECK_INT(moat_spool_peek(sp, &a, 10, 1u << 20, &n, &end, &err), 0);
	CHECK_INT(moat_spool_commit(sp, &end, &err), 0);
	moat_spool_close(sp);
	sp = open_at(dir, 0, 0);
	push(sp, 1);
	CHECK_INT(moat_spool_peek(sp, &b, 10, 1u << 20, &n, &end, &err), 0);
	CHECK_INT((int)n, 1);
	moat_buf_putc(&a, 0);
	moat_buf_putc(&b, 0);
	CHECK(strcmp((char *)a.data, (char *)b.data) != 0);
	moat_spool_close(sp);
	moat_buf_release(&a);
	moat_buf_release(&b);
	rm_tree(dir);
}

/* A crash tore the last line of a segment; a line was damaged by hand. */
static void test_spool__torn_and_damaged(void)
{
	char dir[128], path[256];
	struct moat_spool *sp;
	struct moat_spool_mark end;
	struct moat_spool_stats st;
	struct moat_error err = { 0 };
	int got[16], fd;

	snprintf(dir, sizeof(dir), "%s/t", root);
	sp = open_at(dir, 0, 0);
	push(sp, 1);
	push(sp, 2);
	moat_spool_close(sp);
	/* the first segment is number 1 */
	snprintf(path, sizeof(path), "%s/%020d.jsonl", dir, 1);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, "not json\n{\"n\":3, \"torn", 22) == 22);
	close(fd);
	sp = open_at(dir, 0, 0);
	push(sp, 4);
	CHECK_INT((int)peek_all(sp, got, 16, &end), 3);
	CHECK_INT(got[0], 1);
	CHECK_INT(got[1], 2);
	CHECK_INT(got[2], 4);
	CHECK_INT(moat_spool_commit(sp, &end, &err), 0);
	moat_spool_stats(sp, &st);
	CHECK_INT((int)st.dropped, 2);
	moat_spool_close(sp);
	rm_tree(dir);
}

/* Past the bound, whole oldest segments go, counted; the newest stay. */
static void test_spool__bound(void)
{
	char dir[128];
	struct moat_spool *sp;
	struct moat_spool_mark end;
	struct moat_spool_stats st;
	struct moat_error err = { 0 };
	int got[400];
	size_t n;

	snprintf(dir, sizeof(dir), "%s/b", root);
	sp = open_at(dir, 4096, 512);
	for (int i = 0; i < 300; i++)
		push(sp, i);
	moat_spool_stats(sp, &st);
	CHECK(st.dropped > 0);
	CHECK(st.pending_bytes <= 4096);
	n = peek_all(sp, got, 400, &end);
	CHECK_INT((int)(n + st.dropped), 300);
	CHECK_INT(got[n - 1], 299);
	CHECK_INT(got[0], (int)st.dropped);
	CHECK_INT(moat_spool_commit(sp, &end, &err), 0);
	moat_spool_close(sp);
	rm_tree(dir);
}

static void test_spool__refuses(void)
{
	char dir[128];
	struct moat_spool *sp;
	struct moat_error err = { 0 };
	struct moat_spool_mark m;
	size_t lines;

	snprintf(dir, sizeof(dir), "%s/r", root);
	sp = open_at(dir, 0, 0);
	CHECK_INT(moat_spool_append(sp, "[1]", 3, &err), MOAT_E_FORMAT);
	CHECK_INT(moat_spool_append(sp, "{\"a\":\n1}", 8, &err), MOAT_E_FORMAT);
	moat_spool_close(sp);
	rm_tree(dir);
	CHECK_INT(moat_spool_parse_cursor("12 34\n", 6, &m), 0);
	CHECK(m.seg == 12 && m.off == 34);
	CHECK_INT(moat_spool_parse_cursor("12 34", 5, &m), MOAT_E_FORMAT);
	CHECK_INT(moat_spool_parse_cursor("-1 3\n", 5, &m), MOAT_E_FORMAT);
	CHECK_INT(moat_spool_parse_cursor("99999999999999999999999 1\n", 26, &m), MOAT_E_FORMAT);
	CHECK_INT((int)moat_spool_whole_lines("a\nb\nc", 5, &lines), 4);
	CHECK_INT((int)lines, 2);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/moat-spool-test.%ld", (long)getpid());
	if (mkdir(root, 0700) < 0)
		return 1;
	MOAT_RUN(test_spool__ids_batches_resume);
	MOAT_RUN(test_spool__unique_ids);
	MOAT_RUN(test_spool__torn_and_damaged);
	MOAT_RUN(test_spool__bound);
	MOAT_RUN(test_spool__refuses);
	rm_tree(root);
	return moat_test_done();
}
