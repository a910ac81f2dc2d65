/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c - the eBPF backend: the only file that sees libbpf or the skeleton.
 *
 * Open the skeleton, set rodata, load, then attach each program on its own
 * so that one missing tracepoint (e.g. init_module on a kernel without
 * modules) costs that probe only. Nothing attached at all is an error, and
 * the front end falls back. Detach and destroy everything at close.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "moat/error.h"
#include "probe-int.h"
#include "sensor-int.h"
#include "watch.h"
/* bpftool's generated code casts away const; it is not ours to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "sensor.skel.h"
#pragma GCC diagnostic pop

/* Programs in sensor.bpf.c; a fixed bound keeps the link table static. */
#define PROBE_MAX_LINKS 64

struct probe {
	struct moat_sensor *sensor;
	struct sensor_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[PROBE_MAX_LINKS];
	unsigned n_links;
	unsigned n_progs;
	unsigned n_syscalls;     /* syscalls dispatched by the sys_enter and sys_exit probes */
	unsigned n_dispatch;     /* links that are dispatchers (stand for n_syscalls) */
	struct path_watch *watch;       /* watched inodes per root (bpf/path.bpf.h) */
	unsigned drain_ms;       /* current ring drain period */
	int ncpus;
};

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct probe *p = ctx;

	return sensor_emit(p->sensor, data, len);
}

static void probe_close(void *state)
{
	struct probe *p = state;

	if (!p)
		return;
	ring_buffer__free(p->rb);
	path_watch_close(p->watch);
	for (unsigned i = 0; i < p->n_links; i++)
		bpf_link__destroy(p->links[i]);
	sensor_bpf__destroy(p->skel);
	free(p);
}


/* Slots of the `prefixes` trie: twice the table, see sensor.bpf.c. */
#define PREFIX_SLOTS ((size_t)2 * MOAT_EV_PREFIX_MAX)

static struct moat_ev_prefix_key prefix_key(const struct moat_ev_prefix *e)
{
	struct moat_ev_prefix_key k = { .bits = e->len * 8 };

	memcpy(k.p, e->p, e->len < sizeof(k.p) ? e->len : sizeof(k.p));
	return k;
}

int probe_drop_stale(int fd, size_t key_size, size_t max_keys,
		     bool (*wanted)(const void *key, const void *set), const void *set)
{
	char *keys = calloc(max_keys + 1, key_size);    /* the last slot is the cursor */
	char *cur = keys + max_keys * key_size;
	size_t n = 0;
	void *prev = NULL;
	int r = 0;

	if (!keys)
		return -ENOMEM;
	while (n < max_keys && bpf_map_get_next_key(fd, prev, cur) == 0) {
		if (!wanted(cur, set))
			memcpy(keys + n++ * key_size, cur, key_size);
		prev = cur;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, keys + i * key_size) < 0 && errno != ENOENT)
			r = -errno;
	free(keys);
	return r;
}

struct prefix_set {
	const struct moat_ev_prefix *pre;
	size_t n;
};

static bool prefix_wanted(const void *key, const void *set)
{
	const struct moat_ev_prefix_key *k = key;
	const struct prefix_set *s = set;

	for (size_t i = 0; i < s->n; i++)
		if (s->pre[i].len * 8 == k->bits && !memcmp(s->pre[i].p, k->p, s->pre[i].len))
			return true;
	return false;
}

/*
 * Install a prefix table in the LPM trie: each entry's value is the union
 * of the modes of every entry that covers it, since the kernel sees only
 * the longest match. New entries go in before stale ones go out, so a
 * reload never leaves a covered path unwatched.
 */
