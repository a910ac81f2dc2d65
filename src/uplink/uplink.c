/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uplink.c - the sender half of uplink.h: a thread that posts spooled
 * events to the console in batches and commits what was acknowledged.
 */
#include "uplink/uplink.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/json.h"
#include "moat/error.h"
#include "net/http.h"

struct moat_uplink {
	struct moat_uplink_opts o;      /* strings owned below */
	char *url, *token, *cacert;
	char *head;                     /* `{"defender":{...},"events":[` */
	struct moat_spool *spool;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;                      /* under mu */
	bool poked;                     /* under mu: new events */
	uint64_t stop_deadline_ms;      /* under mu: last attempt ends by then */
	uint64_t posts, failures, duplicates;   /* under mu */
	char *inventory;                /* under mu: "containers" to send, or NULL */
	uint64_t inventory_gen;         /* under mu: bumped by each set */
	uint64_t inventories;           /* under mu: inventories acknowledged */
	uint64_t inventory_acked;       /* under mu: generation last acknowledged */
	char last_warn[256];            /* sender thread only */
	char last_error[256];           /* under mu: the last failure, "" once sent again */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int moat_console_post(struct moat_http *http, const char *base, const char *path,
		      const char *token, const void *body, size_t len, struct moat_buf *answer,
		      int *ret_status, struct moat_error *err)
{
	return moat_console_call(http, "POST", base, path, token, body, len, answer, ret_status,
				 err);
}

int moat_console_call(struct moat_http *http, const char *method, const char *base,
		      const char *path, const char *token, const void *body, size_t len,
		      struct moat_buf *answer, int *ret_status, struct moat_error *err)
{
	struct moat_http_resp *resp = NULL;
	struct moat_buf url, auth;
	size_t n = strlen(base);
	int r;

