/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.c - open the console's store, the shared reply helpers, and the
 * user/token/audit operations the CLI and the API both use.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/digest.h"
#include "console-int.h"
#include "forward.h"
#include "moat/error.h"

/* Shortest password a user may set. */
#define CONSOLE_PASSWORD_MIN 8
#define CONSOLE_PASSWORD_MAX 1024

#define FWD_RESUME_MAX 10000      /* the forwarder's queue holds no more */

static int resume_row(void *ctx, const struct moat_db_val *cols, size_t ncols)
{
	struct moat_console *c = ctx;
	json_t *ev;

	if (ncols < 2 || cols[1].type != MOAT_DB_TEXT || !(ev = json_loads(cols[1].s, 0, NULL)))
		return 0;
	console_fwd_resume_event(c->fwd, ev, cols[0].i);
	json_decref(ev);
	return 0;
}

/* Route again what may not have been forwarded before the last stop or
 * crash (forward.h): at least once, oldest first. */
static int forward_resume(struct moat_console *c, struct moat_error *err)
{
	struct moat_db_val p[] = { moat_db_int(console_fwd_resume_from(c->fwd)),
				   moat_db_int(FWD_RESUME_MAX) };

	return moat_db_query(c->db, "SELECT received, doc FROM events WHERE received >= ? "
			     "ORDER BY received LIMIT ?", p, 2, resume_row, c, err);
}

int moat_console_open(const struct moat_console_opts *o, struct moat_console **ret,
		      struct moat_error *err)
{
	struct moat_console *c;
	struct stat st;
	char path[4096], cursor[4096];
	int r;

