/* SPDX-License-Identifier: Apache-2.0 */
/* lang.c - stream-time language cataloguing and its final-view resolution. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/reader.h"
#include "base/warn.h"
#include "moat/error.h"
#include "sbom/catalog.h"
#include "vfs/fs.h"
#include "lang.h"

struct finding {
	struct moat_pkg *pkg;
	const char *file;        /* the visited file, no leading '/' */
	unsigned read_seq;
	struct finding *next;
};

struct fact {
	struct moat_lang_fact f;
	const char *file;
	unsigned read_seq;
	int alive;               /* -1 unknown, 0 gone, 1 still in the final view */
};

struct moat_lang {
	struct moat_arena *arena;
	struct moat_hmap facts;          /* fact_key() -> struct fact */
	const struct moat_limits *limits;
	struct finding *head, **tail;
	size_t n_findings;
	struct moat_warnings warnings;   /* layer = read_seq until moat_lang_finish */
	struct moat_buf scratch;
};

int moat_lang_open(const struct moat_limits *limits, struct moat_lang **ret_lang,
		   struct moat_error *err)
{
	struct moat_arena *arena = moat_arena_open(limits->arena_bytes);
	struct moat_lang *lang = arena ? moat_arena_zalloc(arena, sizeof(*lang)) : NULL;

	if (!lang) {
		moat_arena_close(arena);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	lang->arena = arena;
	lang->limits = limits;
	lang->tail = &lang->head;
	lang->warnings.arena = arena;
	moat_hmap_init(&lang->facts);
	*ret_lang = lang;
	return 0;
}

void moat_lang_close(struct moat_lang *lang)
{
	if (!lang)
		return;
	moat_buf_release(&lang->scratch);
	moat_hmap_release(&lang->facts);
	moat_arena_close(lang->arena);
}

struct moat_buf *moat_lang_scratch(struct moat_lang *lang, size_t max)
{
	moat_buf_reset(&lang->scratch);
	lang->scratch.max = max;
	return &lang->scratch;
}

struct moat_arena *moat_lang_arena(struct moat_lang *lang)
{
	return lang->arena;
}

const struct moat_limits *moat_lang_limits(const struct moat_lang *lang)
{
	return lang->limits;
}

int moat_lang_visit(void *ctx, const struct moat_file_visit *file, struct moat_reader *content,
		    struct moat_error *err)
{
	struct moat_lang *lang = ctx;

