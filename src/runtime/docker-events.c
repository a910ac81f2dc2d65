/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-events.c - the Engine's container events as a non-blocking stream.
 *
 * GET /events never ends: the engine writes one JSON object per event into
 * a chunked body (Go's json.Encoder, so usually one object and a newline per
 * chunk). Nothing here relies on that: libcurl (net/http.c, a started
 * request: no idle timeout, reads that never block) undoes the chunk
 * framing, and the splitter below finds object boundaries by tracking
 * strings and nesting,
 * so an object may be cut anywhere and several may share a chunk or a line.
 * Each object is bounded; an oversize one is reported and skipped to its
 * end, so one bad event does not cost the stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/slice.h"
#include "docker.h"
#include "net/http.h"
#include "moat/error.h"

/* Body bytes taken per read, and reads per call: a burst is worked off over
 * a few calls instead of holding up the caller's loop. */
#define EVENTS_READ (16u << 10)
#define EVENTS_READS_PER_CALL 16
/* Nesting counted by the splitter; far past anything jansson accepts. */
#define SPLIT_DEPTH_MAX 100000u
#define EVENTS_FILTER "{\"type\":[\"container\"]}"
/* Connecting to a local socket is immediate or fails; no idle timeout. */
#define EVENTS_CONNECT_SEC 10

struct moat_docker_events {
	struct moat_http *http;         /* NULL when reading from a test's reader */
	struct moat_http_resp *resp;
	struct moat_reader body;        /* never blocks: -EAGAIN when nothing came */
	bool head_done;
	int error;                      /* sticky stream failure, 0 if none */
	struct moat_docker_event_splitter sp;
	uint8_t buf[EVENTS_READ];       /* decoded body bytes not yet fed */
	size_t pos;
	size_t end;
};

void moat_docker_event_splitter_init(struct moat_docker_event_splitter *sp, size_t max)
{
	memset(sp, 0, sizeof(*sp));
	sp->max = max ? max : MOAT_DOCKER_EVENT_MAX;
	moat_buf_init(&sp->obj, sp->max + 1);
}

void moat_docker_event_splitter_release(struct moat_docker_event_splitter *sp)
{
	moat_buf_release(&sp->obj);
}

/* The engine's container names and IDs: [a-zA-Z0-9_.-], here at most 64 bytes. */
static bool valid_id(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	if (src && *src == '/')
		src++;          /* names are "/name" in some API versions */
	snprintf(dst, cap, "%s", src ? src : "");
}

/*
 * One event object: {"Type":"container","Action":"start","Actor":{"ID":...,
 * "Attributes":{"name":...,"image":...}},"time":...,"timeNano":...}. Engines
 * before API 1.22 sent only "status" and "id"; both shapes are read.
 */
static int parse_event(const uint8_t *data, size_t len, struct moat_docker_event *ev,
		       struct moat_error *err)
{
	json_t *j = NULL;
	json_t *actor;
	json_t *attrs;
	const char *type;
	const char *action;
	const char *id;
	int64_t nano;
	int r = moat_json_parse(data, len, MOAT_DOCKER_EVENT_MAX, "docker: event", &j, err);

	if (r < 0)
		return r;
	type = moat_json_str(j, "Type");
	if (!json_is_object(j) || (type && strcmp(type, "container") != 0)) {
		json_decref(j);
		return 0;
	}
	actor = json_object_get(j, "Actor");
	attrs = json_object_get(actor, "Attributes");
	action = moat_json_str(j, "Action") ? moat_json_str(j, "Action") : moat_json_str(j, "status");
	id = moat_json_str(actor, "ID") ? moat_json_str(actor, "ID") : moat_json_str(j, "id");
	if (!action || !*action || !valid_id(id)) {
		json_decref(j);
		return moat_error_set(err, MOAT_E_FORMAT,
				      "docker: event: no Action or no valid Actor.ID");
	}
	memset(ev, 0, sizeof(*ev));
	copy_str(ev->action, sizeof(ev->action), action);
	copy_str(ev->id, sizeof(ev->id), id);
	copy_str(ev->name, sizeof(ev->name), moat_json_str(attrs, "name"));
	copy_str(ev->image, sizeof(ev->image), moat_json_str(attrs, "image"));
	copy_str(ev->old_name, sizeof(ev->old_name), moat_json_str(attrs, "oldName"));
	nano = moat_json_int(j, "timeNano", 0);
	if (nano <= 0 && moat_json_int(j, "time", 0) > 0 &&
	    moat_json_int(j, "time", 0) < INT64_MAX / 1000000000)
		nano = moat_json_int(j, "time", 0) * 1000000000;
	ev->time_ns = nano > 0 ? (uint64_t)nano : 0;
	json_decref(j);
	return 1;
}

