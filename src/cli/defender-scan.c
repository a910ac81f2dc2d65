/* SPDX-License-Identifier: Apache-2.0 */
/* defender-scan.c - the node's running images scanned and sent to the console (defender-scan.h). */
#include "defender-scan.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "moat/error.h"
#include "cli.h"
#include "scan-child.h"
#include "scan-run.h"
#include "sensor/container.h"

#define QUEUE_MAX 64u
#define LOOK_EVERY_SEC 5
#define STATE_MAX_BYTES (4u << 20)
#define CHILD_NICE 10

struct job {
	char id[80];                    /* sha256:... as the engine names the image */
	char name[MOAT_CONTAINER_STR];  /* what the container was started from, or "" */
};

struct defender_scan {
	char *db, *scanners, *console, *token, *cacert;
	char *globs;                    /* the --scan-images list, split at its commas */
	const char *glob[DEFENDER_SCAN_MAX_GLOBS];
	unsigned n_globs;               /* 0: every image */
	unsigned every_sec, timeout_sec;
	char exe[PATH_MAX];
	char state_path[PATH_MAX];      /* STATE/image-scans.json */
	char out_path[PATH_MAX];        /* the child's report */
	char log_path[PATH_MAX];        /* the child's stderr */
	pthread_t thread;
	bool started;
	time_t last_look;               /* main thread only */
	pthread_mutex_t mu;             /* everything below */
	pthread_cond_t cv;
	bool stop;
	json_t *known;                  /* id -> {"at","due","ok","fails","error"?} */
	struct job queue[QUEUE_MAX];
	unsigned queued;
	char busy[80];                  /* the image being scanned */
	struct defender_scan_stats st;
};

/* ---- what was scanned when (STATE/image-scans.json) ---- */

static void load_state(struct defender_scan *s)
{
	struct moat_error err = { 0 };
	struct moat_buf b;
	json_t *doc = NULL, *images, *v;
	const char *id;

	moat_buf_init(&b, STATE_MAX_BYTES);
	if (moat_read_file(s->state_path, STATE_MAX_BYTES, &b, &err) == 0 &&
	    moat_json_parse(b.data, b.len, STATE_MAX_BYTES, s->state_path, &doc, &err) == 0) {
		images = json_object_get(doc, "images");
		json_object_foreach(images, id, v) {
			if (json_object_size(s->known) >= DEFENDER_SCAN_MAX_IMAGES)
				break;
			if (strlen(id) < sizeof(s->busy) && json_is_integer(json_object_get(v, "due")))
				json_object_set(s->known, id, v);
		}
	} else if (err.code != -ENOENT) {
		fprintf(stderr, "moat defender: image scans: %s (every running image is scanned "
			"again)\n", err.msg);
	}
	json_decref(doc);
	moat_buf_release(&b);
}

static void save_state(struct defender_scan *s)
{
	json_t *doc = json_pack("{s:s, s:O}", "schema", "moat.image-scans/v1", "images", s->known);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	if (!text || moat_write_file_atomic(s->state_path, text, strlen(text), 0600, false) < 0)
		fprintf(stderr, "moat defender: image scans: cannot save %s (they may run again "
			"after a restart)\n", s->state_path);
	free(text);
	json_decref(doc);
}

/* Room for one more: the image scanned longest ago goes. */
static void make_room(struct defender_scan *s)
{
	const char *id, *oldest = NULL;
	json_int_t oldest_at = 0;
	json_t *v;

	if (json_object_size(s->known) < DEFENDER_SCAN_MAX_IMAGES)
		return;
	json_object_foreach(s->known, id, v) {
		json_int_t at = json_integer_value(json_object_get(v, "at"));

		if (!oldest || at < oldest_at) {
			oldest = id;
			oldest_at = at;
		}
	}
	if (oldest)
		json_object_del(s->known, oldest);
}

