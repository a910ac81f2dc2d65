/* SPDX-License-Identifier: Apache-2.0 */
/* defender-inventory.c - the container inventory (defender-inventory.h). */
#include "defender-inventory.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "moat/error.h"
#include "sensor/container.h"
#include "uplink/uplink.h"

struct defender_inventory {
	char node[256];
	struct moat_uplink *up;
	json_t *sent;           /* id -> the object last handed over, running ones */
	json_t *gone;           /* id -> {"c": object, "gen": inventory it went with, 0 = none} */
	time_t last_look;       /* CLOCK_MONOTONIC seconds */
	time_t last_sent;
	bool warned;
};

static time_t mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct defender_inventory *defender_inventory_new(struct moat_uplink *up, const char *node)
{
	struct defender_inventory *inv = calloc(1, sizeof(*inv));

	if (!inv)
		return NULL;
	inv->up = up;
	snprintf(inv->node, sizeof(inv->node), "%s", node ? node : "");
	inv->sent = json_object();
	inv->gone = json_object();
	if (!inv->sent || !inv->gone) {
		defender_inventory_free(inv);
		return NULL;
	}
	return inv;
}

void defender_inventory_free(struct defender_inventory *inv)
{
	if (!inv)
		return;
	json_decref(inv->sent);
	json_decref(inv->gone);
	free(inv);
}

static json_t *port_json(const struct moat_container_port *p)
{
	return json_pack("{s:s, s:i, s:i, s:s}", "ip", p->host_ip[0] ? p->host_ip : "0.0.0.0",
			 "host_port", (json_int_t)p->host_port, "port", (json_int_t)p->port,
			 "proto", p->proto);
}

/* One container as POST /api/v1/events takes it in "containers". */
static json_t *container_json(const struct defender_inventory *inv,
			      const struct moat_container *c)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:o}", "id", c->id,
			      "name", c->name, "image", c->image, "node", inv->node,
			      "running", 1, "privileged", c->privileged, "user", c->user,
			      "ports", json_array());
	json_t *ports = json_object_get(o, "ports");

	if (!o)
		return NULL;
	if (c->image_id[0])
		json_object_set_new(o, "image_digest", json_string(c->image_id));
	for (unsigned i = 0; i < c->n_ports && i < MOAT_CONTAINER_PORTS; i++)
		json_array_append_new(ports, port_json(&c->ports[i]));
	if (c->ports_dropped)
		json_object_set_new(o, "ports_dropped", json_integer(c->ports_dropped));
	if (c->pod[0] || c->k8s_ns[0])
		json_object_set_new(o, "k8s", json_pack("{s:s, s:s}", "pod", c->pod,
							"namespace", c->k8s_ns));
	return o;
}

/* The running, described containers now: id -> object (past runs of an ID
 * that runs again do not count). */
static json_t *current(const struct defender_inventory *inv, const struct moat_containers *cs)
{
	json_t *now = json_object();
	size_t n = moat_containers_count(cs);

	for (size_t i = 0; now && i < n; i++) {
		const struct moat_container *c = moat_containers_at(cs, i);

		if (!c || !c->described || !c->running || json_object_get(now, c->id))
			continue;
		if (json_object_size(now) >= MOAT_UPLINK_INVENTORY_MAX / 2)
			break;  /* the rest waits; stopped ones need room too */
		json_object_set_new(now, c->id, container_json(inv, c));
	}
	return now;
}

/* Containers sent as running that are not any more go to gone, to be sent
 * as stopped until the console has taken an inventory with them (once). */
static bool note_gone(struct defender_inventory *inv, const json_t *now)
{
	struct moat_uplink_stats us;
	const char *id;
	json_t *v, *tmp;
	bool news = false;

	json_object_foreach(inv->sent, id, v) {
		if (json_object_get(now, id) || json_object_get(inv->gone, id) ||
		    json_object_size(inv->gone) >= MOAT_UPLINK_INVENTORY_MAX / 2)
			continue;
		json_object_set_new(inv->gone, id, json_pack("{s:O, s:i}", "c", v, "gen", 0));
		json_object_set_new(json_object_get(json_object_get(inv->gone, id), "c"),
				    "running", json_false());
		news = true;
	}
	moat_uplink_stats(inv->up, &us);
	json_object_foreach_safe(inv->gone, tmp, id, v) {
		json_int_t gen = json_integer_value(json_object_get(v, "gen"));

		/* taken by the console, or running again */
		if ((gen && (uint64_t)gen <= us.inventory_acked) || json_object_get(now, id))
			json_object_del(inv->gone, id);
	}
	return news;
}

void defender_inventory_tick(struct defender_inventory *inv, const struct moat_containers *cs)
{
	struct moat_error err = { 0 };
	time_t t = mono_sec();
	json_t *now, *out, *v;
	const char *id;
	uint64_t gen;
	bool changed;

	if (!inv || t == inv->last_look)
		return;
	inv->last_look = t;
	if (!(now = current(inv, cs)) || !(out = json_array())) {
		json_decref(now);
		return;
	}
	changed = note_gone(inv, now);
	json_object_foreach(now, id, v) {
		changed |= !json_equal(v, json_object_get(inv->sent, id));
		json_array_append(out, v);
	}
	json_object_foreach(inv->gone, id, v)
		json_array_append(out, json_object_get(v, "c"));
	if (json_array_size(out) &&
	    (changed || t - inv->last_sent >= DEFENDER_INVENTORY_REFRESH_SEC)) {
		if (moat_uplink_set_containers(inv->up, out, &gen, &err) == 0) {
			json_object_foreach(inv->gone, id, v)
				if (!json_integer_value(json_object_get(v, "gen")))
					json_object_set_new(v, "gen", json_integer((json_int_t)gen));
			json_decref(inv->sent);
			inv->sent = now;
			now = NULL;
			inv->last_sent = t;
		} else if (!inv->warned) {
			fprintf(stderr, "moat defender: console: %s\n", err.msg);
			inv->warned = true;
		}
	}
	json_decref(now);
	json_decref(out);
}
