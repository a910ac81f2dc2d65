/* SPDX-License-Identifier: Apache-2.0 */
/* netiso.c - isolation.json in and out. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "netiso.h"
#include "state.h"

long moat_netiso_find(const struct moat_netiso *iso, const char *id)
{
	for (size_t i = 0; i < iso->n; i++)
		if (!strcmp(iso->v[i].id, id))
			return (long)i;
	return -1;
}

static int parse_entry(const json_t *o, struct moat_netiso_entry *e, struct moat_error *err)
{
	const char *id = moat_json_str(o, "id");
	const char *name = moat_json_str(o, "name");
	const json_t *allow = json_object_get(o, "allow");
	size_t i;
	json_t *a;

	memset(e, 0, sizeof(*e));
	if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return moat_error_set(err, MOAT_E_FORMAT, "\"id\" must be 64 hex digits");
	memcpy(e->id, id, 65);
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "");
	if (allow && !json_is_array(allow))
		return moat_error_set(err, MOAT_E_FORMAT, "\"allow\" must be a list");
	json_array_foreach(allow, i, a) {
		if (i == MOAT_NETISO_ALLOW_MAX)
			return moat_error_set(err, MOAT_E_LIMIT, "more than %u allow addresses",
					      MOAT_NETISO_ALLOW_MAX);
		if (!json_is_string(a) ||
		    moat_net_parse_cidr(json_string_value(a), &e->allow[i], err) < 0)
			return moat_error_set(err, MOAT_E_FORMAT, "allow[%zu]: not an address", i);
		e->n_allow++;
	}
	return 0;
}

int moat_netiso_parse(const void *data, size_t len, const char *origin, struct moat_netiso *ret,
		      struct moat_error *err)
{
	json_t *root = NULL;
	const json_t *cs;
	const char *schema;
	struct moat_error e = { 0 };
	size_t i;
	json_t *o;
	int r = moat_json_parse(data, len, 1u << 20, origin, &root, err);

	if (r < 0)
		return r;
	memset(ret, 0, sizeof(*ret));
	schema = moat_json_str(root, "schema");
	cs = json_object_get(root, "containers");
	if (!schema || strcmp(schema, MOAT_NETISO_SCHEMA) != 0 || !json_is_array(cs))
		r = moat_error_set(&e, MOAT_E_FORMAT, "not a %s document", MOAT_NETISO_SCHEMA);
	json_array_foreach(cs, i, o) {
		if (r < 0)
			break;
		if (i == MOAT_NETISO_MAX)
			r = moat_error_set(&e, MOAT_E_LIMIT, "more than %u containers",
					   MOAT_NETISO_MAX);
		else if ((r = parse_entry(o, &ret->v[i], &e)) == 0)
			ret->n++;
	}
	json_decref(root);
	if (r < 0)
		return moat_error_set(err, r, "%s: %s", origin, e.msg);
	return 0;
}

int moat_netiso_write(const struct moat_netiso *iso, struct moat_buf *out)
{
	struct moat_jw jw;
	char to[MOAT_NET_NAME_MAX + 16];

	moat_jw_init(&jw, out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", MOAT_NETISO_SCHEMA);
	moat_jw_key(&jw, "containers");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < iso->n; i++) {
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "id", iso->v[i].id);
		moat_jw_kstr(&jw, "name", iso->v[i].name);
		moat_jw_key(&jw, "allow");
		moat_jw_arr_begin(&jw);
		for (size_t a = 0; a < iso->v[i].n_allow; a++) {
			moat_net_to_format(&iso->v[i].allow[a], to, sizeof(to));
			moat_jw_str(&jw, to + 5);   /* without "cidr:" */
		}
		moat_jw_arr_end(&jw);
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	return moat_jw_finish(&jw);
}

int moat_netiso_load(struct moat_state *st, const char *name, struct moat_netiso *ret,
		     struct moat_error *err)
{
	struct moat_buf b;
	int r;

	moat_buf_init(&b, (1u << 20) + 1);
	r = moat_state_read(st, NULL, name, &b, err);
	if (r == -ENOENT) {
		memset(err, 0, sizeof(*err));
		memset(ret, 0, sizeof(*ret));
		r = 0;
	} else if (r == 0) {
		r = moat_netiso_parse(b.data, b.len, name, ret, err);
	}
	moat_buf_release(&b);
	return r;
}
