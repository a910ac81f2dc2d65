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
#include "sensor-int.h"
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
	unsigned n_raw;          /* programs replaced by the raw sys_enter probe */
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
	for (unsigned i = 0; i < p->n_links; i++)
		bpf_link__destroy(p->links[i]);
	sensor_bpf__destroy(p->skel);
	free(p);
}

static int fill_prefixes(struct probe *p, const struct moat_sensor_opts *opts)
{
	int fd = bpf_map__fd(p->skel->maps.prefixes);

	for (__u32 i = 0; i < opts->n_prefixes; i++) {
		struct moat_ev_prefix v = opts->prefixes[i];

		if (bpf_map_update_elem(fd, &i, &v, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
}

/* Generic-kind programs and the syscall each stands for, for the raw fallback. */
static const struct {
	const char *prog;
	unsigned nr;
	unsigned kind;
} raw_table[] = {
	{ "handle_setuid", __NR_setuid, MOAT_EV_SETUID },
	{ "handle_setreuid", __NR_setreuid, MOAT_EV_SETUID },
	{ "handle_setresuid", __NR_setresuid, MOAT_EV_SETUID },
	{ "handle_setgid", __NR_setgid, MOAT_EV_SETGID },
	{ "handle_setresgid", __NR_setresgid, MOAT_EV_SETGID },
	{ "handle_capset", __NR_capset, MOAT_EV_CAPSET },
	{ "handle_ptrace", __NR_ptrace, MOAT_EV_PTRACE },
	{ "handle_unshare", __NR_unshare, MOAT_EV_UNSHARE },
	{ "handle_setns", __NR_setns, MOAT_EV_SETNS },
	{ "handle_init_module", __NR_init_module, MOAT_EV_MODULE },
	{ "handle_finit_module", __NR_finit_module, MOAT_EV_MODULE },
	{ "handle_bpf", __NR_bpf, MOAT_EV_BPF },
};

/* A program that failed to attach: route its syscall through the raw tracepoint. Returns 1 if it can. */
static int route_raw(struct probe *p, const char *name)
{
	int fd = bpf_map__fd(p->skel->maps.raw_kinds);

	for (size_t i = 0; i < sizeof(raw_table) / sizeof(raw_table[0]); i++) {
		__u32 nr = raw_table[i].nr;
		__u32 kind = raw_table[i].kind;

		if (strcmp(raw_table[i].prog, name) != 0)
			continue;
		/* module syscalls on a kernel without modules are not worth a raw probe */
		if (kind == MOAT_EV_MODULE && access("/proc/modules", F_OK) != 0)
			return 0;
		return bpf_map_update_elem(fd, &nr, &kind, BPF_ANY) == 0;
	}
	return 0;
}

static void attach_all(struct probe *p)
{
	struct bpf_program *raw = p->skel->progs.handle_raw_enter;
	struct bpf_program *prog;
	unsigned rerouted = 0;
	struct bpf_link *link;

	bpf_object__for_each_program(prog, p->skel->obj) {
		if (prog == raw)
			continue;
		p->n_progs++;
		if (p->n_links >= PROBE_MAX_LINKS)
			continue;
		link = bpf_program__attach(prog);
		if (link)
			p->links[p->n_links++] = link;
		else if (route_raw(p, bpf_program__name(prog)))
			rerouted++;     /* counted as attached once the raw probe is */
		/* else: tracepoint absent on this kernel */
	}
	if (rerouted == 0 || p->n_links >= PROBE_MAX_LINKS)
		return;
	link = bpf_program__attach(raw);
	if (!link)
		return;
	p->links[p->n_links++] = link;
	p->n_raw = rerouted;
}

static int probe_open(struct moat_sensor *sensor, const struct moat_sensor_opts *opts,
		      void **ret_state, struct moat_error *err)
{
	struct probe *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return moat_error_set(err, -ENOMEM, "sensor: out of memory");
	p->sensor = sensor;
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
	p->skel->rodata->all_writes = opts->all_writes;
	r = sensor_bpf__load(p->skel);
	if (r < 0) {
		moat_error_set(err, r, "sensor: load BPF programs: %s", strerror(-r));
		goto out_fail;
	}
	r = fill_prefixes(p, opts);
	if (r < 0) {
		moat_error_set(err, r, "sensor: fill prefix map: %s", strerror(-r));
		goto out_fail;
	}
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

	return ring_buffer__poll(p->rb, timeout_ms);
}

static unsigned probe_attached(void *state, unsigned *ret_total)
{
	struct probe *p = state;

	if (ret_total)
		*ret_total = p->n_progs;
	/* the raw probe stands for the programs it replaces */
	return p->n_links + (p->n_raw ? p->n_raw - 1 : 0);
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

	(void)root_pid;
	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.drift), &mnt_ns, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

static int probe_unwatch(void *state, uint32_t mnt_ns)
{
	struct probe *p = state;

	if (bpf_map_delete_elem(bpf_map__fd(p->skel->maps.drift), &mnt_ns) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int probe_deny(void *state, const char *path)
{
	struct probe *p = state;
	char key[MOAT_EV_PATH_LEN] = { 0 };
	struct moat_ev_deny v = { .action = 1 };

	memcpy(key, path, strlen(path));
	if (bpf_map_update_elem(bpf_map__fd(p->skel->maps.deny), key, &v, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Every slot: the ones past n are emptied so an old prefix does not linger. */
static int probe_prefixes(void *state, const struct moat_ev_prefix *pre, size_t n)
{
	struct probe *p = state;
	int fd = bpf_map__fd(p->skel->maps.prefixes);

	for (__u32 i = 0; i < MOAT_EV_PREFIX_MAX; i++) {
		struct moat_ev_prefix v = { 0 };

		if (i < n)
			v = pre[i];
		if (bpf_map_update_elem(fd, &i, &v, BPF_ANY) < 0)
			return -errno;
	}
	return 0;
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
};
