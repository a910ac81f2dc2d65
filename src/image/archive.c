/* SPDX-License-Identifier: Apache-2.0 */
/*
 * archive.c - images as one tar stream: `docker save` output (legacy and OCI
 * layouts), OCI layout tars, and the Docker Engine's export stream.
 *
 * The stream is read once. `docker save` writes layers before the manifest
 * that orders them, so every entry that looks like a layer is indexed as it
 * passes (keyed by its name), small entries (manifests, configs) are kept in
 * memory, and the image is assembled and verified at the end.
 */
#include <string.h>

#include "base/digest.h"
#include "base/hmap.h"
#include "base/slice.h"
#include "base/json.h"
#include "moat/error.h"
#include "image-int.h"
#include "oci.h"
#include "tar.h"

#define HEAD_BYTES 512u
#define MAX_ALIAS_HOPS 8

struct rec {
	const char *name;
	const char *alias;           /* symlink/hardlink target inside the archive */
	const uint8_t *data;         /* kept small entry */
	size_t len;
	bool kept;
	bool is_layer;
	uint64_t skipped_size;       /* > 0: a regular file too big to keep, not read */
	char digest[MOAT_DIGEST_STR_MAX]; /* of kept data */
	struct moat_layer_result res;
	struct moat_fs_layer *layer;
};

struct archive {
	struct moat_image *img;
	const char *what;
	struct moat_hmap recs;
};

/* A reader that yields a head already read, then the rest of the entry. */
struct prefix_reader {
	const uint8_t *head;
	size_t head_len;
	struct moat_reader *rest;
};

static ssize_t prefix_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct prefix_reader *pr = ctx;

	if (pr->head_len) {
		if (len > pr->head_len)
			len = pr->head_len;
		memcpy(buf, pr->head, len);
		pr->head += len;
		pr->head_len -= len;
		return (ssize_t)len;
	}
	return moat_read(pr->rest, buf, len, err);
}

static struct rec *rec_new(struct archive *ar, const char *name, size_t len)
{
	struct rec *rec = moat_arena_new0(ar->img->arena, struct rec);

	if (!rec)
		return NULL;
	rec->name = moat_arena_strndup(ar->img->arena, name, len);
	if (!rec->name || moat_hmap_put(&ar->recs, rec->name, len, rec) < 0)
		return NULL;
	return rec;
}

static struct rec *rec_find(struct archive *ar, const char *name)
{
	struct rec *rec = moat_hmap_get(&ar->recs, name, strlen(name));

	for (int hops = 0; rec && rec->alias && hops < MAX_ALIAS_HOPS; hops++)
		rec = moat_hmap_get(&ar->recs, rec->alias, strlen(rec->alias));
	return rec && !rec->alias ? rec : NULL;
}

/* dir-of(name) + "/" + target, with ".." folded; climbing out of the archive fails. */
static int join_link(struct archive *ar, const char *name, const char *target, struct moat_buf *out,
		     struct moat_error *err)
{
	struct moat_buf joined;
	const char *slash = strrchr(name, '/');
	struct moat_slice rest, comp;
	int r = 0;

	moat_buf_init(&joined, 0);
	moat_buf_reset(out);
	moat_buf_append(out, "", 0);
	if (target[0] != '/' && slash)
		moat_buf_append(&joined, name, (size_t)(slash - name) + 1);
	moat_buf_append_str(&joined, target);
	rest = moat_slice_make(joined.data, joined.len);
	while (r == 0 && moat_slice_split(&rest, '/', &comp)) {
		if (comp.len == 0 || moat_slice_eq_str(comp, "."))
			continue;
		if (moat_slice_eq_str(comp, "..")) {
			char *up = out->len && out->data ? memrchr(out->data, '/', out->len) : NULL;

			if (!out->len)
				r = moat_error_set(err, MOAT_E_UNSAFE_PATH, "%s: link %s -> %s leaves the archive",
						   ar->what, name, target);
			out->len = up ? (size_t)(up - (char *)out->data) : 0;
			continue;
		}
		if (out->len)
			moat_buf_putc(out, '/');
		r = moat_buf_append(out, comp.ptr, comp.len);
	}
	if (out->data)
		out->data[out->len] = '\0';
	moat_buf_release(&joined);
	return r;
}

