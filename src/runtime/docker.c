/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker.c - Docker Engine API client over a unix socket, through net/http.h
 * (libcurl with CURLOPT_UNIX_SOCKET_PATH).
 *
 * Each request opens its own connection and sends "Connection: close", so a
 * response never has to be drained for the next one and a half-read export
 * is simply dropped. Image names go into the URL path percent-encoded except
 * for "/:@", which is what the engine's own Go client sends (url.URL escapes
 * paths that way) and what its router matches; names are checked first so
 * that nothing can walk out of /images/ with "..".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/slice.h"
#include "docker-int.h"
#include "docker.h"
#include "net/http.h"
#include "moat/error.h"
#include "moat/limits.h"

#define DOCKER_MAGIC 0x646f636bu      /* "dock": catches stale or foreign handles */
#define DOCKER_DEFAULT_SOCK "/var/run/docker.sock"
#define DOCKER_HOST_PREFIX "unix://"
/* Connect and idle-read timeout for API calls: the engine answers inspect
 * in milliseconds, but a loaded daemon can stall for a while. */
#define DOCKER_TIMEOUT_SEC 60
/* Idle timeout for an export: Docker 20.10 stages the whole image in a temp
 * directory before it writes the first byte, which takes minutes for
 * multi-GB images. */
#define DOCKER_EXPORT_TIMEOUT_SEC 900
/* Our API version as numbers, and what the Go client assumes when a
 * daemon's answer carries no version (daemons before API 1.25). */
#define DOCKER_API_MINOR 41u
#define DOCKER_API_FALLBACK_MINOR 24u
/* GET /version answers with ~800 bytes of JSON. */
#define DOCKER_VERSION_MAX (64u << 10)

struct moat_docker {
	unsigned magic;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char api_version[16];           /* "1.41" */
	struct moat_http *http;         /* libcurl over sock_path */
	struct moat_http_resp *resp;    /* the current response, or NULL */
};

/* DOCKER_HOST may name tcp:// or ssh:// engines; only unix sockets here. */
static int docker_sock_path(const char *sock_path, char *out, size_t out_size,
			    struct moat_error *err)
{
	const char *host = getenv("DOCKER_HOST");
	size_t len;

	if (!sock_path && host && *host) {
		if (strncmp(host, DOCKER_HOST_PREFIX, strlen(DOCKER_HOST_PREFIX)) != 0)
			return moat_error_set(err, MOAT_E_UNSUPPORTED,
					      "docker: DOCKER_HOST=%s: only unix:// sockets are supported",
					      host);
		sock_path = host + strlen(DOCKER_HOST_PREFIX);
	}
	if (!sock_path)
		sock_path = DOCKER_DEFAULT_SOCK;
	len = strlen(sock_path);
	if (len == 0)
		return moat_error_set(err, MOAT_E_USAGE, "docker: empty socket path");
	if (len >= out_size)
		return moat_error_set(err, -ENAMETOOLONG, "docker: socket path too long: %s",
				      sock_path);
	memcpy(out, sock_path, len + 1);
	return 0;
}

/* Drop the current response (and its connection: each request has its own). */
static void docker_end(struct moat_docker *docker)
{
	moat_http_resp_close(docker->resp);
	docker->resp = NULL;
}

/*
 * Send METHOD target and wait for the response head. Each request says
 * "Connection: close" and gets its own connection, as the engine's own
 * tooling expects of simple clients; the URL's host "docker" is only the
 * Host header, the connection goes to the socket.
 */
static int docker_send(struct moat_docker *docker, const char *method, const char *target,
		       const char *json_body, int timeout_sec, struct moat_error *err)
{
	static const char *const headers[] = { "Connection: close", "Accept: */*", NULL };
	char url[MOAT_HTTP_MAX_URL];
	struct moat_http_req req = {
		.method = method, .url = url, .headers = headers, .timeout_sec = timeout_sec,
		.content_type = json_body ? "application/json" : NULL, .body = json_body,
		.body_len = json_body ? strlen(json_body) : 0,
	};
	int r;

	docker_end(docker);
	if (!target || target[0] != '/' ||
	    (size_t)snprintf(url, sizeof(url), "http://docker%s", target) >= sizeof(url))
		return moat_error_set(err, MOAT_E_USAGE, "http: bad method, target or header");
	r = moat_http_send(docker->http, &req, &docker->resp, err);
	if (r < 0)
		return r;
	return 0;
}

/* Reject non-2xx answers with the engine's message; on success keep rx open. */
static int docker_call_method(struct moat_docker *docker, const char *method, const char *target,
			      const char *json_body, int timeout_sec, const char *what,
			      struct moat_error *err)
{
	int r = docker_send(docker, method, target, json_body, timeout_sec, err);
	int status;

