/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c - registry handle: scheme, auth and retries (registry.h).
 *
 * Every request goes through reg_send(): it adds the Authorization the
 * scope needs (Basic, or a cached Bearer token), and on a 401 reads the
 * challenge, gets credentials or a token, and sends once more; 429 and
 * 502/503/504 answers and dropped connections are retried with exponential
 * backoff, or after Retry-After when the registry says so (capped).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "moat/error.h"
#include "net/http.h"
#include "registry-int.h"
#include "registry.h"
#include "client-int.h"

#define TOKEN_MAX (16u << 10)
#define TOKEN_RESPONSE_MAX (64u << 10)
#define BACKOFF_MS 250

static bool host_is_loopback(const char *host)
{
	size_t hlen = strcspn(host, ":");

	if (host[0] == '[')
		return !strncmp(host, "[::1]", 5);
	return (hlen == 9 && !strncmp(host, "localhost", 9)) || !strncmp(host, "127.", 4);
}

static bool host_is_insecure(const char *host, const char *const *insecure)
{
	for (size_t i = 0; insecure && insecure[i]; i++)
		if (!strcmp(insecure[i], host))
			return true;
	return false;
}

const char *moat_registry_scheme(const struct moat_registry *reg)
{
	return reg->scheme;
}

const char *moat_registry_api_host(const char *registry)
{
	return strcmp(registry, "docker.io") ? registry : "registry-1.docker.io";
}

unsigned moat_registry_requests(const struct moat_registry *reg)
{
	return reg->requests;
}

unsigned moat_registry_retries(const struct moat_registry *reg)
{
	return reg->retries;
}

