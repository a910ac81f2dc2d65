/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netgraph.c - the network graph: nodes and edges in insertion order, each
 * found again through a hash map of its key; JSON and table out, JSON in.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "moat/error.h"
#include "netgraph.h"

#define ID_MAX 320u
#define NAME_MAX_ 256u

struct node {
	char id[ID_MAX];
	char kind[16];
	char image[NAME_MAX_];
	char containers[MOAT_NETGRAPH_MAX_CONTAINERS][NAME_MAX_];
	size_t n_containers;
};

struct edge {
	char key[2 * ID_MAX + 48];     /* src \n dst \n port \n proto \n verdict */
	size_t key_len;
	const struct node *src, *dst;
	uint16_t port;
	char proto[8];
	enum moat_net_verdict verdict;
	uint64_t count;
};

struct moat_netgraph {
	struct node **nodes;
	struct edge **edges;
	size_t n_nodes, n_edges, cap_nodes, cap_edges;
	struct moat_hmap node_ix, edge_ix;
	/* The nodes and the edge used last: a run of connections between the
	 * same two ends finds them by a string compare, where the index hashed
	 * five keys of up to 700 bytes a byte at a time (a tenth of the
	 * defender's time on a connection storm). Nodes and edges live as long
	 * as the graph. */
	struct node *memo_node[2];
	struct edge *memo_edge;
};

static const char *const verdicts[MOAT_NET_VERDICT_MAX] = { "allowed", "alerted", "blocked",
							    "learned" };

const char *moat_net_verdict_name(enum moat_net_verdict v)
{
	return (unsigned)v < MOAT_NET_VERDICT_MAX ? verdicts[v] : "allowed";
}

int moat_netgraph_new(struct moat_netgraph **ret)
{
	struct moat_netgraph *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	moat_hmap_init(&g->node_ix);
	moat_hmap_init(&g->edge_ix);
	*ret = g;
	return 0;
}

void moat_netgraph_free(struct moat_netgraph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_nodes; i++)
		free(g->nodes[i]);
	for (size_t i = 0; i < g->n_edges; i++)
		free(g->edges[i]);
	free(g->nodes);
	free(g->edges);
	moat_hmap_release(&g->node_ix);
	moat_hmap_release(&g->edge_ix);
	free(g);
}

size_t moat_netgraph_nodes(const struct moat_netgraph *g)
{
	return g->n_nodes;
}

size_t moat_netgraph_edges(const struct moat_netgraph *g)
{
	return g->n_edges;
}