	if (r < 0) {
		moat_error_prefix(err, "%s: ", what);
		return r;
	}
	status = moat_http_resp_status(docker->resp);
	if (status >= 200 && status < 300)
		return 0;
	r = moat_http_resp_fail(docker->resp, what, err);
	docker_end(docker);
	return r;
}

static int docker_call(struct moat_docker *docker, const char *target, int timeout_sec,
		       const char *what, struct moat_error *err)
{
	return docker_call_method(docker, "GET", target, NULL, timeout_sec, what, err);
}

/* "1.<minor>" exactly; other majors are not Engine API versions we know. */
static bool parse_api_version(const char *s, unsigned *ret_minor)
{
	struct moat_slice v = moat_slice_str(s);
	uint64_t minor;

	if (!moat_slice_startswith(v, "1."))
		return false;
	v.ptr += 2;
	v.len -= 2;
	if (v.len > 4 || !moat_slice_to_u64(v, &minor))
		return false;
	*ret_minor = (unsigned)minor;
	return true;
}

/*
 * min(ours, daemon's), as the Go client negotiates, but never below the
 * daemon's MinAPIVersion: newer engines dropped old versions (Docker 29
 * answers 1.41 with 400), and the two endpoints used here have kept their
 * shape since long before 1.41.
 */
static int docker_negotiate(struct moat_docker *docker, struct moat_error *err)
{
	struct moat_buf body;
	json_t *json = NULL;
	unsigned max = DOCKER_API_FALLBACK_MINOR;
	unsigned min = 0;
	unsigned use;
	int r;

	r = docker_call(docker, "/version", DOCKER_TIMEOUT_SEC, "docker: GET /version", err);
	if (r < 0)
		return r;
	moat_buf_init(&body, DOCKER_VERSION_MAX + 1);
	r = moat_http_resp_read_all(docker->resp, &body, DOCKER_VERSION_MAX, err);
	if (r == 0)
		r = moat_json_parse(body.data, body.len, DOCKER_VERSION_MAX, "docker: /version",
				    &json, err);
	docker_end(docker);
	moat_buf_release(&body);
	if (r < 0)
		return r;
	if (moat_json_str(json, "ApiVersion") &&
	    !parse_api_version(moat_json_str(json, "ApiVersion"), &max))
		r = moat_error_set(err, MOAT_E_UNSUPPORTED, "docker: API version %s not supported",
				   moat_json_str(json, "ApiVersion"));
	if (moat_json_str(json, "MinAPIVersion"))
		parse_api_version(moat_json_str(json, "MinAPIVersion"), &min);
	json_decref(json);
	if (r < 0)
		return r;
	use = max < DOCKER_API_MINOR ? max : DOCKER_API_MINOR;
	if (use < min && min <= max)
		use = min;
	snprintf(docker->api_version, sizeof(docker->api_version), "1.%u", use);
	return 0;
}

int moat_docker_open(const char *sock_path, struct moat_docker **ret_docker,
		     struct moat_error *err)
{
	struct moat_docker *docker;
	int r;

	if (!ret_docker)
		return moat_error_set(err, MOAT_E_USAGE, "docker: no handle pointer");
	docker = calloc(1, sizeof(*docker));
	if (!docker)
		return moat_error_set(err, -ENOMEM, "docker: out of memory");
	docker->magic = DOCKER_MAGIC;
	r = docker_sock_path(sock_path, docker->sock_path, sizeof(docker->sock_path), err);
	if (r == 0) {
		struct moat_http_opts hopts = { .unix_socket = docker->sock_path,
						.timeout_sec = DOCKER_TIMEOUT_SEC };

		r = moat_http_open(&hopts, &docker->http, err);
	}
	if (r == 0)
		r = docker_negotiate(docker, err);
	if (r < 0) {
		moat_docker_close(docker);
		return r;
	}
	*ret_docker = docker;
	return 0;
}

void moat_docker_close(struct moat_docker *docker)
{
	if (!docker)
		return;
	docker_end(docker);
	moat_http_close(docker->http);
	docker->magic = 0;
	free(docker);
}

const char *moat_docker_api_version(const struct moat_docker *docker)
{
	return docker->api_version;
}

const char *moat_docker_sock_path(const struct moat_docker *docker)
{
	return docker->sock_path;
}

/*
 * A reference or ID: printable ASCII without spaces, no empty, "." or ".."
 * segment. The engine would reject such names anyway; checking here keeps
 * them from changing which endpoint the path addresses.
 */