/* Milliseconds of the budget left (0: spent), or -1 without a budget. */
static long budget_left(const struct moat_registry *reg)
{
	struct timespec now;
	long ms;

	if (reg->budget_ms <= 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(reg->deadline.tv_sec - now.tv_sec) * 1000 +
	     (reg->deadline.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

/* Before a request: 0 with req->total_ms set to what is left of the
 * handle's budget (none: untouched), or -ETIMEDOUT once it is spent. */
static int registry_budget(const struct moat_registry *reg, struct moat_http_req *req,
			   struct moat_error *err)
{
	long left = budget_left(reg);

	if (left == 0)
		return moat_error_set(err, -ETIMEDOUT, "%s: no answer within %ld ms", reg->host,
				      reg->budget_ms);
	if (left > 0)
		req->total_ms = left;
	return 0;
}

int registry_url(const struct moat_registry *reg, const char *path, char *out, size_t size,
		 struct moat_error *err)
{
	int n;

	if (!strncmp(path, "http://", 7) || !strncmp(path, "https://", 8))
		n = snprintf(out, size, "%s", path);
	else
		n = snprintf(out, size, "%s://%s%s", reg->scheme, reg->host, path);
	if (n < 0 || (size_t)n >= size)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: URL over %zu bytes", reg->host, size);
	return 0;
}

static struct registry_token *token_for(struct moat_registry *reg, const char *scope)
{
	time_t now = time(NULL);

	for (unsigned i = 0; i < reg->ntokens; i++)
		if (!strcmp(reg->tokens[i].scope, scope) && reg->tokens[i].expires > now)
			return &reg->tokens[i];
	return NULL;
}

static void token_free(struct registry_token *t)
{
	if (t->header)
		explicit_bzero(t->header, strlen(t->header));
	free(t->header);
	t->header = NULL;
}

/* Cache a token; the oldest goes when the table is full. */
static int token_put(struct moat_registry *reg, const char *scope, const char *token,
		     long expires_in, struct moat_error *err)
{
	struct registry_token *t;
	size_t len = strlen(token);

	if (len == 0 || len > TOKEN_MAX)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: token empty or over %u bytes",
				      reg->host, TOKEN_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)token[i] <= 0x20 || token[i] == 0x7f)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: token with control bytes",
					      reg->host);
	if (reg->ntokens == REGISTRY_TOKENS) {
		token_free(&reg->tokens[0]);
		memmove(&reg->tokens[0], &reg->tokens[1], sizeof(reg->tokens[0]) * (REGISTRY_TOKENS - 1));
		reg->ntokens--;
	}
	t = &reg->tokens[reg->ntokens];
	memset(t, 0, sizeof(*t));
	snprintf(t->scope, sizeof(t->scope), "%s", scope);
	if (asprintf(&t->header, "Authorization: Bearer %s", token) < 0) {
		t->header = NULL;
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	/* Renew 10 s early so a token does not expire in flight. */
	if (expires_in < 60)
		expires_in = 60;
	t->expires = time(NULL) + expires_in - 10;
	reg->ntokens++;
	return 0;
}

/* Credentials go to a realm only over https, or to a host we already talk
 * plain http to (loopback, --insecure-registry). */
static bool realm_trusted(const struct moat_registry *reg, const char *realm)
{
	const char *host;
	char h[MOAT_REGISTRY_MAX_HOST];
	size_t n;

	if (!strncmp(realm, "https://", 8))
		return true;
	if (strncmp(realm, "http://", 7) != 0)
		return false;
	host = realm + 7;
	n = strcspn(host, "/?#");
	if (n >= sizeof(h))
		return false;
	memcpy(h, host, n);
	h[n] = '\0';
	return host_is_loopback(h) || host_is_insecure(h, reg->insecure);
}

static int token_request(struct moat_registry *reg, const struct moat_registry_challenge *ch,
			 const char *scope, struct moat_buf *url, struct moat_error *err)
{
	int r = moat_buf_appendf(url, "%s%s", ch->realm, strchr(ch->realm, '?') ? "&" : "?");

	if (r == 0 && ch->service[0]) {
		r = moat_buf_append_str(url, "service=");
		if (r == 0)
			r = moat_http_escape(url, moat_slice_str(ch->service), NULL);
		if (r == 0)
			r = moat_buf_putc(url, '&');
	}
	if (r == 0 && scope[0]) {
		r = moat_buf_append_str(url, "scope=");
		if (r == 0)
			r = moat_http_escape(url, moat_slice_str(scope), NULL);
	}
	if (r == 0)
		r = moat_buf_putc(url, '\0');
	if (r < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: token URL too long", reg->host);
	return 0;
}

/* A 401 when we had nothing to offer: say so, not "failed". */
static int no_credentials(const struct moat_registry *reg, struct moat_error *err)
{
	return moat_error_set(err, MOAT_E_RUNTIME, "%s: authentication required and no "
			      "credentials for it in the docker config (docker login %s)",
			      reg->host, reg->host);
}

/* The OAuth2 form of the token request (an identity token from `docker
 * login`): POST realm, grant_type=refresh_token. */
static int oauth_form(struct moat_registry *reg, const struct moat_registry_challenge *ch,
		      const char *scope, struct moat_buf *form)
{
	int r = moat_buf_append_str(form, "grant_type=refresh_token&client_id=moat&service=");

	if (r == 0)
		r = moat_http_escape(form, moat_slice_str(ch->service), NULL);
	if (r == 0 && scope[0])
		r = moat_buf_append_str(form, "&scope=");
	if (r == 0 && scope[0])
		r = moat_http_escape(form, moat_slice_str(scope), NULL);
	if (r == 0)
		r = moat_buf_append_str(form, "&refresh_token=");
	if (r == 0)
		r = moat_http_escape(form, moat_slice_str(reg->creds.identity_token), NULL);
	return r;
}

/* GET realm?service=..&scope=.. (with Basic credentials when we have them),
 * or the OAuth2 POST when all we have is an identity token. */
static int fetch_token(struct moat_registry *reg, const struct moat_registry_challenge *ch,
		       const char *scope, struct moat_error *err)
{
	char basic[6000];
	const char *headers[2] = { NULL, NULL };
	struct moat_http_req req = { .follow = true };
	struct moat_http_resp *resp = NULL;
	struct moat_buf url, body, form;
	json_t *json = NULL;
	const char *tok;
	bool oauth = reg->creds.identity_token[0] != '\0';
	bool creds = reg->creds.have || oauth;
	int r;

	if (creds && !realm_trusted(reg, ch->realm))
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: token realm %s is not https; "
				      "not sending credentials there", reg->host, ch->realm);
	if (!oauth && reg->creds.have &&
	    registry_basic_header(&reg->creds, basic, sizeof(basic)) == 0)
		headers[0] = basic;
	moat_buf_init(&url, MOAT_HTTP_MAX_URL);
	moat_buf_init(&body, TOKEN_RESPONSE_MAX + 1);
	moat_buf_init(&form, sizeof(reg->creds.identity_token) * 3 + 1024);
	if (oauth) {
		r = moat_buf_append_str(&url, ch->realm) || moat_buf_putc(&url, '\0') ||
		    oauth_form(reg, ch, scope, &form) ? MOAT_E_LIMIT : 0;
		req.method = "POST";
		req.body = form.data;
		req.body_len = form.len;
		req.content_type = "application/x-www-form-urlencoded";
		req.follow = false;
	} else {
		r = token_request(reg, ch, scope, &url, err);
	}
	req.url = (const char *)url.data;
	req.headers = headers;
	reg->requests++;
	if (r == 0)
		r = registry_budget(reg, &req, err);
	if (r == 0)
		r = moat_http_send(reg->http, &req, &resp, err);
	if (r == 0 && moat_http_resp_status(resp) == 401 && !creds)
		r = no_credentials(reg, err);
	else if (r == 0 && oauth && (moat_http_resp_status(resp) == 400 ||
				     moat_http_resp_status(resp) == 401))
		r = moat_error_set(err, MOAT_E_RUNTIME, "%s: authentication failed at %s: the "
				   "identity token was refused (docker login %s again)", reg->host,
				   ch->realm, reg->host);
	else if (r == 0 && moat_http_resp_status(resp) == 401)
		r = moat_error_set(err, MOAT_E_RUNTIME, "%s: authentication failed at %s: check "
				   "the credentials for %s (docker login)", reg->host, ch->realm,
				   reg->host);
	else if (r == 0 && moat_http_resp_status(resp) != 200)
		r = moat_http_resp_fail(resp, ch->realm, err);
	if (r == 0)
		r = moat_http_resp_read_all(resp, &body, TOKEN_RESPONSE_MAX, err);
	if (r == 0)
		r = moat_json_parse(body.data, body.len, TOKEN_RESPONSE_MAX, "token response", &json,
				    err);
	tok = moat_json_str(json, "token");
	if (!tok || !*tok)
		tok = moat_json_str(json, "access_token");
	if (r == 0 && !tok)
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: token response without a token",
				   ch->realm);
	if (r == 0)
		r = token_put(reg, scope, tok, (long)json_integer_value(json_object_get(json,
							       "expires_in")), err);
	explicit_bzero(basic, sizeof(basic));
	if (body.data)
		explicit_bzero(body.data, body.len);
	if (form.data)
		explicit_bzero(form.data, form.len);
	json_decref(json);
	moat_http_resp_close(resp);
	moat_buf_release(&url);
	moat_buf_release(&body);
	moat_buf_release(&form);
	return r;
}

