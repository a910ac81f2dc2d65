/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-tcp.h - the strict HTTP/1.1 client of http.h over TCP, for http://
 * URLs: DB mirrors and loopback OCI registries.
 *
 * One request per connection (Connection: close), the response head parsed
 * and the body framed by http.c/http-body.c. Redirects (301, 302, 303, 307,
 * 308) are followed for GET and HEAD, at most MOAT_HTTP_MAX_REDIRECTS times,
 * and only to http:// URLs or paths on the same server.
 *
 * NEEDSWORK: https:// is MOAT_E_UNSUPPORTED; TLS comes with the registry client.
 */
#ifndef MOAT_RUNTIME_HTTP_TCP_H
#define MOAT_RUNTIME_HTTP_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/slice.h"
#include "runtime/http.h"

struct moat_error;

#define MOAT_HTTP_MAX_REDIRECTS 5
/* A URL we accept: scheme, authority and target together. */
#define MOAT_HTTP_MAX_URL 4096u
/* Host names are at most 253 bytes (RFC 1035); brackets for IPv6. */
#define MOAT_HTTP_MAX_HOST 256u
/* Connect and idle-read timeout unless the request says otherwise. */
#define MOAT_HTTP_TCP_TIMEOUT_SEC 60

/* An http:// URL split up. All fields NUL-terminated. */
struct moat_http_url {
	char host[MOAT_HTTP_MAX_HOST];  /* without brackets */
	char port[8];                   /* "80" when absent */
	char authority[MOAT_HTTP_MAX_HOST + 10];  /* Host header: as written */
	char target[MOAT_HTTP_MAX_URL]; /* path and query, "/" when absent */
};

/* Parse "http://host[:port][/path][?query]". https and other schemes are
 * MOAT_E_UNSUPPORTED, anything else malformed MOAT_E_USAGE. Fragments are
 * dropped; userinfo is refused. */
int moat_http_url_parse(const char *url, struct moat_http_url *out, struct moat_error *err);

struct moat_http_request {
	const char *method;             /* "GET", "HEAD", "PUT", "POST", ... */
	const char *url;                /* absolute http:// URL */
	const char *const *headers;     /* extra "Name: value" lines, NULL-terminated, or NULL */
	const char *content_type;       /* with body */
	const void *body;               /* sent as is with Content-Length, or NULL */
	uint64_t body_len;
	int timeout_sec;                /* 0 = MOAT_HTTP_TCP_TIMEOUT_SEC */
};

/* One exchange. Caller-embedded: zero it, then moat_http_tcp_send(), read
 * the body from rx, and moat_http_tcp_close(). */
struct moat_http_tcp {
	int fd;                         /* valid while connected */
	bool connected;
	bool rx_live;
	struct moat_http_rx rx;         /* the response (after send returned 0) */
	char url[MOAT_HTTP_MAX_URL];    /* the URL that answered (after redirects) */
	int redirects;
};

/*
 * Connect, send the request, read the response head; follow redirects for
 * GET and HEAD. On 0 the response of any status is in t->rx (its body via
 * moat_http_rx_body()). Errors: -errno for connect/IO (-ECONNREFUSED,
 * -ETIMEDOUT), MOAT_E_LIMIT past MOAT_HTTP_MAX_REDIRECTS, MOAT_E_FORMAT for
 * a bad response, MOAT_E_UNSUPPORTED for a redirect to https. Messages name
 * the URL.
 */
int moat_http_tcp_send(struct moat_http_tcp *t, const struct moat_http_request *req,
		       struct moat_error *err);
/* Drop the response and the connection. Safe on a zeroed or closed struct. */
void moat_http_tcp_close(struct moat_http_tcp *t);

#endif
