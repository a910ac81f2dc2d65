/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry-listen.c - `moat registry listen`: scan on push.
 *
 * A small HTTP server (libmicrohttpd, its own thread) takes POSTed push
 * notifications (registry/notify.h), answers 202 at once and queues the
 * pushed images; the main thread runs the same cached, bounded scans as
 * `moat registry scan` and prints a JSON line per image. SIGINT/SIGTERM
 * stop it after the running scans finish.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "base/buf.h"
#include "moat/error.h"
#include "registry/notify.h"
#include "cli.h"
#include "registry-cmd.h"

#define QUEUE_MAX 1024u

struct listen_state {
	struct reg_args *a;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct moat_registry_pushed queue[QUEUE_MAX];
	size_t head;
	size_t count;
	unsigned dropped;
};

struct upload {
	struct moat_buf body;
	bool too_big;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
	void *copy_from;
	struct MHD_Response *resp;

	/* MUST_COPY: libmicrohttpd copies and never writes it, whatever the prototype says. */
	memcpy(&copy_from, &text, sizeof(copy_from));
	resp = MHD_create_response_from_buffer(strlen(text), copy_from, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Queue what the notification names, filtered like a registry scan. */
static size_t enqueue(struct listen_state *ls, const struct moat_registry_pushed *p, size_t n)
{
	size_t queued = 0;

	pthread_mutex_lock(&ls->lock);
	for (size_t i = 0; i < n; i++) {
		if (fnmatch(ls->a->repos, p[i].repo, 0) != 0 ||
		    (strcmp(ls->a->tags, "*") != 0 &&
		     (!p[i].tag[0] || fnmatch(ls->a->tags, p[i].tag, 0) != 0)))
			continue;
		if (ls->count == QUEUE_MAX) {
			ls->dropped++;
			continue;
		}
		ls->queue[(ls->head + ls->count++) % QUEUE_MAX] = p[i];
		queued++;
	}
	pthread_cond_signal(&ls->cond);
	pthread_mutex_unlock(&ls->lock);
	return queued;
}

static enum MHD_Result notified(struct listen_state *ls, struct MHD_Connection *conn,
				struct upload *up)
{
	static struct moat_registry_pushed pushed[MOAT_REGISTRY_NOTIFY_IMAGES];
	static pthread_mutex_t parse_lock = PTHREAD_MUTEX_INITIALIZER;
	struct moat_error err = { 0 };
	size_t n = 0, skipped = 0, queued = 0;
	char msg[MOAT_ERRMSG_MAX + 64];
	int r;

	if (up->too_big)
		return reply(conn, MHD_HTTP_CONTENT_TOO_LARGE, "{\"error\":\"body too large\"}");
	pthread_mutex_lock(&parse_lock);
	r = moat_registry_notify_parse(up->body.data, up->body.len, pushed,
				       MOAT_REGISTRY_NOTIFY_IMAGES, &n, &skipped, &err);
	if (r == 0)
		queued = enqueue(ls, pushed, n);
	pthread_mutex_unlock(&parse_lock);
	if (r < 0) {
		fprintf(stderr, "moat registry listen: refused a notification: %s\n", err.msg);
		return reply(conn, MHD_HTTP_BAD_REQUEST, "{\"error\":\"not a push notification\"}");
	}
	snprintf(msg, sizeof(msg), "{\"queued\":%zu,\"skipped\":%zu}", queued, skipped);
	return reply(conn, MHD_HTTP_ACCEPTED, msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *data, size_t *data_size, void **con_cls)
{
	struct upload *up = *con_cls;

	(void)url;
	(void)version;
	if (strcmp(method, "POST") != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"POST only\"}");
	if (!up) {
		up = calloc(1, sizeof(*up));
		if (!up)
			return MHD_NO;
		moat_buf_init(&up->body, MOAT_REGISTRY_NOTIFY_MAX);
		*con_cls = up;
		return MHD_YES;
	}
	if (*data_size) {
		if (moat_buf_append(&up->body, data, *data_size) < 0)
			up->too_big = true;
		*data_size = 0;
		return MHD_YES;
	}
	return notified(cls, conn, up);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode code)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (!up)
		return;
	moat_buf_release(&up->body);
	free(up);
	*con_cls = NULL;
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	unsigned long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, NULL, 10);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (port == 0 || port > 65535 ||
	    inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

/* Take the next queued image, waiting up to a second. */
static bool next_image(struct listen_state *ls, struct moat_registry_pushed *out)
{
	struct timespec until;
	bool got = false;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 1;
	pthread_mutex_lock(&ls->lock);
	if (!ls->count)
		pthread_cond_timedwait(&ls->cond, &ls->lock, &until);
	if (ls->count) {
		*out = ls->queue[ls->head];
		ls->head = (ls->head + 1) % QUEUE_MAX;
		ls->count--;
		got = true;
	}
	pthread_mutex_unlock(&ls->lock);
	return got;
}

static bool running_digest(const struct reg_runner *rr, const char *digest)
{
	for (unsigned i = 0; i < REG_MAX_JOBS; i++)
		if (rr->jobs[i].pid && !strcmp(rr->jobs[i].digest, digest))
			return true;
	return false;
}

static void serve(struct listen_state *ls, struct reg_runner *rr)
{
	struct moat_registry_pushed p;
	char tags[MOAT_REGISTRY_MAX_TAG + 8];

	while (!stopping) {
		reg_run_reap(rr);
		if (!next_image(ls, &p))
			continue;
		if (running_digest(rr, p.digest) || reg_cache_fresh(ls->a, p.digest)) {
			fprintf(stderr, "moat registry listen: %s@%s: already scanned\n", p.repo,
				p.digest);
			continue;
		}
		if (p.tag[0])
			snprintf(tags, sizeof(tags), "[\"%s\"]", p.tag);
		else
			snprintf(tags, sizeof(tags), "[]");
		reg_run_start(rr, p.repo, p.digest, tags);
	}
}

int reg_cmd_listen(int argc, char **argv)
{
	static struct listen_state ls;
	struct reg_args a;
	struct reg_runner rr = { .args = &a };
	struct sockaddr_in sa;
	struct sigaction sig = { .sa_handler = on_signal };
	struct MHD_Daemon *d;
	int r = reg_parse(argc, argv, &a, true);

	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if (parse_addr(a.listen, &sa) < 0)
		return fprintf(stderr, "moat registry listen: --listen %s: want IPv4:PORT\n",
			       a.listen), MOAT_EXIT_USAGE;
	if ((r = reg_args_finish(&a, "listen")) != 0)
		return r;
	memset(&ls, 0, sizeof(ls));
	ls.a = &a;
	pthread_mutex_init(&ls.lock, NULL);
	pthread_cond_init(&ls.cond, NULL);
	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGTERM, &sig, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     on_request, &ls, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
			     MHD_OPTION_END);
	if (!d)
		return fprintf(stderr, "moat registry listen: cannot listen on %s: %s\n", a.listen,
			       strerror(errno)), MOAT_EXIT_USAGE;
	fprintf(stderr, "moat registry listen: on %s for pushes to %s\n", a.listen, a.host);
	serve(&ls, &rr);
	MHD_stop_daemon(d);
	reg_run_wait(&rr, true);
	fprintf(stderr, "moat registry listen: stopped: %u scanned, %u failed, %u dropped "
		"(queue full)\n", rr.scanned, rr.failed, ls.dropped);
	return MOAT_EXIT_OK;
}
