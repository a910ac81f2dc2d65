/* SPDX-License-Identifier: Apache-2.0 */
/* layerfs.c - per-layer entry lists, the merge, and the image moat_fs. */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "image/tar.h"
#include "moat/error.h"
#include "fs.h"
#include "layerfs.h"

#define CHUNK_ENTRIES 1024u
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct lentry {
	const char *path;
	const char *link;
	const uint8_t *content;
	uint64_t content_len;
	uint64_t size;
	int64_t mtime;
	uint32_t path_len;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	char type;               /* enum moat_tar_type */
	bool has_content;
	struct node *node;       /* its node once merged (a layer listed again skips the lookup) */
};

struct lchunk {
	struct lchunk *next;
	uint32_t used;
	struct lentry entries[CHUNK_ENTRIES];
};

struct moat_fs_layer {
	struct moat_fs_builder *builder;
	struct lchunk *first;
	struct lchunk *last;
	uint64_t count;
	struct lentry *latest;
};

struct event {
	struct event *next;
	struct lentry *entry;    /* NULL for REMOVED */
	int layer;
	enum moat_fs_event_kind kind;
};

struct node {
	const char *path;        /* full path, NUL-terminated */
	uint32_t path_len;
	struct node *parent;
	struct node *first_child;
	struct node *last_child;
	struct node *next_sibling;
	struct lentry *cur;      /* live entry or NULL (absent/removed) */
	int cur_layer;
	struct event *events;
	struct event *last_event;
};

struct layerfs {
	struct moat_fs fs;
	struct moat_arena *arena;
	struct moat_hmap paths;  /* path -> struct node */
	struct node root;
	struct lentry root_entry;
	uint64_t events;         /* recorded so far, against limits->history_events */
};

struct moat_fs_builder {
	struct moat_arena *arena;
	const struct moat_limits *limits;
	struct layerfs *lfs;
};

static void layerfs_close(void *impl);

int moat_fs_builder_open(struct moat_arena *arena, const struct moat_limits *limits,
			 struct moat_fs_builder **ret_builder, struct moat_error *err)
{
	struct moat_fs_builder *b = moat_arena_new0(arena, struct moat_fs_builder);
	struct layerfs *lfs = moat_arena_new0(arena, struct layerfs);

	if (!b || !lfs)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	b->arena = arena;
	b->limits = limits;
	b->lfs = lfs;
	lfs->arena = arena;
	moat_hmap_init(&lfs->paths);
	lfs->root.path = "";
	lfs->root_entry.type = MOAT_TAR_DIR;
	lfs->root_entry.path = "";
	lfs->root_entry.mode = 0755;
	lfs->root.cur = &lfs->root_entry;
	lfs->root.cur_layer = -1;
	/* The hash table is heap memory: release it with the arena. */
	if (moat_arena_on_close(arena, layerfs_close, lfs) < 0)
		return moat_error_set(err, -ENOMEM, "out of memory");
	*ret_builder = b;
	return 0;
}

void moat_fs_builder_close(struct moat_fs_builder *builder)
{
	(void)builder; /* everything lives in the arena */
}

int moat_fs_layer_new(struct moat_fs_builder *builder, struct moat_fs_layer **ret_layer,
		      struct moat_error *err)
{
	struct moat_fs_layer *layer = moat_arena_new0(builder->arena, struct moat_fs_layer);

	if (!layer)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	layer->builder = builder;
	*ret_layer = layer;
	return 0;
}

int moat_fs_layer_add(struct moat_fs_layer *layer, const struct moat_tar_entry *entry,
		      struct moat_error *err)
{
	struct moat_arena *arena = layer->builder->arena;
	struct lentry *e;

