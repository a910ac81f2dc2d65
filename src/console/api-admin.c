/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-admin.c - users, API tokens, the audit log and policies (defenders:
 * api-defenders.c).
 * Every change is written with its audit record in one transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One changing statement and its audit record, by the caller. */
static int change(struct console_call *call, const char *sql, const struct moat_db_val *p,
		  size_t n, const char *action, const char *target, int64_t *ret_n,
		  struct moat_error *err)
{
	return console_exec_audited(call->c, call->who.name, sql, p, n, action, target, ret_n,
				    err);
}

/* ---- users ---- */

static const struct console_colspec user_cols[] = {
	{ "name", COL_TEXT }, { "role", COL_TEXT }, { "created", COL_TIME },
};

void console_api_users_list(struct console_call *call)
{
	console_reply_list(call, "users", "SELECT name, role, created FROM users ORDER BY name",
			   NULL, 0, user_cols, N(user_cols));
}

void console_api_users_create(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call);
	const char *name, *role, *pw;
	int r;

	if (!body)
		return;
	name = moat_json_str(body, "name");
	role = moat_json_str(body, "role");
	pw = moat_json_str(body, "password");
	if (!name || !role || !pw) {
		console_reply_error(call, 400, "want {\"name\",\"role\",\"password\"}");
	} else if ((r = moat_console_user_add(call->c, name, role, pw, false, call->who.name,
					      &err)) < 0) {
		console_reply_db(call, &err);
	} else {
		char t[MOAT_TIME_MAX];

		moat_time_format(moat_time_now_us(), t);
		console_reply_json(call, 201, json_pack("{s:s,s:s,s:s}", "name", name, "role", role,
							"created", t));
	}
	json_decref(body);
}

int console_delete_one(struct console_call *call, const char *sql, const char *action,
		       const char *what)
{
	struct moat_error err = { 0 };
	struct moat_db_val p = moat_db_text(call->param);
	int64_t n = 0;

	if (change(call, sql, &p, 1, action, call->param, &n, &err) < 0) {
		console_reply_db(call, &err);
		return -1;
	}
	if (n)
		call->resp->status = 204;
	else if (what)
		console_reply_error(call, 404, "no %s %s", what, call->param);
	return n ? 1 : 0;
}

void console_api_users_delete(struct console_call *call)
{
	struct moat_db_val p = moat_db_text(call->param);
	int64_t exists = 0;
	int r;

	/* the last admin stays (one statement, so two deletes cannot race past it) */
	r = console_delete_one(call, "DELETE FROM users WHERE name = ? AND (role <> 'admin' OR (SELECT "
		       "COUNT(*) FROM users WHERE role = 'admin') > 1)", "user.delete", NULL);
	pthread_mutex_lock(&call->c->mu);
	if (r > 0) /* its sessions no longer authenticate (they join users); tidy up */
		moat_db_exec(call->c->db, "DELETE FROM sessions WHERE user_name = ?", &p, 1, NULL,
			     NULL);
	else if (r == 0)
		moat_db_int_query(call->c->db, "SELECT COUNT(*) FROM users WHERE name = ?", &p, 1, 0,
				  &exists, NULL);
	pthread_mutex_unlock(&call->c->mu);
	if (r == 0 && exists)
		console_reply_error(call, 409, "%s is the last admin", call->param);
	else if (r == 0)
		console_reply_error(call, 404, "no user %s", call->param);
}

/* ---- tokens ---- */

static const struct console_colspec token_cols[] = {
	{ "id", COL_TEXT }, { "name", COL_TEXT }, { "role", COL_TEXT }, { "created", COL_TIME },
	{ "created_by", COL_TEXT }, { "last_used", COL_TIME },
};

void console_api_tokens_list(struct console_call *call)
{
	console_reply_list(call, "tokens", "SELECT id, name, role, created, created_by, last_used "
			   "FROM tokens ORDER BY created", NULL, 0, token_cols, N(token_cols));
}

