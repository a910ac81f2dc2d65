/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnsnames.c - the address -> name table (dnsnames.h). Entries live in one
 * array; an index keyed by (cgroup, address) points at the most recent
 * entry of that pair, and entries of the same pair are chained.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "dnsnames.h"

#define NONE ((size_t)-1)

struct slot {
	struct moat_dnsn_entry e;
	char key[24];               /* cg, addr: the index's key */
	size_t next;                /* older entry of the same pair, or NONE */
};

struct moat_dnsnames {
	struct slot *v;
	size_t n;
	struct moat_hmap ix;        /* key -> (size_t)index + 1 */
};

static void key_of(uint64_t cg, const uint8_t addr[16], char out[24])
{
	memcpy(out, &cg, 8);
	memcpy(out + 8, addr, 16);
}

static size_t head(const struct moat_dnsnames *t, const char key[24])
{
	void *v = moat_hmap_get(&t->ix, key, 24);

	return v ? (size_t)(uintptr_t)v - 1 : NONE;
}

int moat_dnsnames_new(struct moat_dnsnames **ret)
{
	struct moat_dnsnames *t = calloc(1, sizeof(*t));

	if (!t || !(t->v = calloc(MOAT_DNSN_MAX, sizeof(*t->v)))) {
		free(t);
		return -ENOMEM;
	}
	moat_hmap_init(&t->ix);
	*ret = t;
	return 0;
}

void moat_dnsnames_free(struct moat_dnsnames *t)
{
	if (!t)
		return;
	moat_hmap_release(&t->ix);
	free(t->v);
	free(t);
}

/* Rebuild the index and chains after entries moved (removal compacts). */
static void reindex(struct moat_dnsnames *t)
{
	moat_hmap_release(&t->ix);
	moat_hmap_init(&t->ix);
	for (size_t i = 0; i < t->n; i++) {
		size_t h = head(t, t->v[i].key);

		t->v[i].next = h;
		moat_hmap_put(&t->ix, t->v[i].key, 24, (void *)(uintptr_t)(i + 1));
	}
}

/* Room for one more: the entry closest to expiry goes. */
static void evict_one(struct moat_dnsnames *t)
{
	size_t min = 0;

	for (size_t i = 1; i < t->n; i++)
		if (t->v[i].e.expires < t->v[min].e.expires)
			min = i;
	t->v[min] = t->v[--t->n];
	reindex(t);
}

static bool add_one(struct moat_dnsnames *t, uint64_t cg, const struct moat_dns_addr *a,
		    const char *name, int64_t expires)
{
	char key[24];
	struct slot *s;

	key_of(cg, a->addr, key);
	for (size_t i = head(t, key); i != NONE; i = t->v[i].next) {
		if (strcmp(t->v[i].e.name, name) != 0)
			continue;
		if (t->v[i].e.expires < expires)
			t->v[i].e.expires = expires;
		return false;
	}
	if (t->n == MOAT_DNSN_MAX)
		evict_one(t);
	s = &t->v[t->n];
	s->e.cg = cg;
	memcpy(s->e.addr, a->addr, 16);
	s->e.expires = expires;
	memcpy(s->e.name, name, sizeof(s->e.name));
	memcpy(s->key, key, 24);
	s->next = head(t, key);
	/* an index that cannot grow leaves the entry unreachable, not wrong */
	if (moat_hmap_put(&t->ix, s->key, 24, (void *)(uintptr_t)(t->n + 1)) < 0)
		return false;
	t->n++;
	return true;
}

size_t moat_dnsnames_add(struct moat_dnsnames *t, uint64_t cg, const struct moat_dns_msg *msg,
			 int64_t now)
{
	size_t added = 0;

	for (size_t i = 0; i < msg->n; i++) {
		int64_t hold = msg->a[i].ttl < MOAT_DNSN_MIN_HOLD_S ? MOAT_DNSN_MIN_HOLD_S
								    : (int64_t)msg->a[i].ttl;

		added += add_one(t, cg, &msg->a[i], msg->qname, now + hold);
	}
	return added;
}

size_t moat_dnsnames_get(const struct moat_dnsnames *t, uint64_t cg, const uint8_t addr[16],
			 const char *out[MOAT_DNSN_NAMES])
{
	char key[24];
	size_t n = 0;

	key_of(cg, addr, key);
	for (size_t i = head(t, key); i != NONE && n < MOAT_DNSN_NAMES; i = t->v[i].next)
		out[n++] = t->v[i].e.name;
	return n;
}

bool moat_dnsnames_expire(struct moat_dnsnames *t, int64_t now)
{
	size_t w = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].e.expires > now)
			t->v[w++] = t->v[i];
	if (w == t->n)
		return false;
	t->n = w;
	reindex(t);
	return true;
}

size_t moat_dnsnames_count(const struct moat_dnsnames *t)
{
	return t->n;
}

const struct moat_dnsn_entry *moat_dnsnames_at(const struct moat_dnsnames *t, size_t i)
{
	return i < t->n ? &t->v[i].e : NULL;
}
