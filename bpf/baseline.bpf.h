/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * baseline.bpf.h - the kernel half of learned behaviour baselines, for
 * sensor.bpf.c (included once, after submit() and scratch_slot()):
 *
 *  - the syscalls each container makes: one bit per syscall number in a
 *    per-cgroup bitmap, set from the one sys_enter probe before its tail
 *    call. A bit already set costs a load and a test; the map is an LRU
 *    hash, so cgroups user space never reads age out on their own.
 *  - which opens for writing to report: every open with write intent of a
 *    process outside the host's root cgroup (a container), so user space
 *    can learn and check the paths a container writes.
 *  - the exec allow-list of images in enforce mode: a container (cgroup id)
 *    in bl_enforce has its absolute exe paths checked against bl_exes of
 *    its image's slot at exec, and an exe outside it is killed before its
 *    first instruction, as the deny list does.
 *
 * User space switches all of it on (bl_on) once it knows the host's root
 * cgroup id; until then nothing here costs more than one load.
 */
#ifndef MOAT_BASELINE_BPF_H
#define MOAT_BASELINE_BPF_H

/* Written by user space at run time (the .bss is memory-mapped). */
volatile __u32 bl_on = 0;
volatile __u64 bl_host_cgid = 0;    /* cgroup v2 id of the host's root cgroup */

struct bl_sysbits {
	__u64 bits[MOAT_EV_SYSBITS / 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MOAT_EV_BL_CGROUPS);
	__type(key, __u64);                     /* cgroup v2 id */
	__type(value, struct bl_sysbits);
} bl_syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MOAT_EV_BL_CGROUPS);
	__type(key, __u64);                     /* cgroup v2 id */
	__type(value, __u32);                   /* image slot */
} bl_enforce SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MOAT_EV_BL_EXES);
	__type(key, struct moat_ev_bl_exe);
	__type(value, __u32);
} bl_exes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct moat_ev_bl_exe);
} bl_scratch SEC(".maps");

/* The current task's cgroup, if it is a container's (not the host root). */
static __always_inline __u64 bl_cgroup(void)
{
	__u64 cg;

	if (!bl_on)
		return 0;
	cg = bpf_get_current_cgroup_id();
	return cg == bl_host_cgid ? 0 : cg;
}

/* Note syscall nr for the current cgroup. The atomic or runs only the
 * first time a bit is seen; other CPUs may race to set the same bit. */
static __always_inline void bl_syscall(__u32 nr)
{
	struct bl_sysbits *b;
	__u64 cg = bl_cgroup();
	__u64 bit;
	__u64 w;

	if (!cg || nr >= MOAT_EV_SYSBITS)
		return;
	b = bpf_map_lookup_elem(&bl_syscalls, &cg);
	if (!b) {
		struct bl_sysbits zero = {};

		bpf_map_update_elem(&bl_syscalls, &cg, &zero, BPF_NOEXIST);
		b = bpf_map_lookup_elem(&bl_syscalls, &cg);
		if (!b)
			return;
	}
	bit = 1ull << (nr & 63);
	w = nr >> 6;
	/* the mask in the verifier's sight: clang would index with nr itself */
	asm volatile("%0 &= %1" : "+r"(w) : "i"(MOAT_EV_SYSBITS / 64 - 1));
	if (!(b->bits[w] & bit))
		__sync_fetch_and_or(&b->bits[w], bit);
}

/* Is the current syscall an ia32 one (TS_COMPAT: int 0x80 from any
 * process, or a 32-bit process)? Its number is then an index into the ia32
 * table: the native handlers would misname it and read the wrong registers. */
static __always_inline int bl_compat(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *t = bpf_get_current_task_btf();

	return (t->thread_info.status & 0x0002 /* TS_COMPAT */) != 0;
#else
	return 0;
#endif
}

/* Report this open for writing although no rule prefix covers it? */
static __always_inline int bl_want_write(void)
{
	return bl_cgroup() != 0;
}

/* An exec in an enforced container: kill unless the exe is in its image's
 * allow-list, by its resolved name (e->exe) or, for models learned before
 * exes were resolved, by the name it was given. A relative name without a
 * resolved one is left to user space (it joins it to the working directory
 * before it decides). */
static __always_inline void bl_exec_verdict(struct moat_ev_exec *e)
{
	struct moat_ev_bl_exe *k;
	__u32 *slot;
	__u64 cg = bl_cgroup();
	__u32 zero = 0;

	if (!cg || (e->filename[0] != '/' && e->exe[0] != '/'))
		return;
	slot = bpf_map_lookup_elem(&bl_enforce, &cg);
	if (!slot)
		return;
	k = bpf_map_lookup_elem(&bl_scratch, &zero);
	if (!k)
		return;
	__builtin_memset(k, 0, sizeof(*k));
	k->slot = *slot;
	if (e->exe[0] == '/') {
		bpf_probe_read_kernel_str(k->path, sizeof(k->path), e->exe);
		if (bpf_map_lookup_elem(&bl_exes, k))
			return;
		__builtin_memset(k->path, 0, sizeof(k->path));
	}
	if (e->filename[0] == '/') {
		bpf_probe_read_kernel_str(k->path, sizeof(k->path), e->filename);
		if (bpf_map_lookup_elem(&bl_exes, k))
			return;
	}
	bpf_send_signal(SIGKILL);
	e->flags |= MOAT_EXEC_KILLED | MOAT_EXEC_BASELINE;
}

#endif
