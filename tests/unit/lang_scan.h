/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang_scan.h - run the language catalogers over one file, the way a scan
 * does: the file is streamed past moat_lang_visit() and the findings are
 * resolved against a one-layer filesystem holding the same file. For the
 * lang_*_test.c programs; test data is read from $MOAT_SRC/tests/data/lang.
 */
#ifndef MOAT_TEST_LANG_SCAN_H
#define MOAT_TEST_LANG_SCAN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/reader.h"
#include "base/warn.h"
#include "image/tar.h"
#include "moat/error.h"
#include "sbom/catalog.h"
#include "sbom/lang.h"
#include "vfs/layerfs.h"
#include "test-io.h"

struct lang_scan {
	struct moat_arena *arena;
	struct moat_lang *lang;
	struct moat_catalog_ctx cat;
	struct moat_limits limits;
	struct moat_layer layer;
	struct moat_image_meta meta;
	uint8_t *data;
	size_t len;
};

/* Whole file under tests/data/lang into malloc'd memory (NULL if missing). */
static inline uint8_t *lang_test_slurp(const char *name, size_t *ret_len)
{
	char path[4096];
	const char *src = getenv("MOAT_SRC");

	snprintf(path, sizeof(path), "%s/tests/data/lang/%s", src ? src : ".", name);
	return test_slurp(path, 0, ret_len);
}

/* Catalogue data as the file at image_path. Returns 0 or the first error. */
static inline int lang_scan_run(struct lang_scan *s, const char *image_path, const uint8_t *data,
				size_t len)
{
	struct moat_fs_builder *b = NULL;
	struct moat_fs_layer *layer = NULL;
	struct moat_tar_entry e = { 0 };
	struct moat_error err = { 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;
	struct moat_file_visit v = { 0 };
	int r;

	memset(s, 0, sizeof(*s));
	moat_limits_default(&s->limits);
	s->arena = moat_arena_open(0);
	if (!s->arena || moat_lang_open(&s->limits, &s->lang, &err) < 0)
		return -1;
	e.path = image_path;
	e.path_len = strlen(image_path);
	e.type = MOAT_TAR_FILE;
	e.size = len;
	e.mode = 0644;
	if ((r = moat_fs_builder_open(s->arena, &s->limits, &b, &err)) < 0 ||
	    (r = moat_fs_layer_new(b, &layer, &err)) < 0 ||
	    (r = moat_fs_layer_add(layer, &e, &err)) < 0)
		goto out;
	moat_fs_layer_set_content(layer, data, len);
	if ((r = moat_fs_builder_finish(b, &layer, 1, &s->cat.fs, &err)) < 0)
		goto out;
	s->layer.diff_id = "sha256:l0";
	s->layer.read_seq = 0;
	s->meta.layers = &s->layer;
	s->meta.n_layers = 1;
	v.path = image_path;
	v.path_len = strlen(image_path);
	v.mode = 0100644;
	v.size = len;
	rd = moat_mem_reader(&mr, data, len);
	if ((r = moat_lang_visit(s->lang, &v, &rd, &err)) < 0)
		goto out;
	s->cat.arena = s->arena;
	s->cat.meta = &s->meta;
	s->cat.limits = &s->limits;
	r = moat_lang_finish(s->lang, &s->cat, &err);
out:
	if (r < 0)
		printf("# %s: %s\n", image_path, err.msg);
	return r;
}

static inline void lang_scan_release(struct lang_scan *s)
{
	moat_lang_close(s->lang);
	moat_arena_close(s->arena);
}

/* Lines of a tests/data/lang text file ("name@version" each) that the
 * packages do not have, and packages not among the lines, printed as TAP
 * comments. Returns the number of differences (-1 if the file is missing). */
static inline int lang_scan_diff(const struct lang_scan *s, const char *expected_file)
{
	size_t len = 0;
	char *want = (char *)lang_test_slurp(expected_file, &len);
	int diffs = 0;
	size_t n_lines = 0;

	if (!want)
		return printf("# cannot read %s\n", expected_file), -1;
	want[len] = '\0';
	for (const char *line = want; *line;) {
		const char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		bool found = false;

		for (size_t i = 0; l && i < s->cat.pkgs.count && !found; i++) {
			const struct moat_pkg *p = s->cat.pkgs.items[i];
			size_t nlen = strlen(p->name);

			found = nlen < l && strncmp(line, p->name, nlen) == 0 && line[nlen] == '@' &&
				strlen(p->version) == l - nlen - 1 &&
				strncmp(line + nlen + 1, p->version, l - nlen - 1) == 0;
		}
		if (l && !found) {
			printf("# %s: missing %.*s\n", expected_file, (int)l, line);
			diffs++;
		}
		n_lines += l > 0;
		line += l + (nl != NULL);
	}
	if (s->cat.pkgs.count != n_lines) {
		printf("# %s: %zu packages, %zu expected\n", expected_file, s->cat.pkgs.count, n_lines);
		diffs++;
	}
	free(want);
	return diffs;
}

#endif
