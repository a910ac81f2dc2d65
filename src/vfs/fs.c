/* SPDX-License-Identifier: Apache-2.0 */
/* fs.c - interface dispatch and root-confined symlink resolution. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image/tar.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "fs.h"

/*
 * Resolve like the kernel does inside a chroot, except that climbing above the
 * root is an error: an image that needs it is either broken or hostile, and a
 * scanner that silently clamps would report on a file the link never meant.
 * `todo` holds the components still to walk; `out` the resolved prefix.
 */
int moat_fs_resolve(struct moat_fs *fs, const char *path, struct moat_buf *out,
		    struct moat_error *err)
{
	struct moat_buf todo;
	struct moat_buf next;
	uint32_t hops = 0;
	uint32_t max_hops = fs->symlink_hops ? fs->symlink_hops : MOAT_LIMIT_SYMLINK_HOPS;
	int r = 0;

	moat_buf_init(&todo, (size_t)MOAT_LIMIT_PATH_BYTES * 4);
	moat_buf_init(&next, (size_t)MOAT_LIMIT_PATH_BYTES * 4);
	moat_buf_reset(out);
	moat_buf_append(out, "", 0);
	while (*path == '/')
		path++;
	if ((r = moat_buf_append_str(&todo, path)) < 0)
		goto out_limit;
	while (todo.len) {
		struct moat_slice rest = moat_slice_make(todo.data, todo.len);
		struct moat_slice comp;
		size_t out_len = out->len;
		struct moat_fs_stat st;

		moat_slice_split(&rest, '/', &comp);
		if (comp.len == 0 || moat_slice_eq_str(comp, ".")) {
			/* nothing to add */
		} else if (moat_slice_eq_str(comp, "..")) {
			char *slash;

			if (out->len == 0) {
				r = moat_error_set(err, MOAT_E_UNSAFE_PATH,
						   "%s: a symlink leads above the image root", path);
				goto out;
			}
			slash = memrchr(out->data, '/', out->len);
			out->len = slash ? (size_t)(slash - (char *)out->data) : 0;
			out->data[out->len] = '\0';
		} else {
			if ((out->len && (r = moat_buf_putc(out, '/')) < 0) ||
			    (r = moat_buf_append(out, comp.ptr, comp.len)) < 0)
				goto out_limit;
			r = fs->ops->lstat(fs->impl, (const char *)out->data, &st, err);
			if (r < 0)
				goto out;
			if (st.type == MOAT_FS_SYMLINK) {
				if (++hops > max_hops) {
					r = moat_error_set(err, MOAT_E_LOOP, "%s: more than %u symlinks",
							   path, max_hops);
					goto out;
				}
				/* Replace the component with the link target, then the rest. */
				moat_buf_reset(&next);
				if ((r = moat_buf_append_str(&next, st.link ? st.link : "")) < 0 ||
				    (rest.len && ((r = moat_buf_putc(&next, '/')) < 0 ||
						  (r = moat_buf_append(&next, rest.ptr, rest.len)) < 0)))
					goto out_limit;
				out->len = out_len;
				out->data[out->len] = '\0';
				if (next.len && next.data[0] == '/')
					moat_buf_reset(out); /* absolute: restart at the root */
				moat_buf_reset(&todo);
				if ((r = moat_buf_append(&todo, next.data, next.len)) < 0)
					goto out_limit;
				continue;
			}
			if (rest.len && st.type != MOAT_FS_DIR) {
				r = moat_error_set(err, -ENOTDIR, "%s: not a directory", out->data);
				goto out;
			}
		}
		memmove(todo.data, rest.ptr, rest.len);
		todo.len = rest.len;
		todo.data[todo.len] = '\0';
	}
	goto out;
out_limit:
	r = moat_error_set(err, MOAT_E_LIMIT, "%s: resolved path too long", path);
out:
	moat_buf_release(&todo);
	moat_buf_release(&next);
	return r;
}

int moat_fs_lstat(struct moat_fs *fs, const char *path, struct moat_fs_stat *ret_st,
		  struct moat_error *err)
{
	return fs->ops->lstat(fs->impl, path, ret_st, err);
}

