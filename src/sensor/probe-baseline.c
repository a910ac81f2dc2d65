/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe-baseline.c - the eBPF maps of learned baselines (bpf/baseline.bpf.h):
 * per-cgroup syscall bitmaps read back, the enforce switch per container
 * and the exec allow-list per image slot.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "probe-int.h"
#include "sensor-int.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

static int bl_on(void *state, uint64_t host_cgid)
{
	struct sensor_bpf *skel = probe_skel(state);

	skel->bss->bl_host_cgid = host_cgid;
	__atomic_store_n(&skel->bss->bl_on, 1, __ATOMIC_RELEASE);
	return 0;
}

static int bl_syscalls(void *state, uint64_t cgroup_id, uint64_t *bits, bool forget)
{
	int fd = bpf_map__fd(probe_skel(state)->maps.bl_syscalls);
	__u64 key = cgroup_id;

	if (bpf_map_lookup_elem(fd, &key, bits) < 0)
		return -errno;
	if (!forget)
		return 0;
	if (bpf_map_delete_elem(fd, &key) < 0 && errno != ENOENT)
		return -errno;
	/* the CPUs' cached copies (bl_cache) may hold the deleted bits */
	__atomic_fetch_add(&probe_skel(state)->bss->bl_gen, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int bl_enforce(void *state, uint64_t cgroup_id, uint32_t slot, bool on)
{
	int fd = bpf_map__fd(probe_skel(state)->maps.bl_enforce);
	__u64 key = cgroup_id;
	__u32 v = slot;

	if (on)
		return bpf_map_update_elem(fd, &key, &v, BPF_ANY) < 0 ? -errno : 0;
	if (bpf_map_delete_elem(fd, &key) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

struct exe_set {
	uint32_t slot;
	const char *const *paths;
	size_t n;
};

static bool exe_wanted(const void *key, const void *set)
{
	const struct moat_ev_bl_exe *k = key;
	const struct exe_set *s = set;

	if (k->slot != s->slot)
		return true;    /* another image's */
	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(k->path, s->paths[i], sizeof(k->path)))
			return true;
	return false;
}

/* New entries first, then the slot's stale ones out: an exe that stays
 * allowed is never missing in between. */
static int bl_exes(void *state, uint32_t slot, const char *const *paths, size_t n)
{
	int fd = bpf_map__fd(probe_skel(state)->maps.bl_exes);
	struct exe_set set = { slot, paths, n };
	struct moat_ev_bl_exe k;
	__u32 one = 1;

	for (size_t i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		k.slot = slot;
		memcpy(k.path, paths[i], strlen(paths[i]));
		if (bpf_map_update_elem(fd, &k, &one, BPF_ANY) < 0)
			return -errno;
	}
	return probe_drop_stale(fd, sizeof(k), MOAT_EV_BL_EXES, exe_wanted, &set);
}

const struct sensor_bl_ops sensor_bpf_baseline = {
	.on = bl_on,
	.syscalls = bl_syscalls,
	.enforce = bl_enforce,
	.exes = bl_exes,
};
