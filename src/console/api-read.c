/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-read.c - ingest endpoints (POST /scans, POST /events) and the reads:
 * images and one image with its layers, packages and findings, containers,
 * events with filters, and the radar (images as nodes, observed
 * connections as edges).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

void console_api_scans_post(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *doc = console_body_object(call);
	char digest[72];

	if (!doc)
		return;
	if (moat_console_ingest_scan(call->c, doc, call->who.name, digest, &err) < 0)
		console_reply_db(call, &err);
	else
		console_reply_json(call, 201, json_pack("{s:s}", "image", digest));
	json_decref(doc);
}

void console_api_events_post(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *batch = console_body_object(call);
	size_t acc = 0, dup = 0;

	if (!batch)
		return;
	if (moat_console_ingest_events(call->c, batch, console_defender_self(call), &acc, &dup, &err) < 0)
		console_reply_db(call, &err);
	else
		console_reply_json(call, 200, json_pack("{s:I,s:I}", "accepted", (json_int_t)acc,
							"duplicates", (json_int_t)dup));
	json_decref(batch);
}

/* ---- images ---- */

#define IMAGE_SELECT \
	"SELECT i.digest, i.refs, i.os, i.scanned_at, i.n_critical, i.n_high, i.n_medium, " \
	"i.n_low, i.n_negligible, i.n_unknown, i.risk_max, i.findings, " \
	"(SELECT COUNT(*) FROM containers c WHERE c.running = 1 AND c.image_digest IN " \
	"(i.digest, i.config_digest)), " \
	"COALESCE((SELECT x.n FROM image_incidents x WHERE x.image_digest = i.digest), 0) + " \
	"CASE WHEN i.config_digest IS NULL OR i.config_digest = i.digest THEN 0 ELSE " \
	"COALESCE((SELECT x.n FROM image_incidents x WHERE x.image_digest = i.config_digest), 0) " \
	"END, " \
	"(SELECT COUNT(*) FROM containers c WHERE c.k8s IS NOT NULL AND c.image_digest IN " \
	"(i.digest, i.config_digest)), i.config_digest, i.env FROM images i"

static const char *const sev_keys[] = { "critical", "high", "medium", "low", "negligible",
					"unknown" };

static int64_t col_int(const struct moat_db_val *v)
{
	return v->type == MOAT_DB_INT ? v->i : 0;
}

/* The radar's colour: the highest severity with a finding, where a finding
 * nobody rated ("unknown") ranks above low, as the risk model weighs it
 * (between low and medium, docs/risk.md): an image of unrated flaws is
 * "unknown" (grey), never "low", which would read "looked at, harmless". */
static const char *top_severity(const json_t *counts)
{
	static const char *const order[] = { "critical", "high", "medium", "unknown", "low",
					     "negligible" };

	for (size_t i = 0; i < N(order); i++)
		if (moat_json_int(counts, order[i], 0) > 0)
			return order[i];
	return "none";
}

static json_t *image_object(const struct moat_db_val *c, size_t n)
{
	json_t *counts = json_object();
	json_t *o;

	json_t *env;

	if (n < 17)
		return NULL;
	for (size_t i = 0; i < N(sev_keys); i++)
		json_object_set_new(counts, sev_keys[i], json_integer(col_int(&c[4 + i])));
	o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:b,s:o}",
		      "digest", console_text_json(&c[0]), "refs", console_doc_json(&c[1]),
		      "os", console_text_json(&c[2]), "scanned_at", console_time_json(&c[3]),
		      "counts", counts, "risk_max", (json_int_t)col_int(&c[10]),
		      "findings", (json_int_t)col_int(&c[11]),
		      "containers_running", (json_int_t)col_int(&c[12]),
		      "incidents", (json_int_t)col_int(&c[13]), "k8s", col_int(&c[14]) > 0,
		      "config_digest", console_text_json(&c[15]));
	env = console_doc_json(&c[16]);
	/* what the scan said, and where the image runs (risk-env.c) */
	json_object_set_new(o, "risk_max_scan", json_is_object(env) ?
			    json_integer(moat_json_int(env, "risk_max_scan", 0)) :
			    json_integer(col_int(&c[10])));
	if (json_is_object(env))
		json_object_del(env, "key");
	json_object_set_new(o, "environment", json_is_object(env) ? env : json_null());
	if (!json_is_object(env))
		json_decref(env);
	return o;
}

