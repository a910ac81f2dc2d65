/* SPDX-License-Identifier: Apache-2.0 */
/* proctab.c - the defender's process table: 8-way probing in a fixed array, overwrite when full. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "proctab.h"

#define PROBES 8u

static size_t slot_of(uint32_t tgid, unsigned i)
{
	return ((size_t)tgid * 2654435761u + i) % MOAT_PROCTAB_SLOTS;
}

struct moat_proc *moat_proctab_get(struct moat_proctab *t, uint32_t tgid)
{
	if (!tgid)
		return NULL;
	for (unsigned i = 0; i < PROBES; i++) {
		struct moat_proc *p = &t->slots[slot_of(tgid, i)];

		if (p->tgid == tgid)
			return p;
	}
	return NULL;
}

struct moat_proc *moat_proctab_put(struct moat_proctab *t, uint32_t tgid)
{
	struct moat_proc *p = moat_proctab_get(t, tgid);

	for (unsigned i = 0; !p && i < PROBES; i++)
		if (t->slots[slot_of(tgid, i)].tgid == 0)
			p = &t->slots[slot_of(tgid, i)];
	if (!p)
		p = &t->slots[slot_of(tgid, 0)];        /* full: forget an old process */
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	return p;
}

void moat_proctab_del(struct moat_proctab *t, uint32_t tgid)
{
	struct moat_proc *p = moat_proctab_get(t, tgid);

	if (p)
		p->tgid = 0;
}

void moat_proc_join_args(const char *args, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	while (len && args[len - 1] == 0)
		len--;
	for (size_t i = 0; i < len && o + 1 < cap; i++) {
		char c = args[i];

		if (c == 0)
			c = ' ';
		out[o++] = c;
	}
	out[o] = 0;
}

static ssize_t read_proc(uint32_t tgid, const char *name, char *buf, size_t cap)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/%s", tgid, name);
	return moat_read_small_file(path, buf, cap);
}

/* "PPid:\t123" from /proc/PID/status */
static uint32_t status_ppid(const char *status)
{
	const char *p = strstr(status, "\nPPid:");
	unsigned long v = 0;

	if (!p)
		return 0;
	for (p += 6; *p == ' ' || *p == '\t'; p++)
		;
	for (; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	return (uint32_t)v;
}

struct moat_proc *moat_proctab_load(struct moat_proctab *t, uint32_t tgid)
{
	struct moat_proc *p = moat_proctab_get(t, tgid);
	char buf[2048];
	char path[64];
	ssize_t n;

	if (p || !tgid)
		return p;
	n = read_proc(tgid, "status", buf, sizeof(buf));
	if (n < 0)
		return NULL;
	p = moat_proctab_put(t, tgid);
	p->ppid = status_ppid(buf);
	if (read_proc(tgid, "comm", p->comm, sizeof(p->comm)) > 0)
		p->comm[strcspn(p->comm, "\n")] = 0;
	snprintf(path, sizeof(path), "/proc/%u/exe", tgid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = 0;
	n = read_proc(tgid, "cmdline", buf, sizeof(buf));
	if (n > 0)
		moat_proc_join_args(buf, (size_t)n, p->cmdline, sizeof(p->cmdline));
	return p;
}
