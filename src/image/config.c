/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - image config JSON into moat_image_meta; history to layers. */
#include <string.h>

#include "base/json.h"
#include "moat/error.h"
#include "image-int.h"

int image_json(struct moat_image *img, const void *data, size_t len, const char *what,
	       json_t **ret, struct moat_error *err)
{
	return moat_json_parse(data, len, img->limits.json_bytes, what, ret, err);
}

static const char *dup_str(struct moat_image *img, const json_t *obj, const char *key)
{
	size_t len;
	const char *s = moat_json_strn(obj, key, &len);

	return s ? moat_arena_strndup(img->arena, s, len) : NULL;
}

/* A JSON array of strings (or an object's keys) into an arena array. */
static int str_list(struct moat_image *img, json_t *v, const char ***ret, size_t *ret_n)
{
	size_t n = json_is_array(v) ? json_array_size(v) : json_is_object(v) ? json_object_size(v) : 0;
	const char **list;
	size_t i = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!n)
		return 0;
	list = moat_arena_newarray(img->arena, const char *, n);
	if (!list)
		return MOAT_E_LIMIT;
	if (json_is_array(v)) {
		size_t idx;
		json_t *item;

		json_array_foreach(v, idx, item)
			if (json_is_string(item))
				list[i++] = moat_arena_strndup(img->arena, json_string_value(item),
							       json_string_length(item));
	} else {
		const char *key;
		json_t *item;

		json_object_foreach(v, key, item)
			list[i++] = moat_arena_strdup(img->arena, key);
	}
	*ret = list;
	*ret_n = i;
	return 0;
}

static int parse_labels(struct moat_image *img, json_t *labels)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	if (!json_is_object(labels) || !json_object_size(labels))
		return 0;
	img->meta.labels = moat_arena_newarray(img->arena, struct moat_kv, json_object_size(labels));
	if (!img->meta.labels)
		return MOAT_E_LIMIT;
	json_object_foreach(labels, key, v) {
		if (!json_is_string(v))
			continue;
		img->meta.labels[i].key = moat_arena_strdup(img->arena, key);
		img->meta.labels[i].value = moat_arena_strndup(img->arena, json_string_value(v),
							       json_string_length(v));
		i++;
	}
	img->meta.n_labels = i;
	return 0;
}

static int parse_history(struct moat_image *img, const json_t *history)
{
	size_t n = json_is_array(history) ? json_array_size(history) : 0;
	size_t idx;
	json_t *h;

	if (!n)
		return 0;
	img->meta.history = moat_arena_newarray(img->arena, struct moat_history, n);
	if (!img->meta.history)
		return MOAT_E_LIMIT;
	json_array_foreach(history, idx, h) {
		struct moat_history *mh = &img->meta.history[idx];

		mh->created = dup_str(img, h, "created");
		mh->created_by = dup_str(img, h, "created_by");
		mh->comment = dup_str(img, h, "comment");
		mh->empty_layer = json_is_true(json_object_get(h, "empty_layer"));
		mh->layer_index = -1;
	}
	img->meta.n_history = n;
	return 0;
}

int image_parse_config(struct moat_image *img, const json_t *config, struct moat_error *err)
{
	const json_t *c = json_object_get(config, "config");
	const json_t *rootfs = json_object_get(config, "rootfs");
	struct moat_image_meta *m = &img->meta;
	int r = 0;

	if (!json_is_object(config) || !json_is_object(rootfs) ||
	    !json_is_array(json_object_get(rootfs, "diff_ids")))
		return moat_error_set(err, MOAT_E_FORMAT, "image config: no rootfs.diff_ids");
	if (json_array_size(json_object_get(rootfs, "diff_ids")) > img->limits.layers)
		return moat_error_set(err, MOAT_E_LIMIT, "image config: more than %u layers",
				      img->limits.layers);
	m->os = dup_str(img, config, "os");
	m->architecture = dup_str(img, config, "architecture");
	m->variant = dup_str(img, config, "variant");
	m->created = dup_str(img, config, "created");
	if (json_is_object(c)) {
		m->user = dup_str(img, c, "User");
		m->working_dir = dup_str(img, c, "WorkingDir");
		r = str_list(img, json_object_get(c, "Env"), &m->env, &m->n_env);
		r = r ? r : str_list(img, json_object_get(c, "ExposedPorts"), &m->exposed_ports,
				     &m->n_exposed_ports);
		r = r ? r : str_list(img, json_object_get(c, "Entrypoint"), &m->entrypoint,
				     &m->n_entrypoint);
		r = r ? r : str_list(img, json_object_get(c, "Cmd"), &m->cmd, &m->n_cmd);
		r = r ? r : str_list(img, json_object_get(json_object_get(c, "Healthcheck"), "Test"),
				     &m->healthcheck, &m->n_healthcheck);
		r = r ? r : parse_labels(img, json_object_get(c, "Labels"));
	}
	r = r ? r : parse_history(img, json_object_get(config, "history"));
	if (r < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "image config: out of scan memory");
	return 0;
}