/* After a 401: set up what the next attempt sends. */
static int authenticate(struct moat_registry *reg, struct moat_http_resp *resp, const char *scope,
			struct moat_error *err)
{
	struct moat_registry_challenge ch;
	struct moat_slice v;
	int r = MOAT_E_FORMAT;

	for (unsigned i = 0; r < 0 && moat_http_resp_header(resp, "www-authenticate", i, &v); i++)
		r = moat_registry_parse_challenge((const char *)v.ptr, v.len, &ch, err);
	if (r < 0 && !moat_http_resp_header(resp, "www-authenticate", 0, &v))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: 401 without WWW-Authenticate",
				      reg->host);
	if (r < 0)
		return moat_error_prefix(err, "%s: 401 without a usable challenge: ", reg->host);
	if (ch.scheme == MOAT_REGISTRY_AUTH_BASIC) {
		if (!reg->creds.have)
			return no_credentials(reg, err);
		reg->auth = MOAT_REGISTRY_AUTH_BASIC;
		return 0;
	}
	reg->auth = MOAT_REGISTRY_AUTH_BEARER;
	reg->challenge = ch;
	return fetch_token(reg, &ch, scope[0] ? scope : ch.scope, err);
}

static const char *auth_header(struct moat_registry *reg, const char *scope, char *basic,
			       size_t size)
{
	struct registry_token *t;

	if (reg->auth == MOAT_REGISTRY_AUTH_BASIC &&
	    registry_basic_header(&reg->creds, basic, size) == 0)
		return basic;
	if (reg->auth == MOAT_REGISTRY_AUTH_BEARER && (t = token_for(reg, scope)))
		return t->header;
	return NULL;
}

