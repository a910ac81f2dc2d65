/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.h - small whole-file reads (procfs entries, sysfs, short configs),
 * and writes that finish.
 */
#ifndef MOAT_BASE_FILE_H
#define MOAT_BASE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct moat_buf;
struct moat_error;

/* Read at most cap - 1 bytes of path into buf and NUL-terminate it; procfs
 * files may need several reads. Returns the length, or -errno. cap >= 1. */
ssize_t moat_read_small_file(const char *path, char *buf, size_t cap);

/* The whole of path into out (reset first; NUL-terminated past len), at most
 * max bytes. 0; -errno naming the path when it cannot be read (-ENOENT lets
 * callers treat a missing file as empty); MOAT_E_LIMIT when it is larger. */
int moat_read_file(const char *path, size_t max, struct moat_buf *out, struct moat_error *err);

/* Write all len bytes to fd, retrying short writes and EINTR. 0, -errno, or
 * -EIO when the kernel accepts nothing. */
int moat_write_all(int fd, const void *data, size_t len);

/* Replace name in directory dfd with data, mode 0600, so that a crash
 * leaves the old or the new file, never a part: a temporary file written
 * and fsync'd, renamed over name, then the directory fsync'd. 0 or -errno. */
int moat_replace_file_at(int dfd, const char *name, const void *data, size_t len);
/* The same for a path, with its mode; durable: fsync the file and the
 * directory (a reader sees the old or the new content either way). */
int moat_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			   bool durable);

/* mkdir -p path, each created directory with mode; an existing one is
 * left as it is. 0 or -errno (-ENAMETOOLONG past 4095 bytes). */
int moat_mkdirs(const char *path, mode_t mode);

#endif