	*ret_status = 0;
	while (n && base[n - 1] == '/')
		n--;
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		return moat_error_set(err, MOAT_E_USAGE, "console %s: want http(s)://HOST:PORT", base);
	moat_buf_init(&url, MOAT_HTTP_MAX_URL);
	moat_buf_init(&auth, 1024);
	if (moat_buf_appendf(&url, "%.*s%s", (int)n, base, path) < 0 ||
	    moat_buf_appendf(&auth, "Authorization: Bearer %s", token ? token : "") < 0) {
		r = moat_error_set(err, MOAT_E_USAGE, "console URL or token too long");
		goto out;
	}
	const char *headers[] = { (const char *)auth.data, NULL };
	struct moat_http_req req = {
		.method = method, .url = (const char *)url.data, .headers = headers,
		.content_type = body ? "application/json" : NULL, .body = body, .body_len = len,
	};
	if ((r = moat_http_send(http, &req, &resp, err)) < 0)
		goto out;
	*ret_status = moat_http_resp_status(resp);
	if (*ret_status != 200 && *ret_status != 201)
		r = moat_http_resp_fail(resp, (const char *)url.data, err);
	else if (answer)
		r = moat_http_resp_read_all(resp, answer, 1u << 20, err);
out:
	moat_http_resp_close(resp);
	if (auth.data)
		explicit_bzero(auth.data, auth.len);
	moat_buf_release(&auth);
	moat_buf_release(&url);
	return r;
}

/* One message per distinct failure in a row, not one per retry. */
static void warn_once(struct moat_uplink *up, const char *msg)
{
	pthread_mutex_lock(&up->mu);
	snprintf(up->last_error, sizeof(up->last_error), "%s", msg);
	pthread_mutex_unlock(&up->mu);
	if (!up->o.on_warn || !strcmp(up->last_warn, msg))
		return;
	snprintf(up->last_warn, sizeof(up->last_warn), "%s", msg);
	up->o.on_warn(up->o.ctx, msg);
}

/* The inventory waiting to be sent (a copy) and its generation, or NULL. */
static char *inventory_take(struct moat_uplink *up, uint64_t *ret_gen)
{
	char *copy;

	pthread_mutex_lock(&up->mu);
	copy = up->inventory ? strdup(up->inventory) : NULL;
	*ret_gen = up->inventory_gen;
	pthread_mutex_unlock(&up->mu);
	return copy;
}

/* The console has it: forget it unless a newer one came meanwhile. */
static void inventory_sent(struct moat_uplink *up, uint64_t gen)
{
	pthread_mutex_lock(&up->mu);
	if (up->inventory_gen == gen) {
		free(up->inventory);
		up->inventory = NULL;
	}
	if (gen > up->inventory_acked)
		up->inventory_acked = gen;
	up->inventories++;
	pthread_mutex_unlock(&up->mu);
}

/* Post one batch from the spool (with the inventory, if one waits). 1: sent
 * (maybe more waiting), 0: nothing to send, <0: failed (keep the events,
 * retry later). */
static int send_batch(struct moat_uplink *up, struct moat_http *http, struct moat_buf *body)
{
	struct moat_error err = { 0 };
	struct moat_spool_mark end;
	struct moat_buf answer;
	json_t *ans = NULL;
	uint64_t inv_gen = 0;
	char *inv;
	bool has_inv;
	size_t n = 0;
	int status, r;

	moat_spool_sync(up->spool, &err);
	moat_buf_reset(body);
	if (moat_buf_append_str(body, up->head) < 0)
		return -ENOMEM;
	r = moat_spool_peek(up->spool, body, MOAT_UPLINK_BATCH_EVENTS, MOAT_UPLINK_BATCH_BYTES, &n,
			    &end, &err);
	if (r < 0) {
		warn_once(up, err.msg);
		return r;
	}
	inv = inventory_take(up, &inv_gen);
	has_inv = inv != NULL;
	if (n == 0 && !has_inv)
		return 0;
	r = moat_buf_append_str(body, "]");
	if (r == 0 && inv)
		r = moat_buf_appendf(body, ",\"containers\":%s", inv);
	free(inv);
	if (r < 0 || moat_buf_append_str(body, "}") < 0)
		return -ENOMEM;
	moat_buf_init(&answer, 1u << 20);
	r = moat_console_post(http, up->url, "/api/v1/events", up->token, body->data, body->len,
			      &answer, &status, &err);
	if (r == 0 && n)
		r = moat_spool_commit(up->spool, &end, &err);
	if (r == 0 && has_inv)
		inventory_sent(up, inv_gen);
	if (r == 0) {
		moat_json_parse(answer.data, answer.len, answer.len + 1, "answer", &ans, NULL);
		pthread_mutex_lock(&up->mu);
		up->posts++;
		up->duplicates += (uint64_t)moat_json_int(ans, "duplicates", 0);
		up->last_error[0] = 0;
		pthread_mutex_unlock(&up->mu);
		json_decref(ans);
		up->last_warn[0] = 0;
	} else {
		pthread_mutex_lock(&up->mu);
		up->failures++;
		pthread_mutex_unlock(&up->mu);
		warn_once(up, err.msg);
	}
	moat_buf_release(&answer);
	return r < 0 ? r : 1;
}

/* Wait until stopped, ms passed or (with wake) new events came. */
static void wait_for(struct moat_uplink *up, unsigned ms, bool wake)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&up->mu);
	while (!up->stop && !(wake && up->poked))
		if (pthread_cond_timedwait(&up->cv, &up->mu, &ts) == ETIMEDOUT)
			break;
	up->poked = false;
	pthread_mutex_unlock(&up->mu);
}

/* Stopping, and whether the time for the last sends is up. */
static bool stopping(struct moat_uplink *up, bool *ret_past_deadline)
{
	bool stop;

	pthread_mutex_lock(&up->mu);
	stop = up->stop;
	*ret_past_deadline = stop && now_ms() >= up->stop_deadline_ms;
	pthread_mutex_unlock(&up->mu);
	return stop;
}

