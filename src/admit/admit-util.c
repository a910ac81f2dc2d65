/* SPDX-License-Identifier: Apache-2.0 */
/* admit-util.c - string lists, document lifetimes and Docker mounts. */
#include <string.h>

#include "admit-int.h"
#include "base/arena.h"
#include "moat/error.h"

int admit_strs_add(struct admit_strs *l, struct moat_arena *arena, const char *s)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 4;
		char **grown = moat_arena_grow(arena, l->items, l->cap, nc, sizeof(*l->items));

		if (!grown)
			return MOAT_E_LIMIT;
		l->items = grown;
		l->cap = nc;
	}
	l->items[l->n] = moat_arena_strdup(arena, s);
	if (!l->items[l->n])
		return MOAT_E_LIMIT;
	l->n++;
	return 0;
}

static void decref(void *doc)
{
	json_decref(doc);
}

int admit_keep(struct moat_arena *arena, json_t *doc)
{
	return moat_arena_on_close(arena, decref, doc) < 0 ? MOAT_E_LIMIT : 0;
}

int admit_docker_mounts(json_t *hc, struct moat_arena *arena, struct admit_strs *paths)
{
	json_t *v;
	size_t i;
	int r;

	/* "SRC:DST[:OPTS]": SRC is a host path when absolute, else a volume name. */
	json_array_foreach(admit_get(hc, "Binds"), i, v) {
		const char *s = json_string_value(v);
		char *src;

		if (!s || s[0] != '/')
			continue;
		src = moat_arena_strndup(arena, s, strcspn(s, ":"));
		if (!src || (r = admit_strs_add(paths, arena, src)) < 0)
			return MOAT_E_LIMIT;
	}
	json_array_foreach(admit_get(hc, "Mounts"), i, v) {
		const char *type = admit_str(v, "Type");
		const char *src = admit_str(v, "Source");
		json_t *dc = admit_get(admit_get(v, "VolumeOptions"), "DriverConfig");
		const char *dev = admit_str(admit_get(dc, "Options"), "device");

		if (type && !strcmp(type, "bind") && src && (r = admit_strs_add(paths, arena, src)) < 0)
			return r;
		if (type && !strcmp(type, "volume") && dev && dev[0] == '/' &&
		    (r = admit_strs_add(paths, arena, dev)) < 0)
			return r;
	}
	return 0;
}
