/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forward.c - alert forwarding (forward.h). Routing happens when an event
 * is queued (under the caller's ingest), delivery on the worker: one job
 * per (event, integration), retried with doubling back-off until it is
 * delivered or out of attempts; the queue is bounded and a full queue
 * drops new jobs (counted), so ingest never blocks on a slow sink.
 *
 * Nothing stored is lost to a restart or a crash: a cursor file holds, per
 * integration, the console's receive time below which every event has been
 * delivered or given up on (its oldest pending job's, else past the newest
 * routed). On start the console routes every stored event from the lowest
 * cursor on again, each only to the integrations it is not below (console.c),
 * so delivery is at least once: a crash between a delivery and the next
 * cursor write sends that event again, with the same event_id.
 */
#include <errno.h>
#include <fnmatch.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time.h"
#include "forward.h"
#include "moat/error.h"
#include "net/http.h"

#define FWD_QUEUE_MAX 10000
#define FWD_ATTEMPTS 6
#define FWD_BACKOFF_MS 500      /* then 1 s, 2 s, 4 s, 8 s */
#define FWD_TIMEOUT_SEC 5
#define FWD_CURSOR_EVERY_US 1000000    /* write the cursor at most once a second */

enum fwd_kind { FWD_WEBHOOK, FWD_SLACK, FWD_SYSLOG };

struct fwd_job {
	struct fwd_job *next;
	enum fwd_kind kind;
	char *url;
	char *payload;
	int attempts;
	int64_t due_us;
	int64_t received;               /* the event's receive time (the cursor's unit) */
	char *integration;              /* its id */
};

struct console_fwd {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t worker;
	bool stop;
	json_t *integrations;
	struct fwd_job *head;           /* unordered; the worker picks the earliest due */
	size_t queued;
	struct console_fwd_stats st;
	char *version;
	char host[256];
	char *cursor_path;              /* NULL: not kept */
	int64_t routed_upto;            /* newest receive time routed (or the loaded cursor - 1) */
	const struct fwd_job *inflight; /* the job being sent (the worker's) */
	json_t *saved;                  /* the cursors last written or loaded */
	int64_t cursor_saved_at;
};

static const char *const severities[] = { "info", "notice", "warning", "error", "critical" };

static int sev_rank(const char *s)
{
	for (size_t i = 0; s && i < sizeof(severities) / sizeof(severities[0]); i++)
		if (!strcmp(s, severities[i]))
			return (int)i;
	return s ? -1 : 0;
}

static int kind_parse(const char *s)
{
	return !s ? -1 : !strcmp(s, "webhook") ? FWD_WEBHOOK : !strcmp(s, "slack") ? FWD_SLACK :
	       !strcmp(s, "syslog") ? FWD_SYSLOG : -1;
}

int console_fwd_check(const json_t *in, struct moat_error *err)
{
	const char *name = moat_json_str(in, "name"), *url = moat_json_str(in, "url");
	const json_t *rules = json_object_get(in, "rules");
	int kind = kind_parse(moat_json_str(in, "kind"));
	size_t i;
	json_t *g;

	if (!name || !name[0] || strlen(name) > 128)
		return moat_error_set(err, MOAT_E_USAGE, "name: 1 to 128 characters");
	if (kind < 0)
		return moat_error_set(err, MOAT_E_USAGE, "kind: want webhook, slack or syslog");
	if (!url || strlen(url) > 2048)
		return moat_error_set(err, MOAT_E_USAGE, "url is required");
	bool syslog_url = !strncmp(url, "udp://", 6) || !strncmp(url, "tcp://", 6);
	bool http_url = !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);

	if (kind == FWD_SYSLOG ? !syslog_url : !http_url)
		return moat_error_set(err, MOAT_E_USAGE, "url: want %s", kind == FWD_SYSLOG ?
				      "udp://HOST:PORT or tcp://HOST:PORT" : "an http(s):// URL");
	if (rules && (!json_is_array(rules) || json_array_size(rules) > 64))
		return moat_error_set(err, MOAT_E_USAGE, "rules: an array of at most 64 globs");
	json_array_foreach(rules, i, g)
		if (!json_is_string(g) || json_string_length(g) > 128)
			return moat_error_set(err, MOAT_E_USAGE, "rules[%zu]: a glob string", i);
	if (json_object_get(in, "min_severity") &&
	    sev_rank(moat_json_str(in, "min_severity")) < 0)
		return moat_error_set(err, MOAT_E_USAGE, "min_severity: want info, notice, warning, "
				      "error or critical");
	return 0;
}

