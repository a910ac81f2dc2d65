/* SPDX-License-Identifier: Apache-2.0 */
/* oci.h - resolve an OCI index/manifest to config and layers, whatever stores the blobs. */
#ifndef MOAT_OCI_H
#define MOAT_OCI_H

#include "image-int.h"

struct oci_store {
	/* Small JSON blob by digest: data stays valid for the image's life. */
	int (*blob)(void *ctx, const char *digest, uint64_t size, const uint8_t **ret_data,
		    size_t *ret_len, struct moat_error *err);
	/* Layer by digest: read (or look up) and return its result and fs layer. */
	int (*layer)(void *ctx, const char *digest, uint64_t size, unsigned index,
		     struct moat_layer_result **ret_res, struct moat_fs_layer **ret_layer,
		     struct moat_error *err);
	void *ctx;
};

/* From index.json content: pick a manifest, load config, read layers in order,
 * verify every digest and size, set meta and build the fs. */
int oci_resolve_index(struct moat_image *img, const json_t *index, const char *want_ref,
		      const struct oci_store *store, struct moat_error *err);
/* Same from a manifest descriptor already chosen (docker-archive-oci). */
int oci_finish(struct moat_image *img, const json_t *config, struct moat_layer_result **results,
	       struct moat_fs_layer **layers, const char **digests, const char **media_types,
	       size_t n, struct moat_error *err);

#endif
