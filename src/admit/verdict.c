/* SPDX-License-Identifier: Apache-2.0 */
/*
 * verdict.c - what moat knows about each image, keyed by the image's stable
 * id, the policy's hash and the vulnerability DB's checksum (a new DB or new
 * thresholds mean a new verdict). Verdicts live in memory and in
 * STATE/verdicts/ (one small JSON file each, written atomically), so a
 * restart keeps them. Unknown images are queued and scanned by worker
 * threads through the caller's scan callback; admission never waits for a
 * scan unless the policy says `scan: sync`, and then only up to its timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "vuln/vulndb.h"

#define VERDICT_MAX_ENTRIES 65536u
#define VERDICT_FILE_MAX 8192u
#define VERDICT_KEY_MAX 1024u

enum entry_state { ENTRY_QUEUED, ENTRY_RUNNING, ENTRY_DONE };

struct entry {
	char *id;                       /* composite: key|policy|db */
	char *key;                      /* what resolve returned */
	char *gate;                     /* the thresholds' policy file (NULL: opts.policy_hash's) */
	enum entry_state st;
	struct moat_verdict_result res;
	time_t done_at;
	struct entry *next;             /* queue link */
};

struct moat_verdicts {
	struct moat_verdicts_opts o;
	char *dir;
	pthread_mutex_t mu;
	pthread_cond_t work;
	pthread_cond_t done;
	struct moat_hmap map;
	struct entry *head, *tail;
	pthread_t *threads;
	unsigned n_threads;
	bool stop;
	char db_id[MOAT_DIGEST_STR_MAX];
	struct timespec db_mtime;
	time_t db_checked;
	uint64_t scans_done;
	uint64_t scans_failed;
	uint64_t n_queued;
	char scan_error[512];           /* the last failed scan's summary */
};

/* The DB's checksum, re-read when the file changes (checked at most once a second). */
static void refresh_db(struct moat_verdicts *v, time_t now)
{
	struct moat_vulndb *db = NULL;
	struct stat st;

	if (now == v->db_checked && v->db_id[0])
		return;
	v->db_checked = now;
	if (!v->o.db_path || stat(v->o.db_path, &st) < 0) {
		snprintf(v->db_id, sizeof(v->db_id), "none");
		return;
	}
	if (v->db_id[0] && st.st_mtim.tv_sec == v->db_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == v->db_mtime.tv_nsec)
		return;
	v->db_mtime = st.st_mtim;
	if (moat_vulndb_open(v->o.db_path, false, &db, NULL) == 0 &&
	    moat_vulndb_info(db)->checksum)
		snprintf(v->db_id, sizeof(v->db_id), "%s", moat_vulndb_info(db)->checksum);
	else
		snprintf(v->db_id, sizeof(v->db_id), "unreadable-%lld", (long long)st.st_mtim.tv_sec);
	moat_vulndb_close(db);
}

static void file_path(const struct moat_verdicts *v, const char *id, char *out, size_t len)
{
	char h[MOAT_DIGEST_STR_MAX];

	moat_sha256_str(id, strlen(id), h);
	snprintf(out, len, "%s/%s.json", v->dir, h + 7);
}

static const char *state_name(enum moat_verdict_state s)
{
	return s == MOAT_VERDICT_PASS ? "pass" : s == MOAT_VERDICT_FAIL ? "fail" : "error";
}

static void save(const struct moat_verdicts *v, const struct entry *e)
{
	char path[4096];
	struct moat_buf b;
	struct moat_jw jw;

	if (e->res.state != MOAT_VERDICT_PASS && e->res.state != MOAT_VERDICT_FAIL)
		return; /* retried later, never remembered across restarts */
	file_path(v, e->id, path, sizeof(path));
	moat_buf_init(&b, 0);
	moat_jw_init(&jw, &b, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "id", e->id);
	moat_jw_kstr(&jw, "key", e->key);
	moat_jw_kstr(&jw, "state", state_name(e->res.state));
	moat_jw_kstr(&jw, "summary", e->res.summary);
	moat_jw_kint(&jw, "time", (int64_t)e->done_at);
	moat_jw_obj_end(&jw);
	if (moat_jw_finish(&jw) == 0 && moat_buf_putc(&b, '\n') == 0)
		(void)moat_write_file_atomic(path, b.data, b.len, 0600, false);
	moat_buf_release(&b);
}

