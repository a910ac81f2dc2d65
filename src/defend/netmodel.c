/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netmodel.c - network.json in and out. The file may have been edited by
 * hand: every field is checked, and a bad entry rejects the file with the
 * index of the entry (the defender then keeps what it had in memory).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "netmodel.h"

void moat_netmodel_free(struct moat_netmodel *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static bool same(const struct moat_net_learned *a, const struct moat_net_learned *b)
{
	return a->e.port == b->e.port && a->e.proto == b->e.proto &&
	       a->e.to.kind == b->e.to.kind && a->e.to.bits == b->e.to.bits &&
	       !memcmp(a->e.to.addr, b->e.to.addr, 16) && !strcmp(a->e.to.name, b->e.to.name);
}

long moat_netmodel_find_same(const struct moat_netmodel *m, const struct moat_net_learned *l)
{
	for (size_t i = 0; i < m->n; i++)
		if (same(&m->v[i], l))
			return (long)i;
	return -1;
}

long moat_netmodel_find(const struct moat_netmodel *m, const struct moat_net_conn *c)
{
	for (size_t i = 0; i < m->n; i++)
		if (moat_net_entry_matches(&m->v[i].e, c))
			return (long)i;
	return -1;
}

int moat_netmodel_add(struct moat_netmodel *m, const struct moat_net_learned *l)
{
	long i = moat_netmodel_find_same(m, l);

	if (i >= 0) {
		struct moat_net_learned *t = &m->v[i];

		t->count += l->count;
		if (l->last_seen > t->last_seen)
			t->last_seen = l->last_seen;
		if (!t->first_seen || (l->first_seen && l->first_seen < t->first_seen))
			t->first_seen = l->first_seen;
		return 0;
	}
	if (m->n == MOAT_NETMODEL_MAX)
		return MOAT_E_LIMIT;
	if (m->n == m->cap) {
		size_t nc = m->cap ? m->cap * 2 : 16;
		struct moat_net_learned *v = realloc(m->v, nc * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = nc;
	}
	m->v[m->n++] = *l;
	return 0;
}

static int parse_entry(const json_t *o, struct moat_net_learned *l, struct moat_error *err)
{
	const char *to = moat_json_str(o, "to");
	const char *ref = moat_json_str(o, "ref");
	const char *proto = moat_json_str(o, "proto");
	int64_t port = moat_json_int(o, "port", 0);

	memset(l, 0, sizeof(*l));
	if (!json_is_object(o) || !to)
		return moat_error_set(err, MOAT_E_FORMAT, "not an object with \"to\"");
	if (moat_net_parse_to(to, &l->e.to, err) < 0)
		return MOAT_E_FORMAT;
	if (port < 0 || port > 65535)
		return moat_error_set(err, MOAT_E_FORMAT, "port out of range");
	l->e.port = (uint16_t)port;
	if (proto && moat_net_parse_proto(proto, &l->e.proto) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "proto must be tcp, udp or any");
	if (ref)
		snprintf(l->ref, sizeof(l->ref), "%s", ref);
	l->count = (uint64_t)moat_json_int(o, "count", 0);
	l->first_seen = moat_json_int(o, "first_seen", 0);
	l->last_seen = moat_json_int(o, "last_seen", 0);
	return 0;
}

int moat_netmodel_parse(const uint8_t *data, size_t len, const char *origin,
			struct moat_netmodel *ret, struct moat_error *err)
{
	struct moat_netmodel m = { 0 };
	json_t *root = NULL;
	const json_t *allow;
	const char *schema;
	size_t i;
	json_t *o;
	int r = moat_json_parse(data, len, MOAT_NETMODEL_FILE_MAX, origin, &root, err);

	if (r < 0)
		return r;
	schema = moat_json_str(root, "schema");
	allow = json_object_get(root, "allow");
	if (!json_is_object(root) || !schema || strcmp(schema, MOAT_NETMODEL_SCHEMA) != 0 ||
	    !json_is_array(allow)) {
		json_decref(root);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not a %s document", origin,
				      MOAT_NETMODEL_SCHEMA);
	}
	json_array_foreach(allow, i, o) {
		struct moat_net_learned l;
		struct moat_error e = { 0 };

		r = parse_entry(o, &l, &e);
		if (r == 0)
			r = moat_netmodel_add(&m, &l);
		if (r < 0) {
			json_decref(root);
			moat_netmodel_free(&m);
			return moat_error_set(err, r == -ENOMEM ? r : MOAT_E_FORMAT,
					      "%s: allow[%zu]: %s", origin, i,
					      e.msg[0] ? e.msg : "too many entries");
		}
	}
	json_decref(root);
	*ret = m;
	return 0;
}

int moat_netmodel_write(const struct moat_netmodel *m, const char *image_id,
			struct moat_buf *out)
{
	struct moat_jw jw;
	char to[MOAT_NET_NAME_MAX + 16];

	moat_jw_init(&jw, out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", MOAT_NETMODEL_SCHEMA);
	moat_jw_kstr(&jw, "image_id", image_id);
	moat_jw_key(&jw, "allow");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < m->n; i++) {
		const struct moat_net_learned *l = &m->v[i];

		moat_net_to_format(&l->e.to, to, sizeof(to));
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "to", to);
		if (l->ref[0])
			moat_jw_kstr(&jw, "ref", l->ref);
		moat_jw_kuint(&jw, "port", l->e.port);
		moat_jw_kstr(&jw, "proto", moat_net_proto_name(l->e.proto));
		moat_jw_kuint(&jw, "count", l->count);
		moat_jw_kint(&jw, "first_seen", l->first_seen);
		moat_jw_kint(&jw, "last_seen", l->last_seen);
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	return moat_jw_finish(&jw);
}
