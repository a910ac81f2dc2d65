/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-admission.c - the admission controllers (`moat webhook --console`,
 * `moat authz --console`): their heartbeats and GET /admission-controllers.
 *
 * They send the defender's heartbeat (POST /defenders/self/heartbeat, the
 * same control channel) with "producer": "webhook" or "authz"; such a
 * heartbeat is kept here, not in the defenders table. One credential
 * (a role-defender token) may serve many controllers, so a controller is
 * its credential, its kind and its node. What is kept is bounded and only
 * the known fields: the policy set in force (console etag, policies, where
 * it came from, when; the local policy's hash), decisions, verdict cache,
 * scans, spool and the last error. The list says per controller whether
 * the set in force is the console's current one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Bounds of what a controller reports. */
#define ADM_TEXT_MAX 255
#define ADM_POLICIES_MAX 128
#define ADM_HEALTH_MAX ((size_t)96 * 1024)
/* Controllers one credential may have listed; and how long one that went
 * quiet stays listed. */
#define ADM_PER_CREDENTIAL_MAX 256
#define ADM_FORGET_US (30LL * 24 * 3600 * 1000000)
/* Offline after three missed heartbeats (the SQL below) and this slack. */
#define ADM_SLACK_US (2LL * 1000000)

/* Printable text of at most max bytes, else NULL. */
static const char *adm_text(const json_t *obj, const char *key, size_t max)
{
	const char *s = moat_json_str(obj, key);

	if (!s || !s[0] || strlen(s) > max)
		return NULL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return s;
}

static void copy_texts(json_t *to, const json_t *from, const char *const *keys, size_t n,
		       size_t max)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = adm_text(from, keys[i], max);

		if (s)
			json_object_set_new(to, keys[i], json_string(s));
	}
}

/* The policy set in force, bounded; NULL when it is not an object. */
static json_t *policy_set_doc(const json_t *in)
{
	static const char *const texts[] = { "etag", "applied" };
	static const char *const ptexts[] = { "id", "kind", "name", "updated" };
	static const char *const ltexts[] = { "origin", "sha256" };
	const json_t *pols = json_object_get(in, "policies"), *p;
	const char *source = moat_json_str(in, "source");
	json_t *out, *list, *local;
	size_t i;

	if (!json_is_object(in))
		return NULL;
	out = json_object();
	copy_texts(out, in, texts, N(texts), 128);
	if (source && (!strcmp(source, "console") || !strcmp(source, "cache")))
		json_object_set_new(out, "source", json_string(source));
	if (json_is_array(pols)) {
		list = json_array();
		json_array_foreach(pols, i, p) {
			json_t *o;

			if (i >= ADM_POLICIES_MAX || !json_is_object(p))
				break;
			o = json_object();
			copy_texts(o, p, ptexts, N(ptexts), 256);    /* names: 200 */
			json_array_append_new(list, o);
		}
		json_object_set_new(out, "policies", list);
	}
	if (json_is_object(json_object_get(in, "local"))) {
		local = json_object();
		copy_texts(local, json_object_get(in, "local"), ltexts, N(ltexts), 1024);
		json_object_set_new(out, "local", local);
	}
	return out;
}

json_t *console_admission_health_doc(const json_t *body)
{
	static const char *const ints[] = { "uptime_s", "verdicts_cached", "scans_queued",
					    "scans_done", "scans_failed", "events_sent",
					    "events_failed", "spool_events", "spool_bytes",
					    "spool_dropped" };
	static const char *const texts[] = { "last_error", "scan_error" };
	static const char *const counts[] = { "allowed", "denied", "warned" };
	const json_t *dec = json_object_get(body, "decisions");
	json_t *h = json_object(), *set, *d;

	if (!h)
		return NULL;
	console_health_copy(h, body, ints, N(ints), texts, N(texts));
	if (json_is_object(dec)) {
		d = json_object();
		console_health_copy(d, dec, counts, N(counts), NULL, 0);
		json_object_set_new(h, "decisions", d);
	}
	if ((set = policy_set_doc(json_object_get(body, "policy_set"))))
		json_object_set_new(h, "policy_set", set);
	return h;
}

/* The controller's id: its credential, kind and node. */
static int adm_id(const char *owner, const char *kind, const char *node, char out[24])
{
	char hash[MOAT_DIGEST_STR_MAX];
	struct moat_buf b;
	int r;

	moat_buf_init(&b, 1024);
	r = moat_buf_appendf(&b, "%s\n%s\n%s", owner, kind, node);
	if (r == 0)
		r = moat_sha256_str((const char *)b.data, b.len, hash);
	moat_buf_release(&b);
	if (r < 0)
		return r;
	snprintf(out, 24, "a-%.16s", hash + 7);
	return 0;
}

/* Under mu: forget controllers quiet for ADM_FORGET_US; MOAT_E_LIMIT when
 * owner already has ADM_PER_CREDENTIAL_MAX others (a credential cannot
 * fill the table by inventing nodes). */
static int adm_room(struct moat_console *c, const char *id, const char *owner, int64_t now,
		    struct moat_error *err)
{
	struct moat_db_val old = moat_db_int(now - ADM_FORGET_US);
	struct moat_db_val p[] = { moat_db_text(owner), moat_db_text(id) };
	int64_t n = 0;
	int r;

