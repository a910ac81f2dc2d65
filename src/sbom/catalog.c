/* SPDX-License-Identifier: Apache-2.0 */
/* catalog.c - cataloger registry and layer attribution from DB history. */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "catalog.h"
#include "lang.h"

static const struct moat_cataloger *const catalogers[] = {
	&moat_cataloger_dpkg,
	&moat_cataloger_apk,
	&moat_cataloger_rpm,
};

static bool want_os(const char *path, size_t len)
{
	static const char *const files[] = {
		"etc/os-release", "usr/lib/os-release", "etc/debian_version",
		"etc/alpine-release", "etc/redhat-release", "etc/system-release",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (len == strlen(files[i]) && !memcmp(path, files[i], len))
			return true;
	return false;
}

/* Every path a cataloger reads, as the container names it ("dir/" = the files
 * below it that moat_catalog_want accepts). Keep in step with the want()s. */
const char *const moat_catalog_roots[] = {
	"etc/os-release", "usr/lib/os-release", "etc/debian_version",
	"etc/alpine-release", "etc/redhat-release", "etc/system-release",
	"var/lib/dpkg/status", "var/lib/dpkg/status.d/", "var/lib/dpkg/info/", "usr/share/doc/",
	"lib/apk/db/installed",
	"var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages.db", "var/lib/rpm/Packages",
	"usr/lib/sysimage/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/Packages.db",
	"usr/lib/sysimage/rpm/Packages",
	"usr/share/rpm/rpmdb.sqlite", "usr/share/rpm/Packages.db", "usr/share/rpm/Packages",
	NULL,
};

bool moat_catalog_want(void *ctx, const char *path, size_t len)
{
	(void)ctx;
	if (want_os(path, len))
		return true;
	for (size_t i = 0; i < sizeof(catalogers) / sizeof(catalogers[0]); i++)
		if (catalogers[i]->want(path, len))
			return true;
	return false;
}

int moat_catalog_run(struct moat_catalog_ctx *ctx, struct moat_error *err)
{
	int r = moat_os_detect(ctx->fs, ctx->arena, &ctx->os, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(catalogers) / sizeof(catalogers[0]); i++) {
		r = catalogers[i]->run(ctx, err);
		if (r < 0)
			return moat_error_prefix(err, "%s: ", catalogers[i]->name);
	}
	if (ctx->lang && (r = moat_lang_finish(ctx->lang, ctx, err)) < 0)
		return r;
	if ((r = catalog_merge_lang(ctx, err)) < 0)
		return r;
	if (ctx->lang && (r = moat_lang_apply_facts(ctx->lang, ctx, err)) < 0)
		return r;
	return catalog_mark_owned(ctx, err);
}

const char *catalog_layer_id(const struct moat_catalog_ctx *ctx, int index)
{
	if (!ctx->meta || index < 0 || (size_t)index >= ctx->meta->n_layers)
		return NULL;
	return ctx->meta->layers[index].diff_id;
}

const char *catalog_distro(struct moat_catalog_ctx *ctx)
{
	if (!ctx->os.id)
		return NULL;
	if (!ctx->os.version_id)
		return ctx->os.id;
	return moat_arena_printf(ctx->arena, "%s-%s", ctx->os.id, ctx->os.version_id);
}

bool catalog_next_stanza(struct moat_slice *in, struct moat_slice *ret_stanza)
{
	struct moat_slice line;
	const uint8_t *start;

	/* Skip blank lines between stanzas. */
	while (in->len && (in->ptr[0] == '\n' || in->ptr[0] == '\r'))
		moat_slice_line(in, &line);
	if (!in->len)
		return false;
	start = in->ptr;
	while (moat_slice_line(in, &line) && line.len)
		;
	*ret_stanza = moat_slice_make(start, (size_t)(in->ptr - start));
	return true;
}

/* ---- attribution ---- */

struct catalog_versions {
	struct moat_hmap map;        /* key -> struct moat_slice * (version) */
	struct moat_arena *scratch;
};

int catalog_versions_put(struct catalog_versions *vers, struct moat_slice key,
			 struct moat_slice version)
{
	struct moat_slice *v = moat_arena_new0(vers->scratch, struct moat_slice);
	char *k = moat_arena_strndup(vers->scratch, (const char *)key.ptr, key.len);
	/* a copy: the parser's memory (rpm's per-parse scratch) may not outlive it */
	char *ver = moat_arena_strndup(vers->scratch, (const char *)version.ptr, version.len);

	if (!v || !k || !ver)
		return MOAT_E_LIMIT;
	*v = moat_slice_make(ver, version.len);
	return moat_hmap_put(&vers->map, k, key.len, v);
}

struct attrib {
	struct moat_catalog_ctx *ctx;
	const char *type;
	const char *db_path;
	size_t first;
	struct catalog_versions prev;    /* the previous version of the database */
	struct moat_slice prev_content;  /* its bytes (captured, live as long as the fs) */
	struct moat_hmap run_start;      /* key -> int*: layer where its current run began */
	struct moat_hmap final_keys;     /* key -> first package with it (index + 1) */
	size_t *next_same;               /* per package: next one with its key (index + 1) */
	catalog_parse_versions_fn parse;
	void *parse_ctx;
	struct moat_slice (*key_of)(const struct moat_pkg *, char *, size_t);
	bool *present;               /* per package: matched in the previous version */
	int *since;                  /* per package: start of the current matching run */
	struct moat_error *err;
};

static int note_removed(struct attrib *a, const struct moat_hmap_slot *slot, int layer)
{
	struct moat_catalog_ctx *ctx = a->ctx;
	const struct moat_slice *version = slot->value;
	int *since = moat_hmap_get(&a->run_start, slot->key, slot->key_len);
	struct moat_pkg *p = moat_arena_new0(ctx->arena, struct moat_pkg);

	if (!p)
		return MOAT_E_LIMIT;
	p->type = a->type;
	p->name = moat_arena_strndup(ctx->arena, slot->key, slot->key_len);
	p->version = moat_arena_strndup(ctx->arena, (const char *)version->ptr, version->len);
	p->db_path = a->db_path;
	p->layer_index = since ? *since : -1;
	p->layer = catalog_layer_id(ctx, p->layer_index);
	p->removed_layer = layer;
	if (!p->name || !p->version)
		return MOAT_E_LIMIT;
	return moat_pkg_list_add(ctx->arena, &ctx->removed, p);
}

/* Keys that appeared (start a run) and keys that vanished for good (removed). */
static int track_runs(struct attrib *a, struct catalog_versions *cur, int layer)
{
	for (size_t i = 0; i < cur->map.cap; i++) {
		const struct moat_hmap_slot *s = &cur->map.slots[i];
		int *since;
		char *key;

		if (!s->key || moat_hmap_get(&a->prev.map, s->key, s->key_len))
			continue;
		since = moat_arena_new0(a->ctx->arena, int);
		key = moat_arena_strndup(a->ctx->arena, s->key, s->key_len);
		if (!since || !key || moat_hmap_put(&a->run_start, key, s->key_len, since) < 0)
			return MOAT_E_LIMIT;
		*since = layer;
	}
	for (size_t i = 0; i < a->prev.map.cap; i++) {
		const struct moat_hmap_slot *s = &a->prev.map.slots[i];

		if (!s->key || moat_hmap_get(&cur->map, s->key, s->key_len) ||
		    moat_hmap_get(&a->final_keys, s->key, s->key_len))
			continue;
		if (note_removed(a, s, layer) < 0)
			return MOAT_E_LIMIT;
	}
	return 0;
}

static void versions_release(struct catalog_versions *vers)
{
	moat_hmap_release(&vers->map);
	moat_arena_close(vers->scratch);
	vers->scratch = NULL;
}

/*
 * Compare one version of the database with the final packages: a package whose key has
 * its final version starts a run here unless it matched before; one whose key is gone or
 * has another version ends its run. Only the keys of this version and of the previous
 * one are visited, so a thousand small versions cost their own size, not a thousand
 * times the final package list.
 */
static void match_version(struct attrib *a, const struct catalog_versions *cur, int layer)
{
	for (size_t i = 0; i < cur->map.cap; i++) {
		const struct moat_hmap_slot *s = &cur->map.slots[i];
		size_t j;

		if (!s->key)
			continue;
		j = (size_t)(uintptr_t)moat_hmap_get(&a->final_keys, s->key, s->key_len);
		for (; j; j = a->next_same[j - 1]) {
			const struct moat_pkg *p = a->ctx->pkgs.items[a->first + j - 1];
			bool match = moat_slice_eq_str(*(const struct moat_slice *)s->value,
						       p->version);

			if (match && !a->present[j - 1])
				a->since[j - 1] = layer;
			a->present[j - 1] = match;
		}
	}
	for (size_t i = 0; i < a->prev.map.cap; i++) {
		const struct moat_hmap_slot *s = &a->prev.map.slots[i];
		size_t j;

		if (!s->key || moat_hmap_get(&cur->map, s->key, s->key_len))
			continue;
		j = (size_t)(uintptr_t)moat_hmap_get(&a->final_keys, s->key, s->key_len);
		for (; j; j = a->next_same[j - 1])
			a->present[j - 1] = false;
	}
}

static int on_db_event(void *vctx, const char *path, const struct moat_fs_event *ev)
{
	struct attrib *a = vctx;
	struct catalog_versions vers;
	int r = 0;

	(void)path;
	/* A layer that rewrites the database unchanged changes no version: skip the parse
	 * and the per-package pass, so N identical rewrites cost N compares. */
	if (ev->kind != MOAT_FS_REMOVED && ev->st.has_content && a->prev_content.ptr &&
	    moat_slice_eq(ev->content, a->prev_content))
		return 0;
	a->prev_content = ev->kind != MOAT_FS_REMOVED && ev->st.has_content ? ev->content
									     : (struct moat_slice){ 0 };
	moat_hmap_init(&vers.map);
	vers.scratch = moat_arena_open(0);
	if (!vers.scratch)
		return moat_error_set(a->err, -ENOMEM, "out of memory");
	if (ev->kind != MOAT_FS_REMOVED && ev->st.has_content)
		r = a->parse(a->parse_ctx, &vers, ev->content, a->err);
	if (r == 0)
		match_version(a, &vers, ev->layer);
	if (r == 0 && track_runs(a, &vers, ev->layer) < 0)
		r = moat_error_set(a->err, MOAT_E_LIMIT, "out of scan memory");
	versions_release(&a->prev);
	a->prev = vers; /* kept until the next version has been compared with it */
	return r;
}

static int final_keys(struct attrib *a)
{
	char scratch[512];
	size_t idx;

	for (size_t i = a->first; i < a->ctx->pkgs.count; i++) {
		struct moat_slice key = a->key_of(a->ctx->pkgs.items[i], scratch, sizeof(scratch));
		char *k = moat_arena_strndup(a->ctx->arena, (const char *)key.ptr, key.len);

		if (!k)
			return MOAT_E_LIMIT;
		/* Packages sharing a key are chained, newest first. */
		idx = i - a->first;
		a->next_same[idx] = (size_t)(uintptr_t)moat_hmap_get(&a->final_keys, k, key.len);
		if (moat_hmap_put(&a->final_keys, k, key.len, (void *)(uintptr_t)(idx + 1)) < 0)
			return MOAT_E_LIMIT;
	}
	return 0;
}

int catalog_attribute(struct moat_catalog_ctx *ctx, const char *type, const char *db_path,
		      size_t first, catalog_parse_versions_fn parse, void *parse_ctx,
		      struct moat_slice (*key_of)(const struct moat_pkg *pkg, char *scratch,
						  size_t scratch_len),
		      struct moat_error *err)
{
	size_t n = ctx->pkgs.count - first;
	struct moat_buf real;
	struct attrib a = { .ctx = ctx, .type = type, .db_path = db_path, .first = first,
			    .parse = parse, .parse_ctx = parse_ctx, .key_of = key_of, .err = err };
	int r;

	moat_hmap_init(&a.prev.map);
	moat_hmap_init(&a.run_start);
	moat_hmap_init(&a.final_keys);
	a.present = moat_arena_newarray(ctx->arena, bool, n);
	a.since = moat_arena_newarray(ctx->arena, int, n);
	a.next_same = moat_arena_newarray(ctx->arena, size_t, n);
	if ((n && (!a.present || !a.since || !a.next_same)) || final_keys(&a) < 0) {
		r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		a.since[i] = -1;
	/* The versions live where the path leads (a symlinked database directory). */
	moat_buf_init(&real, 0);
	r = moat_fs_resolve(ctx->fs, db_path, &real, err);
	if (r == 0)
		r = moat_fs_history(ctx->fs, (const char *)real.data, on_db_event, &a, err);
	moat_buf_release(&real);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct moat_pkg *p = ctx->pkgs.items[first + i];

		p->layer_index = a.since[i];
		p->layer = catalog_layer_id(ctx, a.since[i]);
	}
out:
	versions_release(&a.prev);
	moat_hmap_release(&a.run_start);
	moat_hmap_release(&a.final_keys);
	return r;
}
