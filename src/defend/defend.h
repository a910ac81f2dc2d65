/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defend.h - the runtime defender: sensor records in, rule matches out.
 *
 * For each record: attribute it to a process (a fixed-size process table
 * fed by exec/fork/exit, /proc on a miss) and a container, build the rule
 * view, evaluate every rule, run the actions (alert; kill: SIGKILL the
 * process unless the kernel already did; stop: stop the container through
 * the engine) and hand one moat.alert/v1 JSON line per match to on_alert
 * (repeats of an alert-only rule by one process within a second are counted
 * instead).
 */
#ifndef MOAT_DEFEND_H
#define MOAT_DEFEND_H

#include <stddef.h>
#include <stdint.h>

#include "sensor/container.h"
#include "sensor/sensor.h"

struct moat_error;
struct moat_ruleset;
struct moat_containers;
struct moat_defender;
struct moat_baselines;
struct moat_rules_overlay;

struct moat_defender_opts {
	const struct moat_ruleset *rules;       /* borrowed */
	struct moat_containers *containers;     /* borrowed; NULL = no attribution */
	struct moat_sensor *sensor;             /* borrowed; NULL = no kernel-side actions */
	struct moat_baselines *baselines;       /* borrowed; NULL = no learned baselines */
	const char *node;                       /* host name for alerts */
	/* One alert as a JSON object on one line, without the newline. */
	void (*on_alert)(void *ctx, const char *json, size_t len);
	void *ctx;
};

int moat_defender_open(const struct moat_defender_opts *opts, struct moat_defender **ret,
		       struct moat_error *err);
void moat_defender_close(struct moat_defender *d);

/* Handle one record (a moat_sensor_cb). Always returns 0. */
int moat_defender_handle(void *d, const union moat_sensor_rec *rec);

/* Evaluate rs from the next record on (a reload); rs is borrowed like opts->rules. */
void moat_defender_set_rules(struct moat_defender *d, const struct moat_ruleset *rs);

/* The console's runtime policies with a scope (rules-policy.h), resolved
 * per container when a rule matches; ov is borrowed until the next call
 * (NULL: none). */
void moat_defender_set_scoped(struct moat_defender *d, const struct moat_rules_overlay *ov);

/* Records seen and alerts raised so far. */
uint64_t moat_defender_events(const struct moat_defender *d);
uint64_t moat_defender_alerts(const struct moat_defender *d);
/* Alerts not printed because the same rule fired for the same process less than a second before. */
uint64_t moat_defender_suppressed(const struct moat_defender *d);

/* Periodic work of the learned baselines (about once a second). */
void moat_defender_tick(struct moat_defender *d);

/* Containers already running when the defender starts: described now and
 * their start times given to the sensor (drift), so an idle one is watched
 * and inventoried before any of its processes acts. Returns how many. */
unsigned moat_defender_discover(struct moat_defender *d);
/* A cached container changed (a moat_containers_pump callback; ctx is the
 * defender): a restart gives the sensor its new start time, a stop makes it
 * forget the namespace. */
void moat_defender_container_changed(void *ctx, const struct moat_container *c,
				     enum moat_container_change what);

#endif
