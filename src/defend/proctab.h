/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proctab.h - what the defender remembers per process: a fixed table (no
 * allocation per event) keyed by tgid, fed by exec/fork/exit, filled from
 * /proc for processes that started before the defender.
 */
#ifndef MOAT_DEFEND_PROCTAB_H
#define MOAT_DEFEND_PROCTAB_H

#include <stdint.h>

#define MOAT_PROCTAB_SLOTS 8192u
#define MOAT_PROC_STR 256

struct moat_proc {
	uint32_t tgid;                  /* 0 = free slot */
	uint32_t ppid;
	char comm[16];
	char exe[MOAT_PROC_STR];
	char cmdline[MOAT_PROC_STR];    /* argv joined by spaces, truncated */
};

struct moat_proctab {
	struct moat_proc slots[MOAT_PROCTAB_SLOTS];
};

/* Entry for tgid or NULL. */
struct moat_proc *moat_proctab_get(struct moat_proctab *t, uint32_t tgid);
/* Entry for tgid, created (possibly over an old one) if absent; never NULL. */
struct moat_proc *moat_proctab_put(struct moat_proctab *t, uint32_t tgid);
void moat_proctab_del(struct moat_proctab *t, uint32_t tgid);
/* Entry for tgid, read from /proc on a miss; NULL if the process is gone. */
struct moat_proc *moat_proctab_load(struct moat_proctab *t, uint32_t tgid);

/* argv as NUL-separated bytes -> "a b c" in out (cap bytes, NUL-terminated). */
void moat_proc_join_args(const char *args, size_t len, char *out, size_t cap);

#endif
