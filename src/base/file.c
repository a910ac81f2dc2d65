/* SPDX-License-Identifier: Apache-2.0 */
/* file.c - small whole-file reads, and whole writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "moat/error.h"
#include "file.h"

ssize_t moat_read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	while (len + 1 < cap) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = 0;
	return r < 0 ? r : (ssize_t)len;
}

int moat_read_file(const char *path, size_t max, struct moat_buf *out, struct moat_error *err)
{
	char chunk[65536];
	ssize_t n;
	int r = 0, fd = open(path, O_RDONLY | O_CLOEXEC);

	moat_buf_reset(out);
	out->max = max;
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
	while (r == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
		else if (moat_buf_append(out, chunk, (size_t)n) < 0)
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: over %zu bytes", path, max);
	}
	close(fd);
	if (r == 0 && moat_buf_putc(out, '\0') == 0)
		out->len--;
	return r;
}

int moat_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The temporary file's name is unique per thread: two threads replacing
 * the same file must not write into one temporary file. */
static int replace_at(int dfd, const char *name, const void *data, size_t len, mode_t mode,
		      bool durable)
{
	char tmp[300];
	int fd, r;

	if (strlen(name) > 200)
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), ".%s.%ld.%ld.tmp", name, (long)getpid(), (long)gettid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, mode) < 0 ? -errno : moat_write_all(fd, data, len);
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dfd, tmp, 0);
		return r;
	}
	if (durable)
		fsync(dfd);     /* the rename itself survives a crash */
	return 0;
}

int moat_replace_file_at(int dfd, const char *name, const void *data, size_t len)
{
	return replace_at(dfd, name, data, len, 0600, true);
}

int moat_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			   bool durable)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int dfd, r;

	if (!slash)
		return replace_at(AT_FDCWD, path, data, len, mode, durable);
	if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = replace_at(dfd, slash + 1, data, len, mode, durable);
	close(dfd);
	return r;
}

int moat_mkdirs(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -errno : 0;
}
