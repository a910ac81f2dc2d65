/* SPDX-License-Identifier: Apache-2.0 */
/* reader.c - exact reads, skips, and the fd and memory readers. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "moat/error.h"
#include "reader.h"

int moat_read_full(struct moat_reader *r, void *buf, size_t len, struct moat_error *err)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = moat_read(r, p, len, err);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return moat_error_set(err, MOAT_E_TRUNCATED, "unexpected end of data");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int moat_read_skip(struct moat_reader *r, uint64_t len, struct moat_error *err)
{
	uint8_t scratch[65536];

	while (len && r->skip) {
		ssize_t n = r->skip(r->ctx, len, err);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return moat_error_set(err, MOAT_E_TRUNCATED, "unexpected end of data");
		len -= (uint64_t)n;
	}
	while (len) {
		size_t want = len < sizeof(scratch) ? (size_t)len : sizeof(scratch);
		ssize_t n = moat_read(r, scratch, want, err);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return moat_error_set(err, MOAT_E_TRUNCATED, "unexpected end of data");
		len -= (uint64_t)n;
	}
	return 0;
}

void moat_fd_reader_init(struct moat_fd_reader *fr, int fd, uint64_t offset, uint64_t len)
{
	fr->fd = fd;
	fr->offset = offset;
	fr->remaining = len;
	fr->use_read = len == UINT64_MAX;
}

static ssize_t fd_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct moat_fd_reader *fr = ctx;
	ssize_t n;

	if (!fr->use_read && len > fr->remaining)
		len = (size_t)fr->remaining;
	if (len == 0)
		return 0;
	do {
		n = fr->use_read ? read(fr->fd, buf, len)
				 : pread(fr->fd, buf, len, (off_t)fr->offset);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return moat_error_set(err, -errno, "read: %s", strerror(errno));
	fr->offset += (uint64_t)n;
	if (!fr->use_read)
		fr->remaining -= (uint64_t)n;
	return n;
}

/* Windows of seekable files skip by moving the offset; streams must read. */
static ssize_t fd_skip(void *ctx, uint64_t len, struct moat_error *err)
{
	struct moat_fd_reader *fr = ctx;
	uint8_t scratch[65536];

	if (fr->use_read)
		return fd_read(ctx, scratch, len < sizeof(scratch) ? (size_t)len : sizeof(scratch), err);
	if (len > fr->remaining)
		len = fr->remaining;
	fr->offset += len;
	fr->remaining -= len;
	return (ssize_t)len;
}

const struct moat_reader moat_fd_reader_proto = { fd_read, NULL, fd_skip };

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct moat_mem_reader *mr = ctx;

	(void)err;
	if (len > mr->len)
		len = mr->len;
	if (len)
		memcpy(buf, mr->ptr, len);
	mr->ptr += len;
	mr->len -= len;
	return (ssize_t)len;
}

struct moat_reader moat_mem_reader(struct moat_mem_reader *mr, const void *ptr, size_t len)
{
	mr->ptr = ptr;
	mr->len = len;
	return (struct moat_reader){ mem_read, mr, NULL };
}
