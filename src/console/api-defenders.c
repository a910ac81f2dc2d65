/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-defenders.c - defender enrollment and the defenders' own endpoints.
 *
 * An admin makes a join token (short-lived, limited uses); a defender
 * exchanges it once at POST /defenders/enroll for its own identity: an id
 * and a secret that only the defender keeps (the console stores the
 * secret's SHA-256, as it does for API tokens). With that secret the
 * defender is the role "enrolled-defender": it may push events and scans,
 * send its heartbeat and read its own policy, nothing else. Revoking a
 * defender makes every later call with its secret fail with 403.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/digest.h"
#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Longest node name and version a defender may report. */
#define DEFENDER_TEXT_MAX 255
/* Largest heartbeat document kept. */
#define DEFENDER_HEALTH_MAX 4096

static int token_hash(const char *token, char hash[MOAT_DIGEST_STR_MAX])
{
	size_t n = strlen(token);

	return n == 0 || n > 256 ? -EINVAL : moat_sha256_str(token, n, hash);
}

/* ---- join tokens ---- */

int moat_console_join_token_create(struct moat_console *c, const char *name, int64_t ttl_us,
				   unsigned max_uses, const char *by, char **ret_token,
				   char ret_id[32], int64_t *ret_expires, struct moat_error *err)
{
	char id[13], secret[65], token[80], hash[MOAT_DIGEST_STR_MAX];
	int64_t now = moat_time_now_us();
	int r;

	if (name && !console_name_valid(name))
		return moat_error_set(err, MOAT_E_USAGE, "join token name: 1 to 64 of A-Z a-z 0-9 . "
				      "_ @ -");
	if (ttl_us <= 0 || ttl_us > CONSOLE_JOIN_TTL_MAX_US)
		return moat_error_set(err, MOAT_E_USAGE, "join token lifetime: more than 0 and at "
				      "most 30 days");
	if (max_uses == 0 || max_uses > CONSOLE_JOIN_USES_MAX)
		return moat_error_set(err, MOAT_E_USAGE, "join token uses: 1 to %u",
				      CONSOLE_JOIN_USES_MAX);
	if (console_random_hex(id, 6) < 0 || console_random_hex(secret, 32) < 0)
		return moat_error_set(err, -EIO, "no random bytes");
	snprintf(token, sizeof(token), "moatjoin_%s", secret);
	explicit_bzero(secret, sizeof(secret));
	if (token_hash(token, hash) < 0)
		return moat_error_set(err, -ENOMEM, "sha256 failed");
	struct moat_db_val p[] = { moat_db_text(id), moat_db_text(name ? name : id),
				   moat_db_text(hash), moat_db_int(now), moat_db_text(by),
				   moat_db_int(now + ttl_us), moat_db_int(max_uses) };
	r = console_exec_audited(c, by, "INSERT INTO join_tokens (id, name, hash, created, "
				 "created_by, expires, max_uses, uses) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
				 p, N(p), "join-token.create", id, NULL, err);
	if (r == 0 && !(*ret_token = strdup(token)))
		r = moat_error_set(err, -ENOMEM, "out of memory");
	explicit_bzero(token, sizeof(token));
	if (r < 0)
		return r;
	snprintf(ret_id, 32, "%s", id);
	if (ret_expires)
		*ret_expires = now + ttl_us;
	return 0;
}

static const struct console_colspec join_cols[] = {
	{ "id", COL_TEXT }, { "name", COL_TEXT }, { "created", COL_TIME },
	{ "created_by", COL_TEXT }, { "expires", COL_TIME }, { "max_uses", COL_INT },
	{ "uses", COL_INT },
};

void console_api_join_tokens_list(struct console_call *call)
{
	console_reply_list(call, "join_tokens", "SELECT id, name, created, created_by, expires, "
			   "max_uses, uses FROM join_tokens ORDER BY created", NULL, 0, join_cols,
			   N(join_cols));
}

void console_api_join_tokens_create(struct console_call *call)
{
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call);
	const char *name, *ttl;
	json_int_t uses;
	int64_t ttl_us = CONSOLE_JOIN_TTL_DEFAULT_US, expires;
	char id[32], t[MOAT_TIME_MAX];
	char *token = NULL;

	if (!body)
		return;
	name = moat_json_str(body, "name");
	ttl = moat_json_str(body, "ttl");
	uses = moat_json_int(body, "uses", 1);
	if (ttl && moat_console_duration_parse(ttl, &ttl_us) < 0)
		ttl_us = -1;
	if (uses < 0 || uses > CONSOLE_JOIN_USES_MAX)
		uses = 0;
	if (moat_console_join_token_create(call->c, name, ttl_us, (unsigned)uses, call->who.name,
					   &token, id, &expires, &err) < 0) {
		if (err.code == MOAT_E_USAGE)
			console_reply_error(call, 400, "%s (\"ttl\": e.g. \"24h\", \"30m\")", err.msg);
		else
			console_reply_db(call, &err);
	} else {
		moat_time_format(expires, t);
		console_reply_json(call, 201, json_pack("{s:s,s:s,s:s,s:I,s:s}", "id", id, "name",
							name ? name : id, "expires", t, "uses",
							(json_int_t)uses, "token", token));
		explicit_bzero(token, strlen(token));
		free(token);
	}
	json_decref(body);
}

