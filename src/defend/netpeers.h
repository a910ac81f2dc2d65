/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netpeers.h - the running containers as the network sees them: addresses
 * and gateways (from the Docker engine's network settings), image, and the
 * container's cgroup v2 id and directory (from its init's /proc/PID/cgroup:
 * with cgroup v1 Docker's runc still makes <v2 mount>/docker/<id>).
 */
#ifndef MOAT_DEFEND_NETPEERS_H
#define MOAT_DEFEND_NETPEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/container.h"

struct moat_error;
struct moat_peers;

#define MOAT_PEER_ADDRS 8

struct moat_peer {
	char id[65];
	char name[256];
	char image[256];               /* as `docker run` named it */
	char image_id[80];             /* sha256:... */
	char k8s_ns[256];              /* io.kubernetes.pod.namespace label */
	char labels[MOAT_CONTAINER_LABELS];    /* "KEY=VALUE\n" lines (policy scopes) */
	uint8_t addr[MOAT_PEER_ADDRS][16];
	size_t n_addr;
	uint8_t gw[MOAT_PEER_ADDRS][16];   /* the host's side of each network */
	size_t n_gw;
	int pid;
	uint64_t cgroup_id;            /* 0 = unknown */
	char cgroup_path[512];         /* absolute, under the v2 mount */
	bool mark;                     /* refresh bookkeeping */
};

/* docker_sock NULL: the default socket. */
int moat_peers_open(const char *docker_sock, struct moat_peers **ret, struct moat_error *err);
void moat_peers_close(struct moat_peers *p);
/* List the running containers again; *changed says whether anything moved.
 * New containers are inspected once (init pid, cgroup). */
int moat_peers_refresh(struct moat_peers *p, bool *changed, struct moat_error *err);
size_t moat_peers_count(const struct moat_peers *p);
const struct moat_peer *moat_peers_get(const struct moat_peers *p, size_t i);
const struct moat_peer *moat_peers_by_addr(const struct moat_peers *p, const uint8_t addr[16]);
const struct moat_peer *moat_peers_by_cgroup(const struct moat_peers *p, uint64_t cg);
/* Is addr a gateway of some container network (an address of this host)? */
bool moat_peers_is_host(const struct moat_peers *p, const uint8_t addr[16]);

/* Parse an address in text into the IPv6 form; false when it is not one. */
bool moat_peer_addr_parse(const char *text, uint8_t out[16]);

#endif
