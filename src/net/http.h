/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h - moat's one HTTP client, over libcurl.
 *
 * Every HTTP use goes through here: the container engine's unix socket, the
 * vulnerability DB mirrors and OCI registries. A client (struct moat_http)
 * owns one libcurl multi handle, so connections, TLS sessions and DNS answers
 * are reused from one request to the next (keep-alive). A response is a
 * pull stream: moat_http_send() returns once the final response head has
 * arrived, and the body is read through a struct moat_reader, so a layer
 * blob flows into the scan without being stored.
 *
 * Limits are libcurl options and callbacks: the response head is bounded in
 * bytes, lines and fields (MOAT_HTTP_MAX_*), connects and idle reads time
 * out, redirects are bounded and only to http(s). TLS verifies against the
 * system CA store or opts.cacert; proxies come from the environment
 * (http_proxy, https_proxy, no_proxy) as libcurl reads them. HTTP/2 is used
 * over TLS when the server offers it.
 *
 * A client is not thread-safe: one per thread.
 */
#ifndef MOAT_NET_HTTP_H
#define MOAT_NET_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/reader.h"
#include "base/slice.h"

struct moat_error;
struct moat_http;
struct moat_http_resp;

/* Status line plus all header lines of one response. */
#define MOAT_HTTP_MAX_HEADER_BYTES (64u << 10)
/* Header fields in one response head. */
#define MOAT_HTTP_MAX_HEADERS 100u
/* One header line, CRLF included. */
#define MOAT_HTTP_MAX_LINE (8u << 10)
/* Body of an error response read for its message. */
#define MOAT_HTTP_MAX_ERROR_BODY (16u << 10)
#define MOAT_HTTP_MAX_REDIRECTS 5
/* Longest URL accepted. */
#define MOAT_HTTP_MAX_URL 4096u
/* Connect and idle-read timeout unless the client or request says otherwise. */
#define MOAT_HTTP_TIMEOUT_SEC 60

struct moat_http_opts {
	const char *unix_socket;        /* talk to this socket whatever the URL's host */
	const char *cacert;             /* PEM CA bundle instead of the system store */
	bool insecure_tls;              /* do not verify the server's certificate */
	int timeout_sec;                /* connect and idle read; 0 = MOAT_HTTP_TIMEOUT_SEC */
};

/* The options are copied. Returns 0, -ENOMEM or MOAT_E_INTERNAL (libcurl). */
int moat_http_open(const struct moat_http_opts *opts, struct moat_http **ret_http,
		   struct moat_error *err);
/* Frees the client; every response must be closed first. NULL is a no-op. */
void moat_http_close(struct moat_http *http);

struct moat_http_req {
	const char *method;             /* NULL = "GET"; "HEAD" sends no body back */
	const char *url;                /* absolute http:// or https:// URL */
	const char *const *headers;     /* extra "Name: value" lines, NULL-terminated */
	const char *content_type;       /* with body */
	const void *body;               /* sent as is with Content-Length, or NULL */
	uint64_t body_len;
	int timeout_sec;                /* idle timeout; 0 = the client's */
	long total_ms;                  /* > 0: the whole transfer, connect to the body's
					 * last byte, or -ETIMEDOUT (a caller's budget) */
	bool follow;                    /* follow redirects (GET/HEAD), at most MOAT_HTTP_MAX_REDIRECTS */
};

/*
 * Send the request and wait for the final response head (any status).
 * Errors: -ECONNREFUSED, -ENOENT (no such unix socket), -EHOSTUNREACH (name
 * not resolved), -ETIMEDOUT, MOAT_E_VERIFY (TLS verification failed),
 * MOAT_E_LIMIT (head or redirect bounds), MOAT_E_FORMAT (not HTTP); the
 * message names the URL.
 */
int moat_http_send(struct moat_http *http, const struct moat_http_req *req,
		   struct moat_http_resp **ret_resp, struct moat_error *err);
/*
 * Start the request without waiting, for a long-lived stream read from an
 * event loop (the engine's /events): the connect timeout applies, the idle
 * timeout does not. moat_http_resp_ready() then drives the transfer without
 * blocking, and the body reader (moat_http_resp_body) of such a response
 * never waits either: a read returns what has arrived, -EAGAIN when nothing
 * has, 0 at the end. libcurl stops reading from the peer while 256 KiB are
 * buffered and unread, so a stalled consumer holds a bounded amount.
 * Errors as for moat_http_send, for a request libcurl refuses at once.
 */
int moat_http_start(struct moat_http *http, const struct moat_http_req *req,
		    struct moat_http_resp **ret_resp, struct moat_error *err);
/* Without blocking: 1 once the final head is in (status and headers may be
 * read), 0 not yet, or the transfer's error as for moat_http_send. */
int moat_http_resp_ready(struct moat_http_resp *resp, struct moat_error *err);
/* The connection's socket, for poll(2) (POLLIN), or -1 before it exists. */
int moat_http_resp_fd(const struct moat_http_resp *resp);

/* Abort the transfer if unfinished and free. NULL is a no-op. */
void moat_http_resp_close(struct moat_http_resp *resp);

/* The status code of the final response (after redirects). */
int moat_http_resp_status(const struct moat_http_resp *resp);
/* The URL that answered (after redirects). Owned by resp. */
const char *moat_http_resp_url(const struct moat_http_resp *resp);
/* Value of the nth (0-based) header named `name` (ASCII case-insensitive),
 * OWS trimmed. The slice lives as long as resp. */
bool moat_http_resp_header(const struct moat_http_resp *resp, const char *name, unsigned nth,
			   struct moat_slice *ret_value);

/*
 * The body as a stream. Reads end with 0 at its end, MOAT_E_TRUNCATED when
 * the peer closed early, -ETIMEDOUT, or another transfer error. Valid while
 * resp is.
 */
struct moat_reader moat_http_resp_body(struct moat_http_resp *resp);
/* Append the whole body to out. MOAT_E_LIMIT past max bytes. */
int moat_http_resp_read_all(struct moat_http_resp *resp, struct moat_buf *out, size_t max,
			    struct moat_error *err);
/*
 * Turn a response with an unexpected status into an error: read at most
 * MOAT_HTTP_MAX_ERROR_BODY of its body and use its JSON "message" (the
 * Docker Engine's shape), "errors"[0].message (the distribution API's) or
 * "error" (moat's console), or its first text line. MOAT_E_NOTFOUND for
 * 404, else MOAT_E_RUNTIME; the message reads "<what>: HTTP <status>: <message>".
 */
int moat_http_resp_fail(struct moat_http_resp *resp, const char *what, struct moat_error *err);

/*
 * Append seg to out, percent-encoding every byte that is not unreserved
 * (RFC 3986: ALPHA DIGIT - . _ ~) and not in `keep` (e.g. "/:@" to leave a
 * path's separators as Go's url.URL does). Returns 0 or MOAT_E_LIMIT.
 */
int moat_http_escape(struct moat_buf *out, struct moat_slice seg, const char *keep);

#endif
