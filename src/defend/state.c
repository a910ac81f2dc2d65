/* SPDX-License-Identifier: Apache-2.0 */
/* state.c - the defender's state directory (state.h). */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "moat/error.h"

struct moat_state {
	int dir_fd;      /* DIR */
	int images_fd;   /* DIR/images */
	char *dir;
};

static const char *const mode_names[] = { "learn", "alert", "enforce" };

const char *moat_state_mode_name(enum moat_state_mode mode)
{
	return (unsigned)mode < 3 ? mode_names[mode] : "?";
}

int moat_state_mode_parse(const char *name, enum moat_state_mode *ret, struct moat_error *err)
{
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(name, mode_names[i])) {
			*ret = (enum moat_state_mode)i;
			return 0;
		}
	return moat_error_set(err, MOAT_E_USAGE, "mode '%s': expected learn, alert or enforce",
			      name);
}

/* mkdirat that accepts an existing directory (but not a symlink to one). */
static int open_subdir(int parent, const char *name, bool create, const char *shown,
		       struct moat_error *err)
{
	if (create && mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, -errno, "%s: cannot create: %s", shown, strerror(errno));
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : -errno,
				      "%s: %s", shown,
				      errno == ENOENT ? "no such state directory" : strerror(errno));
	return fd;
}

int moat_state_open(const char *dir, bool create, struct moat_state **ret, struct moat_error *err)
{
	if (!dir)
		dir = MOAT_STATE_DEFAULT_DIR;
	struct moat_state *st = calloc(1, sizeof(*st));
	if (!st || !(st->dir = strdup(dir))) {
		free(st);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	st->dir_fd = st->images_fd = -1;
	int fd = open_subdir(AT_FDCWD, dir, create, dir, err);
	if (fd >= 0) {
		st->dir_fd = fd;
		char shown[512];
		snprintf(shown, sizeof(shown), "%s/images", dir);
		fd = open_subdir(st->dir_fd, "images", create, shown, err);
	}
	if (fd < 0) {
		moat_state_close(st);
		return fd;
	}
	st->images_fd = fd;
	*ret = st;
	return 0;
}

void moat_state_close(struct moat_state *st)
{
	if (!st)
		return;
	if (st->images_fd >= 0)
		close(st->images_fd);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	free(st->dir);
	free(st);
}

const char *moat_state_dir(const struct moat_state *st)
{
	return st->dir;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int moat_state_key_of(const char *image_id, char key[MOAT_STATE_KEY_LEN + 1],
		      struct moat_error *err)
{
	const char *hex = strncmp(image_id, "sha256:", 7) ? image_id : image_id + 7;
	if (strlen(hex) != MOAT_STATE_KEY_LEN || !is_hex(hex, MOAT_STATE_KEY_LEN))
		return moat_error_set(err, MOAT_E_FORMAT, "'%.80s' is not a sha256 image id",
				      image_id);
	memcpy(key, hex, MOAT_STATE_KEY_LEN + 1);
	return 0;
}

static int check_name(const char *name, struct moat_error *err)
{
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return moat_error_set(err, MOAT_E_USAGE, "state file name '%s' is not a plain name",
				      name);
	return 0;
}

/* The directory a file lives in: DIR itself for key NULL, else the image's
 * (made when create). Returns an fd the caller closes, or a negative code. */
static int file_dir(struct moat_state *st, const char *key, bool create, struct moat_error *err)
{
	if (!key) {
		int fd = fcntl(st->dir_fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? moat_error_set(err, -errno, "%s: %s", st->dir, strerror(errno)) : fd;
	}
	if (strlen(key) != MOAT_STATE_KEY_LEN || !is_hex(key, MOAT_STATE_KEY_LEN))
		return moat_error_set(err, MOAT_E_USAGE, "'%.80s' is not an image key", key);
	char shown[600];
	snprintf(shown, sizeof(shown), "%s/images/%s", st->dir, key);
	return open_subdir(st->images_fd, key, create, shown, err);
}

int moat_state_read(struct moat_state *st, const char *key, const char *name,
		    struct moat_buf *out, struct moat_error *err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	int dfd = file_dir(st, key, false, err);
	if (dfd < 0)
		return dfd == MOAT_E_NOTFOUND ? -ENOENT : dfd;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	moat_buf_reset(out);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT
				       : moat_error_set(err, -errno, "%s: %s: %s", st->dir, name,
							strerror(errno));
	char chunk[16384];
	ssize_t n;
	r = 0;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = moat_error_set(err, -errno, "%s: %s: %s", st->dir, name, strerror(errno));
			break;
		}
		if (out->len + (size_t)n > MOAT_STATE_FILE_MAX) {
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: %s: larger than %u bytes",
					   st->dir, name, MOAT_STATE_FILE_MAX);
			break;
		}
		if ((r = moat_buf_append(out, chunk, (size_t)n)) < 0) {
			r = moat_error_set(err, r, "%s: %s: out of memory", st->dir, name);
			break;
		}
	}
	close(fd);
	if (r == 0 && (r = moat_buf_putc(out, '\0')) == 0)
		out->len--;
	return r;
}