static int probe_prefixes(void *state, const struct moat_ev_prefix *pre, size_t n)
{
	struct probe *p = state;
	int fd = bpf_map__fd(p->skel->maps.prefixes);
	struct prefix_set set = { pre, n };
	struct moat_ev_prefix_key k;

	for (size_t i = 0; i < n && i < MOAT_EV_PREFIX_MAX; i++) {
		__u32 mode = 0;

		for (size_t j = 0; j < n; j++)
			if (pre[j].len <= pre[i].len && !memcmp(pre[j].p, pre[i].p, pre[j].len))
				mode |= pre[j].mode;
		k = prefix_key(&pre[i]);
		if (bpf_map_update_elem(fd, &k, &mode, BPF_ANY) < 0)
			return -errno;
	}
	return probe_drop_stale(fd, sizeof(k), PREFIX_SLOTS, prefix_wanted, &set);
}

/* Syscall number -> handler in sensor.bpf.c (and the event kind, for
 * sys_generic). Numbers come from this build's own headers, so the table is
 * right for the architecture we run on; calls it lacks are left out. */
struct syscall_row {
	unsigned nr;
	const char *prog;
	unsigned kind;
};

static const struct syscall_row syscall_table[] = {
	{ SYS_unlinkat, "sys_unlinkat", 0 },
#ifdef SYS_unlink
	{ SYS_unlink, "sys_unlink", 0 },
#endif
	{ SYS_renameat2, "sys_renameat2", 0 },
#ifdef SYS_renameat
	{ SYS_renameat, "sys_renameat", 0 },
#endif
#ifdef SYS_rename
	{ SYS_rename, "sys_rename", 0 },
#endif
	{ SYS_fchmodat, "sys_fchmodat", 0 },
#ifdef SYS_chmod
	{ SYS_chmod, "sys_chmod", 0 },
#endif
	{ SYS_fchownat, "sys_fchownat", 0 },
#ifdef SYS_chown
	{ SYS_chown, "sys_chown", 0 },
	{ SYS_lchown, "sys_chown", 0 },
#endif
	{ SYS_connect, "sys_connect", 0 },
	{ SYS_bind, "sys_bind", 0 },
	{ SYS_listen, "sys_listen", 0 },
	{ SYS_mount, "sys_mount", 0 },
	{ SYS_umount2, "sys_umount", 0 },
	{ SYS_memfd_create, "sys_memfd_create", 0 },
	{ SYS_setuid, "sys_generic", MOAT_EV_SETUID },
	{ SYS_setreuid, "sys_generic", MOAT_EV_SETUID },
	{ SYS_setresuid, "sys_generic", MOAT_EV_SETUID },
	{ SYS_setgid, "sys_generic", MOAT_EV_SETGID },
	{ SYS_setregid, "sys_generic", MOAT_EV_SETGID },
	{ SYS_setresgid, "sys_generic", MOAT_EV_SETGID },
	{ SYS_capset, "sys_generic", MOAT_EV_CAPSET },
	{ SYS_ptrace, "sys_generic", MOAT_EV_PTRACE },
	{ SYS_unshare, "sys_generic", MOAT_EV_UNSHARE },
	{ SYS_setns, "sys_generic", MOAT_EV_SETNS },
	{ SYS_init_module, "sys_generic", MOAT_EV_MODULE },
	{ SYS_finit_module, "sys_generic", MOAT_EV_MODULE },
	{ SYS_bpf, "sys_generic", MOAT_EV_BPF },
};

#define N_SYSCALLS (sizeof(syscall_table) / sizeof(syscall_table[0]))

/* Opens are matched at exit, on the file opened (bpf/path.bpf.h). */
static const struct syscall_row exit_table[] = {
	{ SYS_openat, "exit_openat", 0 },
#ifdef SYS_open
	{ SYS_open, "exit_open", 0 },
#endif
#ifdef SYS_openat2
	{ SYS_openat2, "exit_openat2", 0 },
#endif
	{ SYS_open_by_handle_at, "exit_open_by_handle_at", 0 },
};

#define N_EXIT_SYSCALLS (sizeof(exit_table) / sizeof(exit_table[0]))