static int image_rows(void *ctx, const struct moat_db_val *c, size_t n)
{
	json_t *o = image_object(c, n);

	return o && json_array_append_new(ctx, o) == 0 ? 0 : -1;
}

void console_api_images(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *arr = json_array();
	int64_t limit, offset;
	int r;

	if (!console_paging(call, &limit, &offset)) {
		json_decref(arr);
		return;
	}
	struct moat_db_val p[] = { moat_db_int(limit), moat_db_int(offset) };
	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, IMAGE_SELECT " ORDER BY i.risk_max DESC, i.digest LIMIT ? "
			  "OFFSET ?", p, 2, image_rows, arr, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		json_decref(arr);
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:o}", "images", arr));
}

static const struct console_colspec layer_cols[] = {
	{ "index", COL_INT }, { "diff_id", COL_TEXT }, { "created_by", COL_TEXT },
	{ "owner", COL_TEXT },
};

static int doc_rows(void *ctx, const struct moat_db_val *c, size_t n)
{
	return n && json_array_append_new(ctx, console_doc_json(&c[0])) == 0 ? 0 : -1;
}

/* Layers, packages and findings of one image, under the lock. */
static int image_parts(struct moat_db *db, const char *digest, json_t *out,
		       struct moat_error *err)
{
	struct console_rows layers = { layer_cols, N(layer_cols), json_array() };
	json_t *pkgs = json_array(), *fnd = json_array();
	struct moat_db_val p = moat_db_text(digest);
	int r;

	json_object_set_new(out, "layers", layers.arr);
	json_object_set_new(out, "packages", pkgs);
	json_object_set_new(out, "findings", fnd);
	r = moat_db_query(db, "SELECT idx, diff_id, created_by, owner FROM layers WHERE image = ? "
			  "ORDER BY idx", &p, 1, console_rows_append, &layers, err);
	if (r == 0)
		r = moat_db_query(db, "SELECT doc FROM packages WHERE image = ? ORDER BY idx", &p, 1,
				  doc_rows, pkgs, err);
	if (r == 0)
		r = moat_db_query(db, "SELECT doc FROM findings WHERE image = ? ORDER BY idx", &p, 1,
				  doc_rows, fnd, err);
	return r;
}

void console_api_image(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *arr = json_array(), *out = NULL;
	struct moat_db_val p[] = { moat_db_text(call->param), moat_db_text(call->param) };
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, IMAGE_SELECT " WHERE i.digest = ? OR i.config_digest = ? "
			  "ORDER BY i.scanned_at DESC", p, 2, image_rows, arr, &err);
	if (r == 0 && json_array_size(arr)) {
		json_t *img = json_array_get(arr, 0);

		out = json_pack("{s:O}", "image", img);
		r = image_parts(call->c->db, moat_json_str(img, "digest"), out, &err);
	}
	pthread_mutex_unlock(&call->c->mu);
	json_decref(arr);
	if (r < 0)
		console_reply_db(call, &err);
	else if (!out)
		console_reply_error(call, 404, "no image %s (upload a scan first)", call->param);
	else
		console_reply_json(call, 200, json_incref(out));
	json_decref(out);
}

/* ---- containers ---- */

static const struct console_colspec container_cols[] = {
	{ "id", COL_TEXT }, { "name", COL_TEXT }, { "image", COL_TEXT },
	{ "image_digest", COL_TEXT }, { "node", COL_TEXT }, { "running", COL_BOOL },
	{ "privileged", COL_BOOL }, { "user", COL_TEXT }, { "ports", COL_DOC }, { "k8s", COL_DOC },
	{ "last_seen", COL_TIME },
};

