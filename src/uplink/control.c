/* SPDX-License-Identifier: Apache-2.0 */
/* control.c - enrollment, heartbeats and policy pulls (control.h). */
#include "uplink/control.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "moat/error.h"
#include "net/http.h"
#include "uplink/uplink.h"

#define CTL_TIMEOUT_SEC 10

/* ---- the identity file ---- */

static int path_in(char *out, size_t cap, const char *dir, const char *name)
{
	return snprintf(out, cap, "%s/%s", dir, name) >= (int)cap ? -ENAMETOOLONG : 0;
}

/* 1 found for url, 0 none (or another console's), <0 unreadable. */
static int identity_load(const char *dir, const char *url, struct moat_identity *ret,
			 struct moat_error *err)
{
	char path[4096];
	struct moat_buf b;
	json_t *doc = NULL;
	const char *id, *secret, *console;
	int r;

	if (path_in(path, sizeof(path), dir, MOAT_IDENTITY_FILE) < 0)
		return moat_error_set(err, MOAT_E_USAGE, "%s: path too long", dir);
	moat_buf_init(&b, 16384);
	r = moat_read_file(path, 16384, &b, err);
	if (r == -ENOENT) {
		moat_buf_release(&b);
		memset(err, 0, sizeof(*err));
		return 0;
	}
	if (r == 0)
		r = moat_json_parse(b.data, b.len, 16384, path, &doc, err);
	if (b.data)
		explicit_bzero(b.data, b.len);
	moat_buf_release(&b);
	if (r < 0)
		return r;
	id = moat_json_str(doc, "id");
	secret = moat_json_str(doc, "secret");
	console = moat_json_str(doc, "console");
	r = 0;
	if (!id || !secret || !console || strlen(id) >= sizeof(ret->id) ||
	    strlen(secret) >= sizeof(ret->secret))
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: want {\"console\",\"id\",\"secret\"}; "
				   "remove it and enroll again", path);
	else if (!strcmp(console, url)) {
		snprintf(ret->id, sizeof(ret->id), "%s", id);
		snprintf(ret->secret, sizeof(ret->secret), "%s", secret);
		r = 1;
	}
	json_decref(doc);
	return r;
}

static int write_in_dir(const char *dir, const char *name, const char *text,
			struct moat_error *err)
{
	int dfd, r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return moat_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	r = moat_replace_file_at(dfd, name, text, strlen(text));
	close(dfd);
	if (r < 0)
		return moat_error_set(err, r, "%s/%s: %s", dir, name, strerror(-r));
	return 0;
}

static int enroll(const char *url, const char *cacert, const char *join_token, const char *node,
		  const char *version, struct moat_identity *ret, struct moat_error *err)
{
	struct moat_http_opts ho = { .cacert = cacert, .timeout_sec = CTL_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_buf ans;
	json_t *body = json_pack("{s:s?,s:s?}", "node", node, "version", version), *doc = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	const char *id, *secret;
	int status, r;

	json_decref(body);
	if (!text)
		return moat_error_set(err, -ENOMEM, "out of memory");
	moat_buf_init(&ans, 65536);
	r = moat_http_open(&ho, &http, err);
	if (r == 0)
		r = moat_console_post(http, url, "/api/v1/defenders/enroll", join_token, text,
				      strlen(text), &ans, &status, err);
	if (r == 0)
		r = moat_json_parse(ans.data, ans.len, 65536, "the console's enrollment answer", &doc,
				    err);
	if (r == 0) {
		id = moat_json_str(doc, "id");
		secret = moat_json_str(doc, "secret");
		if (!id || !secret || strlen(id) >= sizeof(ret->id) ||
		    strlen(secret) >= sizeof(ret->secret))
			r = moat_error_set(err, MOAT_E_FORMAT, "%s: the enrollment answer has no "
					   "id and secret", url);
		else {
			snprintf(ret->id, sizeof(ret->id), "%s", id);
			snprintf(ret->secret, sizeof(ret->secret), "%s", secret);
		}
	}
	if (ans.data)
		explicit_bzero(ans.data, ans.len);
	json_decref(doc);       /* jansson frees its strings; the secret's copy is in ret */
	moat_buf_release(&ans);
	moat_http_close(http);
	free(text);
	return r < 0 ? moat_error_prefix(err, "enrollment: ") : 0;
}

int moat_identity_get(const char *dir, const char *url, const char *cacert,
		      const char *join_token, const char *node, const char *version,
		      struct moat_identity *ret, bool *ret_enrolled, struct moat_error *err)
{
	json_t *doc;
	char *text;
	int r;

	*ret_enrolled = false;
	r = identity_load(dir, url, ret, err);
	if (r != 0)
		return r < 0 ? r : 0;
	if (!join_token)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s has no identity for %s: enroll with "
				      "--join-token (make one with `moat console token create "
				      "--role defender --join`)", dir, url);
	if ((r = enroll(url, cacert, join_token, node, version, ret, err)) < 0)
		return r;
	doc = json_pack("{s:s,s:s,s:s}", "console", url, "id", ret->id, "secret", ret->secret);
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!text)
		return moat_error_set(err, -ENOMEM, "out of memory");
	r = write_in_dir(dir, MOAT_IDENTITY_FILE, text, err);
	explicit_bzero(text, strlen(text));
	free(text);
	*ret_enrolled = r == 0;
	return r;
}

