/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server.c - moat_server over libmicrohttpd. We create the listening socket
 * ourselves (unix or TCP) and hand it over with MHD_OPTION_LISTEN_SOCKET, so
 * both kinds go through one code path; TLS is MHD's (GnuTLS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/file.h"
#include "moat/error.h"
#include "server.h"

#define SERVER_MAX_BODY_DEFAULT (4u << 20)
#define SERVER_TLS_MAX (1u << 20)

struct moat_server {
	struct MHD_Daemon *mhd;
	struct moat_server_opts opts;
	char *unix_path;                /* to unlink at close */
	struct moat_buf cert, key;      /* NUL-terminated PEM, alive while MHD runs */
	int fd;
	unsigned port;
};

/* Per-request state, from the first call of the access handler to completion. */
/* Longest message of an early refusal (moat_server_head_fn). */
#define SERVER_HEAD_MSG 256

struct conn {
	struct moat_buf body;
	bool too_big;
	int refuse;                     /* status from the head check, or 0 */
	char msg[SERVER_HEAD_MSG];
};

/* MHD copies data (MUST_COPY) but its prototype takes a non-const pointer. */
static enum MHD_Result send_resp(struct MHD_Connection *c, int status, const char *type,
				 void *data, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, data,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

const char *moat_server_req_header(const struct moat_server_req *req, const char *name)
{
	return req->conn ? MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name) : NULL;
}

const char *moat_server_req_arg(const struct moat_server_req *req, const char *name)
{
	return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name) :
			   NULL;
}

const char *moat_server_req_cookie(const struct moat_server_req *req, const char *name)
{
	return req->conn ? MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name) : NULL;
}

int moat_server_resp_header(struct moat_server_resp *resp, const char *name, const char *value)
{
	size_t i = resp->n_headers;

	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return MOAT_E_USAGE;
	if (i >= MOAT_SERVER_RESP_HEADERS)
		return MOAT_E_LIMIT;
	resp->headers[i][0] = strdup(name);
	resp->headers[i][1] = strdup(value);
	if (!resp->headers[i][0] || !resp->headers[i][1]) {
		free(resp->headers[i][0]);
		free(resp->headers[i][1]);
		return -ENOMEM;
	}
	resp->n_headers++;
	return 0;
}

static void resp_release(struct moat_server_resp *resp)
{
	for (size_t i = 0; i < resp->n_headers; i++) {
		free(resp->headers[i][0]);
		free(resp->headers[i][1]);
	}
	if (resp->file_fd >= 0)
		close(resp->file_fd);
	moat_buf_release(&resp->body);
}

/* The handler's whole answer: body or file, content type, extra headers. */
static enum MHD_Result send_full(struct MHD_Connection *c, struct moat_server_resp *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (resp->file_fd >= 0) {
		r = MHD_create_response_from_fd64(resp->file_size, resp->file_fd);
		if (r)
			resp->file_fd = -1; /* MHD closes it */
	} else {
		r = MHD_create_response_from_buffer(resp->body.len, resp->body.data,
						    MHD_RESPMEM_MUST_COPY);
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	for (size_t i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	ret = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static void peer_name(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, len, "unix");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)len);
}

/* The opts.head hook on a request's head; the message is kept JSON-safe. */
static void head_check(struct moat_server *s, struct MHD_Connection *c, const char *url,
		       const char *method, struct conn *cn)
{
	size_t max = s->opts.max_body;
	struct moat_server_req req = {
		.method = method,
		.path = url,
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_TYPE),
		.tls = s->cert.data != NULL,
		.conn = c,
	};

	if (s->opts.head) {
		peer_name(c, req.peer, sizeof(req.peer));
		cn->refuse = s->opts.head(s->opts.ctx, &req, &max, cn->msg, sizeof(cn->msg));
		for (char *p = cn->msg; *p; p++)
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				*p = '\'';
	}
	moat_buf_init(&cn->body, max < s->opts.max_body ? max : s->opts.max_body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	struct moat_server *s = cls;
	struct conn *cn = *con_cls;
	struct moat_server_req req;
	struct moat_server_resp resp;
	enum MHD_Result ret;

	(void)version;
	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		*con_cls = cn;
		head_check(s, c, url, method, cn);
		return MHD_YES;
	}
	if (*upload_size) {
		if (!cn->refuse && !cn->too_big &&
		    moat_buf_append(&cn->body, upload, *upload_size) < 0)
			cn->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->refuse) {
		struct moat_buf b;

		moat_buf_init(&b, 0);
		moat_buf_append_str(&b, "{\"error\":\"");
		moat_buf_append_str(&b, cn->msg);
		moat_buf_append_str(&b, "\"}");
		ret = send_resp(c, cn->refuse, "application/json", b.data, b.len);
		moat_buf_release(&b);
		return ret;
	}
	if (cn->too_big) {
		static char msg[] = "{\"error\":\"request body too large\"}";

		return send_resp(c, 413, "application/json", msg, sizeof(msg) - 1);
	}
	req = (struct moat_server_req){
		.method = method,
		.path = url,
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_CONTENT_TYPE),
		.body = cn->body.data,
		.body_len = cn->body.len,
		.tls = s->cert.data != NULL,
		.conn = c,
	};
	peer_name(c, req.peer, sizeof(req.peer));
	resp = (struct moat_server_resp){ .status = 200, .content_type = "application/json",
					  .file_fd = -1 };
	moat_buf_init(&resp.body, 0);
	s->opts.handler(s->opts.ctx, &req, &resp);
	ret = send_full(c, &resp);
	resp_release(&resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!cn)
		return;
	moat_buf_release(&cn->body);
	free(cn);
	*con_cls = NULL;
}

