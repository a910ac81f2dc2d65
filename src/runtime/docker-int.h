/* SPDX-License-Identifier: Apache-2.0 */
/* docker-int.h - what docker.c shares with the other files of the Docker client. */
#ifndef MOAT_RUNTIME_DOCKER_INT_H
#define MOAT_RUNTIME_DOCKER_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct moat_docker;
struct moat_error;

/*
 * One request on its own connection: METHOD target (already escaped, with
 * the /v1.xx prefix), no body. A 2xx answer's body is appended to out (if
 * not NULL; MOAT_E_LIMIT past max bytes); others become errors as in
 * moat_http_resp_fail, named by `what`.
 */
int docker_exchange(struct moat_docker *docker, const char *method, const char *target,
		    struct moat_buf *out, size_t max, const char *what, struct moat_error *err);
/* The same with a JSON request body (json_body NULL = none). */
int docker_exchange_body(struct moat_docker *docker, const char *method, const char *target,
			 const char *json_body, struct moat_buf *out, size_t max, const char *what,
			 struct moat_error *err);

/* A container or network reference: [a-zA-Z0-9][a-zA-Z0-9_.-]*, bounded;
 * else MOAT_E_USAGE. Nothing else reaches a URL. */
int docker_check_ref(const char *ref, struct moat_error *err);
/* GET target and parse the answer, which must be an object (array: an
 * array), at most MOAT_LIMIT_JSON_BYTES. */
int docker_get_json(struct moat_docker *docker, const char *target, const char *what, bool array,
		    json_t **ret_json, struct moat_error *err);

#endif
