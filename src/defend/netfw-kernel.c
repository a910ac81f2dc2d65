/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-kernel.c - load bpf/netfw.bpf.c and attach it (docs/network.md,
 * "Enforcement"). The sock_addr programs go on the root of the cgroup v2
 * mount, where every container's cgroup sits below (Docker with cgroup v1
 * still places each container in <v2 mount>/docker/<id>); links die with
 * the defender, so a crash leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "moat/error.h"
#include "netfw-kernel.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "netfw.skel.h"
#pragma GCC diagnostic pop

struct iso {
	uint64_t cg;
	struct bpf_link *in, *out;
};

struct dns_link {
	uint64_t cg;
	struct bpf_link *link;
};

struct moat_nfk {
	struct netfw_bpf *skel;
	struct bpf_link *links[4];
	int root_fd;
	struct iso iso[MOAT_NFK_ISO_MAX];
	struct dns_link *dns;               /* one per watched container */
	size_t n_dns, cap_dns;
	int ncpus;
	struct ring_buffer *rb;
	struct moat_nfk_sink sink;
};

const char *moat_nfk_cgroup2_root(void)
{
	static char root[256];
	char line[512];
	FILE *f = fopen("/proc/self/mounts", "re");

	root[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char dev[64], dir[256], type[32];

		if (sscanf(line, "%63s %255s %31s", dev, dir, type) == 3 && !strcmp(type, "cgroup2")) {
			snprintf(root, sizeof(root), "%s", dir);
			break;
		}
	}
	if (f)
		fclose(f);
	return root[0] ? root : NULL;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int map_fd(const struct bpf_map *m)
{
	return bpf_map__fd(m);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct moat_nfk *k = ctx;
	const struct moat_nf_event *ev = data;

	if (len < sizeof(*ev))
		return 0;
	if (ev->kind == MOAT_NF_EV_DNS) {
		if (len >= sizeof(struct moat_nf_dns) && k->sink.dns)
			k->sink.dns(k->sink.ctx, data);
	} else if (k->sink.conn) {
		k->sink.conn(k->sink.ctx, ev);
	}
	return 0;
}

int moat_nfk_drain(struct moat_nfk *k, const struct moat_nfk_sink *sink)
{
	k->sink = *sink;
	return ring_buffer__consume(k->rb);
}

int moat_nfk_dns_watch(struct moat_nfk *k, uint64_t cg, const char *path, struct moat_error *err)
{
	struct bpf_link *l;
	int fd;

	for (size_t i = 0; i < k->n_dns; i++)
		if (k->dns[i].cg == cg)
			return 0;
	if (k->n_dns == k->cap_dns) {
		size_t nc = k->cap_dns ? k->cap_dns * 2 : 64;
		struct dns_link *v = realloc(k->dns, nc * sizeof(*v));

		if (!v)
			return moat_error_set(err, -ENOMEM, "netfw: out of memory");
		k->dns = v;
		k->cap_dns = nc;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, -errno, "netfw: %s: %s", path, strerror(errno));
	l = bpf_program__attach_cgroup(k->skel->progs.nf_dns_ingress, fd);
	close(fd);
	if (!l)
		return moat_error_set(err, -errno, "netfw: attaching the DNS reader at %s: %s", path,
				      strerror(errno));
	k->dns[k->n_dns++] = (struct dns_link){ cg, l };
	return 0;
}

void moat_nfk_dns_unwatch(struct moat_nfk *k, uint64_t cg)
{
	for (size_t i = 0; i < k->n_dns; i++) {
		if (k->dns[i].cg != cg)
			continue;
		bpf_link__destroy(k->dns[i].link);
		k->dns[i] = k->dns[--k->n_dns];
		return;
	}
}

int moat_nfk_dns_allow_set(struct moat_nfk *k, const struct moat_nf_dns_key *key,
			   const struct moat_nf_dns_ports *v)
{
	return bpf_map_update_elem(map_fd(k->skel->maps.dns_allow), key, v, BPF_ANY) ? -errno : 0;
}

int moat_nfk_dns_allow_del(struct moat_nfk *k, const struct moat_nf_dns_key *key)
{
	return bpf_map_delete_elem(map_fd(k->skel->maps.dns_allow), key) && errno != ENOENT
		       ? -errno
		       : 0;
}

int moat_nfk_dest_add(struct moat_nfk *k, const uint8_t addr[16])
{
	__u8 one = 1;

	return bpf_map_update_elem(map_fd(k->skel->maps.dests), addr, &one, BPF_ANY) ? -errno : 0;
}

int moat_nfk_dest_del(struct moat_nfk *k, const uint8_t addr[16])
{
	return bpf_map_delete_elem(map_fd(k->skel->maps.dests), addr) && errno != ENOENT ? -errno
											: 0;
}

void moat_nfk_close(struct moat_nfk *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < MOAT_NFK_ISO_MAX; i++)
		if (k->iso[i].cg)
			moat_nfk_unisolate(k, k->iso[i].cg);
	for (size_t i = 0; i < 4; i++)
		bpf_link__destroy(k->links[i]);
	for (size_t i = 0; i < k->n_dns; i++)
		bpf_link__destroy(k->dns[i].link);
	free(k->dns);
	ring_buffer__free(k->rb);
	netfw_bpf__destroy(k->skel);
	if (k->root_fd >= 0)
		close(k->root_fd);
	free(k);
}

