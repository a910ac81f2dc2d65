/* SPDX-License-Identifier: Apache-2.0 */
/* hmap.c - linear probing, grown at 50% load so probes stay short. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

uint64_t moat_hash_bytes(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

void moat_hmap_init(struct moat_hmap *map)
{
	map->slots = NULL;
	map->cap = 0;
	map->count = 0;
}

void moat_hmap_release(struct moat_hmap *map)
{
	free(map->slots);
	moat_hmap_init(map);
}

static struct moat_hmap_slot *find_slot(struct moat_hmap_slot *slots, size_t cap,
					const char *key, size_t key_len, uint64_t hash)
{
	size_t i = (size_t)hash & (cap - 1);

	for (;;) {
		struct moat_hmap_slot *s = &slots[i];

		if (!s->key)
			return s;
		if (s->hash == hash && s->key_len == key_len && memcmp(s->key, key, key_len) == 0)
			return s;
		i = (i + 1) & (cap - 1);
	}
}

void *moat_hmap_get(const struct moat_hmap *map, const char *key, size_t key_len)
{
	struct moat_hmap_slot *s;

	if (!map->cap)
		return NULL;
	s = find_slot(map->slots, map->cap, key, key_len, moat_hash_bytes(key, key_len));
	return s->key ? s->value : NULL;
}

static int grow(struct moat_hmap *map)
{
	size_t cap = map->cap ? map->cap * 2 : 64;
	struct moat_hmap_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < map->cap; i++) {
		struct moat_hmap_slot *old = &map->slots[i];

		if (old->key)
			*find_slot(slots, cap, old->key, old->key_len, old->hash) = *old;
	}
	free(map->slots);
	map->slots = slots;
	map->cap = cap;
	return 0;
}

int moat_hmap_put(struct moat_hmap *map, const char *key, size_t key_len, void *value)
{
	uint64_t hash = moat_hash_bytes(key, key_len);
	struct moat_hmap_slot *s;

	if ((map->count + 1) * 2 > map->cap) {
		int r = grow(map);

		if (r < 0)
			return r;
	}
	s = find_slot(map->slots, map->cap, key, key_len, hash);
	if (!s->key) {
		s->key = key;
		s->key_len = key_len;
		s->hash = hash;
		map->count++;
	}
	s->value = value;
	return 0;
}

/* Slot i is free: would the entry at j (home h) be lost behind it? True when
 * h is not cyclically within (i, j], i.e. its probe from h passes i. */
static int move_back(size_t i, size_t j, size_t h)
{
	if (i <= j)
		return h <= i || h > j;
	return h <= i && h > j;
}

/* Backward-shift deletion: no tombstones, so probes stay as short as if
 * the key had never been there. */
void *moat_hmap_del(struct moat_hmap *map, const char *key, size_t key_len)
{
	size_t mask = map->cap - 1;
	struct moat_hmap_slot *s;
	void *value;
	size_t i;
	size_t j;

	if (!map->cap)
		return NULL;
	s = find_slot(map->slots, map->cap, key, key_len, moat_hash_bytes(key, key_len));
	if (!s->key)
		return NULL;
	value = s->value;
	i = (size_t)(s - map->slots);
	for (j = (i + 1) & mask; map->slots[j].key; j = (j + 1) & mask) {
		if (move_back(i, j, (size_t)map->slots[j].hash & mask)) {
			map->slots[i] = map->slots[j];
			i = j;
		}
	}
	memset(&map->slots[i], 0, sizeof(map->slots[i]));
	map->count--;
	return value;
}