static bool transient(int r)
{
	return r == -ECONNRESET || r == -ETIMEDOUT || r == MOAT_E_TRUNCATED || r == -EPIPE;
}

static bool retry_status(int status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

/* Retry-After in seconds (an HTTP date counts as the default backoff). */
static long retry_after_ms(struct moat_http_resp *resp, unsigned attempt)
{
	struct moat_slice v;
	uint64_t sec;

	if (resp && moat_http_resp_header(resp, "retry-after", 0, &v) &&
	    moat_slice_to_u64(v, &sec))
		return (long)(sec > MOAT_REGISTRY_MAX_RETRY_AFTER_SEC ?
			      MOAT_REGISTRY_MAX_RETRY_AFTER_SEC : sec) * 1000;
	return (long)BACKOFF_MS << attempt;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int registry_send(struct moat_registry *reg, const struct registry_req *rq,
		  struct moat_http_resp **ret, struct moat_error *err)
{
	char url[MOAT_HTTP_MAX_URL];
	char basic[6000];
	bool authed = false;
	int r = registry_url(reg, rq->path, url, sizeof(url), err);

	for (unsigned attempt = 0; r == 0;) {
		const char *headers[REGISTRY_MAX_ACCEPT + 2] = { 0 };
		struct moat_http_req req = { .method = rq->method, .url = url, .headers = headers,
					     .follow = rq->follow };
		struct moat_http_resp *resp = NULL;
		size_t n = 0;
		int status;

		for (; rq->accept && rq->accept[n] && n < REGISTRY_MAX_ACCEPT; n++)
			headers[n] = rq->accept[n];
		headers[n] = auth_header(reg, rq->scope, basic, sizeof(basic));
		reg->requests++;
		if ((r = registry_budget(reg, &req, err)) < 0)
			break;
		r = moat_http_send(reg->http, &req, &resp, err);
		status = r == 0 ? moat_http_resp_status(resp) : 0;
		if (r == 0 && status == 401 && !authed) {
			authed = true;
			r = authenticate(reg, resp, rq->scope, err);
			moat_http_resp_close(resp);
			continue;
		}
		if (r == 0 && status == 401) {
			/* an anonymous token without access, or credentials without it */
			moat_http_resp_close(resp);
			r = !reg->creds.have && !reg->creds.identity_token[0] ?
			    no_credentials(reg, err) :
			    moat_error_set(err, MOAT_E_RUNTIME, "%s: authentication failed (HTTP 401): "
					   "check the credentials for %s (docker login)",
					   reg->host, reg->host);
			break;
		}
		if (++attempt < MOAT_REGISTRY_ATTEMPTS &&
		    ((r == 0 && retry_status(status)) || (r < 0 && transient(r)))) {
			long ms = retry_after_ms(r == 0 ? resp : NULL, attempt - 1);
			long left = budget_left(reg);

			if (left >= 0 && ms >= left) {  /* no time to wait and ask again */
				if (r == 0)
					*ret = resp;
				break;
			}
			reg->retries++;
			moat_http_resp_close(resp);
			pause_ms(ms);
			r = 0;
			continue;
		}
		if (r == 0)
			*ret = resp;
		break;
	}
	explicit_bzero(basic, sizeof(basic));
	return r;
}

/* GET /v2/ over scheme: 0 with the status in *ret_status. */
static int ping(struct moat_registry *reg, const char *scheme, int *ret_status,
		struct moat_http_resp **ret_resp, struct moat_error *err)
{
	char url[MOAT_HTTP_MAX_URL];
	struct moat_http_req req = { .url = url };

	snprintf(url, sizeof(url), "%s://%s/v2/", scheme, reg->host);
	reg->requests++;
	int r = registry_budget(reg, &req, err);

	if (r == 0)
		r = moat_http_send(reg->http, &req, ret_resp, err);

	if (r == 0)
		*ret_status = moat_http_resp_status(*ret_resp);
	return r;
}

/* https first; plain http only where Docker allows it, and never after a
 * certificate was refused (that is an attack or a missing --cacert). */
static int find_scheme(struct moat_registry *reg, struct moat_error *err)
{
	struct moat_http_resp *resp = NULL;
	int status = 0;
	int r = ping(reg, "https", &status, &resp, err);

	snprintf(reg->scheme, sizeof(reg->scheme), "%s", "https");
	if (r < 0 && r != MOAT_E_VERIFY && reg->plain_ok) {
		struct moat_error first = *err;

		r = ping(reg, "http", &status, &resp, err);
		if (r == 0)
			snprintf(reg->scheme, sizeof(reg->scheme), "%s", "http");
		else if (r == -ECONNREFUSED)
			*err = first;
	}
	if (r == MOAT_E_UNSUPPORTED && !reg->plain_ok)
		moat_error_prefix(err, "%s does not speak TLS (plain http only for loopback and "
				  "--insecure-registry %s): ", reg->host, reg->host);
	if (r < 0)
		return r;
	if (status == 401 || (status >= 200 && status < 300)) {
		moat_http_resp_close(resp);
		return 0;
	}
	r = moat_http_resp_fail(resp, reg->host, err);
	moat_http_resp_close(resp);
	moat_error_prefix(err, "not a registry (GET /v2/): ");
	return r;
}

int moat_registry_open(const char *host, const struct moat_registry_opts *opts,
		       struct moat_registry **ret, struct moat_error *err)
{
	struct moat_registry_opts none = { 0 };
	struct moat_http_opts hopts = { 0 };
	struct moat_registry *reg;
	int r;

	if (!opts)
		opts = &none;
	if (!host || !*host || strlen(host) >= MOAT_REGISTRY_MAX_HOST || strpbrk(host, "/ @"))
		return moat_error_set(err, MOAT_E_USAGE, "registry: bad host \"%.64s\"",
				      host ? host : "");
	reg = calloc(1, sizeof(*reg));
	if (!reg)
		return moat_error_set(err, -ENOMEM, "out of memory");
	snprintf(reg->host, sizeof(reg->host), "%s", host);
	reg->insecure = opts->insecure;
	reg->plain_ok = host_is_loopback(host) || host_is_insecure(host, opts->insecure);
	hopts.cacert = opts->cacert;
	hopts.insecure_tls = host_is_insecure(host, opts->insecure);
	hopts.timeout_sec = opts->timeout_sec;
	reg->budget_ms = opts->budget_ms;
	clock_gettime(CLOCK_MONOTONIC, &reg->deadline);
	reg->deadline.tv_sec += opts->budget_ms / 1000;
	reg->deadline.tv_nsec += (opts->budget_ms % 1000) * 1000000;
	if (reg->deadline.tv_nsec >= 1000000000) {
		reg->deadline.tv_sec++;
		reg->deadline.tv_nsec -= 1000000000;
	}
	r = registry_creds_load(&reg->creds, opts->docker_config, host, err);
	if (r == 0)
		r = moat_http_open(&hopts, &reg->http, err);
	if (r == 0)
		r = find_scheme(reg, err);
	if (r < 0) {
		moat_registry_close(reg);
		return r;
	}
	*ret = reg;
	return 0;
}

void moat_registry_close(struct moat_registry *reg)
{
	if (!reg)
		return;
	for (unsigned i = 0; i < reg->ntokens; i++)
		token_free(&reg->tokens[i]);
	moat_http_close(reg->http);
	explicit_bzero(&reg->creds, sizeof(reg->creds));
	free(reg);
}