static void record(struct defender_scan *s, const char *id, int r, const char *error)
{
	json_t *prev = json_object_get(s->known, id);
	json_int_t fails = r < 0 ? json_integer_value(json_object_get(prev, "fails")) + 1 : 0;
	time_t now = time(NULL);
	uint64_t wait = s->every_sec;
	json_t *e;

	if (r < 0) {    /* back off: 5 min, 10, 20, ... up to the rescan period */
		wait = (uint64_t)DEFENDER_SCAN_RETRY_SEC << (fails < 16 ? fails - 1 : 15);
		if (wait > s->every_sec)
			wait = s->every_sec;
	}
	if (!prev)
		make_room(s);
	e = json_pack("{s:I, s:I, s:b, s:I}", "at", (json_int_t)now, "due",
		      (json_int_t)now + (json_int_t)wait, "ok", r == 0, "fails", fails);
	if (e && r < 0)
		json_object_set_new(e, "error", json_string(error));
	json_object_set_new(s->known, id, e);
	if (r < 0) {
		s->st.failed++;
		snprintf(s->st.last_error, sizeof(s->st.last_error), "%s", error);
	} else {
		s->st.scanned++;
		s->st.last_error[0] = 0;
	}
	save_state(s);
}

/* ---- one scan ---- */

static bool stopping(struct defender_scan *s)
{
	bool stop;

	pthread_mutex_lock(&s->mu);
	stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static bool stop_cb(void *ctx)
{
	return stopping(ctx);
}

/* Scan target into out (the report, read back). */
static int run_scan(struct defender_scan *s, const char *target, struct moat_buf *out,
		    struct moat_error *err)
{
	const char *argv[16];
	union { const char **c; char *const *v; } av = { .c = argv };  /* exec's old signature */
	struct cli_scan_child c = { .exe = s->exe, .argv = av.v, .err_path = s->log_path,
				    .timeout_sec = s->timeout_sec, .nice = CHILD_NICE,
				    .stop = stop_cb, .ctx = s };
	char why[256];
	size_t n = 0;
	int r, st = 0;

	argv[n++] = "moat";
	argv[n++] = "scan";
	argv[n++] = "--format=json";
	argv[n++] = "--no-progress";
	argv[n++] = "-o";
	argv[n++] = s->out_path;
	argv[n++] = "--db";
	argv[n++] = s->db;
	if (s->scanners) {
		argv[n++] = "--scanners";
		argv[n++] = s->scanners;
	}
	argv[n++] = target;
	argv[n] = NULL;
	unlink(s->out_path);
	r = cli_scan_child(&c, &st);
	if (r == -ECANCELED)
		return r;
	if (r == -ETIMEDOUT)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: the scan took longer than %u s and "
				      "was stopped", target, s->timeout_sec);
	if (r < 0)
		return moat_error_set(err, r, "%s: cannot run %s: %s", target, s->exe,
				      strerror(-r));
	if (!WIFEXITED(st) || WEXITSTATUS(st) > 1) {    /* 1: a gate, and none was asked */
		cli_last_line(s->log_path, "", why, sizeof(why));
		r = WIFSIGNALED(st) ?
		    moat_error_set(err, MOAT_E_RUNTIME, "%s: the scan died of signal %d%s%s",
				   target, WTERMSIG(st), why[0] ? ": " : "", why) :
		    moat_error_set(err, MOAT_E_RUNTIME, "%s: the scan failed (exit %d)%s%s", target,
				   WEXITSTATUS(st), why[0] ? ": " : "", why);
	}
	if (r == 0)
		r = moat_read_file(s->out_path, DEFENDER_SCAN_MAX_REPORT, out, err);
	unlink(s->out_path);
	return r;
}

/* The report's image: its config digest (what the engine calls the image's ID). */
static int report_config(const struct moat_buf *rep, char *buf, size_t len,
			 struct moat_error *err)
{
	json_t *doc = NULL;
	const char *cfg;
	int r = moat_json_parse(rep->data, rep->len, DEFENDER_SCAN_MAX_REPORT, "scan report",
				&doc, err);

	if (r < 0)
		return r;
	cfg = moat_json_str(json_object_get(doc, "target"), "config_digest");
	snprintf(buf, len, "%s", cfg ? cfg : "");
	json_decref(doc);
	return 0;
}