void console_api_containers(struct console_call *call)
{
	int64_t limit, offset;

	if (!console_paging(call, &limit, &offset))
		return;
	struct moat_db_val p[] = { moat_db_int(limit), moat_db_int(offset) };
	console_reply_list(call, "containers", "SELECT id, name, image, image_digest, node, "
			   "running, privileged, user_name, COALESCE(ports, '[]'), k8s, last_seen "
			   "FROM containers ORDER BY running DESC, last_seen DESC, id LIMIT ? "
			   "OFFSET ?", p, 2, container_cols, N(container_cols));
}

/* ---- events ---- */

/* The stored alert with the console's normalised fields on top. */
static int event_rows(void *ctx, const struct moat_db_val *c, size_t n)
{
	json_t *doc, *ev;

	if (n < 12)
		return -1;
	doc = console_doc_json(&c[9]);
	ev = json_is_object(doc) ? doc : json_object();
	if (ev != doc)
		json_decref(doc);
	json_object_del(ev, "schema");
	json_object_set_new(ev, "event_id", console_text_json(&c[0]));
	json_object_set_new(ev, "time", console_time_json(&c[1]));
	json_object_set_new(ev, "kind", console_text_json(&c[2]));
	json_object_set_new(ev, "rule", console_text_json(&c[3]));
	json_object_set_new(ev, "severity", console_text_json(&c[4]));
	json_object_set_new(ev, "container", console_doc_json(&c[5]));
	json_object_set_new(ev, "image", c[7].type == MOAT_DB_TEXT ? console_text_json(&c[7]) :
			    console_text_json(&c[6]));
	json_object_set_new(ev, "image_name", console_text_json(&c[6]));
	json_object_set_new(ev, "node", console_text_json(&c[8]));
	if (!json_is_object(json_object_get(ev, "details")))
		json_object_set_new(ev, "details", json_object());
	json_object_set_new(ev, "acked", json_boolean(c[10].type == MOAT_DB_TEXT));
	json_object_set_new(ev, "acked_by", console_text_json(&c[10]));
	json_object_set_new(ev, "acked_at", console_time_json(&c[11]));
	return json_array_append_new(ctx, ev) == 0 ? 0 : -1;
}

/* WHERE clause and parameters from the query string; false when answered 400. */
static bool event_filters(struct console_call *call, char *where, size_t len,
			  struct moat_db_val *p, size_t *np, int64_t *since)
{
	static const struct {
		const char *arg;
		const char *sql;
		int nparams;
	} f[] = {
		{ "kind", " AND kind = ?", 1 },
		{ "severity", " AND severity = ?", 1 },
		{ "rule", " AND rule = ?", 1 },
		{ "node", " AND node = ?", 1 },
		{ "image", " AND (image = ? OR image_digest = ?)", 2 },
		{ "container", " AND (container_id = ? OR container_name = ?)", 2 },
	};
	const char *acked = moat_server_req_arg(call->req, "acked");
	const char *s = moat_server_req_arg(call->req, "since");

	snprintf(where, len, " WHERE 1 = 1");
	for (size_t i = 0; i < N(f); i++) {
		const char *v = moat_server_req_arg(call->req, f[i].arg);

		if (!v || !v[0])
			continue;
		snprintf(where + strlen(where), len - strlen(where), "%s", f[i].sql);
		for (int k = 0; k < f[i].nparams; k++)
			p[(*np)++] = moat_db_text(v);
	}
	if (acked && strcmp(acked, "true") != 0 && strcmp(acked, "false") != 0) {
		console_reply_error(call, 400, "?acked= is true or false");
		return false;
	}
	if (acked)
		snprintf(where + strlen(where), len - strlen(where), " AND acked_by IS %sNULL",
			 strcmp(acked, "true") == 0 ? "NOT " : "");
	if (s && s[0]) {
		if (console_since_parse(s, moat_time_now_us(), since) < 0) {
			console_reply_error(call, 400, "?since= wants RFC 3339 or a duration like "
					    "15m, 24h, 7d");
			return false;
		}
		snprintf(where + strlen(where), len - strlen(where), " AND ts >= ?");
		p[(*np)++] = moat_db_int(*since);
	}
	return true;
}

