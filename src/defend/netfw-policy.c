/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-policy.c - the console's firewall and baseline policies in the
 * container firewall (docs/console.md, "Firewall policies"). A container
 * under block-mode firewall policies gets a kernel policy id of its own, a
 * profile per (image, set of those policies): its allow keys are the
 * policies' allow flows and the --net-rules allow rules (and the learned
 * model unless a policy says default deny), its deny keys the policies'
 * deny flows, refused in any mode. Alert-mode policies never reach the
 * kernel: they only change what is reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpolicy.h"
#include "netfw-int.h"

void moat_netfw_set_policy(struct moat_netfw *nf, const struct moat_cpolicy *cp)
{
	nf->policy = cp;
	nf->n_profiles = 0;             /* rebuilt by the views of the next sync */
	nf->sync_needed = true;
	nf->peers_now = true;           /* at the next tick, not in a second */
}

static void target_of(const struct moat_peer *p, struct moat_scope_target *t)
{
	*t = (struct moat_scope_target){ .image_id = p->image_id, .image_ref = p->image,
					 .k8s_ns = p->k8s_ns, .labels = p->labels };
}

/* The network's learning window under a baseline policy: from the oldest
 * entry of the image's network model (none yet: still learning). */
static enum moat_state_mode policy_mode(const struct nf_image *img, enum moat_state_mode mode,
					uint64_t learn_sec)
{
	uint64_t start = 0;

	for (size_t i = 0; learn_sec && i < img->model.n; i++) {
		uint64_t f = (uint64_t)img->model.v[i].first_seen;

		if (f && (!start || f < start))
			start = f;
	}
	return moat_cpolicy_window(mode, learn_sec, start, (uint64_t)time(NULL));
}

static long profile_get(struct moat_netfw *nf, uint32_t img_policy, uint64_t block)
{
	for (size_t i = 0; i < nf->n_profiles; i++)
		if (nf->profiles[i].img_policy == img_policy && nf->profiles[i].block == block)
			return (long)i;
	if (nf->n_profiles == MOAT_NF_CGROUP_MAX)
		return -1;
	if (nf->n_profiles == nf->cap_profiles) {
		size_t nc = nf->cap_profiles ? nf->cap_profiles * 2 : 16;
		struct nf_profile *v = realloc(nf->profiles, nc * sizeof(*v));

		if (!v)
			return -1;
		nf->profiles = v;
		nf->cap_profiles = nc;
	}
	nf->profiles[nf->n_profiles] = (struct nf_profile){ img_policy, block };
	nf->sync_needed = true;
	return (long)nf->n_profiles++;
}

static bool from_matches(const struct moat_net_entry *e, const struct nf_image *img)
{
	return moat_cpol_image_matches(e->from, img->image_id, img->ref);
}

void nf_view(struct moat_netfw *nf, const struct moat_peer *p, struct nf_image *img,
	     struct nf_view *v)
{
	struct moat_scope_target t;
	enum moat_state_mode mode;
	uint64_t learn_sec, mask;
	const char *name;
	long prof;

	memset(v, 0, sizeof(*v));
	v->policy = img->policy;
	v->mode = img->mode;
	if (nf->policy && p) {
		target_of(p, &t);
		if (moat_cpolicy_baseline(nf->policy, &t, &mode, &learn_sec, &name) == 1)
			v->mode = policy_mode(img, mode, learn_sec);
		mask = moat_cpolicy_firewall(nf->policy, &t);
		for (size_t i = 0; i < moat_cpolicy_count(nf->policy); i++) {
			const struct moat_cpol *cp = moat_cpolicy_get(nf->policy, i);

			if (!((mask >> i) & 1))
				continue;
			if (cp->block) {
				v->block |= 1ull << i;
				v->dd_block |= cp->default_deny;
				for (size_t f = 0; f < cp->n_flows; f++)
					v->deny |= cp->flows[f].deny && from_matches(&cp->flows[f], img);
			} else {
				v->alert |= 1ull << i;
				v->dd_alert |= cp->default_deny;
			}
		}
	}
	v->enforce = v->mode == MOAT_STATE_ENFORCE || v->dd_block;
	if (!v->block)
		return;
	prof = profile_get(nf, img->policy, v->block);
	if (prof < 0) {
		nf_warn(nf, "firewall: more than %u console policy profiles; %s keeps its image's",
			MOAT_NF_CGROUP_MAX, p ? p->name : "?");
		v->deny = false;
		v->enforce = v->mode == MOAT_STATE_ENFORCE;
		return;
	}
	v->policy = MOAT_NF_PROFILE_BASE + (uint32_t)prof;
}

