/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-integrations.c - /api/v1/integrations (admin): the alert forwarding
 * sinks and their routes, kept in the store (one JSON doc per integration)
 * and handed to the forwarder (forward.h) whenever they change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/time.h"
#include "console-int.h"
#include "forward.h"
#include "moat/error.h"

static int load_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	json_t *doc;

	if (n < 3 || cols[1].type != MOAT_DB_TEXT || !(doc = json_loads(cols[1].s, 0, NULL)))
		return 0;
	json_object_set_new(doc, "id", json_string(cols[0].s));
	json_object_set_new(doc, "created", console_time_json(&cols[2]));
	return json_array_append_new(ctx, doc) == 0 ? 0 : -1;
}

/* Under c->mu: the stored integrations, newest set handed to the forwarder. */
int console_integrations_load(struct moat_console *c, json_t **ret, struct moat_error *err)
{
	json_t *arr = json_array();
	int r = moat_db_query(c->db, "SELECT id, doc, created FROM integrations ORDER BY id",
			      NULL, 0, load_row, arr, err);

	if (r < 0) {
		json_decref(arr);
		return r;
	}
	if (ret)
		*ret = json_incref(arr);
	console_fwd_set(c->fwd, arr);
	return 0;
}

void console_api_integrations_list(struct console_call *call)
{
	struct console_fwd_stats st;
	struct moat_error err = { 0 };
	json_t *arr = NULL;
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = console_integrations_load(call->c, &arr, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		console_reply_db(call, &err);
		return;
	}
	console_fwd_stats(call->c->fwd, &st);
	console_reply_json(call, 200, json_pack("{s:o,s:{s:I,s:I,s:I,s:I}}", "integrations", arr,
						"forwarding", "sent", (json_int_t)st.sent,
						"retried", (json_int_t)st.retried,
						"failed", (json_int_t)st.failed,
						"dropped", (json_int_t)st.dropped));
}

/* The forwarder's routes again, after a change to the table (each reload
 * reads what is committed, so the last one has every change). */
static int reload(struct console_call *call, struct moat_error *err)
{
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = console_integrations_load(call->c, NULL, err);
	pthread_mutex_unlock(&call->c->mu);
	return r;
}

/* One change and its audit record in a transaction, then the reload. */
static int write_tx(struct console_call *call, const char *sql, const struct moat_db_val *p,
		    size_t n, const char *action, const char *target, int64_t *ret_n,
		    struct moat_error *err)
{
	int r = console_exec_audited(call->c, call->who.name, sql, p, n, action, target, ret_n,
				     err);

	return r < 0 ? r : reload(call, err);
}

void console_api_integrations_create(struct console_call *call)
{
	static const char *const keys[] = { "name", "kind", "url", "rules", "min_severity" };
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call), *doc;
	char id[13], *text = NULL;
	int64_t n = 0;

	if (!body)
		return;
	if (console_fwd_check(body, &err) < 0) {
		console_reply_error(call, 400, "%s", err.msg);
		json_decref(body);
		return;
	}
	doc = json_object();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (json_object_get(body, keys[i]))
			json_object_set(doc, keys[i], json_object_get(body, keys[i]));
	json_decref(body);
	if (console_random_hex(id, 6) < 0 || !(text = json_dumps(doc, JSON_COMPACT))) {
		console_reply_error(call, 500, "out of memory or random bytes");
	} else {
		struct moat_db_val p[] = { moat_db_text(id), moat_db_text(moat_json_str(doc, "name")),
					   moat_db_text(moat_json_str(doc, "kind")), moat_db_text(text),
					   moat_db_int(moat_time_now_us()),
					   moat_db_text(call->who.name) };

		if (write_tx(call, "INSERT INTO integrations (id, name, kind, doc, created, "
			     "created_by) VALUES (?, ?, ?, ?, ?, ?)", p, 6, "integration.create", id,
			     &n, &err) < 0) {
			console_reply_db(call, &err);
		} else {
			json_object_set_new(doc, "id", json_string(id));
			console_reply_json(call, 201, json_incref(doc));
		}
	}
	free(text);
	json_decref(doc);
}

void console_api_integration_delete(struct console_call *call)
{
	struct moat_error err = { 0 };

	if (console_delete_one(call, "DELETE FROM integrations WHERE id = ?", "integration.delete",
			       "integration") > 0 && reload(call, &err) < 0)
		console_reply_db(call, &err);
}