int moat_nfk_open(struct moat_nfk **ret, struct moat_error *err)
{
	const char *root = moat_nfk_cgroup2_root();
	struct moat_nfk *k;
	struct bpf_program *progs[4];

	if (!root)
		return moat_error_set(err, -ENOENT, "netfw: no cgroup v2 hierarchy mounted");
	k = calloc(1, sizeof(*k));
	if (!k)
		return moat_error_set(err, -ENOMEM, "netfw: out of memory");
	k->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	k->ncpus = libbpf_num_possible_cpus();
	libbpf_set_print(quiet);
	if (k->root_fd < 0 || k->ncpus <= 0) {
		int e = k->root_fd < 0 ? -errno : -EINVAL;

		moat_nfk_close(k);
		return moat_error_set(err, e, "netfw: %s: %s", root, strerror(-e));
	}
	k->skel = netfw_bpf__open_and_load();
	if (!k->skel) {
		int e = -errno;

		moat_nfk_close(k);
		return moat_error_set(err, e, "netfw: loading the BPF programs: %s", strerror(-e));
	}
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), on_event, k, NULL);
	if (!k->rb) {
		int e = -errno;

		moat_nfk_close(k);
		return moat_error_set(err, e, "netfw: ring buffer: %s", strerror(-e));
	}
	progs[0] = k->skel->progs.nf_connect4;
	progs[1] = k->skel->progs.nf_connect6;
	progs[2] = k->skel->progs.nf_sendmsg4;
	progs[3] = k->skel->progs.nf_sendmsg6;
	for (size_t i = 0; i < 4; i++) {
		k->links[i] = bpf_program__attach_cgroup(progs[i], k->root_fd);
		if (!k->links[i]) {
			int e = -errno;

			k->links[i] = NULL;
			moat_nfk_close(k);
			return moat_error_set(err, e, "netfw: attaching %s at %s: %s",
					      bpf_program__section_name(progs[i]), root, strerror(-e));
		}
	}
	*ret = k;
	return 0;
}

int moat_nfk_cgroup_set(struct moat_nfk *k, uint64_t cg, const struct moat_nf_cgroup *v)
{
	return bpf_map_update_elem(map_fd(k->skel->maps.cgroups), &cg, v, BPF_ANY) ? -errno : 0;
}

int moat_nfk_cgroup_del(struct moat_nfk *k, uint64_t cg)
{
	return bpf_map_delete_elem(map_fd(k->skel->maps.cgroups), &cg) && errno != ENOENT ? -errno
											   : 0;
}

int moat_nfk_allow_add(struct moat_nfk *k, const struct moat_nf_key *key)
{
	__u8 one = 1;

	return bpf_map_update_elem(map_fd(k->skel->maps.allow), key, &one, BPF_ANY) ? -errno : 0;
}

int moat_nfk_allow_del(struct moat_nfk *k, const struct moat_nf_key *key)
{
	return bpf_map_delete_elem(map_fd(k->skel->maps.allow), key) && errno != ENOENT ? -errno
											 : 0;
}

int moat_nfk_deny_add(struct moat_nfk *k, const struct moat_nf_key *key)
{
	__u8 one = 1;

	return bpf_map_update_elem(map_fd(k->skel->maps.deny), key, &one, BPF_ANY) ? -errno : 0;
}

int moat_nfk_deny_del(struct moat_nfk *k, const struct moat_nf_key *key)
{
	return bpf_map_delete_elem(map_fd(k->skel->maps.deny), key) && errno != ENOENT ? -errno
											: 0;
}

int moat_nfk_isolate(struct moat_nfk *k, uint64_t cg, const char *path, struct moat_error *err)
{
	struct iso *slot = NULL;
	int fd;

	for (size_t i = 0; i < MOAT_NFK_ISO_MAX; i++) {
		if (k->iso[i].cg == cg)
			return 0;
		if (!k->iso[i].cg && !slot)
			slot = &k->iso[i];
	}
	if (!slot)
		return moat_error_set(err, MOAT_E_LIMIT, "netfw: more than %d isolated containers",
				      MOAT_NFK_ISO_MAX);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, -errno, "netfw: %s: %s", path, strerror(errno));
	slot->in = bpf_program__attach_cgroup(k->skel->progs.nf_iso_ingress, fd);
	slot->out = slot->in ? bpf_program__attach_cgroup(k->skel->progs.nf_iso_egress, fd) : NULL;
	if (!slot->in || !slot->out) {
		int e = -errno;

		bpf_link__destroy(slot->in);
		slot->in = NULL;
		close(fd);
		return moat_error_set(err, e, "netfw: attaching the isolation filter at %s: %s", path,
				      strerror(-e));
	}
	close(fd);
	slot->cg = cg;
	return 0;
}

void moat_nfk_unisolate(struct moat_nfk *k, uint64_t cg)
{
	for (size_t i = 0; i < MOAT_NFK_ISO_MAX; i++) {
		if (k->iso[i].cg != cg)
			continue;
		bpf_link__destroy(k->iso[i].in);
		bpf_link__destroy(k->iso[i].out);
		memset(&k->iso[i], 0, sizeof(k->iso[i]));
	}
}

int moat_nfk_stats(struct moat_nfk *k, uint64_t out[MOAT_NF_STAT_MAX])
{
	uint64_t *per = calloc((size_t)k->ncpus, sizeof(*per));

	if (!per)
		return -ENOMEM;
	for (uint32_t s = 0; s < MOAT_NF_STAT_MAX; s++) {
		out[s] = 0;
		if (bpf_map_lookup_elem(map_fd(k->skel->maps.stats), &s, per) == 0)
			for (int c = 0; c < k->ncpus; c++)
				out[s] += per[c];
	}
	free(per);
	return 0;
}
