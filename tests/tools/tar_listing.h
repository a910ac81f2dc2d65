/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar_listing.h - moat's tar reader, listed in the format of
 * tests/tools/gotar (Go's archive/tar as the engines use it), so a
 * differential test can compare the two byte for byte. Shared by
 * tests/tools/tar_list.c and fuzz/fuzz-tar-diff.c.
 */
#ifndef MOAT_TAR_LISTING_H
#define MOAT_TAR_LISTING_H

#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "image/tar.h"
#include "moat/error.h"

/* Bytes outside printable ASCII (and space, quote, backslash) as \xNN. */
static void tar_listing_escape(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > ' ' && c < 0x7f && c != '\\' && c != '"')
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
}

static int tar_listing_entry(FILE *out, struct moat_tar *tar, const struct moat_tar_entry *e,
			     struct moat_error *err)
{
	char sum[MOAT_DIGEST_STR_MAX] = "sha256:-";
	uint64_t size = 0;

	if (e->type == MOAT_TAR_FILE) {
		struct moat_sha256 sha;
		unsigned char buf[65536];
		ssize_t n;

		if (moat_sha256_init(&sha) < 0)
			return moat_error_set(err, -12, "out of memory");
		while ((n = moat_tar_read(tar, buf, sizeof(buf), err)) > 0) {
			moat_sha256_update(&sha, buf, (size_t)n);
			size += (uint64_t)n;
		}
		moat_sha256_final(&sha, sum);
		if (n < 0)
			return (int)n;
	} else if (e->type == MOAT_TAR_CHAR || e->type == MOAT_TAR_BLOCK) {
		snprintf(sum, sizeof(sum), "sha256:%u,%u", e->dev_major, e->dev_minor);
	}
	fprintf(out, "%c %04o %llu %s ", e->type, e->mode & 07777, (unsigned long long)size,
		sum + strlen("sha256:"));
	tar_listing_escape(out, e->path, e->path_len);
	if (e->link && (e->type == MOAT_TAR_SYMLINK || e->type == MOAT_TAR_HARDLINK)) {
		fputs(" -> ", out);
		tar_listing_escape(out, e->link, e->link_len);
	}
	fputc('\n', out);
	return 0;
}

/* List every entry of the tar in `in`; the last line is "end" or "error: …".
 * Returns 0 when the archive was accepted, -1 when it was refused. */
static int tar_listing(FILE *out, struct moat_reader *in, const struct moat_limits *limits)
{
	struct moat_error err = { 0 };
	struct moat_tar tar;
	struct moat_tar_entry e;
	int r;

	moat_tar_init(&tar, in, limits, "tar");
	while ((r = moat_tar_next(&tar, &e, &err)) == 1)
		if ((r = tar_listing_entry(out, &tar, &e, &err)) < 0)
			break;
	moat_tar_release(&tar);
	if (r < 0) {
		fprintf(out, "error: %s\n", err.msg);
		return -1;
	}
	fputs("end\n", out);
	return 0;
}

#endif