	if (layer->count >= layer->builder->limits->entries_per_layer)
		return moat_error_set(err, MOAT_E_LIMIT, "more than %llu entries in one layer",
				      (unsigned long long)layer->builder->limits->entries_per_layer);
	if (!layer->last || layer->last->used == CHUNK_ENTRIES) {
		struct lchunk *c = moat_arena_alloc(arena, sizeof(*c));

		if (!c)
			goto out_mem;
		c->next = NULL;
		c->used = 0;
		if (layer->last)
			layer->last->next = c;
		else
			layer->first = c;
		layer->last = c;
	}
	e = &layer->last->entries[layer->last->used];
	memset(e, 0, sizeof(*e));
	e->path = moat_arena_strndup(arena, entry->path, entry->path_len);
	e->link = entry->link ? moat_arena_strndup(arena, entry->link, entry->link_len) : NULL;
	if (!e->path || (entry->link && !e->link))
		goto out_mem;
	e->path_len = (uint32_t)entry->path_len;
	e->type = entry->type;
	e->mode = entry->mode;
	e->uid = entry->uid;
	e->gid = entry->gid;
	e->size = entry->size;
	e->mtime = entry->mtime;
	layer->last->used++;
	layer->count++;
	layer->latest = e;
	return 0;
out_mem:
	return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory at %s", entry->path);
}

void moat_fs_layer_set_content(struct moat_fs_layer *layer, const uint8_t *data, uint64_t len)
{
	if (!layer->latest)
		return;
	layer->latest->content = data;
	layer->latest->content_len = len;
	layer->latest->has_content = true;
}

uint64_t moat_fs_layer_entries(const struct moat_fs_layer *layer)
{
	return layer->count;
}

/* ---- merge ---- */

static struct node *node_get(struct layerfs *lfs, const char *path, size_t len)
{
	return len == 0 ? &lfs->root : moat_hmap_get(&lfs->paths, path, len);
}

/* Find or create the node for path and its missing parents. */
static struct node *node_make(struct layerfs *lfs, const char *path, size_t len)
{
	struct node *n = node_get(lfs, path, len);
	struct node *parent;
	const char *slash;

	if (n)
		return n;
	slash = memrchr(path, '/', len);
	parent = node_make(lfs, path, slash ? (size_t)(slash - path) : 0);
	if (!parent)
		return NULL;
	n = moat_arena_new0(lfs->arena, struct node);
	if (!n)
		return NULL;
	n->path = moat_arena_strndup(lfs->arena, path, len);
	if (!n->path || moat_hmap_put(&lfs->paths, n->path, len, n) < 0)
		return NULL;
	n->path_len = (uint32_t)len;
	n->parent = parent;
	n->cur_layer = -1;
	if (parent->last_child)
		parent->last_child->next_sibling = n;
	else
		parent->first_child = n;
	parent->last_child = n;
	return n;
}

static int add_event(struct layerfs *lfs, struct node *n, int layer, enum moat_fs_event_kind kind,
		     struct lentry *entry)
{
	struct event *ev = moat_arena_new0(lfs->arena, struct event);

	if (!ev)
		return MOAT_E_LIMIT;
	lfs->events++;
	ev->layer = layer;
	ev->kind = kind;
	ev->entry = entry;
	if (n->last_event)
		n->last_event->next = ev;
	else
		n->events = ev;
	n->last_event = ev;
	return 0;
}

/* Next node in a depth-first walk of the subtree under top (top excluded at the end). */
static struct node *dfs_next(struct node *n, const struct node *top)
{
	if (n->first_child)
		return n->first_child;
	while (n != top) {
		if (n->next_sibling)
			return n->next_sibling;
		n = n->parent;
	}
	return NULL;
}

/* Mark everything below top (and top itself if with_top) removed in this layer. */
static int remove_subtree(struct layerfs *lfs, struct node *top, bool with_top, int layer)
{
	struct node *n = with_top ? top : top->first_child;

	if (!with_top && !n)
		return 0;
	for (; n; n = dfs_next(n, top)) {
		if (n->cur && n != &lfs->root) {
			if (add_event(lfs, n, layer, MOAT_FS_REMOVED, NULL) < 0)
				return MOAT_E_LIMIT;
			n->cur = NULL;
			n->cur_layer = layer;
		}
		if (n == top && !top->first_child)
			break;
	}
	return 0;
}

