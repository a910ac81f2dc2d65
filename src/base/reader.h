/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reader.h - pull-based byte streams.
 *
 * A layer is read exactly once, through a chain of readers: file window or
 * socket -> digest of the blob -> decompressor -> digest of the tar -> tar
 * parser. Each stage pulls from the one below, so nothing is buffered whole.
 */
#ifndef MOAT_READER_H
#define MOAT_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct moat_error;

struct moat_reader {
	/* Read up to len bytes into buf. Returns bytes read (0 = end of stream)
	 * or a negative code with details in *err. */
	ssize_t (*read)(void *ctx, void *buf, size_t len, struct moat_error *err);
	void *ctx;
	/* Optional: discard up to len bytes without copying them anywhere.
	 * Returns bytes skipped (0 = end) or a negative code. */
	ssize_t (*skip)(void *ctx, uint64_t len, struct moat_error *err);
};

static inline ssize_t moat_read(struct moat_reader *r, void *buf, size_t len,
				struct moat_error *err)
{
	return r->read(r->ctx, buf, len, err);
}

/* Read exactly len bytes; MOAT_E_TRUNCATED when the stream ends first. */
int moat_read_full(struct moat_reader *r, void *buf, size_t len, struct moat_error *err);
/* Read and discard len bytes. */
int moat_read_skip(struct moat_reader *r, uint64_t len, struct moat_error *err);

/* A window [offset, offset+len) of an fd, read with pread (the fd is borrowed).
 * len == UINT64_MAX reads to end of file with read(2) (pipes, sockets). */
struct moat_fd_reader {
	int fd;
	uint64_t offset;
	uint64_t remaining;
	int use_read;
};
void moat_fd_reader_init(struct moat_fd_reader *fr, int fd, uint64_t offset, uint64_t len);
extern const struct moat_reader moat_fd_reader_proto;
static inline struct moat_reader moat_fd_reader(struct moat_fd_reader *fr)
{
	return (struct moat_reader){ moat_fd_reader_proto.read, fr, moat_fd_reader_proto.skip };
}

/* A reader over memory. */
struct moat_mem_reader {
	const uint8_t *ptr;
	size_t len;
};
struct moat_reader moat_mem_reader(struct moat_mem_reader *mr, const void *ptr, size_t len);

#endif
