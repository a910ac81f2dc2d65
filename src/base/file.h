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

/* Replace path with data as one step: a unique temporary file beside it,
 * written, fsync'd when durable, then renamed over path. A reader sees the
 * old or the new content, never a mix. 0 or -errno (the temporary file is
 * removed on failure). */
int moat_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			   bool durable);

#endif