/* The syscall numbers sys_enter tail-calls for (the others skip the tail
 * call); set before load, as the table is fixed. */
static void mark_dispatched(volatile __u64 *bits)
{
	for (size_t i = 0; i < N_SYSCALLS; i++)
		if (syscall_table[i].nr < MOAT_EV_SYSCALL_MAX)
			bits[syscall_table[i].nr / 64] |= 1ull << (syscall_table[i].nr % 64);
}

/* Fill a dispatch table (calls) that a probe tail-calls through. Returns
 * how many syscalls got a handler. */
static unsigned install_table(struct probe *p, int calls, const struct syscall_row *rows,
			      size_t n)
{
	int kinds = bpf_map__fd(p->skel->maps.generic_kinds);
	unsigned installed = 0;

	for (size_t i = 0; i < n; i++) {
		struct bpf_program *prog =
			bpf_object__find_program_by_name(p->skel->obj, rows[i].prog);
		__u32 nr = rows[i].nr;
		__u32 kind = rows[i].kind;
		int fd = prog ? bpf_program__fd(prog) : -1;

		if (fd < 0 || nr >= MOAT_EV_SYSCALL_MAX)
			continue;
		if (kind && bpf_map_update_elem(kinds, &nr, &kind, BPF_ANY) < 0)
			continue;
		if (bpf_map_update_elem(calls, &nr, &fd, BPF_ANY) == 0)
			installed++;
	}
	return installed;
}

/* Tail-call targets share their dispatcher's section and are not attached;
 * the dispatchers and the perf-tracepoint opens are attached by attach_all. */
static int attached_apart(const struct probe *p, const struct bpf_program *prog)
{
	const char *name = bpf_program__name(prog);

	return prog == p->skel->progs.sys_enter || prog == p->skel->progs.sys_exit ||
	       !strncmp(name, "sys_", 4) || !strncmp(name, "exit_", 5) ||
	       !strncmp(name, "perf_exit_", 10);
}

static struct bpf_link *attach_one(struct probe *p, struct bpf_program *prog)
{
	struct bpf_link *link;

	if (p->n_links >= PROBE_MAX_LINKS)
		return NULL;
	link = bpf_program__attach(prog);
	if (link)
		p->links[p->n_links++] = link;
	return link;
}

/* The open probes: the per-syscall sys_exit_open* perf tracepoints (only
 * opens pay; measured cheaper than the dispatcher, which every syscall's
 * exit would run), else, or with MOAT_PATH_PROBE=btf, one tp_btf/sys_exit
 * dispatcher. Returns the syscalls the dispatcher covers. */
static unsigned attach_opens(struct probe *p)
{
	const char *want = getenv("MOAT_PATH_PROBE");
	unsigned n;

	p->n_progs += N_EXIT_SYSCALLS;
	if (!(want && !strcmp(want, "btf")) && attach_one(p, p->skel->progs.perf_exit_openat)) {
		attach_one(p, p->skel->progs.perf_exit_openat2);
		attach_one(p, p->skel->progs.perf_exit_open_by_handle_at);
		if (!attach_one(p, p->skel->progs.perf_exit_open))
			p->n_progs--;   /* no open(2) on this architecture */
		return 0;
	}
	n = install_table(p, bpf_map__fd(p->skel->maps.exit_calls), exit_table, N_EXIT_SYSCALLS);
	if (n && attach_one(p, p->skel->progs.sys_exit)) {
		p->n_dispatch++;
		return n;
	}
	return 0;
}

static void attach_all(struct probe *p)
{
	struct bpf_program *prog;
	unsigned installed = install_table(p, bpf_map__fd(p->skel->maps.syscalls), syscall_table,
					   N_SYSCALLS);

	bpf_object__for_each_program(prog, p->skel->obj) {
		if (attached_apart(p, prog))
			continue;
		p->n_progs++;
		attach_one(p, prog);    /* NULL: tracepoint absent on this kernel */
	}
	p->n_progs += N_SYSCALLS;
	if (installed && attach_one(p, p->skel->progs.sys_enter)) {
		p->n_syscalls = installed;
		p->n_dispatch++;
	}
	p->n_syscalls += attach_opens(p);
}

