/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-http-client.c - moat's side of every HTTP response (net/http.c):
 * the header callback's bounds and status line, header lookups, the body
 * buffer with its pause and resume, the non-blocking reads of a started
 * transfer, and the error-body formatter (JSON "message", "errors"[0],
 * or a first line). libcurl does the HTTP framing; whatever it lets
 * through reaches code of ours.
 *
 * The input is what a peer on a unix socket answers (then it closes). Each
 * input is fetched twice, blocking (moat_http_send) and started
 * (moat_http_start, polled): the two must agree on the outcome, the status
 * and every body byte.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/buf.h"
#include "moat/error.h"
#include "net/http.h"

#define FUZZ_MAX_INPUT (256u << 10)
#define BODY_MAX (1u << 20)

/*
 * The peer sends its own copy of the input: the client can give up on a
 * bad head before the peer is done sending, and libFuzzer frees its input
 * as soon as the call returns.
 */
static struct {
	pthread_mutex_t mu;
	uint8_t *data;
	size_t len;
	char path[108];
	bool up;
} peer = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* Read the request head, answer the current input, close. */
static void *serve(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		char req[8192];
		size_t got = 0;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0)
			continue;
		while (got < sizeof(req) && !memmem(req, got, "\r\n\r\n", 4)) {
			ssize_t n = recv(fd, req + got, sizeof(req) - got, 0);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		pthread_mutex_lock(&peer.mu);
		for (size_t off = 0; off < peer.len;) {
			ssize_t n = send(fd, peer.data + off, peer.len - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		pthread_mutex_unlock(&peer.mu);
		close(fd);
	}
	return NULL;
}

static bool peer_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;
	int fd;

	snprintf(peer.path, sizeof(peer.path), "/tmp/moat-fuzz-http.%d.sock", (int)getpid());
	unlink(peer.path);
	memcpy(sa.sun_path, peer.path, sizeof(peer.path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0 ||
	    pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0)
		return false;
	pthread_detach(t);
	return true;
}

struct outcome {
	int code;               /* 0, or the first error */
	int status;
	struct moat_buf body;   /* 2xx: the body; else the error message */
};

/* Headers are looked up as the registry client does; no crash, bounded. */
static void look(struct moat_http_resp *resp)
{
	static const char *const names[] = { "content-type", "www-authenticate", "link",
					      "docker-content-digest", "retry-after", "location" };
	struct moat_slice v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (unsigned nth = 0; nth < 3 && moat_http_resp_header(resp, names[i], nth, &v);
		     nth++)
			if (v.len > MOAT_HTTP_MAX_HEADER_BYTES)
				abort();
}

/* The body (2xx) or the error message, after the head is in. */
static void finish(struct moat_http_resp *resp, bool started, struct outcome *out)
{
	struct moat_error err = { 0 };
	struct moat_reader body = moat_http_resp_body(resp);
	uint8_t chunk[4096];

	out->status = moat_http_resp_status(resp);
	look(resp);
	if (out->status < 200 || out->status > 299) {
		out->code = moat_http_resp_fail(resp, "fuzz", &err);
		if (!started) /* a started transfer stops at -EAGAIN: its text may be shorter */
			moat_buf_append_str(&out->body, err.msg);
		return;
	}
	for (unsigned spins = 0; spins < 1000000;) {
		ssize_t n = moat_read(&body, chunk, sizeof(chunk), &err);

		if (n == -EAGAIN && started) {
			spins++;
			usleep(10);
			continue;
		}
		if (n <= 0) {
			out->code = (int)n;
			return;
		}
		if (out->body.len + (size_t)n > BODY_MAX)
			abort();        /* the peer sent at most FUZZ_MAX_INPUT */
		moat_buf_append(&out->body, chunk, (size_t)n);
	}
	abort();                /* a closed peer must end the body */
}

static void fetch(bool started, struct outcome *out)
{
	struct moat_http_opts opts = { .unix_socket = peer.path, .timeout_sec = 20 };
	struct moat_http_req req = { .url = "http://peer/x" };
	struct moat_http *http = NULL;
	struct moat_http_resp *resp = NULL;
	struct moat_error err = { 0 };
	int r;

	out->code = 0;
	out->status = 0;
	moat_buf_init(&out->body, BODY_MAX + sizeof(err.msg));
	if (moat_http_open(&opts, &http, &err) < 0)
		abort();
	r = started ? moat_http_start(http, &req, &resp, &err) :
		      moat_http_send(http, &req, &resp, &err);
	for (unsigned spins = 0; r == 0 && started; spins++) {
		r = moat_http_resp_ready(resp, &err);
		if (r == 1) {
			r = 0;
			break;
		}
		if (spins == 1000000)
			abort();
		if (r == 0)
			usleep(10);
	}
	if (r < 0)
		out->code = r;
	else
		finish(resp, started, out);
	moat_http_resp_close(resp);
	moat_http_close(http);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome a, b;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!peer.up && !(peer.up = peer_start()))
		abort();
	pthread_mutex_lock(&peer.mu);
	free(peer.data);
	peer.data = malloc(size ? size : 1);
	if (!peer.data)
		abort();
	if (size)
		memcpy(peer.data, data, size);
	peer.len = size;
	pthread_mutex_unlock(&peer.mu);
	fetch(false, &a);
	fetch(true, &b);
	if (a.code != b.code || a.status != b.status ||
	    (a.status >= 200 && a.status <= 299 &&
	     (a.body.len != b.body.len ||
	      (a.body.len && memcmp(a.body.data, b.body.data, a.body.len) != 0)))) {
		fprintf(stderr, "blocking: %d %d %zu bytes, started: %d %d %zu bytes\n", a.code,
			a.status, a.body.len, b.code, b.status, b.body.len);
		abort();
	}
	moat_buf_release(&a.body);
	moat_buf_release(&b.body);
	return 0;
}
