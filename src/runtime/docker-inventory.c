/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-inventory.c - read-only calls for auditing an engine (moat comply
 * docker): daemon info and version, every container, the images and their
 * history, exec sessions, a container's processes, networks. Each answer is
 * parsed JSON bounded by MOAT_LIMIT_JSON_BYTES.
 */
#include <stdio.h>
#include <string.h>

#include "docker-int.h"
#include "docker.h"
#include "moat/error.h"

#define TARGET_MAX (MOAT_DOCKER_NAME_MAX + 96)

/* GET /v{api}{path}: an object, or an array when array is set. */
static int get(struct moat_docker *docker, const char *path, const char *what, bool array,
	       json_t **ret_json, struct moat_error *err)
{
	char target[TARGET_MAX + 32];

	snprintf(target, sizeof(target), "/v%s%s", moat_docker_api_version(docker), path);
	return docker_get_json(docker, target, what, array, ret_json, err);
}

int moat_docker_info(struct moat_docker *docker, json_t **ret_json, struct moat_error *err)
{
	return get(docker, "/info", "docker: info", false, ret_json, err);
}

int moat_docker_version(struct moat_docker *docker, json_t **ret_json, struct moat_error *err)
{
	return get(docker, "/version", "docker: version", false, ret_json, err);
}

int moat_docker_container_list_all(struct moat_docker *docker, bool all, json_t **ret_json,
				   struct moat_error *err)
{
	return get(docker, all ? "/containers/json?all=1" : "/containers/json",
		   "docker: container list", true, ret_json, err);
}

int moat_docker_image_list(struct moat_docker *docker, json_t **ret_json, struct moat_error *err)
{
	return get(docker, "/images/json", "docker: image list", true, ret_json, err);
}

int moat_docker_network_list(struct moat_docker *docker, json_t **ret_json,
			     struct moat_error *err)
{
	return get(docker, "/networks", "docker: network list", true, ret_json, err);
}

/* An engine-issued id: optional "sha256:", then 1-64 lowercase hex digits. */
static int check_id(const char *id, struct moat_error *err)
{
	const char *h = id && !strncmp(id, "sha256:", 7) ? id + 7 : id;
	size_t n = h ? strspn(h, "0123456789abcdef") : 0;

	if (n == 0 || n > 64 || h[n])
		return moat_error_set(err, MOAT_E_USAGE, "docker: bad id");
	return 0;
}

int moat_docker_image_history(struct moat_docker *docker, const char *id, json_t **ret_json,
			      struct moat_error *err)
{
	char path[TARGET_MAX];
	int r = check_id(id, err);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/images/%s/history", id);
	return get(docker, path, "docker: image history", true, ret_json, err);
}

int moat_docker_exec_inspect(struct moat_docker *docker, const char *id, json_t **ret_json,
			     struct moat_error *err)
{
	char path[TARGET_MAX];
	int r = check_id(id, err);

	if (r < 0 || !strncmp(id, "sha256:", 7))
		return r < 0 ? r : moat_error_set(err, MOAT_E_USAGE, "docker: bad exec id");
	snprintf(path, sizeof(path), "/exec/%s/json", id);
	return get(docker, path, "docker: exec inspect", false, ret_json, err);
}

int moat_docker_container_top(struct moat_docker *docker, const char *ref, json_t **ret_json,
			      struct moat_error *err)
{
	char path[TARGET_MAX];
	int r = docker_check_ref(ref, err);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/containers/%s/top", ref);
	return get(docker, path, "docker: container top", false, ret_json, err);
}
