/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layerfs.h - build the merged view of an image from its layers.
 *
 * Layers may be indexed in any order (a `docker save` stream puts layers
 * before the manifest that orders them): each layer's entries are recorded
 * into a struct moat_fs_layer, and moat_fs_builder_finish() merges them in
 * image order, applying whiteouts (".wh.NAME") and opaque markers
 * (".wh..wh..opq") against the lower layers and keeping every path's history.
 */
#ifndef MOAT_LAYERFS_H
#define MOAT_LAYERFS_H

#include <stddef.h>
#include <stdint.h>

#include "moat/limits.h"

struct moat_arena;
struct moat_error;
struct moat_fs;
struct moat_tar_entry;
struct moat_fs_builder;
struct moat_fs_layer;

/* Builder allocating from arena (which must outlive the fs). */
int moat_fs_builder_open(struct moat_arena *arena, const struct moat_limits *limits,
			 struct moat_fs_builder **ret_builder, struct moat_error *err);
/* Frees the builder's own tables; the finished fs stays valid. NULL is a no-op. */
void moat_fs_builder_close(struct moat_fs_builder *builder);

/* Start recording a new layer. */
int moat_fs_layer_new(struct moat_fs_builder *builder, struct moat_fs_layer **ret_layer,
		      struct moat_error *err);
/* Record one tar entry (its path is copied). */
int moat_fs_layer_add(struct moat_fs_layer *layer, const struct moat_tar_entry *entry,
		      struct moat_error *err);
/* Attach captured content to the entry added last (data is borrowed from the arena). */
void moat_fs_layer_set_content(struct moat_fs_layer *layer, const uint8_t *data, uint64_t len);
uint64_t moat_fs_layer_entries(const struct moat_fs_layer *layer);

/* Merge layers[0..n) bottom-up into a filesystem owned by the arena. */
int moat_fs_builder_finish(struct moat_fs_builder *builder, struct moat_fs_layer **layers,
			   size_t n_layers, struct moat_fs **ret_fs, struct moat_error *err);

#endif
