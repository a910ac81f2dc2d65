/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-http-response.c - the HTTP response head parser and body decoders.
 *
 * The first input byte picks how the rest is cut into reads, the size of the
 * read-ahead and whether some body reads become skips; the rest is the
 * response as a peer would send it. Each input runs twice, whole and cut up;
 * the two runs must agree on the result, the status and every body byte,
 * since framing may never depend on where reads end. Non-2xx answers also go
 * through the error-message path.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "moat/error.h"
#include "runtime/http.h"

#define FUZZ_MAX_INPUT (1u << 20)

/* mode: bits 0-1 cut (0 whole, 1 one byte, 2-3 random), bits 2-4 read-ahead
 * size, bit 5 skips. */
#define MODE_CUT(m) ((m) & 3u)
#define MODE_CAP(m) (((m) >> 2) & 7u)
#define MODE_SKIPS 0x20u

struct cut_src {
	const uint8_t *data;
	size_t len;
	size_t pos;
	uint8_t mode;
	uint32_t rng;
};

static uint32_t rng_next(uint32_t *state)
{
	uint32_t x = *state ? *state : 1;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static ssize_t cut_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct cut_src *s = ctx;
	size_t n = s->len - s->pos;

	(void)err;
	if (MODE_CUT(s->mode) == 1 && n > 1)
		n = 1;
	else if (MODE_CUT(s->mode) >= 2 && n > 1)
		n = 1 + rng_next(&s->rng) % (n < 300 ? n : 300);
	if (n > len)
		n = len;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

struct outcome {
	int code;
	int status;
	size_t body_len;
	struct moat_buf body;   /* only for the whole run */
};

/* What a successful head must look like, whatever the input. */
static void check_head(const struct moat_http_response *resp)
{
	struct moat_slice v;

	if (resp->status < 200 || resp->status > 599 || (resp->chunked && resp->has_length) ||
	    resp->nheaders > MOAT_HTTP_MAX_HEADERS)
		abort();
	if (moat_http_response_header(resp, "content-type", &v) && v.len > MOAT_HTTP_MAX_LINE)
		abort();
}

/* Run the input with mode; with ref, every byte read must match ref's body. */
static void run(const uint8_t *data, size_t size, uint8_t mode, const struct outcome *ref,
		struct outcome *out)
{
	static const size_t caps[8] = { 0, 1, 2, 3, 7, 64, 511, 4096 };
	struct cut_src src = { data, size, 0, mode, mode * 2654435761u };
	struct moat_http_rx rx;
	struct moat_reader body;
	uint8_t chunk[1024];
	ssize_t n = 0;

	memset(out, 0, sizeof(*out));
	moat_buf_init(&out->body, 0);
	if (moat_http_rx_init(&rx, (struct moat_reader){ cut_read, &src }, caps[MODE_CAP(mode)]))
		abort();
	out->code = moat_http_rx_head(&rx, NULL);
	if (out->code == 0) {
		out->status = rx.resp.status;
		check_head(&rx.resp);
		body = moat_http_rx_body(&rx);
		do {
			size_t want = MODE_CUT(mode) ? 1 + rng_next(&src.rng) % sizeof(chunk)
						     : sizeof(chunk);
			bool skip = ref && (mode & MODE_SKIPS) && rng_next(&src.rng) % 4 == 0;

			n = skip ? body.skip(body.ctx, want, NULL) : moat_read(&body, chunk, want, NULL);
			if (n > (ssize_t)want)
				abort();
			if (n > 0 && !skip && ref &&
			    (out->body_len + (size_t)n > ref->body_len ||
			     memcmp(ref->body.data + out->body_len, chunk, (size_t)n) != 0))
				abort();
			if (n > 0 && !ref && moat_buf_append(&out->body, chunk, (size_t)n) < 0)
				abort();
			if (n > 0)
				out->body_len += (size_t)n;
		} while (n > 0);
		out->code = (int)n;
		/* Errors stick and the end stays the end. */
		if (moat_read(&body, chunk, sizeof(chunk), NULL) != n)
			abort();
	}
	moat_http_rx_release(&rx);
}

static void run_fail(const uint8_t *data, size_t size)
{
	struct cut_src src = { data, size, 0, 0, 0 };
	struct moat_error err;
	struct moat_http_rx rx;
	int r;

	if (moat_http_rx_init(&rx, (struct moat_reader){ cut_read, &src }, 0))
		abort();
	if (moat_http_rx_head(&rx, NULL) == 0 && rx.resp.status >= 300) {
		r = moat_http_rx_fail(&rx, "fuzz", &err);
		if (r != (rx.resp.status == 404 ? MOAT_E_NOTFOUND : MOAT_E_RUNTIME) ||
		    strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg))
			abort();
		/* The peer's text may not put control bytes into messages. */
		for (const char *p = err.msg; *p; p++)
			if ((uint8_t)*p < 0x20 || *p == 0x7f)
				abort();
	}
	moat_http_rx_release(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole;
	struct outcome cut;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	run(data + 1, size - 1, 0, NULL, &whole);
	run(data + 1, size - 1, data[0], &whole, &cut);
	if (whole.code != cut.code || whole.status != cut.status || whole.body_len != cut.body_len)
		abort();
	moat_buf_release(&whole.body);
	moat_buf_release(&cut.body);
	run_fail(data + 1, size - 1);
	return 0;
}