int moat_fs_stat(struct moat_fs *fs, const char *path, struct moat_fs_stat *ret_st,
		 struct moat_error *err)
{
	struct moat_buf real;
	int r;

	moat_buf_init(&real, 0);
	r = moat_fs_resolve(fs, path, &real, err);
	if (r == 0)
		r = fs->ops->lstat(fs->impl, (const char *)real.data, ret_st, err);
	moat_buf_release(&real);
	return r;
}

int moat_fs_read(struct moat_fs *fs, const char *path, struct moat_slice *ret_content,
		 struct moat_error *err)
{
	struct moat_buf real;
	int r;

	moat_buf_init(&real, 0);
	r = moat_fs_resolve(fs, path, &real, err);
	if (r == 0)
		r = fs->ops->read(fs->impl, (const char *)real.data, ret_content, err);
	moat_buf_release(&real);
	return r;
}

int moat_fs_walk(struct moat_fs *fs, const char *dir, moat_fs_walk_cb cb, void *ctx,
		 struct moat_error *err)
{
	return fs->ops->walk(fs->impl, dir, cb, ctx, err);
}

int moat_fs_history(struct moat_fs *fs, const char *prefix, moat_fs_event_cb cb, void *ctx,
		    struct moat_error *err)
{
	return fs->ops->history(fs->impl, prefix, cb, ctx, err);
}

void moat_fs_close(struct moat_fs *fs)
{
	if (fs && fs->ops && fs->ops->close)
		fs->ops->close(fs->impl);
}

static const char *type_word(enum moat_fs_type type)
{
	switch (type) {
	case MOAT_FS_DIR: return "a directory";
	case MOAT_FS_SYMLINK: return "a symlink";
	case MOAT_FS_CHAR: return "a character device";
	case MOAT_FS_BLOCK: return "a block device";
	case MOAT_FS_FIFO: return "a FIFO";
	default: return "a file";
	}
}

struct uncaptured {
	struct moat_fs *fs;
	bool (*want)(void *ctx, const char *path, size_t len);
	void *want_ctx;
	moat_fs_path_cb add;
	void *add_ctx;
	const char *logical;     /* the directory root being walked, as named */
	size_t real_len;         /* length of its resolved path */
	struct moat_buf name;
	struct moat_buf real;
	struct moat_error *err;
};

/* A regular file reached at real path `path` with stat st: report it if its bytes are missing. */
static int need(struct uncaptured *u, const char *path, const struct moat_fs_stat *st)
{
	int r;

	if (st->type != MOAT_FS_REG || st->has_content)
		return 0;
	if ((r = u->add(u->add_ctx, path, u->err)) < 0)
		return r;
	return st->origin ? u->add(u->add_ctx, st->origin, u->err) : 0;
}

/* Resolve path; 1 with *st filled, 0 when it cannot be reached. */
static int reach(struct uncaptured *u, const char *path, struct moat_fs_stat *st)
{
	struct moat_error ignored;

	if (moat_fs_resolve(u->fs, path, &u->real, &ignored) < 0 ||
	    u->fs->ops->lstat(u->fs->impl, (const char *)u->real.data, st, &ignored) < 0)
		return 0;
	return 1;
}

static int on_dir_entry(void *ctx, const char *path, const struct moat_fs_stat *st)
{
	struct uncaptured *u = ctx;
	struct moat_fs_stat target;

	if (st->type != MOAT_FS_REG && st->type != MOAT_FS_SYMLINK)
		return 0;
	moat_buf_reset(&u->name);
	/* The logical name: the root as named, then the path below its real directory. */
	if (moat_buf_append_str(&u->name, u->logical) < 0 ||
	    (u->real_len == 0 && moat_buf_putc(&u->name, '/') < 0) ||
	    moat_buf_append_str(&u->name, path + u->real_len) < 0)
		return moat_error_set(u->err, MOAT_E_LIMIT, "%s: path too long", path);
	if (!u->want(u->want_ctx, (const char *)u->name.data, u->name.len))
		return 0;
	if (st->type == MOAT_FS_REG)
		return need(u, path, st);
	if (!reach(u, path, &target))
		return 0;
	return need(u, (const char *)u->real.data, &target);
}

