/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.h - small whole-file reads (procfs entries, sysfs, short configs).
 */
#ifndef MOAT_BASE_FILE_H
#define MOAT_BASE_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Read at most cap - 1 bytes of path into buf and NUL-terminate it; procfs
 * files may need several reads. Returns the length, or -errno. cap >= 1. */
ssize_t moat_read_small_file(const char *path, char *buf, size_t cap);

#endif