void console_api_join_token_delete(struct console_call *call)
{
	console_delete_one(call, "DELETE FROM join_tokens WHERE id = ?", "join-token.delete",
			   "join token");
}

/* ---- enrollment ---- */

struct join_state {
	char id[32];
	char name[80];
	int64_t expires, max_uses, uses;
	bool found;
};

static int join_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	struct join_state *j = ctx;

	if (n < 5 || cols[0].type != MOAT_DB_TEXT || cols[1].type != MOAT_DB_TEXT)
		return 1;
	snprintf(j->id, sizeof(j->id), "%s", cols[0].s);
	snprintf(j->name, sizeof(j->name), "%s", cols[1].s);
	j->expires = cols[2].i;
	j->max_uses = cols[3].i;
	j->uses = cols[4].i;
	j->found = true;
	return 1;
}

/* Under mu, in a transaction: take one use of the join token with hash.
 * 1 taken (j filled), 0 refused (why set), <0 storage error. */
static int join_take(struct moat_console *c, const char *hash, int64_t now,
		     struct join_state *j, const char **why, struct moat_error *err)
{
	struct moat_db_val p = moat_db_text(hash);
	int64_t changed = 0;
	int r;

	r = moat_db_query(c->db, "SELECT id, name, expires, max_uses, uses FROM join_tokens "
			  "WHERE hash = ?", &p, 1, join_row, j, err);
	if (r < 0)
		return r;
	if (!j->found) {
		*why = "unknown join token";
		return 0;
	}
	if (j->expires <= now) {
		*why = "this join token has expired; make a new one";
		return 0;
	}
	/* one statement decides, so two defenders cannot both take the last use */
	struct moat_db_val u[] = { moat_db_text(j->id), moat_db_int(now) };
	r = moat_db_exec(c->db, "UPDATE join_tokens SET uses = uses + 1 WHERE id = ? AND "
			 "uses < max_uses AND expires > ?", u, 2, &changed, err);
	if (r < 0)
		return r;
	if (!changed) {
		*why = "this join token has been used up; make a new one";
		return 0;
	}
	return 1;
}

/* A defender's reported text: printable, bounded, else NULL. */
static const char *defender_text(const json_t *body, const char *key)
{
	const char *s = moat_json_str(body, key);

	if (!s || !s[0] || strlen(s) > DEFENDER_TEXT_MAX)
		return NULL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return s;
}

static int enroll_tx(struct moat_console *c, const char *jhash, const json_t *body,
		     const char *id, const char *shash, struct join_state *j, const char **why,
		     struct moat_error *err)
{
	int64_t now = moat_time_now_us();
	char who[96];
	int r = moat_db_begin(c->db, err);