/* A verdict saved by an earlier run, checked to be for this id. */
static bool load(const struct moat_verdicts *v, const char *id, struct moat_verdict_result *res)
{
	char path[4096];
	struct moat_buf b;
	json_t *doc = NULL;
	bool ok = false;

	file_path(v, id, path, sizeof(path));
	moat_buf_init(&b, 0);
	if (moat_read_file(path, VERDICT_FILE_MAX, &b, NULL) == 0 &&
	    moat_json_parse(b.data, b.len, VERDICT_FILE_MAX, path, &doc, NULL) == 0 &&
	    moat_json_str(doc, "id") && !strcmp(moat_json_str(doc, "id"), id) &&
	    moat_json_str(doc, "state")) {
		const char *s = moat_json_str(doc, "state");
		const char *sum = moat_json_str(doc, "summary");

		ok = !strcmp(s, "pass") || !strcmp(s, "fail");
		res->state = !strcmp(s, "pass") ? MOAT_VERDICT_PASS : MOAT_VERDICT_FAIL;
		snprintf(res->summary, sizeof(res->summary), "%s", sum ? sum : "");
	}
	json_decref(doc);
	moat_buf_release(&b);
	return ok;
}

static struct entry *entry_new(struct moat_verdicts *v, const char *id, const char *key,
			       const char *gate)
{
	struct entry *e;

	if (v->map.count >= VERDICT_MAX_ENTRIES)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->id = strdup(id);
	e->key = strdup(key);
	e->gate = gate ? strdup(gate) : NULL;
	if (!e->id || !e->key || (gate && !e->gate) ||
	    moat_hmap_put(&v->map, e->id, strlen(e->id), e) < 0) {
		free(e->id);
		free(e->key);
		free(e->gate);
		free(e);
		return NULL;
	}
	return e;
}

static void enqueue(struct moat_verdicts *v, struct entry *e)
{
	e->st = ENTRY_QUEUED;
	e->next = NULL;
	if (v->tail)
		v->tail->next = e;
	else
		v->head = e;
	v->tail = e;
	v->n_queued++;
	pthread_cond_signal(&v->work);
}

static void *worker(void *arg)
{
	struct moat_verdicts *v = arg;

	pthread_mutex_lock(&v->mu);
	for (;;) {
		struct entry *e;
		struct moat_verdict_result res;

		while (!v->stop && !v->head)
			pthread_cond_wait(&v->work, &v->mu);
		if (v->stop)
			break;
		e = v->head;
		v->head = e->next;
		if (!v->head)
			v->tail = NULL;
		v->n_queued--;
		e->st = ENTRY_RUNNING;
		pthread_mutex_unlock(&v->mu);
		memset(&res, 0, sizeof(res));
		res.state = MOAT_VERDICT_ERROR;
		v->o.scan(v->o.ctx, e->key, e->gate, &res);
		pthread_mutex_lock(&v->mu);
		e->res = res;
		e->done_at = time(NULL);
		e->st = ENTRY_DONE;
		v->scans_done++;
		if (res.state == MOAT_VERDICT_ERROR) {
			v->scans_failed++;
			snprintf(v->scan_error, sizeof(v->scan_error), "%s", res.summary);
		}
		pthread_cond_broadcast(&v->done);
		pthread_mutex_unlock(&v->mu);
		save(v, e);
		pthread_mutex_lock(&v->mu);
	}
	pthread_mutex_unlock(&v->mu);
	return NULL;
}

int moat_verdicts_open(const struct moat_verdicts_opts *o, struct moat_verdicts **ret,
		       struct moat_error *err)
{
	struct moat_verdicts *v;
	int r;

