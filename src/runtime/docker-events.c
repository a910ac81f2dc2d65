/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-events.c - the Engine's container events as a non-blocking stream.
 *
 * GET /events never ends: the engine writes one JSON object per event into
 * a chunked body (Go's json.Encoder, so usually one object and a newline per
 * chunk). Nothing here relies on that: the chunk framing is undone by the
 * strict decoder of http-body.c, which resumes after -EAGAIN, and the
 * splitter below finds object boundaries by tracking strings and nesting,
 * so an object may be cut anywhere and several may share a chunk or a line.
 * Each object is bounded; an oversize one is reported and skipped to its
 * end, so one bad event does not cost the stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/slice.h"
#include "docker.h"
#include "http.h"
#include "net/http.h"
#include "moat/error.h"

/* Body bytes taken per read, and reads per call: a burst is worked off over
 * a few calls instead of holding up the caller's loop. */
#define EVENTS_READ (16u << 10)
#define EVENTS_READS_PER_CALL 16
/* Nesting counted by the splitter; far past anything jansson accepts. */
#define SPLIT_DEPTH_MAX 100000u
#define EVENTS_FILTER "{\"type\":[\"container\"]}"

struct moat_docker_events {
	int fd;                         /* -1 when reading from a test's reader */
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct moat_http_rx rx;
	bool rx_live;
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

/* The transport: recv without waiting; -EAGAIN (no message) when empty. */
static ssize_t events_recv(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct moat_docker_events *events = ctx;
	ssize_t n;

	do {
		n = recv(events->fd, buf, len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -EAGAIN;
	if (n < 0)
		return moat_error_set(err, -errno, "docker: events: read %s: %s",
				      events->sock_path, strerror(errno));
	return n;
}

static int events_new(struct moat_reader src, struct moat_docker_events **ret,
		      struct moat_error *err)
{
	struct moat_docker_events *events = calloc(1, sizeof(*events));

	if (!events)
		return moat_error_set(err, -ENOMEM, "docker: events: out of memory");
	events->fd = -1;
	moat_docker_event_splitter_init(&events->sp, 0);
	if (!src.ctx)
		src.ctx = events;
	if (moat_http_rx_init(&events->rx, src, EVENTS_READ) < 0) {
		moat_docker_events_close(events);
		return moat_error_set(err, -ENOMEM, "docker: events: out of memory");
	}
	events->rx_live = true;
	*ret = events;
	return 0;
}

int moat_docker_events_from_reader(struct moat_reader src, struct moat_docker_events **ret,
				   struct moat_error *err)
{
	if (!src.read || !src.ctx || !ret)
		return moat_error_set(err, MOAT_E_USAGE, "docker: events: no reader");
	return events_new(src, ret, err);
}

/* "/v1.41/events?filters=<escaped {"type":["container"]}>[&since=N]" */
static int events_request(struct moat_docker *docker, uint64_t since_sec, struct moat_buf *req,
			  struct moat_error *err)
{
	struct moat_buf target;
	int r;

	moat_buf_init(&target, 1024);
	r = moat_buf_appendf(&target, "/v%s/events?filters=", moat_docker_api_version(docker));
	if (r == 0)
		r = moat_http_escape(&target, moat_slice_str(EVENTS_FILTER), "");
	if (r == 0 && since_sec)
		r = moat_buf_appendf(&target, "&since=%llu", (unsigned long long)since_sec);
	if (r < 0)
		r = moat_error_set(err, r, "docker: events: request too long");
	if (r == 0)
		r = moat_http_format_request(req, "GET", (const char *)target.data, "docker", NULL,
					     NULL, err);
	moat_buf_release(&target);
	return r;
}

/*
 * Connect and send without waiting: a unix-socket connect completes at once
 * or fails (-EAGAIN when the engine's backlog is full), and a fresh
 * socket's buffer takes the ~150-byte request whole.
 */
static int events_connect(struct moat_docker_events *events, const struct moat_buf *req,
			  struct moat_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ssize_t n;

	memcpy(addr.sun_path, events->sock_path, sizeof(addr.sun_path));
	events->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (events->fd < 0)
		return moat_error_set(err, -errno, "docker: events: socket: %s", strerror(errno));
	if (connect(events->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return moat_error_set(err, -errno, "docker: events: connect %s: %s",
				      events->sock_path, strerror(errno));
	do {
		n = send(events->fd, req->data, req->len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return moat_error_set(err, -errno, "docker: events: write %s: %s",
				      events->sock_path, strerror(errno));
	if ((size_t)n != req->len)
		return moat_error_set(err, -EAGAIN, "docker: events: request not sent whole");
	return 0;
}

int moat_docker_events_open(struct moat_docker *docker, uint64_t since_sec,
			    struct moat_docker_events **ret_events, struct moat_error *err)
{
	struct moat_docker_events *events = NULL;
	struct moat_buf req;
	int r;

	if (!docker || !ret_events)
		return moat_error_set(err, MOAT_E_USAGE, "docker: events: no handle");
	r = events_new((struct moat_reader){ events_recv, NULL, NULL }, &events, err);
	if (r < 0)
		return r;
	snprintf(events->sock_path, sizeof(events->sock_path), "%s",
		 moat_docker_sock_path(docker));
	moat_buf_init(&req, 4096);
	r = events_request(docker, since_sec, &req, err);
	if (r == 0)
		r = events_connect(events, &req, err);
	moat_buf_release(&req);
	if (r < 0) {
		moat_docker_events_close(events);
		return r;
	}
	*ret_events = events;
	return 0;
}

void moat_docker_events_close(struct moat_docker_events *events)
{
	if (!events)
		return;
	if (events->rx_live)
		moat_http_rx_release(&events->rx);
	if (events->fd >= 0)
		close(events->fd);
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
	int r = moat_http_rx_head(&events->rx, err);

	if (r == -EAGAIN)
		return 0;
	if (r < 0)
		return events_fail(events, r);
	if (events->rx.resp.status != 200)
		return events_fail(events, moat_error_set(err, MOAT_E_RUNTIME,
							  "docker: GET /events: HTTP %d",
							  events->rx.resp.status));
	events->head_done = true;
	return 1;
}

int moat_docker_events_next(struct moat_docker_events *events, struct moat_docker_event *ret_ev,
			    struct moat_error *err)
{
	struct moat_reader body;
	int r;

	if (events->error)
		return moat_error_set(err, events->error, "docker: events stream failed before");
	if (!events->head_done) {
		r = events_head(events, err);
		if (r <= 0)
			return r;
	}
	body = moat_http_rx_body(&events->rx);
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
		n = moat_read(&body, events->buf, sizeof(events->buf), err);
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
	return events->fd;
}
