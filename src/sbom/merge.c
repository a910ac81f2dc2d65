/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merge.c - one package, one row.
 *
 * The language catalogers report every file on its own: a dependency named
 * by package-lock.json and installed in node_modules/X arrives twice, go.mod
 * and go.sum of one module each list its requirements, every Go binary
 * reports the stdlib of its toolchain. An SBOM wants one component per
 * piece of code, with every file that vouches for it (locations):
 *
 *   - a lockfile entry folds into an installed package of the same type,
 *     name and version: below the lockfile's directory (npm's node_modules,
 *     composer's vendor) or, for ecosystems that install elsewhere (PyPI
 *     site-packages, gems, Go binaries, crates in binaries), anywhere;
 *   - go.sum lines fold into the go.mod requirement of the same directory;
 *     go.sum alone lists hashes of modules version selection read, not
 *     dependencies, and yields no package;
 *   - lockfile entries that remain are "declared": intent, not code. They
 *     are listed but not matched unless the user asks (--lang-declared);
 *   - one Go toolchain's stdlib is one package with each binary a location.
 *
 * Installed copies at different paths stay separate: they are different
 * code that a fix must reach one by one.
 *
 * Dependency edges drawn by a lockfile or binary follow the fold: the row
 * that absorbs an entry takes over its edges, and edges to an absorbed
 * entry lead to the row that absorbed it.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "sbom/catalog.h"

struct node {
	struct moat_pkg *pkg;
	struct node *next;
};

struct merge {
	struct moat_arena *arena;
	struct moat_hmap installed;     /* type/name/version -> node list */
	struct moat_hmap gomod;         /* dir/name/version of go.mod lines -> pkg */
	struct moat_hmap kept_locks;    /* dir/type/name/version of kept lockfile entries */
	struct moat_hmap stdlib;        /* version -> first stdlib package */
	struct moat_hmap folded;        /* package address -> the package it folded into */
};

static bool is_lock(const struct moat_pkg *p)
{
	return p->evidence && !strcmp(p->evidence, "lockfile");
}

static bool is_installed(const struct moat_pkg *p)
{
	return p->evidence && !strcmp(p->evidence, "installed");
}

static size_t dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* "TYPE\nNAME\nVERSION", prefixed with "DIR\n" when dir_of is given. */
static const char *key_of(struct moat_arena *arena, const struct moat_pkg *p, const char *dir_of)
{
	if (dir_of)
		return moat_arena_printf(arena, "%.*s\n%s\n%s\n%s", (int)dir_len(dir_of), dir_of,
					 p->type, p->name, p->version);
	return moat_arena_printf(arena, "%s\n%s\n%s", p->type, p->name, p->version);
}

static int add_location(struct moat_arena *arena, struct moat_pkg *p, const char *path)
{
	const char **loc;

	if (!path || (p->db_path && !strcmp(p->db_path, path)))
		return 0;
	for (size_t i = 0; i < p->n_locations; i++)
		if (!strcmp(p->locations[i], path))
			return 0;
	loc = moat_arena_grow(arena, p->locations, p->n_locations, p->n_locations + 1,
			      sizeof(*loc)); /* NOLINT(bugprone-sizeof-expression) */
	if (!loc)
		return -ENOMEM;
	loc[p->n_locations++] = path;
	p->locations = loc;
	return 0;
}

/* Ecosystems whose package manager installs beside the lockfile only. */
static bool installs_beside(const char *type)
{
	return !strcmp(type, "npm") || !strcmp(type, "composer");
}

static struct moat_pkg *installed_for(struct merge *m, const struct moat_pkg *lock)
{
	const char *k = key_of(m->arena, lock, NULL);
	const struct node *n = k ? moat_hmap_get(&m->installed, k, strlen(k)) : NULL;
	size_t dl = dir_len(lock->db_path);

	for (const struct node *i = n; i; i = i->next)
		if (!dl || (!strncmp(i->pkg->db_path, lock->db_path, dl) &&
			    i->pkg->db_path[dl] == '/'))
			return i->pkg;
	return n && !installs_beside(lock->type) ? n->pkg : NULL;
}

