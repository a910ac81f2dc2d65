/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - the HTTP client of http.h over libcurl's multi interface.
 *
 * libcurl pushes data into callbacks; the scan pipeline pulls. The two meet
 * in a small per-response buffer: the write callback fills it and pauses
 * the transfer (CURL_WRITEFUNC_PAUSE) when it is full, and a body read
 * drains it, unpauses, and drives curl_multi_perform/poll until more bytes
 * or the end arrive. A paused transfer is exempt from libcurl's low-speed
 * check, so a slow consumer never looks like a stalled server.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "moat-config.h"
#include "moat/error.h"
#include "http.h"

/* Body bytes buffered before the transfer is paused. */
#define RESP_BUF_SOFT (256u << 10)
#define POLL_MS 1000

struct moat_http {
	CURLM *multi;
	struct moat_http_opts opts;
	char *unix_socket;
	char *cacert;
};

struct moat_http_resp {
	struct moat_http *http;
	CURL *easy;
	struct curl_slist *hdrs;
	struct moat_buf head;           /* header lines of the current response */
	unsigned nheaders;
	int status;
	bool head_done;
	bool done;
	bool paused;
	bool follow;
	bool has_location;
	bool nonblock;                  /* started with moat_http_start: never wait */
	CURLcode result;
	int cb_error;                   /* our callbacks' reason for aborting */
	char cb_msg[160];
	char url[MOAT_HTTP_MAX_URL];
	char errbuf[CURL_ERROR_SIZE];
	struct moat_buf body;           /* received, not yet read: body.data[pos, len) */
	size_t pos;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int moat_http_open(const struct moat_http_opts *opts, struct moat_http **ret_http,
		   struct moat_error *err)
{
	struct moat_http *http;

	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return moat_error_set(err, MOAT_E_INTERNAL, "http: libcurl: %s",
				      curl_easy_strerror(curl_init_result));
	http = calloc(1, sizeof(*http));
	if (!http)
		return moat_error_set(err, -ENOMEM, "http: out of memory");
	if (opts)
		http->opts = *opts;
	if (http->opts.timeout_sec <= 0)
		http->opts.timeout_sec = MOAT_HTTP_TIMEOUT_SEC;
	http->unix_socket = opts && opts->unix_socket ? strdup(opts->unix_socket) : NULL;
	http->cacert = opts && opts->cacert ? strdup(opts->cacert) : NULL;
	http->multi = curl_multi_init();
	if (!http->multi || (opts && opts->unix_socket && !http->unix_socket) ||
	    (opts && opts->cacert && !http->cacert)) {
		moat_http_close(http);
		return moat_error_set(err, -ENOMEM, "http: out of memory");
	}
	*ret_http = http;
	return 0;
}

void moat_http_close(struct moat_http *http)
{
	if (!http)
		return;
	if (http->multi)
		curl_multi_cleanup(http->multi);
	free(http->unix_socket);
	free(http->cacert);
	free(http);
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static int cb_fail(struct moat_http_resp *resp, int code, const char *msg)
{
	resp->cb_error = code;
	snprintf(resp->cb_msg, sizeof(resp->cb_msg), "%s", msg);
	return 0;
}

/* "HTTP/1.1 200 OK", "HTTP/2 404": the status code, or -1. */
static int status_of(const char *line, size_t len)
{
	size_t i = 5;
	int status = 0;

	if (len < 12 || memcmp(line, "HTTP/", 5) != 0)
		return -1;
	while (i < len && line[i] != ' ')
		i++;
	if (i + 4 > len)
		return -1;
	for (size_t k = i + 1; k < i + 4; k++) {
		if (line[k] < '0' || line[k] > '9')
			return -1;
		status = status * 10 + (line[k] - '0');
	}
	return status >= 100 && status <= 599 ? status : -1;
}

/* End of a head: final unless an interim answer or a redirect we follow. */
static void head_end(struct moat_http_resp *resp)
{
	if (resp->status < 200)
		return;
	if (resp->follow && resp->has_location && resp->status >= 300 && resp->status < 400)
		return;
	resp->head_done = true;
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct moat_http_resp *resp = ctx;
	size_t len = size * n;

	if (len > MOAT_HTTP_MAX_LINE)
		return cb_fail(resp, MOAT_E_LIMIT, "response header line over 8192 bytes");
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		/* A new response (after a redirect or 100 Continue) starts over. */
		moat_buf_reset(&resp->head);
		resp->nheaders = 0;
		resp->has_location = false;
		resp->head_done = false;
		resp->status = status_of(data, len);
		if (resp->status < 0)
			return cb_fail(resp, MOAT_E_FORMAT, "bad status line");
		return len;
	}
	if (len <= 2 && (data[0] == '\r' || data[0] == '\n')) {
		head_end(resp);
		return len;
	}
	if (++resp->nheaders > MOAT_HTTP_MAX_HEADERS)
		return cb_fail(resp, MOAT_E_LIMIT, "more than 100 response header fields");
	if (resp->head.len + len + 1 > MOAT_HTTP_MAX_HEADER_BYTES)
		return cb_fail(resp, MOAT_E_LIMIT, "response head over 65536 bytes");
	if (len >= 9 && !strncasecmp(data, "location:", 9))
		resp->has_location = true;
	if (moat_buf_append(&resp->head, data, len) < 0)
		return cb_fail(resp, -ENOMEM, "out of memory");
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct moat_http_resp *resp = ctx;
	size_t len = size * n;
	size_t unread = resp->body.len - resp->pos;

	resp->head_done = true;
	if (unread == 0) {
		moat_buf_reset(&resp->body);
		resp->pos = 0;
	} else if (unread + len > RESP_BUF_SOFT) {
		resp->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (moat_buf_append(&resp->body, data, len) < 0)
		return cb_fail(resp, -ENOMEM, "out of memory for the response body");
	return len;
}

/* Collect finished transfers of the client. */
static void collect(struct moat_http *http)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(http->multi, &left))) {
		struct moat_http_resp *resp = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&resp);
		if (!resp)
			continue;
		resp->done = true;
		resp->result = msg->data.result;
	}
}