	r = moat_db_exec(c->db, "DELETE FROM admission_controllers WHERE last_seen < ?", &old, 1,
			 NULL, err);
	if (r == 0)
		r = moat_db_int_query(c->db, "SELECT COUNT(*) FROM admission_controllers WHERE "
				      "owner = ? AND id <> ?", p, 2, 0, &n, err);
	if (r == 0 && n >= ADM_PER_CREDENTIAL_MAX)
		r = moat_error_set(err, MOAT_E_LIMIT, "%s already has %d admission controllers "
				   "listed", owner, ADM_PER_CREDENTIAL_MAX);
	return r;
}

void console_admission_heartbeat(struct console_call *call, const json_t *body)
{
	const char *kind = moat_json_str(body, "producer");
	const char *node = adm_text(body, "node", ADM_TEXT_MAX);
	json_int_t interval = moat_json_int(body, "interval_ms", 30000);
	struct moat_error err = { 0 };
	char id[24];
	json_t *h;
	char *doc = NULL;
	int64_t now = moat_time_now_us();
	int r;

	if (!kind || (strcmp(kind, "webhook") != 0 && strcmp(kind, "authz") != 0)) {
		console_reply_error(call, 400, "\"producer\": webhook or authz");
		return;
	}
	if (!node) {
		console_reply_error(call, 400, "\"node\": 1 to %d printable characters",
				    ADM_TEXT_MAX);
		return;
	}
	if (interval < 1000 || interval > 3600000)
		interval = 30000;
	h = console_admission_health_doc(body);
	doc = h ? json_dumps(h, JSON_COMPACT) : NULL;
	json_decref(h);
	if (!doc || adm_id(console_defender_self(call), kind, node, id) < 0) {
		free(doc);
		console_reply_error(call, 500, "out of memory");
		return;
	}
	if (strlen(doc) > ADM_HEALTH_MAX) {
		free(doc);
		console_reply_error(call, 400, "heartbeat too large");
		return;
	}
	struct moat_db_val p[] = { moat_db_text(id), moat_db_text(call->who.name),
				   moat_db_text(kind), moat_db_text(node),
				   moat_db_text(adm_text(body, "version", ADM_TEXT_MAX)),
				   moat_db_int(now), moat_db_int(now), moat_db_int(interval),
				   moat_db_text(doc) };
	pthread_mutex_lock(&call->c->mu);
	r = adm_room(call->c, id, call->who.name, now, &err);
	if (r == 0)
		r = moat_db_exec(call->c->db, "INSERT INTO admission_controllers (id, owner, kind, node, "
				 "version, first_seen, last_seen, interval_ms, health) VALUES (?, ?, ?, ?, "
				 "?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = "
				 "excluded.version, last_seen = excluded.last_seen, interval_ms = "
				 "excluded.interval_ms, health = excluded.health", p, N(p), NULL, &err);
	pthread_mutex_unlock(&call->c->mu);
	free(doc);
	if (r == MOAT_E_LIMIT)
		console_reply_error(call, 429, "%s", err.msg);
	else if (r < 0)
		console_reply_db(call, &err);
	else
		console_reply_json(call, 200, json_pack("{s:s,s:s}", "id", id, "kind", kind));
}

static const struct console_colspec adm_cols[] = {
	{ "id", COL_TEXT }, { "name", COL_TEXT }, { "kind", COL_TEXT }, { "node", COL_TEXT },
	{ "version", COL_TEXT }, { "first_seen", COL_TIME }, { "last_seen", COL_TIME },
	{ "status", COL_TEXT }, { "health", COL_DOC },
};

void console_api_admission_controllers(struct console_call *call)
{
	struct console_rows rows = { adm_cols, N(adm_cols), json_array() };
	struct moat_db_val p = moat_db_int(moat_time_now_us() - ADM_SLACK_US);
	struct moat_error err = { 0 };
	char etag[MOAT_DIGEST_STR_MAX] = "";
	json_t *set = NULL, *row;
	size_t i;
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, "SELECT id, owner, kind, node, version, first_seen, "
			  "last_seen, CASE WHEN last_seen + 3 * 1000 * interval_ms > ? THEN "
			  "'online' ELSE 'offline' END, health FROM admission_controllers ORDER BY "
			  "kind, node, id", &p, 1, console_rows_append, &rows, &err);
	if (r == 0)
		r = console_policy_set(call->c, CONSOLE_POLICY_ADMISSION, &set, etag, &err);
	pthread_mutex_unlock(&call->c->mu);
	json_decref(set);
	if (r < 0) {
		json_decref(rows.arr);
		console_reply_db(call, &err);
		return;
	}
	/* in sync: the set in force is the one the console would hand out now */
	json_array_foreach(rows.arr, i, row) {
		const json_t *ps = json_object_get(json_object_get(row, "health"), "policy_set");
		const char *have = moat_json_str(ps, "etag");

		json_object_set_new(row, "in_sync", json_boolean(have && !strcmp(have, etag)));
	}
	console_reply_json(call, 200, json_pack("{s:o,s:s}", "admission_controllers", rows.arr,
						"etag", etag));
}

/* DELETE /admission-controllers/{id}: forget a retired controller. One
 * still running is listed again at its next heartbeat. */
void console_api_admission_controller_delete(struct console_call *call)
{
	console_delete_one(call, "DELETE FROM admission_controllers WHERE id = ?",
			   "admission-controller.delete", "admission controller");
}
