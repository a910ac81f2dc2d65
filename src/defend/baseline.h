/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline.h - learned behaviour baselines in the running defender.
 *
 * Every container's records are folded into its image's model (keyed by
 * image id, or with by_repo by repository across tags): executables and
 * parent->child pairs from exec records, paths written from opens for
 * writing, renames and unlinks, ports from bind, and syscalls from the
 * kernel's per-cgroup bitmaps, read on each tick. Per image mode (the state
 * directory's `mode` file): learn records; alert reports what the model
 * does not cover, once per item until the model changes; enforce also kills
 * an exec outside the model (in the kernel at exec once the container is
 * known, from user space right after the exec record before that).
 *
 * What was learned is merged into DIR/images/<key>/baseline.json under the
 * image's lock on each flush (every flush_sec and at close); changes made
 * by `moat baseline` (mode, edit, approve, reset) are noticed through the
 * files' stamps on the next tick and replace the defender's copy.
 */
#ifndef MOAT_DEFEND_BASELINE_H
#define MOAT_DEFEND_BASELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "baseline-model.h"
#include "state.h"
#include "sensor/container.h"
#include "sensor/sensor.h"

struct moat_error;
struct moat_state;
struct moat_baselines;
struct moat_cpolicy;

struct moat_baselines_opts {
	struct moat_state *state;          /* borrowed */
	struct moat_sensor *sensor;        /* borrowed; NULL: no syscalls, no kernel kills */
	uint64_t window_sec;               /* learning window; 0 = 600 */
	uint64_t window_events;            /* ... or this many events; 0 = 100000 */
	bool auto_alert;                   /* learn -> alert when the window has passed */
	bool by_repo;                      /* one model per repository, across tags */
	unsigned flush_sec;                /* 0 = 5 */
};

/* One thing outside an image's model. */
struct moat_bl_deviation {
	enum moat_bl_kind kind;
	const char *item;
	const char *image_id;              /* "sha256:..." (by_repo: the model's key) */
	enum moat_state_mode mode;         /* alert or enforce */
	bool kill;                         /* enforce and an exec: kill the process */
	const union moat_sensor_rec *rec;  /* NULL for syscalls (found on a tick) */
	const struct moat_container *c;
};

typedef void (*moat_bl_report_fn)(void *ctx, const struct moat_bl_deviation *dev);

int moat_baselines_open(const struct moat_baselines_opts *opts, struct moat_baselines **ret,
			struct moat_error *err);
/* Flush what was learned and free. NULL is a no-op. */
void moat_baselines_close(struct moat_baselines *b);

/* One record of container c (host records are ignored); exe and parent_exe
 * from the process table (may be NULL or empty). The runtime's own init
 * process (runc setting up the container before the entrypoint runs) is
 * not the image's behaviour and is left out. */
void moat_baselines_handle(struct moat_baselines *b, const union moat_sensor_rec *rec,
			   const struct moat_container *c, const char *exe, const char *parent_exe,
			   moat_bl_report_fn report, void *ctx);
/* Periodic work (call about once a second): pick up changes made by the
 * CLI, read the syscall bitmaps, close learning windows, flush. */
void moat_baselines_tick(struct moat_baselines *b, moat_bl_report_fn report, void *ctx);
/* The container is gone: read its syscalls one last time, then forget it. */
void moat_baselines_container_gone(struct moat_baselines *b, const struct moat_container *c,
				   moat_bl_report_fn report, void *ctx);
/* The init process of the container in mount namespace mnt_ns exited:
 * the same for every container of that namespace this knows. */
void moat_baselines_ns_gone(struct moat_baselines *b, uint32_t mnt_ns, moat_bl_report_fn report,
			    void *ctx);
/* Write every image's learned model now. Returns 0 or the first error. */
int moat_baselines_flush(struct moat_baselines *b, struct moat_error *err);

/* The console's baseline policies (cpolicy.h; borrowed until the next call,
 * NULL: none): while one applies to a container, its mode is the policy's,
 * not the image's (docs/console.md). Takes effect at once. */
void moat_baselines_set_policy(struct moat_baselines *b, const struct moat_cpolicy *cp);

/* Images with a model in memory, and deviations reported so far. */
size_t moat_baselines_images(const struct moat_baselines *b);
uint64_t moat_baselines_deviations(const struct moat_baselines *b);

/* The model file of an image: read (an absent file is an empty model; a
 * bad one MOAT_E_FORMAT naming the file and place) and write (atomic). */
#define MOAT_BL_FILE_NAME "baseline.json"
int moat_bl_read(struct moat_state *st, const char *key, struct moat_bl_model *m,
		 struct moat_error *err);
int moat_bl_write(struct moat_state *st, const char *key, const struct moat_bl_model *m,
		  struct moat_error *err);

/*
 * Key of the model of an image for the state directory: the image id's
 * hex, or with by_repo the sha256 of "repo:" and the reference's
 * repository (tag and digest dropped). MOAT_E_FORMAT for a bad image id.
 */
int moat_baselines_key(const char *image_id, const char *ref, bool by_repo,
		       char key[MOAT_STATE_KEY_LEN + 1], struct moat_error *err);

#endif