void console_api_events(struct console_call *call)
{
	struct moat_error err = { 0 };
	struct moat_db_val p[16];
	char where[512], sql[1024];
	int64_t limit, offset, since = 0;
	size_t np = 0;
	json_t *arr;
	int r;

	if (!console_paging(call, &limit, &offset) ||
	    !event_filters(call, where, sizeof(where), p, &np, &since))
		return;
	p[np++] = moat_db_int(limit);
	p[np++] = moat_db_int(offset);
	snprintf(sql, sizeof(sql), "SELECT event_id, ts, kind, rule, severity, container, image, "
		 "image_digest, node, doc, acked_by, acked_at FROM events%s ORDER BY ts DESC, event_id "
		 "LIMIT ? OFFSET ?",
		 where);
	arr = json_array();
	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, sql, p, np, event_rows, arr, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		json_decref(arr);
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:o}", "events", arr));
}

static int text_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	if (n >= 1 && c[0].type == MOAT_DB_TEXT)
		snprintf(ctx, 160, "%s", c[0].s);
	return 1;
}

static int risk_after_ack(struct moat_db *db, const char *event_id, struct moat_error *err)
{
	struct moat_db_val p = moat_db_text(event_id);
	char image[160] = "";
	int r;

	r = moat_db_query(db, "SELECT image_digest FROM events WHERE event_id = ?", &p, 1, text_row,
			  image, err);
	return r == 0 && image[0] ? console_risk_refresh_image(db, image, err) : r;
}

/* An operator has seen it: acked once (the first ack stays). */
void console_api_event_ack(struct console_call *call)
{
	struct moat_console *c = call->c;
	struct moat_error err = { 0 };
	int64_t n = 0, have = 0;
	struct moat_db_val p[] = { moat_db_text(call->who.name), moat_db_int(moat_time_now_us()),
				   moat_db_text(call->param) };
	int r;

	pthread_mutex_lock(&c->mu);
	r = moat_db_begin(c->db, &err);
	if (r == 0)
		r = moat_db_int_query(c->db, "SELECT COUNT(*) FROM events WHERE event_id = ?", &p[2], 1,
				      0, &have, &err);
	if (r == 0)
		r = moat_db_exec(c->db, "UPDATE events SET acked_by = ?, acked_at = ? WHERE "
				 "event_id = ? AND acked_by IS NULL", p, 3, &n, &err);
	if (r == 0 && n)
		r = console_audit(c, call->who.name, "event.ack", call->param, &err);
	if (r == 0 && n)        /* an acknowledged alert no longer raises its image's risk */
		r = risk_after_ack(c->db, call->param, &err);
	if (r == 0)
		r = moat_db_commit(c->db, &err);
	if (r < 0)
		moat_db_rollback(c->db);
	pthread_mutex_unlock(&c->mu);
	if (r < 0)
		console_reply_db(call, &err);
	else if (!have)
		console_reply_error(call, 404, "no event %s", call->param);
	else
		console_reply_json(call, 200, json_pack("{s:s,s:b}", "event_id", call->param,
							"acked", 1));
}

/* ---- radar ---- */

struct radar {
	json_t *nodes;                  /* array */
	json_t *ids;                    /* node id -> true */
	json_t *alias;                  /* "image:<config digest>" -> "image:<digest>" */
	json_t *edges;
};