static bool is_name(const char *name)
{
	return name[0] && strncmp(name, "sha256:", 7) != 0 && strspn(name, "0123456789abcdef") !=
	       strlen(name);
}

static int scan_one(struct defender_scan *s, const struct job *j, struct moat_error *err)
{
	char target[MOAT_CONTAINER_STR + 16], cfg[80], stored[80];
	bool by_name = is_name(j->name);
	struct moat_buf rep;
	int r;

	moat_buf_init(&rep, DEFENDER_SCAN_MAX_REPORT);
	snprintf(target, sizeof(target), "docker:%s", by_name ? j->name : j->id);
	r = run_scan(s, target, &rep, err);
	if (r == 0)
		r = report_config(&rep, cfg, sizeof(cfg), err);
	if (r == 0 && by_name && strcmp(cfg, j->id) != 0) {
		/* the name was moved to another image since the container started */
		snprintf(target, sizeof(target), "docker:%s", j->id);
		r = run_scan(s, target, &rep, err);
		if (r == 0)
			r = report_config(&rep, cfg, sizeof(cfg), err);
	}
	if (r == 0 && strcmp(cfg, j->id) != 0)
		r = moat_error_set(err, MOAT_E_RUNTIME, "%s: the engine gave image %s, not %s",
				   target, cfg, j->id);
	if (r == 0)
		r = scan_upload(s->console, s->token, s->cacert, &rep, stored, sizeof(stored), err);
	if (r < 0 && r != -ECANCELED)
		moat_error_prefix(err, "image %.19s: ", j->id);
	moat_buf_release(&rep);
	return r;
}

static void *worker(void *arg)
{
	struct defender_scan *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct moat_error err = { 0 };
		struct job j;
		int r;

		while (!s->stop && !s->queued)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		j = s->queue[0];
		memmove(s->queue, s->queue + 1, --s->queued * sizeof(s->queue[0]));
		snprintf(s->busy, sizeof(s->busy), "%s", j.id);
		pthread_mutex_unlock(&s->mu);
		r = scan_one(s, &j, &err);
		if (r < 0 && r != -ECANCELED)
			fprintf(stderr, "moat defender: image scan: %s\n", err.msg);
		pthread_mutex_lock(&s->mu);
		s->busy[0] = 0;
		if (r != -ECANCELED)
			record(s, j.id, r, err.msg);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- the main loop's side ---- */

static bool waiting(const struct defender_scan *s, const char *id)
{
	if (!strcmp(s->busy, id))
		return true;
	for (unsigned i = 0; i < s->queued; i++)
		if (!strcmp(s->queue[i].id, id))
			return true;
	return false;
}

/* --scan-images: the name the container used, or the image id, matches a glob. */
static bool wanted(const struct defender_scan *s, const struct moat_container *c)
{
	for (unsigned i = 0; i < s->n_globs; i++)
		if (!fnmatch(s->glob[i], c->image, 0) || !fnmatch(s->glob[i], c->image_id, 0))
			return true;
	return !s->n_globs;
}

static void consider(struct defender_scan *s, const struct moat_container *c, time_t now)
{
	const json_t *e = json_object_get(s->known, c->image_id);
	struct job *j;

	if ((e && json_integer_value(json_object_get(e, "due")) > now) || waiting(s, c->image_id) ||
	    s->queued >= QUEUE_MAX)
		return;
	j = &s->queue[s->queued++];
	snprintf(j->id, sizeof(j->id), "%s", c->image_id);
	snprintf(j->name, sizeof(j->name), "%s", c->image);
	pthread_cond_signal(&s->cv);
}

void defender_scan_tick(struct defender_scan *s, const struct moat_containers *cs)
{
	time_t now = time(NULL);
	size_t n;

	if (!s || now - s->last_look < LOOK_EVERY_SEC)
		return;
	s->last_look = now;
	n = moat_containers_count(cs);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < n; i++) {
		const struct moat_container *c = moat_containers_at(cs, i);

		if (c && c->described && c->running && !strncmp(c->image_id, "sha256:", 7) &&
		    wanted(s, c))
			consider(s, c, now);
	}
	pthread_mutex_unlock(&s->mu);
}

