/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netfw-kernel.h - the container firewall's kernel side (bpf/netfw.bpf.c):
 * load it, attach the connect/sendmsg programs at the root of the cgroup v2
 * hierarchy, and keep its maps. The only file that sees libbpf for it.
 * Without eBPF support every call fails with -EOPNOTSUPP.
 */
#ifndef MOAT_DEFEND_NETFW_KERNEL_H
#define MOAT_DEFEND_NETFW_KERNEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>

#include "netfw-abi.h"

struct moat_error;
struct moat_nfk;

#define MOAT_NFK_ISO_MAX 256   /* containers isolated at once */

/* The cgroup v2 mount point (/sys/fs/cgroup or /sys/fs/cgroup/unified), or NULL. */
const char *moat_nfk_cgroup2_root(void);

int moat_nfk_open(struct moat_nfk **ret, struct moat_error *err);
void moat_nfk_close(struct moat_nfk *k);

/* What applies to cgroup cg (a container's v2 cgroup id). */
int moat_nfk_cgroup_set(struct moat_nfk *k, uint64_t cg, const struct moat_nf_cgroup *v);
int moat_nfk_cgroup_del(struct moat_nfk *k, uint64_t cg);
int moat_nfk_allow_add(struct moat_nfk *k, const struct moat_nf_key *key);
int moat_nfk_allow_del(struct moat_nfk *k, const struct moat_nf_key *key);
/* Destinations refused to a policy whatever its mode (console denials),
 * for cgroups whose entry has deny set. */
int moat_nfk_deny_add(struct moat_nfk *k, const struct moat_nf_key *key);
int moat_nfk_deny_del(struct moat_nfk *k, const struct moat_nf_key *key);

/* Watch an address of a container (host -> container flows are reported). */
int moat_nfk_dest_add(struct moat_nfk *k, const uint8_t addr[16]);
int moat_nfk_dest_del(struct moat_nfk *k, const uint8_t addr[16]);

/* Hand every record waiting in the ring to conn or dns, in the order the
 * kernel wrote them (an answer comes before the connect it led to);
 * returns how many, or -errno. */
struct moat_nfk_sink {
	void (*conn)(void *ctx, const struct moat_nf_event *ev);
	void (*dns)(void *ctx, const struct moat_nf_dns *d);
	void *ctx;
};
int moat_nfk_drain(struct moat_nfk *k, const struct moat_nfk_sink *sink);
/* Copy the DNS answers the container at cgroup path receives (and, in
 * enforce mode, allow their addresses for dns_allow's names) until unwatch. */
int moat_nfk_dns_watch(struct moat_nfk *k, uint64_t cg, const char *path, struct moat_error *err);
void moat_nfk_dns_unwatch(struct moat_nfk *k, uint64_t cg);
int moat_nfk_dns_allow_set(struct moat_nfk *k, const struct moat_nf_dns_key *key,
			   const struct moat_nf_dns_ports *v);
int moat_nfk_dns_allow_del(struct moat_nfk *k, const struct moat_nf_dns_key *key);

/* Drop every packet of the cgroup at path (a directory of the v2 mount)
 * whose peer is not an isolation peer, until unisolate; cg names it. */
int moat_nfk_isolate(struct moat_nfk *k, uint64_t cg, const char *path, struct moat_error *err);
void moat_nfk_unisolate(struct moat_nfk *k, uint64_t cg);

/* Counters summed over CPUs (enum moat_nf_stat). */
int moat_nfk_stats(struct moat_nfk *k, uint64_t out[MOAT_NF_STAT_MAX]);

#endif