static int radar_image(void *ctx, const struct moat_db_val *c, size_t n)
{
	struct radar *rd = ctx;
	json_t *img = image_object(c, n);
	const json_t *refs;
	json_t *raised;
	char id[96], alias[96];

	if (!img)
		return -1;
	refs = json_object_get(img, "refs");
	snprintf(id, sizeof(id), "image:%s", moat_json_str(img, "digest"));
	raised = json_object_get(json_object_get(img, "environment"), "raised_by");
	json_array_append_new(rd->nodes, json_pack(
		"{s:s,s:s,s:O,s:O,s:O,s:O,s:o,s:s,s:O,s:O,s:O}", "id", id, "kind", "image",
		"image", json_array_size(refs) ? json_array_get(refs, 0) : json_null(),
		"digest", json_object_get(img, "digest"),
		"risk_max", json_object_get(img, "risk_max"),
		"risk_max_scan", json_object_get(img, "risk_max_scan"),
		"risk_raised_by", json_is_array(raised) ? json_incref(raised) : json_array(),
		"severity", top_severity(json_object_get(img, "counts")),
		"containers_running", json_object_get(img, "containers_running"),
		"incidents", json_object_get(img, "incidents"), "k8s", json_object_get(img, "k8s")));
	json_object_set_new(rd->ids, id, json_true());
	if (moat_json_str(img, "config_digest")) {
		snprintf(alias, sizeof(alias), "image:%s", moat_json_str(img, "config_digest"));
		json_object_set_new(rd->alias, alias, json_string(id));
	}
	json_decref(img);
	return 0;
}

/* An endpoint's node id (an image under its scanned digest); adds a node
 * for addresses and images the console has no scan of. */
static const char *radar_end(struct radar *rd, const char *end)
{
	const char *a = moat_json_str(rd->alias, end);
	const char *kind;

	if (a)
		return a;
	if (json_object_get(rd->ids, end))
		return end;
	kind = !strcmp(end, "host") ? "host" : !strncmp(end, "image:", 6) ? "image" : "external";
	json_array_append_new(rd->nodes, json_pack(
		"{s:s,s:s,s:n,s:s?,s:i,s:i,s:[],s:s,s:i,s:i,s:b}", "id", end, "kind", kind, "image",
		"digest", !strcmp(kind, "image") ? end + 6 : NULL, "risk_max", 0, "risk_max_scan", 0,
		"risk_raised_by", "severity", "none",
		"containers_running", 0, "incidents", 0, "k8s", 0));
	json_object_set_new(rd->ids, end, json_true());
	return end;
}

static int radar_edge(void *ctx, const struct moat_db_val *c, size_t n)
{
	struct radar *rd = ctx;
	const char *src, *dst;

	if (n < 5 || c[0].type != MOAT_DB_TEXT || c[1].type != MOAT_DB_TEXT)
		return 0;
	src = radar_end(rd, c[0].s);
	dst = radar_end(rd, c[1].s);
	json_array_append_new(rd->edges, json_pack("{s:s,s:s,s:I,s:o,s:I}", "src", src, "dst", dst,
						   "port", (json_int_t)col_int(&c[2]),
						   "proto", console_text_json(&c[3]),
						   "count", (json_int_t)col_int(&c[4])));
	return 0;
}

void console_api_radar(struct console_call *call)
{
	struct radar rd = { json_array(), json_object(), json_object(), json_array() };
	struct moat_error err = { 0 };
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, IMAGE_SELECT " ORDER BY i.digest LIMIT 2000", NULL, 0,
			  radar_image, &rd, &err);
	if (r == 0)
		r = moat_db_query(call->c->db, "SELECT src, dst, port, proto, hits FROM edges ORDER "
				  "BY src, dst, port, proto LIMIT 5000", NULL, 0, radar_edge, &rd,
				  &err);
	pthread_mutex_unlock(&call->c->mu);
	json_decref(rd.ids);
	json_decref(rd.alias);
	if (r < 0) {
		json_decref(rd.nodes);
		json_decref(rd.edges);
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:o,s:o}", "nodes", rd.nodes, "edges", rd.edges));
}
