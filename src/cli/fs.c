/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.c - `moat fs ls TARGET`: the merged filesystem of an image as moat sees
 * it, one JSON object per line (path, type, mode, size, sha256 or link,
 * layer). Not in the top-level help: it exists so tests (and people chasing a
 * scanner-versus-engine disagreement) can compare moat's view with what
 * `docker export` shows. Every file's content is captured, within the
 * capture limits, so only use it on images of modest size.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/jsonw.h"
#include "image/image.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "cli.h"
#include "scan-run.h"

static bool want_all(void *ctx, const char *path, size_t len)
{
	(void)ctx;
	(void)path;
	(void)len;
	return true;
}

static const char *type_name(enum moat_fs_type type)
{
	switch (type) {
	case MOAT_FS_REG: return "file";
	case MOAT_FS_DIR: return "dir";
	case MOAT_FS_SYMLINK: return "symlink";
	case MOAT_FS_CHAR: return "char";
	case MOAT_FS_BLOCK: return "block";
	case MOAT_FS_FIFO: return "fifo";
	}
	return "unknown";
}

struct ls {
	struct moat_fs *fs;
	struct moat_buf out;
	struct moat_error *err;
};

static int on_path(void *vctx, const char *path, const struct moat_fs_stat *st)
{
	struct ls *ls = vctx;
	struct moat_jw jw;
	struct moat_slice content;
	char digest[MOAT_DIGEST_STR_MAX];
	int r;

	moat_jw_init(&jw, &ls->out, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "path", path);
	moat_jw_kstr(&jw, "type", type_name(st->type));
	moat_jw_kuint(&jw, "mode", st->mode & 07777);
	moat_jw_kuint(&jw, "size", st->size);
	if (st->type == MOAT_FS_REG) {
		if ((r = moat_fs_read(ls->fs, path, &content, ls->err)) < 0)
			return r;
		moat_sha256_str(content.ptr, content.len, digest);
		moat_jw_kstr(&jw, "sha256", digest + 7);
	}
	if (st->link)
		moat_jw_kstr(&jw, "link", st->link);
	moat_jw_kint(&jw, "layer", st->layer);
	moat_jw_obj_end(&jw);
	if ((r = moat_jw_finish(&jw)) < 0 || (r = moat_buf_putc(&ls->out, '\n')) < 0)
		return moat_error_set(ls->err, r, "output too large");
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: moat fs ls TARGET\n\n"
		"Print every path of the image's merged filesystem as JSON lines:\n"
		"{\"path\", \"type\", \"mode\", \"size\", \"sha256\" (files), \"link\" (symlinks),\n"
		"\"layer\" (0-based index of the layer that last wrote it)}.\n");
}

int moat_cmd_fs(int argc, char **argv)
{
	struct moat_image_opts opts = { 0 };
	struct moat_image *img = NULL;
	struct moat_error err = { 0 };
	struct ls ls = { .err = &err };
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return MOAT_EXIT_OK;
	}
	if (argc != 3 || strcmp(argv[1], "ls") != 0) {
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	opts.target = argv[2];
	opts.want_content = want_all;
	moat_limits_fill(&opts.limits);
	moat_buf_init(&ls.out, 0);
	r = moat_image_open(&opts, &img, &err);
	if (r == 0) {
		ls.fs = moat_image_fs(img);
		r = moat_fs_walk(ls.fs, "", on_path, &ls, &err);
	}
	if (r == 0)
		r = cli_emit(NULL, &ls.out);
	moat_buf_release(&ls.out);
	moat_image_close(img);
	if (r < 0) {
		scan_report_error("fs", argv[2], r, &err);
		return scan_exit_code(r);
	}
	return MOAT_EXIT_OK;
}
