/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry-listen.c - `moat registry listen`: scan on push.
 *
 * The shared HTTP server (server/server.h, plain TCP) takes POSTed push
 * notifications (registry/notify.h), answers 202 at once and queues the
 * pushed images; the main thread runs the same cached, bounded scans as
 * `moat registry scan` and prints a JSON line per image. SIGINT/SIGTERM
 * stop it after the running scans finish.
 */
#include <fnmatch.h>
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
#include "server/server.h"
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

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
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

static void reply(struct moat_server_resp *resp, int status, const char *text)
{
	resp->status = status;
	moat_buf_append_str(&resp->body, text);
}

/* One POSTed notification (pool thread): parse, queue, answer 202 at once. */
static void on_request(void *ctx, const struct moat_server_req *req, struct moat_server_resp *resp)
{
	struct listen_state *ls = ctx;
	struct moat_registry_pushed *pushed;
	struct moat_error err = { 0 };
	size_t n = 0, skipped = 0, queued = 0;
	int r;

	if (strcmp(req->method, "POST") != 0)
		return reply(resp, 405, "{\"error\":\"POST only\"}");
	pushed = calloc(MOAT_REGISTRY_NOTIFY_IMAGES, sizeof(*pushed));
	if (!pushed)
		return reply(resp, 503, "{\"error\":\"out of memory\"}");
	r = moat_registry_notify_parse(req->body, req->body_len, pushed,
				       MOAT_REGISTRY_NOTIFY_IMAGES, &n, &skipped, &err);
	if (r == 0)
		queued = enqueue(ls, pushed, n);
	free(pushed);
	if (r < 0) {
		fprintf(stderr, "moat registry listen: refused a notification: %s\n", err.msg);
		return reply(resp, 400, "{\"error\":\"not a push notification\"}");
	}
	resp->status = 202;
	moat_buf_appendf(&resp->body, "{\"queued\":%zu,\"skipped\":%zu}", queued, skipped);
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
	struct sigaction sig = { .sa_handler = on_signal };
	struct moat_server *server = NULL;
	struct moat_error err = { 0 };
	int r = reg_parse(argc, argv, &a, true);

	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if ((r = reg_args_finish(&a, "listen")) != 0)
		return r;
	memset(&ls, 0, sizeof(ls));
	ls.a = &a;
	pthread_mutex_init(&ls.lock, NULL);
	pthread_cond_init(&ls.cond, NULL);
	/* Notifications come from the registry over plain HTTP (the distribution
	 * registry's endpoint config); the bodies only name images to scan. */
	struct moat_server_opts opts = {
		.listen = a.listen, .allow_plain_tcp = true,
		.max_body = MOAT_REGISTRY_NOTIFY_MAX, .threads = 2, .max_connections = 64,
		.handler = on_request, .ctx = &ls,
	};
	if ((r = moat_server_open(&opts, &server, &err)) < 0) {
		cli_errorf("moat registry listen: %s\n", err.msg);
		return moat_error_is_input(r) ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	}
	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGTERM, &sig, NULL);
	fprintf(stderr, "moat registry listen: on %s for pushes to %s\n", a.listen, a.host);
	serve(&ls, &rr);
	moat_server_close(server);
	reg_run_wait(&rr, true);
	fprintf(stderr, "moat registry listen: stopped: %u scanned, %u failed, %u dropped "
		"(queue full)\n", rr.scanned, rr.failed, ls.dropped);
	return MOAT_EXIT_OK;
}