int moat_state_write(struct moat_state *st, const char *key, const char *name,
		     const void *data, size_t len, struct moat_error *err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	int dfd = file_dir(st, key, true, err);
	if (dfd < 0)
		return dfd;
	r = moat_replace_file_at(dfd, name, data, len);
	close(dfd);
	if (r < 0)
		return moat_error_set(err, r, "%s: cannot write %s%s%s: %s", st->dir,
				      key ? key : "", key ? "/" : "", name, strerror(-r));
	return 0;
}

int moat_state_remove(struct moat_state *st, const char *key, const char *name,
		      struct moat_error *err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	int dfd = file_dir(st, key, false, err);
	if (dfd < 0)
		return dfd == MOAT_E_NOTFOUND ? 0 : dfd;
	r = unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	close(dfd);
	if (r < 0)
		return moat_error_set(err, r, "%s: cannot remove %s: %s", st->dir, name,
				      strerror(-r));
	return 0;
}

int moat_state_stamp(struct moat_state *st, const char *key, const char *name,
		     struct moat_state_stamp *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (check_name(name, NULL) < 0)
		return MOAT_E_USAGE;
	int dfd = file_dir(st, key, false, NULL);
	if (dfd < 0)
		return 0;
	struct stat sb;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		ret->ino = sb.st_ino;
		ret->size = (uint64_t)sb.st_size;
		ret->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	}
	close(dfd);
	return 0;
}

bool moat_state_stamp_equal(const struct moat_state_stamp *a, const struct moat_state_stamp *b)
{
	return a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

int moat_state_lock(struct moat_state *st, const char *key, int *ret_fd, struct moat_error *err)
{
	int dfd = file_dir(st, key, true, err);
	if (dfd < 0)
		return dfd;
	int fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: lock: %s", st->dir, strerror(errno));
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			int r = -errno;
			close(fd);
			return moat_error_set(err, r, "%s: lock: %s", st->dir, strerror(-r));
		}
	*ret_fd = fd;
	return 0;
}

void moat_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the last descriptor releases the flock */
}

int moat_state_mode_get(struct moat_state *st, const char *key, enum moat_state_mode *ret,
			struct moat_error *err)
{
	struct moat_buf text;
	moat_buf_init(&text, 4096);
	int r = moat_state_read(st, key, "mode", &text, err);
	*ret = MOAT_STATE_LEARN;
	if (r == -ENOENT)
		r = 0;
	else if (r == 0) {
		while (text.len && (text.data[text.len - 1] == '\n' || text.data[text.len - 1] == ' '))
			text.data[--text.len] = '\0';
		r = moat_state_mode_parse((const char *)text.data, ret, err);
		if (r < 0)
			moat_error_prefix(err, "%s/images/%s/mode: ", st->dir, key);
	}
	moat_buf_release(&text);
	return r;
}

int moat_state_mode_set(struct moat_state *st, const char *key, enum moat_state_mode mode,
			struct moat_error *err)
{
	char line[16];
	int n = snprintf(line, sizeof(line), "%s\n", moat_state_mode_name(mode));
	return moat_state_write(st, key, "mode", line, (size_t)n, err);
}

int moat_state_refs(struct moat_state *st, const char *key, struct moat_buf *out,
		    struct moat_error *err)
{
	int r = moat_state_read(st, key, "refs", out, err);
	if (r == -ENOENT) {
		moat_buf_reset(out);
		r = moat_buf_putc(out, '\0');
		out->len = 0;
	}
	return r < 0 ? r : 0;
}

/* Is line one of the '\n'-separated lines of text? */
static bool has_line(const char *text, size_t len, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (l == n && !memcmp(p, line, n))
			return true;
		p += l + 1;
	}
	return false;
}

int moat_state_note_image(struct moat_state *st, const char *key, const char *ref,
			  struct moat_error *err)
{
	int dfd = file_dir(st, key, true, err);
	if (dfd < 0)
		return dfd;
	close(dfd);
	if (!ref || !*ref || strlen(ref) > MOAT_STATE_REF_MAX || strchr(ref, '\n'))
		return 0;
	struct moat_buf refs;
	moat_buf_init(&refs, 0);
	int lock_fd = -1;
	int r = moat_state_refs(st, key, &refs, err);
	if (r == 0 && !has_line((const char *)refs.data, refs.len, ref) &&
	    (r = moat_state_lock(st, key, &lock_fd, err)) == 0) {
		/* Again under the lock: another writer may have added it. */
		if ((r = moat_state_refs(st, key, &refs, err)) == 0 &&
		    !has_line((const char *)refs.data, refs.len, ref) &&
		    (r = moat_buf_appendf(&refs, "%s\n", ref)) == 0)
			r = moat_state_write(st, key, "refs", refs.data, refs.len, err);
		moat_state_unlock(lock_fd);
	}
	moat_buf_release(&refs);
	return r < 0 ? r : 0;
}

