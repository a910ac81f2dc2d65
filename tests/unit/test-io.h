/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-io.h - reading fixtures and running oracle tools, for unit tests.
 *
 * One copy of "read the whole file" and "capture a command's stdout" that
 * every test shares; header-only like harness.h.
 */
#ifndef MOAT_TEST_IO_H
#define MOAT_TEST_IO_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"

/* The whole file into out (reset first; NUL-terminated past len). Returns 0,
 * -errno when it cannot be opened or read, or the error of growing out past
 * the maximum it was initialised with. */
static inline int test_read_file(const char *path, struct moat_buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[1 << 16];
	size_t n;
	int r = 0;

	moat_buf_reset(out);
	if (!f)
		return -errno;
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = moat_buf_append(out, chunk, n);
	if (r == 0 && ferror(f))
		r = -EIO;
	fclose(f);
	if (r == 0 && (r = moat_buf_putc(out, '\0')) == 0)
		out->len--;
	return r;
}

/* The whole file as a heap block (caller frees), or NULL; *ret_len its size. */
static inline void *test_slurp(const char *path, size_t max, size_t *ret_len)
{
	struct moat_buf buf;

	moat_buf_init(&buf, max);
	if (test_read_file(path, &buf) < 0) {
		moat_buf_release(&buf);
		return NULL;
	}
	return moat_buf_steal(&buf, ret_len);
}

/* A shell command's stdout into out (reset first; NUL-terminated past len).
 * Returns 0 when the command ran and exited 0, else -1. */
static inline int test_run(const char *cmd, struct moat_buf *out)
{
	FILE *p = popen(cmd, "r");
	char chunk[4096];
	size_t n;

	moat_buf_reset(out);
	if (!p)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		moat_buf_append(out, chunk, n);
	if (moat_buf_putc(out, '\0') == 0)
		out->len--;
	return pclose(p) == 0 ? 0 : -1;
}

static inline int test_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

/* rm -rf dir (a test's temporary tree). 0 or -1. */
static inline int test_rm_tree(const char *dir)
{
	return nftw(dir, test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
