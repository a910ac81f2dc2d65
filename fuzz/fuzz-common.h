/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-common.h - helpers shared by the fuzz targets: build a one-layer
 * filesystem holding a single file, and run the catalogers over it.
 */
#ifndef MOAT_FUZZ_COMMON_H
#define MOAT_FUZZ_COMMON_H

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "image/tar.h"
#include "moat/error.h"
#include "sbom/catalog.h"
#include "vfs/layerfs.h"

#define FUZZ_MAX_INPUT (1u << 20)

/* Catalogue an image whose only file is `path` with content data. */
static inline void fuzz_catalog_file(const char *path, const uint8_t *data, size_t size)
{
	struct moat_limits limits;
	struct moat_arena *arena = moat_arena_open(256u << 20);
	struct moat_fs_builder *b = NULL;
	struct moat_fs_layer *layer = NULL;
	struct moat_fs *fs = NULL;
	struct moat_catalog_ctx cat = { 0 };
	struct moat_tar_entry e = { 0 };
	struct moat_layer l = { 0 };
	struct moat_image_meta meta = { 0 };
	struct moat_error err = { 0 };
	uint8_t *copy;

	if (!arena || size > FUZZ_MAX_INPUT)
		goto out;
	moat_limits_default(&limits);
	copy = moat_arena_alloc(arena, size + 1);
	if (!copy)
		goto out;
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0'; /* captured contents always carry a terminator */
	e.path = path;
	e.path_len = strlen(path);
	e.type = MOAT_TAR_FILE;
	e.size = size;
	if (moat_fs_builder_open(arena, &limits, &b, &err) < 0 ||
	    moat_fs_layer_new(b, &layer, &err) < 0 || moat_fs_layer_add(layer, &e, &err) < 0)
		goto out;
	moat_fs_layer_set_content(layer, copy, size);
	if (moat_fs_builder_finish(b, &layer, 1, &fs, &err) < 0)
		goto out;
	l.diff_id = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	meta.layers = &l;
	meta.n_layers = 1;
	cat.fs = fs;
	cat.arena = arena;
	cat.meta = &meta;
	cat.limits = &limits;
	moat_catalog_run(&cat, &err);
out:
	moat_arena_close(arena);
}

#endif