static int check_name(const char *name, struct moat_error *err)
{
	struct moat_slice rest = moat_slice_str(name);
	struct moat_slice seg;

	if (rest.len == 0 || rest.len > MOAT_DOCKER_NAME_MAX)
		return moat_error_set(err, MOAT_E_USAGE, "docker: image name empty or over %u bytes",
				      MOAT_DOCKER_NAME_MAX);
	for (size_t i = 0; i < rest.len; i++)
		if (rest.ptr[i] <= 0x20 || rest.ptr[i] >= 0x7f)
			return moat_error_set(err, MOAT_E_USAGE,
					      "docker: image name with space or control byte");
	while (moat_slice_split(&rest, '/', &seg))
		if (seg.len == 0 || moat_slice_eq_str(seg, ".") || moat_slice_eq_str(seg, ".."))
			return moat_error_set(err, MOAT_E_USAGE, "docker: bad image name \"%s\"",
					      name);
	if (name[strlen(name) - 1] == '/')
		return moat_error_set(err, MOAT_E_USAGE, "docker: bad image name \"%s\"", name);
	return 0;
}

/* "/v1.41/images/<escaped name><suffix>" into out. */
static int image_target(struct moat_docker *docker, const char *name, const char *suffix,
			struct moat_buf *out, struct moat_error *err)
{
	int r = check_name(name, err);

	if (r < 0)
		return r;
	r = moat_buf_appendf(out, "/v%s/images/", docker->api_version);
	if (r == 0)
		r = moat_http_escape(out, moat_slice_str(name), "/:@");
	if (r == 0)
		r = moat_buf_append_str(out, suffix);
	if (r < 0)
		return moat_error_set(err, r, "docker: request path too long");
	return 0;
}

/* Build the target, send the request, leave a 2xx response open. */
static int image_call(struct moat_docker *docker, const char *name, const char *suffix,
		      int timeout_sec, const char *verb, struct moat_error *err)
{
	char what[MOAT_ERRMSG_MAX / 2];
	struct moat_buf target;
	int r;

	if (!docker || docker->magic != DOCKER_MAGIC || !name)
		return moat_error_set(err, MOAT_E_USAGE, "docker: bad handle or name");
	docker_end(docker);
	snprintf(what, sizeof(what), "docker: %s %s", verb, name);
	moat_buf_init(&target, MOAT_DOCKER_NAME_MAX * 3 + 64);
	r = image_target(docker, name, suffix, &target, err);
	if (r == 0)
		r = docker_call(docker, (const char *)target.data, timeout_sec, what, err);
	moat_buf_release(&target);
	return r;
}

int moat_docker_image_inspect(struct moat_docker *docker, const char *name, json_t **ret_json,
			      struct moat_error *err)
{
	struct moat_buf body;
	json_t *json = NULL;
	int r;

	r = image_call(docker, name, "/json", DOCKER_TIMEOUT_SEC, "image inspect", err);
	if (r < 0)
		return r;
	moat_buf_init(&body, MOAT_LIMIT_JSON_BYTES + 1);
	r = moat_http_resp_read_all(docker->resp, &body, MOAT_LIMIT_JSON_BYTES, err);
	if (r == 0)
		r = moat_json_parse(body.data, body.len, MOAT_LIMIT_JSON_BYTES,
				    "docker: image inspect", &json, err);
	docker_end(docker);
	moat_buf_release(&body);
	if (r == 0 && !json_is_object(json))
		r = moat_error_set(err, MOAT_E_FORMAT, "docker: image inspect: not a JSON object");
	if (r < 0) {
		json_decref(json);
		return r;
	}
	*ret_json = json;
	return 0;
}

int moat_docker_image_export(struct moat_docker *docker, const char *name,
			     struct moat_reader *ret_body, struct moat_error *err)
{
	int r = image_call(docker, name, "/get", DOCKER_EXPORT_TIMEOUT_SEC, "image export", err);

	if (r < 0)
		return r;
	*ret_body = moat_http_resp_body(docker->resp);
	return 0;
}

int docker_exchange_body(struct moat_docker *docker, const char *method, const char *target,
			 const char *json_body, struct moat_buf *out, size_t max, const char *what,
			 struct moat_error *err)
{
	int r;

	if (!docker || docker->magic != DOCKER_MAGIC)
		return moat_error_set(err, MOAT_E_USAGE, "docker: bad handle");
	r = docker_call_method(docker, method, target, json_body, DOCKER_TIMEOUT_SEC, what, err);
	if (r == 0 && out)
		r = moat_http_resp_read_all(docker->resp, out, max, err);
	docker_end(docker);
	return r;
}

int docker_exchange(struct moat_docker *docker, const char *method, const char *target,
		    struct moat_buf *out, size_t max, const char *what, struct moat_error *err)
{
	return docker_exchange_body(docker, method, target, NULL, out, max, what, err);
}
