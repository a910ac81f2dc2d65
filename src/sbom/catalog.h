/* SPDX-License-Identifier: Apache-2.0 */
/*
 * catalog.h - package catalogers: a table of {name, want, run}.
 *
 * Before the layers stream past, moat_catalog_want() tells the image reader
 * which file contents to keep (package databases, os-release). Afterwards
 * moat_catalog_run() detects the OS and runs every cataloger over the merged
 * filesystem; each package gets the layer that added or last changed it,
 * found by replaying its database's history across layers.
 */
#ifndef MOAT_CATALOG_H
#define MOAT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"
#include "image/image.h"
#include "sbom/os.h"
#include "sbom/pkg.h"

struct moat_catalog_ctx {
	struct moat_fs *fs;
	struct moat_arena *arena;
	const struct moat_image_meta *meta;
	const struct moat_limits *limits;
	struct moat_os os;
	struct moat_pkg_list pkgs;
	/* Packages a layer installed and a later layer removed: evidence that
	 * the final view no longer shows (layer_index = added, removed_layer). */
	struct moat_pkg_list removed;
	/* Language packages found while streaming (lang.h), or NULL. */
	struct moat_lang *lang;
};

struct moat_lang;

struct moat_cataloger {
	const char *name;
	/* Keep this file's content while streaming? path has no leading '/'. */
	bool (*want)(const char *path, size_t len);
	/* Add packages to ctx->pkgs. */
	int (*run)(struct moat_catalog_ctx *ctx, struct moat_error *err);
};

extern const struct moat_cataloger moat_cataloger_dpkg;
extern const struct moat_cataloger moat_cataloger_apk;
extern const struct moat_cataloger moat_cataloger_rpm;

/* Suits moat_image_opts.want_roots: the databases and OS files, as named in the
 * container, so links to content elsewhere are followed (NULL-terminated). */
extern const char *const moat_catalog_roots[];
/* Suits moat_image_opts.want_content (ctx unused). */
bool moat_catalog_want(void *ctx, const char *path, size_t len);
/* Detect the OS, run all catalogers. ctx->fs, arena, meta, limits must be set. */
int moat_catalog_run(struct moat_catalog_ctx *ctx, struct moat_error *err);

/* ---- shared by catalogers ---- */

/* Resolve requires (dpkg syntax: "a (>= 1) | b, c:any") of pkgs[first..] to
 * deps among pkgs[first..], by name, then by Provides (deps.c). */
int catalog_resolve_deps(struct moat_catalog_ctx *ctx, size_t first, struct moat_error *err);

/* Set p->file_hashes from a dpkg info/PKG.md5sums file (dpkg.c). Returns 0
 * or MOAT_E_LIMIT. */
int dpkg_parse_md5sums(struct moat_arena *arena, struct moat_slice content, struct moat_pkg *p);

/* One package, one row: fold a lockfile's entry into the installed package
 * it names, go.sum into go.mod, and one toolchain's stdlib across binaries;
 * label lockfile entries with nothing installed "declared" (merge.c). */
int catalog_merge_lang(struct moat_catalog_ctx *ctx, struct moat_error *err);

/* Set os_package on every language package whose file an OS package's file
 * list names (owned.c). */
int catalog_mark_owned(struct moat_catalog_ctx *ctx, struct moat_error *err);

/* One parse of a database version: key (name, or name:arch) -> version. */
struct catalog_versions;
int catalog_versions_put(struct catalog_versions *vers, struct moat_slice key,
			 struct moat_slice version);
/* Parse one historical content of the DB into vers. */
typedef int (*catalog_parse_versions_fn)(void *parse_ctx, struct catalog_versions *vers,
					 struct moat_slice content, struct moat_error *err);
/* For each package in pkgs[first..] (keys given by key_of), set layer and
 * layer_index from the history of db_path. */
int catalog_attribute(struct moat_catalog_ctx *ctx, const char *type, const char *db_path,
		      size_t first,
		      catalog_parse_versions_fn parse, void *parse_ctx,
		      struct moat_slice (*key_of)(const struct moat_pkg *pkg, char *scratch,
						  size_t scratch_len),
		      struct moat_error *err);
/* Layer diff_id for an index (NULL when unknown). */
const char *catalog_layer_id(const struct moat_catalog_ctx *ctx, int index);
/* "debian-12" style distro qualifier for purls, or NULL. */
const char *catalog_distro(struct moat_catalog_ctx *ctx);
/* Next "Key: value" stanza field walker shared by dpkg and apk text databases. */
bool catalog_next_stanza(struct moat_slice *in, struct moat_slice *ret_stanza);

#endif
