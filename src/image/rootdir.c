/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootdir.c - a root filesystem directory as a one-layer image ("dir:PATH").
 *
 * Walked breadth-first with fstatat(AT_SYMLINK_NOFOLLOW) and openat2
 * RESOLVE_BENEATH, so links inside the tree are recorded, never followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/error.h"
#include "image-int.h"
#include "tar.h"

struct qitem {
	struct qitem *next;
	const char *path;    /* relative to the root; "" = the root */
};

struct walk {
	struct moat_image *img;
	int rootfd;
	const char *root;
	struct moat_fs_layer *layer;
	struct qitem *head;
	struct qitem *tail;
};

static char tar_type(mode_t mode)
{
	if (S_ISDIR(mode)) return MOAT_TAR_DIR;
	if (S_ISLNK(mode)) return MOAT_TAR_SYMLINK;
	if (S_ISCHR(mode)) return MOAT_TAR_CHAR;
	if (S_ISBLK(mode)) return MOAT_TAR_BLOCK;
	if (S_ISFIFO(mode)) return MOAT_TAR_FIFO;
	if (S_ISREG(mode)) return MOAT_TAR_FILE;
	return 0; /* sockets: not part of an image */
}

static int enqueue(struct walk *w, const char *path)
{
	struct qitem *q = moat_arena_new0(w->img->arena, struct qitem);

	if (!q)
		return MOAT_E_LIMIT;
	q->path = path;
	if (w->tail)
		w->tail->next = q;
	else
		w->head = q;
	w->tail = q;
	return 0;
}

static int capture(struct walk *w, int dirfd, const char *name, const struct moat_tar_entry *e,
		   struct moat_error *err)
{
	struct moat_image *img = w->img;
	struct moat_fd_reader fr;
	struct moat_reader rd;
	uint8_t *data;
	int fd, r;

	if (!img->opts->want_content || !img->opts->want_content(img->opts->want_ctx, e->path, e->path_len))
		return 0;
	if (image_capture_check(&img->limits, img->captured_total, e->size, err) < 0)
		return moat_error_prefix(err, "%s/%s: ", w->root, e->path);
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s/%s: %s", w->root, e->path, strerror(errno));
	data = moat_arena_alloc(img->arena, (size_t)e->size + 1);
	if (!data) {
		close(fd);
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	}
	moat_fd_reader_init(&fr, fd, 0, e->size);
	rd = moat_fd_reader(&fr);
	r = moat_read_full(&rd, data, (size_t)e->size, err);
	close(fd);
	if (r < 0)
		return moat_error_prefix(err, "%s/%s: ", w->root, e->path);
	data[e->size] = '\0';
	img->captured_total += e->size;
	moat_fs_layer_set_content(w->layer, data, e->size);
	return 0;
}

/* Show a regular file to the visitor (dir: is one layer, read_seq 0). */
static int visit(struct walk *w, int dirfd, const char *name, const struct moat_tar_entry *e,
		 struct moat_error *err)
{
	const struct moat_image_opts *opts = w->img->opts;
	struct moat_file_visit f = { 0, e->path, e->path_len, e->mode, e->size, NULL, 0 };
	struct moat_fd_reader fr;
	struct moat_reader rd;
	int fd, r;

	if (!opts->visit_file)
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* Vanished is fine; unreadable could hide a package from the scan. */
		if (errno != ENOENT)
			moat_warnings_add(&w->img->warnings, "file-unreadable", 0, e->path, e->path_len,
					  "%s; not read", strerror(errno));
		return 0;
	}
	moat_fd_reader_init(&fr, fd, 0, e->size);
	rd = moat_fd_reader(&fr);
	r = opts->visit_file(opts->visit_ctx, &f, &rd, err);
	close(fd);
	return r < 0 ? moat_error_prefix(err, "%s/%s: ", w->root, e->path) : 0;
}

static int add_child(struct walk *w, int dirfd, const char *dir, const char *name,
		     struct moat_error *err)
{
	struct stat st;
	struct moat_tar_entry e = { 0 };
	char target[MOAT_LIMIT_PATH_BYTES + 1];
	const char *path;
	ssize_t n;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* vanished while we walked */
	e.type = tar_type(st.st_mode);
	if (!e.type)
		return 0;
	path = *dir ? moat_arena_printf(w->img->arena, "%s/%s", dir, name)
		    : moat_arena_strdup(w->img->arena, name);
	if (!path)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	e.path = path;
	e.path_len = strlen(path);
	if (e.path_len > w->img->limits.path_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s/%s: path too long", w->root, path);
	e.mode = st.st_mode & 07777;
	e.uid = st.st_uid;
	e.gid = st.st_gid;
	e.mtime = st.st_mtime;
	e.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	if (e.type == MOAT_TAR_SYMLINK) {
		n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = '\0';
		e.link = target;
		e.link_len = (size_t)n;
	}
	if ((r = moat_fs_layer_add(w->layer, &e, err)) < 0)
		return r;
	if (e.type == MOAT_TAR_DIR)
		return enqueue(w, path) < 0 ? moat_error_set(err, MOAT_E_LIMIT, "out of scan memory") : 0;
	if (e.type == MOAT_TAR_FILE && (r = capture(w, dirfd, name, &e, err)) == 0)
		r = visit(w, dirfd, name, &e, err);
	return r;
}

static int walk_dir(struct walk *w, const char *dir, struct moat_error *err)
{
	int fd = *dir ? image_open_beneath(w->rootfd, dir, O_RDONLY | O_DIRECTORY)
		      : dup(w->rootfd);
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (fd < 0) {
		/* Replaced by a link or vanished meanwhile: skip it. Unreadable: say so,
		 * everything below it goes unscanned. */
		if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR && errno != EXDEV)
			moat_warnings_add(&w->img->warnings, "dir-unreadable", 0, dir, strlen(dir),
					  "%s; nothing below it was read", strerror(errno));
		return 0;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = add_child(w, dirfd(d), dir, de->d_name, err);
	}
	closedir(d);
	return r;
}

int image_read_root_dir(struct moat_image *img, const char *dir, struct moat_error *err)
{
	struct walk w = { .img = img, .root = dir };
	struct moat_layer_result *res = moat_arena_new0(img->arena, struct moat_layer_result);
	struct moat_layer *layer = moat_arena_new0(img->arena, struct moat_layer);
	int r;

	if (!res || !layer)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	w.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.rootfd < 0)
		return moat_error_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : -errno, "%s: %s", dir,
				      strerror(errno));
	r = moat_fs_layer_new(img->builder, &w.layer, err);
	if (r == 0)
		r = enqueue(&w, "") < 0 ? moat_error_set(err, MOAT_E_LIMIT, "out of scan memory") : 0;
	while (r == 0 && w.head) {
		struct qitem *q = w.head;

		w.head = q->next;
		if (!w.head)
			w.tail = NULL;
		r = walk_dir(&w, q->path, err);
	}
	close(w.rootfd);
	if (r < 0)
		return r;
	/* One layer without digests: a directory has no blobs to verify. */
	layer->history_index = -1;
	layer->tar_size = 0;
	img->meta.layers = layer;
	img->meta.n_layers = 1;
	return moat_fs_builder_finish(img->builder, &w.layer, 1, &img->fs, err);
}