/* Track strings and nesting; true when this byte closed the top-level object. */
static bool split_step(struct moat_docker_event_splitter *sp, uint8_t c)
{
	if (sp->in_str) {
		if (sp->esc)
			sp->esc = false;
		else if (c == '\\')
			sp->esc = true;
		else if (c == '"')
			sp->in_str = false;
		return false;
	}
	if (c == '"') {
		sp->in_str = true;
	} else if (c == '{' || c == '[') {
		sp->depth++;
	} else if (c == '}' || c == ']') {
		sp->depth--;
		return sp->depth == 0;
	}
	return false;
}

/* Keep data[from, to) of the current object, or start skipping it. */
static int split_keep(struct moat_docker_event_splitter *sp, const uint8_t *from, size_t n,
		      struct moat_error *err)
{
	if (sp->skipping)
		return 0;
	if (sp->obj.len + n <= sp->max && moat_buf_append(&sp->obj, from, n) == 0)
		return 0;
	sp->skipping = true;
	sp->skipped++;
	moat_buf_release(&sp->obj);
	return moat_error_set(err, MOAT_E_LIMIT, "docker: event over %zu bytes, skipped",
			      sp->max);
}

int moat_docker_event_feed(struct moat_docker_event_splitter *sp, const uint8_t *data,
			   size_t len, size_t *ret_used, struct moat_docker_event *ret_ev,
			   struct moat_error *err)
{
	size_t start = 0;      /* first byte of the object's run in data */
	size_t i = 0;

	*ret_used = 0;
	if (sp->broken)
		return moat_error_set(err, MOAT_E_FORMAT, "docker: events stream out of step");
	while (i < len) {
		uint8_t c = data[i++];
		bool closed;
		int r;

		if (sp->depth == 0) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (c != '{') {
				sp->broken = true;
				*ret_used = i;
				return moat_error_set(err, MOAT_E_FORMAT,
						      "docker: events: byte 0x%02x outside an object",
						      c);
			}
			sp->depth = 1;
			sp->skipping = false;
			moat_buf_reset(&sp->obj);
			start = i - 1;
			continue;
		}
		closed = split_step(sp, c);
		if (sp->depth > SPLIT_DEPTH_MAX) {
			sp->broken = true;
			*ret_used = i;
			return moat_error_set(err, MOAT_E_LIMIT, "docker: events: nesting too deep");
		}
		if (!closed)
			continue;
		*ret_used = i;
		r = split_keep(sp, data + start, i - start, err);
		if (r < 0)
			return r;
		start = i;
		if (sp->skipping)
			continue;       /* the end of an object already reported */
		r = parse_event(sp->obj.data, sp->obj.len, ret_ev, err);
		moat_buf_reset(&sp->obj);
		if (r != 0)
			return r;
	}
	*ret_used = len;
	if (sp->depth > 0)
		return split_keep(sp, data + start, len - start, err);
	return 0;
}

static int events_new(struct moat_docker_events **ret, struct moat_error *err)
{
	struct moat_docker_events *events = calloc(1, sizeof(*events));

	if (!events)
		return moat_error_set(err, -ENOMEM, "docker: events: out of memory");
	moat_docker_event_splitter_init(&events->sp, 0);
	*ret = events;
	return 0;
}

int moat_docker_events_from_reader(struct moat_reader src, struct moat_docker_events **ret,
				   struct moat_error *err)
{
	int r;

	if (!src.read || !src.ctx || !ret)
		return moat_error_set(err, MOAT_E_USAGE, "docker: events: no reader");
	if ((r = events_new(ret, err)) < 0)
		return r;
	(*ret)->body = src;
	(*ret)->head_done = true;
	return 0;
}

