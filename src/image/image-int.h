/* SPDX-License-Identifier: Apache-2.0 */
/* image-int.h - what the image sources share inside src/image/. */
#ifndef MOAT_IMAGE_INT_H
#define MOAT_IMAGE_INT_H

#include <jansson.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "base/warn.h"
#include "image.h"
#include "layer.h"
#include "vfs/layerfs.h"

struct moat_image {
	struct moat_arena *arena;
	struct moat_image_meta meta;
	struct moat_fs *fs;
	struct moat_fs_builder *builder;
	struct moat_limits limits;
	const struct moat_image_opts *opts;   /* valid during open only */
	uint64_t captured_total;
	struct moat_hmap captured;            /* equal captured files share one copy */
	unsigned layers_read;                 /* for progress */
	unsigned layers_started;              /* next read_seq */
	struct moat_warnings warnings;        /* content skipped while reading */
};

/* Fill meta from an image config JSON (OCI or Docker). Checks the diff_id count. */
int image_parse_config(struct moat_image *img, const json_t *config, struct moat_error *err);
/* Set meta.layers from parallel arrays once the order is known; verifies
 * each layer's diff_id against config (rootfs.diff_ids). */
int image_set_layers(struct moat_image *img, const json_t *config,
		     struct moat_layer_result **results, const char **blob_digests,
		     const char **media_types, size_t n, struct moat_error *err);
/* A layer context for moat_layer_read bound to this image. */
void image_layer_ctx(struct moat_image *img, struct moat_layer_ctx *ctx, const char *what);

/* Sources. */
int image_read_archive(struct moat_image *img, struct moat_reader *in, const char *what,
		       const char *want_ref, struct moat_error *err);
int image_read_oci_dir(struct moat_image *img, const char *dir, const char *want_ref,
		       struct moat_error *err);
int image_read_root_dir(struct moat_image *img, const char *dir, struct moat_error *err);
/* "HOST[:PORT]/REPO[:TAG|@DIGEST]" from a registry (registry-src.c). */
int image_read_registry(struct moat_image *img, const char *target, struct moat_error *err);

/* openat2 beneath dirfd with no symlinks followed (falls back to O_NOFOLLOW). */
int image_open_beneath(int dirfd, const char *path, int flags);

/* Pick the manifest from an OCI index: by ref annotation, else linux/amd64, else the first.
 * Returns the descriptor (borrowed from index) or NULL. */
const json_t *image_index_pick(const json_t *index, const char *want_ref);
/* Parse a JSON blob, bounded by the image's limits. */
int image_json(struct moat_image *img, const void *data, size_t len, const char *what,
	       json_t **ret, struct moat_error *err);

#endif
