/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * baseline.bpf.h - the kernel half of learned behaviour baselines, for
 * sensor.bpf.c (included once, after submit() and scratch_slot()):
 *
 *  - the syscalls each container makes: one bit per syscall number in a
 *    per-cgroup bitmap, set from the one sys_enter probe before its tail
 *    call. The map is an LRU hash, so cgroups user space never reads age
 *    out on their own. Its lookup cost about 70 ns, at every syscall; so
 *    each CPU keeps a copy of the bitmap of the cgroup it last saw
 *    (bl_cache), and a bit set there costs a per-CPU load and a test.
 *    The copy only ever holds bits that are set in the map: it is valid
 *    while bl_gen is unchanged, and bl_gen moves whenever an entry may have
 *    gone (user space deletes one; the kernel creates one, which may evict
 *    another from the LRU).
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
volatile __u64 bl_gen = 0;          /* bumped when a bl_syscalls entry may have gone */

struct bl_sysbits {
	__u64 bits[MOAT_EV_SYSBITS / 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MOAT_EV_BL_CGROUPS);
	__type(key, __u64);                     /* cgroup v2 id */
	__type(value, struct bl_sysbits);
} bl_syscalls SEC(".maps");

struct bl_cache {
	__u64 cgid;                             /* 0: empty */
	__u64 gen;                              /* bl_gen when copied */
	struct bl_sysbits sys;                  /* a subset of the map's bits */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bl_cache);
} bl_cache SEC(".maps");

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
	cg = current_cgroup_id();
	return cg == bl_host_cgid ? 0 : cg;
}

/* The cgroup's bitmap in the map, created empty if need be. */
static __always_inline struct bl_sysbits *bl_sysbits_of(__u64 cg)
{
	struct bl_sysbits *b = bpf_map_lookup_elem(&bl_syscalls, &cg);
	struct bl_sysbits zero = {};

	if (b)
		return b;
	bpf_map_update_elem(&bl_syscalls, &cg, &zero, BPF_NOEXIST);
	__sync_fetch_and_add(&bl_gen, 1);       /* the LRU may have evicted one */
	return bpf_map_lookup_elem(&bl_syscalls, &cg);
}

/* Note syscall nr for the current cgroup. The map is touched only when
 * this CPU's copy lacks the bit (first use, or another cgroup ran here);
 * its atomic or runs only the first time a bit is seen, and other CPUs may
 * race to set the same bit. */
static __always_inline void bl_syscall(__u32 nr)
{
	struct bl_sysbits *b;
	struct bl_cache *c;
	__u64 cg = bl_cgroup();
	__u32 zero = 0;
	__u64 bit;
	__u64 gen;
	__u64 w;
	int fill;

	if (!cg || nr >= MOAT_EV_SYSBITS)
		return;
	bit = 1ull << (nr & 63);
	w = nr >> 6;
	/* the mask in the verifier's sight: clang would index with nr itself */
	asm volatile("%0 &= %1" : "+r"(w) : "i"(MOAT_EV_SYSBITS / 64 - 1));
	c = bpf_map_lookup_elem(&bl_cache, &zero);
	if (!c)
		return;
	gen = bl_gen;                           /* before the map: see bl_cache */
	fill = c->cgid != cg || c->gen != gen;
	if (!fill && (c->sys.bits[w] & bit))
		return;
	b = bl_sysbits_of(cg);
	if (!b)
		return;
	if (!(b->bits[w] & bit))
		__sync_fetch_and_or(&b->bits[w], bit);
	if (fill) {
		for (int i = 0; i < MOAT_EV_SYSBITS / 64; i++)
			c->sys.bits[i] = b->bits[i];
		c->cgid = cg;
		c->gen = gen;
	}
	c->sys.bits[w] |= bit;
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
