/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest-events.c - POST /events batches into the store: events (idempotent
 * on event_id), the containers they name, the network edges they describe,
 * and the pushing defender's heartbeat; one transaction per batch, so a
 * batch is stored whole or not at all and a producer may simply resend it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "forward.h"
#include "moat/error.h"

static char *dump(const json_t *v)
{
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

/* A container named by an event: seen running at the event's time. */
static int see_container(struct moat_db *db, const struct console_event *e,
			 struct moat_error *err)
{
	json_t *k8s = console_container_k8s(e->container);
	char *k8s_text = dump(k8s);
	struct moat_db_val p[] = {
		moat_db_text(e->container_id), moat_db_text(moat_json_str(e->container, "name")),
		moat_db_text(e->image), moat_db_text(e->image_digest), moat_db_text(e->node),
		moat_db_text(k8s_text), moat_db_int(e->ts),
	};
	int r;

	r = moat_db_exec(db, "INSERT INTO containers (id, name, image, image_digest, node, running, "
			 "privileged, k8s, last_seen) VALUES (?, ?, ?, ?, ?, 1, 0, ?, ?) "
			 "ON CONFLICT (id) DO UPDATE SET name = COALESCE(excluded.name, "
			 "containers.name), image = COALESCE(excluded.image, containers.image), "
			 "image_digest = COALESCE(excluded.image_digest, containers.image_digest), "
			 "node = COALESCE(excluded.node, containers.node), k8s = "
			 "COALESCE(excluded.k8s, containers.k8s), last_seen = excluded.last_seen "
			 "WHERE excluded.last_seen > containers.last_seen", p, 7, NULL, err);
	free(k8s_text);
	json_decref(k8s);
	return r;
}

static int put_edge(struct moat_db *db, const struct console_event *e, struct moat_error *err)
{
	struct moat_db_val p[] = {
		moat_db_text(e->edge_src), moat_db_text(e->edge_dst), moat_db_int(e->edge_port),
		moat_db_text(e->edge_proto), moat_db_int(e->ts),
	};

	return moat_db_exec(db, "INSERT INTO edges (src, dst, port, proto, hits, last_seen) "
			    "VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT (src, dst, port, proto) DO "
			    "UPDATE SET hits = edges.hits + 1, last_seen = CASE WHEN "
			    "excluded.last_seen > edges.last_seen THEN excluded.last_seen ELSE "
			    "edges.last_seen END", p, 5, NULL, err);
}

/* One event; *ret_new says whether it was not there before. */
static int put_event(struct moat_db *db, const json_t *ev, const struct console_event *e,
		     const char *source, int64_t now, bool *ret_new, struct moat_error *err)
{
	char *doc = dump(ev), *ctr = dump(e->container), *det = dump(e->details);
	int64_t changes = 0;
	struct moat_db_val p[] = {
		moat_db_text(e->event_id), moat_db_int(e->ts), moat_db_int(now),
		moat_db_text(e->kind), moat_db_text(e->rule), moat_db_text(e->severity),
		moat_db_text(e->container_id), moat_db_text(moat_json_str(e->container, "name")),
		moat_db_text(ctr),
		moat_db_text(e->image), moat_db_text(e->image_digest), moat_db_text(e->node),
		moat_db_text(det), moat_db_text(doc), moat_db_text(source),
	};
	int r;

	if (!doc)
		r = moat_error_set(err, -ENOMEM, "out of memory");
	else
		r = moat_db_exec(db, "INSERT INTO events (event_id, ts, received, kind, rule, "
				 "severity, container_id, container_name, container, image, image_digest, "
				 "node, details, doc, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
				 "?, ?, ?) ON CONFLICT (event_id) DO NOTHING", p, 15, &changes, err);
	free(doc);
	free(ctr);
	free(det);
	*ret_new = changes > 0;
	if (r < 0 || !*ret_new)
		return r;
	if (e->container_id && (r = see_container(db, e, err)) < 0)
		return r;
	if (e->edge_dst[0])
		r = put_edge(db, e, err);
	return r;
}

static int old_image_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	if (n >= 1 && c[0].type == MOAT_DB_TEXT)
		json_object_set_new(ctx, c[0].s, json_true());
	return 1;
}