	if (!o->data_dir || !o->data_dir[0])
		return moat_error_set(err, MOAT_E_USAGE, "console: --data DIR is required");
	if (mkdir(o->data_dir, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, -errno, "%s: %s", o->data_dir, strerror(errno));
	if (snprintf(cursor, sizeof(cursor), "%s/forward.cursor", o->data_dir) >= (int)sizeof(cursor) ||
	    snprintf(path, sizeof(path), "%s/moat.db", o->data_dir) >= (int)sizeof(path))
		return moat_error_set(err, MOAT_E_USAGE, "%s: path too long", o->data_dir);
	c = calloc(1, sizeof(*c));
	if (!c)
		return moat_error_set(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&c->mu, NULL);
	console_rl_init(&c->rl);
	c->version = strdup(o->version ? o->version : "");
	c->openapi_path = o->openapi_path ? strdup(o->openapi_path) : NULL;
	if (o->web_dir && stat(o->web_dir, &st) == 0 && S_ISDIR(st.st_mode))
		c->web_dir = strdup(o->web_dir);
	r = o->db_url ? moat_db_open_pg(o->db_url, &c->db, err) :
			moat_db_open_sqlite(path, &c->db, err);
	if (r < 0 || (r = moat_db_migrate(c->db, NULL, err)) < 0 ||
	    (o->forward && ((r = console_fwd_open(c->version, cursor, &c->fwd, err)) < 0 ||
			    (r = console_integrations_load(c, NULL, err)) < 0 ||
			    (r = forward_resume(c, err)) < 0))) {
		moat_console_close(c);
		return r;
	}
	if (!o->db_url)
		chmod(path, 0600);
	*ret = c;
	return 0;
}

void moat_console_close(struct moat_console *c)
{
	if (!c)
		return;
	console_fwd_close(c->fwd);
	moat_db_close(c->db);
	console_rl_release(&c->rl);
	pthread_mutex_destroy(&c->mu);
	free(c->web_dir);
	free(c->version);
	free(c->openapi_path);
	free(c);
}

void console_reply_json(struct console_call *call, int status, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	call->resp->status = status;
	call->resp->content_type = "application/json";
	moat_buf_reset(&call->resp->body);
	if (!text) {
		call->resp->status = 500;
		moat_buf_append_str(&call->resp->body, "{\"error\":\"out of memory\"}");
		return;
	}
	moat_buf_append_str(&call->resp->body, text);
	free(text);
}

void console_reply_error(struct console_call *call, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_reply_json(call, status, json_pack("{s:s}", "error", msg));
}

void console_reply_db(struct console_call *call, const struct moat_error *err)
{
	int code = err ? err->code : MOAT_E_INTERNAL;
	int status = code == MOAT_E_FORMAT || code == MOAT_E_USAGE ? 400 :
		     code == MOAT_E_LIMIT ? 413 : code == MOAT_E_NOTFOUND ? 404 :
		     code == -EEXIST ? 409 : 500;

	console_reply_error(call, status, "%s", err && err->msg[0] ? err->msg : "storage failed");
}

json_t *console_body_object(struct console_call *call)
{
	json_error_t je;
	json_t *doc;

	if (!call->req->body_len) {
		console_reply_error(call, 400, "a JSON object body is required");
		return NULL;
	}
	doc = json_loadb((const char *)call->req->body, call->req->body_len,
			 JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		console_reply_error(call, 400, "body: line %d, column %d: %s", je.line, je.column,
				    je.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		console_reply_error(call, 400, "body: not a JSON object");
		return NULL;
	}
	return doc;
}

static bool num_arg(struct console_call *call, const char *name, int64_t def, int64_t max,
		    int64_t *out)
{
	const char *s = moat_server_req_arg(call->req, name);
	char *end;
	long long v;

	*out = def;
	if (!s)
		return true;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > max) {
		console_reply_error(call, 400, "?%s= wants a number from 0 to %lld", name,
				    (long long)max);
		return false;
	}
	*out = v;
	return true;
}

bool console_paging(struct console_call *call, int64_t *limit, int64_t *offset)
{
	if (!num_arg(call, "limit", CONSOLE_LIMIT_DEFAULT, CONSOLE_LIMIT_MAX, limit) ||
	    !num_arg(call, "offset", 0, INT32_MAX, offset))
		return false;
	if (*limit == 0)
		*limit = CONSOLE_LIMIT_DEFAULT;
	return true;
}

json_t *console_time_json(const struct moat_db_val *v)
{
	char t[MOAT_TIME_MAX];

	if (v->type != MOAT_DB_INT)
		return json_null();
	moat_time_format(v->i, t);
	return json_string(t);
}

json_t *console_text_json(const struct moat_db_val *v)
{
	return v->type == MOAT_DB_TEXT ? json_string(v->s) : json_null();
}

json_t *console_doc_json(const struct moat_db_val *v)
{
	json_t *j;

	if (v->type != MOAT_DB_TEXT)
		return json_null();
	j = json_loads(v->s, JSON_DECODE_ANY, NULL);
	return j ? j : json_null();
}

int console_audit(struct moat_console *c, const char *who, const char *action,
		  const char *target, struct moat_error *err)
{
	char id[33];
	struct moat_db_val p[5];

	if (console_random_hex(id, 16) < 0)
		return moat_error_set(err, -EIO, "no random bytes");
	p[0] = moat_db_text(id);
	p[1] = moat_db_int(moat_time_now_us());
	p[2] = moat_db_text(who ? who : "-");
	p[3] = moat_db_text(action);
	p[4] = moat_db_text(target);
	return moat_db_exec(c->db, "INSERT INTO audit (id, ts, user_name, action, target) "
			    "VALUES (?, ?, ?, ?, ?)", p, 5, NULL, err);
}

static int user_write(struct moat_console *c, const char *name, const char *role,
		      const char *hash, bool replace, const char *by, struct moat_error *err)
{
	struct moat_db_val p[] = { moat_db_text(name), moat_db_text(role), moat_db_text(hash),
				   moat_db_int(moat_time_now_us()) };
	int64_t n = 0;
	int r = moat_db_begin(c->db, err);

	if (r < 0)
		return r;
	r = moat_db_exec(c->db, replace ?
			 "INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?) ON "
			 "CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash" :
			 "INSERT INTO users (name, role, hash, created) VALUES (?, ?, ?, ?) ON "
			 "CONFLICT (name) DO NOTHING", p, 4, &n, err);
	if (r == 0 && n == 0)
		r = moat_error_set(err, -EEXIST, "user %s exists", name);
	/* a changed password ends the user's sessions */
	if (r == 0 && replace)
		r = moat_db_exec(c->db, "DELETE FROM sessions WHERE user_name = ?", p, 1, NULL, err);
	if (r == 0)
		r = console_audit(c, by, replace ? "user.set" : "user.create", name, err);
	if (r == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	return r;
}

int moat_console_user_add(struct moat_console *c, const char *name, const char *role,
			  const char *password, bool replace, const char *by,
			  struct moat_error *err)
{
	char hash[CONSOLE_HASH_MAX];
	size_t plen = strlen(password);
	int r;

	if (!console_name_valid(name))
		return moat_error_set(err, MOAT_E_USAGE, "user name: 1 to 64 of A-Z a-z 0-9 . _ @ -");
	if (!console_role_parse(role))
		return moat_error_set(err, MOAT_E_USAGE, "role '%s': want admin, operator, auditor, "
				      "ci or defender", role);
	if (plen < CONSOLE_PASSWORD_MIN || plen > CONSOLE_PASSWORD_MAX)
		return moat_error_set(err, MOAT_E_USAGE, "password: %d to %d characters",
				      CONSOLE_PASSWORD_MIN, CONSOLE_PASSWORD_MAX);
	if ((r = console_password_hash(password, hash, err)) < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	r = user_write(c, name, role, hash, replace, by, err);
	pthread_mutex_unlock(&c->mu);
	return r;
}

int moat_console_token_create(struct moat_console *c, const char *role, const char *name,
			      const char *by, char **ret_token, char ret_id[32],
			      struct moat_error *err)
{
	char id[13], secret[41], token[64], hash[MOAT_DIGEST_STR_MAX];
	int r;

	if (!console_role_parse(role))
		return moat_error_set(err, MOAT_E_USAGE, "role '%s': want admin, operator, auditor, "
				      "ci or defender", role);
	if (name && !console_name_valid(name))
		return moat_error_set(err, MOAT_E_USAGE, "token name: 1 to 64 of A-Z a-z 0-9 . _ @ -");
	if (console_random_hex(id, 6) < 0 || console_random_hex(secret, 20) < 0)
		return moat_error_set(err, -EIO, "no random bytes");
	snprintf(token, sizeof(token), "moat_%s", secret);
	if (moat_sha256_str(token, strlen(token), hash) < 0)
		return moat_error_set(err, -ENOMEM, "sha256 failed");
	struct moat_db_val p[] = { moat_db_text(id), moat_db_text(name ? name : id),
				   moat_db_text(role), moat_db_text(hash),
				   moat_db_int(moat_time_now_us()), moat_db_text(by) };
	pthread_mutex_lock(&c->mu);
	r = moat_db_begin(c->db, err);
	if (r == 0)
		r = moat_db_exec(c->db, "INSERT INTO tokens (id, name, role, hash, created, "
				 "created_by) VALUES (?, ?, ?, ?, ?, ?)", p, 6, NULL, err);
	if (r == 0)
		r = console_audit(c, by, "token.create", id, err);
	if (r == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	pthread_mutex_unlock(&c->mu);
	explicit_bzero(secret, sizeof(secret));
	if (r < 0)
		return r;
	*ret_token = strdup(token);
	explicit_bzero(token, sizeof(token));
	if (!*ret_token)
		return moat_error_set(err, -ENOMEM, "out of memory");
	if (ret_id)
		snprintf(ret_id, 32, "%s", id);
	return 0;
}

int console_exec_audited(struct moat_console *c, const char *who, const char *sql,
			 const struct moat_db_val *p, size_t n, const char *action,
			 const char *target, int64_t *ret_n, struct moat_error *err)
{
	int64_t changed = 0;
	int r;

	pthread_mutex_lock(&c->mu);
	r = moat_db_begin(c->db, err);
	if (r == 0)
		r = moat_db_exec(c->db, sql, p, n, &changed, err);
	if (r == 0 && changed)
		r = console_audit(c, who, action, target, err);
	if (r == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	pthread_mutex_unlock(&c->mu);
	if (ret_n)
		*ret_n = changed;
	return r;
}

json_t *console_row_object(const struct console_colspec *spec, size_t nspec,
			   const struct moat_db_val *cols, size_t ncols)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < nspec && i < ncols; i++) {
		const struct moat_db_val *v = &cols[i];
		json_t *j;

		switch (spec[i].kind) {
		case COL_TEXT: j = console_text_json(v); break;
		case COL_INT: j = v->type == MOAT_DB_INT ? json_integer(v->i) : json_null(); break;
		case COL_BOOL: j = json_boolean(v->type == MOAT_DB_INT && v->i); break;
		case COL_TIME: j = console_time_json(v); break;
		case COL_DOC: j = console_doc_json(v); break;
		default: continue;
		}
		json_object_set_new(o, spec[i].key, j);
	}
	return o;
}

int console_rows_append(void *ctx, const struct moat_db_val *cols, size_t ncols)
{
	struct console_rows *rs = ctx;
	json_t *o = console_row_object(rs->spec, rs->nspec, cols, ncols);

	if (!o || json_array_append_new(rs->arr, o) < 0)
		return -ENOMEM;
	return 0;
}

void console_reply_list(struct console_call *call, const char *key, const char *sql,
			const struct moat_db_val *params, size_t nparams,
			const struct console_colspec *spec, size_t nspec)
{
	struct console_rows rs = { spec, nspec, json_array() };
	struct moat_error err = { 0 };
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, sql, params, nparams, console_rows_append, &rs, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		json_decref(rs.arr);
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:o}", key, rs.arr));
}