	if (r == 0 && (r = join_take(c, jhash, now, j, why, err)) == 1) {
		struct moat_db_val p[] = { moat_db_text(id), moat_db_text(defender_text(body, "node")),
					   moat_db_text(defender_text(body, "version")),
					   moat_db_int(now), moat_db_text(shash), moat_db_int(now),
					   moat_db_text(j->id) };

		snprintf(who, sizeof(who), "join-token:%s", j->name);
		r = moat_db_exec(c->db, "INSERT INTO defenders (id, node, version, last_seen, "
				 "secret_hash, enrolled, join_token) VALUES (?, ?, ?, ?, ?, ?, ?)",
				 p, N(p), NULL, err);
		if (r == 0)
			r = console_audit(c, who, "defender.enroll", id, err);
		if (r == 0)
			r = moat_db_commit(c->db, err);
		if (r == 0)
			return 1;
	}
	moat_db_rollback(c->db);
	return r;
}

/* The join token comes as the Bearer credential; failures count against
 * the client like failed logins. */
void console_api_enroll(struct console_call *call)
{
	struct moat_console *c = call->c;
	struct moat_error err = { 0 };
	struct join_state j = { 0 };
	const char *authz = moat_server_req_header(call->req, "Authorization");
	const char *why = "";
	char key[CONSOLE_RL_KEY], jhash[MOAT_DIGEST_STR_MAX], shash[MOAT_DIGEST_STR_MAX];
	char id[20], secret[65], full[80];
	unsigned wait;
	json_t *body;
	int r;

	snprintf(key, sizeof(key), "enroll|%s", call->req->peer);
	if ((wait = console_rl_wait(&c->rl, key, moat_time_now_us()))) {
		console_reply_error(call, 429, "too many failed enrollments; try again in %u s", wait);
		return;
	}
	if (!authz || strncasecmp(authz, "Bearer ", 7) != 0 || token_hash(authz + 7, jhash) < 0) {
		console_reply_error(call, 401, "enrollment needs a join token (Authorization: "
				    "Bearer JOIN-TOKEN)");
		return;
	}
	if (!(body = console_body_object(call)))
		return;
	if (console_random_hex(id + 2, 8) < 0 || console_random_hex(secret, 32) < 0) {
		json_decref(body);
		console_reply_error(call, 500, "no random bytes");
		return;
	}
	memcpy(id, "d-", 2);
	snprintf(full, sizeof(full), "moatdef_%s", secret);
	token_hash(full, shash);
	pthread_mutex_lock(&c->mu);
	r = enroll_tx(c, jhash, body, id, shash, &j, &why, &err);
	pthread_mutex_unlock(&c->mu);
	if (r < 0) {
		console_reply_db(call, &err);
	} else if (r == 0) {
		console_rl_fail(&c->rl, key, moat_time_now_us());
		console_reply_error(call, 401, "enrollment refused: %s", why);
	} else {
		console_reply_json(call, 201, json_pack("{s:s,s:s?,s:s}", "id", id, "node",
							defender_text(body, "node"), "secret", full));
	}
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(full, sizeof(full));
	json_decref(body);
}

/* ---- a defender's identity ---- */

struct ident_ctx {
	struct console_who *who;
	bool found, revoked;
};

static int ident_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	struct ident_ctx *x = ctx;

	if (n < 2 || cols[0].type != MOAT_DB_TEXT)
		return 1;
	x->found = true;
	x->revoked = cols[1].type != MOAT_DB_NULL;
	snprintf(x->who->defender_id, sizeof(x->who->defender_id), "%s", cols[0].s);
	snprintf(x->who->name, sizeof(x->who->name), "defender:%s", cols[0].s);
	x->who->role = CONSOLE_ROLE_NODE;
	return 1;
}

int console_auth_defender(struct moat_console *c, const char *hash, struct console_who *who,
			  struct moat_error *err)
{
	struct ident_ctx x = { who, false, false };
	struct moat_db_val p = moat_db_text(hash);
	int r = moat_db_query(c->db, "SELECT id, revoked FROM defenders WHERE secret_hash = ?", &p,
			      1, ident_row, &x, err);

	if (r < 0)
		return r;
	return !x.found ? 0 : x.revoked ? 2 : 1;
}

const char *console_defender_self(const struct console_call *call)
{
	if (call->who.defender_id[0])
		return call->who.defender_id;
	/* a defender on a plain role-defender API token is known by the token */
	return call->who.role == CONSOLE_ROLE_DEFENDER ? call->who.token_id : NULL;
}

