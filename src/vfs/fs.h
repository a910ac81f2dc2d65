/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fs.h - the one read-only filesystem interface over images and containers.
 *
 * Analyzers see a tree of paths (relative, no leading '/', "" is the root).
 * For images every entry knows the layer that last wrote it, and the history
 * of a path (added, changed, removed, per layer) stays visible after a later
 * layer deleted it. Implementations plug in through struct moat_fs_ops: the
 * layered image view here, a live container root later.
 *
 * Symlinks are resolved by moat_fs_resolve() only inside the root: absolute
 * targets start at the root, and a ".." that would climb above the root is
 * MOAT_E_UNSAFE_PATH, never followed to the host.
 */
#ifndef MOAT_FS_H
#define MOAT_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"

struct moat_error;

enum moat_fs_type {
	MOAT_FS_REG = 1,
	MOAT_FS_DIR,
	MOAT_FS_SYMLINK,
	MOAT_FS_CHAR,
	MOAT_FS_BLOCK,
	MOAT_FS_FIFO,
};

struct moat_fs_stat {
	enum moat_fs_type type;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint64_t size;
	int64_t mtime;
	int layer;          /* layer that last wrote it; -1 on live filesystems */
	const char *link;   /* symlink target as stored, or NULL */
	const char *origin; /* a hardlink: the path it shares content with (same layer), or NULL */
	bool has_content;   /* moat_fs_read can return the bytes */
};

enum moat_fs_event_kind {
	MOAT_FS_ADDED = 1,
	MOAT_FS_CHANGED,
	MOAT_FS_REMOVED,
};

/* One step in a path's history. For REMOVED, st and content are empty. */
struct moat_fs_event {
	int layer;
	enum moat_fs_event_kind kind;
	struct moat_fs_stat st;
	struct moat_slice content;   /* only when st.has_content */
};

/* Called per path by walk; return non-zero to stop (that value is returned). */
typedef int (*moat_fs_walk_cb)(void *ctx, const char *path, const struct moat_fs_stat *st);
typedef int (*moat_fs_event_cb)(void *ctx, const char *path, const struct moat_fs_event *ev);

struct moat_fs_ops {
	/* lstat: no symlink following; MOAT_E_NOTFOUND if absent. */
	int (*lstat)(void *impl, const char *path, struct moat_fs_stat *ret_st, struct moat_error *err);
	/* Content of a regular file (no following); MOAT_E_UNSUPPORTED if not captured. */
	int (*read)(void *impl, const char *path, struct moat_slice *ret_content,
		    struct moat_error *err);
	/* Every live path under dir (recursively), parents before children. */
	int (*walk)(void *impl, const char *dir, moat_fs_walk_cb cb, void *ctx, struct moat_error *err);
	/* Every event of the paths under prefix ("" = all), in layer order per path. */
	int (*history)(void *impl, const char *prefix, moat_fs_event_cb cb, void *ctx,
		       struct moat_error *err);
	void (*close)(void *impl);
};

struct moat_fs {
	const struct moat_fs_ops *ops;
	void *impl;
	uint32_t symlink_hops;   /* limit for resolve */
};

/* Resolve path (following symlinks in every component, inside the root) into
 * *out as a normalised path. The final component is followed too. */
int moat_fs_resolve(struct moat_fs *fs, const char *path, struct moat_buf *out,
		    struct moat_error *err);
/* stat with symlinks followed. */
int moat_fs_stat(struct moat_fs *fs, const char *path, struct moat_fs_stat *ret_st,
		 struct moat_error *err);
int moat_fs_lstat(struct moat_fs *fs, const char *path, struct moat_fs_stat *ret_st,
		  struct moat_error *err);
/* Content with symlinks followed. */
int moat_fs_read(struct moat_fs *fs, const char *path, struct moat_slice *ret_content,
		 struct moat_error *err);
int moat_fs_walk(struct moat_fs *fs, const char *dir, moat_fs_walk_cb cb, void *ctx,
		 struct moat_error *err);
int moat_fs_history(struct moat_fs *fs, const char *prefix, moat_fs_event_cb cb, void *ctx,
		    struct moat_error *err);
void moat_fs_close(struct moat_fs *fs);

/*
 * Content reached through links. roots are logical paths (NULL-terminated
 * list): "a/b" names a file, "a/d/" a directory whose files want() accepts
 * (by their logical path, e.g. "a/d/x"). Every root is resolved through the
 * merged view as the running container would see it; each regular file that
 * is reached but has no captured content is reported to add() by its real
 * path (and, for a hardlink, by the path it shares data with), so the caller
 * can read those paths in a second pass. A file root that resolves to a
 * directory, FIFO or device is MOAT_E_FORMAT naming the path and the layer
 * that wrote it: the catalogers must never take it for "absent". Roots that
 * do not exist, or whose resolution fails, are skipped (the catalogers see
 * the same view and decide).
 */
typedef int (*moat_fs_path_cb)(void *ctx, const char *path, struct moat_error *err);
int moat_fs_uncaptured(struct moat_fs *fs, const char *const *roots,
		       bool (*want)(void *ctx, const char *path, size_t len), void *want_ctx,
		       moat_fs_path_cb add, void *add_ctx, struct moat_error *err);

/*
 * Every regular file of the view that a second name reaches: each symlink
 * that resolves to a regular file, and each hardlink (a file with an origin).
 * cb gets the name (path, lstat of it) and the file (real path: the symlink's
 * resolution or the hardlink's origin; stat of the data). Symlinks that do
 * not resolve are skipped. A non-zero return from cb stops the walk.
 */
typedef int (*moat_fs_link_cb)(void *ctx, const char *path, const struct moat_fs_stat *lst,
			       const char *real, const struct moat_fs_stat *st);
int moat_fs_links(struct moat_fs *fs, moat_fs_link_cb cb, void *ctx, struct moat_error *err);

#endif
