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
	const char *origin;      /* hardlinks: the path of the file they share, same layer */
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
	bool overlay_whiteout;   /* a 0,0 char device: overlayfs reads it as a whiteout */
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
	/* The layer being merged (see merge_layer): what it wrote at this path. */
	struct lentry *own;
	struct node *touch_next;
	int own_layer;           /* layer whose own tree holds this path, -1 = none */
	int touch_layer;         /* layer whose touched list holds this node */
	char own_kind;           /* enum own_kind */
	bool own_opaque;
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
	lfs->root.own_layer = -1;
	lfs->root.touch_layer = -1;
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
	e->overlay_whiteout = entry->type == MOAT_TAR_CHAR && !entry->dev_major && !entry->dev_minor;
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
	n->own_layer = -1;
	n->touch_layer = -1;
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

/*
 * The merge follows what Docker's overlay2 driver does with a layer (see the
 * table in docs/internals/layered-fs.md, established against the engine):
 *
 * 1. The layer is unpacked, in tar order, into a directory of its own (the
 *    "own" tree, kept on the nodes with own_layer == this layer). Every entry
 *    first creates its missing parents as directories; an existing path is
 *    replaced unless both are directories; ".wh.NAME" becomes a whiteout
 *    (mknod NAME, which fails if NAME already exists in this layer: the
 *    engine then refuses the image, and so do we); ".wh..wh..opq" marks its
 *    directory opaque (ignored at the layer root, as overlayfs does); a
 *    hardlink names an entry already in this layer.
 * 2. The own tree is laid over the merged view, parents first: a whiteout
 *    removes the lower subtree, a non-directory replaces, a directory merges
 *    with a lower directory (emptied first if opaque) and replaces anything
 *    else. A whiteout overwritten later in the same layer is gone, so a
 *    directory re-created after its whiteout shows the lower content again.
 */
enum own_kind { OWN_DIR = 1, OWN_IMPLICIT, OWN_OTHER, OWN_WHITEOUT };

struct merge {
	struct layerfs *lfs;
	int layer;
	struct node *touched;        /* nodes this layer wrote, first touch first */
	struct node *touched_last;
	uint64_t visits;             /* nodes own_remove looked at in this layer */
	uint64_t max_visits;
	struct moat_error *err;
};

static bool is_own(const struct merge *m, const struct node *n)
{
	return n->own_layer == m->layer;
}

static void touch(struct merge *m, struct node *n, enum own_kind kind, struct lentry *e)
{
	if (n->touch_layer != m->layer) {
		n->touch_layer = m->layer;
		n->touch_next = NULL;
		if (m->touched_last)
			m->touched_last->touch_next = n;
		else
			m->touched = n;
		m->touched_last = n;
	}
	/* The opaque flag belongs to one layer's write of the directory. */
	if (!is_own(m, n) || (kind != OWN_DIR && kind != OWN_IMPLICIT))
		n->own_opaque = false;
	n->own_layer = m->layer;
	n->own_kind = kind;
	n->own = e;
}

/* os.RemoveAll of a path in the layer's own directory. A node this layer did
 * not write has no descendant it wrote (parents are written first), so only
 * written nodes are entered; the visits are counted against a budget, as a
 * layer could otherwise replace a huge directory again and again. */
static int own_remove(struct merge *m, struct node *top)
{
	struct node *n = top;

	while (n) {
		bool own = is_own(m, n);

		if (++m->visits > m->max_visits)
			return moat_error_set(m->err, MOAT_E_LIMIT, "%s: replaced too often in one "
					      "layer (over %llu path visits)", top->path,
					      (unsigned long long)m->max_visits);
		if (own) {
			n->own_layer = -1;
			n->own_opaque = false;
		}
		if (own && n->first_child) {
			n = n->first_child;
			continue;
		}
		while (n != top && !n->next_sibling)
			n = n->parent;
		n = n == top ? NULL : n->next_sibling;
	}
	return 0;
}