/* ---- the control thread ---- */

struct moat_console_ctl {
	struct moat_console_ctl_opts o;
	char *url, *token, *cacert, *dir, *policy_path;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;                      /* under mu */
	json_t *pending;                /* under mu: a policy not yet taken */
	char etag[80];                  /* under mu: the newest policy seen */
	char applied[80];               /* under mu: the policy in force */
	char last_warn[256];            /* control thread only */
	uint64_t start_s;
};

static uint64_t mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static void ctl_warn(struct moat_console_ctl *ctl, const char *msg)
{
	if (!ctl->o.on_warn || !strcmp(ctl->last_warn, msg))
		return;
	snprintf(ctl->last_warn, sizeof(ctl->last_warn), "%s", msg);
	ctl->o.on_warn(ctl->o.ctx, msg);
}

static int heartbeat(struct moat_console_ctl *ctl, struct moat_http *http, struct moat_error *err)
{
	json_t *hb = json_object();
	char *text;
	int status, r;

	if (!hb)
		return -ENOMEM;
	json_object_set_new(hb, "uptime_s", json_integer((json_int_t)(mono_s() - ctl->start_s)));
	pthread_mutex_lock(&ctl->mu);
	if (ctl->applied[0])
		json_object_set_new(hb, "policy", json_string(ctl->applied));
	pthread_mutex_unlock(&ctl->mu);
	if (ctl->o.health)
		ctl->o.health(ctl->o.ctx, hb);
	text = json_dumps(hb, JSON_COMPACT);
	json_decref(hb);
	if (!text)
		return -ENOMEM;
	r = moat_console_post(http, ctl->url, "/api/v1/defenders/self/heartbeat", ctl->token, text,
			      strlen(text), NULL, &status, err);
	free(text);
	return r;
}

/* A new policy: offered to the caller and cached on disk. */
static void policy_offer(struct moat_console_ctl *ctl, json_t *doc, bool cache)
{
	const char *etag = moat_json_str(doc, "etag");
	struct moat_error err = { 0 };
	char *text;
	bool fresh;

	if (!etag || !json_is_array(json_object_get(doc, "policies")))
		return;
	pthread_mutex_lock(&ctl->mu);
	fresh = strcmp(etag, ctl->etag) != 0;
	if (fresh) {
		snprintf(ctl->etag, sizeof(ctl->etag), "%s", etag);
		json_decref(ctl->pending);
		ctl->pending = json_incref(doc);
	}
	pthread_mutex_unlock(&ctl->mu);
	if (fresh && ctl->o.on_policy)
		ctl->o.on_policy(ctl->o.ctx);
	if (!fresh || !cache || !ctl->dir)
		return;
	text = json_dumps(doc, JSON_COMPACT);
	if (text && write_in_dir(ctl->dir, MOAT_POLICY_CACHE_FILE, text, &err) < 0)
		ctl_warn(ctl, err.msg);
	free(text);
}

static int policy_pull(struct moat_console_ctl *ctl, struct moat_http *http,
		       struct moat_error *err)
{
	struct moat_buf ans;
	json_t *doc = NULL;
	int status, r;

	moat_buf_init(&ans, MOAT_POLICY_MAX);
	r = moat_console_call(http, "GET", ctl->url, ctl->policy_path ? ctl->policy_path :
			      "/api/v1/defenders/self/policy", ctl->token, NULL, 0, &ans, &status,
			      err);
	if (r == 0)
		r = moat_json_parse(ans.data, ans.len, MOAT_POLICY_MAX, "the console's policy", &doc,
				    err);
	if (r == 0)
		policy_offer(ctl, doc, true);
	json_decref(doc);
	moat_buf_release(&ans);
	return r;
}

