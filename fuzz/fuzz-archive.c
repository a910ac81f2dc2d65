/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-archive.c - a whole image archive from arbitrary bytes: the outer tar,
 * manifest.json / index.json / config JSON, layer sniffing, decompression,
 * the layer tars, the merge, and the catalogers on whatever results.
 */
#include <stdlib.h>

#include "base/reader.h"
#include "fuzz-common.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_image_opts opts = { 0 };
	struct moat_image img = { 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;
	struct moat_error err = { 0 };

	if (size > FUZZ_MAX_INPUT)
		return 0;
	opts.want_content = moat_catalog_want;
	/* Small limits keep each run fast; they are part of what is tested. */
	opts.limits.layer_bytes = 64u << 20;
	opts.limits.json_bytes = 1u << 20;
	opts.limits.layers = 64;
	img.arena = moat_arena_open(256u << 20);
	if (!img.arena)
		return 0;
	img.opts = &opts;
	img.limits = opts.limits;
	moat_limits_fill(&img.limits);
	rd = moat_mem_reader(&mr, data, size);
	if (moat_fs_builder_open(img.arena, &img.limits, &img.builder, &err) == 0 &&
	    image_read_archive(&img, &rd, "fuzz.tar", NULL, &err) == 0) {
		struct moat_catalog_ctx cat = { 0 };

		cat.fs = img.fs;
		cat.arena = img.arena;
		cat.meta = &img.meta;
		cat.limits = &img.limits;
		moat_catalog_run(&cat, &err);
	}
	moat_hmap_release(&img.captured);
	moat_arena_close(img.arena);
	return 0;
}