void console_api_tokens_create(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call);
	const char *role, *name;
	char *token = NULL;
	char id[32], t[MOAT_TIME_MAX];

	if (!body)
		return;
	role = moat_json_str(body, "role");
	name = moat_json_str(body, "name");
	if (!role) {
		console_reply_error(call, 400, "want {\"role\",\"name\"?}");
	} else if (moat_console_token_create(call->c, role, name, call->who.name, &token, id,
					     &err) < 0) {
		console_reply_db(call, &err);
	} else {
		moat_time_format(moat_time_now_us(), t);
		console_reply_json(call, 201, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id, "name",
							name ? name : id, "role", role, "created", t,
							"token", token));
		explicit_bzero(token, strlen(token));
		free(token);
	}
	json_decref(body);
}

void console_api_tokens_delete(struct console_call *call)
{
	console_delete_one(call, "DELETE FROM tokens WHERE id = ?", "token.delete", "token");
}

/* ---- audit ---- */

static const struct console_colspec audit_cols[] = {
	{ "time", COL_TIME }, { "user", COL_TEXT }, { "action", COL_TEXT }, { "target", COL_TEXT },
};

void console_api_audit(struct console_call *call)
{
	int64_t limit, offset;

	if (!console_paging(call, &limit, &offset))
		return;
	struct moat_db_val p[] = { moat_db_int(limit), moat_db_int(offset) };
	console_reply_list(call, "audit", "SELECT ts, user_name, action, target FROM audit ORDER "
			   "BY ts DESC, id LIMIT ? OFFSET ?", p, 2, audit_cols, N(audit_cols));
}

/* ---- policies ---- */

static const char *const policy_kinds[] = { "vulnerability", "compliance", "runtime", "baseline",
					    "firewall", "waf", "admission", "trusted-images" };

static const struct console_colspec policy_cols[] = {
	{ "id", COL_TEXT }, { "kind", COL_TEXT }, { "name", COL_TEXT }, { "enabled", COL_BOOL },
	{ "mode", COL_TEXT }, { "rules", COL_DOC }, { "created", COL_TIME },
	{ "updated", COL_TIME },
};
#define POLICY_SELECT "SELECT id, kind, name, enabled, mode, rules, created, updated FROM policies"

void console_api_policies_list(struct console_call *call)
{
	console_reply_list(call, "policies", POLICY_SELECT " ORDER BY kind, name", NULL, 0,
			   policy_cols, N(policy_cols));
}

static int policy_one(void *ctx, const struct moat_db_val *cols, size_t n)
{
	json_t **out = ctx;

	*out = console_row_object(policy_cols, N(policy_cols), cols, n);
	return 1;
}

/* The stored policy, or NULL (404 answered). */
static json_t *policy_load(struct console_call *call, const char *id)
{
	struct moat_error err = { 0 };
	struct moat_db_val p = moat_db_text(id);
	json_t *pol = NULL;
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, POLICY_SELECT " WHERE id = ?", &p, 1, policy_one, &pol,
			  &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0)
		console_reply_db(call, &err);
	else if (!pol)
		console_reply_error(call, 404, "no policy %s", id);
	return pol;
}

void console_api_policy_get(struct console_call *call)
{
	json_t *pol = policy_load(call, call->param);

	if (pol)
		console_reply_json(call, 200, pol);
}