	/* The first cataloger that claims a file reads it: a stream reads once. */
	for (size_t i = 0; i < moat_lang_n_catalogers; i++) {
		const struct moat_lang_cataloger *c = moat_lang_catalogers[i];

		if (c->match(file->path, file->path_len, file->mode, file->size)) {
			int r = c->read(lang, file, content, err);

			return r < 0 ? moat_error_prefix(err, "%s: ", c->name) : 0;
		}
	}
	return 0;
}

static int claimant(const char *path, uint32_t mode, uint64_t size)
{
	for (size_t i = 0; i < moat_lang_n_catalogers; i++)
		if (moat_lang_catalogers[i]->match(path, strlen(path), mode, size))
			return (int)i;
	return -1;
}

bool moat_lang_want_linked(const char *name, const char *real, const struct moat_fs_stat *st)
{
	int c = claimant(name, st->mode, st->size);

	return c >= 0 && c != claimant(real, st->mode, st->size);
}

struct linked {
	struct moat_lang *lang;
	struct moat_fs *fs;
	const struct moat_image_meta *meta;
	struct moat_error *err;
};

static int on_linked(void *ctx, const char *path, const struct moat_fs_stat *lst,
		     const char *real, const struct moat_fs_stat *st)
{
	struct linked *l = ctx;
	struct moat_file_visit file = { 0, path, strlen(path), st->mode, st->size, NULL, 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;
	struct moat_slice content;
	int r;

	if (!moat_lang_want_linked(path, real, st))
		return 0;
	/* The name's layer: the finding stands while that name does. */
	if (lst->layer < 0 || (size_t)lst->layer >= l->meta->n_layers)
		return 0;
	file.read_seq = l->meta->layers[lst->layer].read_seq;
	if ((r = moat_fs_read(l->fs, path, &content, l->err)) < 0)
		return r;
	rd = moat_mem_reader(&mr, content.ptr, content.len);
	return moat_lang_visit(l->lang, &file, &rd, l->err);
}

int moat_lang_visit_linked(struct moat_lang *lang, struct moat_fs *fs,
			   const struct moat_image_meta *meta, struct moat_error *err)
{
	struct linked l = { lang, fs, meta, err };

	return moat_fs_links(fs, on_linked, &l, err);
}

struct moat_pkg *moat_lang_pkg_new(struct moat_lang *lang, const char *type, const char *name,
				   const char *version, const char *evidence)
{
	struct moat_pkg *pkg = moat_arena_zalloc(lang->arena, sizeof(*pkg));

	if (!pkg)
		return NULL;
	pkg->type = moat_arena_strdup(lang->arena, type);
	pkg->name = moat_arena_strdup(lang->arena, name);
	pkg->version = moat_arena_strdup(lang->arena, version ? version : "");
	pkg->evidence = evidence;
	pkg->layer_index = -1;
	pkg->removed_layer = -1;
	if (!pkg->type || !pkg->name || !pkg->version)
		return NULL;
	return pkg;
}

int moat_lang_add(struct moat_lang *lang, const struct moat_file_visit *file,
		  struct moat_pkg *pkg, struct moat_error *err)
{
	struct finding *f = moat_arena_zalloc(lang->arena, sizeof(*f));

	if (!f || !(f->file = moat_arena_strndup(lang->arena, file->path, file->path_len)))
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (lang->n_findings >= lang->limits->packages)
		return moat_error_set(err, MOAT_E_LIMIT, "more than %u language packages",
				      (unsigned)lang->limits->packages);
	if (!pkg->db_path)
		pkg->db_path = f->file;
	if (!pkg->purl)
		pkg->purl = moat_purl_make(lang->arena, pkg->type, NULL, pkg->name, pkg->version,
					   NULL, NULL, NULL);
	if (!pkg->files) {
		pkg->files = moat_arena_zalloc(lang->arena, sizeof(*pkg->files));
		if (!pkg->files)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		pkg->files[0] = f->file;
		pkg->n_files = 1;
	}
	f->pkg = pkg;
	f->read_seq = file->read_seq;
	*lang->tail = f;
	lang->tail = &f->next;
	lang->n_findings++;
	return 0;
}

/* "TYPE\nDIR\nNAME\nVERSION", absent keys empty. */
static const char *fact_key(struct moat_arena *a, const char *type, const char *dir,
			    size_t dir_len, const char *name, const char *version)
{
	return moat_arena_printf(a, "%s\n%.*s\n%s\n%s", type, (int)dir_len, dir ? dir : "",
				 name ? name : "", version ? version : "");
}

int moat_lang_add_fact(struct moat_lang *lang, const struct moat_file_visit *file,
		       const struct moat_lang_fact *fact, struct moat_error *err)
{
	struct fact *f = moat_arena_zalloc(lang->arena, sizeof(*f));
	const char *k = fact_key(lang->arena, fact->type, fact->dir,
				 fact->dir ? strlen(fact->dir) : 0, fact->name, fact->version);

	if (!f || !k || !(f->file = moat_arena_strndup(lang->arena, file->path, file->path_len)))
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	/* facts only add detail: past the bound they are dropped, not fatal */
	if (lang->facts.count >= lang->limits->packages) {
		moat_lang_warn(lang, file, "lang-limit", "more than %u package facts; not kept",
			       (unsigned)lang->limits->packages);
		return 0;
	}
	f->f = *fact;
	f->read_seq = file->read_seq;
	f->alive = -1;
	/* a later file of the same key (a later layer's copy) wins */
	if (moat_hmap_put(&lang->facts, k, strlen(k), f) < 0)
		return moat_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

void moat_lang_warn(struct moat_lang *lang, const struct moat_file_visit *file, const char *code,
		    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	moat_warnings_add(&lang->warnings, code, (int)file->read_seq, file->path, file->path_len,
			  "%s", msg);
}

const char *moat_lang_code(int err_code)
{
	return err_code == MOAT_E_LIMIT ? "lang-limit" : "lang-file-malformed";
}

const struct moat_warnings *moat_lang_warnings(const struct moat_lang *lang)
{
	return &lang->warnings;
}

int moat_lang_read_all(struct moat_lang *lang, const struct moat_file_visit *file,
		       struct moat_reader *content, uint64_t max, struct moat_buf *out,
		       struct moat_error *err)
{
	int r;

	moat_buf_reset(out);
	if (file->size > max) {
		moat_lang_warn(lang, file, "lang-file-too-large",
			       "%llu bytes, over the %llu-byte limit; not read",
			       (unsigned long long)file->size, (unsigned long long)max);
		return 1;
	}
	if ((r = moat_buf_reserve(out, (size_t)file->size + 1)) < 0)
		return moat_error_set(err, r, "out of memory");
	if ((r = moat_read_full(content, out->data, (size_t)file->size, err)) < 0)
		return r;
	out->len = (size_t)file->size;
	out->data[out->len] = '\0';
	return 0;
}

/* The last position of the layer streamed as read_seq: a blob listed at several
 * positions is read once, and its files were last written at its last position. */
static int layer_of_seq(const struct moat_image_meta *meta, unsigned read_seq)
{
	for (size_t i = meta->n_layers; i-- > 0;)
		if (meta->layers[i].read_seq == read_seq)
			return (int)i;
	return -1;
}

struct removal {
	const char *file;
	int after;      /* the layer that wrote the file */
	int removed;    /* first later layer that removed or replaced it */
};

static int find_removal(void *ctx, const char *path, const struct moat_fs_event *ev)
{
	struct removal *rm = ctx;

	if (strcmp(path, rm->file) == 0 && ev->layer > rm->after && rm->removed < 0)
		rm->removed = ev->layer;
	return 0;
}

static int resolve(struct moat_catalog_ctx *ctx, struct finding *f, struct moat_error *err)
{
	struct moat_fs_stat st;
	int index = layer_of_seq(ctx->meta, f->read_seq);
	int r = moat_fs_lstat(ctx->fs, f->file, &st, err);

	if (r < 0 && r != MOAT_E_NOTFOUND)
		return r;
	f->pkg->layer_index = index;
	f->pkg->layer = catalog_layer_id(ctx, index);
	if (r == 0 && st.layer == index)
		return moat_pkg_list_add(ctx->arena, &ctx->pkgs, f->pkg);
	if (r == 0)
		return 0; /* replaced later: what the replacement holds was found on its own */
	struct removal rm = { f->file, index, -1 };

	memset(err, 0, sizeof(*err));
	if ((r = moat_fs_history(ctx->fs, f->file, find_removal, &rm, err)) < 0)
		return r;
	f->pkg->removed_layer = rm.removed;
	return moat_pkg_list_add(ctx->arena, &ctx->removed, f->pkg);
}

/* Is the fact's file still the one the final view shows? */
static int fact_alive(struct moat_catalog_ctx *ctx, struct fact *f, struct moat_error *err)
{
	struct moat_fs_stat st;
	int r;

	if (f->alive >= 0)
		return f->alive;
	r = moat_fs_lstat(ctx->fs, f->file, &st, err);
	if (r < 0 && r != MOAT_E_NOTFOUND)
		return r;
	memset(err, 0, sizeof(*err));
	f->alive = r == 0 && st.layer == layer_of_seq(ctx->meta, f->read_seq);
	return f->alive;
}

static int apply_fact(struct moat_catalog_ctx *ctx, struct moat_lang *lang, struct moat_pkg *p,
		      const char *k, struct moat_error *err)
{
	struct fact *f = k ? moat_hmap_get(&lang->facts, k, strlen(k)) : NULL;
	int r;

	if (!k)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (!f || (r = fact_alive(ctx, f, err)) == 0)
		return 0;
	if (r < 0)
		return r;
	if (!p->license && f->f.license)
		p->license = f->f.license;
	if (!p->n_file_hashes && f->f.n_file_hashes) {
		p->file_hashes = f->f.file_hashes;
		p->n_file_hashes = f->f.n_file_hashes;
	}
	return 0;
}

/* Each language package looks up the facts that could name it: by
 * identity anywhere, by name beside it, by its directory. */
static int apply_facts(struct moat_lang *lang, struct moat_catalog_ctx *ctx,
		       struct moat_error *err)
{
	struct moat_arena *tmp;
	int r = 0;

	if (!lang->facts.count)
		return 0;
	if (!(tmp = moat_arena_open(0)))
		return moat_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < ctx->pkgs.count; i++) {
		struct moat_pkg *p = ctx->pkgs.items[i];
		const char *slash = p->db_path ? strrchr(p->db_path, '/') : NULL;
		size_t dl = slash ? (size_t)(slash - p->db_path) : 0;

		if (moat_pkg_is_os(p) || !p->db_path)
			continue;
		r = apply_fact(ctx, lang, p, fact_key(tmp, p->type, NULL, 0, p->name, p->version),
			       err);
		if (r == 0)
			r = apply_fact(ctx, lang, p, fact_key(tmp, p->type, p->db_path, dl, p->name,
							      NULL), err);
		if (r == 0)
			r = apply_fact(ctx, lang, p, fact_key(tmp, p->type, p->db_path, dl, NULL,
							      NULL), err);
	}
	moat_arena_close(tmp);
	return r;
}

int moat_lang_finish(struct moat_lang *lang, struct moat_catalog_ctx *ctx,
		     struct moat_error *err)
{
	/* Warnings were recorded by stream order; the report wants layers. */
	for (size_t i = 0; i < lang->warnings.count; i++) {
		struct moat_warning *w = &lang->warnings.items[i];

		w->layer = layer_of_seq(ctx->meta, (unsigned)w->layer);
		w->layer_id = catalog_layer_id(ctx, w->layer);
	}
	for (struct finding *f = lang->head; f; f = f->next) {
		int r = resolve(ctx, f, err);

		if (r < 0)
			return moat_error_prefix(err, "%s: ", f->file);
	}
	return 0;
}

int moat_lang_apply_facts(struct moat_lang *lang, struct moat_catalog_ctx *ctx,
			  struct moat_error *err)
{
	return apply_facts(lang, ctx, err);
}

/* Every language cataloger, in the order they get to claim a file. */
const struct moat_lang_cataloger *const moat_lang_catalogers[] = {
	&moat_lang_node,
	&moat_lang_ruby,
	&moat_lang_php,
	&moat_lang_dotnet,
	&moat_lang_gomod,
	&moat_lang_cargo_lock,
	&moat_lang_java,
	&moat_lang_python,
	/* each cataloger file adds its entry above this line */
	/* LAST: claims every executable by mode, so name-based catalogers go first */
	&moat_lang_elf,
	NULL,
};
const size_t moat_lang_n_catalogers =
	sizeof(moat_lang_catalogers) / sizeof(moat_lang_catalogers[0]) - 1;
