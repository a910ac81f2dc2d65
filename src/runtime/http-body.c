/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-body.c - the receiving side of an exchange: read-ahead over the
 * transport, the response head, and the body decoders.
 *
 * Chunked framing (size lines, the CRLF after each chunk, trailers) is a
 * byte-at-a-time state machine whose state lives in struct moat_http_rx, so
 * a read may end anywhere, even in the middle of "\r\n". Chunk data and
 * Content-Length bodies move in bulk: straight from the transport into the
 * caller's buffer when the read-ahead is empty, and skips only advance over
 * the read-ahead instead of copying.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "http-int.h"
#include "http.h"

enum body_mode {
	B_NONE,         /* 204, 304: no body whatever the headers say */
	B_LENGTH,       /* Content-Length */
	B_CHUNKED,
	B_CLOSE,        /* until the peer closes */
};

enum chunk_state {
	C_SIZE_FIRST,   /* first hex digit of a chunk size */
	C_SIZE,
	C_SIZE_WS,      /* BWS between the size and ';' */
	C_EXT,          /* chunk extensions: checked for CTLs, otherwise ignored */
	C_SIZE_LF,
	C_DATA,
	C_DATA_CR,      /* the CRLF that must follow chunk data */
	C_DATA_LF,
	C_TRAILER_FIRST, /* a trailer field, or CR of the final blank line */
	C_TRAILER_NAME,
	C_TRAILER_VALUE,
	C_TRAILER_LF,
	C_END_LF,
	C_DONE,
};

#define RX_DEFAULT_CAP (64u << 10)

static int hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int moat_http_rx_init(struct moat_http_rx *rx, struct moat_reader src, size_t cap)
{
	memset(rx, 0, sizeof(*rx));
	moat_http_response_init(&rx->resp);
	rx->src = src;
	rx->cap = cap ? cap : RX_DEFAULT_CAP;
	rx->buf = malloc(rx->cap);
	if (!rx->buf)
		return -ENOMEM;
	return 0;
}

void moat_http_rx_release(struct moat_http_rx *rx)
{
	moat_http_response_release(&rx->resp);
	free(rx->buf);
	rx->buf = NULL;
	rx->cap = 0;
	rx->pos = 0;
	rx->end = 0;
	rx->mode = B_NONE;
}

/* Refill the empty read-ahead. Returns bytes read, 0 at end of stream. */
static ssize_t rx_fill(struct moat_http_rx *rx, struct moat_error *err)
{
	ssize_t n = moat_read(&rx->src, rx->buf, rx->cap, err);

	rx->pos = 0;
	rx->end = n > 0 ? (size_t)n : 0;
	return n;
}

/*
 * Up to len body bytes into buf: buffered ones first, else straight from the
 * transport. buf NULL discards them instead (a skip): buffered bytes are only
 * stepped over, and an empty read-ahead is refilled first.
 */
static ssize_t rx_take(struct moat_http_rx *rx, uint8_t *buf, size_t len,
		       struct moat_error *err)
{
	size_t avail = rx->end - rx->pos;

	if (avail == 0 && buf)
		return moat_read(&rx->src, buf, len, err);
	if (avail == 0) {
		ssize_t n = rx_fill(rx, err);

		if (n <= 0)
			return n;
		avail = (size_t)n;
	}
	if (len > avail)
		len = avail;
	if (buf)
		memcpy(buf, rx->buf + rx->pos, len);
	rx->pos += len;
	return (ssize_t)len;
}

int moat_http_rx_head(struct moat_http_rx *rx, struct moat_error *err)
{
	struct moat_http_response *resp = &rx->resp;
	int r = 0;

	if (!rx->buf)
		return moat_error_set(err, MOAT_E_USAGE, "http: receiver not initialised");
	while (r == 0) {
		size_t used;

		if (rx->pos == rx->end) {
			ssize_t n = rx_fill(rx, err);

			if (n < 0)
				return (int)n;
			if (n == 0)
				return moat_error_set(err, MOAT_E_TRUNCATED,
						      "http: connection closed in the response head");
		}
		r = moat_http_response_parse(resp, rx->buf + rx->pos, rx->end - rx->pos, &used,
					     err);
		rx->pos += used;
	}
	if (r < 0)
		return r;
	if (resp->status == 204 || resp->status == 304) {
		rx->mode = B_NONE;
	} else if (resp->chunked) {
		rx->mode = B_CHUNKED;
		rx->cstate = C_SIZE_FIRST;
	} else if (resp->has_length) {
		rx->mode = B_LENGTH;
		rx->remaining = resp->length;
	} else {
		rx->mode = B_CLOSE;
	}
	return 0;
}