static int probe_open(struct moat_sensor *sensor, const struct moat_sensor_opts *opts,
		      void **ret_state, struct moat_error *err)
{
	struct probe *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return moat_error_set(err, -ENOMEM, "sensor: out of memory");
	p->sensor = sensor;
	p->drain_ms = MOAT_EV_DRAIN_MS;
	p->ncpus = libbpf_num_possible_cpus();
	if (!getenv("MOAT_BPF_DEBUG"))
		libbpf_set_print(quiet_print);
	p->skel = sensor_bpf__open();
	if (!p->skel) {
		r = -errno;
		moat_error_set(err, r, "sensor: open BPF skeleton: %s", strerror(-r));
		goto out_fail;
	}
	p->skel->rodata->self_tgid = (__u32)getpid();
	mark_dispatched(p->skel->rodata->dispatched);
	p->skel->rodata->all_writes = opts->all_writes;
	r = sensor_bpf__load(p->skel);
	if (r < 0) {
		moat_error_set(err, r, "sensor: load BPF programs: %s", strerror(-r));
		goto out_fail;
	}
	r = path_watch_open(&(struct path_watch_maps){ bpf_map__fd(p->skel->maps.watch_inodes),
						       bpf_map__fd(p->skel->maps.watch_dentries),
						       bpf_map__fd(p->skel->maps.watch_roots) },
			    &p->watch);
	if (r < 0) {
		moat_error_set(err, r, "sensor: watched inodes: %s", strerror(-r));
		goto out_fail;
	}
	r = probe_prefixes(p, opts->prefixes, opts->n_prefixes);
	if (r < 0) {
		moat_error_set(err, r, "sensor: fill prefix map: %s", strerror(-r));
		goto out_fail;
	}
	/* the host's root (mount namespace 0: no container has it). If it
	 * cannot be scanned, the kernel matches the host's opens by their
	 * resolved names instead (slower, and blind to hard links). */
	r = path_watch_prefixes(p->watch, opts->watched, opts->n_watched);
	if (r < 0) {
		moat_error_set(err, r, "sensor: watched paths: %s", strerror(-r));
		goto out_fail;
	}
	path_watch_add_root(p->watch, 0, 0);
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_record, p, NULL);
	if (!p->rb) {
		r = -errno;
		moat_error_set(err, r, "sensor: ring buffer: %s", strerror(-r));
		goto out_fail;
	}
	attach_all(p);
	if (p->n_links == 0) {
		r = -EOPNOTSUPP;
		moat_error_set(err, r, "sensor: no BPF program could attach");
		goto out_fail;
	}
	*ret_state = p;
	return 0;
out_fail:
	probe_close(p);
	return r;
}

static int probe_poll(void *state, int timeout_ms)
{
	struct probe *p = state;
	int r;

	/* Records arrive without wakeups (see submit() in sensor.bpf.c): wait
	 * at most one drain period, then consume whatever is there. The period
	 * is short while records flow and backs off when they stop, so an idle
	 * node is not woken 100 times a second. */
	if (timeout_ms < 0 || timeout_ms > (int)p->drain_ms)
		timeout_ms = (int)p->drain_ms;
	r = ring_buffer__poll(p->rb, timeout_ms);
	if (r == 0)
		r = ring_buffer__consume(p->rb);
	path_watch_pump(p->watch);
	if (r > 0)
		p->drain_ms = MOAT_EV_DRAIN_MS;
	else if (r == 0 && p->drain_ms < MOAT_EV_DRAIN_IDLE_MS)
		p->drain_ms *= 2;
	return r;
}