static void *sender(void *arg)
{
	struct moat_uplink *up = arg;
	struct moat_http_opts ho = { .cacert = up->cacert, .timeout_sec = 10 };
	struct moat_http *http = NULL;
	struct moat_error err = { 0 };
	struct moat_buf body;
	unsigned backoff = 0;

	/* events, and an inventory of at most as many bytes */
	moat_buf_init(&body, 2 * MOAT_UPLINK_BATCH_BYTES + MOAT_SPOOL_MAX_EVENT + 64);
	if (moat_http_open(&ho, &http, &err) < 0) {
		warn_once(up, err.msg);
		moat_buf_release(&body);
		return NULL;
	}
	for (;;) {
		int r = send_batch(up, http, &body);
		bool late;
		bool stop = stopping(up, &late);

		if (r > 0) {
			backoff = 0;
			if (stop && late)
				break;
			continue;
		}
		/* stopping: all sent, or the console did not take the last try */
		if (stop)
			break;
		if (r < 0) {
			backoff = backoff ? backoff * 2 : 500;
			if (backoff > MOAT_UPLINK_BACKOFF_MAX_MS)
				backoff = MOAT_UPLINK_BACKOFF_MAX_MS;
		}
		/* a failing console is not retried sooner because events arrive */
		wait_for(up, r < 0 ? backoff : up->o.flush_ms, r == 0);
	}
	moat_http_close(http);
	moat_buf_release(&body);
	return NULL;
}

/* Each batch names the defender that sends it (the console's defenders list). */
static int batch_head(struct moat_uplink *up)
{
	json_t *d = json_object();
	char *text = NULL;

	if (d && up->o.node)
		json_object_set_new(d, "node", json_string(up->o.node));
	if (d && up->o.version)
		json_object_set_new(d, "version", json_string(up->o.version));
	if (d && up->o.producer)
		json_object_set_new(d, "producer", json_string(up->o.producer));
	text = d ? json_dumps(d, JSON_COMPACT) : NULL;
	json_decref(d);
	if (!text)
		return -ENOMEM;
	if (asprintf(&up->head, "{\"defender\":%s,\"events\":[", text) < 0)
		up->head = NULL;
	free(text);
	return up->head ? 0 : -ENOMEM;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (s && !(*ret = strdup(s)))
		return -ENOMEM;
	return 0;
}

int moat_uplink_open(const struct moat_uplink_opts *opts, struct moat_uplink **ret,
		     struct moat_error *err)
{
	struct moat_uplink *up = calloc(1, sizeof(*up));
	struct moat_spool_opts so = { .dir = opts->spool_dir, .max_bytes = opts->spool_max_bytes };
	int r;

	*ret = NULL;
	if (!up)
		return moat_error_set(err, -ENOMEM, "uplink: out of memory");
	up->o = *opts;
	if (!up->o.flush_ms)
		up->o.flush_ms = 500;
	pthread_mutex_init(&up->mu, NULL);
	pthread_cond_init(&up->cv, NULL);
	if (dup_opt(opts->url, &up->url) < 0 || dup_opt(opts->token, &up->token) < 0 ||
	    dup_opt(opts->cacert, &up->cacert) < 0) {
		moat_uplink_close(up);
		return moat_error_set(err, -ENOMEM, "uplink: out of memory");
	}
	if (!opts->url || (strncmp(opts->url, "http://", 7) != 0 &&
			   strncmp(opts->url, "https://", 8) != 0)) {
		r = moat_error_set(err, MOAT_E_USAGE, "--console %s: want http(s)://HOST:PORT",
				   opts->url ? opts->url : "");
		moat_uplink_close(up);
		return r;
	}
	if (batch_head(up) < 0) {
		moat_uplink_close(up);
		return moat_error_set(err, -ENOMEM, "uplink: out of memory");
	}
	r = moat_spool_open(&so, &up->spool, err);
	if (r == 0 && pthread_create(&up->thread, NULL, sender, up) != 0)
		r = moat_error_set(err, -EAGAIN, "uplink: cannot start the sender thread");
	if (r < 0) {
		moat_uplink_close(up);
		return r;
	}
	up->started = true;
	*ret = up;
	return 0;
}

