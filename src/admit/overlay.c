/* SPDX-License-Identifier: Apache-2.0 */
/*
 * overlay.c - the console's policies in force (admit.h): a refcounted
 * immutable snapshot. Request threads take a reference under a mutex held
 * for a pointer copy and an increment; a new set swaps the pointer; the
 * last holder of the old one frees it. No request ever sees half a set.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit-int.h"
#include "admit.h"
#include "base/arena.h"
#include "moat/error.h"

struct snap {
	unsigned refs;                  /* under moat_admit_overlays.mu */
	struct moat_policy **list;
	struct moat_verdict_source *srcs;
	size_t n;
	char label[80];
};

struct moat_admit_overlays {
	pthread_mutex_t mu;
	struct snap *cur;               /* under mu; NULL: none in force */
};

static void snap_free(struct snap *s)
{
	if (!s)
		return;
	moat_policy_list_free(s->list, s->n);
	free(s->srcs);
	free(s);
}

int moat_admit_overlays_new(struct moat_admit_overlays **ret)
{
	struct moat_admit_overlays *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	pthread_mutex_init(&o->mu, NULL);
	*ret = o;
	return 0;
}

void moat_admit_overlays_free(struct moat_admit_overlays *o)
{
	if (!o)
		return;
	snap_free(o->cur);
	pthread_mutex_destroy(&o->mu);
	free(o);
}

static struct snap *get(struct moat_admit_overlays *o)
{
	struct snap *s;

	pthread_mutex_lock(&o->mu);
	s = o->cur;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&o->mu);
	return s;
}

static void put(struct moat_admit_overlays *o, struct snap *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&o->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&o->mu);
	if (last)
		snap_free(s);
}

int moat_admit_overlays_set(struct moat_admit_overlays *o, struct moat_policy **list, size_t n,
			    const struct moat_verdict_source *srcs, const char *label)
{
	struct snap *s = calloc(1, sizeof(*s)), *old;

	if (!s || !(s->srcs = calloc(n + 1, sizeof(*s->srcs)))) {
		free(s);
		moat_policy_list_free(list, n);
		return -ENOMEM;
	}
	s->refs = 1;            /* the set's own reference: dropped when replaced */
	s->list = list;
	s->n = n;
	if (n && srcs)
		memcpy(s->srcs, srcs, n * sizeof(*srcs));
	snprintf(s->label, sizeof(s->label), "%s", label ? label : "");
	pthread_mutex_lock(&o->mu);
	old = o->cur;
	o->cur = s;
	pthread_mutex_unlock(&o->mu);
	put(o, old);
	return 0;
}

void moat_admit_overlays_label(struct moat_admit_overlays *o, char *out, size_t len)
{
	struct snap *s = get(o);

	snprintf(out, len, "%s", s ? s->label : "");
	put(o, s);
}

void admit_keep_trust(struct moat_decision *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n_reasons; i++)
		if (!strcmp(d->reasons[i].rule, "trusted_images"))
			d->reasons[k++] = d->reasons[i];
	d->n_reasons = k;
	k = 0;
	for (size_t i = 0; i < d->n_warnings; i++)
		if (!strcmp(d->warnings[i].rule, "trusted_images"))
			d->warnings[k++] = d->warnings[i];
	d->n_warnings = k;
	d->allow = d->n_reasons == 0;
}

static bool same(const struct moat_finding_msg *a, const struct moat_finding_msg *b)
{
	return !strcmp(a->rule, b->rule) && !strcmp(a->msg, b->msg) && !a->container == !b->container &&
	       (!a->container || !strcmp(a->container, b->container));
}

/* Name the console policy in each of its findings ("... (console policy
 * NAME (ID))"), so an operator knows where a denial comes from; a finding
 * the decision already has (the local policy says the same) is dropped. */
static int name_findings(struct moat_finding_msg *list, size_t *n, const struct moat_decision *d,
			 const char *origin, struct moat_arena *arena)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		bool dup = false;

		for (size_t j = 0; j < d->n_reasons && !dup; j++)
			dup = same(&list[i], &d->reasons[j]);
		for (size_t j = 0; j < d->n_warnings && !dup; j++)
			dup = same(&list[i], &d->warnings[j]);
		if (dup)
			continue;
		list[k] = list[i];
		list[k].msg = moat_arena_printf(arena, "%s (%s)", list[i].msg, origin);
		if (!list[k].msg)
			return MOAT_E_LIMIT;
		k++;
	}
	*n = k;
	return 0;
}

/* one's findings, named after policy, into d: a console policy looked at it. */
static int add_one(struct moat_decision *d, struct moat_decision *one,
		   const struct moat_policy *policy, struct moat_arena *arena)
{
	int r = name_findings(one->reasons, &one->n_reasons, d, moat_policy_origin(policy), arena);

	if (r == 0)
		r = name_findings(one->warnings, &one->n_warnings, d, moat_policy_origin(policy),
				  arena);
	if (r == 0) {
		r = moat_decision_merge(d, one, arena);
		d->skipped = false;
	}
	return r;
}

int moat_admit_overlays_decide(struct moat_admit_overlays *o, const struct moat_workload *w,
			       const struct moat_verdict_source *own, bool dry_run, bool transfer,
			       struct moat_arena *arena, struct moat_decision *d)
{
	struct snap *s = o ? get(o) : NULL;
	int r = 0;

	for (size_t i = 0; s && r == 0 && i < s->n; i++) {
		const struct moat_verdict_source *src = s->srcs[i].lookup ? &s->srcs[i] : own;
		struct moat_decision one;

		r = moat_policy_decide(s->list[i], w, transfer ? NULL : src, dry_run || transfer,
				       arena, &one);
		if (r == 0 && transfer)
			admit_keep_trust(&one);
		if (r == 0 && !one.skipped)
			r = add_one(d, &one, s->list[i], arena);
	}
	put(o, s);
	return r;
}

bool moat_admit_overlays_comply(struct moat_admit_overlays *o)
{
	struct snap *s = o ? get(o) : NULL;
	bool any = false;

	for (size_t i = 0; s && !any && i < s->n; i++)
		any = moat_policy_comply_has(s->list[i], "k8s");
	put(o, s);
	return any;
}

int moat_admit_overlays_review(struct moat_admit_overlays *o, const struct moat_review *rv,
			       struct moat_arena *arena, struct moat_decision *d,
			       struct moat_error *err)
{
	struct snap *s = o ? get(o) : NULL;
	int r = 0;

	for (size_t i = 0; s && r == 0 && i < s->n; i++) {
		struct moat_decision one;

		if (!moat_policy_comply_has(s->list[i], "k8s"))
			continue;
		/* its scope (namespaces, labels, images) against the object; every rule
		 * of a compliance policy is off, so nothing else is decided */
		r = moat_policy_decide(s->list[i], &rv->workload, NULL, true, arena, &one);
		if (r == 0 && !one.skipped)
			r = moat_review_checks(s->list[i], rv, arena, &one, err);
		if (r == 0 && !one.skipped)
			r = add_one(d, &one, s->list[i], arena);
		if (r < 0 && !err->msg[0])
			moat_error_set(err, r, "out of request memory");
	}
	put(o, s);
	return r;
}
