/* SPDX-License-Identifier: Apache-2.0 */
/* file.c - small whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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