static void progress_bytes(void *ctx, uint64_t bytes)
{
	struct moat_image *img = ctx;

	if (img->opts->progress && img->opts->progress->bytes)
		img->opts->progress->bytes(img->opts->progress->ctx, bytes, 0);
}

void image_layer_ctx(struct moat_image *img, struct moat_layer_ctx *ctx, const char *what)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->limits = &img->limits;
	ctx->arena = img->arena;
	ctx->captured_total = &img->captured_total;
	ctx->captured = &img->captured;
	ctx->want_content = img->opts->want_content;
	ctx->want_ctx = img->opts->want_ctx;
	ctx->visit_file = img->opts->visit_file;
	ctx->visit_ctx = img->opts->visit_ctx;
	ctx->read_seq = img->layers_started++;
	ctx->progress = progress_bytes;
	ctx->progress_ctx = img;
	ctx->what = what;
}

static int read_layer(struct archive *ar, struct rec *rec, struct moat_reader *in,
		      struct moat_error *err)
{
	struct moat_image *img = ar->img;
	struct moat_layer_ctx ctx;
	const struct moat_progress *pg = img->opts->progress;
	int r;

	if ((r = moat_fs_layer_new(img->builder, &rec->layer, err)) < 0)
		return r;
	image_layer_ctx(img, &ctx, rec->name);
	if (pg && pg->layer_begin)
		pg->layer_begin(pg->ctx, img->layers_read, 0, 0);
	r = moat_layer_read(in, &ctx, rec->layer, &rec->res, err);
	if (r < 0)
		return moat_error_prefix(err, "%s: ", ar->what);
	if (pg && pg->layer_end)
		pg->layer_end(pg->ctx, img->layers_read);
	img->layers_read++;
	rec->is_layer = true;
	return 0;
}

static int keep_entry(struct archive *ar, struct rec *rec, const uint8_t *head, size_t head_len,
		      uint64_t size, struct moat_tar *tar, struct moat_error *err)
{
	uint8_t *data = moat_arena_alloc(ar->img->arena, (size_t)size + 1);
	struct moat_reader rd = moat_tar_data_reader(tar);
	int r;

	if (!data)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: out of scan memory", ar->what);
	memcpy(data, head, head_len);
	r = moat_read_full(&rd, data + head_len, (size_t)size - head_len, err);
	if (r < 0)
		return r;
	data[size] = '\0';
	rec->data = data;
	rec->len = (size_t)size;
	rec->kept = true;
	return moat_sha256_str(data, (size_t)size, rec->digest);
}

static int on_file(struct archive *ar, struct moat_tar *tar, const struct moat_tar_entry *e,
		   struct moat_error *err)
{
	uint8_t head[HEAD_BYTES];
	size_t head_len = e->size < HEAD_BYTES ? (size_t)e->size : HEAD_BYTES;
	struct moat_reader data = moat_tar_data_reader(tar);
	struct rec *rec = NULL;
	int r;

	rec = rec_new(ar, e->path, e->path_len);
	if (!rec)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: out of scan memory", ar->what);
	if ((r = moat_read_full(&data, head, head_len, err)) < 0)
		return moat_error_prefix(err, "%s: %s: ", ar->what, e->path);
	if (moat_layer_sniff(head, head_len)) {
		struct prefix_reader pr = { head, head_len, &data };
		struct moat_reader in = { prefix_read, &pr };

		return read_layer(ar, rec, &in, err);
	}
	if (e->size <= ar->img->limits.json_bytes)
		return keep_entry(ar, rec, head, head_len, e->size, tar, err);
	/* Not a layer and over the JSON limit: nothing can use it, unless the
	 * manifest names it, and then the error must say why it is unusable. */
	rec->skipped_size = e->size;
	return 0;
}