/* A defender's inventory: {"id","name","image","image_digest","node",
 * "running","privileged","user","ports","k8s"|"labels"}, replacing what we
 * knew. The images it was and is of go into touched (their risk changes). */
static int put_inventory(struct moat_db *db, const json_t *ctr, int64_t now, json_t *touched,
			 struct moat_error *err)
{
	const char *id = moat_json_str(ctr, "id");
	const char *digest = moat_json_str(ctr, "image_digest");
	const json_t *ports = json_object_get(ctr, "ports");
	json_t *k8s = console_container_k8s(ctr);
	struct moat_db_val idv = moat_db_text(id);
	char *ports_text, *k8s_text;
	int r;

	if (!id || strlen(id) > 128) {
		json_decref(k8s);
		return moat_error_set(err, MOAT_E_FORMAT, "containers[]: \"id\" is missing or "
				      "over 128 bytes");
	}
	if (!digest)
		digest = moat_json_str(ctr, "image_id");
	if (digest && strlen(digest) <= 128)
		json_object_set_new(touched, digest, json_true());
	r = moat_db_query(db, "SELECT image_digest FROM containers WHERE id = ?", &idv, 1,
			  old_image_row, touched, err);
	if (r < 0) {
		json_decref(k8s);
		return r;
	}
	ports_text = json_is_array(ports) ? dump(ports) : NULL;
	k8s_text = dump(k8s);
	json_decref(k8s);
	struct moat_db_val p[] = {
		moat_db_text(id), moat_db_text(moat_json_str(ctr, "name")),
		moat_db_text(moat_json_str(ctr, "image")), moat_db_text(digest),
		moat_db_text(moat_json_str(ctr, "node")),
		moat_db_int(json_is_false(json_object_get(ctr, "running")) ? 0 : 1),
		moat_db_int(json_is_true(json_object_get(ctr, "privileged")) ? 1 : 0),
		moat_db_text(moat_json_str(ctr, "user")), moat_db_text(ports_text),
		moat_db_text(k8s_text), moat_db_int(now),
	};
	r = moat_db_exec(db, "INSERT INTO containers (id, name, image, image_digest, node, "
			 "running, privileged, user_name, ports, k8s, last_seen) VALUES (?, ?, ?, "
			 "?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = "
			 "excluded.name, image = excluded.image, image_digest = "
			 "excluded.image_digest, node = excluded.node, running = excluded.running, "
			 "privileged = excluded.privileged, user_name = excluded.user_name, ports = "
			 "excluded.ports, k8s = excluded.k8s, last_seen = excluded.last_seen",
			 p, 11, NULL, err);
	free(ports_text);
	free(k8s_text);
	return r;
}

static int heartbeat(struct moat_db *db, const char *id, const json_t *batch, const char *node,
		     int64_t now, struct moat_error *err)
{
	const json_t *d = json_object_get(batch, "defender");
	struct moat_db_val p[] = {
		moat_db_text(id),
		moat_db_text(json_is_object(d) && moat_json_str(d, "node") ?
			     moat_json_str(d, "node") : node),
		moat_db_text(json_is_object(d) ? moat_json_str(d, "version") : NULL),
		moat_db_int(now), moat_db_text(id),
	};

	return moat_db_exec(db, "INSERT INTO defenders (id, node, version, last_seen, token_id) "
			    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET node = "
			    CONSOLE_DEFENDER_NODE_SQL ", version = "
			    "COALESCE(excluded.version, defenders.version), last_seen = "
			    "excluded.last_seen", p, 5, NULL, err);
}

/* Each image's event count (image_incidents) grows by what the batch added. */
static int count_incidents(struct moat_db *db, json_t *added, struct moat_error *err)
{
	const char *digest;
	json_t *n;
	int r = 0;

	json_object_foreach(added, digest, n) {
		struct moat_db_val p[] = { moat_db_text(digest), moat_db_int(json_integer_value(n)) };

		r = moat_db_exec(db, "INSERT INTO image_incidents (image_digest, n) VALUES (?, ?) "
				 "ON CONFLICT (image_digest) DO UPDATE SET n = image_incidents.n + "
				 "excluded.n", p, 2, NULL, err);
		if (r < 0)
			break;
	}
	return r;
}

