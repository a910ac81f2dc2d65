/* SPDX-License-Identifier: Apache-2.0 */
/* fs.c - interface dispatch and root-confined symlink resolution. */
#include <errno.h>
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
