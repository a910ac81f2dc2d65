/* SPDX-License-Identifier: Apache-2.0 */
/* sensor-int.h - the backend table behind sensor.h: eBPF (probe.c) and fallback.c. */
#ifndef MOAT_SENSOR_INT_H
#define MOAT_SENSOR_INT_H

#include "sensor.h"

/* Hand one raw record to the front end (validates, copies into the pool, calls back). */
typedef int (*sensor_emit_fn)(struct moat_sensor *sensor, const void *data, size_t len);

struct sensor_backend {
	const char *name;
	int (*open)(struct moat_sensor *sensor, const struct moat_sensor_opts *opts, void **ret_state,
		    struct moat_error *err);
	void (*close)(void *state);
	/* Wait and emit through sensor_emit; returns records emitted or negative. */
	int (*poll)(void *state, int timeout_ms);
	unsigned (*attached)(void *state, unsigned *ret_total);
	uint64_t (*lost)(void *state);
	int (*watch)(void *state, uint32_t mnt_ns, uint64_t cgroup_id, uint64_t start_sec, bool kill,
		     int root_pid);
	/* Forget a container (its init process exited); may be NULL. */
	int (*unwatch)(void *state, uint32_t mnt_ns);
	int (*deny)(void *state, const char *const *paths, size_t n);
	/* Replace the sensitive-path prefix table (n <= MOAT_EV_PREFIX_MAX). */
	int (*prefixes)(void *state, const struct moat_ev_prefix *p, size_t n);
	/* Replace the paths watched by inode; may be NULL. */
	int (*watched)(void *state, const struct moat_ev_prefix *p, size_t n);
	/* The watched path of a record's watch id, or NULL; may be NULL. */
	const char *(*watch_name)(void *state, const struct moat_ev_file *f);
	/* Learned baselines' kernel half (sensor.h); NULL when the backend has none. */
	const struct sensor_bl_ops *baseline;
};

struct sensor_bl_ops {
	int (*on)(void *state, uint64_t host_cgid);
	int (*syscalls)(void *state, uint64_t cgroup_id, uint64_t *bits, bool forget);
	int (*enforce)(void *state, uint64_t cgroup_id, uint32_t slot, bool on);
	int (*exes)(void *state, uint32_t slot, const char *const *paths, size_t n);
};

extern const struct sensor_backend sensor_bpf_backend;      /* probe.c or probe-none.c */
extern const struct sensor_backend sensor_fallback_backend; /* fallback.c */
extern const struct sensor_bl_ops sensor_bpf_baseline;     /* probe-baseline.c */

/* Called by a backend's poll for each raw record. Returns cb's result. */
int sensor_emit(struct moat_sensor *sensor, const void *data, size_t len);

#endif