/* One round: perform, then (unless something happened) wait for activity
 * on the client's sockets. */
static int pump(struct moat_http_resp *resp, struct moat_error *err)
{
	bool wait = true;
	size_t had = resp->body.len - resp->pos;
	bool had_head = resp->head_done;
	int running = 0;
	CURLMcode mc = curl_multi_perform(resp->http->multi, &running);

	if (mc == CURLM_OK)
		collect(resp->http);
	if (resp->done || resp->paused || resp->head_done != had_head ||
	    resp->body.len - resp->pos != had)
		wait = false;
	if (mc == CURLM_OK && wait)
		mc = curl_multi_poll(resp->http->multi, NULL, 0, POLL_MS, NULL);
	if (mc != CURLM_OK)
		return moat_error_set(err, MOAT_E_INTERNAL, "http: %s: libcurl: %s", resp->url,
				      curl_multi_strerror(mc));
	return 0;
}

/* The transfer's failure as a moat error naming the URL. */
static int transfer_error(struct moat_http_resp *resp, struct moat_error *err)
{
	const char *detail = resp->errbuf[0] ? resp->errbuf : curl_easy_strerror(resp->result);
	long os_errno = 0;
	int code;

	if (resp->cb_error)
		return moat_error_set(err, resp->cb_error, "%s: %s", resp->url, resp->cb_msg);
	curl_easy_getinfo(resp->easy, CURLINFO_OS_ERRNO, &os_errno);
	switch (resp->result) {
	case CURLE_COULDNT_CONNECT:
		code = os_errno ? -(int)os_errno : -ECONNREFUSED;
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		code = -EHOSTUNREACH;
		break;
	case CURLE_OPERATION_TIMEDOUT:
		code = -ETIMEDOUT;
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		code = MOAT_E_VERIFY;
		break;
	case CURLE_SSL_CONNECT_ERROR:   /* no TLS there (a plain http server), or no common ground */
		code = MOAT_E_UNSUPPORTED;
		break;
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
		code = MOAT_E_TRUNCATED;
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		code = MOAT_E_LIMIT;
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		code = MOAT_E_FORMAT;
		break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		code = os_errno ? -(int)os_errno : -ECONNRESET;
		break;
	case CURLE_OUT_OF_MEMORY:
		code = -ENOMEM;
		break;
	default:
		code = MOAT_E_RUNTIME;
		break;
	}
	if (resp->result == CURLE_COULDNT_CONNECT && resp->http->unix_socket && os_errno)
		return moat_error_set(err, code, "connect %s: %s", resp->http->unix_socket,
				      strerror((int)os_errno));
	if (resp->result == CURLE_PEER_FAILED_VERIFICATION)
		return moat_error_set(err, code, "%s: TLS certificate not trusted (%s); "
				      "give its CA with --cacert", resp->url, detail);
	return moat_error_set(err, code, "%s: %s", resp->url, detail);
}

