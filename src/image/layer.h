/* SPDX-License-Identifier: Apache-2.0 */
/*
 * layer.h - read one layer blob once: digest it, decompress it, digest the
 * tar, and record its entries (and wanted file contents) into a fs layer.
 */
#ifndef MOAT_LAYER_H
#define MOAT_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/digest.h"
#include "base/reader.h"
#include "image/image.h"
#include "moat/limits.h"

struct moat_arena;
struct moat_error;
struct moat_hmap;
struct moat_fs_layer;

struct moat_layer_ctx {
	const struct moat_limits *limits;
	struct moat_arena *arena;               /* captured contents go here */
	uint64_t *captured_total;               /* shared budget across layers */
	struct moat_hmap *captured;             /* contents kept so far, by fingerprint (private
						 * to layer.c): equal files share one copy; may be NULL */
	bool (*want_content)(void *ctx, const char *path, size_t len);
	void *want_ctx;
	moat_visit_fn visit_file;               /* may be NULL */
	void *visit_ctx;
	unsigned read_seq;                      /* this layer's streaming order */
	void (*progress)(void *ctx, uint64_t bytes);  /* blob bytes consumed; may be NULL */
	void *progress_ctx;
	const char *what;                       /* names the layer in errors */
};

struct moat_layer_result {
	char blob_digest[MOAT_DIGEST_STR_MAX];  /* as stored (compressed) */
	char diff_id[MOAT_DIGEST_STR_MAX];      /* of the uncompressed tar */
	uint64_t blob_size;
	uint64_t tar_size;
	const char *compression;                /* "gzip", "zstd", "none" */
	unsigned read_seq;                      /* copied from the ctx */
};

/* Stream blob to its end. On success fill *res; entries go to out. */
int moat_layer_read(struct moat_reader *blob, const struct moat_layer_ctx *ctx,
		    struct moat_fs_layer *out, struct moat_layer_result *res,
		    struct moat_error *err);

/* True if the first bytes look like a layer: gzip, zstd or a ustar header. */
bool moat_layer_sniff(const uint8_t *head, size_t len);
/* Can size more bytes be read into memory for the catalogers, with used
 * already read? 0, or MOAT_E_LIMIT with a message naming the limit. */
int image_capture_check(const struct moat_limits *lim, uint64_t used, uint64_t size,
			struct moat_error *err);
/* Make err name where it happened: prefix "what: entry: " (entry may be NULL)
 * unless the message already names what. A stream that ends inside an
 * entry's data is noticed only when the reader skips past it, so the entry
 * named is the last one read. */
void image_error_where(struct moat_error *err, const char *what, const char *entry);

#endif