static const char *base_name(const char *path, size_t len, size_t *ret_dir_len)
{
	const char *slash = memrchr(path, '/', len);

	*ret_dir_len = slash ? (size_t)(slash - path) : 0;
	return slash ? slash + 1 : path;
}

static int apply_whiteout(struct layerfs *lfs, struct lentry *e, int layer, struct moat_error *err)
{
	size_t dir_len;
	const char *base = base_name(e->path, e->path_len, &dir_len);
	struct node *n;
	struct moat_buf target;
	int r = 0;

	if (!strcmp(base, WH_OPAQUE)) {
		n = node_get(lfs, e->path, dir_len);
		return n ? remove_subtree(lfs, n, false, layer) : 0;
	}
	if (!strncmp(base, WH_PREFIX WH_PREFIX, 8))
		return 0; /* other aufs metadata (.wh..wh.plnk ...) */
	moat_buf_init(&target, 0);
	if (dir_len)
		r = moat_buf_append(&target, e->path, dir_len + 1);
	if (r == 0)
		r = moat_buf_append_str(&target, base + strlen(WH_PREFIX));
	if (r == 0) {
		n = node_get(lfs, (const char *)target.data, target.len);
		if (n)
			r = remove_subtree(lfs, n, true, layer);
	}
	moat_buf_release(&target);
	if (r < 0)
		return moat_error_set(err, r, "out of scan memory at %s", e->path);
	return 0;
}

static bool is_whiteout(const struct lentry *e)
{
	size_t dir_len;

	return !strncmp(base_name(e->path, e->path_len, &dir_len), WH_PREFIX, 4);
}

/* A hardlink shares its target's content: the target must already be live. */
static int link_hardlink(struct layerfs *lfs, struct lentry *e, struct moat_error *err)
{
	struct node *t = node_get(lfs, e->link, strlen(e->link));

	if (!t || !t->cur || t->cur->type != MOAT_TAR_FILE)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "hardlink %s -> %s: target is not a file in the image",
				      e->path, e->link);
	e->type = MOAT_TAR_FILE;
	e->size = t->cur->size;
	e->mode = e->mode ? e->mode : t->cur->mode;
	if (!e->has_content && t->cur->has_content) {
		e->content = t->cur->content;
		e->content_len = t->cur->content_len;
		e->has_content = true;
	}
	e->link = NULL;
	return 0;
}

