/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api.c - the /api/v1 router: one table of routes with the roles each
 * allows, authentication (Bearer token or session cookie + CSRF header),
 * and the session endpoints (login, logout, me), health and openapi.json.
 * Anything not under /api/ is the web UI (static.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

#define API_PREFIX "/api/v1"

enum route_flags {
	ROUTE_PUBLIC = 1 << 0,          /* no credentials */
	ROUTE_SESSION = 1 << 1,         /* a session, not a token (logout) */
};

struct route {
	const char *method;
	const char *path;               /* may end in one "{param}" segment */
	unsigned roles;
	unsigned flags;
	console_route_fn fn;
};

static void api_health(struct console_call *call);
static void api_login(struct console_call *call);
static void api_logout(struct console_call *call);
static void api_me(struct console_call *call);
static void api_openapi(struct console_call *call);

#define R_READ CONSOLE_ROLES_READ
#define R_ADMIN CONSOLE_ROLE_ADMIN
#define R_POLICY_W (CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_OPERATOR)
#define R_DEFENDER (CONSOLE_ROLE_DEFENDER | CONSOLE_ROLE_NODE)

static const struct route routes[] = {
	{ "GET", "/health", 0, ROUTE_PUBLIC, api_health },
	{ "POST", "/login", 0, ROUTE_PUBLIC, api_login },
	{ "GET", "/openapi.json", 0, ROUTE_PUBLIC, api_openapi },
	{ "POST", "/logout", CONSOLE_ROLES_ANY, ROUTE_SESSION, api_logout },
	{ "GET", "/me", CONSOLE_ROLES_ANY, 0, api_me },
	{ "POST", "/scans", CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_CI | R_DEFENDER, 0,
	  console_api_scans_post },
	{ "GET", "/images", R_READ, 0, console_api_images },
	{ "GET", "/images/{digest}", R_READ, 0, console_api_image },
	{ "GET", "/containers", R_READ, 0, console_api_containers },
	{ "POST", "/events", CONSOLE_ROLE_ADMIN | R_DEFENDER, 0,
	  console_api_events_post },
	{ "GET", "/events", R_READ, 0, console_api_events },
	{ "POST", "/events/{id}/ack", R_POLICY_W, 0, console_api_event_ack },
	{ "GET", "/radar", R_READ, 0, console_api_radar },
	{ "GET", "/vulnerabilities", R_READ, 0, console_api_vulnerabilities },
	{ "POST", "/compliance", CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_CI | CONSOLE_ROLE_DEFENDER, 0,
	  console_api_compliance_post },
	{ "GET", "/compliance", R_READ, 0, console_api_compliance },
	{ "GET", "/compliance/policies", R_READ | CONSOLE_ROLE_CI | R_DEFENDER, 0,
	  console_api_compliance_policies },
	{ "GET", "/policies", R_READ | CONSOLE_ROLE_DEFENDER, 0, console_api_policies_list },
	{ "POST", "/policies", R_POLICY_W, 0, console_api_policies_create },
	{ "GET", "/policies/{id}", R_READ | CONSOLE_ROLE_DEFENDER, 0, console_api_policy_get },
	{ "PUT", "/policies/{id}", R_POLICY_W, 0, console_api_policy_put },
	{ "DELETE", "/policies/{id}", R_POLICY_W, 0, console_api_policy_delete },
	{ "GET", "/integrations", R_ADMIN, 0, console_api_integrations_list },
	{ "POST", "/integrations", R_ADMIN, 0, console_api_integrations_create },
	{ "DELETE", "/integrations/{id}", R_ADMIN, 0, console_api_integration_delete },
	{ "GET", "/users", R_ADMIN, 0, console_api_users_list },
	{ "POST", "/users", R_ADMIN, 0, console_api_users_create },
	{ "DELETE", "/users/{name}", R_ADMIN, 0, console_api_users_delete },
	{ "GET", "/tokens", R_ADMIN, 0, console_api_tokens_list },
	{ "POST", "/tokens", R_ADMIN, 0, console_api_tokens_create },
	{ "DELETE", "/tokens/{id}", R_ADMIN, 0, console_api_tokens_delete },
	{ "GET", "/defenders", R_READ, 0, console_api_defenders },
	{ "GET", "/admission-controllers", R_READ, 0, console_api_admission_controllers },
	{ "DELETE", "/admission-controllers/{id}", R_ADMIN, 0,
	  console_api_admission_controller_delete },
	{ "POST", "/defenders/enroll", 0, ROUTE_PUBLIC, console_api_enroll },
	{ "POST", "/defenders/self/heartbeat", R_DEFENDER, 0, console_api_heartbeat },
	{ "GET", "/defenders/self/policy", R_DEFENDER, 0, console_api_self_policy },
	{ "POST", "/defenders/{id}/revoke", R_ADMIN, 0, console_api_defender_revoke },
	{ "GET", "/join-tokens", R_ADMIN, 0, console_api_join_tokens_list },
	{ "POST", "/join-tokens", R_ADMIN, 0, console_api_join_tokens_create },
	{ "DELETE", "/join-tokens/{id}", R_ADMIN, 0, console_api_join_token_delete },
	{ "GET", "/audit", CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_AUDITOR, 0, console_api_audit },
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

const char *moat_console_route(size_t n, char *buf, size_t len)
{
	if (n >= N_ROUTES)
		return NULL;
	snprintf(buf, len, "%s %s%s", routes[n].method, API_PREFIX, routes[n].path);
	return buf;
}

#define API_PARAM_MAX CONSOLE_PARAM_MAX

bool console_path_match(const char *pattern, const char *path, char *param)
{
	const char *brace = strchr(pattern, '{');
	const char *suffix;
	size_t pre, suf, len = strlen(path), mid;

	param[0] = '\0';
	if (!brace)
		return !strcmp(pattern, path);
	pre = (size_t)(brace - pattern);
	suffix = strchr(brace, '}') + 1;
	suf = strlen(suffix);
	if (len <= pre + suf || strncmp(pattern, path, pre) != 0 ||
	    strcmp(path + len - suf, suffix) != 0)
		return false;
	mid = len - pre - suf;
	if (mid >= API_PARAM_MAX || memchr(path + pre, '/', mid))
		return false;
	memcpy(param, path + pre, mid);
	param[mid] = '\0';
	return true;
}

/* ---- authentication ---- */

struct who_ctx {
	struct console_who *who;
	bool found;
	bool session;
};

static int who_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	struct who_ctx *w = ctx;

	if (n < 3 || cols[0].type != MOAT_DB_TEXT || cols[1].type != MOAT_DB_TEXT)
		return 1;
	w->who->role = console_role_parse(cols[1].s);
	if (w->session) {
		snprintf(w->who->name, sizeof(w->who->name), "%s", cols[0].s);
		snprintf(w->who->csrf, sizeof(w->who->csrf), "%s",
			 cols[2].type == MOAT_DB_TEXT ? cols[2].s : "");
	} else {
		snprintf(w->who->name, sizeof(w->who->name), "token:%s", cols[0].s);
		snprintf(w->who->token_id, sizeof(w->who->token_id), "%s",
			 cols[2].type == MOAT_DB_TEXT ? cols[2].s : "");
	}
	w->found = w->who->role != 0;
	return 1;
}

static int auth_token(struct moat_console *c, const char *token, struct console_who *who,
		      struct moat_error *err)
{
	char hash[MOAT_DIGEST_STR_MAX];
	struct who_ctx w = { who, false, false };
	int64_t now = moat_time_now_us();
	struct moat_db_val p = moat_db_text(hash);
	int r;

	if (strlen(token) > 256 || moat_sha256_str(token, strlen(token), hash) < 0)
		return 0;
	r = moat_db_query(c->db, "SELECT name, role, id FROM tokens WHERE hash = ?", &p, 1,
			  who_row, &w, err);
	if (r < 0)
		return r;
	if (!w.found) /* not an API token: an enrolled defender's secret? */
		return console_auth_defender(c, hash, who, err);
	/* last_used, at most once a minute per token (a write per call is waste) */
	struct moat_db_val u[] = { moat_db_int(now), moat_db_text(who->token_id),
				   moat_db_int(now - 60 * 1000000LL) };
	moat_db_exec(c->db, "UPDATE tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL "
		     "OR last_used < ?)", u, 3, NULL, NULL);
	return 1;
}

static int auth_session(struct moat_console *c, const char *sid, struct console_who *who,
			struct moat_error *err)
{
	struct who_ctx w = { who, false, true };
	int r;

	if (strlen(sid) > 128 || moat_sha256_str(sid, strlen(sid), who->session_hash) < 0)
		return 0;
	struct moat_db_val p[] = { moat_db_text(who->session_hash), moat_db_int(moat_time_now_us()) };
	r = moat_db_query(c->db, "SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON "
			  "u.name = s.user_name WHERE s.id_hash = ? AND s.expires > ?", p, 2,
			  who_row, &w, err);
	if (r < 0)
		return r;
	if (!w.found)
		who->session_hash[0] = '\0';
	return w.found;
}

/* 1 authenticated, 0 answered (401/403). */
static int authenticate(struct console_call *call, const struct route *rt)
{
	const struct moat_server_req *req = call->req;
	const char *authz = moat_server_req_header(req, "Authorization");
	const char *sid = moat_server_req_cookie(req, CONSOLE_SESSION_COOKIE);
	struct moat_error err = { 0 };
	int r = 0;

	if (authz && !strncasecmp(authz, "Bearer ", 7))
		r = auth_token(call->c, authz + 7, &call->who, &err);
	else if (!authz && sid)
		r = auth_session(call->c, sid, &call->who, &err);
	if (r < 0) {
		console_reply_db(call, &err);
		return 0;
	}
	if (r == 2) {
		console_reply_error(call, 403, "defender %s has been revoked; enroll it again with "
				    "a new join token", call->who.defender_id);
		return 0;
	}
	if (r == 0) {
		moat_server_resp_header(call->resp, "WWW-Authenticate", "Bearer realm=\"moat\"");
		console_reply_error(call, 401, "authentication required (a session or "
				    "Authorization: Bearer TOKEN)");
		return 0;
	}
	if ((rt->flags & ROUTE_SESSION) && !call->who.session_hash[0]) {
		console_reply_error(call, 403, "this endpoint is for browser sessions");
		return 0;
	}
	/* A cookie rides along on cross-site requests; the header does not. */
	if (call->who.session_hash[0] && strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		const char *csrf = moat_server_req_header(req, "X-CSRF-Token");

		if (!csrf || !console_str_eq(csrf, call->who.csrf)) {
			console_reply_error(call, 403, "missing or wrong X-CSRF-Token header");
			return 0;
		}
	}
	if (!(rt->roles & call->who.role)) {
		console_reply_error(call, 403, "role %s may not %s %s%s",
				    console_role_name(call->who.role), rt->method, API_PREFIX,
				    rt->path);
		return 0;
	}
	return 1;
}

/* ---- dispatch ---- */

/* The route for method and path (param gets its {param}), or NULL; allow
 * (may be NULL, 128 bytes) lists the methods the path has. */
static const struct route *find_route(const char *method, const char *path, char *param,
				      char *allow)
{
	char p[API_PARAM_MAX];

	param[0] = '\0';
	for (size_t i = 0; i < N_ROUTES; i++) {
		if (!console_path_match(routes[i].path, path, p))
			continue;
		if (!strcmp(routes[i].method, method) ||
		    (!strcmp(method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
			memcpy(param, p, sizeof(p));
			return &routes[i];
		}
		if (allow)
			snprintf(allow + strlen(allow), 128 - strlen(allow), "%s%s",
				 allow[0] ? ", " : "", routes[i].method);
	}
	return NULL;
}

/* Bodies without credentials (login, anything outside the API) are small. */
#define API_PUBLIC_BODY (64u << 10)

int moat_console_head(void *ctx, const struct moat_server_req *req, size_t *max_body,
		      char *msg, size_t msg_len)
{
	struct moat_console *c = ctx;
	struct console_who who = { 0 };
	char param[API_PARAM_MAX];
	const struct route *rt = NULL;
	const char *authz, *sid;
	int r = 0;

	if (!strncmp(req->path, API_PREFIX "/", sizeof(API_PREFIX)))
		rt = find_route(req->method, req->path + strlen(API_PREFIX), param, NULL);
	if (!rt || (rt->flags & ROUTE_PUBLIC) || !strcmp(req->method, "GET") ||
	    !strcmp(req->method, "HEAD")) {
		*max_body = API_PUBLIC_BODY;
		return 0;
	}
	authz = moat_server_req_header(req, "Authorization");
	sid = moat_server_req_cookie(req, CONSOLE_SESSION_COOKIE);
	pthread_mutex_lock(&c->mu);
	if (authz && !strncasecmp(authz, "Bearer ", 7))
		r = auth_token(c, authz + 7, &who, NULL);
	else if (!authz && sid)
		r = auth_session(c, sid, &who, NULL);
	pthread_mutex_unlock(&c->mu);
	if (r == 1)
		return 0;
	if (r == 2) {
		snprintf(msg, msg_len, "defender %s has been revoked; enroll it again with a new "
			 "join token", who.defender_id);
		return 403;
	}
	snprintf(msg, msg_len, "authentication required (a session or Authorization: Bearer "
		 "TOKEN)");
	return r < 0 ? 503 : 401;
}

static void api_dispatch(struct console_call *call, const char *path)
{
	const struct route *rt;
	char allow[128] = "";
	char param[API_PARAM_MAX];

	rt = find_route(call->req->method, path, param, allow);
	if (!rt && allow[0]) {
		moat_server_resp_header(call->resp, "Allow", allow);
		console_reply_error(call, 405, "%s is not allowed here (allowed: %s)",
				    call->req->method, allow);
		return;
	}
	if (!rt) {
		console_reply_error(call, 404, "no such endpoint: %s%s", API_PREFIX, path);
		return;
	}
	call->param = strchr(rt->path, '{') ? param : NULL;
	if (rt->flags & ROUTE_PUBLIC) {
		rt->fn(call);
		return;
	}
	pthread_mutex_lock(&call->c->mu);
	int ok = authenticate(call, rt);
	pthread_mutex_unlock(&call->c->mu);
	if (ok == 1)
		rt->fn(call);
}

void moat_console_http(void *ctx, const struct moat_server_req *req,
		       struct moat_server_resp *resp)
{
	struct console_call call = { .c = ctx, .req = req, .resp = resp };
	const char *path = req->path;

	moat_server_resp_header(resp, "X-Content-Type-Options", "nosniff");
	if (strncmp(path, "/api/", 5) != 0) {
		console_static(call.c, req, resp);
		return;
	}
	moat_server_resp_header(resp, "Cache-Control", "no-store");
	if (strncmp(path, API_PREFIX "/", sizeof(API_PREFIX)) != 0) {
		console_reply_error(&call, 404, "no such API version (this console serves %s)",
				    API_PREFIX);
		return;
	}
	api_dispatch(&call, path + strlen(API_PREFIX));
}

/* ---- public and session endpoints ---- */

static void api_health(struct console_call *call)
{
	console_reply_json(call, 200, json_pack("{s:s,s:s}", "status", "ok", "version",
						call->c->version));
}

static void api_openapi(struct console_call *call)
{
	struct moat_error err = { 0 };
	struct moat_buf *b = &call->resp->body;
	int fd;
	struct stat st;

	if (!call->c->openapi_path) {
		console_reply_error(call, 404, "this console has no OpenAPI document installed");
		return;
	}
	fd = open(call->c->openapi_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		moat_error_set(&err, MOAT_E_NOTFOUND, "%s: %s", call->c->openapi_path,
			       strerror(errno));
		console_reply_db(call, &err);
		return;
	}
	moat_buf_reset(b);
	call->resp->file_fd = fd;
	call->resp->file_size = (uint64_t)st.st_size;
	call->resp->content_type = "application/json";
}

struct hash_ctx {
	char hash[CONSOLE_HASH_MAX];
	char role[16];
};

static int hash_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	struct hash_ctx *h = ctx;

	if (n >= 2 && cols[0].type == MOAT_DB_TEXT && cols[1].type == MOAT_DB_TEXT) {
		snprintf(h->hash, sizeof(h->hash), "%s", cols[0].s);
		snprintf(h->role, sizeof(h->role), "%s", cols[1].s);
	}
	return 1;
}

static int new_session(struct console_call *call, const char *user, char sid[65],
		       char csrf[65], struct moat_error *err)
{
	char sid_hash[MOAT_DIGEST_STR_MAX];
	int64_t now = moat_time_now_us();

	if (console_random_hex(sid, 32) < 0 || console_random_hex(csrf, 32) < 0 ||
	    moat_sha256_str(sid, strlen(sid), sid_hash) < 0)
		return moat_error_set(err, -EIO, "no random bytes");
	struct moat_db_val p[] = { moat_db_text(sid_hash), moat_db_text(user), moat_db_text(csrf),
				   moat_db_int(now), moat_db_int(now + CONSOLE_SESSION_US) };
	struct moat_db_val old = moat_db_int(now);
	/* expired sessions go when a new one comes */
	moat_db_exec(call->c->db, "DELETE FROM sessions WHERE expires <= ?", &old, 1, NULL, NULL);
	return moat_db_exec(call->c->db, "INSERT INTO sessions (id_hash, user_name, csrf, created, "
			    "expires) VALUES (?, ?, ?, ?, ?)", p, 5, NULL, err);
}

static void set_cookie(struct console_call *call, const char *value, long max_age)
{
	char cookie[256];

	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
		 CONSOLE_SESSION_COOKIE, value, max_age, call->req->tls ? "; Secure" : "");
	moat_server_resp_header(call->resp, "Set-Cookie", cookie);
}

/* Checked outside the lock: yescrypt takes tens of milliseconds. */
static void api_login(struct console_call *call)
{
	struct moat_console *c = call->c;
	struct moat_error err = { 0 };
	struct hash_ctx h = { "", "" };
	char key[CONSOLE_RL_KEY], sid[65], csrf[65];
	json_t *body = console_body_object(call);
	const char *user, *pw;
	unsigned wait;
	int r;

	if (!body)
		return;
	user = moat_json_str(body, "user");
	pw = moat_json_str(body, "password");
	if (!user || !pw || !console_name_valid(user) || strlen(pw) > 1024) {
		json_decref(body);
		console_reply_error(call, 400, "want {\"user\":NAME,\"password\":PASSWORD}");
		return;
	}
	snprintf(key, sizeof(key), "%s|%s", call->req->peer, user);
	wait = console_rl_wait(&c->rl, key, moat_time_now_us());
	if (wait) {
		char after[16];

		snprintf(after, sizeof(after), "%u", wait);
		moat_server_resp_header(call->resp, "Retry-After", after);
		json_decref(body);
		console_reply_error(call, 429, "too many failed logins; try again in %u s", wait);
		return;
	}
	struct moat_db_val p = moat_db_text(user);
	pthread_mutex_lock(&c->mu);
	r = moat_db_query(c->db, "SELECT hash, role FROM users WHERE name = ?", &p, 1, hash_row,
			  &h, &err);
	pthread_mutex_unlock(&c->mu);
	if (r < 0) {
		json_decref(body);
		console_reply_db(call, &err);
		return;
	}
	/* an unknown user costs a hash too, so timing does not tell names */
	if (!console_password_check(pw, h.hash[0] ? h.hash :
				    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$") || !h.hash[0]) {
		console_rl_fail(&c->rl, key, moat_time_now_us());
		json_decref(body);
		console_reply_error(call, 401, "wrong user name or password");
		return;
	}
	console_rl_clear(&c->rl, key);
	pthread_mutex_lock(&c->mu);
	r = new_session(call, user, sid, csrf, &err);
	if (r == 0)
		console_audit(c, user, "login", user, NULL);
	pthread_mutex_unlock(&c->mu);
	if (r < 0) {
		json_decref(body);
		console_reply_db(call, &err);
		return;
	}
	set_cookie(call, sid, (long)(CONSOLE_SESSION_US / 1000000));
	console_reply_json(call, 200, json_pack("{s:s,s:s,s:s}", "user", user, "role", h.role,
						"csrf", csrf));
	explicit_bzero(sid, sizeof(sid));
	json_decref(body);
}

static void api_logout(struct console_call *call)
{
	struct moat_db_val p = moat_db_text(call->who.session_hash);

	pthread_mutex_lock(&call->c->mu);
	moat_db_exec(call->c->db, "DELETE FROM sessions WHERE id_hash = ?", &p, 1, NULL, NULL);
	pthread_mutex_unlock(&call->c->mu);
	set_cookie(call, "", 0);
	call->resp->status = 204;
}

static void api_me(struct console_call *call)
{
	const struct console_who *w = &call->who;

	console_reply_json(call, 200, json_pack("{s:s,s:s,s:s?}", "user", w->name, "role",
						console_role_name(w->role), "csrf",
						w->session_hash[0] ? w->csrf : NULL));
}
