/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-containers.c - container calls of the Docker Engine API: inspect
 * (for the defender's attribution of events to containers) and the
 * defender's responses: stop, pause, and isolate (disconnect from every
 * network). Container references are IDs or names, which the engine
 * limits to [a-zA-Z0-9][a-zA-Z0-9_.-]*; nothing else reaches the URL.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "docker-int.h"
#include "docker.h"
#include "moat/error.h"
#include "moat/limits.h"

/* The engine's container name rule (daemon/names.go), with a length cap. */
int docker_check_ref(const char *ref, struct moat_error *err)
{
	size_t len = ref ? strlen(ref) : 0;

	if (len == 0 || len > MOAT_DOCKER_NAME_MAX)
		return moat_error_set(err, MOAT_E_USAGE, "docker: container reference empty or too long");
	for (size_t i = 0; i < len; i++) {
		char c = ref[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '_' || c == '.' || c == '-'));

		if (!ok)
			return moat_error_set(err, MOAT_E_USAGE, "docker: bad container reference");
	}
	return 0;
}

int docker_get_json(struct moat_docker *docker, const char *target, const char *what, bool array,
		    json_t **ret_json, struct moat_error *err)
{
	struct moat_buf body;
	json_t *json = NULL;
	int r;

	moat_buf_init(&body, MOAT_LIMIT_JSON_BYTES + 1);
	r = docker_exchange(docker, "GET", target, &body, MOAT_LIMIT_JSON_BYTES, what, err);
	if (r == 0)
		r = moat_json_parse(body.data, body.len, MOAT_LIMIT_JSON_BYTES, what, &json, err);
	moat_buf_release(&body);
	if (r == 0 && (array ? !json_is_array(json) : !json_is_object(json)))
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: not an %s", what,
				   array ? "array" : "object");
	if (r < 0) {
		json_decref(json);
		return r;
	}
	*ret_json = json;
	return 0;
}

int moat_docker_container_inspect(struct moat_docker *docker, const char *ref, json_t **ret_json,
				  struct moat_error *err)
{
	char target[MOAT_DOCKER_NAME_MAX + 64];
	int r = docker_check_ref(ref, err);

	if (r < 0)
		return r;
	snprintf(target, sizeof(target), "/v%s/containers/%s/json", moat_docker_api_version(docker),
		 ref);
	return docker_get_json(docker, target, "docker: container inspect", false, ret_json, err);
}

int moat_docker_container_list(struct moat_docker *docker, json_t **ret_json,
			       struct moat_error *err)
{
	char target[64];

	snprintf(target, sizeof(target), "/v%s/containers/json", moat_docker_api_version(docker));
	return docker_get_json(docker, target, "docker: container list", true, ret_json, err);
}

int moat_docker_container_stop(struct moat_docker *docker, const char *ref, unsigned timeout_sec,
			       struct moat_error *err)
{
	char target[MOAT_DOCKER_NAME_MAX + 64];
	int r = docker_check_ref(ref, err);

	if (r < 0)
		return r;
	snprintf(target, sizeof(target), "/v%s/containers/%s/stop?t=%u",
		 moat_docker_api_version(docker), ref, timeout_sec);
	return docker_exchange(docker, "POST", target, NULL, 0, "docker: container stop", err);
}

int moat_docker_container_pause(struct moat_docker *docker, const char *ref,
				struct moat_error *err)
{
	char target[MOAT_DOCKER_NAME_MAX + 64];
	int r = docker_check_ref(ref, err);

	if (r < 0)
		return r;
	snprintf(target, sizeof(target), "/v%s/containers/%s/pause", moat_docker_api_version(docker),
		 ref);
	return docker_exchange(docker, "POST", target, NULL, 0, "docker: container pause", err);
}

/* POST /networks/{net}/disconnect {"Container": ref, "Force": true} */
static int disconnect(struct moat_docker *docker, const char *net, const char *ref,
		      struct moat_error *err)
{
	char target[MOAT_DOCKER_NAME_MAX + 64];
	char body[MOAT_DOCKER_NAME_MAX + 64];
	int r = docker_check_ref(net, err);

	if (r < 0)
		return r;
	snprintf(target, sizeof(target), "/v%s/networks/%s/disconnect",
		 moat_docker_api_version(docker), net);
	/* ref passed check_container: no quote or backslash can reach the JSON */
	snprintf(body, sizeof(body), "{\"Container\":\"%s\",\"Force\":true}", ref);
	return docker_exchange_body(docker, "POST", target, body, NULL, 0,
				    "docker: network disconnect", err);
}

int moat_docker_container_isolate(struct moat_docker *docker, const char *ref,
				  unsigned *ret_networks, struct moat_error *err)
{
	json_t *info = NULL;
	json_t *nets;
	const char *name;
	json_t *v;
	unsigned n = 0;
	int r = moat_docker_container_inspect(docker, ref, &info, err);

	if (r < 0)
		return r;
	nets = json_object_get(json_object_get(info, "NetworkSettings"), "Networks");
	json_object_foreach(nets, name, v) {
		(void)v;
		if (!strcmp(name, "none"))
			continue;       /* nothing to cut */
		r = disconnect(docker, name, ref, err);
		if (r < 0)
			break;
		n++;
	}
	json_decref(info);
	if (ret_networks)
		*ret_networks = n;
	return r;
}
