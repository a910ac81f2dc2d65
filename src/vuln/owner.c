/* SPDX-License-Identifier: Apache-2.0 */
/* owner.c - base-image boundary from --base-image, labels and the local index. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "image/image.h"
#include "moat/error.h"
#include "match.h"
#include "owner.h"

/* The index is ours but lives in the user's home: still bound what we read. */
#define INDEX_MAX_BYTES (64u << 20)

struct entry {
	char *name;
	char *config_digest;
	char *manifest_digest;
	char **diff_ids;
	size_t n_diff_ids;
	bool user;
};

struct moat_base_index {
	char *path;
	struct entry *entries;
	size_t n, cap;
};

const char *moat_base_index_default_path(char *buf, size_t len)
{
	const char *env = getenv("MOAT_BASE_INDEX");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (env && *env)
		snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(buf, len, "%s/moat/bases.jsonl", xdg);
	else
		snprintf(buf, len, "%s/.local/share/moat/bases.jsonl", home ? home : "/root");
	return buf;
}

static void entry_free(struct entry *e)
{
	free(e->name);
	free(e->config_digest);
	free(e->manifest_digest);
	for (size_t i = 0; i < e->n_diff_ids; i++)
		free(e->diff_ids[i]);
	free(e->diff_ids);
}

void moat_base_index_close(struct moat_base_index *index)
{
	if (!index)
		return;
	for (size_t i = 0; i < index->n; i++)
		entry_free(&index->entries[i]);
	free(index->entries);
	free(index->path);
	free(index);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int push(struct moat_base_index *index, struct entry *e)
{
	if (index->n == index->cap) {
		size_t cap = index->cap ? index->cap * 2 : 16;
		struct entry *grown = realloc(index->entries, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		index->entries = grown;
		index->cap = cap;
	}
	index->entries[index->n++] = *e;
	return 0;
}

/* One line: {"name","config_digest","manifest_digest","diff_ids":[..],"user":bool}. */
static int parse_line(struct moat_base_index *index, const char *line, size_t len, size_t lineno,
		      struct moat_error *err)
{
	struct entry e = { 0 };
	json_t *doc, *ids;
	int r = moat_json_parse(line, len, len, index->path, &doc, err);

	if (r < 0)
		return moat_error_prefix(err, "line %zu: ", lineno);
	ids = json_object_get(doc, "diff_ids");
	e.name = dup_or_null(moat_json_str(doc, "name"));
	e.config_digest = dup_or_null(moat_json_str(doc, "config_digest"));
	e.manifest_digest = dup_or_null(moat_json_str(doc, "manifest_digest"));
	e.user = json_is_true(json_object_get(doc, "user"));
	if (json_is_array(ids) && json_array_size(ids) > 0) {
		e.diff_ids = calloc(json_array_size(ids), sizeof(*e.diff_ids));
		for (size_t i = 0; e.diff_ids && i < json_array_size(ids); i++) {
			const char *id = json_string_value(json_array_get(ids, i));

			if (id && (e.diff_ids[e.n_diff_ids] = strdup(id)))
				e.n_diff_ids++;
		}
	}
	json_decref(doc);
	if (!e.n_diff_ids || !e.config_digest) {
		entry_free(&e);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: line %zu: an entry needs "
				      "config_digest and diff_ids", index->path, lineno);
	}
	if (push(index, &e) < 0) {
		entry_free(&e);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int read_index(struct moat_base_index *index, struct moat_error *err)
{
	struct moat_buf data;
	size_t lineno = 0;
	int r;

	moat_buf_init(&data, 0);
	r = moat_read_file(index->path, INDEX_MAX_BYTES, &data, err);
	if (r == -ENOENT) {         /* no index yet: an empty one */
		memset(err, 0, sizeof(*err));
		r = 0;
	}
	for (size_t pos = 0; pos < data.len && r == 0;) {
		const char *line = (const char *)data.data + pos;
		const char *nl = memchr(line, '\n', data.len - pos);
		size_t len = nl ? (size_t)(nl - line) : data.len - pos;

		lineno++;
		if (len > 0)
			r = parse_line(index, line, len, lineno, err);
		pos += len + 1;
	}
	moat_buf_release(&data);
	return r;
}

int moat_base_index_open(const char *path, struct moat_base_index **ret_index,
			 struct moat_error *err)
{
	struct moat_base_index *index = calloc(1, sizeof(*index));
	char def[4096];
	int r;

	if (!index || !(index->path = strdup(path ? path : moat_base_index_default_path(def,
										   sizeof(def))))) {
		free(index);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	if ((r = read_index(index, err)) < 0) {
		moat_base_index_close(index);
		return r;
	}
	*ret_index = index;
	return 0;
}

static int mkdir_parents(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int append_line(const char *path, const char *line, size_t len, struct moat_error *err)
{
	int fd, r = mkdir_parents(path);

	if (r < 0)
		return moat_error_set(err, r, "%s: %s", path, strerror(-r));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
	/* One write per line with O_APPEND: concurrent scans do not interleave. */
	if (write(fd, line, len) != (ssize_t)len)
		r = moat_error_set(err, -EIO, "%s: short write", path);
	close(fd);
	return r;
}

int moat_base_index_add(struct moat_base_index *index, const char *name,
			const struct moat_image_meta *meta, bool user, struct moat_error *err)
{
	json_t *doc, *ids;
	char *text;
	int r;

	if (!meta->config_digest || !meta->n_layers || !meta->layers[0].diff_id)
		return 0; /* dir: roots have no chain to offer */
	for (size_t i = 0; i < index->n; i++)
		if (!strcmp(index->entries[i].config_digest, meta->config_digest) &&
		    (!user || index->entries[i].user))
			return 0;
	doc = json_object();
	ids = json_array();
	for (size_t i = 0; i < meta->n_layers; i++)
		json_array_append_new(ids, json_string(meta->layers[i].diff_id));
	json_object_set_new(doc, "name", json_string(name ? name : meta->ref ? meta->ref : ""));
	json_object_set_new(doc, "config_digest", json_string(meta->config_digest));
	if (meta->manifest_digest)
		json_object_set_new(doc, "manifest_digest", json_string(meta->manifest_digest));
	json_object_set_new(doc, "diff_ids", ids);
	json_object_set_new(doc, "user", json_boolean(user));
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return moat_error_set(err, -ENOMEM, "out of memory");
	r = parse_line(index, text, strlen(text), index->n + 1, err);
	if (r == 0) {
		size_t len = strlen(text);

		text[len] = '\n';
		r = append_line(index->path, text, len + 1, err);
	}
	free(text);
	return r;
}

size_t moat_base_index_count(const struct moat_base_index *index)
{
	return index ? index->n : 0;
}

void moat_base_index_entry(const struct moat_base_index *index, size_t i,
			   struct moat_base_entry *ret_entry)
{
	const struct entry *e = &index->entries[i];

	*ret_entry = (struct moat_base_entry){ e->name, e->config_digest, e->manifest_digest,
					       e->n_diff_ids, e->user };
}

const char *moat_base_index_path(const struct moat_base_index *index)
{
	return index->path;
}

/* How many bottom layers of meta equal the entry's whole chain (0 if not a prefix). */
static size_t prefix_len(const struct entry *e, const struct moat_image_meta *meta)
{
	if (e->n_diff_ids > meta->n_layers)
		return 0;
	for (size_t i = 0; i < e->n_diff_ids; i++)
		if (!meta->layers[i].diff_id || strcmp(e->diff_ids[i], meta->layers[i].diff_id) != 0)
			return 0;
	return e->n_diff_ids;
}

static const char *label(const struct moat_image_meta *meta, const char *key)
{
	for (size_t i = 0; i < meta->n_labels; i++)
		if (!strcmp(meta->labels[i].key, key))
			return meta->labels[i].value;
	return NULL;
}

static int from_explicit(const struct moat_image_meta *meta, const struct moat_image_meta *base,
			 const char *name, struct moat_arena *arena, struct moat_base *ret,
			 struct moat_error *err)
{
	if (base->n_layers > meta->n_layers)
		goto mismatch;
	for (size_t i = 0; i < base->n_layers; i++)
		if (!base->layers[i].diff_id || !meta->layers[i].diff_id ||
		    strcmp(base->layers[i].diff_id, meta->layers[i].diff_id) != 0)
			goto mismatch;
	ret->name = moat_arena_strdup(arena, name ? name : base->ref ? base->ref : "base");
	ret->n_layers = base->n_layers;
	ret->how = "base-image";
	return 0;
mismatch:
	return moat_error_set(err, MOAT_E_FORMAT, "--base-image %s: its layers are not the bottom "
			      "layers of the scanned image", name ? name : "");
}

int moat_base_find(struct moat_base_index *index, const struct moat_image_meta *meta,
		   const struct moat_image_meta *explicit_base, const char *explicit_name,
		   struct moat_arena *arena, struct moat_base *ret_base, struct moat_error *err)
{
	const char *want = label(meta, "org.opencontainers.image.base.digest");
	const struct entry *best = NULL;
	size_t best_len = 0;

	memset(ret_base, 0, sizeof(*ret_base));
	if (explicit_base)
		return from_explicit(meta, explicit_base, explicit_name, arena, ret_base, err);
	for (size_t i = 0; index && i < index->n; i++) {
		const struct entry *e = &index->entries[i];
		size_t n = prefix_len(e, meta);

		if (want && e->manifest_digest && !strcmp(want, e->manifest_digest) && n) {
			best = e, best_len = n;
			ret_base->how = "label";
			break;
		}
		/* The image itself is not its own base: a strict prefix only. */
		if (n && n < meta->n_layers &&
		    (n > best_len || (n == best_len && e->user && !best->user)))
			best = e, best_len = n, ret_base->how = "index";
	}
	if (!best)
		return 0;
	ret_base->name = moat_arena_strdup(arena, best->name && *best->name ? best->name
									    : best->config_digest);
	ret_base->n_layers = best_len;
	return 0;
}

void moat_owner_attribute(const struct moat_base *base, struct moat_vuln_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		struct moat_vuln_finding *f = list->items[i];
		int layer = f->pkg->layer_index;

		if (!base->n_layers || layer < 0) {
			f->owner = "unknown";
			continue;
		}
		f->owner = (size_t)layer < base->n_layers ? "base" : "app";
		f->base_image = base->name;
	}
}
