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

/* Digest algorithms an image records for packages and their files. */
enum moat_hash_alg {
	MOAT_HASH_MD5,              /* dpkg info/PKG.md5sums */
	MOAT_HASH_SHA1,             /* old npm integrity ("sha1-...") */
	MOAT_HASH_SHA256,           /* jars (computed), Python RECORD */
	MOAT_HASH_SHA384,
	MOAT_HASH_SHA512,           /* npm integrity (Subresource Integrity "sha512-...") */
};

/* One digest as lowercase hex (2 chars per byte of the algorithm's size). */
struct moat_pkg_hash {
	enum moat_hash_alg alg;
	const char *hex;
};

/* A file a package owns, with the digest its package manager recorded. */
struct moat_pkg_file_hash {
	const char *path;           /* no leading '/' */
	struct moat_pkg_hash hash;
};

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
	 * "Pre-Depends, Depends" and Provides, apk D:/p:, rpm REQUIRENAME and
	 * PROVIDENAME one per line), and what it resolves to among the
	 * installed packages (deps.c): the SBOM's dependency graph. Language
	 * packages get deps from their lockfile or binary (npm lock trees,
	 * poetry/uv locks, Go build info), carried across merges (merge.c). */
	/* Digests of the package itself: the archive it is (a jar's SHA-256),
	 * or what its registry published (npm integrity). */
	struct moat_pkg_hash *hashes;
	size_t n_hashes;
	/* Digests its package manager recorded for the files it installed
	 * (dpkg md5sums, Python RECORD); listed by `moat sbom --files`. */
	const struct moat_pkg_file_hash *file_hashes;
	size_t n_file_hashes;
	const char *requires;
	const char *provides;
	struct moat_pkg **deps;
	size_t n_deps;
	size_t deps_cap;            /* slots of deps (moat_pkg_add_dep) */
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

/* Add a digest (deduplicated by algorithm and value). hex must be lowercase
 * hex of the algorithm's length. Returns 0, MOAT_E_FORMAT for a bad hex or
 * MOAT_E_LIMIT when the arena is full. */
int moat_pkg_add_hash(struct moat_arena *arena, struct moat_pkg *pkg, enum moat_hash_alg alg,
		      const char *hex, size_t len);
/* Add the digests of a Subresource Integrity string ("sha512-BASE64
 * sha1-BASE64", as npm's integrity fields hold it). Unknown algorithms and
 * malformed entries are skipped; returns 0 or MOAT_E_LIMIT. */
int moat_pkg_add_sri(struct moat_arena *arena, struct moat_pkg *pkg, const char *sri, size_t len);
/* Decode a base64 digest of alg (standard or urlsafe alphabet, padding
 * optional, as Python's RECORD and Go's "h1:" write them) into lowercase
 * hex. Returns 0 or MOAT_E_FORMAT when it is not one digest of alg. */
int moat_hash_hex_from_b64(enum moat_hash_alg alg, const char *b64, size_t len,
			   char hex[2 * 64 + 1]);
/* Edges kept per package: real packages have a few hundred at most. */
#define MOAT_PKG_DEPS_MAX 2048u
/* Add an edge pkg -> dep (once; none to itself; at most MOAT_PKG_DEPS_MAX,
 * the rest dropped). Returns 0 or MOAT_E_LIMIT when the arena is full. */
int moat_pkg_add_dep(struct moat_arena *arena, struct moat_pkg *pkg, struct moat_pkg *dep);
/* Bytes of a digest of alg. */
size_t moat_hash_size(enum moat_hash_alg alg);
/* "MD5", "SHA-1", "SHA-256", ... (CycloneDX) or "MD5", "SHA1", "SHA256" (SPDX). */
const char *moat_hash_name(enum moat_hash_alg alg, bool spdx);

#endif