/* body's fields over base (a stored policy or defaults); 400 answered on error. */
static bool policy_merge(struct console_call *call, json_t *base, const json_t *body)
{
	static const char *const keys[] = { "kind", "name", "enabled", "mode", "rules" };
	const char *kind, *name, *mode;
	bool kind_ok = false;
	char msg[512];

	for (size_t i = 0; i < N(keys); i++)
		if (json_object_get(body, keys[i]))
			json_object_set(base, keys[i], json_object_get(body, keys[i]));
	kind = moat_json_str(base, "kind");
	name = moat_json_str(base, "name");
	mode = moat_json_str(base, "mode");
	for (size_t i = 0; kind && i < N(policy_kinds); i++)
		kind_ok |= !strcmp(kind, policy_kinds[i]);
	if (!kind_ok) {
		console_reply_error(call, 400, "\"kind\": vulnerability, compliance, runtime, "
				    "baseline, firewall, waf, admission or trusted-images");
	} else if (!name || !name[0] || strlen(name) > 200) {
		console_reply_error(call, 400, "\"name\": 1 to 200 characters");
	} else if (!mode || (strcmp(mode, "alert") != 0 && strcmp(mode, "block") != 0)) {
		console_reply_error(call, 400, "\"mode\": alert or block");
	} else if (!json_is_boolean(json_object_get(base, "enabled"))) {
		console_reply_error(call, 400, "\"enabled\": true or false");
	} else if (!console_policy_rules_check(kind, json_object_get(base, "rules"), msg,
					       sizeof(msg))) {
		console_reply_error(call, 400, "%s", msg);
	} else {
		return true;
	}
	return false;
}

static int policy_write(struct console_call *call, const json_t *pol, bool create,
			struct moat_error *err)
{
	char *rules = json_dumps(json_object_get(pol, "rules"), JSON_COMPACT);
	int64_t now = moat_time_now_us();
	struct moat_db_val p[] = {
		moat_db_text(moat_json_str(pol, "kind")), moat_db_text(moat_json_str(pol, "name")),
		moat_db_int(json_is_true(json_object_get(pol, "enabled"))),
		moat_db_text(moat_json_str(pol, "mode")), moat_db_text(rules), moat_db_int(now),
		moat_db_text(moat_json_str(pol, "id")),
	};
	int r;

	if (!rules)
		return moat_error_set(err, -ENOMEM, "out of memory");
	r = change(call, create ? "INSERT INTO policies (kind, name, enabled, mode, rules, "
		   "updated, id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)" :
		   "UPDATE policies SET kind = ?, name = ?, enabled = ?, mode = ?, rules = ?, "
		   "updated = ? WHERE id = ?", (struct moat_db_val[]){ p[0], p[1], p[2], p[3], p[4],
		   p[5], p[6], moat_db_int(now) }, create ? 8 : 7,
		   create ? "policy.create" : "policy.update", moat_json_str(pol, "id"), NULL, err);
	free(rules);
	return r;
}

void console_api_policies_create(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call);
	json_t *pol;
	char id[13];

	if (!body)
		return;
	if (console_random_hex(id, 6) < 0) {
		json_decref(body);
		console_reply_error(call, 500, "no random bytes");
		return;
	}
	pol = json_pack("{s:s,s:b,s:s,s:{}}", "id", id, "enabled", 1, "mode", "alert", "rules");
	if (policy_merge(call, pol, body)) {
		if (policy_write(call, pol, true, &err) < 0) {
			console_reply_db(call, &err);
		} else {
			json_decref(pol);
			pol = policy_load(call, id);
			if (pol)
				console_reply_json(call, 201, json_incref(pol));
		}
	}
	json_decref(pol);
	json_decref(body);
}

void console_api_policy_put(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call);
	json_t *pol = body ? policy_load(call, call->param) : NULL;

	if (pol && policy_merge(call, pol, body)) {
		if (policy_write(call, pol, false, &err) < 0) {
			console_reply_db(call, &err);
		} else {
			json_decref(pol);
			pol = policy_load(call, call->param);
			if (pol)
				console_reply_json(call, 200, json_incref(pol));
		}
	}
	json_decref(pol);
	json_decref(body);
}

void console_api_policy_delete(struct console_call *call)
{
	console_delete_one(call, "DELETE FROM policies WHERE id = ?", "policy.delete", "policy");
}