static void *ctl_main(void *arg)
{
	struct moat_console_ctl *ctl = arg;
	struct moat_http_opts ho = { .cacert = ctl->cacert, .timeout_sec = CTL_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_error err = { 0 };

	if (moat_http_open(&ho, &http, &err) < 0) {
		ctl_warn(ctl, err.msg);
		return NULL;
	}
	for (;;) {
		struct timespec ts;
		bool stop, ok = true;

		/* the pull first: a producer that applies on this thread (on_policy)
		 * reports the new set in this very heartbeat; neither call's
		 * failure holds back the other */
		memset(&err, 0, sizeof(err));
		if (policy_pull(ctl, http, &err) < 0) {
			ctl_warn(ctl, err.msg[0] ? err.msg : "out of memory");
			ok = false;
		}
		memset(&err, 0, sizeof(err));
		if (!ctl->o.no_heartbeat && heartbeat(ctl, http, &err) < 0) {
			ctl_warn(ctl, err.msg[0] ? err.msg : "out of memory");
			ok = false;
		}
		if (ok)
			ctl->last_warn[0] = 0;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ctl->o.interval_ms / 1000;
		ts.tv_nsec += (long)(ctl->o.interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&ctl->mu);
		while (!ctl->stop)
			if (pthread_cond_timedwait(&ctl->cv, &ctl->mu, &ts) == ETIMEDOUT)
				break;
		stop = ctl->stop;
		pthread_mutex_unlock(&ctl->mu);
		if (stop)
			break;
	}
	moat_http_close(http);
	return NULL;
}

/* The policy cached by an earlier run, offered before the console answers. */
static void policy_cached(struct moat_console_ctl *ctl)
{
	char path[4096];
	struct moat_buf b;
	struct moat_error err = { 0 };
	json_t *doc = NULL;

	if (!ctl->dir || path_in(path, sizeof(path), ctl->dir, MOAT_POLICY_CACHE_FILE) < 0)
		return;
	moat_buf_init(&b, MOAT_POLICY_MAX);
	if (moat_read_file(path, MOAT_POLICY_MAX, &b, &err) == 0 &&
	    moat_json_parse(b.data, b.len, MOAT_POLICY_MAX, path, &doc, &err) == 0)
		policy_offer(ctl, doc, false);
	else if (err.code != -ENOENT && ctl->o.on_warn)
		ctl->o.on_warn(ctl->o.ctx, err.msg);
	json_decref(doc);
	moat_buf_release(&b);
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	*oom |= s && !d;
	return d;
}

int moat_console_ctl_open(const struct moat_console_ctl_opts *opts, struct moat_console_ctl **ret,
			  struct moat_error *err)
{
	struct moat_console_ctl *ctl = calloc(1, sizeof(*ctl));
	bool oom = !ctl;

	*ret = NULL;
	if (oom)
		return moat_error_set(err, -ENOMEM, "out of memory");
	ctl->o = *opts;
	if (!ctl->o.interval_ms)
		ctl->o.interval_ms = 30000;
	ctl->url = dup_or_null(opts->url, &oom);
	ctl->token = dup_or_null(opts->token, &oom);
	ctl->cacert = dup_or_null(opts->cacert, &oom);
	ctl->dir = dup_or_null(opts->dir, &oom);
	ctl->policy_path = dup_or_null(opts->policy_path, &oom);
	ctl->start_s = mono_s();
	pthread_mutex_init(&ctl->mu, NULL);
	pthread_cond_init(&ctl->cv, NULL);
	if (oom) {
		moat_console_ctl_close(ctl);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	policy_cached(ctl);
	if (pthread_create(&ctl->thread, NULL, ctl_main, ctl) != 0) {
		moat_console_ctl_close(ctl);
		return moat_error_set(err, -EAGAIN, "cannot start the console control thread");
	}
	ctl->started = true;
	*ret = ctl;
	return 0;
}

void moat_console_ctl_close(struct moat_console_ctl *ctl)
{
	if (!ctl)
		return;
	if (ctl->started) {
		pthread_mutex_lock(&ctl->mu);
		ctl->stop = true;
		pthread_cond_signal(&ctl->cv);
		pthread_mutex_unlock(&ctl->mu);
		pthread_join(ctl->thread, NULL);
	}
	json_decref(ctl->pending);
	pthread_cond_destroy(&ctl->cv);
	pthread_mutex_destroy(&ctl->mu);
	if (ctl->token)
		explicit_bzero(ctl->token, strlen(ctl->token));
	free(ctl->url);
	free(ctl->token);
	free(ctl->cacert);
	free(ctl->dir);
	free(ctl->policy_path);
	free(ctl);
}

int moat_console_ctl_policy_take(struct moat_console_ctl *ctl, json_t **ret)
{
	pthread_mutex_lock(&ctl->mu);
	*ret = ctl->pending;
	ctl->pending = NULL;
	pthread_mutex_unlock(&ctl->mu);
	return *ret ? 1 : 0;
}

void moat_console_ctl_applied(struct moat_console_ctl *ctl, const char *etag)
{
	pthread_mutex_lock(&ctl->mu);
	snprintf(ctl->applied, sizeof(ctl->applied), "%s", etag ? etag : "");
	pthread_mutex_unlock(&ctl->mu);
}
