/* SPDX-License-Identifier: Apache-2.0 */
/* admit-int.h - helpers the admission decoders share. */
#ifndef MOAT_ADMIT_INT_H
#define MOAT_ADMIT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct moat_arena;

/* A growing list of arena strings. */
struct admit_strs {
	char **items;
	size_t n;
	size_t cap;
};

/* Append a copy of s. 0 or MOAT_E_LIMIT. */
int admit_strs_add(struct admit_strs *l, struct moat_arena *arena, const char *s);
/* Keep doc alive until the arena closes (decoded strings point into it). */
int admit_keep(struct moat_arena *arena, json_t *doc);

/* Field names compared as Go's encoding/json does (case-insensitive). */
bool admit_key_eq(const char *key, const char *want);
/* Member by Go's rules: case-insensitive, the last match wins; JSON null = absent. */
json_t *admit_get(json_t *obj, const char *name);
const char *admit_str(json_t *obj, const char *name);

/* Host paths a Docker HostConfig mounts: Binds ("/src:/dst:ro"), Mounts of
 * type bind, and local volumes with a device option. */
int admit_docker_mounts(json_t *hc, struct moat_arena *arena, struct admit_strs *paths);

struct moat_decision;
/* Pulls and pushes move images: keep only the trust rule's findings. */
void admit_keep_trust(struct moat_decision *d);

#endif