/* Map non-empty history entries to layers in order; leave all unmapped if the
 * counts disagree, because a wrong created_by is worse than none. */
static void map_history(struct moat_image_meta *m)
{
	size_t non_empty = 0;
	size_t k = 0;

	for (size_t i = 0; i < m->n_history; i++)
		non_empty += !m->history[i].empty_layer;
	if (non_empty != m->n_layers)
		return;
	for (size_t i = 0; i < m->n_history; i++) {
		if (m->history[i].empty_layer)
			continue;
		m->history[i].layer_index = (int)k;
		m->layers[k].history_index = (int)i;
		m->layers[k].created_by = m->history[i].created_by;
		k++;
	}
}

int image_set_layers(struct moat_image *img, const json_t *config,
		     struct moat_layer_result **results, const char **blob_digests,
		     const char **media_types, size_t n, struct moat_error *err)
{
	const json_t *diff_ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	struct moat_image_meta *m = &img->meta;

	if (json_array_size(diff_ids) != n)
		return moat_error_set(err, MOAT_E_VERIFY,
				      "manifest lists %zu layers but the config has %zu diff_ids", n,
				      json_array_size(diff_ids));
	m->layers = moat_arena_newarray(img->arena, struct moat_layer, n ? n : 1);
	if (!m->layers)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < n; i++) {
		const char *want = json_string_value(json_array_get(diff_ids, i));
		struct moat_layer *l = &m->layers[i];

		if (!want || strcmp(want, results[i]->diff_id) != 0)
			return moat_error_set(err, MOAT_E_VERIFY,
					      "layer %zu: content digest %s does not match diff_id %s "
					      "in the config", i + 1, results[i]->diff_id,
					      want ? want : "(missing)");
		l->index = (unsigned)i;
		l->diff_id = moat_arena_strdup(img->arena, results[i]->diff_id);
		l->digest = moat_arena_strdup(img->arena, blob_digests[i] ? blob_digests[i]
									: results[i]->blob_digest);
		l->media_type = media_types && media_types[i] ?
					moat_arena_strdup(img->arena, media_types[i]) : NULL;
		l->size = results[i]->blob_size;
		l->tar_size = results[i]->tar_size;
		l->history_index = -1;
		l->read_seq = results[i]->read_seq;
	}
	m->n_layers = n;
	map_history(m);
	return 0;
}

const json_t *image_index_pick(const json_t *index, const char *want_ref)
{
	const json_t *manifests = json_object_get(index, "manifests");
	const json_t *amd64 = NULL;
	size_t i;
	json_t *d;

	if (!json_is_array(manifests) || !json_array_size(manifests))
		return NULL;
	json_array_foreach(manifests, i, d) {
		const json_t *ann = json_object_get(d, "annotations");
		const char *ref = moat_json_str(ann, "org.opencontainers.image.ref.name");
		const char *name = moat_json_str(ann, "io.containerd.image.name");
		const json_t *plat = json_object_get(d, "platform");

		if (want_ref && ((ref && !strcmp(ref, want_ref)) || (name && !strcmp(name, want_ref))))
			return d;
		if (!amd64 && plat && !strcmp(moat_json_str(plat, "architecture") ?: "", "amd64") &&
		    !strcmp(moat_json_str(plat, "os") ?: "", "linux"))
			amd64 = d;
	}
	if (want_ref)
		return NULL;
	return amd64 ? amd64 : json_array_get(manifests, 0);
}
