/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.c - one JSON line per admission decision, appended with a single
 * write(2) under a lock so concurrent decisions never interleave; and, with
 * an uplink, the same decision as a console event of kind "admission"
 * (spooled on disk first, so a console that is down loses none).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admit.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "uplink/uplink.h"

struct moat_audit {
	int fd;                         /* -1: no file, the uplink only */
	struct moat_uplink *uplink;     /* borrowed, may be NULL */
	pthread_mutex_t mu;
	uint64_t allowed, denied, warned;       /* atomics: the decisions written */
};

int moat_audit_open(const char *path, struct moat_audit **ret, struct moat_error *err)
{
	struct moat_audit *a;

	if (!path) {
		*ret = NULL;
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return moat_error_set(err, -ENOMEM, "out of memory");
	a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (a->fd < 0) {
		int r = moat_error_set(err, -errno, "--audit %s: %s", path, strerror(errno));

		free(a);
		return r;
	}
	pthread_mutex_init(&a->mu, NULL);
	*ret = a;
	return 0;
}

int moat_audit_add_uplink(struct moat_audit **a, struct moat_uplink *up, struct moat_error *err)
{
	if (!*a) {
		*a = calloc(1, sizeof(**a));
		if (!*a)
			return moat_error_set(err, -ENOMEM, "out of memory");
		(*a)->fd = -1;
		pthread_mutex_init(&(*a)->mu, NULL);
	}
	(*a)->uplink = up;
	return 0;
}

void moat_audit_close(struct moat_audit *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static void msgs(struct moat_jw *jw, const char *key, const struct moat_finding_msg *m, size_t n)
{
	moat_jw_key(jw, key);
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < n; i++) {
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "rule", m[i].rule);
		if (m[i].container)
			moat_jw_kstr(jw, "container", m[i].container);
		moat_jw_kstr(jw, "message", m[i].msg);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

/* The decision's fields, shared by the audit line and the console event. */
static void decision_fields(struct moat_jw *jw, const char *source, const char *action,
			    const char *object, const char *user, const char *image,
			    const struct moat_decision *d, bool dry_run)
{
	moat_jw_kstr(jw, "source", source);
	moat_jw_kbool(jw, "allow", d->allow);
	moat_jw_kstr(jw, "action", action);
	moat_jw_kstr(jw, "object", object);
	moat_jw_kstr(jw, "user", user);
	if (image)
		moat_jw_kstr(jw, "image", image);
	if (dry_run)
		moat_jw_kbool(jw, "dry_run", true);
	if (d->skipped)
		moat_jw_kbool(jw, "skipped", true);
	if (d->failed_open)
		moat_jw_kbool(jw, "failed_open", true);
	msgs(jw, "reasons", d->reasons, d->n_reasons);
	msgs(jw, "warnings", d->warnings, d->n_warnings);
}

/* The decision as a console event (moat.alert/v1 shape, kind "admission");
 * the spool gives it its unique event id. */
static int to_console(struct moat_audit *a, const char *when, const char *source,
		      const char *action, const char *object, const char *user, const char *image,
		      const struct moat_decision *d, bool dry_run)
{
	struct moat_buf b;
	struct moat_jw jw;
	int r;

	moat_buf_init(&b, 1u << 20);
	moat_jw_init(&jw, &b, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "time", when);
	moat_jw_kstr(&jw, "kind", "admission");
	moat_jw_kstr(&jw, "rule", d->n_reasons ? d->reasons[0].rule : d->allow ? "allowed" :
		     "denied");
	moat_jw_kstr(&jw, "severity", d->allow ? "info" : "warning");
	moat_jw_kstr(&jw, "output", d->n_reasons ? d->reasons[0].msg : d->allow ? "allowed" :
		     "denied");
	if (image) {
		moat_jw_key(&jw, "container");
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "image", image);
		moat_jw_obj_end(&jw);
	}
	moat_jw_key(&jw, "details");
	moat_jw_obj_begin(&jw);
	decision_fields(&jw, source, action, object, user, image, d, dry_run);
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_uplink_push(a->uplink, (const char *)b.data, b.len, NULL);
	moat_buf_release(&b);
	return r;
}

int moat_audit_write(struct moat_audit *a, const char *source, const char *action,
		     const char *object, const char *user, const char *image,
		     const struct moat_decision *d, bool dry_run)
{
	struct timespec ts;
	struct tm tm;
	char when[64];
	struct moat_buf b;
	struct moat_jw jw;
	ssize_t w;
	int r;

	if (!a)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + strlen(when), sizeof(when) - strlen(when), ".%03ldZ", ts.tv_nsec / 1000000);
	moat_buf_init(&b, 1u << 20);
	moat_jw_init(&jw, &b, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "time", when);
	decision_fields(&jw, source, action, object, user, image, d, dry_run);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_buf_putc(&b, '\n');
	if (r == 0 && a->fd >= 0) {
		pthread_mutex_lock(&a->mu);
		w = write(a->fd, b.data, b.len);
		r = w == (ssize_t)b.len ? 0 : w < 0 ? -errno : -EIO;
		pthread_mutex_unlock(&a->mu);
	}
	moat_buf_release(&b);
	__atomic_add_fetch(d->allow ? &a->allowed : &a->denied, 1, __ATOMIC_RELAXED);
	if (d->allow && d->n_warnings)
		__atomic_add_fetch(&a->warned, 1, __ATOMIC_RELAXED);
	/* the spool is durable like the audit file: its failure counts the same */
	if (r == 0 && a->uplink)
		r = to_console(a, when, source, action, object, user, image, d, dry_run);
	return r;
}

void moat_audit_counts(struct moat_audit *a, struct moat_audit_counts *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (!a)
		return;
	ret->allowed = __atomic_load_n(&a->allowed, __ATOMIC_RELAXED);
	ret->denied = __atomic_load_n(&a->denied, __ATOMIC_RELAXED);
	ret->warned = __atomic_load_n(&a->warned, __ATOMIC_RELAXED);
}