	if (!o->state_dir || !o->policy_hash || !o->scan)
		return moat_error_set(err, MOAT_E_USAGE, "verdicts: want a state dir, a policy "
				      "hash and a scanner");
	v = calloc(1, sizeof(*v));
	if (!v)
		return moat_error_set(err, -ENOMEM, "out of memory");
	v->o = *o;
	v->o.workers = o->workers ? o->workers : 1;
	v->o.error_retry_sec = o->error_retry_sec ? o->error_retry_sec : 60;
	pthread_mutex_init(&v->mu, NULL);
	pthread_cond_init(&v->work, NULL);
	pthread_cond_init(&v->done, NULL);
	moat_hmap_init(&v->map);
	if (asprintf(&v->dir, "%s/verdicts", o->state_dir) < 0) {
		v->dir = NULL;
		moat_verdicts_close(v);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	if ((mkdir(o->state_dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(v->dir, 0700) < 0 && errno != EEXIST)) {
		r = moat_error_set(err, -errno, "%s: cannot create: %s", v->dir, strerror(errno));
		moat_verdicts_close(v);
		return r;
	}
	v->threads = calloc(v->o.workers, sizeof(*v->threads));
	for (unsigned i = 0; v->threads && i < v->o.workers; i++) {
		if (pthread_create(&v->threads[i], NULL, worker, v) != 0)
			break;
		v->n_threads++;
	}
	if (!v->n_threads) {
		moat_verdicts_close(v);
		return moat_error_set(err, -EAGAIN, "verdicts: cannot start scan workers");
	}
	*ret = v;
	return 0;
}

void moat_verdicts_close(struct moat_verdicts *v)
{
	if (!v)
		return;
	pthread_mutex_lock(&v->mu);
	v->stop = true;
	pthread_cond_broadcast(&v->work);
	pthread_mutex_unlock(&v->mu);
	for (unsigned i = 0; i < v->n_threads; i++)
		pthread_join(v->threads[i], NULL);
	for (size_t i = 0; i < v->map.cap; i++) {
		struct entry *e = v->map.slots[i].key ? v->map.slots[i].value : NULL;

		if (!e)
			continue;
		free(e->id);
		free(e->key);
		free(e->gate);
		free(e);
	}
	moat_hmap_release(&v->map);
	pthread_cond_destroy(&v->work);
	pthread_cond_destroy(&v->done);
	pthread_mutex_destroy(&v->mu);
	free(v->threads);
	free(v->dir);
	free(v);
}

/* image -> key: the resolver's, else a digest in the reference, else the
 * reference. 1 = the image is not there (nothing to scan yet). */
static int resolve(struct moat_verdicts *v, const char *image, char *key, size_t len)
{
	const char *at = strchr(image, '@');

	if (strlen(image) >= VERDICT_KEY_MAX)
		return -EINVAL;
	if (v->o.resolve)
		return v->o.resolve(v->o.ctx, image, key, len);
	snprintf(key, len, "%s", at ? at + 1 : image);
	return 0;
}

static void fill(const struct entry *e, struct moat_arena *arena, struct moat_image_verdict *ret)
{
	ret->digest = arena ? moat_arena_strdup(arena, e->key) : NULL;
	if (e->st != ENTRY_DONE) {
		ret->state = MOAT_VERDICT_UNKNOWN;
		ret->summary = "scan in progress";
		return;
	}
	ret->state = e->res.state;
	ret->summary = arena ? moat_arena_strdup(arena, e->res.summary) : NULL;
}

static void wait_done(struct moat_verdicts *v, struct entry *e, unsigned timeout_sec)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_sec;
	while (e->st != ENTRY_DONE && !v->stop)
		if (pthread_cond_timedwait(&v->done, &v->mu, &until) == ETIMEDOUT)
			break;
}

int moat_verdicts_lookup(void *ctx, const char *image, unsigned flags, unsigned timeout_sec,
			 struct moat_arena *arena, struct moat_image_verdict *ret)
{
	return moat_verdicts_lookup_gate(ctx, NULL, image, flags, timeout_sec, arena, ret);
}

int moat_verdicts_gate_lookup(void *ctx, const char *image, unsigned flags, unsigned timeout_sec,
			      struct moat_arena *arena, struct moat_image_verdict *ret)
{
	const struct moat_verdict_gate *g = ctx;