static void effective_url(struct moat_http_resp *resp)
{
	char *eff = NULL;

	if (curl_easy_getinfo(resp->easy, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
		snprintf(resp->url, sizeof(resp->url), "%s", eff);
}

/* Drive the transfer until the final head is in. */
static int wait_head(struct moat_http_resp *resp, struct moat_error *err)
{
	int r;

	for (;;) {
		/* A body cut short is the body reader's error, after the bytes that came. */
		if (resp->done && resp->result != CURLE_OK && !resp->head_done)
			return transfer_error(resp, err);
		if (resp->head_done || resp->done) {
			effective_url(resp);
			if (!resp->head_done && resp->status < 200)
				return moat_error_set(err, MOAT_E_FORMAT, "%s: no response", resp->url);
			return 1;
		}
		if ((r = pump(resp, err)) < 0)
			return r;
	}
}

static int set_method(CURL *easy, const struct moat_http_req *req)
{
	const char *method = req->method ? req->method : "GET";
	int bad = 0;

	if (!strcmp(method, "HEAD")) {
		bad |= curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
	} else if (req->body || strcmp(method, "GET") != 0) {
		/* POSTFIELDS sends exactly body_len bytes with a Content-Length. */
		bad |= curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
					(curl_off_t)(req->body ? req->body_len : 0));
		bad |= curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		if (strcmp(method, "POST") != 0)
			bad |= curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
	}
	return bad;
}

static int set_options(struct moat_http_resp *resp, const struct moat_http_req *req)
{
	struct moat_http *http = resp->http;
	CURL *easy = resp->easy;
	long timeout = req->timeout_sec > 0 ? req->timeout_sec : http->opts.timeout_sec;
	int bad = 0;

	bad |= curl_easy_setopt(easy, CURLOPT_URL, req->url);
	bad |= curl_easy_setopt(easy, CURLOPT_PRIVATE, resp);
	bad |= curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, resp->errbuf);
	bad |= curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	bad |= curl_easy_setopt(easy, CURLOPT_USERAGENT, "moat/" MOAT_VERSION);
	bad |= curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
	bad |= curl_easy_setopt(easy, CURLOPT_HEADERDATA, resp);
	bad |= curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	bad |= curl_easy_setopt(easy, CURLOPT_WRITEDATA, resp);
	bad |= curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	bad |= curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, timeout);
	bad |= curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Idle timeout: under 1 byte/s for `timeout` seconds; a stream that
	 * may stay quiet for hours (moat_http_start) has none. */
	if (!resp->nonblock) {
		bad |= curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		bad |= curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, timeout);
	}
	if (req->total_ms > 0)  /* also caps the connect timeout */
		bad |= curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, req->total_ms);
	if (req->follow) {
		bad |= curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
		bad |= curl_easy_setopt(easy, CURLOPT_MAXREDIRS, (long)MOAT_HTTP_MAX_REDIRECTS);
	}
	if (http->unix_socket) {
		bad |= curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, http->unix_socket);
		bad |= curl_easy_setopt(easy, CURLOPT_PROXY, "");
	}
	if (http->cacert)
		bad |= curl_easy_setopt(easy, CURLOPT_CAINFO, http->cacert);
	if (http->opts.insecure_tls) {
		bad |= curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
		bad |= curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	bad |= curl_easy_setopt(easy, CURLOPT_HTTPHEADER, resp->hdrs);
	return bad | set_method(easy, req);
}

