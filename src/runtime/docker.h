/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker.h - the Docker Engine API over its unix socket.
 *
 * Only what a scan needs: inspect an image and stream its `docker save` tar.
 * One connection per request, through the strict client in http.h. The API
 * version is negotiated once at open: ours (1.41, Docker 20.10) unless the
 * daemon is older, or the daemon's minimum if it no longer speaks ours.
 *
 * A handle is not thread-safe; use one per thread.
 */
#ifndef MOAT_RUNTIME_DOCKER_H
#define MOAT_RUNTIME_DOCKER_H

#include <jansson.h>

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

#endif
