/* SPDX-License-Identifier: Apache-2.0 */
/* baseline-int.h - what baseline.c and baseline-image.c share. */
#ifndef MOAT_DEFEND_BASELINE_INT_H
#define MOAT_DEFEND_BASELINE_INT_H

#include "base/hmap.h"
#include "baseline.h"

/* One image's model in the defender. */
struct bl_image {
	char key[MOAT_STATE_KEY_LEN + 1];
	char image_id[MOAT_STATE_KEY_LEN + 8];   /* "sha256:<key>" */
	struct moat_bl_model model;       /* what is checked: the file plus what was learned */
	struct moat_bl_model fresh;       /* learned since the last flush */
	enum moat_state_mode mode;
	struct moat_state_stamp model_stamp;    /* of baseline.json as last read or written */
	struct moat_state_stamp mode_stamp;
	struct moat_hmap reported;        /* "kind\titem" alerted since the model last changed */
	uint32_t slot;                    /* kernel allow-list slot */
	uint64_t containers;
	bool dirty;                       /* fresh holds something */
	bool broken;                      /* the file did not load: kept, not overwritten */
	bool exes_ok;                     /* the kernel holds the model's exes for slot */
};

/* One container (cgroup v2 id) seen in a record. */
struct bl_cgroup {
	uint64_t id;
	struct bl_image *img;
	struct moat_container c;          /* a copy, for reports found on a tick */
	uint64_t seen[MOAT_SENSOR_SYSCALL_WORDS];   /* syscalls already folded in */
	bool enforced;                    /* in the kernel's bl_enforce */
	/* the console's baseline policy for this container (baseline-policy.c) */
	unsigned pol_gen;                 /* b->pol_gen it was looked up for */
	bool pol;                         /* one applies */
	enum moat_state_mode pol_mode;
	uint64_t pol_learn_sec;
	char pol_name[64];
	enum moat_state_mode eff;         /* the mode last in force, for the log */
};

struct moat_baselines {
	struct moat_baselines_opts o;
	struct moat_hmap images;          /* key -> struct bl_image */
	struct bl_image *last_img;        /* the image found last: most events are its */
	struct moat_hmap cgroups;         /* 8-byte cgroup id -> struct bl_cgroup */
	uint32_t next_slot;
	uint64_t deviations;
	uint64_t last_flush;
	bool kernel;                      /* the sensor keeps syscall bitmaps and allow-lists */
	const struct moat_cpolicy *policy;        /* the console's, borrowed; NULL: none */
	unsigned pol_gen;                 /* bumped when policy changes */
};

/* The image of container c, loaded from the state directory on first sight. */
struct bl_image *bl_image_get(struct moat_baselines *b, const struct moat_container *c);
void bl_image_free(struct bl_image *img);
/* Reload the mode and the model when someone else changed their files. */
void bl_image_forget_syscalls(struct moat_baselines *b, const struct bl_image *img);
void bl_image_refresh(struct moat_baselines *b, struct bl_image *img);
/* Close the learning window when it has passed (and switch to alert if asked). */
void bl_image_window(struct moat_baselines *b, struct bl_image *img, uint64_t now);
/* True the first time (kind, item) is reported for img since the model changed. */
bool bl_image_first_report(struct bl_image *img, enum moat_bl_kind kind, const char *item);
void bl_report(struct moat_baselines *b, struct bl_image *img, enum moat_state_mode mode,
	       enum moat_bl_kind kind, const char *item, const union moat_sensor_rec *rec,
	       const struct moat_container *c, moat_bl_report_fn report, void *ctx);
/* The kernel's allow-list of img's slot becomes its model's exes. */
void bl_image_install_exes(struct moat_baselines *b, struct bl_image *img);
/* Mode or model changed: (un)enforce its containers in the kernel. */
void bl_image_enforce(struct moat_baselines *b, struct bl_image *img);
/* Tell the kernel whether execs of this container are checked. */
void bl_cgroup_enforce(struct moat_baselines *b, struct bl_cgroup *cg, bool on);

/* baseline-policy.c: the mode in force for a container of img: the
 * console's policy while one applies, else the image's (cg may be NULL). */
enum moat_state_mode bl_mode(struct moat_baselines *b, struct bl_image *img, struct bl_cgroup *cg,
			     const struct moat_container *c);
/* Learning windows of policies that passed: new modes to the kernel. */
void bl_policy_tick(struct moat_baselines *b);
/* img's mode file changed: say which of its containers a policy holds. */
void bl_policy_note_local(struct moat_baselines *b, const struct bl_image *img);

#endif