/* Chunk-size line: hex size, optional BWS and extensions, CRLF. */
static int chunk_size_step(struct moat_http_rx *rx, uint8_t c, struct moat_error *err)
{
	int v = hex_value(c);

	switch (rx->cstate) {
	case C_SIZE_FIRST:
		if (v < 0)
			return http_bad_byte(err, "chunk size", c);
		rx->remaining = (uint64_t)v;
		rx->digits = 1;
		rx->cstate = C_SIZE;
		return 0;
	case C_SIZE:
		if (v >= 0) {
			/* 16 digits cannot overflow 64 bits, and the size bound
			 * is checked on every digit, so neither can the product. */
			rx->remaining = rx->remaining * 16 + (uint64_t)v;
			if (++rx->digits > 16 || rx->remaining > MOAT_HTTP_MAX_CHUNK)
				return moat_error_set(err, MOAT_E_LIMIT,
						      "http: chunk size over %llu bytes",
						      (unsigned long long)MOAT_HTTP_MAX_CHUNK);
			return 0;
		}
		if (c == ' ' || c == '\t') {
			rx->cstate = C_SIZE_WS;
			return 0;
		}
		__attribute__((fallthrough));
	case C_SIZE_WS:
		/* Trailing BWS without an extension is outside the grammar but
		 * unambiguous; Go's reader accepts it too. */
		if (c == ';')
			rx->cstate = C_EXT;
		else if (c == '\r')
			rx->cstate = C_SIZE_LF;
		else if (c != ' ' && c != '\t')
			return http_bad_byte(err, "chunk size", c);
		return 0;
	case C_EXT:
		if (c == '\r')
			rx->cstate = C_SIZE_LF;
		else if (!http_is_text(c))
			return http_bad_byte(err, "chunk extension", c);
		return 0;
	}
	/* C_SIZE_LF */
	if (c != '\n')
		return http_bad_byte(err, "chunk size line", '\r');
	rx->cstate = rx->remaining ? C_DATA : C_TRAILER_FIRST;
	return 0;
}

/* Trailer fields after the last chunk: checked and counted, then dropped. */
static int chunk_trailer_step(struct moat_http_rx *rx, uint8_t c, struct moat_error *err)
{
	switch (rx->cstate) {
	case C_TRAILER_FIRST:
		if (c == '\r') {
			rx->cstate = C_END_LF;
			return 0;
		}
		if (!http_is_tchar(c))
			return http_bad_byte(err, "trailer field name", c);
		if (++rx->ntrailers > MOAT_HTTP_MAX_HEADERS)
			return moat_error_set(err, MOAT_E_LIMIT, "http: more than %u trailer fields",
					      MOAT_HTTP_MAX_HEADERS);
		rx->cstate = C_TRAILER_NAME;
		return 0;
	case C_TRAILER_NAME:
		if (c == ':')
			rx->cstate = C_TRAILER_VALUE;
		else if (!http_is_tchar(c))
			return http_bad_byte(err, "trailer field name", c);
		return 0;
	case C_TRAILER_VALUE:
		if (c == '\r')
			rx->cstate = C_TRAILER_LF;
		else if (!http_is_text(c))
			return http_bad_byte(err, "trailer field value", c);
		return 0;
	case C_TRAILER_LF:
		if (c != '\n')
			return http_bad_byte(err, "trailer field", '\r');
		rx->cstate = C_TRAILER_FIRST;
		return 0;
	}
	/* C_END_LF */
	if (c != '\n')
		return http_bad_byte(err, "end of chunked body", '\r');
	rx->cstate = C_DONE;
	return 0;
}

/* One framing byte (anything but chunk data), with the line and trailer bounds. */
static int chunk_step(struct moat_http_rx *rx, uint8_t c, struct moat_error *err)
{
	if (++rx->line_bytes > MOAT_HTTP_MAX_LINE)
		return moat_error_set(err, MOAT_E_LIMIT, "http: chunk line over %u bytes",
				      MOAT_HTTP_MAX_LINE);
	if (c == '\n')
		rx->line_bytes = 0;
	if (rx->cstate >= C_TRAILER_FIRST &&
	    ++rx->trailer_bytes > MOAT_HTTP_MAX_HEADER_BYTES)
		return moat_error_set(err, MOAT_E_LIMIT, "http: trailer over %u bytes",
				      MOAT_HTTP_MAX_HEADER_BYTES);
	switch (rx->cstate) {
	case C_DATA_CR:
		if (c != '\r')
			return moat_error_set(err, MOAT_E_FORMAT,
					      "http: chunk data not followed by CRLF");
		rx->cstate = C_DATA_LF;
		return 0;
	case C_DATA_LF:
		if (c != '\n')
			return http_bad_byte(err, "CRLF after chunk data", '\r');
		rx->cstate = C_SIZE_FIRST;
		return 0;
	}
	if (rx->cstate < C_DATA)
		return chunk_size_step(rx, c, err);
	return chunk_trailer_step(rx, c, err);
}

