/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-tcp.c - TCP transport and redirects for the HTTP/1.1 client.
 *
 * The request line and standard headers come from moat_http_format_request()
 * (so they are validated the same way as for the engine socket); extra
 * headers are appended after the same checks. Bodies are written straight
 * from the caller's memory, never copied into the request buffer.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "moat/error.h"
#include "http-tcp.h"

#define HTTP_SCHEME "http://"

static bool url_byte_ok(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

int moat_http_url_parse(const char *url, struct moat_http_url *out, struct moat_error *err)
{
	const char *auth;
	size_t alen;
	size_t tlen;
	const char *colon;

	if (!url || strlen(url) >= MOAT_HTTP_MAX_URL)
		return moat_error_set(err, MOAT_E_USAGE, "bad URL (empty or over %u bytes)",
				      MOAT_HTTP_MAX_URL);
	if (!strncasecmp(url, "https://", 8))
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: https is not supported yet, "
				      "use an http:// mirror", url);
	if (strncasecmp(url, HTTP_SCHEME, strlen(HTTP_SCHEME)) != 0)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: only http:// URLs are supported",
				      url);
	for (const char *p = url; *p; p++)
		if (!url_byte_ok((uint8_t)*p))
			return moat_error_set(err, MOAT_E_USAGE, "%s: space or control byte in URL",
					      url);
	auth = url + strlen(HTTP_SCHEME);
	alen = strcspn(auth, "/?#");
	if (alen == 0 || alen >= MOAT_HTTP_MAX_HOST || memchr(auth, '@', alen))
		return moat_error_set(err, MOAT_E_USAGE, "%s: bad host", url);
	memcpy(out->authority, auth, alen);
	out->authority[alen] = '\0';
	/* [v6]:port or host:port */
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);

		if (!close)
			return moat_error_set(err, MOAT_E_USAGE, "%s: bad IPv6 host", url);
		snprintf(out->host, sizeof(out->host), "%.*s", (int)(close - auth - 1), auth + 1);
		colon = close + 1 < auth + alen && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = memchr(auth, ':', alen);
		snprintf(out->host, sizeof(out->host), "%.*s",
			 (int)(colon ? (size_t)(colon - auth) : alen), auth);
	}
	if (colon) {
		size_t plen = alen - (size_t)(colon + 1 - auth);

		uint64_t port = 0;

		if (plen == 0 || plen > 5 || strspn(colon + 1, "0123456789") < plen ||
		    !moat_slice_to_u64(moat_slice_make(colon + 1, plen), &port) || port == 0 ||
		    port > 65535)
			return moat_error_set(err, MOAT_E_USAGE, "%s: bad port", url);
		snprintf(out->port, sizeof(out->port), "%u", (unsigned)port);
	} else {
		snprintf(out->port, sizeof(out->port), "80");
	}
	if (!out->host[0])
		return moat_error_set(err, MOAT_E_USAGE, "%s: bad host", url);
	tlen = strcspn(auth + alen, "#");
	snprintf(out->target, sizeof(out->target), "%s%.*s", auth[alen] == '/' ? "" : "/",
		 (int)tlen, auth + alen);
	return 0;
}

void moat_http_tcp_close(struct moat_http_tcp *t)
{
	if (t->rx_live)
		moat_http_rx_release(&t->rx);
	t->rx_live = false;
	if (t->connected)
		close(t->fd);
	t->connected = false;
}

static ssize_t tcp_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct moat_http_tcp *t = ctx;
	ssize_t n;

	do {
		n = recv(t->fd, buf, len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return moat_error_set(err, -ETIMEDOUT, "%s: no data (timed out)", t->url);
	if (n < 0)
		return moat_error_set(err, -errno, "%s: read: %s", t->url, strerror(errno));
	return n;
}

static int tcp_write(struct moat_http_tcp *t, const void *data, uint64_t len,
		     struct moat_error *err)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = send(t->fd, p, len > (1u << 30) ? (1u << 30) : (size_t)len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return moat_error_set(err, -ETIMEDOUT, "%s: write timed out", t->url);
		if (n < 0)
			return moat_error_set(err, -errno, "%s: write: %s", t->url, strerror(errno));
		p += n;
		len -= (uint64_t)n;
	}
	return 0;
}

/* Try each address; SO_SNDTIMEO also bounds connect() on Linux. */
static int tcp_connect(struct moat_http_tcp *t, const struct moat_http_url *u, int timeout_sec,
		       struct moat_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct timeval tv = { .tv_sec = timeout_sec };
	struct addrinfo *res = NULL;
	int r = getaddrinfo(u->host, u->port, &hints, &res);

	if (r != 0)
		return moat_error_set(err, -EHOSTUNREACH, "%s: cannot resolve %s: %s", t->url,
				      u->host, gai_strerror(r));
	r = -ECONNREFUSED;
	for (struct addrinfo *ai = res; ai && r < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

		if (fd < 0) {
			r = -errno;
			continue;
		}
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
		    connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			r = errno == EINPROGRESS || errno == EAGAIN ? -ETIMEDOUT : -errno;
			close(fd);
			continue;
		}
		t->fd = fd;
		t->connected = true;
		r = 0;
	}
	freeaddrinfo(res);
	if (r < 0)
		return moat_error_set(err, r, "%s: connect: %s", t->url, strerror(-r));
	return 0;
}