void nf_profile_entries(struct moat_netfw *nf, size_t i, nf_entry_fn fn, void *ctx)
{
	const struct nf_profile *pr = &nf->profiles[i];
	const struct nf_image *img = pr->img_policy && pr->img_policy <= nf->n_imgs
				     ? &nf->imgs[pr->img_policy - 1] : NULL;
	uint32_t id = MOAT_NF_PROFILE_BASE + (uint32_t)i;
	bool dd = false;

	if (!img || !nf->policy)
		return;
	for (size_t k = 0; k < moat_cpolicy_count(nf->policy); k++) {
		const struct moat_cpol *cp = moat_cpolicy_get(nf->policy, k);

		if (!((pr->block >> k) & 1))
			continue;
		dd |= cp->default_deny;
		for (size_t f = 0; f < cp->n_flows; f++)
			if (from_matches(&cp->flows[f], img))
				fn(ctx, id, img, &cp->flows[f]);
	}
	for (size_t r = 0; r < nf->rules.n; r++) {
		const struct moat_net_entry *e = &nf->rules.v[r];

		if (!e->deny && moat_net_image_matches(e->from, img->image_id, img->ref))
			fn(ctx, id, img, e);
	}
	for (size_t m = 0; !dd && m < img->model.n; m++)
		fn(ctx, id, img, &img->model.v[m].e);
}

/* The first flow of the policies in mask (deny or allow) that the
 * connection falls under, from image img; NULL: none. */
static const struct moat_net_entry *flow_find(struct moat_netfw *nf, uint64_t mask, bool deny,
					      const struct nf_image *img,
					      const struct moat_net_conn *c)
{
	for (size_t k = 0; mask && k < moat_cpolicy_count(nf->policy); k++) {
		const struct moat_cpol *cp = moat_cpolicy_get(nf->policy, k);

		if (!((mask >> k) & 1))
			continue;
		for (size_t f = 0; f < cp->n_flows; f++) {
			const struct moat_net_entry *e = &cp->flows[f];

			if (e->deny == deny && from_matches(e, img) && moat_net_entry_matches(e, c))
				return e;
		}
	}
	return NULL;
}

const struct moat_net_entry *nf_policy_denies(struct moat_netfw *nf, const struct nf_view *v,
					      const struct nf_image *img,
					      const struct moat_net_conn *c)
{
	const struct moat_net_entry *e = flow_find(nf, v->block, true, img, c);

	return e ? e : flow_find(nf, v->alert, true, img, c);
}

bool nf_policy_allows(struct moat_netfw *nf, uint64_t mask, const struct nf_image *img,
		      const struct moat_net_conn *c)
{
	return flow_find(nf, mask, false, img, c) != NULL;
}

const char *nf_policy_default_deny(struct moat_netfw *nf, uint64_t mask, char *buf, size_t cap)
{
	for (size_t k = 0; k < moat_cpolicy_count(nf->policy); k++) {
		const struct moat_cpol *cp = moat_cpolicy_get(nf->policy, k);

		if (((mask >> k) & 1) && cp->default_deny) {
			snprintf(buf, cap, "console:%.54s", cp->name);
			return buf;
		}
	}
	return NULL;
}
