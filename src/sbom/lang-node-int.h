/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-node-int.h - what lang-node.c (installed trees, package-lock.json)
 * and lang-node-lock.c (yarn.lock, pnpm-lock.yaml) share.
 */
#ifndef MOAT_SBOM_LANG_NODE_INT_H
#define MOAT_SBOM_LANG_NODE_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/hmap.h"
#include "base/slice.h"

struct moat_buf;
struct moat_pkg;

/* Lock files of the largest monorepos are a few tens of MB. */
#define NODE_LOCK_MAX (128u << 20)

/* What one file's parse needs: where to add, and what it already added. */
struct node_ctx {
	struct moat_lang *lang;
	const struct moat_file_visit *file;
	const char *evidence;
	struct moat_arena *tmp;  /* scratch for this file: keys of seen */
	struct moat_hmap seen;   /* name@version already added from this file */
	bool dedupe;
	unsigned max_depth;
	struct moat_error *err;
};

/* Add name@version (untrusted slices) once per file; *ret_pkg (may be
 * NULL) is the package, or NULL when the entry is skipped (not a registry
 * version, not an npm name). "npm:real@v" versions are aliases of real@v. */
int node_add_pkg(struct node_ctx *c, struct moat_slice name, struct moat_slice version,
		 struct moat_pkg **ret_pkg);
/* The package this file already added as name@version, or NULL. */
struct moat_pkg *node_seen(struct node_ctx *c, struct moat_slice name, struct moat_slice version);
/* The string member key of obj as a slice (empty when absent). */
struct moat_slice node_json_slice(const json_t *obj, const char *key);
/* An entry's integrity (under integrity_key) and license. */
int node_details(struct node_ctx *c, struct moat_pkg *pkg, const json_t *obj,
		 const char *integrity_key);

/* lang-node-lock.c */
int node_read_yarn_v1(struct node_ctx *c, struct moat_slice in);
int node_read_yarn_berry(struct node_ctx *c, const struct moat_buf *data);
int node_read_pnpm(struct node_ctx *c, const struct moat_buf *data);

#endif