static int index_pkgs(struct merge *m, const struct moat_pkg_list *pkgs)
{
	for (size_t i = 0; i < pkgs->count; i++) {
		struct moat_pkg *p = pkgs->items[i];
		const char *k;
		struct node *n;

		if (!p->db_path || moat_pkg_is_os(p))
			continue;
		if (is_installed(p)) {
			n = moat_arena_zalloc(m->arena, sizeof(*n));
			k = key_of(m->arena, p, NULL);
			if (!n || !k)
				return -ENOMEM;
			n->pkg = p;
			n->next = moat_hmap_get(&m->installed, k, strlen(k));
			if (moat_hmap_put(&m->installed, k, strlen(k), n) < 0)
				return -ENOMEM;
		} else if (is_lock(p) && !strcmp(p->type, "golang") &&
			   ends_with(p->db_path, "go.mod")) {
			k = key_of(m->arena, p, p->db_path);
			if (!k || moat_hmap_put(&m->gomod, k, strlen(k), p) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* What a folded entry knew that the row absorbing it may lack: its edges,
 * its digests (npm 7+ writes integrity to the lock only), its licence. */
static int carry(struct merge *m, struct moat_pkg *p, struct moat_pkg *into)
{
	struct moat_pkg **key = moat_arena_zalloc(m->arena,
						  sizeof(*key)); /* NOLINT(bugprone-sizeof-expression) */

	if (!key)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_deps; i++)
		if (moat_pkg_add_dep(m->arena, into, p->deps[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < p->n_hashes; i++)
		if (moat_pkg_add_hash(m->arena, into, p->hashes[i].alg, p->hashes[i].hex,
				      strlen(p->hashes[i].hex)) == MOAT_E_LIMIT)
			return -ENOMEM;
	if (!into->license)
		into->license = p->license;
	*key = p;
	/* keyed by the package's address: the pointer's own bytes */
	if (moat_hmap_put(&m->folded, (const char *)key,
			  sizeof(*key), into) < 0) /* NOLINT(bugprone-sizeof-expression) */
		return -ENOMEM;
	return 0;
}

/* Decide one package: false = folded into another (drop the row). */
static int merge_one(struct merge *m, struct moat_pkg *p, bool *ret_keep)
{
	struct moat_pkg *into = NULL;
	const char *k;

	*ret_keep = true;
	if (is_installed(p) && !strcmp(p->type, "golang") && !strcmp(p->name, "stdlib")) {
		into = moat_hmap_get(&m->stdlib, p->version, strlen(p->version));
		if (!into)
			return moat_hmap_put(&m->stdlib, p->version, strlen(p->version), p);
	} else if (is_lock(p) && !strcmp(p->type, "golang") && ends_with(p->db_path, "go.sum")) {
		k = key_of(m->arena, p, p->db_path);
		if (!k)
			return -ENOMEM;
		into = moat_hmap_get(&m->gomod, k, strlen(k));
		*ret_keep = false;      /* hashes, not dependencies */
		if (!into)
			return 0;
		if ((into = installed_for(m, into)) == NULL)
			into = moat_hmap_get(&m->gomod, k, strlen(k));
	} else if (is_lock(p)) {
		into = installed_for(m, p);
		if (!into) {
			k = key_of(m->arena, p, p->db_path);
			if (!k)
				return -ENOMEM;
			into = moat_hmap_get(&m->kept_locks, k, strlen(k));
			if (!into) {
				p->evidence = "declared";
				return moat_hmap_put(&m->kept_locks, k, strlen(k), p);
			}
		}
	}
	if (!into)
		return 0;
	*ret_keep = false;
	if (add_location(m->arena, into, p->db_path) < 0)
		return -ENOMEM;
	if (carry(m, p, into) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_locations; i++)
		if (add_location(m->arena, into, p->locations[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* Where an edge to p leads after the merge: p, or the row it folded into. */
static struct moat_pkg *final_of(const struct merge *m, struct moat_pkg *p)
{
	/* folds go one level deep (into a kept row); the bound guards cycles */
	for (int i = 0; i < 4; i++) {
		struct moat_pkg *into = moat_hmap_get(&m->folded, (const char *)&p,
						      sizeof(p)); /* NOLINT(bugprone-sizeof-expression) */

		if (!into)
			break;
		p = into;
	}
	return p;
}

/* Point every edge at a kept row, without repeats or self-edges. */
static void redirect_deps(const struct merge *m, const struct moat_pkg_list *pkgs)
{
	for (size_t i = 0; i < pkgs->count; i++) {
		struct moat_pkg *p = pkgs->items[i];
		size_t out = 0;

		if (moat_pkg_is_os(p))
			continue;
		for (size_t d = 0; d < p->n_deps; d++) {
			struct moat_pkg *t = final_of(m, p->deps[d]);
			bool dup = t == p;

			for (size_t k = 0; k < out && !dup; k++)
				dup = p->deps[k] == t;
			if (!dup)
				p->deps[out++] = t;
		}
		p->n_deps = out;
	}
}

int catalog_merge_lang(struct moat_catalog_ctx *ctx, struct moat_error *err)
{
	struct merge m = { .arena = ctx->arena };
	size_t out = 0;
	int r;

	moat_hmap_init(&m.installed);
	moat_hmap_init(&m.gomod);
	moat_hmap_init(&m.kept_locks);
	moat_hmap_init(&m.stdlib);
	moat_hmap_init(&m.folded);
	r = index_pkgs(&m, &ctx->pkgs);
	for (size_t i = 0; r == 0 && i < ctx->pkgs.count; i++) {
		struct moat_pkg *p = ctx->pkgs.items[i];
		bool keep = true;

		if (!moat_pkg_is_os(p) && p->db_path)
			r = merge_one(&m, p, &keep);
		if (keep)
			ctx->pkgs.items[out++] = p;
	}
	if (r == 0) {
		ctx->pkgs.count = out;
		if (m.folded.count)
			redirect_deps(&m, &ctx->pkgs);
	}
	moat_hmap_release(&m.installed);
	moat_hmap_release(&m.folded);
	moat_hmap_release(&m.gomod);
	moat_hmap_release(&m.kept_locks);
	moat_hmap_release(&m.stdlib);
	return r < 0 ? moat_error_set(err, -ENOMEM, "out of memory") : 0;
}
