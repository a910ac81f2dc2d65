/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnsnames.h - per container, the names its own DNS answers gave each
 * address (docs/network.md, "DNS names"): (cgroup, address) -> names, each
 * until its TTL (at least MOAT_DNSN_MIN_HOLD_S, as resolvers and runtimes
 * cache past short TTLs) runs out. Bounded: at MOAT_DNSN_MAX entries the
 * one closest to expiry makes room.
 */
#ifndef MOAT_DEFEND_DNSNAMES_H
#define MOAT_DEFEND_DNSNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsmsg.h"

#define MOAT_DNSN_MAX 8192u
#define MOAT_DNSN_MIN_HOLD_S 120
#define MOAT_DNSN_NAMES 8u          /* names returned for one address */

struct moat_dnsn_entry {
	uint64_t cg;
	uint8_t addr[16];
	int64_t expires;            /* seconds, CLOCK_MONOTONIC */
	char name[MOAT_DNS_NAME_MAX];
};

struct moat_dnsnames;

int moat_dnsnames_new(struct moat_dnsnames **ret);
void moat_dnsnames_free(struct moat_dnsnames *t);
/* Remember every address of msg for cgroup cg as of now (seconds); how many
 * entries are new (0 when all were known and only their TTL moved). */
size_t moat_dnsnames_add(struct moat_dnsnames *t, uint64_t cg, const struct moat_dns_msg *msg,
			 int64_t now);
/* The names (most recent first) addr has for cg; up to MOAT_DNSN_NAMES. */
size_t moat_dnsnames_get(const struct moat_dnsnames *t, uint64_t cg, const uint8_t addr[16],
			 const char *out[MOAT_DNSN_NAMES]);
/* Drop what expired by now; true when something did. */
bool moat_dnsnames_expire(struct moat_dnsnames *t, int64_t now);
/* Every live entry, for the kernel's allow-list. */
size_t moat_dnsnames_count(const struct moat_dnsnames *t);
const struct moat_dnsn_entry *moat_dnsnames_at(const struct moat_dnsnames *t, size_t i);

#endif