/* ---- payloads ---- */

static char *slack_text(const json_t *ev)
{
	const json_t *ctr = json_object_get(ev, "container");
	char text[1024];
	const char *cn = moat_json_str(ctr, "name"), *img = moat_json_str(ctr, "image");

	snprintf(text, sizeof(text), "moat: [%s] %s on %s%s%s%s%s%s (%s)",
		 moat_json_str(ev, "severity") ? moat_json_str(ev, "severity") : "info",
		 moat_json_str(ev, "rule") ? moat_json_str(ev, "rule") : "event",
		 moat_json_str(ev, "node") ? moat_json_str(ev, "node") : "?",
		 cn ? ", container " : "", cn ? cn : "", img ? " (" : "", img ? img : "",
		 img ? ")" : "", moat_json_str(ev, "event_id"));
	json_t *doc = json_pack("{s:s}", "text", text);
	char *out = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	return out;
}

/* CEF escaping: header fields escape | and \, extension values = and \;
 * newlines become spaces (one syslog line). */
static void cef_put(struct moat_buf *b, const char *s, bool ext)
{
	for (; s && *s; s++) {
		if (*s == '\\' || (!ext && *s == '|') || (ext && *s == '='))
			moat_buf_putc(b, '\\');
		if (*s == '\n' || *s == '\r')
			moat_buf_putc(b, ' ');
		else
			moat_buf_putc(b, *s);
	}
}

static void cef_ext(struct moat_buf *b, const char *key, const char *val)
{
	if (!val)
		return;
	moat_buf_append_str(b, " ");
	moat_buf_append_str(b, key);
	moat_buf_append_str(b, "=");
	cef_put(b, val, true);
}

/* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG, facility local0,
 * the event's severity mapped onto syslog's; MSG is CEF:0. */
static char *syslog_cef(const struct console_fwd *f, const json_t *ev)
{
	static const int sys_sev[] = { 6, 5, 4, 3, 2 };
	static const int cef_sev[] = { 1, 3, 5, 7, 10 };
	const char *sev = moat_json_str(ev, "severity"), *rule = moat_json_str(ev, "rule");
	const json_t *ctr = json_object_get(ev, "container");
	int rank = sev_rank(sev) < 0 ? 0 : sev_rank(sev);
	struct moat_buf b;
	char ts[MOAT_TIME_MAX];

	moat_buf_init(&b, (size_t)64 * 1024);
	moat_time_format(moat_time_now_us(), ts);
	moat_buf_appendf(&b, "<%d>1 %s %s moat - alert - CEF:0|moat|moat|", 16 * 8 + sys_sev[rank],
			 ts, f->host[0] ? f->host : "-");
	cef_put(&b, f->version, false);
	moat_buf_append_str(&b, "|");
	cef_put(&b, rule ? rule : "event", false);
	moat_buf_append_str(&b, "|");
	cef_put(&b, rule ? rule : "event", false);
	moat_buf_appendf(&b, "|%d|", cef_sev[rank]);
	moat_buf_append_str(&b, "externalId=");
	cef_put(&b, moat_json_str(ev, "event_id"), true);
	cef_ext(&b, "dvchost", moat_json_str(ev, "node"));
	cef_ext(&b, "cs1Label", "container");
	cef_ext(&b, "cs1", moat_json_str(ctr, "name"));
	cef_ext(&b, "cs2Label", "image");
	cef_ext(&b, "cs2", moat_json_str(ctr, "image"));
	cef_ext(&b, "msg", moat_json_str(ev, "description"));
	return (char *)moat_buf_steal(&b, NULL);
}

/* ---- delivery ---- */