static unsigned probe_attached(void *state, unsigned *ret_total)
{
	struct probe *p = state;

	if (ret_total)
		*ret_total = p->n_progs;
	/* a dispatcher's link stands for the syscall handlers behind it */
	return p->n_links - p->n_dispatch + p->n_syscalls;
}

/* Sum the per-CPU, per-kind drop counters. */
static uint64_t probe_lost(void *state)
{
	struct probe *p = state;
	int fd = bpf_map__fd(p->skel->maps.lost);
	uint64_t total = 0;
	__u64 *vals;

	if (p->ncpus <= 0)
		return 0;
	vals = calloc((size_t)p->ncpus, sizeof(*vals));
	if (!vals)
		return 0;
	for (__u32 k = 0; k < MOAT_EV_KIND_MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals) < 0)
			continue;
		for (int c = 0; c < p->ncpus; c++)
			total += vals[c];
	}
	free(vals);
	return total;
}

static int probe_watch(void *state, uint32_t mnt_ns, uint64_t cgroup_id, uint64_t start_sec,
		       bool kill, int root_pid)
{
	struct probe *p = state;
	struct moat_ev_drift v = { .start_sec = start_sec, .kill = kill, .cgroup_id = cgroup_id };

	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.drift), &mnt_ns, &v, BPF_ANY) < 0)
		return -errno;
	/* its root's watched files; a process already gone costs only the
	 * faster match (the kernel falls back to the resolved path) */
	if (root_pid > 0)
		path_watch_add_root(p->watch, mnt_ns, root_pid);
	return 0;
}

static int probe_unwatch(void *state, uint32_t mnt_ns)
{
	struct probe *p = state;

	path_watch_drop_root(p->watch, mnt_ns);
	if (bpf_map_delete_elem(bpf_map__fd(p->skel->maps.drift), &mnt_ns) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

struct deny_set {
	const char *const *paths;
	size_t n;
};

static bool deny_wanted(const void *key, const void *set)
{
	const struct deny_set *s = set;

	for (size_t i = 0; i < s->n; i++)
		if (!strncmp(key, s->paths[i], MOAT_EV_PATH_LEN))
			return true;
	return false;
}

/* The kernel's deny list becomes exactly paths: new ones in, then stale
 * ones (a kill rule removed or edited on reload) out. */
static int probe_deny(void *state, const char *const *paths, size_t n)
{
	struct probe *p = state;
	int fd = bpf_map__fd(p->skel->maps.deny);
	struct moat_ev_deny v = { .action = 1 };
	struct deny_set set = { paths, n };
	char key[MOAT_EV_PATH_LEN];

	for (size_t i = 0; i < n; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key, paths[i], strlen(paths[i]));
		if (bpf_map_update_elem(fd, key, &v, BPF_ANY) < 0)
			return -errno;
	}
	return probe_drop_stale(fd, sizeof(key), MOAT_SENSOR_DENY_MAX, deny_wanted, &set);
}

static int probe_watched(void *state, const struct moat_ev_prefix *pre, size_t n)
{
	struct probe *p = state;

	return path_watch_prefixes(p->watch, pre, n);
}

static const char *probe_watch_name(void *state, const struct moat_ev_file *f)
{
	struct probe *p = state;

	return path_watch_name(p->watch, f->watch, f->dev, f->ino);
}

const struct sensor_backend sensor_bpf_backend = {
	.name = "ebpf",
	.open = probe_open,
	.close = probe_close,
	.poll = probe_poll,
	.attached = probe_attached,
	.lost = probe_lost,
	.watch = probe_watch,
	.unwatch = probe_unwatch,
	.deny = probe_deny,
	.prefixes = probe_prefixes,
	.watched = probe_watched,
	.watch_name = probe_watch_name,
	.baseline = &sensor_bpf_baseline,
};

struct sensor_bpf *probe_skel(void *state)
{
	return ((struct probe *)state)->skel;
}
