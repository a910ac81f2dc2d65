/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry-src.c - the "registry://HOST[:PORT]/REPO[:TAG|@DIGEST]" source.
 *
 * The manifest (picked from an index for the wanted platform) is fetched
 * first; then the same index/manifest walk as for an OCI layout (oci.c)
 * runs over an oci_store whose blobs come from the registry: the config
 * whole and verified, each layer as an HTTP stream straight into
 * moat_layer_read, which digests, decompresses and indexes it on the way.
 * Nothing of the image is written to disk.
 */
#include <string.h>

#include "base/hmap.h"
#include "moat/error.h"
#include "registry/registry.h"
#include "image-int.h"
#include "oci.h"

struct reg_src {
	struct moat_image *img;
	struct moat_registry *reg;
	struct moat_registry_ref ref;
	struct moat_registry_manifest man;
	struct moat_hmap layers;        /* digest -> struct reg_layer: each blob is read once */
};

struct reg_layer {
	struct moat_layer_result *res;
	struct moat_fs_layer *layer;
};

static int reg_blob(void *ctx, const char *digest, uint64_t size, const uint8_t **ret_data,
		    size_t *ret_len, struct moat_error *err)
{
	struct reg_src *rs = ctx;
	struct moat_buf buf;
	uint8_t *copy;
	int r = 0;

	moat_buf_init(&buf, rs->img->limits.json_bytes + 1);
	if (!strcmp(digest, rs->man.digest))
		r = moat_buf_append(&buf, rs->man.data.data, rs->man.data.len);
	else
		r = moat_registry_blob_get(rs->reg, rs->ref.repo, digest, rs->img->limits.json_bytes,
					   &buf, err);
	if (r < 0) {
		moat_buf_release(&buf);
		return r;
	}
	(void)size;
	copy = moat_arena_alloc(rs->img->arena, buf.len + 1);
	if (copy) {
		memcpy(copy, buf.data, buf.len);
		copy[buf.len] = '\0';
	}
	*ret_data = copy;
	*ret_len = buf.len;
	moat_buf_release(&buf);
	return copy ? 0 : moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
}

static int read_reg_layer(struct reg_src *rs, const char *digest, uint64_t size, unsigned index,
			  struct reg_layer *out, struct moat_error *err)
{
	struct moat_image *img = rs->img;
	const struct moat_progress *pg = img->opts->progress;
	struct moat_registry_blob *blob = NULL;
	struct moat_layer_ctx lctx;
	struct moat_reader body;
	int r;

	out->res = moat_arena_new0(img->arena, struct moat_layer_result);
	if (!out->res)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if ((r = moat_fs_layer_new(img->builder, &out->layer, err)) < 0)
		return r;
	r = moat_registry_blob_open(rs->reg, rs->ref.repo, digest, size, &blob, &body, err);
	if (r < 0)
		return moat_error_prefix(err, "layer %u: ", index + 1);
	image_layer_ctx(img, &lctx, digest);
	if (pg && pg->layer_begin)
		pg->layer_begin(pg->ctx, index, 0, size);
	r = moat_layer_read(&body, &lctx, out->layer, out->res, err);
	moat_registry_blob_close(blob);
	if (r < 0)
		return r;
	if (pg && pg->layer_end)
		pg->layer_end(pg->ctx, index);
	return 0;
}

/* A digest listed twice is one download (see dir_layer in source.c). */
static int reg_layer(void *ctx, const char *digest, uint64_t size, unsigned index,
		     struct moat_layer_result **ret_res, struct moat_fs_layer **ret_layer,
		     struct moat_error *err)
{
	struct reg_src *rs = ctx;
	struct reg_layer *seen = moat_hmap_get(&rs->layers, digest, strlen(digest));
	char *key;
	int r;

	if (!seen) {
		seen = moat_arena_new0(rs->img->arena, struct reg_layer);
		key = moat_arena_strdup(rs->img->arena, digest);
		if (!seen || !key)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		if ((r = read_reg_layer(rs, digest, size, index, seen, err)) < 0)
			return r;
		if (moat_hmap_put(&rs->layers, key, strlen(key), seen) < 0)
			return moat_error_set(err, MOAT_E_LIMIT, "out of memory");
	}
	*ret_res = seen->res;
	*ret_layer = seen->layer;
	return 0;
}

/* The chosen manifest as a one-entry index, for oci_resolve_index. */
static int resolve(struct reg_src *rs, struct moat_error *err)
{
	struct oci_store store = { reg_blob, reg_layer, rs };
	json_t *index = json_pack("{s:[{s:s,s:s,s:I}]}", "manifests", "mediaType",
				  rs->man.media_type, "digest", rs->man.digest, "size",
				  (json_int_t)rs->man.data.len);
	int r;

	if (!index)
		return moat_error_set(err, MOAT_E_LIMIT, "out of memory");
	r = oci_resolve_index(rs->img, index, NULL, &store, err);
	json_decref(index);
	return r;
}

int image_read_registry(struct moat_image *img, const char *target, struct moat_error *err)
{
	const struct moat_image_opts *opts = img->opts;
	struct moat_registry_platform plat = { "linux", "amd64", "" };
	struct reg_src rs = { .img = img };
	int r;

	moat_registry_manifest_init(&rs.man);
	moat_hmap_init(&rs.layers);
	r = moat_registry_ref_parse(target, &rs.ref, err);
	if (r == 0 && opts->platform)
		r = moat_registry_platform_parse(opts->platform, &plat, err);
	if (r == 0)
		r = moat_registry_open(rs.ref.host, opts->registry, &rs.reg, err);
	if (r == 0)
		r = moat_registry_manifest_get(rs.reg, rs.ref.repo,
					       rs.ref.digest[0] ? rs.ref.digest : rs.ref.tag, &plat,
					       &rs.man, err);
	if (r == 0)
		r = resolve(&rs, err);
	moat_registry_manifest_release(&rs.man);
	moat_hmap_release(&rs.layers);
	moat_registry_close(rs.reg);
	if (r < 0)
		return moat_error_prefix(err, "registry://%s: ", target);
	return 0;
}