static int host_port(const char *url, char *host, size_t hlen, char *port, size_t plen)
{
	const char *hp = url + 6, *colon = strrchr(hp, ':');

	if (!colon || (size_t)(colon - hp) >= hlen || strlen(colon + 1) >= plen || !colon[1])
		return -EINVAL;
	snprintf(host, hlen, "%.*s", (int)(colon - hp), hp);
	snprintf(port, plen, "%s", colon + 1);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	return 0;
}

static int send_syslog(const char *url, const char *msg)
{
	bool tcp = !strncmp(url, "tcp://", 6);
	struct addrinfo hints = { .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM }, *ai = NULL;
	struct timeval tv = { FWD_TIMEOUT_SEC, 0 };
	char host[256], port[16], frame[32];
	size_t len = strlen(msg);
	int fd, r = -EIO;

	if (host_port(url, host, sizeof(host), port, sizeof(port)) < 0 ||
	    getaddrinfo(host, port, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			/* TCP: octet counting (RFC 6587) */
			int n = tcp ? snprintf(frame, sizeof(frame), "%zu ", len) : 0;

			if ((!n || send(fd, frame, (size_t)n, MSG_NOSIGNAL) == n) &&
			    send(fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len)
				r = 0;
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return r;
}

static int send_http(struct moat_http *http, const char *url, const char *body)
{
	struct moat_http_req req = { .method = "POST", .url = url,
				     .content_type = "application/json", .body = body,
				     .body_len = strlen(body), .timeout_sec = FWD_TIMEOUT_SEC };
	struct moat_http_resp *resp = NULL;
	struct moat_error err = { 0 };
	int r = moat_http_send(http, &req, &resp, &err);

	if (r == 0)
		r = moat_http_resp_status(resp) / 100 == 2 ? 0 : -EIO;
	moat_http_resp_close(resp);
	return r;
}

static void job_free(struct fwd_job *j)
{
	free(j->integration);
	free(j->url);
	free(j->payload);
	free(j);
}

/* The earliest job due by now (unlinked), else NULL and *wait_us. */
static struct fwd_job *take_due(struct console_fwd *f, int64_t now, int64_t *wait_us)
{
	struct fwd_job **best = NULL;

	*wait_us = 1000000;
	for (struct fwd_job **p = &f->head; *p; p = &(*p)->next)
		if (!best || (*p)->due_us < (*best)->due_us)
			best = p;
	if (!best)
		return NULL;
	if ((*best)->due_us > now) {
		*wait_us = (*best)->due_us - now;
		return NULL;
	}
	struct fwd_job *j = *best;

	*best = j->next;
	f->queued--;
	return j;
}

/* ---- the cursor ---- */

/* Under mu: per integration, the receive time below which every event is
 * delivered or given up on; "*" for integrations added since. Pending and
 * in-flight jobs hold an integration's cursor back. */
static json_t *cursor_now(const struct console_fwd *f)
{
	json_t *cur = json_object();
	size_t i;
	json_t *in;

	if (!cur)
		return NULL;
	json_object_set_new(cur, "*", json_integer(f->routed_upto + 1));
	json_array_foreach(f->integrations, i, in) {
		const char *id = moat_json_str(in, "id");
		int64_t low = f->routed_upto + 1;

		if (!id)
			continue;
		for (const struct fwd_job *j = f->head; j; j = j->next)
			if (j->received < low && !strcmp(j->integration, id))
				low = j->received;
		if (f->inflight && f->inflight->received < low && !strcmp(f->inflight->integration, id))
			low = f->inflight->received;
		json_object_set_new(cur, id, json_integer(low));
	}
	return cur;
}

/* Under mu: write the cursors when they moved, at most once a second
 * unless forced (a small file; fsync'd, then renamed over the old one). */
static void cursor_save(struct console_fwd *f, bool force)
{
	int64_t now = moat_time_now_us();
	json_t *cur;
	char *text;

	if (!f->cursor_path || (!force && now - f->cursor_saved_at < FWD_CURSOR_EVERY_US))
		return;
	cur = cursor_now(f);
	if (cur && (!f->saved || !json_equal(cur, f->saved)) &&
	    (text = json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
		if (moat_write_file_atomic(f->cursor_path, text, strlen(text), 0600, true) == 0) {
			json_decref(f->saved);
			f->saved = json_incref(cur);
			f->cursor_saved_at = now;
		}
		free(text);
	}
	json_decref(cur);
}

/* The saved cursors; a console without them (first start) begins now. */
static int cursor_load(struct console_fwd *f, struct moat_error *err)
{
	char text[64 * 1024];
	ssize_t n = moat_read_small_file(f->cursor_path, text, sizeof(text));
	const char *id;
	json_t *v;

	if (n == -ENOENT) {
		f->routed_upto = moat_time_now_us() - 1;
		cursor_save(f, true);
		return f->saved ? 0 : moat_error_set(err, -EIO, "%s: cannot write", f->cursor_path);
	}
	if (n < 0)
		return moat_error_set(err, (int)n, "%s: %s", f->cursor_path, strerror((int)-n));
	f->saved = json_loadb(text, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(f->saved) || !json_is_integer(json_object_get(f->saved, "*")))
		goto bad;
	json_object_foreach(f->saved, id, v)
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			goto bad;
	f->routed_upto = json_integer_value(json_object_get(f->saved, "*")) - 1;
	return 0;
bad:
	return moat_error_set(err, MOAT_E_FORMAT, "%s: not a forwarding cursor (want "
			      "{\"*\": us, \"INTEGRATION\": us, ...})", f->cursor_path);
}

/* Where integration id's saved cursor stands (its own, else "*"). */
static int64_t cursor_of(const struct console_fwd *f, const char *id)
{
	const json_t *v = id ? json_object_get(f->saved, id) : NULL;

	if (!v)
		v = json_object_get(f->saved, "*");
	return v ? json_integer_value(v) : 0;
}

int64_t console_fwd_resume_from(struct console_fwd *f)
{
	int64_t low = INT64_MAX;
	size_t i;
	json_t *in;

	if (!f)
		return low;
	pthread_mutex_lock(&f->mu);
	low = cursor_of(f, NULL);
	json_array_foreach(f->integrations, i, in)
		if (cursor_of(f, moat_json_str(in, "id")) < low)
			low = cursor_of(f, moat_json_str(in, "id"));
	pthread_mutex_unlock(&f->mu);
	return low;
}

static void *worker(void *arg)
{
	struct console_fwd *f = arg;
	struct moat_http_opts ho = { .timeout_sec = FWD_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_error err = { 0 };

	moat_http_open(&ho, &http, &err);
	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		int64_t wait_us;

		cursor_save(f, false);  /* idle, it still moves past events routed nowhere */
		struct fwd_job *j = take_due(f, moat_time_now_us(), &wait_us);

		if (!j) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait_us / 1000000;
			ts.tv_nsec += (long)(wait_us % 1000000) * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&f->cv, &f->mu, &ts);
			continue;
		}
		f->inflight = j;
		pthread_mutex_unlock(&f->mu);
		int r = j->kind == FWD_SYSLOG ? send_syslog(j->url, j->payload) :
			http ? send_http(http, j->url, j->payload) : -ENOMEM;
		pthread_mutex_lock(&f->mu);
		f->inflight = NULL;
		if (r == 0) {
			f->st.sent++;
			job_free(j);
		} else if (++j->attempts >= FWD_ATTEMPTS) {
			f->st.failed++;
			job_free(j);
		} else {
			f->st.retried++;
			j->due_us = moat_time_now_us() + (int64_t)FWD_BACKOFF_MS * 1000 *
				    (1LL << (j->attempts - 1));
			j->next = f->head;
			f->head = j;
			f->queued++;
		}
	}
	pthread_mutex_unlock(&f->mu);
	moat_http_close(http);
	return NULL;
}

/* ---- routing ---- */

static bool routes(const json_t *in, const char *rule, const char *sev)
{
	const json_t *rules = json_object_get(in, "rules");
	const char *min = moat_json_str(in, "min_severity");
	size_t i;
	json_t *g;

	if (min && sev_rank(sev) < sev_rank(min))
		return false;
	if (!json_array_size(rules))
		return true;
	json_array_foreach(rules, i, g)
		if (!fnmatch(json_string_value(g), rule ? rule : "", 0))
			return true;
	return false;
}

static void route(struct console_fwd *f, const json_t *ev, int64_t received, bool resume)
{
	const char *rule = moat_json_str(ev, "rule"), *sev = moat_json_str(ev, "severity");
	char *as_json = NULL;
	size_t i;
	json_t *in;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	if (received > f->routed_upto)
		f->routed_upto = received;
	json_array_foreach(f->integrations, i, in) {
		int kind = kind_parse(moat_json_str(in, "kind"));
		struct fwd_job *j;

		if (!routes(in, rule, sev) ||
		    (resume && received < cursor_of(f, moat_json_str(in, "id"))))
			continue;
		if (f->queued >= FWD_QUEUE_MAX || !(j = calloc(1, sizeof(*j)))) {
			f->st.dropped++;
			continue;
		}
		if (kind == FWD_WEBHOOK && !as_json)
			as_json = json_dumps(ev, JSON_COMPACT);
		j->kind = (enum fwd_kind)kind;
		j->url = strdup(moat_json_str(in, "url"));
		j->integration = strdup(moat_json_str(in, "id") ? moat_json_str(in, "id") : "");
		j->payload = kind == FWD_SLACK ? slack_text(ev) : kind == FWD_SYSLOG ?
			     syslog_cef(f, ev) : as_json ? strdup(as_json) : NULL;
		j->due_us = 0;
		j->received = received;
		if (!j->url || !j->payload || !j->integration) {
			job_free(j);
			f->st.dropped++;
			continue;
		}
		j->next = f->head;
		f->head = j;
		f->queued++;
	}
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	free(as_json);
}

void console_fwd_event(struct console_fwd *f, const json_t *ev, int64_t received)
{
	route(f, ev, received, false);
}

void console_fwd_resume_event(struct console_fwd *f, const json_t *ev, int64_t received)
{
	route(f, ev, received, true);
}

void console_fwd_set(struct console_fwd *f, json_t *integrations)
{
	if (!f) {
		json_decref(integrations);
		return;
	}
	pthread_mutex_lock(&f->mu);
	json_decref(f->integrations);
	f->integrations = integrations;
	pthread_mutex_unlock(&f->mu);
}

void console_fwd_stats(struct console_fwd *f, struct console_fwd_stats *ret)
{
	*ret = (struct console_fwd_stats){ 0 };
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	*ret = f->st;
	pthread_mutex_unlock(&f->mu);
}

static void fwd_free(struct console_fwd *f)
{
	while (f->head) {
		struct fwd_job *j = f->head;

		f->head = j->next;
		job_free(j);
	}
	json_decref(f->integrations);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f->version);
	free(f->cursor_path);
	json_decref(f->saved);
	free(f);
}

int console_fwd_open(const char *version, const char *cursor_path, struct console_fwd **ret,
		     struct moat_error *err)
{
	struct console_fwd *f = calloc(1, sizeof(*f));
	int r = 0;

	if (!f)
		return moat_error_set(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	f->integrations = json_array();
	f->version = strdup(version ? version : "");
	gethostname(f->host, sizeof(f->host) - 1);
	if (cursor_path && !(f->cursor_path = strdup(cursor_path)))
		r = moat_error_set(err, -ENOMEM, "out of memory");
	if (r == 0 && cursor_path)
		r = cursor_load(f, err);
	if (r == 0 && pthread_create(&f->worker, NULL, worker, f) != 0)
		r = moat_error_set(err, -EAGAIN, "forwarding: cannot start its thread");
	if (r < 0) {
		fwd_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

void console_fwd_close(struct console_fwd *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->worker, NULL);
	pthread_mutex_lock(&f->mu);
	cursor_save(f, true);       /* pending jobs stay above it: sent after the restart */
	pthread_mutex_unlock(&f->mu);
	fwd_free(f);
}