/* "http://docker/v1.41/events?filters=<escaped {"type":["container"]}>[&since=N]" */
static int events_url(struct moat_docker *docker, uint64_t since_sec, struct moat_buf *url)
{
	int r = moat_buf_appendf(url, "http://docker/v%s/events?filters=",
				 moat_docker_api_version(docker));

	if (r == 0)
		r = moat_http_escape(url, moat_slice_str(EVENTS_FILTER), "");
	if (r == 0 && since_sec)
		r = moat_buf_appendf(url, "&since=%llu", (unsigned long long)since_sec);
	if (r == 0)
		r = moat_buf_putc(url, '\0');
	return r;
}

int moat_docker_events_open(struct moat_docker *docker, uint64_t since_sec,
			    struct moat_docker_events **ret_events, struct moat_error *err)
{
	static const char *const headers[] = { "Connection: close", "Accept: */*", NULL };
	struct moat_http_opts hopts = { .timeout_sec = EVENTS_CONNECT_SEC };
	struct moat_docker_events *events = NULL;
	struct moat_http_req req = { .headers = headers };
	struct moat_buf url;
	int r;

	if (!docker || !ret_events)
		return moat_error_set(err, MOAT_E_USAGE, "docker: events: no handle");
	if ((r = events_new(&events, err)) < 0)
		return r;
	/* its own client: the stream lives beside the handle's other requests */
	hopts.unix_socket = moat_docker_sock_path(docker);
	moat_buf_init(&url, MOAT_HTTP_MAX_URL);
	r = events_url(docker, since_sec, &url);
	if (r < 0)
		r = moat_error_set(err, r, "docker: events: request too long");
	if (r == 0)
		r = moat_http_open(&hopts, &events->http, err);
	req.url = (const char *)url.data;
	if (r == 0)
		r = moat_http_start(events->http, &req, &events->resp, err);
	moat_buf_release(&url);
	if (r < 0) {
		moat_error_prefix(err, "docker: events: ");
		moat_docker_events_close(events);
		return r;
	}
	events->body = moat_http_resp_body(events->resp);
	*ret_events = events;
	return 0;
}

void moat_docker_events_close(struct moat_docker_events *events)
{
	if (!events)
		return;
	moat_http_resp_close(events->resp);
	moat_http_close(events->http);
	moat_docker_event_splitter_release(&events->sp);
	free(events);
}

static int events_fail(struct moat_docker_events *events, int code)
{
	events->error = code;
	return code;
}

/* The response head, as far as it has arrived: 1 once it is a 200. */
static int events_head(struct moat_docker_events *events, struct moat_error *err)
{
	int r = moat_http_resp_ready(events->resp, err);
	int status;

	if (r == 0)
		return 0;
	if (r < 0) {
		moat_error_prefix(err, "docker: events: ");
		return events_fail(events, r);
	}
	status = moat_http_resp_status(events->resp);
	if (status != 200)
		return events_fail(events, moat_error_set(err, MOAT_E_RUNTIME,
							  "docker: GET /events: HTTP %d", status));
	events->head_done = true;
	return 1;
}

int moat_docker_events_next(struct moat_docker_events *events, struct moat_docker_event *ret_ev,
			    struct moat_error *err)
{
	int r;

	if (events->error)
		return moat_error_set(err, events->error, "docker: events stream failed before");
	if (!events->head_done) {
		r = events_head(events, err);
		if (r <= 0)
			return r;
	}
	for (int reads = 0;;) {
		ssize_t n;

		if (events->pos < events->end) {
			size_t used;

			r = moat_docker_event_feed(&events->sp, events->buf + events->pos,
						   events->end - events->pos, &used, ret_ev, err);
			events->pos += used;
			if (r < 0 && events->sp.broken)
				return events_fail(events, r);
			if (r != 0)
				return r;
			continue;
		}
		if (reads++ == EVENTS_READS_PER_CALL)
			return 0;
		n = moat_read(&events->body, events->buf, sizeof(events->buf), err);
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			return events_fail(events, moat_error_set(err, MOAT_E_TRUNCATED,
								  "docker: events stream ended"));
		if (n < 0)
			return events_fail(events, (int)n);
		events->pos = 0;
		events->end = (size_t)n;
	}
}

bool moat_docker_events_failed(const struct moat_docker_events *events)
{
	return events->error != 0;
}

int moat_docker_events_fd(const struct moat_docker_events *events)
{
	return events->resp ? moat_http_resp_fd(events->resp) : -1;
}
