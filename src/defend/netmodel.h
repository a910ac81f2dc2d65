/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netmodel.h - an image's learned outbound allow-list, kept in
 * DIR/images/<key>/network.json (docs/network.md):
 *
 *   {"schema":"moat.network/v1","image_id":"sha256:...",
 *    "allow":[{"to":"image:sha256:...","ref":"web:1","port":8080,"proto":"tcp",
 *              "count":12,"first_seen":1733.., "last_seen":1733..}, ...]}
 *
 * "to" is a destination as the rules file writes it (image:ID, cidr:..,
 * dns:NAME); "ref" is a note for people. The file is editable: a user
 * who removes an entry removes it from what the defender allows.
 */
#ifndef MOAT_DEFEND_NETMODEL_H
#define MOAT_DEFEND_NETMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "netrules.h"

struct moat_buf;
struct moat_error;

#define MOAT_NETMODEL_SCHEMA "moat.network/v1"
#define MOAT_NETMODEL_MAX 4096u          /* entries per image */
#define MOAT_NETMODEL_FILE_MAX (4u << 20)

struct moat_net_learned {
	struct moat_net_entry e;
	char ref[MOAT_NET_NAME_MAX];     /* image:ID destinations: the reference it ran as */
	uint64_t count;
	int64_t first_seen, last_seen;   /* seconds since the epoch */
};

struct moat_netmodel {
	struct moat_net_learned *v;
	size_t n, cap;
};

void moat_netmodel_free(struct moat_netmodel *m);
/* Parse network.json; origin names it in errors (MOAT_E_FORMAT, MOAT_E_LIMIT). */
int moat_netmodel_parse(const uint8_t *data, size_t len, const char *origin,
			struct moat_netmodel *ret, struct moat_error *err);
/* Serialize (pretty, sorted as held) for image_id. */
int moat_netmodel_write(const struct moat_netmodel *m, const char *image_id,
			struct moat_buf *out);
/* The first entry the connection falls under, or -1. */
long moat_netmodel_find(const struct moat_netmodel *m, const struct moat_net_conn *c);
/* The entry with the same destination, port and protocol, or -1. */
long moat_netmodel_find_same(const struct moat_netmodel *m, const struct moat_net_learned *l);
/* Add l, or count it into its twin: 0, MOAT_E_LIMIT when full, -ENOMEM. */
int moat_netmodel_add(struct moat_netmodel *m, const struct moat_net_learned *l);

#endif
