/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker.h - the Docker Engine API over its unix socket.
 *
 * Only what a scan needs: inspect an image and stream its `docker save` tar.
 * One connection per request, through net/http.h (libcurl on the unix
 * socket). The API version is negotiated once at open: ours (1.41, Docker 20.10) unless the
 * daemon is older, or the daemon's minimum if it no longer speaks ours.
 *
 * A handle is not thread-safe; use one per thread.
 */
#ifndef MOAT_RUNTIME_DOCKER_H
#define MOAT_RUNTIME_DOCKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/reader.h"

struct moat_error;
struct moat_docker;

/* Highest Engine API version this code was written and tested against. */
#define MOAT_DOCKER_API_VERSION "1.41"
/* Longest image name or ID accepted (a reference is at most ~450 bytes). */
#define MOAT_DOCKER_NAME_MAX 1024u

/*
 * Connect to the engine and negotiate the API version (GET /version).
 * sock_path NULL = $DOCKER_HOST (unix:// only; MOAT_E_UNSUPPORTED otherwise)
 * or /var/run/docker.sock. Returns 0 and *ret_docker, or -errno when the
 * socket cannot be reached (-ENOENT, -ECONNREFUSED, -EACCES, -ETIMEDOUT),
 * MOAT_E_RUNTIME when the engine answers with an error.
 */
int moat_docker_open(const char *sock_path, struct moat_docker **ret_docker,
		     struct moat_error *err);
/* Close any open response and free the handle. NULL is a no-op. */
void moat_docker_close(struct moat_docker *docker);

/* The negotiated API version, e.g. "1.41". Owned by docker. */
const char *moat_docker_api_version(const struct moat_docker *docker);

/*
 * GET /images/{name}/json, parsed (caller json_decref's). name is a
 * reference ("moat-test/app:1", "app@sha256:...") or an image ID.
 * MOAT_E_NOTFOUND when the engine has no such image, MOAT_E_USAGE for a name
 * with spaces, control bytes or "." / ".." path segments.
 */
int moat_docker_image_inspect(struct moat_docker *docker, const char *name, json_t **ret_json,
			      struct moat_error *err);

/*
 * GET /images/{name}/get: the `docker save` tar as a stream, read once, never
 * stored on disk. The reader is valid until the next call on docker or
 * moat_docker_close. Errors as for inspect; the stream itself may fail with
 * MOAT_E_TRUNCATED if the engine stops mid-way (e.g. image removed).
 */
int moat_docker_image_export(struct moat_docker *docker, const char *name,
			     struct moat_reader *ret_body, struct moat_error *err);

/*
 * GET /containers/{ref}/json, parsed (caller json_decref's). ref is a
 * container ID (full or prefix) or name. MOAT_E_NOTFOUND for no such
 * container, MOAT_E_USAGE for a reference the engine could not have issued.
 * (docker-containers.c)
 */
int moat_docker_container_inspect(struct moat_docker *docker, const char *ref, json_t **ret_json,
				  struct moat_error *err);
/* POST /containers/{ref}/stop?t=timeout_sec: SIGTERM, then SIGKILL after the timeout. */
int moat_docker_container_stop(struct moat_docker *docker, const char *ref, unsigned timeout_sec,
			       struct moat_error *err);
/* POST /containers/{ref}/pause: freeze every process of the container. */
int moat_docker_container_pause(struct moat_docker *docker, const char *ref,
				struct moat_error *err);
/*
 * Cut the container off every network it is attached to (network
 * disconnect, forced); it keeps running. *ret_networks (may be NULL) = how
 * many were disconnected; "none" or "host" networks are disconnected too,
 * where the engine allows it, else the engine's error is returned.
 */
int moat_docker_container_isolate(struct moat_docker *docker, const char *ref,
				  unsigned *ret_networks, struct moat_error *err);

/* GET /containers/json: the running containers, parsed (an array; caller
 * json_decref's). Each has Id, Names, Image, ImageID, Labels and
 * NetworkSettings.Networks.<name>.{IPAddress,GlobalIPv6Address,Gateway}. */
int moat_docker_container_list(struct moat_docker *docker, json_t **ret_json,
			       struct moat_error *err);

/*
 * Read-only inventory for audits (docker-inventory.c); each answer parsed,
 * caller json_decref's. info: GET /info; version: GET /version;
 * container_list_all: GET /containers/json, every container when all is
 * set; image_list: GET /images/json (top-level images, as `docker images`);
 * image_history: GET /images/{id}/history (id "sha256:HEX" or HEX);
 * exec_inspect: GET /exec/{id}/json; container_top: GET
 * /containers/{ref}/top (Titles, Processes; ps -ef on the host, nothing runs
 * inside the container); network_list: GET /networks.
 */
int moat_docker_info(struct moat_docker *docker, json_t **ret_json, struct moat_error *err);
int moat_docker_version(struct moat_docker *docker, json_t **ret_json, struct moat_error *err);
int moat_docker_container_list_all(struct moat_docker *docker, bool all, json_t **ret_json,
				   struct moat_error *err);
