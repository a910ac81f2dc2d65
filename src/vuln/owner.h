/* SPDX-License-Identifier: Apache-2.0 */
/*
 * owner.h - who owns a finding: the base image or the application on top.
 *
 * The boundary is a number of bottom layers. It comes, in this order, from
 * --base-image (any image moat reads: its layer chain must be a prefix of
 * the scanned image's), from the org.opencontainers.image.base.digest label
 * looked up in the local base index, or from the longest prefix of the
 * image's diff_id chain that some indexed image has. The local index is a
 * JSON-lines file: every scanned image adds its chain, `moat base add`
 * registers golden images by name. With none of these the owner is
 * "unknown" — never a guess.
 */
#ifndef MOAT_VULN_OWNER_H
#define MOAT_VULN_OWNER_H

#include <stdbool.h>
#include <stddef.h>

struct moat_arena;
struct moat_error;
struct moat_image_meta;
struct moat_vuln_list;
struct moat_base_index;

struct moat_base {
	const char *name;           /* "debian:12", a digest, or NULL */
	size_t n_layers;            /* bottom layers that belong to the base; 0 = unknown */
	const char *how;            /* "base-image", "label", "index" */
};

/* Default index path: $MOAT_BASE_INDEX, else $XDG_DATA_HOME/moat/bases.jsonl,
 * else ~/.local/share/moat/bases.jsonl. */
const char *moat_base_index_default_path(char *buf, size_t len);

/* Read the index (a missing file is an empty index). */
int moat_base_index_open(const char *path, struct moat_base_index **ret_index,
			 struct moat_error *err);
void moat_base_index_close(struct moat_base_index *index);
/* Record an image's chain (deduplicated by config digest). user = registered
 * on purpose (`moat base add`): such entries win over plain scan history. */
int moat_base_index_add(struct moat_base_index *index, const char *name,
			const struct moat_image_meta *meta, bool user, struct moat_error *err);

/* One index entry as `moat base list` shows it; strings borrowed from the index. */
struct moat_base_entry {
	const char *name;
	const char *config_digest;
	const char *manifest_digest;    /* NULL when the source had none */
	size_t n_layers;
	bool user;                      /* registered with `moat base add` */
};

/* Entries in file order; i < moat_base_index_count(). */
size_t moat_base_index_count(const struct moat_base_index *index);
void moat_base_index_entry(const struct moat_base_index *index, size_t i,
			   struct moat_base_entry *ret_entry);
/* The file the index reads and appends to. */
const char *moat_base_index_path(const struct moat_base_index *index);

/* Find the base of meta. explicit_base (may be NULL) is the --base-image
 * image. Fills *ret_base (n_layers 0 when unknown); strings in arena. */
int moat_base_find(struct moat_base_index *index, const struct moat_image_meta *meta,
		   const struct moat_image_meta *explicit_base, const char *explicit_name,
		   struct moat_arena *arena, struct moat_base *ret_base, struct moat_error *err);

/* Set owner/base_image on every finding from its package's layer. */
void moat_owner_attribute(const struct moat_base *base, struct moat_vuln_list *list);

#endif
