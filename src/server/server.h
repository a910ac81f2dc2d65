/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.h - one small HTTP server for moat's daemons (Docker authz plugin,
 * admission webhook, later the console): libmicrohttpd underneath, on a
 * unix socket or on TCP with TLS (GnuTLS through libmicrohttpd), a thread
 * pool, and bounded requests. Handlers see a whole request (body read up to
 * max_body) and fill a whole response; they run on pool threads, so they
 * must be thread-safe.
 */
#ifndef MOAT_SERVER_H
#define MOAT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct moat_error;
struct moat_server;

/* Longest textual client address (IPv6 with scope) plus NUL. */
#define MOAT_SERVER_PEER_MAX 64

struct moat_server_req {
	const char *method;             /* "GET", "POST", ... */
	const char *path;               /* URL path without the query (percent-decoded by MHD) */
	const char *content_type;       /* NULL when absent */
	const uint8_t *body;            /* not NUL-terminated; may be NULL when empty */
	size_t body_len;
	char peer[MOAT_SERVER_PEER_MAX]; /* client address ("127.0.0.1", "::1"; "unix" on a socket) */
	bool tls;                       /* arrived over TLS */
	void *conn;                     /* private to server.c: for the accessors below */
};

/* Values below live as long as the request; NULL when absent. Names are
 * ASCII case-insensitive for headers, exact for query arguments and cookies. */
const char *moat_server_req_header(const struct moat_server_req *req, const char *name);
/* One query-string argument, percent-decoded (the first when repeated). */
const char *moat_server_req_arg(const struct moat_server_req *req, const char *name);
/* One cookie from the Cookie header. */
const char *moat_server_req_cookie(const struct moat_server_req *req, const char *name);

/* Extra response headers a handler may add (Set-Cookie, Location, ...). */
#define MOAT_SERVER_RESP_HEADERS 8

struct moat_server_resp {
	int status;                     /* default 200 */
	const char *content_type;       /* static string; default application/json */
	struct moat_buf body;           /* initialised empty by the server */
	int file_fd;                    /* -1; else the body is this file (the server closes it) */
	uint64_t file_size;             /* with file_fd */
	size_t n_headers;
	char *headers[MOAT_SERVER_RESP_HEADERS][2]; /* name, value: heap, freed by the server */
};

/* Add a response header (copied). 0, -ENOMEM, or MOAT_E_LIMIT past
 * MOAT_SERVER_RESP_HEADERS. Names and values must not hold CR or LF
 * (MOAT_E_USAGE). */
int moat_server_resp_header(struct moat_server_resp *resp, const char *name, const char *value);

typedef void (*moat_server_handler_fn)(void *ctx, const struct moat_server_req *req,
				       struct moat_server_resp *resp);
/*
 * Optional: called once a request's head is in, before its body is read
 * (req->body is NULL). Return 0 to go on (and may lower *max_body for this
 * request), or an HTTP status to answer at once with {"error": msg}: the
 * body is then read and thrown away, never buffered. So a server can refuse
 * big bodies from clients without credentials before holding them in memory.
 */
typedef int (*moat_server_head_fn)(void *ctx, const struct moat_server_req *req,
				   size_t *max_body, char *msg, size_t msg_len);

struct moat_server_opts {
	const char *unix_path;          /* listen on this unix socket (parent made, stale socket replaced) */
	const char *listen;             /* or "HOST:PORT" / ":PORT" on TCP */
	const char *tls_cert;           /* PEM files; required with listen */
	const char *tls_key;
	bool allow_plain_tcp;           /* TCP without TLS (tests and benches on loopback only) */
	size_t max_body;                /* 0 = 4 MiB */
	unsigned threads;               /* 0 = 4 */
	unsigned timeout_sec;           /* idle connection timeout; 0 = 30 */
	unsigned max_connections;       /* 0 = 256 */
	moat_server_handler_fn handler;
	moat_server_head_fn head;       /* may be NULL */
	void *ctx;
};

/* Start serving. On success *ret_server is running on its own threads. */
int moat_server_open(const struct moat_server_opts *opts, struct moat_server **ret_server,
		     struct moat_error *err);
/* Stop accepting, finish in-flight requests, free. NULL is a no-op. Removes
 * the unix socket it created. */
void moat_server_close(struct moat_server *server);
/* The TCP port actually bound (for ":0"), or 0 on a unix socket. */
unsigned moat_server_port(const struct moat_server *server);

#endif
