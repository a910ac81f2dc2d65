/* SPDX-License-Identifier: Apache-2.0 */
/* netfw-kernel-none.c - builds without eBPF: no kernel enforcement. */
#include <errno.h>
#include <stddef.h>

#include "moat/error.h"
#include "netfw-kernel.h"

const char *moat_nfk_cgroup2_root(void)
{
	return NULL;
}

int moat_nfk_open(struct moat_nfk **ret, struct moat_error *err)
{
	(void)ret;
	return moat_error_set(err, -EOPNOTSUPP, "netfw: built without eBPF support");
}

void moat_nfk_close(struct moat_nfk *k)
{
	(void)k;
}

int moat_nfk_cgroup_set(struct moat_nfk *k, uint64_t cg, const struct moat_nf_cgroup *v)
{
	(void)k, (void)cg, (void)v;
	return -EOPNOTSUPP;
}

int moat_nfk_cgroup_del(struct moat_nfk *k, uint64_t cg)
{
	(void)k, (void)cg;
	return -EOPNOTSUPP;
}

int moat_nfk_allow_add(struct moat_nfk *k, const struct moat_nf_key *key)
{
	(void)k, (void)key;
	return -EOPNOTSUPP;
}

int moat_nfk_allow_del(struct moat_nfk *k, const struct moat_nf_key *key)
{
	(void)k, (void)key;
	return -EOPNOTSUPP;
}

int moat_nfk_deny_add(struct moat_nfk *k, const struct moat_nf_key *key)
{
	(void)k, (void)key;
	return -EOPNOTSUPP;
}

int moat_nfk_deny_del(struct moat_nfk *k, const struct moat_nf_key *key)
{
	(void)k, (void)key;
	return -EOPNOTSUPP;
}

int moat_nfk_isolate(struct moat_nfk *k, uint64_t cg, const char *path, struct moat_error *err)
{
	(void)k, (void)cg, (void)path;
	return moat_error_set(err, -EOPNOTSUPP, "netfw: built without eBPF support");
}

void moat_nfk_unisolate(struct moat_nfk *k, uint64_t cg)
{
	(void)k, (void)cg;
}

int moat_nfk_stats(struct moat_nfk *k, uint64_t out[MOAT_NF_STAT_MAX])
{
	(void)k, (void)out;
	return -EOPNOTSUPP;
}

int moat_nfk_dest_add(struct moat_nfk *k, const uint8_t addr[16])
{
	(void)k, (void)addr;
	return -EOPNOTSUPP;
}

int moat_nfk_dest_del(struct moat_nfk *k, const uint8_t addr[16])
{
	(void)k, (void)addr;
	return -EOPNOTSUPP;
}

int moat_nfk_drain(struct moat_nfk *k, const struct moat_nfk_sink *sink)
{
	(void)k, (void)sink;
	return -EOPNOTSUPP;
}

int moat_nfk_dns_watch(struct moat_nfk *k, uint64_t cg, const char *path, struct moat_error *err)
{
	(void)k, (void)cg, (void)path;
	return moat_error_set(err, -EOPNOTSUPP, "netfw: built without eBPF support");
}

void moat_nfk_dns_unwatch(struct moat_nfk *k, uint64_t cg)
{
	(void)k, (void)cg;
}

int moat_nfk_dns_allow_set(struct moat_nfk *k, const struct moat_nf_dns_key *key,
			   const struct moat_nf_dns_ports *v)
{
	(void)k, (void)key, (void)v;
	return -EOPNOTSUPP;
}

int moat_nfk_dns_allow_del(struct moat_nfk *k, const struct moat_nf_dns_key *key)
{
	(void)k, (void)key;
	return -EOPNOTSUPP;
}