static int grow(void ***v, size_t *cap, size_t n)
{
	void **nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 32;
	nv = realloc(*v, nc * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

static void add_container(struct node *n, const char *name)
{
	for (size_t i = 0; i < n->n_containers; i++)
		if (!strcmp(n->containers[i], name))
			return;
	if (n->n_containers < MOAT_NETGRAPH_MAX_CONTAINERS)
		snprintf(n->containers[n->n_containers++], NAME_MAX_, "%s", name);
}

static struct node *node_get(struct moat_netgraph *g, const char *id)
{
	struct node *n;

	for (int i = 0; i < 2; i++)
		if (g->memo_node[i] && !strcmp(g->memo_node[i]->id, id))
			return g->memo_node[i];
	n = moat_hmap_get(&g->node_ix, id, strlen(id));
	if (n) {
		g->memo_node[1] = g->memo_node[0];
		g->memo_node[0] = n;
	}
	return n;
}

/* The memoized edge, if it is this one. */
static struct edge *edge_memo(const struct moat_netgraph *g, const struct node *s,
			      const struct node *d, uint16_t port, const char *proto,
			      enum moat_net_verdict v)
{
	struct edge *e = g->memo_edge;

	if (e && e->src == s && e->dst == d && e->port == port && e->verdict == v &&
	    !strcmp(e->proto, proto))
		return e;
	return NULL;
}

int moat_netgraph_node(struct moat_netgraph *g, const char *id, const char *kind,
		       const char *image, const char *container)
{
	struct node *n = node_get(g, id);

	if (!n) {
		if (strlen(id) >= ID_MAX)
			return MOAT_E_LIMIT;
		if (g->n_nodes == MOAT_NETGRAPH_MAX_NODES)
			return MOAT_E_LIMIT;
		if (grow((void ***)&g->nodes, &g->cap_nodes, g->n_nodes) < 0 ||
		    !(n = calloc(1, sizeof(*n))))
			return -ENOMEM;
		snprintf(n->id, sizeof(n->id), "%s", id);
		snprintf(n->kind, sizeof(n->kind), "%s", kind);
		if (moat_hmap_put(&g->node_ix, n->id, strlen(n->id), n) < 0) {
			free(n);
			return -ENOMEM;
		}
		g->nodes[g->n_nodes++] = n;
	}
	if (image && image[0] && !n->image[0])
		snprintf(n->image, sizeof(n->image), "%s", image);
	if (container && container[0])
		add_container(n, container);
	return 0;
}

int moat_netgraph_edge(struct moat_netgraph *g, const char *src, const char *dst, uint16_t port,
		       const char *proto, enum moat_net_verdict v, uint64_t count)
{
	struct node *s = node_get(g, src);
	struct node *d = node_get(g, dst);
	char key[sizeof(((struct edge *)0)->key)];
	int len;
	struct edge *e;

	if (!s || !d)
		return MOAT_E_USAGE;
	e = edge_memo(g, s, d, port, proto, v);
	if (e) {
		e->count += count;
		return 0;
	}
	len = snprintf(key, sizeof(key), "%s\n%s\n%u\n%s\n%d", src, dst, port, proto, (int)v);
	if (len < 0 || (size_t)len >= sizeof(key))
		return MOAT_E_LIMIT;
	e = moat_hmap_get(&g->edge_ix, key, (size_t)len);
	if (e) {
		g->memo_edge = e;
		e->count += count;
		return 0;
	}
	if (g->n_edges == MOAT_NETGRAPH_MAX_EDGES)
		return MOAT_E_LIMIT;
	if (grow((void ***)&g->edges, &g->cap_edges, g->n_edges) < 0 || !(e = calloc(1, sizeof(*e))))
		return -ENOMEM;
	memcpy(e->key, key, (size_t)len + 1);
	e->key_len = (size_t)len;
	e->src = s;
	e->dst = d;
	e->port = port;
	snprintf(e->proto, sizeof(e->proto), "%s", proto);
	e->verdict = v;
	e->count = count;
	if (moat_hmap_put(&g->edge_ix, e->key, e->key_len, e) < 0) {
		free(e);
		return -ENOMEM;
	}
	g->edges[g->n_edges++] = e;
	g->memo_edge = e;
	return 0;
}

int moat_netgraph_write(const struct moat_netgraph *g, struct moat_buf *out, int pretty)
{
	struct moat_jw jw;

	moat_jw_init(&jw, out, pretty != 0);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", MOAT_NETGRAPH_SCHEMA);
	moat_jw_key(&jw, "nodes");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < g->n_nodes; i++) {
		const struct node *n = g->nodes[i];

		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "id", n->id);
		moat_jw_kstr(&jw, "kind", n->kind);
		moat_jw_key(&jw, "image");
		if (n->image[0])
			moat_jw_str(&jw, n->image);
		else
			moat_jw_null(&jw);
		moat_jw_key(&jw, "containers");
		moat_jw_arr_begin(&jw);
		for (size_t c = 0; c < n->n_containers; c++)
			moat_jw_str(&jw, n->containers[c]);
		moat_jw_arr_end(&jw);
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "edges");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct edge *e = g->edges[i];

		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "src", e->src->id);
		moat_jw_kstr(&jw, "dst", e->dst->id);
		moat_jw_kuint(&jw, "port", e->port);
		moat_jw_kstr(&jw, "proto", e->proto);
		moat_jw_kuint(&jw, "count", e->count);
		moat_jw_kstr(&jw, "verdict", moat_net_verdict_name(e->verdict));
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	return moat_jw_finish(&jw);
}

/* A node as a person reads it: the image reference, else the id. */
static const char *label(const struct node *n)
{
	return n->image[0] ? n->image : n->id;
}

int moat_netgraph_table(const struct moat_netgraph *g, struct moat_buf *out)
{
	int ws = 3;
	int wd = 3;
	int r = 0;

	for (size_t i = 0; i < g->n_edges; i++) {
		int ls = (int)strlen(label(g->edges[i]->src));
		int ld = (int)strlen(label(g->edges[i]->dst));

		ws = ls > ws ? (ls > 60 ? 60 : ls) : ws;
		wd = ld > wd ? (ld > 60 ? 60 : ld) : wd;
	}
	r |= moat_buf_appendf(out, "%-*s  %-*s  %5s  %-5s  %-8s  %s\n", ws, "SRC", wd, "DST",
			      "PORT", "PROTO", "VERDICT", "COUNT");
	for (size_t i = 0; i < g->n_edges && r == 0; i++) {
		const struct edge *e = g->edges[i];
		struct moat_buf s, d;

		moat_buf_init(&s, 4096);
		moat_buf_init(&d, 4096);
		moat_term_escape(&s, label(e->src), strlen(label(e->src)));
		moat_term_escape(&d, label(e->dst), strlen(label(e->dst)));
		r = moat_buf_appendf(out, "%-*s  %-*s  %5u  %-5s  %-8s  %llu\n", ws,
				     s.data ? (char *)s.data : "", wd, d.data ? (char *)d.data : "",
				     e->port, e->proto, moat_net_verdict_name(e->verdict),
				     (unsigned long long)e->count);
		moat_buf_release(&s);
		moat_buf_release(&d);
	}
	return r < 0 ? MOAT_E_LIMIT : 0;
}