/* MkdirAll of dir (and its parents) in the layer's own directory. */
static int own_parents(struct merge *m, struct node *dir, const char *entry)
{
	struct node *chain[MOAT_LIMIT_PATH_BYTES / 2];
	size_t depth = 0;

	for (struct node *p = dir; p && p != &m->lfs->root; p = p->parent) {
		if (is_own(m, p)) {
			if (p->own_kind != OWN_DIR && p->own_kind != OWN_IMPLICIT)
				return moat_error_set(m->err, MOAT_E_FORMAT,
						      "%s: a parent (%s) is not a directory in this "
						      "layer", entry, p->path);
			break;
		}
		if (depth == sizeof(chain) / sizeof(chain[0]))
			return moat_error_set(m->err, MOAT_E_LIMIT, "%s: too deep", entry);
		chain[depth++] = p;
	}
	while (depth)
		touch(m, chain[--depth], OWN_IMPLICIT, NULL);
	return 0;
}

static struct node *make_or_fail(struct merge *m, const char *path, size_t len)
{
	struct node *n = node_make(m->lfs, path, len);

	if (!n)
		moat_error_set(m->err, MOAT_E_LIMIT, "out of scan memory at %s", path);
	return n;
}

static int own_whiteout(struct merge *m, struct lentry *e, struct node *dir, const char *base,
			size_t dir_len)
{
	const char *name = base + strlen(WH_PREFIX);
	struct moat_buf target;
	struct node *n;
	int r = 0;

	if (!strcmp(base, WH_OPAQUE)) {
		/* Overlayfs ignores the opaque flag on a layer's root directory. */
		if (dir != &m->lfs->root)
			dir->own_opaque = true;
		return 0;
	}
	/* ".wh.", ".wh.." and ".wh..." name the directory itself or its parent:
	 * the engine's mknod finds them existing and the load fails. */
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return moat_error_set(m->err, MOAT_E_FORMAT, "%s: a whiteout of '%s' (the engine "
				      "refuses this layer)", e->path, name);
	moat_buf_init(&target, 0);
	if (dir_len)
		r = moat_buf_append(&target, e->path, dir_len + 1);
	if (r == 0)
		r = moat_buf_append_str(&target, name);
	n = r == 0 ? make_or_fail(m, (const char *)target.data, target.len) : NULL;
	moat_buf_release(&target);
	if (!n)
		return moat_error_set(m->err, MOAT_E_LIMIT, "out of scan memory at %s", e->path);
	if (is_own(m, n))
		return moat_error_set(m->err, MOAT_E_FORMAT, "%s: a whiteout of %s, which this layer "
				      "already wrote (the engine refuses this layer)", e->path,
				      n->path);
	touch(m, n, OWN_WHITEOUT, e);
	return 0;
}

/* A hardlink names an entry this layer already wrote; it becomes a copy of it. */
static int own_hardlink(struct merge *m, struct lentry *e)
{
	struct node *t = node_get(m->lfs, e->link, strlen(e->link));
	const struct lentry *src;

	if (!t || !is_own(m, t) || t->own_kind == OWN_DIR || t->own_kind == OWN_IMPLICIT)
		return moat_error_set(m->err, MOAT_E_FORMAT, "hardlink %s -> %s: the target is not "
				      "a file earlier in this layer", e->path, e->link);
	if (t->own_kind == OWN_WHITEOUT)
		return moat_error_set(m->err, MOAT_E_FORMAT, "hardlink %s -> %s: the target is a "
				      "whiteout", e->path, e->link);
	src = t->own;
	e->origin = src->origin ? src->origin : t->path;
	e->type = src->type;
	e->size = src->size;
	e->link = src->link;
	if (!e->has_content && src->has_content) {
		e->content = src->content;
		e->content_len = src->content_len;
		e->has_content = true;
	}
	return 0;
}

