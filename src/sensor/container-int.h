/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container-int.h - the container cache's layout, shared by container.c
 * (attribution and the cache itself) and container-engine.c (describing
 * containers through the engines, and following the engine's events).
 */
#ifndef MOAT_SENSOR_CONTAINER_INT_H
#define MOAT_SENSOR_CONTAINER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hmap.h"
#include "container.h"

struct moat_docker;
struct moat_docker_events;

/* Distinct containers remembered; past this, lookups still work but are not cached. */
#define CONTAINERS_MAX 4096
/* Non-host mount namespaces outside containers (systemd PrivateTmp services, unshare). */
#define HOST_NS_MAX 1024

struct moat_containers {
	struct moat_docker *docker;           /* NULL when no engine answered */
	char sock[108];
	bool sock_default;
	uint32_t host_mnt_ns;
	struct moat_hmap by_ns;               /* key -> struct moat_container; keys live in entries */
	struct moat_container *entries[CONTAINERS_MAX]; /* owned, unordered */
	unsigned n;
	uint64_t evicted;
	struct moat_container host;           /* sentinel for namespaces known to be host */
	struct moat_container overflow;       /* answer when the table is full */
	struct moat_container_key host_keys[HOST_NS_MAX]; /* keys of the sentinel's entries */
	unsigned n_host;

	/* The engine's event stream (container-engine.c). */
	struct moat_docker_events *events;    /* NULL while not connected */
	uint64_t retry_ns;                    /* CLOCK_MONOTONIC of the next attempt */
	uint32_t backoff_ms;
	uint64_t last_event_sec;              /* replayed from on reconnect */
};

/* Fill c (id already set) from the Docker engine, else its containerd
 * bundle; sets described, running and source when one answers. */
void containers_describe(struct moat_containers *cs, struct moat_container *c);

/* Drop c from the map and the table and free it. */
void containers_evict(struct moat_containers *cs, struct moat_container *c);

/* The mount namespace of pid, 0 when it is gone. */
uint32_t containers_pid_mnt_ns(uint32_t pid);
/* The cgroup v2 id of pid (its directory's inode), 0 when unknown. */
uint64_t containers_pid_cgroup_id(uint32_t pid);

#endif