int moat_console_defender_revoke(struct moat_console *c, const char *id, const char *by,
				 struct moat_error *err)
{
	struct moat_db_val p[] = { moat_db_int(moat_time_now_us()), moat_db_text(by),
				   moat_db_text(id) };
	int64_t n = 0, exists = 0;
	int r;

	r = console_exec_audited(c, by, "UPDATE defenders SET revoked = ?, revoked_by = ? WHERE "
				 "id = ? AND revoked IS NULL", p, 3, "defender.revoke", id, &n, err);
	if (r < 0)
		return r;
	if (n)
		return 0;
	pthread_mutex_lock(&c->mu);
	moat_db_int_query(c->db, "SELECT COUNT(*) FROM defenders WHERE id = ?", &p[2], 1, 0,
			  &exists, NULL);
	pthread_mutex_unlock(&c->mu);
	return moat_error_set(err, exists ? -EALREADY : MOAT_E_NOTFOUND, exists ?
			      "defender %s is already revoked" : "no defender %s", id);
}

void console_api_defender_revoke(struct console_call *call)
{
	struct moat_error err = { 0 };

	if (moat_console_defender_revoke(call->c, call->param, call->who.name, &err) == 0)
		call->resp->status = 204;
	else if (err.code == MOAT_E_NOTFOUND)
		console_reply_error(call, 404, "%s", err.msg);
	else if (err.code == -EALREADY)
		console_reply_error(call, 409, "%s", err.msg);
	else
		console_reply_db(call, &err);
}

/* ---- list, heartbeat, policy ---- */

static const struct console_colspec defender_cols[] = {
	{ "id", COL_TEXT }, { "node", COL_TEXT }, { "version", COL_TEXT },
	{ "last_seen", COL_TIME }, { "status", COL_TEXT }, { "enrolled", COL_TIME },
	{ "revoked", COL_TIME }, { "revoked_by", COL_TEXT }, { "health", COL_DOC },
};

void console_api_defenders(struct console_call *call)
{
	struct moat_db_val p = moat_db_int(moat_time_now_us() - CONSOLE_DEFENDER_STALE_US);

	console_reply_list(call, "defenders", "SELECT id, node, version, last_seen, CASE WHEN "
			   "revoked IS NOT NULL THEN 'revoked' WHEN last_seen > ? THEN 'online' "
			   "ELSE 'stale' END, enrolled, revoked, revoked_by, health FROM defenders "
			   "ORDER BY node, id", &p, 1, defender_cols, N(defender_cols));
}

/* Keep only the known health fields, each bounded. */
void console_health_copy(json_t *to, const json_t *from, const char *const *ints, size_t n_ints,
			 const char *const *texts, size_t n_texts)
{
	for (size_t i = 0; i < n_ints; i++) {
		const json_t *v = json_object_get(from, ints[i]);

		if (json_is_integer(v) && json_integer_value(v) >= 0)
			json_object_set_new(to, ints[i], json_integer(json_integer_value(v)));
	}
	for (size_t i = 0; i < n_texts; i++) {
		const char *s = moat_json_str(from, texts[i]);

		if (s)
			json_object_set_new(to, texts[i], json_stringn(s, strnlen(s, 512)));
	}
}

static json_t *health_doc(const json_t *body)
{
	static const char *const ints[] = { "uptime_s", "events_sent", "events_failed",
					    "spool_events", "spool_bytes", "spool_dropped",
					    "alerts", "rules", "images_scanned", "images_failed",
					    "images_queued" };
	static const char *const texts[] = { "last_error", "policy", "scan_error" };
	json_t *h = json_object();

	if (h)
		console_health_copy(h, body, ints, N(ints), texts, N(texts));
	return h;
}