int moat_state_foreach_image(struct moat_state *st,
			     int (*fn)(const char *key, void *arg), void *arg,
			     struct moat_error *err)
{
	int fd = openat(st->images_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return moat_error_set(err, -errno, "%s/images: %s", st->dir, strerror(errno));
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)))
		if (strlen(de->d_name) == MOAT_STATE_KEY_LEN &&
		    is_hex(de->d_name, MOAT_STATE_KEY_LEN))
			r = fn(de->d_name, arg);
	closedir(d);
	return r;
}

/*
 * A reference as Docker normalises it: docker.io/library/NAME:latest for
 * "NAME", docker.io/USER/NAME for "USER/NAME", a registry host kept when the
 * first component has a '.' or ':' or is localhost; ":latest" added when
 * there is neither tag nor digest.
 */
static void normalise_ref(const char *ref, char *out, size_t cap)
{
	const char *slash = strchr(ref, '/');
	bool has_host = slash && (memchr(ref, '.', (size_t)(slash - ref)) ||
				  memchr(ref, ':', (size_t)(slash - ref)) ||
				  (slash - ref == 9 && !strncmp(ref, "localhost", 9)));
	const char *prefix = has_host ? "" : slash ? "docker.io/" : "docker.io/library/";
	const char *last = strrchr(ref, '/');
	const char *name = last ? last + 1 : ref;
	bool tagged = strchr(name, ':') || strchr(ref, '@');
	snprintf(out, cap, "%s%s%s", prefix, ref, tagged ? "" : ":latest");
}

struct resolve_walk {
	struct moat_state *st;
	const char *want_hex;     /* id or id prefix, or NULL */
	char want_ref[MOAT_STATE_REF_MAX + 40];
	char found[MOAT_STATE_KEY_LEN + 1];
	char others[160];         /* more matches, for the message */
	unsigned matches;
	struct moat_buf refs;
	struct moat_error *err;
};

static bool refs_match(struct resolve_walk *w)
{
	const char *p = (const char *)w->refs.data, *end = p + w->refs.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char ref[MOAT_STATE_REF_MAX + 1], norm[MOAT_STATE_REF_MAX + 40];
		if (l <= MOAT_STATE_REF_MAX) {
			memcpy(ref, p, l);
			ref[l] = '\0';
			normalise_ref(ref, norm, sizeof(norm));
			if (!strcmp(norm, w->want_ref))
				return true;
		}
		p += l + 1;
	}
	return false;
}

static int resolve_one(const char *key, void *arg)
{
	struct resolve_walk *w = arg;
	bool hit;
	if (w->want_hex)
		hit = !strncmp(key, w->want_hex, strlen(w->want_hex));
	else {
		int r = moat_state_refs(w->st, key, &w->refs, w->err);
		if (r < 0)
			return r;
		hit = refs_match(w);
	}
	if (!hit)
		return 0;
	if (w->matches++ == 0)
		memcpy(w->found, key, sizeof(w->found));
	else {
		size_t used = strlen(w->others);

		if (used + 16 < sizeof(w->others))
			snprintf(w->others + used, sizeof(w->others) - used, " %.12s", key);
	}
	return 0;
}

int moat_state_resolve(struct moat_state *st, const char *image, char key[MOAT_STATE_KEY_LEN + 1],
		       struct moat_error *err)
{
	struct resolve_walk w = { .st = st, .err = err };
	const char *hex = strncmp(image, "sha256:", 7) ? image : image + 7;
	size_t n = strlen(hex);
	if (n >= 12 && n <= MOAT_STATE_KEY_LEN && is_hex(hex, n))
		w.want_hex = hex;
	else if (hex != image)
		return moat_error_set(err, MOAT_E_USAGE, "'%.80s' is not an image id", image);
	else if (n > MOAT_STATE_REF_MAX)
		return moat_error_set(err, MOAT_E_USAGE, "image reference too long");
	else
		normalise_ref(image, w.want_ref, sizeof(w.want_ref));
	moat_buf_init(&w.refs, 0);
	int r = moat_state_foreach_image(st, resolve_one, &w, err);
	moat_buf_release(&w.refs);
	if (r < 0)
		return r;
	if (w.matches == 0)
		return moat_error_set(err, MOAT_E_NOTFOUND, "no image '%.200s' in %s", image,
				      st->dir);
	if (w.matches > 1)
		return moat_error_set(err, MOAT_E_USAGE,
				      "'%.100s' names %u images (%.12s%s): give an image id", image,
				      w.matches, w.found, w.others);
	memcpy(key, w.found, MOAT_STATE_KEY_LEN + 1);
	return 0;
}
