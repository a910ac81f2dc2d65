/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h - growable byte buffer with a maximum fixed at init.
 *
 * Appends past the maximum fail with MOAT_E_LIMIT and leave the buffer as it
 * was. data is always NUL-terminated after a successful append (not counted
 * in len), so text can be handed to C APIs; binary content may hold NULs.
 */
#ifndef MOAT_BUF_H
#define MOAT_BUF_H

#include <stddef.h>
#include <stdint.h>

struct moat_buf {
	uint8_t *data; /* heap, owned; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;    /* 0 = SIZE_MAX/2 */
};

void moat_buf_init(struct moat_buf *buf, size_t max);
/* Free the memory and re-init with the same max. */
void moat_buf_release(struct moat_buf *buf);
/* Keep the memory, drop the content. */
static inline void moat_buf_reset(struct moat_buf *buf) { buf->len = 0; }

int moat_buf_reserve(struct moat_buf *buf, size_t extra);
int moat_buf_append(struct moat_buf *buf, const void *data, size_t len);
int moat_buf_append_str(struct moat_buf *buf, const char *str);
int moat_buf_appendf(struct moat_buf *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int moat_buf_putc(struct moat_buf *buf, char c);
/* Hand the heap memory to the caller (who frees it) and re-init. */
uint8_t *moat_buf_steal(struct moat_buf *buf, size_t *ret_len);

#endif