void console_api_heartbeat(struct console_call *call)
{
	const char *self = console_defender_self(call);
	struct moat_error err = { 0 };
	json_t *body = console_body_object(call);
	json_t *h;
	char *doc;
	int r;

	if (!body)
		return;
	/* moat webhook / moat authz: an admission controller, not a defender */
	if (json_object_get(body, "producer")) {
		console_admission_heartbeat(call, body);
		json_decref(body);
		return;
	}
	h = health_doc(body);
	doc = h ? json_dumps(h, JSON_COMPACT) : NULL;
	if (!doc || strlen(doc) > DEFENDER_HEALTH_MAX) {
		console_reply_error(call, doc ? 400 : 500, "heartbeat too large");
	} else {
		struct moat_db_val p[] = { moat_db_text(self),
					   moat_db_text(defender_text(body, "node")),
					   moat_db_text(defender_text(body, "version")),
					   moat_db_int(moat_time_now_us()), moat_db_text(doc) };

		pthread_mutex_lock(&call->c->mu);
		r = moat_db_exec(call->c->db, "INSERT INTO defenders (id, node, version, last_seen, "
				 "health) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET node = "
				 CONSOLE_DEFENDER_NODE_SQL ", version = "
				 "COALESCE(excluded.version, defenders.version), last_seen = "
				 "excluded.last_seen, health = excluded.health", p, N(p), NULL, &err);
		pthread_mutex_unlock(&call->c->mu);
		if (r < 0)
			console_reply_db(call, &err);
		else
			console_reply_json(call, 200, json_pack("{s:s}", "id", self));
	}
	free(doc);
	json_decref(h);
	json_decref(body);
}

static const struct console_colspec self_policy_cols[] = {
	{ "id", COL_TEXT }, { "kind", COL_TEXT }, { "name", COL_TEXT }, { "enabled", COL_BOOL },
	{ "mode", COL_TEXT }, { "rules", COL_DOC }, { "updated", COL_TIME },
};

static const char *policy_query(enum console_policy_for who)
{
	switch (who) {
	case CONSOLE_POLICY_ADMISSION:
		return "SELECT id, kind, name, enabled, mode, rules, updated FROM policies WHERE "
		       "enabled = 1 AND kind IN ('admission', 'trusted-images', 'vulnerability', "
		       "'compliance') ORDER BY kind, name, id";
	case CONSOLE_POLICY_COMPLIANCE:
		return "SELECT id, kind, name, enabled, mode, rules, updated FROM policies WHERE "
		       "enabled = 1 AND kind = 'compliance' ORDER BY name, id";
	case CONSOLE_POLICY_DEFENDER:
	default:
		return "SELECT id, kind, name, enabled, mode, rules, updated FROM policies WHERE "
		       "enabled = 1 AND kind IN ('runtime', 'baseline', 'firewall') "
		       "ORDER BY kind, name, id";
	}
}

int console_policy_set(struct moat_console *c, enum console_policy_for who, json_t **ret,
		       char etag[MOAT_DIGEST_STR_MAX], struct moat_error *err)
{
	struct console_rows rows = { self_policy_cols, N(self_policy_cols), json_array() };
	char *text;
	int r;

	*ret = NULL;
	etag[0] = 0;
	if (!rows.arr)
		return moat_error_set(err, -ENOMEM, "out of memory");
	r = moat_db_query(c->db, policy_query(who), NULL, 0, console_rows_append, &rows, err);
	if (r < 0) {
		json_decref(rows.arr);
		return r;
	}
	text = json_dumps(rows.arr, JSON_COMPACT | JSON_SORT_KEYS);
	if (text)
		moat_sha256_str(text, strlen(text), etag);
	free(text);
	*ret = rows.arr;
	return 0;
}

/* What a producer enforces, with an etag over it so it can tell a change:
 * a defender the enabled runtime, baseline and firewall policies; an
 * admission producer (?producer=admission: moat authz, moat webhook) the
 * enabled admission, trusted-images, vulnerability and compliance ones. */
void console_api_self_policy(struct console_call *call)
{
	const char *producer = moat_server_req_arg(call->req, "producer");
	struct moat_error err = { 0 };
	char etag[MOAT_DIGEST_STR_MAX] = "";
	json_t *arr = NULL;
	int r;

	if (producer && strcmp(producer, "defender") != 0 && strcmp(producer, "admission") != 0) {
		console_reply_error(call, 400, "?producer= is defender or admission");
		return;
	}
	pthread_mutex_lock(&call->c->mu);
	r = console_policy_set(call->c, producer && !strcmp(producer, "admission") ?
			       CONSOLE_POLICY_ADMISSION : CONSOLE_POLICY_DEFENDER, &arr, etag, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:s,s:s,s:o}", "defender",
						console_defender_self(call), "etag", etag,
						"policies", arr));
}
