/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-eval.c - decide on a workload: scope, then every enabled rule of
 * the table over the workload, each container and each container's image.
 * Blocking findings deny; alert findings become warnings. An image verdict
 * the source cannot give is decided by the failure mode (open: warn and
 * allow; closed: deny).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "moat/error.h"
#include "policy-int.h"

#define POLICY_MSG_MAX 512

struct eval {
	struct moat_arena *arena;
	struct moat_decision *d;
	size_t cap_reasons;
	size_t cap_warnings;
	int err;
};

static void add(struct eval *ev, bool block, const char *rule, const char *container,
		const char *msg)
{
	struct moat_finding_msg **list = block ? &ev->d->reasons : &ev->d->warnings;
	size_t *n = block ? &ev->d->n_reasons : &ev->d->n_warnings;
	size_t *cap = block ? &ev->cap_reasons : &ev->cap_warnings;
	struct moat_finding_msg *m;

	if (ev->err)
		return;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		void *grown = moat_arena_grow(ev->arena, *list, *cap, nc, sizeof(**list));

		if (!grown) {
			ev->err = MOAT_E_LIMIT;
			return;
		}
		*list = grown;
		*cap = nc;
	}
	m = &(*list)[(*n)++];
	m->rule = rule;
	m->container = container ? moat_arena_strdup(ev->arena, container) : NULL;
	m->msg = moat_arena_strdup(ev->arena, msg);
	if (!m->msg || (container && !m->container))
		ev->err = MOAT_E_LIMIT;
}

static bool labels_match(json_t *want, const json_t *have)
{
	const char *k;
	json_t *v;

	json_object_foreach(want, k, v) {
		const json_t *h = json_is_object(have) ? json_object_get(have, k) : NULL;

		if (!json_is_string(h) || !json_equal(h, v))
			return false;
	}
	return true;
}

/* Out of scope: allowed without evaluation (skipped). Namespace filters
 * apply only to workloads that have a namespace (Kubernetes). */
static bool in_scope(const struct moat_policy *p, const struct moat_workload *w)
{
	if (w->namespace) {
		if (p->namespaces.n && !policy_strs_has(&p->namespaces, w->namespace))
			return false;
		if (policy_strs_has(&p->exclude_namespaces, w->namespace))
			return false;
	}
	if (p->match_labels && !labels_match(p->match_labels, w->labels))
		return false;
	for (size_t i = 0; p->images.n && i < w->n_containers; i++)
		if (w->containers[i].image && policy_image_match(&p->images, w->containers[i].image))
			return true;
	return !p->images.n; /* scope.images: a workload running none of them is out */
}

/* scope.images: the container rules look at the containers running them only. */
static bool container_in_scope(const struct moat_policy *p, const struct moat_container *c)
{
	return !p->images.n || (c->image && policy_image_match(&p->images, c->image));
}

static const char *cname(const struct moat_container *c)
{
	return c->name ? c->name : c->image;
}

/* The image's verdict; a failed lookup follows the failure mode. */
static void lookup(const struct moat_policy *p, const struct moat_container *c,
		   const struct moat_verdict_source *src, bool dry_run, struct eval *ev,
		   struct moat_image_verdict *v)
{
	char msg[POLICY_MSG_MAX];
	unsigned flags = 0;

	memset(v, 0, sizeof(*v));
	if (!src || !src->lookup || !c->image)
		return;
	if (dry_run || p->scan_mode == MOAT_POLICY_SCAN_NONE)
		flags |= MOAT_VERDICT_PEEK;
	else if (p->scan_mode == MOAT_POLICY_SCAN_SYNC)
		flags |= MOAT_VERDICT_SYNC;
	if (src->lookup(src->ctx, c->image, flags, p->scan_timeout, ev->arena, v) < 0) {
		memset(v, 0, sizeof(*v));
		v->state = MOAT_VERDICT_ERROR;
		v->summary = "the image verdict is unavailable";
	}
	if (v->state != MOAT_VERDICT_ERROR)
		return;
	snprintf(msg, sizeof(msg), "image %s could not be checked: %s (failure mode %s)",
		 c->image, v->summary ? v->summary : "unknown error",
		 p->fail_open ? "open" : "closed");
	add(ev, !p->fail_open, "scan_error", cname(c), msg);
	ev->d->failed_open |= p->fail_open;
}

static void run_rule(const struct policy_rule_def *def, const struct policy_rule *rule,
		     const struct policy_ctx *cx, struct eval *ev)
{
	char msg[POLICY_MSG_MAX];

	msg[0] = '\0';
	if (!def->hit(cx, rule, msg, sizeof(msg)))
		return;
	add(ev, rule->action == MOAT_POLICY_BLOCK, def->id, cx->c ? cname(cx->c) : NULL, msg);
}

