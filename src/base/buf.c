/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c - growable buffer; doubling growth bounded by buf->max. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "buf.h"

void moat_buf_init(struct moat_buf *buf, size_t max)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->max = max ? max : SIZE_MAX / 2;
}

void moat_buf_release(struct moat_buf *buf)
{
	size_t max = buf->max;

	free(buf->data);
	moat_buf_init(buf, max);
}

int moat_buf_reserve(struct moat_buf *buf, size_t extra)
{
	size_t need;
	size_t cap;
	uint8_t *data;

	if (extra > buf->max - buf->len)
		return MOAT_E_LIMIT;
	need = buf->len + extra + 1; /* room for the NUL */
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > buf->max + 1)
		cap = buf->max + 1;
	data = realloc(buf->data, cap);
	if (!data)
		return -ENOMEM;
	buf->data = data;
	buf->cap = cap;
	return 0;
}

int moat_buf_append(struct moat_buf *buf, const void *data, size_t len)
{
	int r = moat_buf_reserve(buf, len);

	if (r < 0)
		return r;
	if (len)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return 0;
}

int moat_buf_append_str(struct moat_buf *buf, const char *str)
{
	return moat_buf_append(buf, str, strlen(str));
}

int moat_buf_putc(struct moat_buf *buf, char c)
{
	return moat_buf_append(buf, &c, 1);
}

int moat_buf_appendf(struct moat_buf *buf, const char *fmt, ...)
{
	va_list ap;
	int n;
	int r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = moat_buf_reserve(buf, (size_t)n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)buf->data + buf->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf->len += (size_t)n;
	return 0;
}

uint8_t *moat_buf_steal(struct moat_buf *buf, size_t *ret_len)
{
	uint8_t *data = buf->data;

	if (ret_len)
		*ret_len = buf->len;
	moat_buf_init(buf, buf->max);
	return data;
}
