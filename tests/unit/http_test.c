/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http_test.c - the libcurl client (net/http.c: error bodies, head bounds)
 * and the Docker client (version negotiation, inspect, export, events) end
 * to end against a fake engine on a unix socket.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/file.h"
#include "harness.h"
#include "moat/error.h"
#include "runtime/docker.h"
#include "net/http.h"

static uint32_t rng_next(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

static void test_http__escape(void)
{
	static const struct {
		const char *in;
		const char *keep;
		const char *out;
	} cases[] = {
		{ "moat-test/app:1", "/:@", "moat-test/app:1" },
		{ "moat-test/app:1", NULL, "moat-test%2Fapp%3A1" },
		{ "app@sha256:ab", "/:@", "app@sha256:ab" },
		{ "a b?c#d%e&f+g", "/:@", "a%20b%3Fc%23d%25e%26f%2Bg" },
		{ "~_.-AZaz09", "", "~_.-AZaz09" },
		{ "\x01\x7f\xff", "/", "%01%7F%FF" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct moat_buf out;

		moat_buf_init(&out, 0);
		CHECK_INT(moat_http_escape(&out, moat_slice_str(cases[i].in), cases[i].keep), 0);
		CHECK_STR((const char *)out.data, cases[i].out);
		moat_buf_release(&out);
	}
}

/*
 * A fake engine: a unix socket in a temp dir, served by a thread that answers
 * each connection from a route table (exact request-target) and records the
 * targets it saw. Unknown targets get the engine's 404 shape.
 */
struct fake_route {
	const char *target;
	const char *resp;
	size_t len;             /* 0 = strlen(resp) */
	unsigned delay_ms;      /* think this long before answering */
};

struct fake_engine {
	char dir[32];
	char path[64];
	int lfd;
	pthread_t thread;
	const struct fake_route *routes;
	size_t nroutes;
	pthread_mutex_t lock;
	char targets[8][1200];  /* request-targets seen, in order */
	unsigned nrequests;
	unsigned bad_requests;  /* without Host or Connection: close */
};

static const char fake_404[] = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			       "Content-Length: 34\r\n\r\n{\"message\":\"No such image: fake\"}\n";

static void fake_send(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

static void fake_handle(struct fake_engine *e, int fd)
{
	char req[4096];
	size_t len = 0;
	const char *target;
	const char *sp;
	const struct fake_route *route = NULL;

	while (len < sizeof(req) - 1 && !memmem(req, len, "\r\n\r\n", 4)) {
		ssize_t n = recv(fd, req + len, sizeof(req) - 1 - len, 0);

		if (n <= 0)
			return;
		len += (size_t)n;
	}
	req[len] = '\0';
	target = req + 4;
	sp = strchr(target, ' ');
	if (strncmp(req, "GET ", 4) != 0 || !sp)
		return;
	pthread_mutex_lock(&e->lock);
	if (!strstr(req, "\r\nHost: docker\r\n") || !strstr(req, "\r\nConnection: close\r\n"))
		e->bad_requests++;
	if (e->nrequests < 8)
		snprintf(e->targets[e->nrequests], sizeof(e->targets[0]), "%.*s",
			 (int)(sp - target), target);
	e->nrequests++;
	pthread_mutex_unlock(&e->lock);
	for (size_t i = 0; i < e->nroutes; i++)
		if (strlen(e->routes[i].target) == (size_t)(sp - target) &&
		    memcmp(e->routes[i].target, target, (size_t)(sp - target)) == 0)
			route = &e->routes[i];
	if (route && route->delay_ms)
		usleep(route->delay_ms * 1000u);
	if (!route)
		fake_send(fd, fake_404, sizeof(fake_404) - 1);
	else
		fake_send(fd, route->resp, route->len ? route->len : strlen(route->resp));
}

static void *fake_serve(void *arg)
{
	struct fake_engine *e = arg;

	for (;;) {
		int fd = accept(e->lfd, NULL, NULL);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return NULL;
		fake_handle(e, fd);
		close(fd);
	}
}

static int fake_start(struct fake_engine *e, const struct fake_route *routes, size_t nroutes)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	sigset_t alarm;
	sigset_t old;
	int r;

	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	e->routes = routes;
	e->nroutes = nroutes;
	snprintf(e->dir, sizeof(e->dir), "/tmp/moat-http-XXXXXX");
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->path, sizeof(e->path), "%s/docker.sock", e->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", e->path);
	e->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->lfd < 0 || bind(e->lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(e->lfd, 8) < 0)
		return -1;
	/* SIGALRM (test_http__docker_eintr) is for the client thread only. */
	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm, &old);
	r = pthread_create(&e->thread, NULL, fake_serve, e);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r == 0 ? 0 : -1;
}

static void fake_stop(struct fake_engine *e)
{
	/* A listening socket that is shut down makes accept() fail (EINVAL). */
	shutdown(e->lfd, SHUT_RDWR);
	pthread_join(e->thread, NULL);
	close(e->lfd);
	unlink(e->path);
	rmdir(e->dir);
	pthread_mutex_destroy(&e->lock);
}

static const char *fake_target(struct fake_engine *e, unsigned i)
{
	const char *t;

	pthread_mutex_lock(&e->lock);
	t = i < e->nrequests && i < 8 ? e->targets[i] : "";
	pthread_mutex_unlock(&e->lock);
	return t;
}

#define JSON_200(len) "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
	"Content-Length: " #len "\r\n\r\n"

/* Answers of GET /version; the body length is computed. */
static char *version_resp(const char *json)
{
	struct moat_buf b;

	moat_buf_init(&b, 0);
	moat_buf_appendf(&b, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
			 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 strlen(json), json);
	return (char *)moat_buf_steal(&b, NULL);
}

/* Open against a fake engine whose /version says json (or answers with a
 * whole response); return the code, and the version or the message. */
static int negotiate(const char *json, char *ret_version, size_t size)
{
	char *resp = strncmp(json, "HTTP/", 5) ? version_resp(json) : strdup(json);
	struct fake_route routes[] = { { "/version", resp, 0 } };
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_error err = { 0 };
	int r;

	CHECK_INT(fake_start(&e, routes, 1), 0);
	r = moat_docker_open(e.path, &docker, &err);
	snprintf(ret_version, size, "%s", r == 0 ? moat_docker_api_version(docker) : err.msg);
	CHECK(r == 0 || docker == NULL);
	CHECK_STR(fake_target(&e, 0), "/version");
	CHECK_INT(e.bad_requests, 0);
	moat_docker_close(docker);
	fake_stop(&e);
	free(resp);
	return r;
}

static void test_http__docker_negotiate(void)
{
	char v[MOAT_ERRMSG_MAX] = "";

	CHECK_INT(negotiate("{\"ApiVersion\":\"1.40\",\"MinAPIVersion\":\"1.12\"}", v, sizeof(v)),
		  0);
	CHECK_STR(v, "1.40");
	CHECK_INT(negotiate("{\"ApiVersion\":\"1.45\",\"MinAPIVersion\":\"1.12\"}", v, sizeof(v)),
		  0);
	CHECK_STR(v, "1.41");
	CHECK_INT(negotiate("{\"ApiVersion\":\"1.52\",\"MinAPIVersion\":\"1.44\"}", v, sizeof(v)),
		  0);
	CHECK_STR(v, "1.44");
	CHECK_INT(negotiate("{}", v, sizeof(v)), 0);
	CHECK_STR(v, "1.24");
	CHECK_INT(negotiate("{\"ApiVersion\":\"2.0\"}", v, sizeof(v)), MOAT_E_UNSUPPORTED);
	CHECK_INT(negotiate("[", v, sizeof(v)), MOAT_E_FORMAT);
	CHECK_INT(negotiate("HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n"
			    "\r\n1c\r\n{\"message\":\"engine is down\"}\r\n0\r\n\r\n", v,
			    sizeof(v)), MOAT_E_RUNTIME);
	CHECK_STR(v, "docker: GET /version: HTTP 500: engine is down");
}

static const char version_141[] = JSON_200(44) "{\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\"}";

static void test_http__docker_inspect(void)
{
	static const struct fake_route routes[] = {
		{ "/version", version_141, 0 },
		{ "/v1.41/images/moat-test/app:1/json", JSON_200(23) "{\"Id\":\"sha256:abcdef\"}\n", 0 },
		{ "/v1.41/images/list/json", JSON_200(3) "[1]", 0 },
		{ "/v1.41/images/registry.example:5000/ns/app:1.2/json", JSON_200(2) "{}", 0 },
		{ "/v1.41/images/app@sha256:0123abc/json", JSON_200(2) "{}", 0 },
		{ "/v1.41/images/broken/json", JSON_200(5) "{\"Id\"", 0 },
	};
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_error err = { 0 };
	json_t *json = NULL;

	CHECK_INT(fake_start(&e, routes, sizeof(routes) / sizeof(routes[0])), 0);
	CHECK_INT(moat_docker_open(e.path, &docker, &err), 0);
	CHECK_INT(moat_docker_image_inspect(docker, "moat-test/app:1", &json, &err), 0);
	CHECK_STR(json_string_value(json_object_get(json, "Id")), "sha256:abcdef");
	json_decref(json);
	CHECK_STR(fake_target(&e, 1), "/v1.41/images/moat-test/app:1/json");
	json = NULL;
	CHECK_INT(moat_docker_image_inspect(docker, "x?y#z%", &json, &err), MOAT_E_NOTFOUND);
	CHECK_STR(err.msg, "docker: image inspect x?y#z%: HTTP 404: No such image: fake");
	CHECK_STR(fake_target(&e, 2), "/v1.41/images/x%3Fy%23z%25/json");
	CHECK_INT(moat_docker_image_inspect(docker, "registry.example:5000/ns/app:1.2", &json, &err),
		  0);
	json_decref(json);
	CHECK_INT(moat_docker_image_inspect(docker, "app@sha256:0123abc", &json, &err), 0);
	json_decref(json);
	json = NULL;
	CHECK_INT(moat_docker_image_inspect(docker, "list", &json, &err), MOAT_E_FORMAT);
	CHECK_INT(moat_docker_image_inspect(docker, "broken", &json, &err), MOAT_E_FORMAT);
	CHECK(json == NULL);
	CHECK_INT(e.bad_requests, 0);
	moat_docker_close(docker);
	fake_stop(&e);
}

/* A chunked export of size bytes, chunk sizes and extensions from the rng. */
static char *export_resp(const uint8_t *data, size_t size, size_t *ret_len)
{
	struct moat_buf b;
	uint32_t rng = 12345;
	size_t pos = 0;

	moat_buf_init(&b, 0);
	moat_buf_append_str(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\n"
			    "Transfer-Encoding: chunked\r\n\r\n");
	while (pos < size) {
		size_t n = 1 + rng_next(&rng) % 20000;

		if (n > size - pos)
			n = size - pos;
		moat_buf_appendf(&b, "%zx%s\r\n", n, n % 3 ? "" : ";ext=1");
		moat_buf_append(&b, data + pos, n);
		moat_buf_append_str(&b, "\r\n");
		pos += n;
	}
	moat_buf_append_str(&b, "0\r\n\r\n");
	return (char *)moat_buf_steal(&b, ret_len);
}

static void test_http__docker_export(void)
{
	size_t size = 300000;
	uint8_t *data = malloc(size);
	uint32_t rng = 777;
	size_t resp_len;
	char *resp;
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_error err = { 0 };
	struct moat_reader body;
	struct moat_buf got;
	uint8_t chunk[70000];
	ssize_t n;
	json_t *json = NULL;

	for (size_t i = 0; i < size; i++)
		data[i] = (uint8_t)rng_next(&rng);
	resp = export_resp(data, size, &resp_len);
	{
		struct fake_route routes[] = {
			{ "/version", version_141, 0 },
			{ "/v1.41/images/moat-test/app:1/get", resp, resp_len },
			{ "/v1.41/images/cut:1/get", "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
			  "chunked\r\n\r\n10\r\nabc", 0 },
			{ "/v1.41/images/cut:1/json", JSON_200(2) "{}", 0 },
		};

		CHECK_INT(fake_start(&e, routes, sizeof(routes) / sizeof(routes[0])), 0);
		CHECK_INT(moat_docker_open(e.path, &docker, &err), 0);
		CHECK_INT(moat_docker_image_export(docker, "moat-test/app:1", &body, &err), 0);
		/* Reads of random sizes, every third one a skip (as the tar reader
		 * does over entries it does not need): later reads must still line up. */
		moat_buf_init(&got, 0);
		do {
			size_t want = 1 + rng_next(&rng) % sizeof(chunk);

			if (rng_next(&rng) % 3 == 0 && got.len < size) {
				want = want < size - got.len ? want : size - got.len;
				CHECK_INT(moat_read_skip(&body, want, &err), 0);
				memcpy(chunk, data + got.len, want);
				n = (ssize_t)want;
			} else {
				n = moat_read(&body, chunk, want, &err);
			}
			if (n > 0)
				moat_buf_append(&got, chunk, (size_t)n);
		} while (n > 0);
		CHECK_INT(n, 0);
		CHECK_INT(got.len, size);
		CHECK(got.len == size && memcmp(got.data, data, size) == 0);
		CHECK_INT(moat_read_skip(&body, 1, &err), MOAT_E_TRUNCATED);
		moat_buf_release(&got);

		/* The engine dies mid-stream; the next call replaces the reader. */
		CHECK_INT(moat_docker_image_export(docker, "cut:1", &body, &err), 0);
		CHECK_INT(moat_read(&body, chunk, sizeof(chunk), &err), 3);
		CHECK_INT(moat_read(&body, chunk, sizeof(chunk), &err), MOAT_E_TRUNCATED);
		CHECK_INT(moat_docker_image_export(docker, "cut:1", &body, &err), 0);
		CHECK_INT(moat_docker_image_inspect(docker, "cut:1", &json, &err), 0);
		json_decref(json);
		CHECK_INT(moat_docker_image_export(docker, "gone:1", &body, &err), MOAT_E_NOTFOUND);
		moat_docker_close(docker);
		fake_stop(&e);
	}
	free(resp);
	free(data);
}

static char huge_head[10000];

static void test_http__docker_errors(void)
{
	static const char *bad_names[] = {
		"", "../containers/json", "a/../b", "./a", "a//b", "/a", "a/", "a b", "a\tb",
		"a\x7f", "caf\xc3\xa9",
	};
	static const struct fake_route routes[] = {
		{ "/version", version_141, 0 },
		{ "/v1.41/images/mute/json", "", 0 },
		{ "/v1.41/images/ssh/json", "SSH-2.0-OpenSSH_9.2\r\n\r\n", 0 },
		{ "/v1.41/images/huge/json", huge_head, 0 },
	};
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_error err = { 0 };
	char long_name[MOAT_DOCKER_NAME_MAX + 2];
	char long_path[200];
	json_t *json = NULL;

	CHECK_INT(moat_docker_open("/nonexistent/docker.sock", &docker, &err), -ENOENT);
	CHECK_STR(err.msg, "docker: GET /version: connect /nonexistent/docker.sock: "
			   "No such file or directory");
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	CHECK_INT(moat_docker_open(long_path, &docker, &err), -ENAMETOOLONG);
	CHECK(docker == NULL);

	snprintf(huge_head, sizeof(huge_head), "HTTP/1.1 200 OK\r\nX-Big: %09000d\r\n\r\n", 0);
	CHECK_INT(fake_start(&e, routes, sizeof(routes) / sizeof(routes[0])), 0);
	CHECK_INT(moat_docker_open(e.path, &docker, &err), 0);
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		CHECK_INT(moat_docker_image_inspect(docker, bad_names[i], &json, &err),
			  MOAT_E_USAGE);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	CHECK_INT(moat_docker_image_inspect(docker, long_name, &json, &err), MOAT_E_USAGE);
	/* Only /version reached the engine. */
	CHECK_INT(e.nrequests, 1);
	CHECK_INT(moat_docker_image_inspect(docker, "mute", &json, &err), MOAT_E_TRUNCATED);
	/* libcurl parses the answers now (lenient with bare LF, as curl is); what
	 * is not HTTP at all, and heads past moat's bounds, still fail. */
	CHECK_INT(moat_docker_image_inspect(docker, "ssh", &json, &err), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "docker: image inspect ssh: ") == err.msg);
	CHECK_INT(moat_docker_image_inspect(docker, "huge", &json, &err), MOAT_E_LIMIT);
	CHECK(strstr(err.msg, "response header line over 8192 bytes") != NULL);
	CHECK(json == NULL);
	moat_docker_close(docker);
	moat_docker_close(NULL);
	fake_stop(&e);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* recv() on a socket with SO_RCVTIMEO fails with EINTR even under SA_RESTART
 * (signal(7)): a storm of signals while the engine thinks must not matter. */
static void test_http__docker_eintr(void)
{
	static const struct fake_route routes[] = {
		{ "/version", version_141, 0, 0 },
		{ "/v1.41/images/slow/json", JSON_200(2) "{}", 0, 150 },
	};
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct sigaction old;
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
	struct itimerval off = { 0 };
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_error err = { 0 };
	json_t *json = NULL;

	CHECK_INT(fake_start(&e, routes, 2), 0);
	CHECK_INT(moat_docker_open(e.path, &docker, &err), 0);
	sigaction(SIGALRM, &sa, &old);
	alarms = 0;
	setitimer(ITIMER_REAL, &every_ms, NULL);
	CHECK_INT(moat_docker_image_inspect(docker, "slow", &json, &err), 0);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	CHECK(alarms > 10);
	json_decref(json);
	moat_docker_close(docker);
	fake_stop(&e);
}

static void test_http__docker_host(void)
{
	static const struct fake_route routes[] = { { "/version", version_141, 0 } };
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_error err = { 0 };
	char host[128];

	CHECK_INT(fake_start(&e, routes, 1), 0);
	snprintf(host, sizeof(host), "unix://%s", e.path);
	setenv("DOCKER_HOST", host, 1);
	CHECK_INT(moat_docker_open(NULL, &docker, &err), 0);
	CHECK_STR(moat_docker_api_version(docker), "1.41");
	moat_docker_close(docker);
	docker = NULL;
	setenv("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
	CHECK_INT(moat_docker_open(NULL, &docker, &err), MOAT_E_UNSUPPORTED);
	CHECK_STR(err.msg, "docker: DOCKER_HOST=tcp://127.0.0.1:2375: only unix:// sockets are "
			   "supported");
	/* An explicit path wins over DOCKER_HOST. */
	CHECK_INT(moat_docker_open(e.path, &docker, &err), 0);
	moat_docker_close(docker);
	unsetenv("DOCKER_HOST");
	fake_stop(&e);
}

/* GET /x from a fake engine answering resp; a non-2xx answer goes through
 * moat_http_resp_fail. Returns the code; the body of a 2xx is in body. */
static int net_get(const char *resp, size_t len, struct moat_buf *body, struct moat_error *err)
{
	struct fake_route routes[] = { { "/x", resp, len } };
	struct moat_http_opts opts = { .timeout_sec = 10 };
	struct moat_http_req req = { .url = "http://docker/x" };
	struct moat_http *http = NULL;
	struct moat_http_resp *rsp = NULL;
	struct fake_engine e;
	int r;

	CHECK_INT(fake_start(&e, routes, 1), 0);
	opts.unix_socket = e.path;
	r = moat_http_open(&opts, &http, err);
	if (r == 0)
		r = moat_http_send(http, &req, &rsp, err);
	if (r == 0 && (moat_http_resp_status(rsp) < 200 || moat_http_resp_status(rsp) > 299))
		r = moat_http_resp_fail(rsp, "docker: image inspect x", err);
	else if (r == 0 && body)
		r = moat_http_resp_read_all(rsp, body, 1u << 20, err);
	moat_http_resp_close(rsp);
	moat_http_close(http);
	fake_stop(&e);
	return r;
}

/* Error answers become one clean line naming what was asked. */
static void test_http__fail(void)
{
	struct moat_error err = { 0 };

	CHECK_INT(net_get("HTTP/1.1 404 Not Found\r\nContent-Length: 59\r\n\r\n"
			  "{\"message\":\"no such image: nope:1: No such image: nope:1\"}\n", 0, NULL,
			  &err), MOAT_E_NOTFOUND);
	CHECK_STR(err.msg, "docker: image inspect x: HTTP 404: no such image: nope:1: "
			   "No such image: nope:1");
	CHECK_INT(net_get("HTTP/1.1 500 Oops\r\n\r\npanic: boom\nstack\n", 0, NULL, &err),
		  MOAT_E_RUNTIME);
	CHECK_STR(err.msg, "docker: image inspect x: HTTP 500: panic: boom");
	CHECK_INT(net_get("HTTP/1.1 400 Bad\r\nContent-Length: 30\r\n\r\n"
			  "{\"message\":\"a\\u001b[31mb\\nc\"}", 0, NULL, &err), MOAT_E_RUNTIME);
	CHECK_STR(err.msg, "docker: image inspect x: HTTP 400: a?[31mb?c");
	CHECK_INT(net_get("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", 0, NULL, &err),
		  MOAT_E_RUNTIME);
	CHECK_STR(err.msg, "docker: image inspect x: HTTP 503");
	/* the registry's shape: errors[0].message */
	CHECK_INT(net_get("HTTP/1.1 401 No\r\nContent-Length: 53\r\n\r\n"
			  "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"go away\"}]}\n", 0, NULL,
			  &err), MOAT_E_RUNTIME);
	CHECK_STR(err.msg, "docker: image inspect x: HTTP 401: go away");
}

/* A response head of n copies of line after the status line. */
static int head_of(const char *line, size_t n, struct moat_error *err)
{
	struct moat_buf in;
	int r;

	moat_buf_init(&in, 0);
	moat_buf_append_str(&in, "HTTP/1.1 200 OK\r\n");
	for (size_t i = 0; i < n; i++)
		moat_buf_append_str(&in, line);
	moat_buf_append_str(&in, "Content-Length: 2\r\n\r\nok");
	r = net_get((const char *)in.data, in.len, NULL, err);
	moat_buf_release(&in);
	return r;
}

/* The head bounds of net/http.h, enforced in libcurl's header callback. */
static void test_http__limits(void)
{
	struct moat_error err = { 0 };
	char long_line[MOAT_HTTP_MAX_LINE + 16];
	char fit_line[MOAT_HTTP_MAX_LINE];

	CHECK_INT(head_of("X-Flood: 1\r\n", MOAT_HTTP_MAX_HEADERS - 1, &err), 0);
	CHECK_INT(head_of("X-Flood: 1\r\n", MOAT_HTTP_MAX_HEADERS + 1, &err), MOAT_E_LIMIT);
	CHECK(strstr(err.msg, "more than 100 response header fields") != NULL);
	memset(fit_line, 'a', sizeof(fit_line));
	memcpy(fit_line, "X: ", 3);
	memcpy(fit_line + sizeof(fit_line) - 3, "\r\n", 3);
	CHECK_INT(head_of(fit_line, 1, &err), 0);
	memset(long_line, 'a', sizeof(long_line));
	memcpy(long_line, "X: ", 3);
	memcpy(long_line + sizeof(long_line) - 3, "\r\n", 3);
	CHECK_INT(head_of(long_line, 1, &err), MOAT_E_LIMIT);
	/* nine lines of 8 KiB: fine one by one, over the 64 KiB head together */
	CHECK_INT(head_of(fit_line, 7, &err), 0);
	CHECK_INT(head_of(fit_line, 9, &err), MOAT_E_LIMIT);
	CHECK(strstr(err.msg, "response head over 65536 bytes") != NULL);
	CHECK_INT(head_of("HTTP/1.1 bogus\r\n", 0, &err), 0);
	CHECK_INT(net_get("ICY 200 OK\r\n\r\n", 0, NULL, &err) < 0, 1);
}

#define EVENTS_TARGET "/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D"

/*
 * The events follower over a real socket: the captured engine stream
 * (fuzz/corpus/docker-events/, the decoded body) re-chunked at odd sizes,
 * read without blocking through libcurl until the engine ends it.
 */
static void test_http__events(void)
{
	struct moat_buf raw, resp;
	struct moat_error err = { 0 };
	struct fake_engine e;
	struct moat_docker *docker = NULL;
	struct moat_docker_events *events = NULL;
	struct moat_docker_event ev, first = { 0 };
	unsigned n = 0, zeros = 0;
	uint32_t rng = 7;
	int r = 0;

	moat_buf_init(&raw, 0);
	moat_buf_init(&resp, 0);
	CHECK_INT(moat_read_file("fuzz/corpus/docker-events/engine-rename-restart", 1u << 20, &raw,
				 &err), 0);
	moat_buf_append_str(&resp, "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: "
			    "application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
	for (size_t pos = 1; pos < raw.len;) {  /* byte 0: the fuzz target's mode */
		size_t k = 1 + rng_next(&rng) % 700;

		if (k > raw.len - pos)
			k = raw.len - pos;
		moat_buf_appendf(&resp, "%zx\r\n", k);
		moat_buf_append(&resp, raw.data + pos, k);
		moat_buf_append_str(&resp, "\r\n");
		pos += k;
	}
	moat_buf_append_str(&resp, "0\r\n\r\n");
	{
		struct fake_route routes[] = { { "/version", version_141, 0 },
					       { EVENTS_TARGET, (const char *)resp.data, resp.len,
						 300 } };
		double slowest = 0;

		CHECK_INT(fake_start(&e, routes, 2), 0);
		CHECK_INT(moat_docker_open(e.path, &docker, &err), 0);
		CHECK_INT(moat_docker_events_open(docker, 0, &events, &err), 0);
		/* the engine thinks 300 ms first: no call may wait for it */
		for (unsigned calls = 0; events && calls < 100000; calls++) {
			struct timeval t0, t1;

			gettimeofday(&t0, NULL);
			r = moat_docker_events_next(events, &ev, &err);
			gettimeofday(&t1, NULL);
			if ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_usec - t0.tv_usec) / 1e3 > slowest)
				slowest = (t1.tv_sec - t0.tv_sec) * 1e3 +
					  (t1.tv_usec - t0.tv_usec) / 1e3;
			if (r == 1 && n++ == 0)
				first = ev;
			if (r == 0 && ++zeros)
				usleep(100);
			if (r < 0 && moat_docker_events_failed(events))
				break;
		}
		printf("# %u events, %u calls without one, slowest call %.1f ms\n", n, zeros,
		       slowest);
		CHECK_INT(n, 22);
		CHECK(zeros > 10);
		CHECK(slowest < 100);
		CHECK_INT(r, MOAT_E_TRUNCATED);
		CHECK_STR(first.name, "rtcap-a");
		CHECK_STR(fake_target(&e, 1), EVENTS_TARGET);
		CHECK_INT(e.bad_requests, 0);
		moat_docker_events_close(events);
		moat_docker_close(docker);
		fake_stop(&e);
	}
	moat_buf_release(&raw);
	moat_buf_release(&resp);
}

int main(void)
{
	MOAT_RUN(test_http__escape);
	MOAT_RUN(test_http__fail);
	MOAT_RUN(test_http__limits);
	MOAT_RUN(test_http__events);
	MOAT_RUN(test_http__docker_negotiate);
	MOAT_RUN(test_http__docker_inspect);
	MOAT_RUN(test_http__docker_export);
	MOAT_RUN(test_http__docker_errors);
	MOAT_RUN(test_http__docker_eintr);
	MOAT_RUN(test_http__docker_host);
	return moat_test_done();
}