/* Request head: the validated standard part, then extra headers. */
static int format_head(struct moat_buf *out, const struct moat_http_request *req,
		       const struct moat_http_url *u, struct moat_error *err)
{
	int r = moat_http_format_request(out, req->method, u->target, u->authority, NULL, NULL,
					 err);

	if (r < 0)
		return r;
	out->len -= 2; /* reopen the head: drop the blank line */
	for (size_t i = 0; req->headers && req->headers[i] && r == 0; i++) {
		const char *h = req->headers[i];

		for (const char *p = h; *p; p++)
			if ((uint8_t)*p < 0x20 || (uint8_t)*p == 0x7f)
				return moat_error_set(err, MOAT_E_USAGE, "http: bad header");
		r = moat_buf_appendf(out, "%s\r\n", h);
	}
	if (r == 0 && req->content_type)
		r = moat_buf_appendf(out, "Content-Type: %s\r\n", req->content_type);
	if (r == 0 && (req->body || (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)))
		r = moat_buf_appendf(out, "Content-Length: %llu\r\n",
				     (unsigned long long)req->body_len);
	if (r == 0)
		r = moat_buf_append(out, "\r\n", 2);
	return r < 0 ? moat_error_set(err, r, "http: request does not fit") : 0;
}

static int exchange(struct moat_http_tcp *t, const struct moat_http_request *req,
		    struct moat_error *err)
{
	struct moat_http_url u;
	struct moat_buf head;
	int timeout = req->timeout_sec ? req->timeout_sec : MOAT_HTTP_TCP_TIMEOUT_SEC;
	int r = moat_http_url_parse(t->url, &u, err);

	if (r < 0)
		return r;
	moat_buf_init(&head, MOAT_HTTP_MAX_URL * 2 + MOAT_HTTP_MAX_HEADER_BYTES);
	r = format_head(&head, req, &u, err);
	r = r ? r : tcp_connect(t, &u, timeout, err);
	r = r ? r : tcp_write(t, head.data, head.len, err);
	if (r == 0 && req->body && req->body_len)
		r = tcp_write(t, req->body, req->body_len, err);
	moat_buf_release(&head);
	if (r == 0 && moat_http_rx_init(&t->rx, (struct moat_reader){ tcp_read, t, NULL }, 0) < 0)
		r = moat_error_set(err, -ENOMEM, "out of memory");
	if (r == 0) {
		t->rx_live = true;
		r = moat_http_rx_head(&t->rx, err);
		if (r < 0)
			moat_error_prefix(err, "%s: ", t->url);
	}
	return r;
}

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Location (absolute http URL or absolute path) -> t->url. */
static int follow(struct moat_http_tcp *t, struct moat_error *err)
{
	struct moat_http_url u;
	struct moat_slice loc;
	char next[MOAT_HTTP_MAX_URL];

	if (!moat_http_response_header(&t->rx.resp, "location", &loc) || loc.len == 0 ||
	    loc.len >= sizeof(next))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: redirect without a usable Location",
				      t->url);
	if (loc.ptr[0] == '/' && (loc.len < 2 || loc.ptr[1] != '/')) {
		if (moat_http_url_parse(t->url, &u, err) < 0)
			return err ? err->code : MOAT_E_USAGE;
		if ((size_t)snprintf(next, sizeof(next), "http://%s%.*s", u.authority, (int)loc.len,
				     (const char *)loc.ptr) >= sizeof(next))
			return moat_error_set(err, MOAT_E_LIMIT, "%s: redirect URL too long", t->url);
	} else {
		snprintf(next, sizeof(next), "%.*s", (int)loc.len, (const char *)loc.ptr);
	}
	if (moat_http_url_parse(next, &u, err) < 0)
		return moat_error_prefix(err, "%s: redirect: ", t->url);
	memcpy(t->url, next, sizeof(next));
	return 0;
}

int moat_http_tcp_send(struct moat_http_tcp *t, const struct moat_http_request *req,
		       struct moat_error *err)
{
	bool may_follow = !strcmp(req->method, "GET") || !strcmp(req->method, "HEAD");
	int r;

	moat_http_tcp_close(t);
	t->redirects = 0;
	if (!req->url || strlen(req->url) >= sizeof(t->url))
		return moat_error_set(err, MOAT_E_USAGE, "http: URL missing or too long");
	snprintf(t->url, sizeof(t->url), "%s", req->url);
	for (;;) {
		r = exchange(t, req, err);
		if (r < 0 || !may_follow || !is_redirect(t->rx.resp.status))
			break;
		if (++t->redirects > MOAT_HTTP_MAX_REDIRECTS) {
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: more than %d redirects", req->url,
					   MOAT_HTTP_MAX_REDIRECTS);
			break;
		}
		r = follow(t, err);
		moat_http_tcp_close(t);
		if (r < 0)
			break;
	}
	if (r < 0)
		moat_http_tcp_close(t);
	return r;
}