static int apply_entry(struct layerfs *lfs, struct lentry *e, int layer, struct moat_error *err)
{
	struct node *n = e->node ? e->node : node_make(lfs, e->path, e->path_len);
	enum moat_fs_event_kind kind;
	int r;

	if (!n)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory at %s", e->path);
	e->node = n;
	/* The same layer again (a blob listed twice): the path is written again but nothing
	 * changes, so no event; only the layer that last wrote it moves up. */
	if (n->cur == e) {
		n->cur_layer = layer;
		return 0;
	}
	if (e->type == MOAT_TAR_HARDLINK && (r = link_hardlink(lfs, e, err)) < 0)
		return r;
	/* A non-directory replacing a directory hides everything below it. */
	if (n->cur && n->cur->type == MOAT_TAR_DIR && e->type != MOAT_TAR_DIR &&
	    remove_subtree(lfs, n, false, layer) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory at %s", e->path);
	kind = n->cur ? MOAT_FS_CHANGED : MOAT_FS_ADDED;
	if (n->cur_layer == layer && n->last_event && n->last_event->layer == layer &&
	    n->last_event->kind != MOAT_FS_REMOVED) {
		n->last_event->entry = e; /* same path twice in one layer: the last one wins */
	} else if (add_event(lfs, n, layer, kind, e) < 0) {
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory at %s", e->path);
	}
	n->cur = e;
	n->cur_layer = layer;
	/* Parents created implicitly exist as directories from this layer on. */
	for (struct node *p = n->parent; p && p != &lfs->root && !p->cur; p = p->parent) {
		struct lentry *d = moat_arena_new0(lfs->arena, struct lentry);

		if (!d || add_event(lfs, p, layer, MOAT_FS_ADDED, d) < 0)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory at %s", e->path);
		d->path = p->path;
		d->path_len = p->path_len;
		d->type = MOAT_TAR_DIR;
		d->mode = 0755;
		p->cur = d;
		p->cur_layer = layer;
	}
	return 0;
}

static int merge_layer(struct layerfs *lfs, struct moat_fs_layer *layer, int index,
		       struct moat_error *err)
{
	int r;

	/* Whiteouts act on the layers below, wherever they sit in this layer's tar. */
	for (struct lchunk *c = layer->first; c; c = c->next)
		for (uint32_t i = 0; i < c->used; i++)
			if (is_whiteout(&c->entries[i]) &&
			    (r = apply_whiteout(lfs, &c->entries[i], index, err)) < 0)
				return r;
	for (struct lchunk *c = layer->first; c; c = c->next)
		for (uint32_t i = 0; i < c->used; i++)
			if (!is_whiteout(&c->entries[i]) &&
			    (r = apply_entry(lfs, &c->entries[i], index, err)) < 0)
				return r;
	return 0;
}

static const struct moat_fs_ops layerfs_ops;

/* A run of one layer repeated: applying it again is idempotent, so only the first and
 * the last of the run are applied (the last sets the layer that wrote its paths). */
static bool run_middle(struct moat_fs_layer **layers, size_t n, size_t i)
{
	return i > 0 && i + 1 < n && layers[i] == layers[i - 1] && layers[i] == layers[i + 1];
}

int moat_fs_builder_finish(struct moat_fs_builder *builder, struct moat_fs_layer **layers,
			   size_t n_layers, struct moat_fs **ret_fs, struct moat_error *err)
{
	struct layerfs *lfs = builder->lfs;
	uint64_t applied = 0;
	int r;

	for (size_t i = 0; i < n_layers; i++) {
		applied += run_middle(layers, n_layers, i) ? 0 : layers[i]->count;
		if (applied > builder->limits->merge_entries)
			return moat_error_set(err, MOAT_E_LIMIT, "merging the layers would apply more "
					      "than %llu entries (a layer listed at many positions "
					      "counts at each)",
					      (unsigned long long)builder->limits->merge_entries);
	}
	for (size_t i = 0; i < n_layers; i++) {
		if (run_middle(layers, n_layers, i))
			continue;
		r = merge_layer(lfs, layers[i], (int)i, err);
		if (r < 0)
			return moat_error_prefix(err, "layer %zu: ", i + 1);
		/* Checked per layer: one layer adds at most a few events per entry. */
		if (lfs->events > builder->limits->history_events)
			return moat_error_set(err, MOAT_E_LIMIT, "layer %zu: the merge recorded more "
					      "than %llu path events (a layer listed at many "
					      "positions whose whiteouts cover its own files?)", i + 1,
					      (unsigned long long)builder->limits->history_events);
	}
	lfs->fs.ops = &layerfs_ops;
	lfs->fs.impl = lfs;
	lfs->fs.symlink_hops = builder->limits->symlink_hops;
	*ret_fs = &lfs->fs;
	return 0;
}

/* ---- the moat_fs implementation ---- */

static void fill_stat(const struct lentry *e, int layer, struct moat_fs_stat *st)
{
	memset(st, 0, sizeof(*st));
	switch (e->type) {
	case MOAT_TAR_DIR: st->type = MOAT_FS_DIR; break;
	case MOAT_TAR_SYMLINK: st->type = MOAT_FS_SYMLINK; break;
	case MOAT_TAR_CHAR: st->type = MOAT_FS_CHAR; break;
	case MOAT_TAR_BLOCK: st->type = MOAT_FS_BLOCK; break;
	case MOAT_TAR_FIFO: st->type = MOAT_FS_FIFO; break;
	default: st->type = MOAT_FS_REG; break;
	}
	st->mode = e->mode;
	st->uid = e->uid;
	st->gid = e->gid;
	st->size = e->type == MOAT_TAR_DIR ? 0 : e->size;
	st->mtime = e->mtime;
	st->layer = layer;
	st->link = e->type == MOAT_TAR_SYMLINK ? e->link : NULL;
	st->has_content = e->has_content;
}

static int layerfs_lstat(void *impl, const char *path, struct moat_fs_stat *ret_st,
			 struct moat_error *err)
{
	struct layerfs *lfs = impl;
	struct node *n = node_get(lfs, path, strlen(path));

	if (!n || !n->cur)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no such file in the image", path);
	fill_stat(n->cur, n->cur_layer, ret_st);
	return 0;
}

static int layerfs_read(void *impl, const char *path, struct moat_slice *ret_content,
			struct moat_error *err)
{
	struct layerfs *lfs = impl;
	struct node *n = node_get(lfs, path, strlen(path));

	if (!n || !n->cur)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no such file in the image", path);
	if (n->cur->type != MOAT_TAR_FILE)
		return moat_error_set(err, -EISDIR, "%s: not a regular file", path);
	if (!n->cur->has_content)
		return moat_error_set(err, MOAT_E_UNSUPPORTED,
				      "%s: content was not captured during the scan", path);
	*ret_content = moat_slice_make(n->cur->content, (size_t)n->cur->content_len);
	return 0;
}

static int layerfs_walk(void *impl, const char *dir, moat_fs_walk_cb cb, void *ctx,
			struct moat_error *err)
{
	struct layerfs *lfs = impl;
	struct node *top = node_get(lfs, dir, strlen(dir));
	struct moat_fs_stat st;
	int r;

	if (!top || !top->cur)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no such directory in the image", dir);
	for (struct node *n = top->first_child; n; n = dfs_next(n, top)) {
		if (!n->cur)
			continue;
		fill_stat(n->cur, n->cur_layer, &st);
		if ((r = cb(ctx, n->path, &st)) != 0)
			return r;
	}
	return 0;
}

static int layerfs_history(void *impl, const char *prefix, moat_fs_event_cb cb, void *ctx,
			   struct moat_error *err)
{
	struct layerfs *lfs = impl;
	struct node *top = node_get(lfs, prefix, strlen(prefix));
	struct moat_fs_event ev;
	int r;

	if (!top)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: never present in the image", prefix);
	for (struct node *n = top; n; n = dfs_next(n, top)) {
		for (struct event *e = n->events; e; e = e->next) {
			memset(&ev, 0, sizeof(ev));
			ev.layer = e->layer;
			ev.kind = e->kind;
			if (e->entry) {
				fill_stat(e->entry, e->layer, &ev.st);
				if (e->entry->has_content)
					ev.content = moat_slice_make(e->entry->content,
								     (size_t)e->entry->content_len);
			}
			if ((r = cb(ctx, n->path, &ev)) != 0)
				return r;
		}
		if (n == top && !top->first_child)
			break;
	}
	return 0;
}

static void layerfs_close(void *impl)
{
	struct layerfs *lfs = impl;

	moat_hmap_release(&lfs->paths);
}

static const struct moat_fs_ops layerfs_ops = {
	.lstat = layerfs_lstat,
	.read = layerfs_read,
	.walk = layerfs_walk,
	.history = layerfs_history,
	.close = NULL, /* the arena cleanup releases the table */
};