int moat_docker_image_list(struct moat_docker *docker, json_t **ret_json, struct moat_error *err);
int moat_docker_image_history(struct moat_docker *docker, const char *id, json_t **ret_json,
			      struct moat_error *err);
int moat_docker_exec_inspect(struct moat_docker *docker, const char *id, json_t **ret_json,
			     struct moat_error *err);
int moat_docker_container_top(struct moat_docker *docker, const char *ref, json_t **ret_json,
			      struct moat_error *err);
int moat_docker_network_list(struct moat_docker *docker, json_t **ret_json,
			     struct moat_error *err);

/* The socket the handle connects to. Owned by docker. */
const char *moat_docker_sock_path(const struct moat_docker *docker);

/*
 * The engine's container events (GET /events, type=container), for keeping
 * a cache of container metadata fresh: a long-lived chunked response on its
 * own non-blocking connection (libcurl through net/http.h, started without
 * waiting), cut into JSON objects whatever the chunk and line boundaries,
 * each bounded (docker-events.c).
 */
#define MOAT_DOCKER_EVENT_MAX (64u << 10)  /* one event's JSON; real ones are < 1 KiB */
#define MOAT_DOCKER_EVENT_STR 256u         /* name, image, action: truncated to this */

struct moat_docker_event {
	char action[64];                   /* "start", "die", "destroy", "rename", ... */
	char id[65];                       /* Actor.ID: [a-zA-Z0-9_.-], at most 64 bytes */
	char name[MOAT_DOCKER_EVENT_STR];  /* Attributes.name ("" if absent) */
	char image[MOAT_DOCKER_EVENT_STR]; /* Attributes.image */
	char old_name[MOAT_DOCKER_EVENT_STR]; /* Attributes.oldName (rename), without "/" */
	uint64_t time_ns;                  /* timeNano, else time * 1e9; 0 if absent */
};

/*
 * Cuts a decoded events body into top-level JSON objects by tracking
 * strings and nesting, so neither chunk nor line boundaries matter.
 * Caller-embedded: init/release.
 */
struct moat_docker_event_splitter {
	struct moat_buf obj;               /* bytes of the current object */
	size_t max;                        /* an object past this is skipped */
	uint32_t depth;
	bool in_str;
	bool esc;
	bool skipping;                     /* inside an oversize object */
	bool broken;                       /* bytes outside any object: out of sync */
	uint64_t skipped;                  /* objects dropped for their size */
};

/* max 0 = MOAT_DOCKER_EVENT_MAX. */
void moat_docker_event_splitter_init(struct moat_docker_event_splitter *sp, size_t max);
void moat_docker_event_splitter_release(struct moat_docker_event_splitter *sp);

/*
 * Feed body bytes; *ret_used (always set) says how many were consumed.
 * Returns 1 with *ret_ev filled when a container event completed, 0 when
 * all of data was used without one (or the object was another type). Per
 * event, and the splitter stays in step (feed the rest of data next):
 * MOAT_E_LIMIT for an object over max (its remaining bytes are skipped),
 * MOAT_E_FORMAT for one that is not valid JSON or lacks Action or Actor.ID,
 * or has an ID with other bytes. Sticky: MOAT_E_FORMAT for bytes other than
 * whitespace between objects (the stream is not an events stream; reconnect).
 */
int moat_docker_event_feed(struct moat_docker_event_splitter *sp, const uint8_t *data,
			   size_t len, size_t *ret_used, struct moat_docker_event *ret_ev,
			   struct moat_error *err);

struct moat_docker_events;

/*
 * Open the stream on a new non-blocking connection to docker's socket (same
 * API version); since_sec != 0 replays events from then on (to catch up
 * after a reconnect). Only the request is sent here; nothing blocks.
 */
int moat_docker_events_open(struct moat_docker *docker, uint64_t since_sec,
			    struct moat_docker_events **ret_events, struct moat_error *err);
/* The same stream from src (the body as the engine sends it, chunk
 * framing undone), for tests and replays; src.read may return -EAGAIN. */
int moat_docker_events_from_reader(struct moat_reader src, struct moat_docker_events **ret_events,
				   struct moat_error *err);
/* Close the connection and free. NULL is a no-op. */
void moat_docker_events_close(struct moat_docker_events *events);
/*
 * The next event, without blocking: 1 and *ret_ev, 0 when nothing more has
 * arrived yet. Negative: one event was bad (MOAT_E_LIMIT, MOAT_E_FORMAT as
 * for moat_docker_event_feed; call again for the next), or the stream is
 * over for good (MOAT_E_TRUNCATED when the engine closed it, MOAT_E_RUNTIME
 * for a non-200 answer, -errno; moat_docker_events_failed() is then true,
 * close and reopen).
 */
int moat_docker_events_next(struct moat_docker_events *events, struct moat_docker_event *ret_ev,
			    struct moat_error *err);
bool moat_docker_events_failed(const struct moat_docker_events *events);
/* The connection's fd, for poll(2) (POLLIN), or -1. */
int moat_docker_events_fd(const struct moat_docker_events *events);

#endif
