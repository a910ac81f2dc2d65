/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-policy.c - the console's baseline policies over the images'
 * own modes (docs/console.md, "Baseline policies"): while a policy applies
 * to a container, its mode is the policy's, whatever `moat baseline mode`
 * says for the image; a local change is logged and left on disk, in force
 * again once no policy holds the container.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "baseline-int.h"
#include "cpolicy.h"

static void target_of(const struct moat_container *c, struct moat_scope_target *t)
{
	*t = (struct moat_scope_target){ .image_id = c->image_id, .image_ref = c->image,
					 .k8s_ns = c->k8s_ns, .labels = c->labels };
}

static void cg_lookup(struct moat_baselines *b, struct bl_cgroup *cg)
{
	struct moat_scope_target t;
	const char *name = NULL;

	if (cg->pol_gen == b->pol_gen)
		return;
	cg->pol_gen = b->pol_gen;
	target_of(&cg->c, &t);
	cg->pol = moat_cpolicy_baseline(b->policy, &t, &cg->pol_mode, &cg->pol_learn_sec,
					&name) == 1;
	snprintf(cg->pol_name, sizeof(cg->pol_name), "%s", cg->pol ? name : "");
}

/* learn_minutes counts from the model's first learned record. */
static enum moat_state_mode policy_mode(const struct bl_image *img, enum moat_state_mode mode,
					uint64_t learn_sec)
{
	return moat_cpolicy_window(mode, learn_sec, img->model.learn_start, (uint64_t)time(NULL));
}

enum moat_state_mode bl_mode(struct moat_baselines *b, struct bl_image *img, struct bl_cgroup *cg,
			     const struct moat_container *c)
{
	struct moat_scope_target t;
	enum moat_state_mode mode;
	uint64_t learn_sec;
	const char *name;

	if (!b->policy)
		return img->mode;
	if (cg) {
		cg_lookup(b, cg);
		return cg->pol ? policy_mode(img, cg->pol_mode, cg->pol_learn_sec) : img->mode;
	}
	target_of(c, &t);
	if (moat_cpolicy_baseline(b->policy, &t, &mode, &learn_sec, &name) != 1)
		return img->mode;
	return policy_mode(img, mode, learn_sec);
}

void bl_policy_tick(struct moat_baselines *b)
{
	for (size_t i = 0; i < b->cgroups.cap; i++) {
		struct bl_cgroup *cg = b->cgroups.slots[i].value;
		enum moat_state_mode now;

		if (!b->cgroups.slots[i].key)
			continue;
		now = bl_mode(b, cg->img, cg, &cg->c);
		if (now == cg->eff)
			continue;
		fprintf(stderr, "moat defender: baseline of %s in %s: %s (%s%s)\n",
			cg->img->image_id, cg->c.name[0] ? cg->c.name : cg->c.id,
			moat_state_mode_name(now), cg->pol ? "console policy " : "the image's mode",
			cg->pol ? cg->pol_name : "");
		cg->eff = now;
		if (now == MOAT_STATE_ENFORCE && !cg->img->exes_ok && b->kernel)
			bl_image_install_exes(b, cg->img);
		bl_cgroup_enforce(b, cg, now == MOAT_STATE_ENFORCE);
	}
}

void bl_policy_note_local(struct moat_baselines *b, const struct bl_image *img)
{
	for (size_t i = 0; b->policy && i < b->cgroups.cap; i++) {
		struct bl_cgroup *cg = b->cgroups.slots[i].value;

		if (!b->cgroups.slots[i].key || cg->img != img)
			continue;
		cg_lookup(b, cg);
		if (cg->pol && cg->pol_mode != img->mode)
			fprintf(stderr, "moat defender: baseline of %s: the local mode %s does not "
				"apply to %s while console policy %s sets %s\n", img->image_id,
				moat_state_mode_name(img->mode),
				cg->c.name[0] ? cg->c.name : cg->c.id, cg->pol_name,
				moat_state_mode_name(cg->pol_mode));
	}
}

void moat_baselines_set_policy(struct moat_baselines *b, const struct moat_cpolicy *cp)
{
	b->policy = cp;
	b->pol_gen++;
	bl_policy_tick(b);
}
