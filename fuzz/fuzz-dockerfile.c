/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-dockerfile.c - the Dockerfile parser and every Dockerfile check on
 * arbitrary bytes; with the first byte odd, the same bytes are also read as
 * image history (one created_by per line) through the image config checks.
 * Small instruction and line limits (from the first byte) exercise the
 * bounds as well as the happy path.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "comply/dockerfile.h"
#include "comply/misconfig.h"
#include "detect/detect.h"
#include "image/image.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (256u << 10)
#define FUZZ_MAX_HISTORY 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void history(struct moat_arena *arena, const uint8_t *data, size_t size)
{
	struct moat_history h[FUZZ_MAX_HISTORY];
	struct moat_image_meta meta = {.history = h};
	struct moat_misconfig_list out = {0};
	struct moat_error err;
	size_t start = 0;

	memset(h, 0, sizeof(h));
	for (size_t i = 0; i <= size && meta.n_history < FUZZ_MAX_HISTORY; i++)
		if (i == size || data[i] == '\n') {
			h[meta.n_history].created_by =
				moat_arena_strndup(arena, (const char *)data + start, i - start);
			h[meta.n_history++].layer_index = -1;
			start = i + 1;
		}
	moat_misconfig_image_config(&meta, arena, &out, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_df_limits lim = {0};
	struct moat_misconfig_list out = {0};
	struct moat_dockerfile *df;
	struct moat_error err;
	struct moat_arena *arena;

	/* ENV/ARG values go through the secret rules, as in `moat config`. */
	moat_misconfig_set_credential_shape(moat_secret_shape);
	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	if (data[0] & 2) {
		lim.instructions = 1u + data[0] % 16u;
		lim.lines = 1u + data[0] % 64u;
	}
	arena = moat_arena_open(256u << 20);
	if (!arena)
		return 0;
	if (moat_dockerfile_parse(arena, "fuzz", moat_slice_make(data + 1, size - 1), &lim, &df,
				  &err) == 0) {
		moat_misconfig_dockerfile(df, arena, &out, &err);
		moat_misconfig_sort(&out);
	}
	if (data[0] & 1)
		history(arena, data + 1, size - 1);
	moat_arena_close(arena);
	return 0;
}
