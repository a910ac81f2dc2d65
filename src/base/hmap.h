/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hmap.h - byte-string keyed hash map (open addressing, FNV-1a).
 *
 * Keys are borrowed: the caller keeps them alive as long as the map (usually
 * both live in the same arena). The table itself is heap memory owned by the
 * map; moat_hmap_release() frees it.
 */
#ifndef MOAT_HMAP_H
#define MOAT_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct moat_hmap_slot {
	const char *key;
	size_t key_len;
	uint64_t hash;
	void *value;
};

struct moat_hmap {
	struct moat_hmap_slot *slots;
	size_t cap;   /* power of two or 0 */
	size_t count;
};

void moat_hmap_init(struct moat_hmap *map);
void moat_hmap_release(struct moat_hmap *map);
/* Value for key, or NULL. */
void *moat_hmap_get(const struct moat_hmap *map, const char *key, size_t key_len);
/* Insert or replace. Returns 0 or -ENOMEM. */
int moat_hmap_put(struct moat_hmap *map, const char *key, size_t key_len, void *value);
/* Remove key; its key memory is no longer referenced afterwards. Returns
 * the value it had, or NULL when absent. */
void *moat_hmap_del(struct moat_hmap *map, const char *key, size_t key_len);
uint64_t moat_hash_bytes(const void *data, size_t len);

#endif
