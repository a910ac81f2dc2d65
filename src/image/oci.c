/* SPDX-License-Identifier: Apache-2.0 */
/* oci.c - OCI image index and manifest walking, shared by the dir and tar forms. */
#include <string.h>

#include "base/digest.h"
#include "base/json.h"
#include "moat/error.h"
#include "oci.h"

#define MAX_INDEX_DEPTH 4

static bool is_index_type(const char *mt)
{
	return mt && (!strcmp(mt, "application/vnd.oci.image.index.v1+json") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

/* Digest and size of a descriptor, validated. */
static int descriptor(const json_t *d, const char *what, const char **ret_digest,
		      uint64_t *ret_size, struct moat_error *err)
{
	const char *digest = moat_json_str(d, "digest");
	json_t *size = json_object_get(d, "size");

	if (!digest || !moat_digest_valid(digest, strlen(digest)))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: missing or unsupported digest", what);
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: missing size", what);
	*ret_digest = digest;
	*ret_size = (uint64_t)json_integer_value(size);
	return 0;
}

static int load_json_blob(struct moat_image *img, const struct oci_store *store, const json_t *d,
			  const char *what, json_t **ret, const char **ret_digest,
			  struct moat_error *err)
{
	const uint8_t *data;
	size_t len;
	uint64_t size;
	const char *digest;
	int r;

	if ((r = descriptor(d, what, &digest, &size, err)) < 0)
		return r;
	if (size > img->limits.json_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s %s: %llu bytes, over the %llu-byte limit "
				      "for manifests and configs", what, digest,
				      (unsigned long long)size,
				      (unsigned long long)img->limits.json_bytes);
	if ((r = store->blob(store->ctx, digest, size, &data, &len, err)) < 0)
		return r;
	if (len != size)
		return moat_error_set(err, MOAT_E_VERIFY, "%s %s: %zu bytes, descriptor says %llu",
				      what, digest, len, (unsigned long long)size);
	/* Copy: the descriptor belongs to a document the caller may free next. */
	*ret_digest = moat_arena_strdup(img->arena, digest);
	if (!*ret_digest)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return image_json(img, data, len, what, ret, err);
}

int oci_finish(struct moat_image *img, const json_t *config, struct moat_layer_result **results,
	       struct moat_fs_layer **layers, const char **digests, const char **media_types,
	       size_t n, struct moat_error *err)
{
	int r = image_set_layers(img, config, results, digests, media_types, n, err);

	if (r < 0)
		return r;
	return moat_fs_builder_finish(img->builder, layers, n, &img->fs, err);
}

static int read_layers(struct moat_image *img, const json_t *manifest, const json_t *config,
		       const struct oci_store *store, struct moat_error *err)
{
	const json_t *list = json_object_get(manifest, "layers");
	size_t n = json_array_size(list);
	struct moat_layer_result **results;
	struct moat_fs_layer **layers;
	const char **digests;
	const char **types;
	int r;

	if (!json_is_array(list))
		return moat_error_set(err, MOAT_E_FORMAT, "manifest: no layers array");
	if (n > img->limits.layers)
		return moat_error_set(err, MOAT_E_LIMIT, "manifest: %zu layers, more than the limit of %u",
				      n, img->limits.layers);
	results = moat_arena_newarray(img->arena, struct moat_layer_result *, n + 1);
	layers = moat_arena_newarray(img->arena, struct moat_fs_layer *, n + 1);
	digests = moat_arena_newarray(img->arena, const char *, n + 1);
	types = moat_arena_newarray(img->arena, const char *, n + 1);
	if (!results || !layers || !digests || !types)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *d = json_array_get(list, i);
		uint64_t size;

		if ((r = descriptor(d, "layer descriptor", &digests[i], &size, err)) < 0)
			return moat_error_prefix(err, "manifest layer %zu: ", i + 1);
		types[i] = moat_json_str(d, "mediaType");
		r = store->layer(store->ctx, digests[i], size, (unsigned)i, &results[i], &layers[i], err);
		if (r < 0)
			return r;
		if (strcmp(results[i]->blob_digest, digests[i]) != 0)
			return moat_error_set(err, MOAT_E_VERIFY, "layer %zu: blob digest %s does not "
					      "match the manifest's %s", i + 1, results[i]->blob_digest,
					      digests[i]);
		if (results[i]->blob_size != size)
			return moat_error_set(err, MOAT_E_VERIFY, "layer %zu: %llu bytes, manifest says %llu",
					      i + 1, (unsigned long long)results[i]->blob_size,
					      (unsigned long long)size);
	}
	return oci_finish(img, config, results, layers, digests, types, n, err);
}

int oci_resolve_index(struct moat_image *img, const json_t *index, const char *want_ref,
		      const struct oci_store *store, struct moat_error *err)
{
	json_t *doc = NULL;
	json_t *config = NULL;
	const json_t *pick = image_index_pick(index, want_ref);
	const char *digest;
	int r = 0;

	if (!pick)
		return moat_error_set(err, want_ref ? MOAT_E_NOTFOUND : MOAT_E_FORMAT,
				      want_ref ? "index.json: no image named %s" : "index.json: no manifests%s",
				      want_ref ? want_ref : "");
	for (int depth = 0;; depth++) {
		json_t *parent = doc; /* owns pick from the second round on */

		if (depth == MAX_INDEX_DEPTH) {
			r = moat_error_set(err, MOAT_E_LIMIT, "image index nested too deep");
			goto out;
		}
		doc = NULL;
		r = load_json_blob(img, store, pick, "manifest", &doc, &digest, err);
		json_decref(parent);
		if (r < 0)
			goto out;
		if (!is_index_type(moat_json_str(doc, "mediaType")) &&
		    !json_is_array(json_object_get(doc, "manifests")))
			break;
		pick = image_index_pick(doc, NULL);
		if (!pick) {
			r = moat_error_set(err, MOAT_E_FORMAT, "image index %s lists no manifests", digest);
			goto out;
		}
	}
	img->meta.manifest_digest = moat_arena_strdup(img->arena, digest);
	r = load_json_blob(img, store, json_object_get(doc, "config"), "config", &config, &digest, err);
	if (r < 0)
		goto out;
	img->meta.config_digest = moat_arena_strdup(img->arena, digest);
	if ((r = image_parse_config(img, config, err)) < 0)
		goto out;
	r = read_layers(img, doc, config, store, err);
out:
	json_decref(doc);
	json_decref(config);
	return r;
}