static int own_entry(struct merge *m, struct lentry *e)
{
	size_t dir_len;
	const char *base = base_name(e->path, e->path_len, &dir_len);
	struct node *dir, *n;
	int r;

	if (e->path_len == 0) {
		if (e->type != MOAT_TAR_DIR)
			return moat_error_set(m->err, MOAT_E_FORMAT, "the layer root is not a "
					      "directory");
		m->lfs->root.cur = e;
		return 0;
	}
	/* Cached per entry: a layer listed again costs no lookups (for a whiteout,
	 * the node of its directory; else its own node). */
	if (!strncmp(base, WH_PREFIX, strlen(WH_PREFIX))) {
		n = NULL;
		dir = e->node ? e->node : make_or_fail(m, e->path, dir_len);
	} else {
		n = e->node ? e->node : make_or_fail(m, e->path, e->path_len);
		dir = n ? n->parent : NULL;
	}
	if (!dir)
		return MOAT_E_LIMIT;
	e->node = n ? n : dir;
	if ((r = own_parents(m, dir, e->path)) < 0)
		return r;
	if (!n)
		return own_whiteout(m, e, dir, base, dir_len);
	if (is_own(m, n)) {
		bool own_dir = n->own_kind == OWN_DIR || n->own_kind == OWN_IMPLICIT;

		if (own_dir && e->type == MOAT_TAR_DIR) {
			n->own_kind = OWN_DIR;
			n->own = e; /* new metadata; contents and opaque flag stay */
			return 0;
		}
		if ((r = own_remove(m, n)) < 0)
			return r;
	}
	if (e->type == MOAT_TAR_HARDLINK && (r = own_hardlink(m, e)) < 0)
		return r;
	/* Docker mknods it into the layer's directory, where overlayfs takes it
	 * for a whiteout of the same name (containerd's apply does the same). */
	if (e->overlay_whiteout) {
		touch(m, n, OWN_WHITEOUT, e);
		return 0;
	}
	touch(m, n, e->type == MOAT_TAR_DIR ? OWN_DIR : OWN_OTHER, e);
	return 0;
}

static int set_live(struct merge *m, struct node *n, struct lentry *e)
{
	/* The same layer again (a blob listed twice): the path is written again but
	 * nothing changes, so no event; only the layer that last wrote it moves up. */
	if (n->cur == e) {
		n->cur_layer = m->layer;
		return 0;
	}
	if (add_event(m->lfs, n, m->layer, n->cur ? MOAT_FS_CHANGED : MOAT_FS_ADDED, e) < 0)
		return moat_error_set(m->err, MOAT_E_LIMIT, "out of scan memory at %s", n->path);
	n->cur = e;
	n->cur_layer = m->layer;
	return 0;
}

/* Lay one node of the own tree over the merged view. */
static int overlay_node(struct merge *m, struct node *n)
{
	bool lower_dir = n->cur && n->cur->type == MOAT_TAR_DIR;
	struct lentry *e = n->own;

	switch (n->own_kind) {
	case OWN_WHITEOUT:
		return n->cur && remove_subtree(m->lfs, n, true, m->layer) < 0 ? MOAT_E_LIMIT : 0;
	case OWN_OTHER:
		if (lower_dir && remove_subtree(m->lfs, n, false, m->layer) < 0)
			return MOAT_E_LIMIT;
		return set_live(m, n, e);
	default:
		if (lower_dir && n->own_opaque && remove_subtree(m->lfs, n, false, m->layer) < 0)
			return MOAT_E_LIMIT;
		if (lower_dir && n->own_kind == OWN_IMPLICIT)
			return 0; /* the lower directory shows through, metadata and all */
		if (!e) {
			e = moat_arena_new0(m->lfs->arena, struct lentry);
			if (!e)
				return MOAT_E_LIMIT;
			e->path = n->path;
			e->path_len = n->path_len;
			e->type = MOAT_TAR_DIR;
			e->mode = 0755;
		}
		return set_live(m, n, e);
	}
}

static int merge_layer(struct layerfs *lfs, struct moat_fs_layer *layer, int index,
		       struct moat_error *err)
{
	/* Linear in the layer's entries: real layers replace a path a few times at most. */
	struct merge m = { .lfs = lfs, .layer = index, .err = err,
			   .max_visits = 16 * layer->count + 65536 };
	int r;

	for (struct lchunk *c = layer->first; c; c = c->next) {
		for (uint32_t i = 0; i < c->used; i++) {
			r = own_entry(&m, &c->entries[i]);
			if (r < 0)
				return r;
		}
	}
	for (struct node *n = m.touched; n; n = n->touch_next) {
		if (is_own(&m, n) && (r = overlay_node(&m, n)) < 0)
			return moat_error_set(err, r, "out of scan memory at %s", n->path);
	}
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
	st->origin = e->origin;
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