/* libmicrohttpd reports through this; a library does not print. */
static void quiet_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	(void)fmt;
	(void)ap;
}

static int listen_unix(struct moat_server *s, const char *path, struct moat_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	char dir[sizeof(sa.sun_path)];
	char *slash;

	if (strlen(path) >= sizeof(sa.sun_path))
		return moat_error_set(err, MOAT_E_USAGE, "%s: socket path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return moat_error_set(err, -errno, "%s: cannot create: %s", dir,
					      strerror(errno));
	}
	/* A socket left by a previous run is replaced; anything else is not ours. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return moat_error_set(err, MOAT_E_USAGE, "%s exists and is not a socket",
					      path);
		unlink(path);
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return moat_error_set(err, -errno, "socket: %s", strerror(errno));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
	    listen(s->fd, 128) < 0)
		return moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
	s->unix_path = strdup(path);
	return s->unix_path ? 0 : -ENOMEM;
}

static int listen_tcp(struct moat_server *s, const char *addr, struct moat_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST };
	struct addrinfo *ai = NULL;
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	char host[256];
	const char *colon = strrchr(addr, ':');
	int one = 1;
	int r;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return moat_error_set(err, MOAT_E_USAGE, "--listen %s: want HOST:PORT", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	if (host[0] == '[' && strlen(host) > 2 && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	r = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (r)
		return moat_error_set(err, MOAT_E_USAGE, "--listen %s: %s", addr, gai_strerror(r));
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s->fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(s->fd, 128) < 0) {
		r = moat_error_set(err, -errno, "--listen %s: %s", addr, strerror(errno));
		freeaddrinfo(ai);
		return r;
	}
	freeaddrinfo(ai);
	if (getsockname(s->fd, (struct sockaddr *)&bound, &blen) == 0)
		s->port = ntohs(bound.ss_family == AF_INET6 ?
				((struct sockaddr_in6 *)&bound)->sin6_port :
				((struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

static int load_pem(const char *path, struct moat_buf *out, struct moat_error *err)
{
	int r = moat_read_file(path, SERVER_TLS_MAX, out, err);

	if (r < 0)
		return r;
	return moat_buf_putc(out, '\0') < 0 ? -ENOMEM : 0;
}

static int start(struct moat_server *s, struct moat_error *err)
{
	const struct moat_server_opts *o = &s->opts;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL } };

	if (s->cert.data) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
			return moat_error_set(err, MOAT_E_UNSUPPORTED, "libmicrohttpd was built "
					      "without TLS");
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert.data };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, s->key.data };
	}
	s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				  MHD_OPTION_LISTEN_SOCKET, s->fd,
				  MHD_OPTION_THREAD_POOL_SIZE, o->threads,
				  MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_sec,
				  MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
				  MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
				  MHD_OPTION_EXTERNAL_LOGGER, quiet_log, NULL,
				  MHD_OPTION_ARRAY, tls,
				  MHD_OPTION_END);
	if (!s->mhd)
		return moat_error_set(err, MOAT_E_RUNTIME, "cannot start the HTTP server%s",
				      s->cert.data ? " (check the TLS certificate and key)" : "");
	s->fd = -1; /* MHD owns it now */
	return 0;
}

int moat_server_open(const struct moat_server_opts *opts, struct moat_server **ret,
		     struct moat_error *err)
{
	struct moat_server *s;
	int r;

	if (!opts->handler || !!opts->unix_path == !!opts->listen)
		return moat_error_set(err, MOAT_E_USAGE, "server: want a handler and one of a unix "
				      "socket or a TCP address");
	if (opts->listen && !opts->allow_plain_tcp && (!opts->tls_cert || !opts->tls_key))
		return moat_error_set(err, MOAT_E_USAGE, "--listen %s needs --tls-cert and "
				      "--tls-key", opts->listen);
	s = calloc(1, sizeof(*s));
	if (!s)
		return moat_error_set(err, -ENOMEM, "out of memory");
	s->fd = -1;
	s->opts = *opts;
	s->opts.max_body = opts->max_body ? opts->max_body : SERVER_MAX_BODY_DEFAULT;
	s->opts.threads = opts->threads ? opts->threads : 4;
	s->opts.timeout_sec = opts->timeout_sec ? opts->timeout_sec : 30;
	s->opts.max_connections = opts->max_connections ? opts->max_connections : 256;
	moat_buf_init(&s->cert, 0);
	moat_buf_init(&s->key, 0);
	if (opts->tls_cert && opts->tls_key &&
	    ((r = load_pem(opts->tls_cert, &s->cert, err)) < 0 ||
	     (r = load_pem(opts->tls_key, &s->key, err)) < 0))
		goto fail;
	r = opts->unix_path ? listen_unix(s, opts->unix_path, err) : listen_tcp(s, opts->listen, err);
	if (r < 0 || (r = start(s, err)) < 0)
		goto fail;
	*ret = s;
	return 0;
fail:
	moat_server_close(s);
	return r;
}

void moat_server_close(struct moat_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->fd >= 0)
		close(s->fd);
	if (s->unix_path)
		unlink(s->unix_path);
	free(s->unix_path);
	/* the key is secret: clear it before it goes back to the allocator */
	if (s->key.data)
		memset(s->key.data, 0, s->key.len);
	moat_buf_release(&s->key);
	moat_buf_release(&s->cert);
	free(s);
}

unsigned moat_server_port(const struct moat_server *s)
{
	return s->port;
}