void defender_scan_stats(struct defender_scan *s, struct defender_scan_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	*ret = s->st;
	ret->queued = s->queued + (s->busy[0] != 0);
	pthread_mutex_unlock(&s->mu);
}

/* ---- open and close ---- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int paths(struct defender_scan *s, const char *state, struct moat_error *err)
{
	char dir[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", s->exe, sizeof(s->exe) - 1);

	if (n <= 0)
		return moat_error_set(err, -errno, "image scans: cannot find my own executable: %s",
				      strerror(errno));
	s->exe[n] = 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/image-scans", state) >= sizeof(dir))
		return moat_error_set(err, MOAT_E_USAGE, "--state %s: path too long", state);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return moat_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	snprintf(s->state_path, sizeof(s->state_path), "%s.json", dir);
	snprintf(s->out_path, sizeof(s->out_path), "%s/report.json", dir);
	snprintf(s->log_path, sizeof(s->log_path), "%s/scan.log", dir);
	return 0;
}

static int split_globs(struct defender_scan *s, const char *list, struct moat_error *err)
{
	char *save = NULL;

	if (!list)
		return 0;
	if (!(s->globs = strdup(list)))
		return moat_error_set(err, -ENOMEM, "out of memory");
	for (char *g = strtok_r(s->globs, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		if (s->n_globs >= DEFENDER_SCAN_MAX_GLOBS)
			return moat_error_set(err, MOAT_E_USAGE, "--scan-images: at most %u globs",
					      DEFENDER_SCAN_MAX_GLOBS);
		s->glob[s->n_globs++] = g;
	}
	return s->n_globs ? 0 : moat_error_set(err, MOAT_E_USAGE, "--scan-images: no glob in "
					       "'%s'", list);
}

int defender_scan_open(const struct defender_scan_opts *o, struct defender_scan **ret,
		       struct moat_error *err)
{
	struct defender_scan *s;
	int r;

	*ret = NULL;
	if (!o->console || !o->token)
		return moat_error_set(err, MOAT_E_USAGE, "--scan-db needs --console (the reports "
				      "go there)");
	if (access(o->db, R_OK) < 0)
		return moat_error_set(err, MOAT_E_USAGE, "--scan-db %s: %s", o->db, strerror(errno));
	s = calloc(1, sizeof(*s));
	if (!s)
		return moat_error_set(err, -ENOMEM, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->every_sec = o->every_sec ? o->every_sec : DEFENDER_SCAN_EVERY_SEC;
	s->timeout_sec = o->timeout_sec ? o->timeout_sec : DEFENDER_SCAN_TIMEOUT_SEC;
	s->db = strdup(o->db);
	s->scanners = dup_or_null(o->scanners);
	s->console = strdup(o->console);
	s->token = strdup(o->token);
	s->cacert = dup_or_null(o->cacert);
	s->known = json_object();
	r = !s->db || !s->console || !s->token || !s->known ||
	    (o->scanners && !s->scanners) || (o->cacert && !s->cacert)
		    ? moat_error_set(err, -ENOMEM, "out of memory") : split_globs(s, o->images, err);
	if (r == 0)
		r = paths(s, o->state_dir, err);
	if (r == 0) {
		load_state(s);
		r = -pthread_create(&s->thread, NULL, worker, s);
		if (r < 0)
			moat_error_set(err, r, "image scans: no worker thread: %s", strerror(-r));
		s->started = r == 0;
	}
	if (r < 0) {
		defender_scan_close(s);
		return r;
	}
	*ret = s;
	return 0;
}

void defender_scan_close(struct defender_scan *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;     /* the scan child, if any, is killed at the next poll */
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->started)
		pthread_join(s->thread, NULL);
	if (s->token)
		explicit_bzero(s->token, strlen(s->token));
	free(s->db);
	free(s->scanners);
	free(s->console);
	free(s->token);
	free(s->cacert);
	free(s->globs);
	json_decref(s->known);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}