static int parse_nodes(struct moat_netgraph *g, const json_t *nodes, struct moat_error *err)
{
	size_t i;
	json_t *n;

	json_array_foreach(nodes, i, n) {
		const char *id = moat_json_str(n, "id");
		const char *kind = moat_json_str(n, "kind");
		const char *image = moat_json_str(n, "image");
		const json_t *cs = json_object_get(n, "containers");
		size_t j;
		json_t *c;
		int r;

		if (!id || !kind || (strcmp(kind, "image") != 0 && strcmp(kind, "external") != 0 &&
				     strcmp(kind, "host") != 0) || (cs && !json_is_array(cs)))
			return moat_error_set(err, MOAT_E_FORMAT, "nodes[%zu]: bad node", i);
		r = moat_netgraph_node(g, id, kind, image, NULL);
		json_array_foreach(cs, j, c)
			if (r == 0 && json_is_string(c))
				r = moat_netgraph_node(g, id, kind, NULL, json_string_value(c));
		if (r < 0)
			return moat_error_set(err, r, "nodes[%zu]: %s", i, moat_strerror(r));
	}
	return 0;
}

static int parse_edges(struct moat_netgraph *g, const json_t *edges, struct moat_error *err)
{
	size_t i;
	json_t *e;

	json_array_foreach(edges, i, e) {
		const char *src = moat_json_str(e, "src");
		const char *dst = moat_json_str(e, "dst");
		const char *proto = moat_json_str(e, "proto");
		const char *verdict = moat_json_str(e, "verdict");
		int64_t port = moat_json_int(e, "port", -1);
		int64_t count = moat_json_int(e, "count", -1);
		int v = -1;
		int r;

		for (int k = 0; verdict && k < MOAT_NET_VERDICT_MAX; k++)
			if (!strcmp(verdict, verdicts[k]))
				v = k;
		if (!src || !dst || !proto || strlen(proto) >= 8 || v < 0 || port < 0 ||
		    port > 65535 || count < 0)
			return moat_error_set(err, MOAT_E_FORMAT, "edges[%zu]: bad edge", i);
		r = moat_netgraph_edge(g, src, dst, (uint16_t)port, proto, (enum moat_net_verdict)v,
				       (uint64_t)count);
		if (r < 0)
			return moat_error_set(err, r == MOAT_E_USAGE ? MOAT_E_FORMAT : r,
					      "edges[%zu]: %s", i,
					      r == MOAT_E_USAGE ? "unknown node" : moat_strerror(r));
	}
	return 0;
}

int moat_netgraph_parse(const uint8_t *data, size_t len, const char *origin,
			struct moat_netgraph **ret, struct moat_error *err)
{
	struct moat_netgraph *g = NULL;
	struct moat_error e = { 0 };
	json_t *root = NULL;
	const json_t *nodes, *edges;
	const char *schema;
	int r = moat_json_parse(data, len, MOAT_NETGRAPH_FILE_MAX, origin, &root, err);

	if (r < 0)
		return r;
	schema = moat_json_str(root, "schema");
	nodes = json_object_get(root, "nodes");
	edges = json_object_get(root, "edges");
	if (!schema || strcmp(schema, MOAT_NETGRAPH_SCHEMA) != 0 || !json_is_array(nodes) ||
	    !json_is_array(edges))
		r = moat_error_set(&e, MOAT_E_FORMAT, "not a %s document", MOAT_NETGRAPH_SCHEMA);
	else if ((r = moat_netgraph_new(&g)) < 0)
		moat_error_set(&e, r, "out of memory");
	else if ((r = parse_nodes(g, nodes, &e)) == 0)
		r = parse_edges(g, edges, &e);
	json_decref(root);
	if (r < 0) {
		moat_netgraph_free(g);
		return moat_error_set(err, r, "%s: %s", origin, e.msg);
	}
	*ret = g;
	return 0;
}