void moat_uplink_stop(struct moat_uplink *up, unsigned wait_ms)
{
	if (!up->started)
		return;
	pthread_mutex_lock(&up->mu);
	up->stop = true;
	up->stop_deadline_ms = now_ms() + wait_ms;
	pthread_cond_signal(&up->cv);
	pthread_mutex_unlock(&up->mu);
	pthread_join(up->thread, NULL);
	up->started = false;
}

void moat_uplink_close(struct moat_uplink *up)
{
	if (!up)
		return;
	moat_uplink_stop(up, 0);
	moat_spool_close(up->spool);
	pthread_cond_destroy(&up->cv);
	pthread_mutex_destroy(&up->mu);
	if (up->token)
		explicit_bzero(up->token, strlen(up->token));
	free(up->url);
	free(up->token);
	free(up->cacert);
	free(up->head);
	free(up->inventory);
	free(up);
}

int moat_uplink_push(struct moat_uplink *up, const char *json, size_t len,
		     struct moat_error *err)
{
	int r = moat_spool_append(up->spool, json, len, err);

	if (r == 0) {
		pthread_mutex_lock(&up->mu);
		up->poked = true;
		pthread_cond_signal(&up->cv);
		pthread_mutex_unlock(&up->mu);
	}
	return r;
}

int moat_uplink_set_containers(struct moat_uplink *up, const json_t *containers,
			       uint64_t *ret_gen, struct moat_error *err)
{
	char *text;

	if (!json_is_array(containers) || json_array_size(containers) > MOAT_UPLINK_INVENTORY_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "container inventory: want an array of at "
				      "most %u", MOAT_UPLINK_INVENTORY_MAX);
	if (!(text = json_dumps(containers, JSON_COMPACT)))
		return moat_error_set(err, -ENOMEM, "container inventory: out of memory");
	if (strlen(text) > MOAT_UPLINK_BATCH_BYTES) {
		free(text);
		return moat_error_set(err, MOAT_E_LIMIT, "container inventory: over %u bytes",
				      MOAT_UPLINK_BATCH_BYTES);
	}
	pthread_mutex_lock(&up->mu);
	free(up->inventory);
	up->inventory = text;
	*ret_gen = ++up->inventory_gen;
	up->poked = true;
	pthread_cond_signal(&up->cv);
	pthread_mutex_unlock(&up->mu);
	return 0;
}

void moat_uplink_stats(struct moat_uplink *up, struct moat_uplink_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	moat_spool_stats(up->spool, &ret->spool);
	pthread_mutex_lock(&up->mu);
	ret->posts = up->posts;
	ret->failures = up->failures;
	ret->duplicates = up->duplicates;
	ret->inventories = up->inventories;
	ret->inventory_acked = up->inventory_acked;
	memcpy(ret->last_error, up->last_error, sizeof(ret->last_error));
	pthread_mutex_unlock(&up->mu);
}

void moat_uplink_health(struct moat_uplink *up, json_t *hb)
{
	struct moat_uplink_stats us;

	if (!up)
		return;
	moat_uplink_stats(up, &us);
	json_object_set_new(hb, "events_sent", json_integer((json_int_t)us.spool.committed));
	json_object_set_new(hb, "events_failed", json_integer((json_int_t)us.failures));
	json_object_set_new(hb, "spool_events", json_integer((json_int_t)(
		us.spool.appended - us.spool.committed)));
	json_object_set_new(hb, "spool_bytes", json_integer((json_int_t)us.spool.pending_bytes));
	json_object_set_new(hb, "spool_dropped", json_integer((json_int_t)us.spool.dropped));
	/* an error the caller set first (a policy not in force) matters more */
	if (us.last_error[0] && !json_object_get(hb, "last_error"))
		json_object_set_new(hb, "last_error", json_string(us.last_error));
}
