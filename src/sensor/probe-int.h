/* SPDX-License-Identifier: Apache-2.0 */
/* probe-int.h - what probe.c shares with probe-baseline.c (both see the skeleton). */
#ifndef MOAT_PROBE_INT_H
#define MOAT_PROBE_INT_H

#include <stdbool.h>
#include <stddef.h>

struct sensor_bpf;

/* The loaded skeleton of the eBPF backend's state. */
struct sensor_bpf *probe_skel(void *state);

/*
 * Delete every key of map fd that `wanted` rejects: the second half of
 * replacing a map's contents as a set (new keys go in first). At most
 * max_keys are looked at; keys are key_size bytes. Returns 0 or the last
 * delete error.
 */
int probe_drop_stale(int fd, size_t key_size, size_t max_keys,
		     bool (*wanted)(const void *key, const void *set), const void *set);

#endif