static size_t min_len(size_t len, uint64_t remaining)
{
	return remaining < len ? (size_t)remaining : len;
}

static ssize_t chunked_take(struct moat_http_rx *rx, uint8_t *buf, size_t len,
			    struct moat_error *err)
{
	for (;;) {
		ssize_t n;

		if (rx->cstate == C_DONE)
			return 0;
		if (rx->cstate == C_DATA) {
			n = rx_take(rx, buf, min_len(len, rx->remaining), err);
			if (n == 0)
				return moat_error_set(err, MOAT_E_TRUNCATED,
						      "http: connection closed inside a chunk");
			if (n < 0)
				return n;
			rx->remaining -= (uint64_t)n;
			if (rx->remaining == 0)
				rx->cstate = C_DATA_CR;
			return n;
		}
		if (rx->pos == rx->end) {
			n = rx_fill(rx, err);
			if (n < 0)
				return n;
			if (n == 0)
				return moat_error_set(err, MOAT_E_TRUNCATED,
						      "http: connection closed before the last chunk");
		}
		while (rx->pos < rx->end && rx->cstate != C_DATA && rx->cstate != C_DONE) {
			int r = chunk_step(rx, rx->buf[rx->pos++], err);

			if (r < 0)
				return r;
		}
	}
}

static ssize_t length_take(struct moat_http_rx *rx, uint8_t *buf, size_t len,
			   struct moat_error *err)
{
	ssize_t n;

	if (rx->remaining == 0)
		return 0;
	n = rx_take(rx, buf, min_len(len, rx->remaining), err);
	if (n == 0)
		return moat_error_set(err, MOAT_E_TRUNCATED,
				      "http: connection closed with %llu body bytes missing",
				      (unsigned long long)rx->remaining);
	if (n > 0)
		rx->remaining -= (uint64_t)n;
	return n;
}

/* Read (buf != NULL) or skip len body bytes; errors stick. */
static ssize_t body_take(struct moat_http_rx *rx, uint8_t *buf, size_t len,
			 struct moat_error *err)
{
	ssize_t n;

	if (rx->error)
		return moat_error_set(err, rx->error, "http: body read after an error");
	if (len == 0)
		return 0;
	switch (rx->mode) {
	case B_LENGTH:
		n = length_take(rx, buf, len, err);
		break;
	case B_CHUNKED:
		n = chunked_take(rx, buf, len, err);
		break;
	case B_CLOSE:
		n = rx_take(rx, buf, len, err);
		break;
	default:
		n = 0;
		break;
	}
	/* a non-blocking transport's "nothing yet" leaves every state resumable */
	if (n < 0 && n != -EAGAIN)
		rx->error = (int)n;
	return n;
}

static ssize_t body_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	if (!buf)
		return moat_error_set(err, MOAT_E_USAGE, "http: read into NULL");
	return body_take(ctx, buf, len > SSIZE_MAX ? SSIZE_MAX : len, err);
}

static ssize_t body_skip(void *ctx, uint64_t len, struct moat_error *err)
{
	return body_take(ctx, NULL, len > SSIZE_MAX ? SSIZE_MAX : (size_t)len, err);
}

struct moat_reader moat_http_rx_body(struct moat_http_rx *rx)
{
	return (struct moat_reader){ body_read, rx, body_skip };
}

int moat_http_rx_read_all(struct moat_http_rx *rx, struct moat_buf *out, size_t max,
			  struct moat_error *err)
{
	struct moat_reader body = moat_http_rx_body(rx);
	size_t start = out->len;

	for (;;) {
		size_t room = max - (out->len - start);
		/* One byte past max, so a body of exactly max bytes still passes. */
		size_t want = room < 16384 ? room + 1 : 16384;
		ssize_t n;
		int r = moat_buf_reserve(out, want);

		if (r == MOAT_E_LIMIT)
			return moat_error_set(err, r, "http: body over the buffer's limit");
		if (r < 0)
			return moat_error_set(err, r, "http: no memory for the body");
		n = moat_read(&body, out->data + out->len, want, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		if (out->len - start > max)
			return moat_error_set(err, MOAT_E_LIMIT, "http: body over %zu bytes", max);
	}
}