static void eval_container(const struct moat_policy *p, struct policy_ctx *cx,
			   const struct moat_verdict_source *src, bool dry_run, struct eval *ev)
{
	struct moat_image_verdict v;
	bool need_image = false;

	for (size_t i = 0; i < policy_n_rule_defs; i++) {
		const struct policy_rule_def *def = &policy_rule_defs[i];

		if (p->rules[i].action == MOAT_POLICY_OFF)
			continue;
		if (def->scope == POLICY_SCOPE_CONTAINER)
			run_rule(def, &p->rules[i], cx, ev);
		need_image |= def->scope == POLICY_SCOPE_IMAGE;
	}
	if (!need_image || !cx->c->image)
		return; /* an exec, or a container without an image: nothing to look up */
	lookup(p, cx->c, src, dry_run, ev, &v);
	cx->verdict = &v;
	for (size_t i = 0; i < policy_n_rule_defs; i++)
		if (p->rules[i].action != MOAT_POLICY_OFF &&
		    policy_rule_defs[i].scope == POLICY_SCOPE_IMAGE)
			run_rule(&policy_rule_defs[i], &p->rules[i], cx, ev);
	cx->verdict = NULL;
}

int moat_policy_decide(const struct moat_policy *p, const struct moat_workload *w,
		       const struct moat_verdict_source *src, bool dry_run,
		       struct moat_arena *arena, struct moat_decision *ret)
{
	struct moat_decision d = { .allow = true };
	struct eval ev = { .arena = arena, .d = &d };
	struct policy_ctx cx = { .policy = p, .w = w };

	if (!in_scope(p, w)) {
		d.skipped = true;
		*ret = d;
		return 0;
	}
	for (size_t i = 0; i < policy_n_rule_defs; i++)
		if (p->rules[i].action != MOAT_POLICY_OFF &&
		    policy_rule_defs[i].scope == POLICY_SCOPE_WORKLOAD)
			run_rule(&policy_rule_defs[i], &p->rules[i], &cx, &ev);
	for (size_t i = 0; i < w->n_containers; i++) {
		cx.c = &w->containers[i];
		if (container_in_scope(p, cx.c))
			eval_container(p, &cx, src, dry_run, &ev);
	}
	if (ev.err)
		return ev.err;
	d.allow = d.n_reasons == 0;
	*ret = d;
	return 0;
}

const char *moat_decision_summary(const struct moat_decision *d, bool warnings,
				  struct moat_arena *arena)
{
	const struct moat_finding_msg *list = warnings ? d->warnings : d->reasons;
	size_t n = warnings ? d->n_warnings : d->n_reasons;
	size_t len = 1;
	char *out, *o;

	for (size_t i = 0; i < n; i++)
		len += strlen(list[i].rule) + strlen(list[i].msg) + 4;
	out = moat_arena_alloc(arena, len);
	if (!out)
		return "";
	o = out;
	for (size_t i = 0; i < n; i++)
		o += snprintf(o, len - (size_t)(o - out), "%s%s: %s", i ? "; " : "", list[i].rule,
			      list[i].msg);
	*o = '\0';
	return out;
}

static bool has_msg(const struct moat_finding_msg *list, size_t n, const struct moat_finding_msg *m)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].rule, m->rule) && !strcmp(list[i].msg, m->msg) &&
		    !list[i].container == !m->container &&
		    (!m->container || !strcmp(list[i].container, m->container)))
			return true;
	return false;
}

static int merge_list(struct moat_finding_msg **into, size_t *n, const struct moat_finding_msg *add,
		      size_t n_add, struct moat_arena *arena)
{
	struct moat_finding_msg *grown;
	size_t k = *n;

	if (!n_add)
		return 0;
	grown = moat_arena_alloc(arena, (*n + n_add) * sizeof(*grown));
	if (!grown)
		return MOAT_E_LIMIT;
	if (*n)
		memcpy(grown, *into, *n * sizeof(*grown));
	for (size_t i = 0; i < n_add; i++)
		if (!has_msg(grown, k, &add[i]))
			grown[k++] = add[i];
	*into = grown;
	*n = k;
	return 0;
}

int moat_decision_merge(struct moat_decision *into, const struct moat_decision *add,
			struct moat_arena *arena)
{
	if (merge_list(&into->reasons, &into->n_reasons, add->reasons, add->n_reasons, arena) < 0 ||
	    merge_list(&into->warnings, &into->n_warnings, add->warnings, add->n_warnings,
		       arena) < 0)
		return MOAT_E_LIMIT;
	into->failed_open |= add->failed_open;
	into->allow = into->n_reasons == 0;
	return 0;
}