static int add_header(struct moat_http_resp *resp, const char *line)
{
	struct curl_slist *next = curl_slist_append(resp->hdrs, line);

	if (!next)
		return -ENOMEM;
	resp->hdrs = next;
	return 0;
}

static int build_headers(struct moat_http_resp *resp, const struct moat_http_req *req)
{
	char ct[256];
	int r = 0;

	/* No "Expect: 100-continue" round trip before a body. */
	r = add_header(resp, "Expect:");
	for (size_t i = 0; r == 0 && req->headers && req->headers[i]; i++)
		r = add_header(resp, req->headers[i]);
	if (r == 0 && req->body && req->content_type) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", req->content_type);
		r = add_header(resp, ct);
	}
	return r;
}

/* Request lines must not smuggle CR, LF or other control bytes. */
static bool clean_text(const char *s)
{
	for (; s && *s; s++)
		if ((uint8_t)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool request_ok(const struct moat_http_req *req)
{
	if (!req->url || strlen(req->url) >= MOAT_HTTP_MAX_URL || !clean_text(req->url) ||
	    strchr(req->url, ' ') || !clean_text(req->method) || !clean_text(req->content_type))
		return false;
	for (size_t i = 0; req->headers && req->headers[i]; i++)
		if (!clean_text(req->headers[i]))
			return false;
	return true;
}

/* Set up the transfer and hand it to the multi handle. */
static int begin(struct moat_http *http, const struct moat_http_req *req, bool nonblock,
		 struct moat_http_resp **ret_resp, struct moat_error *err)
{
	struct moat_http_resp *resp;

	if (!http || !req || !request_ok(req))
		return moat_error_set(err, MOAT_E_USAGE, "http: bad URL, method or header");
	resp = calloc(1, sizeof(*resp));
	if (!resp)
		return moat_error_set(err, -ENOMEM, "http: out of memory");
	resp->http = http;
	resp->follow = req->follow;
	resp->nonblock = nonblock;
	snprintf(resp->url, sizeof(resp->url), "%s", req->url);
	moat_buf_init(&resp->head, MOAT_HTTP_MAX_HEADER_BYTES);
	moat_buf_init(&resp->body, SIZE_MAX / 2);
	resp->easy = curl_easy_init();
	if (!resp->easy || build_headers(resp, req) < 0) {
		moat_http_resp_close(resp);
		return moat_error_set(err, -ENOMEM, "http: out of memory");
	}
	if (set_options(resp, req) != 0 ||
	    curl_multi_add_handle(http->multi, resp->easy) != CURLM_OK) {
		moat_http_resp_close(resp);
		return moat_error_set(err, MOAT_E_INTERNAL, "http: %s: libcurl rejected the request",
				      req->url);
	}
	*ret_resp = resp;
	return 0;
}

int moat_http_send(struct moat_http *http, const struct moat_http_req *req,
		   struct moat_http_resp **ret_resp, struct moat_error *err)
{
	struct moat_http_resp *resp = NULL;
	int r = begin(http, req, false, &resp, err);

	if (r < 0)
		return r;
	r = wait_head(resp, err);
	if (r < 0) {
		moat_http_resp_close(resp);
		return r;
	}
	*ret_resp = resp;
	return 0;
}

/* One step of the client's transfers, never waiting. */
static int pump_nb(struct moat_http_resp *resp, struct moat_error *err)
{
	int running = 0;
	CURLMcode mc = curl_multi_perform(resp->http->multi, &running);

	if (mc != CURLM_OK)
		return moat_error_set(err, MOAT_E_INTERNAL, "http: %s: libcurl: %s", resp->url,
				      curl_multi_strerror(mc));
	collect(resp->http);
	return 0;
}

int moat_http_start(struct moat_http *http, const struct moat_http_req *req,
		    struct moat_http_resp **ret_resp, struct moat_error *err)
{
	struct moat_http_resp *resp = NULL;
	int r = begin(http, req, true, &resp, err);

	/* the first step connects and sends (a unix socket connects at once) */
	if (r == 0 && (r = pump_nb(resp, err)) < 0)
		moat_http_resp_close(resp);
	if (r == 0)
		*ret_resp = resp;
	return r;
}

int moat_http_resp_ready(struct moat_http_resp *resp, struct moat_error *err)
{
	int r;

	if (!resp->head_done && !resp->done && (r = pump_nb(resp, err)) < 0)
		return r;
	if (resp->done && resp->result != CURLE_OK && !resp->head_done)
		return transfer_error(resp, err);
	if (!resp->head_done && !resp->done)
		return 0;
	/* as wait_head decides */
	effective_url(resp);
	if (!resp->head_done && resp->status < 200)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: no response", resp->url);
	return 1;
}

int moat_http_resp_fd(const struct moat_http_resp *resp)
{
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (curl_easy_getinfo(resp->easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD)
		return -1;
	return (int)fd;
}

void moat_http_resp_close(struct moat_http_resp *resp)
{
	if (!resp)
		return;
	if (resp->easy) {
		curl_multi_remove_handle(resp->http->multi, resp->easy);
		curl_easy_cleanup(resp->easy);
	}
	curl_slist_free_all(resp->hdrs);
	moat_buf_release(&resp->head);
	moat_buf_release(&resp->body);
	free(resp);
}

int moat_http_resp_status(const struct moat_http_resp *resp)
{
	return resp->status;
}

const char *moat_http_resp_url(const struct moat_http_resp *resp)
{
	return resp->url;
}

static struct moat_slice trim(struct moat_slice s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t'))
		s.ptr++, s.len--;
	while (s.len && strchr(" \t\r\n", s.ptr[s.len - 1]))
		s.len--;
	return s;
}

bool moat_http_resp_header(const struct moat_http_resp *resp, const char *name, unsigned nth,
			   struct moat_slice *ret_value)
{
	struct moat_slice rest = moat_slice_make(resp->head.data, resp->head.len);
	size_t nlen = strlen(name);
	struct moat_slice line;

	while (moat_slice_split(&rest, '\n', &line)) {
		const uint8_t *colon = memchr(line.ptr, ':', line.len);
		bool match = colon && (size_t)(colon - line.ptr) == nlen;

		for (size_t i = 0; match && i < nlen; i++)
			match = lower(line.ptr[i]) == lower((uint8_t)name[i]);
		if (!match || nth-- > 0)
			continue;
		*ret_value = trim(moat_slice_make(colon + 1, line.len - nlen - 1));
		return true;
	}
	return false;
}

static ssize_t body_take(struct moat_http_resp *resp, uint8_t *buf, size_t len,
			 struct moat_error *err)
{
	for (;;) {
		size_t avail = resp->body.len - resp->pos;
		int r;

		if (avail) {
			if (len > avail)
				len = avail;
			if (buf)
				memcpy(buf, resp->body.data + resp->pos, len);
			resp->pos += len;
			return (ssize_t)len;
		}
		if (resp->done)
			return resp->result == CURLE_OK ? 0 : transfer_error(resp, err);
		if (resp->paused) {
			/* May call on_body right away with what libcurl held back. */
			resp->paused = false;
			curl_easy_pause(resp->easy, CURLPAUSE_CONT);
			continue;
		}
		if (resp->nonblock) {
			/* one step; nothing new yet is -EAGAIN, never a wait */
			if ((r = pump_nb(resp, err)) < 0)
				return r;
			if (resp->body.len == resp->pos && !resp->done && !resp->paused)
				return -EAGAIN;
			continue;
		}
		if ((r = pump(resp, err)) < 0)
			return r;
	}
}

static ssize_t body_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	if (!buf)
		return moat_error_set(err, MOAT_E_USAGE, "http: read into NULL");
	if (len == 0)
		return 0;
	return body_take(ctx, buf, len > SSIZE_MAX ? SSIZE_MAX : len, err);
}

static ssize_t body_skip(void *ctx, uint64_t len, struct moat_error *err)
{
	if (len == 0)
		return 0;
	return body_take(ctx, NULL, len > SSIZE_MAX ? SSIZE_MAX : (size_t)len, err);
}

struct moat_reader moat_http_resp_body(struct moat_http_resp *resp)
{
	return (struct moat_reader){ body_read, resp, body_skip };
}

int moat_http_resp_read_all(struct moat_http_resp *resp, struct moat_buf *out, size_t max,
			    struct moat_error *err)
{
	struct moat_reader body = moat_http_resp_body(resp);
	size_t start = out->len;

	for (;;) {
		size_t room = max - (out->len - start);
		/* One byte past max, so a body of exactly max bytes still passes. */
		size_t want = room < 16384 ? room + 1 : 16384;
		ssize_t n;
		int r = moat_buf_reserve(out, want);

		if (r < 0)
			return moat_error_set(err, r, "%s: out of memory for the body", resp->url);
		n = moat_read(&body, out->data + out->len, want, err);
		if (n == 0)
			return 0;
		if (n < 0)
			return (int)n;
		out->len += (size_t)n;
		if (out->len - start > max)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: response body over %zu bytes",
					      resp->url, max);
	}
}

/* The most useful line of an error body. */
static struct moat_slice error_text(const struct moat_buf *body, json_t **ret_json)
{
	struct moat_slice text = moat_slice_make(body->data, body->len);
	struct moat_slice line;
	const char *msg;
	size_t len;

	*ret_json = NULL;
	if (body->len && moat_json_parse(body->data, body->len, MOAT_HTTP_MAX_ERROR_BODY,
					 "error body", ret_json, NULL) == 0) {
		msg = moat_json_strn(*ret_json, "message", &len);
		if (!msg)
			msg = moat_json_strn(json_array_get(json_object_get(*ret_json, "errors"), 0),
					     "message", &len);
		if (!msg)       /* moat's console: {"error": "..."} */
			msg = moat_json_strn(*ret_json, "error", &len);
		if (msg)
			return moat_slice_make(msg, len);
	}
	if (!moat_slice_line(&text, &line))
		return moat_slice_make("", 0);
	return moat_slice_trim(line);
}

static int body_fail(int status, const struct moat_buf *body, const char *what,
		     struct moat_error *err)
{
	int code = status == 404 ? MOAT_E_NOTFOUND : MOAT_E_RUNTIME;
	char clean[MOAT_ERRMSG_MAX];
	struct moat_slice text;
	json_t *json;
	size_t n;

	text = error_text(body, &json);
	/* The peer's text ends up in logs and terminals: no control bytes. */
	n = text.len < sizeof(clean) - 1 ? text.len : sizeof(clean) - 1;
	for (size_t i = 0; i < n; i++)
		clean[i] = (char)(text.ptr[i] < 0x20 || text.ptr[i] == 0x7f ? '?' : text.ptr[i]);
	clean[n] = '\0';
	json_decref(json);
	if (n == 0)
		return moat_error_set(err, code, "%s: HTTP %d", what, status);
	return moat_error_set(err, code, "%s: HTTP %d: %s", what, status, clean);
}

int moat_http_resp_fail(struct moat_http_resp *resp, const char *what, struct moat_error *err)
{
	struct moat_buf body;
	int r;

	moat_buf_init(&body, MOAT_HTTP_MAX_ERROR_BODY + 1);
	/* A cut-off or broken body still yields whatever text arrived. */
	moat_http_resp_read_all(resp, &body, MOAT_HTTP_MAX_ERROR_BODY, NULL);
	r = body_fail(resp->status, &body, what, err);
	moat_buf_release(&body);
	return r;
}

int moat_http_escape(struct moat_buf *out, struct moat_slice seg, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < seg.len; i++) {
		uint8_t c = seg.ptr[i];
		bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			     (c >= 'A' && c <= 'Z') || (c && strchr("-._~", c)) ||
			     (c && keep && strchr(keep, c));
		char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
		int r = plain ? moat_buf_putc(out, (char)c) : moat_buf_append(out, esc, 3);

		if (r < 0)
			return r;
	}
	return 0;
}