static int on_link(struct archive *ar, const struct moat_tar_entry *e, struct moat_error *err)
{
	struct moat_buf target;
	struct rec *rec = NULL;
	int r = 0;

	moat_buf_init(&target, 0);
	if (e->type == MOAT_TAR_HARDLINK)
		r = moat_buf_append(&target, e->link, e->link_len);
	else
		r = join_link(ar, e->path, e->link, &target, err);
	if (r == 0) {
		rec = rec_new(ar, e->path, e->path_len);
		if (!rec || !(rec->alias = moat_arena_strndup(ar->img->arena,
							      (const char *)target.data, target.len)))
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: out of scan memory", ar->what);
	}
	moat_buf_release(&target);
	return r;
}

/* The name of the entry just handled (kept by its record), or NULL. */
static const char *rec_last(struct archive *ar, const struct moat_tar_entry *e)
{
	struct rec *rec = moat_hmap_get(&ar->recs, e->path, e->path_len);

	return rec ? rec->name : NULL;
}

static int scan_entries(struct archive *ar, struct moat_reader *in, struct moat_error *err)
{
	struct moat_tar tar;
	struct moat_tar_entry e;
	const char *last = NULL;
	int r;

	moat_tar_init(&tar, in, &ar->img->limits, ar->what);
	while ((r = moat_tar_next(&tar, &e, err)) == 1) {
		last = NULL;
		if (e.type == MOAT_TAR_FILE)
			r = on_file(ar, &tar, &e, err);
		else if (e.type == MOAT_TAR_SYMLINK || e.type == MOAT_TAR_HARDLINK)
			r = on_link(ar, &e, err);
		if (r < 0)
			break;
		last = rec_last(ar, &e);
	}
	moat_tar_release(&tar);
	if (r < 0)
		image_error_where(err, ar->what, last);
	return r;
}

/* Why a name the manifest or index refers to cannot be used: the message
 * says what happened (too big, not a layer) rather than "not there". */
static int unusable(struct archive *ar, const char *what, const char *name, const struct rec *rec,
		    struct moat_error *err)
{
	if (rec && rec->skipped_size)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %s %s: %llu bytes, over the %llu-byte "
				      "limit for manifests and configs", ar->what, what, name,
				      (unsigned long long)rec->skipped_size,
				      (unsigned long long)ar->img->limits.json_bytes);
	return moat_error_set(err, MOAT_E_NOTFOUND, "%s: %s %s is not in the archive", ar->what,
			      what, name);
}

/* A layer entry that was small and not recognised (an empty tar of zeros) is
 * parsed from memory now. */
static int layer_of(struct archive *ar, const char *name, struct rec **ret, struct moat_error *err)
{
	struct rec *rec = rec_find(ar, name);
	int r;

	if (rec && rec->skipped_size)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: layer %s: %llu bytes that are not a "
				      "tar, gzip or zstd stream", ar->what, name,
				      (unsigned long long)rec->skipped_size);
	if (!rec || (!rec->is_layer && !rec->kept))
		return unusable(ar, "layer", name, rec, err);
	if (!rec->is_layer) {
		struct moat_mem_reader mr;
		struct moat_reader in = moat_mem_reader(&mr, rec->data, rec->len);

		if ((r = read_layer(ar, rec, &in, err)) < 0)
			return r;
	}
	*ret = rec;
	return 0;
}

/* Names "blobs/sha256/<hex>" and "<hex>.json" promise a digest: check it. */
static int verify_name(struct archive *ar, const char *name, const char *actual,
		       struct moat_error *err)
{
	const char *base = strrchr(name, '/');
	char want[MOAT_DIGEST_STR_MAX];
	size_t len;

	base = base ? base + 1 : name;
	len = strlen(base);
	if (!strncmp(name, "blobs/sha256/", 13) && len == 64)
		snprintf(want, sizeof(want), "sha256:%s", base);
	else if (len == 69 && !strcmp(base + 64, ".json"))
		snprintf(want, sizeof(want), "sha256:%.64s", base);
	else
		return 0;
	if (strcmp(want, actual) != 0)
		return moat_error_set(err, MOAT_E_VERIFY, "%s: %s: content digest %s does not match "
				      "its name", ar->what, name, actual);
	return 0;
}