static int uncaptured_dir(struct uncaptured *u, const char *root)
{
	size_t len = strlen(root) - 1;
	char dir[MOAT_LIMIT_PATH_BYTES];
	struct moat_fs_stat st;
	char *real;

	if (len >= sizeof(dir))
		return 0;
	memcpy(dir, root, len);
	dir[len] = '\0';
	if (!reach(u, dir, &st) || st.type != MOAT_FS_DIR)
		return 0;
	real = strdup((const char *)u->real.data);
	if (!real)
		return moat_error_set(u->err, -ENOMEM, "out of memory");
	u->logical = dir;
	u->real_len = strlen(real);
	int r = u->fs->ops->walk(u->fs->impl, real, on_dir_entry, u, u->err);

	free(real);
	return r;
}

static int uncaptured_file(struct uncaptured *u, const char *root)
{
	struct moat_fs_stat st;
	const char *real;

	if (!reach(u, root, &st))
		return 0;
	real = (const char *)u->real.data;
	if (st.type != MOAT_FS_REG) {
		if (!strcmp(real, root))
			return moat_error_set(u->err, MOAT_E_FORMAT, "%s: %s where a file should be "
					      "(layer %d)", root, type_word(st.type), st.layer + 1);
		return moat_error_set(u->err, MOAT_E_FORMAT, "%s: resolves to %s, %s where a file "
				      "should be (layer %d)", root, real, type_word(st.type),
				      st.layer + 1);
	}
	return need(u, real, &st);
}

int moat_fs_uncaptured(struct moat_fs *fs, const char *const *roots,
		       bool (*want)(void *ctx, const char *path, size_t len), void *want_ctx,
		       moat_fs_path_cb add, void *add_ctx, struct moat_error *err)
{
	struct uncaptured u = { .fs = fs, .want = want, .want_ctx = want_ctx, .add = add,
				.add_ctx = add_ctx, .err = err };
	int r = 0;

	moat_buf_init(&u.name, (size_t)MOAT_LIMIT_PATH_BYTES * 4);
	moat_buf_init(&u.real, (size_t)MOAT_LIMIT_PATH_BYTES * 4);
	for (; r == 0 && *roots; roots++) {
		size_t len = strlen(*roots);

		if (len && (*roots)[len - 1] == '/')
			r = want ? uncaptured_dir(&u, *roots) : 0;
		else
			r = uncaptured_file(&u, *roots);
	}
	moat_buf_release(&u.name);
	moat_buf_release(&u.real);
	return r;
}

struct links {
	struct moat_fs *fs;
	moat_fs_link_cb cb;
	void *ctx;
	struct moat_buf real;
};

static int on_link(void *ctx, const char *path, const struct moat_fs_stat *lst)
{
	struct links *l = ctx;
	struct moat_fs_stat st;
	struct moat_error ignored;

	if (lst->type == MOAT_FS_REG && lst->origin)
		return l->cb(l->ctx, path, lst, lst->origin, lst);
	if (lst->type != MOAT_FS_SYMLINK ||
	    moat_fs_resolve(l->fs, path, &l->real, &ignored) < 0 ||
	    l->fs->ops->lstat(l->fs->impl, (const char *)l->real.data, &st, &ignored) < 0 ||
	    st.type != MOAT_FS_REG)
		return 0;
	return l->cb(l->ctx, path, lst, (const char *)l->real.data, &st);
}

int moat_fs_links(struct moat_fs *fs, moat_fs_link_cb cb, void *ctx, struct moat_error *err)
{
	struct links l = { .fs = fs, .cb = cb, .ctx = ctx };
	int r;

	moat_buf_init(&l.real, (size_t)MOAT_LIMIT_PATH_BYTES * 4);
	r = fs->ops->walk(fs->impl, "", on_link, &l, err);
	moat_buf_release(&l.real);
	return r;
}
