/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd.h - what a container is, from the OCI bundle containerd keeps.
 *
 * For containers the Docker engine does not know (Kubernetes through CRI,
 * `ctr run`, nerdctl) or when it is absent: each task's shim keeps its
 * bundle under <state>/io.containerd.runtime.v2.task/<namespace>/<id>/ with
 * the runtime spec (config.json) and init.pid. The spec's annotations carry
 * the CRI plugin's names (pod, Kubernetes namespace, container, image);
 * init.pid gives the init process and, by its mtime, when the task started.
 */
#ifndef MOAT_SENSOR_CONTAINERD_H
#define MOAT_SENSOR_CONTAINERD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "container.h"

struct moat_error;

/* config.json of one bundle: Docker writes ~9 KiB, CRI ~20 KiB; the bound
 * stops a hostile or broken file from costing memory. */
#define MOAT_CONTAINERD_CONFIG_MAX (1u << 20)
/* containerd's identifier rule caps IDs and namespaces at 76 bytes. */
#define MOAT_CONTAINERD_ID_MAX 76u
/* Namespace directories looked at per state root. */
#define MOAT_CONTAINERD_NS_MAX 64u

struct moat_containerd_meta {
	char name[MOAT_CONTAINER_STR];    /* io.kubernetes.cri.container-name */
	char image[MOAT_CONTAINER_STR];   /* io.kubernetes.cri.image-name */
	char pod[MOAT_CONTAINER_STR];     /* io.kubernetes.cri.sandbox-name / io.kubernetes.pod.name */
	char k8s_ns[MOAT_CONTAINER_STR];  /* ...sandbox-namespace / io.kubernetes.pod.namespace */
	char ns[MOAT_CONTAINERD_ID_MAX + 1]; /* containerd namespace of the bundle ("k8s.io") */
	uint64_t start_sec;               /* mtime of init.pid; 0 if unknown */
	int init_pid;                     /* from init.pid; 0 if unknown */
};

/*
 * Fill the name fields of meta from a runtime spec's annotations (fields
 * not named there are set to ""). MOAT_E_FORMAT when data is not a JSON
 * object or its annotations are not an object; MOAT_E_LIMIT past
 * MOAT_CONTAINERD_CONFIG_MAX.
 */
int moat_containerd_parse_config(const uint8_t *data, size_t len,
				 struct moat_containerd_meta *meta, struct moat_error *err);

/* A containerd identifier: [A-Za-z0-9_.-], not starting with '.', 1..76 bytes. */
bool moat_containerd_valid_id(const char *id);

/*
 * Find the bundle of container id under each state root (a directory of
 * namespace directories, e.g. /run/containerd/io.containerd.runtime.v2.task;
 * roots NULL = the default list, else NULL-terminated) and describe it.
 * MOAT_E_USAGE for an invalid id, MOAT_E_NOTFOUND when no root has it,
 * else as for moat_containerd_parse_config or the read.
 */
int moat_containerd_describe(const char *const *roots, const char *id,
			     struct moat_containerd_meta *meta, struct moat_error *err);

#endif