/* fresh gets the new events (not duplicates), to forward once committed;
 * the images they and the inventory name are scored again at the end. */
static int batch_tx(struct moat_db *db, const json_t *batch, const char *defender_id,
		    int64_t now, size_t *acc, size_t *dup, json_t *fresh_events,
		    struct moat_error *err)
{
	json_t *touched = json_object(), *added = json_object();
	const json_t *events = json_object_get(batch, "events");
	const json_t *ctrs = json_object_get(batch, "containers");
	const char *node = NULL;
	const json_t *ev;
	size_t i;
	int r;

	json_array_foreach(events, i, ev) {
		struct console_event e;
		bool fresh;

		if ((r = console_event_parse(ev, now, &e, err)) < 0 ||
		    (r = put_event(db, ev, &e, defender_id, now, &fresh, err)) < 0) {
			json_decref(touched);
			json_decref(added);
			return moat_error_prefix(err, "events[%zu]: ", i);
		}
		*(fresh ? acc : dup) += 1;
		if (fresh)
			json_array_append(fresh_events, json_array_get(events, i));
		if (fresh && e.image_digest) {
			json_object_set_new(touched, e.image_digest, json_true());
			json_object_set_new(added, e.image_digest, json_integer(
				json_integer_value(json_object_get(added, e.image_digest)) + 1));
		}
		node = node ? node : e.node;
	}
	r = count_incidents(db, added, err);
	json_decref(added);
	json_array_foreach(ctrs, i, ev) {
		if (!json_is_object(ev))
			r = moat_error_set(err, MOAT_E_FORMAT, "containers[%zu] is not an object", i);
		if (r < 0 || (r = put_inventory(db, ev, now, touched, err)) < 0)
			break;
	}
	if (r == 0)
		r = console_risk_refresh_set(db, touched, err);
	json_decref(touched);
	if (r < 0)
		return r;
	/* another producer on a defender token (admission) is not a defender */
	if (json_is_object(json_object_get(batch, "defender")) &&
	    moat_json_str(json_object_get(batch, "defender"), "producer"))
		return 0;
	return defender_id ? heartbeat(db, defender_id, batch, node, now, err) : 0;
}

int moat_console_ingest_events(struct moat_console *c, const json_t *batch,
			       const char *defender_id, size_t *ret_acc, size_t *ret_dup,
			       struct moat_error *err)
{
	const json_t *events = json_object_get(batch, "events");
	const json_t *ctrs = json_object_get(batch, "containers");
	json_t *fresh, *ev;
	size_t acc = 0, dup = 0, i;
	int64_t now;
	int r;

	if (!json_is_object(batch) || !json_is_array(events))
		return moat_error_set(err, MOAT_E_FORMAT, "want {\"events\":[...]}");
	if (ctrs && !json_is_array(ctrs))
		return moat_error_set(err, MOAT_E_FORMAT, "\"containers\" is not an array");
	if (json_array_size(events) + json_array_size(ctrs) > CONSOLE_MAX_BATCH)
		return moat_error_set(err, MOAT_E_LIMIT, "over %d events and containers in one "
				      "batch", CONSOLE_MAX_BATCH);
	if (!(fresh = json_array()))
		return moat_error_set(err, -ENOMEM, "out of memory");
	pthread_mutex_lock(&c->mu);
	now = moat_time_now_us();
	r = moat_db_begin(c->db, err);
	if (r == 0 && (r = batch_tx(c->db, batch, defender_id, now, &acc, &dup, fresh, err)) == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	/* forwarding: only what this batch stored, after the commit, and in
	 * commit order (still under mu) so its cursor never passes an event
	 * that is stored but not yet routed */
	if (r == 0)
		json_array_foreach(fresh, i, ev)
			console_fwd_event(c->fwd, ev, now);
	pthread_mutex_unlock(&c->mu);
	if (r == 0) {
		*ret_acc = acc;
		*ret_dup = dup;
	}
	json_decref(fresh);
	return r;
}
