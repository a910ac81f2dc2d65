/* SPDX-License-Identifier: Apache-2.0 */
/*
 * review-checks.c - the manifest checks of `moat comply k8s` (comply/k8s.h)
 * on the object of an AdmissionReview, with the policy's comply.k8s
 * section: a failing check at block denies (its id and YAML path in the
 * reason), at alert it is a warning the API server shows to the kubectl
 * user, off it is not looked at. The same policy file gates `moat comply
 * k8s` in CI, so what CI passes is what admission lets in.
 */
#include <string.h>

#include "admit.h"
#include "base/arena.h"
#include "comply/k8s.h"
#include "moat/error.h"

/* Grow one of the decision's arrays by n entries (arena; the old ones stay). */
static struct moat_finding_msg *grow(struct moat_arena *arena, struct moat_finding_msg **list,
				     size_t *count, size_t n)
{
	struct moat_finding_msg *m = moat_arena_calloc(arena, *count + n, sizeof(*m));

	if (!m)
		return NULL;
	if (*count)
		memcpy(m, *list, *count * sizeof(*m));
	*list = m;
	return m + *count;
}

/* Add each finding whose check is not off to d. */
static int add_findings(const struct moat_policy *policy, const struct moat_k8s_finding *f,
			size_t n, struct moat_arena *arena, struct moat_decision *d)
{
	size_t n_block = 0, n_alert = 0;
	struct moat_finding_msg *block, *alert;

	for (size_t i = 0; i < n; i++) {
		enum moat_policy_action a =
			moat_policy_comply_action(policy, "k8s", f[i].check->info.id);

		n_block += a == MOAT_POLICY_BLOCK;
		n_alert += a == MOAT_POLICY_ALERT;
	}
	block = n_block ? grow(arena, &d->reasons, &d->n_reasons, n_block) : NULL;
	alert = n_alert ? grow(arena, &d->warnings, &d->n_warnings, n_alert) : NULL;
	if ((n_block && !block) || (n_alert && !alert))
		return MOAT_E_LIMIT;
	for (size_t i = 0; i < n; i++) {
		enum moat_policy_action a =
			moat_policy_comply_action(policy, "k8s", f[i].check->info.id);
		struct moat_finding_msg *m = a == MOAT_POLICY_BLOCK   ? block++
					     : a == MOAT_POLICY_ALERT ? alert++
								      : NULL;

		if (!m)
			continue;
		m->rule = f[i].check->info.id;
		m->msg = moat_arena_printf(arena, "%s: %s", f[i].path, f[i].message);
		if (!m->msg)
			return MOAT_E_LIMIT;
	}
	d->n_reasons += n_block;
	d->n_warnings += n_alert;
	if (n_block)
		d->allow = false;
	return 0;
}

int moat_review_checks(const struct moat_policy *policy, const struct moat_review *rv,
		       struct moat_arena *arena, struct moat_decision *d, struct moat_error *err)
{
	struct moat_k8s_scan *scan = NULL;
	const struct moat_k8s_finding *f;
	size_t n = 0;
	int r;

	if (!rv->object || !moat_policy_comply_has(policy, "k8s") ||
	    !moat_k8s_checked_kind(rv->kind))
		return 0;
	r = moat_k8s_open(&scan, err);
	if (r == 0)
		r = moat_k8s_add_object(scan, "request.object", rv->object, rv->kind, err);
	if (r == 0)
		r = moat_k8s_finish(scan, err);
	if (r == 0) {
		f = moat_k8s_findings(scan, &n);
		r = add_findings(policy, f, n, arena, d);
		if (r < 0)
			moat_error_set(err, r, "out of request memory");
	}
	moat_k8s_close(scan);
	return r;
}
