/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netgraph.h - who talks to whom: nodes (images, external addresses or
 * names, the host) and edges (src, dst, port, protocol, verdict) with
 * counts, from the sensor's connect and accept events. The defender keeps
 * it and writes DIR/netgraph.json; `moat network graph` reads that back.
 *
 *   {"schema":"moat.netgraph/v1",
 *    "nodes":[{"id","kind":"image|external|host","image","containers":[..]}],
 *    "edges":[{"src","dst","port","proto","count","verdict"}]}
 *
 * Node ids: "image:sha256:<hex>", "external:<address or DNS name>", "host".
 * One edge per (src, dst, port, proto, verdict): a flow learned and later
 * allowed shows as two edges with their own counts.
 */
#ifndef MOAT_DEFEND_NETGRAPH_H
#define MOAT_DEFEND_NETGRAPH_H

#include <stddef.h>
#include <stdint.h>

struct moat_buf;
struct moat_error;
struct moat_netgraph;

#define MOAT_NETGRAPH_SCHEMA "moat.netgraph/v1"
#define MOAT_NETGRAPH_MAX_NODES 8192u
#define MOAT_NETGRAPH_MAX_EDGES 65536u
#define MOAT_NETGRAPH_MAX_CONTAINERS 64u   /* names kept per image node */
#define MOAT_NETGRAPH_FILE_MAX (64u << 20)

enum moat_net_verdict {
	MOAT_NET_ALLOWED = 0,   /* inside the model or an allow rule */
	MOAT_NET_ALERTED = 1,   /* outside, reported, let through */
	MOAT_NET_BLOCKED = 2,   /* outside, refused in the kernel */
	MOAT_NET_LEARNED = 3,   /* seen in learn mode: now in the model */
	MOAT_NET_VERDICT_MAX = 4,
};

const char *moat_net_verdict_name(enum moat_net_verdict v);

int moat_netgraph_new(struct moat_netgraph **ret);
void moat_netgraph_free(struct moat_netgraph *g);

/* Add or find a node; kind is "image", "external" or "host"; image and
 * container may be NULL. A container name is added to an image node's list. */
int moat_netgraph_node(struct moat_netgraph *g, const char *id, const char *kind,
		       const char *image, const char *container);
/* Count one flow (both nodes must exist). */
int moat_netgraph_edge(struct moat_netgraph *g, const char *src, const char *dst, uint16_t port,
		       const char *proto, enum moat_net_verdict v, uint64_t count);

/* The document above; pretty for people. */
int moat_netgraph_write(const struct moat_netgraph *g, struct moat_buf *out, int pretty);
/* An aligned table of the edges (SRC DST PORT PROTO VERDICT COUNT). */
int moat_netgraph_table(const struct moat_netgraph *g, struct moat_buf *out);
/* Read a written graph back (validates every field; MOAT_E_FORMAT, MOAT_E_LIMIT). */
int moat_netgraph_parse(const uint8_t *data, size_t len, const char *origin,
			struct moat_netgraph **ret, struct moat_error *err);
size_t moat_netgraph_nodes(const struct moat_netgraph *g);
size_t moat_netgraph_edges(const struct moat_netgraph *g);

#endif