	return moat_verdicts_lookup_gate(g->verdicts, g, image, flags, timeout_sec, arena, ret);
}

int moat_verdicts_lookup_gate(struct moat_verdicts *v, const struct moat_verdict_gate *gate,
			      const char *image, unsigned flags, unsigned timeout_sec,
			      struct moat_arena *arena, struct moat_image_verdict *ret)
{
	char key[VERDICT_KEY_MAX], id[VERDICT_KEY_MAX + 2 * MOAT_DIGEST_STR_MAX + 4];
	struct moat_verdict_result res;
	struct entry *e;
	time_t now = time(NULL);
	int r;

	memset(ret, 0, sizeof(*ret));
	r = resolve(v, image, key, sizeof(key));
	if (r < 0) {
		ret->state = MOAT_VERDICT_ERROR;
		ret->summary = "the image cannot be resolved";
		return 0;
	}
	if (r > 0)
		return 0; /* not there yet: the engine pulls it, then asks again */
	pthread_mutex_lock(&v->mu);
	refresh_db(v, now);
	snprintf(id, sizeof(id), "%s|%s|%s", key, gate ? gate->hash : v->o.policy_hash, v->db_id);
	e = moat_hmap_get(&v->map, id, strlen(id));
	if (!e && load(v, id, &res) &&
	    (e = entry_new(v, id, key, gate ? gate->path : NULL)) != NULL) {
		e->res = res;
		e->st = ENTRY_DONE;
		e->done_at = now;
	}
	if (e && e->st == ENTRY_DONE && e->res.state != MOAT_VERDICT_PASS &&
	    e->res.state != MOAT_VERDICT_FAIL &&
	    now - e->done_at >= (time_t)v->o.error_retry_sec && !(flags & MOAT_VERDICT_PEEK))
		enqueue(v, e);
	if (!e && !(flags & MOAT_VERDICT_PEEK)) {
		e = entry_new(v, id, key, gate ? gate->path : NULL);
		if (e)
			enqueue(v, e);
	}
	if (e && e->st != ENTRY_DONE && (flags & MOAT_VERDICT_SYNC))
		wait_done(v, e, timeout_sec);
	if (e)
		fill(e, arena, ret);
	else
		ret->digest = arena ? moat_arena_strdup(arena, key) : NULL;
	pthread_mutex_unlock(&v->mu);
	return 0;
}

int moat_verdicts_put(struct moat_verdicts *v, const char *key,
		      const struct moat_verdict_result *res)
{
	char id[VERDICT_KEY_MAX + 2 * MOAT_DIGEST_STR_MAX + 4];
	struct entry *e;

	if (strlen(key) >= VERDICT_KEY_MAX)
		return -EINVAL;
	pthread_mutex_lock(&v->mu);
	refresh_db(v, time(NULL));
	snprintf(id, sizeof(id), "%s|%s|%s", key, v->o.policy_hash, v->db_id);
	e = moat_hmap_get(&v->map, id, strlen(id));
	if (!e)
		e = entry_new(v, id, key, NULL);
	if (e && e->st != ENTRY_QUEUED) {
		e->res = *res;
		e->st = ENTRY_DONE;
		e->done_at = time(NULL);
	}
	pthread_mutex_unlock(&v->mu);
	if (e)
		save(v, e);
	return e ? 0 : -ENOMEM;
}

uint64_t moat_verdicts_scans_done(struct moat_verdicts *v)
{
	uint64_t n;

	pthread_mutex_lock(&v->mu);
	n = v->scans_done;
	pthread_mutex_unlock(&v->mu);
	return n;
}

void moat_verdicts_stats(struct moat_verdicts *v, struct moat_verdicts_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!v)
		return;
	pthread_mutex_lock(&v->mu);
	ret->cached = v->map.count;
	ret->queued = v->n_queued;
	ret->done = v->scans_done;
	ret->failed = v->scans_failed;
	memcpy(ret->last_error, v->scan_error, sizeof(ret->last_error));
	pthread_mutex_unlock(&v->mu);
}
