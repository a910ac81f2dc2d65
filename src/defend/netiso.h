/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netiso.h - which containers are cut off the network (docs/network.md,
 * "Isolation"). `moat network isolate|unisolate` write DIR/isolation.json;
 * the defender applies it and writes what it applied to
 * DIR/isolation.applied.json (same shape), which the CLI waits for:
 *
 *   {"schema":"moat.isolation/v1",
 *    "containers":[{"id":"<64 hex>","name":"web","allow":["10.0.0.9/32"]}]}
 *
 * An isolated container keeps only: loopback, the host (its networks'
 * gateways, where the defender runs) and the "allow" addresses (a console).
 */
#ifndef MOAT_DEFEND_NETISO_H
#define MOAT_DEFEND_NETISO_H

#include <stddef.h>

#include "netrules.h"

struct moat_buf;
struct moat_error;
struct moat_state;

#define MOAT_NETISO_SCHEMA "moat.isolation/v1"
#define MOAT_NETISO_FILE "isolation.json"
#define MOAT_NETISO_APPLIED "isolation.applied.json"
#define MOAT_NETISO_MAX 256u
#define MOAT_NETISO_ALLOW_MAX 16u

struct moat_netiso_entry {
	char id[65];
	char name[256];
	struct moat_net_to allow[MOAT_NETISO_ALLOW_MAX];   /* CIDR destinations */
	size_t n_allow;
};

struct moat_netiso {
	struct moat_netiso_entry v[MOAT_NETISO_MAX];
	size_t n;
};

int moat_netiso_parse(const void *data, size_t len, const char *origin, struct moat_netiso *ret,
		      struct moat_error *err);
int moat_netiso_write(const struct moat_netiso *iso, struct moat_buf *out);
/* Read file name of the state directory (absent = nothing isolated). */
int moat_netiso_load(struct moat_state *st, const char *name, struct moat_netiso *ret,
		     struct moat_error *err);
/* Index of container id, or -1. */
long moat_netiso_find(const struct moat_netiso *iso, const char *id);

#endif