static const char *docker_manifest_digest(struct archive *ar)
{
	struct rec *rec = rec_find(ar, "index.json");
	json_t *index = NULL;
	const char *digest = NULL;

	if (rec && rec->kept && image_json(ar->img, rec->data, rec->len, "index.json", &index, NULL) == 0)
		digest = moat_arena_strdup(ar->img->arena,
					   moat_json_str(image_index_pick(index, NULL), "digest"));
	json_decref(index);
	return digest;
}

static const json_t *docker_pick(const json_t *manifest, const char *want_ref)
{
	size_t i, j;
	json_t *m, *tag;

	if (!want_ref)
		return json_array_get(manifest, 0);
	json_array_foreach(manifest, i, m)
		json_array_foreach(json_object_get(m, "RepoTags"), j, tag)
			if (json_is_string(tag) && !strcmp(json_string_value(tag), want_ref))
				return m;
	return NULL;
}

static int finish_docker(struct archive *ar, struct rec *mrec, const char *want_ref,
			 struct moat_error *err)
{
	struct moat_image *img = ar->img;
	json_t *manifest = NULL, *config = NULL;
	const json_t *pick, *paths;
	struct rec *crec;
	size_t n;
	int r;

	if ((r = image_json(img, mrec->data, mrec->len, "manifest.json", &manifest, err)) < 0)
		return moat_error_prefix(err, "%s: ", ar->what);
	pick = json_is_array(manifest) ? docker_pick(manifest, want_ref) : NULL;
	paths = json_object_get(pick, "Layers");
	if (!pick || !moat_json_str(pick, "Config") || !json_is_array(paths)) {
		r = moat_error_set(err, want_ref && pick == NULL ? MOAT_E_NOTFOUND : MOAT_E_FORMAT,
				   "%s: manifest.json: %s", ar->what,
				   want_ref ? "no image with that tag" : "no Config/Layers entry");
		goto out;
	}
	/* `docker save a b` writes both: the first is scanned, the rest must not
	 * pass unseen. */
	if (!want_ref && json_array_size(manifest) > 1)
		moat_warnings_add(&img->warnings, "archive-images-skipped", -1, "manifest.json", 13,
				  "the archive holds %zu images; only the first was scanned",
				  json_array_size(manifest));
	n = json_array_size(paths);
	if (n > img->limits.layers) {
		r = moat_error_set(err, MOAT_E_LIMIT, "%s: manifest.json lists %zu layers, more than "
				   "the limit of %u", ar->what, n, img->limits.layers);
		goto out;
	}
	crec = rec_find(ar, moat_json_str(pick, "Config"));
	if (!crec || !crec->kept) {
		r = unusable(ar, "config", moat_json_str(pick, "Config"), crec, err);
		goto out;
	}
	if ((r = verify_name(ar, crec->name, crec->digest, err)) < 0 ||
	    (r = image_json(img, crec->data, crec->len, crec->name, &config, err)) < 0 ||
	    (r = image_parse_config(img, config, err)) < 0)
		goto out;
	img->meta.config_digest = moat_arena_strdup(img->arena, crec->digest);
	img->meta.manifest_digest = docker_manifest_digest(ar);
	if (!img->meta.ref) {
		json_t *tag = json_array_get(json_object_get(pick, "RepoTags"), 0);

		img->meta.ref = json_is_string(tag) ? moat_arena_strdup(img->arena, json_string_value(tag))
						     : NULL;
	}
	struct moat_layer_result **results = moat_arena_newarray(img->arena, struct moat_layer_result *, n + 1);
	struct moat_fs_layer **layers = moat_arena_newarray(img->arena, struct moat_fs_layer *, n + 1);
	const char **digests = moat_arena_newarray(img->arena, const char *, n + 1);

