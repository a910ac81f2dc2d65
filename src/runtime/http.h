/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - a minimal, strict, bounded HTTP/1.1 client for local engine APIs.
 *
 * Just enough HTTP to talk to a container engine over its unix socket without
 * libcurl: write one request per connection, parse the response head with a
 * byte-at-a-time state machine whose state lives in struct moat_http_response
 * (so it resumes across partial reads, after nginx's ngx_http_parse.c), and
 * expose the body as a struct moat_reader that undoes Content-Length, chunked
 * or read-to-close framing. Anything the grammar (RFC 9112) does not allow is
 * rejected with MOAT_E_FORMAT, anything past a limit below with MOAT_E_LIMIT.
 *
 * Not supported, on purpose: keep-alive, 1xx interim responses, transfer
 * codings other than chunked, obs-fold, bare LF line endings.
 */
#ifndef MOAT_RUNTIME_HTTP_H
#define MOAT_RUNTIME_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/reader.h"
#include "base/slice.h"
#include "net/http.h"

struct moat_error;

/* The head, line and error-body bounds are the libcurl client's
 * (MOAT_HTTP_MAX_HEADER_BYTES, _HEADERS, _LINE, _ERROR_BODY in net/http.h):
 * one set of limits for every HTTP response moat reads. */
/* Largest single chunk we accept. Go writes chunks of at most a few KiB; the
 * bound only stops absurd sizes (and the overflow before them). */
#define MOAT_HTTP_MAX_CHUNK ((uint64_t)1 << 32)

/* A response head. The parser fills the public fields; the rest is its
 * resumable state. Names are stored lowercased, values with OWS trimmed. */
struct moat_http_header {
	uint32_t name_off;
	uint32_t name_len;
	uint32_t value_off;
	uint32_t value_len;
};

struct moat_http_response {
	/* Public once moat_http_response_parse() returned 1. */
	int status;                 /* 200..599 */
	int minor;                  /* HTTP/1.<minor>, 0 or 1 */
	bool chunked;               /* Transfer-Encoding: chunked */
	bool has_length;            /* Content-Length present */
	uint64_t length;            /* its value */
	unsigned nheaders;
	struct moat_http_header headers[MOAT_HTTP_MAX_HEADERS];
	struct moat_buf store;      /* name and value bytes of headers[] */

	/* Parser state (private). */
	int state;
	size_t head_bytes;          /* bytes of the head seen so far */
	size_t line_bytes;          /* bytes of the current line */
	unsigned idx;               /* position in "HTTP/1." or the status digits */
};

void moat_http_response_init(struct moat_http_response *resp);
void moat_http_response_release(struct moat_http_response *resp);

/*
 * Feed bytes of the response head. Consumes bytes one at a time and stops
 * right after the blank line, so *ret_used (always set) tells where the body
 * starts. Returns 1 when the head is complete and valid, 0 when it needs more
 * bytes (all of data was used), or a negative code (MOAT_E_FORMAT,
 * MOAT_E_LIMIT, MOAT_E_UNSUPPORTED) with details in *err; after an error the
 * response must be released.
 */
int moat_http_response_parse(struct moat_http_response *resp, const uint8_t *data, size_t len,
			     size_t *ret_used, struct moat_error *err);

/* Value of the first header named `name` (ASCII case-insensitive). Returns
 * false when absent. The slice points into resp and lives as long as it. */
bool moat_http_response_header(const struct moat_http_response *resp, const char *name,
			       struct moat_slice *ret_value);

/*
 * Receiving side of one exchange: a transport reader, a read-ahead buffer,
 * the parsed head and the body decoder. Caller-embedded; init/release.
 */
struct moat_http_rx {
	struct moat_http_response resp;
	struct moat_reader src;     /* transport, borrowed */
	uint8_t *buf;               /* read-ahead, owned */
	size_t cap;
	size_t pos;                 /* unread bytes are buf[pos, end) */
	size_t end;

	/* Body decoder state (private). */
	int mode;
	int cstate;                 /* chunk framing state */
	uint64_t remaining;         /* bytes left in the body or chunk */
	unsigned digits;            /* hex digits of the chunk size */
	size_t line_bytes;          /* of the chunk-size or trailer line */
	size_t trailer_bytes;
	unsigned ntrailers;
	int error;                  /* sticky failure code, 0 if none */
};

/* Read-ahead of cap bytes (0 = 64 KiB). Returns 0 or -ENOMEM. */
int moat_http_rx_init(struct moat_http_rx *rx, struct moat_reader src, size_t cap);
void moat_http_rx_release(struct moat_http_rx *rx);

/*
 * Read and parse the response head from the transport, then set up the body
 * decoder. Returns 0, MOAT_E_TRUNCATED when the peer closed before the end of
 * the head, a parse error, or the transport's error.
 */
int moat_http_rx_head(struct moat_http_rx *rx, struct moat_error *err);

/*
 * The body, without framing. Reads return MOAT_E_TRUNCATED if the peer
 * closes early, MOAT_E_FORMAT/MOAT_E_LIMIT on bad chunk framing; errors are
 * sticky, except -EAGAIN from a non-blocking transport, which is passed
 * through and leaves the decoder (and moat_http_rx_head) ready to resume.
 * The reader has a skip that steps over buffered bytes without copying
 * them. Valid while rx is. Only after moat_http_rx_head() succeeded (before
 * that, and for 204/304, the body is empty).
 */
struct moat_reader moat_http_rx_body(struct moat_http_rx *rx);

/* Read the whole body into out (appending). MOAT_E_LIMIT past max bytes. */
int moat_http_rx_read_all(struct moat_http_rx *rx, struct moat_buf *out, size_t max,
			  struct moat_error *err);

/*
 * Turn a non-2xx response into an error: read at most MOAT_HTTP_MAX_ERROR_BODY
 * of its body and use its JSON "message" (the Docker Engine's error shape) or
 * its first text line. Returns MOAT_E_NOTFOUND for 404, else MOAT_E_RUNTIME;
 * the message reads "<what>: <status>: <message>".
 */
int moat_http_rx_fail(struct moat_http_rx *rx, const char *what, struct moat_error *err);

/*
 * Append a complete request to out: "METHOD target HTTP/1.1", Host, a
 * Connection: close, and for a non-NULL body its Content-Type and
 * Content-Length. target must already be escaped: MOAT_E_USAGE if it holds
 * spaces or control bytes, or method is not a token.
 */
int moat_http_format_request(struct moat_buf *out, const char *method, const char *target,
			     const char *host, const char *content_type, struct moat_slice *body,
			     struct moat_error *err);

#endif
