/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkg.h - one installed package, whatever ecosystem catalogued it.
 *
 * All strings live in the scan's arena and are never NULL for name, version
 * and type; other fields are NULL when unknown.
 */
#ifndef MOAT_PKG_H
#define MOAT_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_arena;

struct moat_pkg {
	const char *type;           /* purl type: "deb", "apk", "rpm", "npm", "pypi", ... */
	const char *name;
	const char *version;        /* as the package manager writes it (rpm: [E:]V-R) */
	const char *arch;
	const char *source_name;    /* dpkg Source, apk origin, rpm source rpm name */
	const char *source_version;
	const char *license;
	const char *purl;
	const char *distro;         /* purl qualifier, e.g. "debian-12" */
	const char *db_path;        /* the database or file it was found in */
	const char *layer;          /* diff_id of the layer that added or last changed it */
	int layer_index;            /* index into the image's layers, -1 unknown */
	int removed_layer;          /* for removed_packages: the layer that removed it */
	/* Language packages: "installed" (code in the image, perhaps also named
	 * by a lockfile) or "declared" (only a lockfile names it). */
	const char *evidence;
	/* Other files that vouch for this package besides db_path: the lockfile
	 * beside node_modules, go.sum beside go.mod, every binary that embeds
	 * one Go toolchain's stdlib (merge.c). */
	const char **locations;
	size_t n_locations;
	/* OS packages: the package manager's own relation text (dpkg
	 * "Pre-Depends, Depends" and Provides), and what it resolves to among
	 * the installed packages (deps.c): the SBOM's dependency graph. */
	const char *sha256;         /* "sha256:<hex>" of the file it is (a jar), or NULL */
	const char *requires;
	const char *provides;
	struct moat_pkg **deps;
	size_t n_deps;
	/* Language packages: the OS package (deb, apk, rpm) whose file list
	 * holds db_path, or NULL. Such a package is matched through its OS
	 * package's advisories: distributions backport fixes without changing
	 * the upstream version (owned.c). */
	const struct moat_pkg *os_package;
	const char **files;         /* paths it owns, without leading '/' */
	size_t n_files;
};

struct moat_pkg_list {
	struct moat_pkg **items;
	size_t count;
	size_t cap;
};

/* Installed by the OS package manager (deb, apk, rpm), not a language ecosystem. */
bool moat_pkg_is_os(const struct moat_pkg *pkg);

/* Append (growing in the arena). Returns 0 or MOAT_E_LIMIT. */
int moat_pkg_list_add(struct moat_arena *arena, struct moat_pkg_list *list, struct moat_pkg *pkg);

/* Build a purl: pkg:TYPE/NAMESPACE/NAME@VERSION?arch=..&distro=.. with
 * percent-encoding. namespace may be NULL. Returns NULL on arena exhaustion. */
const char *moat_purl_make(struct moat_arena *arena, const char *type, const char *ns,
			   const char *name, const char *version, const char *arch,
			   const char *distro, const char *upstream);

#endif