	if (!results || !layers || !digests) {
		r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *path = json_string_value(json_array_get(paths, i));
		struct rec *lrec = NULL;

		if (!path) {
			r = moat_error_set(err, MOAT_E_FORMAT, "%s: manifest.json: layer %zu is not a string",
					   ar->what, i + 1);
			goto out;
		}
		if ((r = layer_of(ar, path, &lrec, err)) < 0)
			goto out;
		if (!lrec) {
			r = moat_error_set(err, MOAT_E_INTERNAL, "%s: layer %s vanished", ar->what, path);
			goto out;
		}
		if ((r = verify_name(ar, lrec->name, lrec->res.blob_digest, err)) < 0)
			goto out;
		results[i] = &lrec->res;
		layers[i] = lrec->layer;
		digests[i] = lrec->res.blob_digest;
	}
	r = oci_finish(img, config, results, layers, digests, NULL, n, err);
out:
	json_decref(manifest);
	json_decref(config);
	return r;
}

/* OCI layout inside a tar: blobs come from what the stream left behind. */
static int tar_blob(void *ctx, const char *digest, uint64_t size, const uint8_t **ret_data,
		    size_t *ret_len, struct moat_error *err)
{
	struct archive *ar = ctx;
	char name[96];
	struct rec *rec = NULL;

	(void)size;
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	rec = rec_find(ar, name);
	if (!rec || !rec->kept)
		return unusable(ar, "blob", digest, rec, err);
	if (strcmp(rec->digest, digest) != 0)
		return moat_error_set(err, MOAT_E_VERIFY, "%s: blob %s has digest %s", ar->what, digest,
				      rec->digest);
	*ret_data = rec->data;
	*ret_len = rec->len;
	return 0;
}

static int tar_layer(void *ctx, const char *digest, uint64_t size, unsigned index,
		     struct moat_layer_result **ret_res, struct moat_fs_layer **ret_layer,
		     struct moat_error *err)
{
	struct archive *ar = ctx;
	char name[96];
	struct rec *rec = NULL;
	int r;

	(void)size;
	(void)index;
	snprintf(name, sizeof(name), "blobs/sha256/%s", digest + 7);
	if ((r = layer_of(ar, name, &rec, err)) < 0)
		return r;
	if (!rec)
		return moat_error_set(err, MOAT_E_INTERNAL, "%s: layer %s vanished", ar->what, name);
	*ret_res = &rec->res;
	*ret_layer = rec->layer;
	return 0;
}

static int finish_oci(struct archive *ar, struct rec *irec, const char *want_ref,
		      struct moat_error *err)
{
	struct oci_store store = { tar_blob, tar_layer, ar };
	json_t *index = NULL;
	int r;

	if ((r = image_json(ar->img, irec->data, irec->len, "index.json", &index, err)) < 0)
		return moat_error_prefix(err, "%s: ", ar->what);
	r = oci_resolve_index(ar->img, index, want_ref, &store, err);
	json_decref(index);
	return r;
}

int image_read_archive(struct moat_image *img, struct moat_reader *in, const char *what,
		       const char *want_ref, struct moat_error *err)
{
	struct archive ar = { .img = img, .what = what };
	struct rec *rec = NULL;
	int r;

	moat_hmap_init(&ar.recs);
	r = scan_entries(&ar, in, err);
	if (r < 0)
		goto out;
	if ((rec = rec_find(&ar, "manifest.json")) && rec->kept)
		r = finish_docker(&ar, rec, want_ref, err);
	else if (rec && rec->skipped_size)
		r = unusable(&ar, "file", "manifest.json", rec, err);
	else if ((rec = rec_find(&ar, "index.json")) && rec->kept)
		r = finish_oci(&ar, rec, want_ref, err);
	else if (rec && rec->skipped_size)
		r = unusable(&ar, "file", "index.json", rec, err);
	else
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: not an image archive (no manifest.json "
				   "or index.json)", what);
out:
	moat_hmap_release(&ar.recs);
	return r;
}
