/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deps.c - the OS packages' dependency graph from the package database.
 *
 * dpkg writes relations as "a (>= 1.0) | b, c:any (<< 2)": groups split by
 * ',', alternatives by '|', each a name with an optional architecture
 * qualifier and version constraint. A group resolves to the first
 * alternative that is installed, by package name, else by a package that
 * Provides it (virtual packages: "mail-transport-agent"). Unresolvable
 * groups (an alternative satisfied outside the image) are left out: the
 * graph holds edges between installed packages only.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "sbom/catalog.h"

/* Relations per package kept at most (real packages have < 100). */
#define DEPS_MAX 512u

/* "c:any (<< 2)" -> "c". */
static struct moat_slice rel_name(struct moat_slice alt)
{
	size_t n = 0;

	alt = moat_slice_trim(alt);
	while (n < alt.len && alt.ptr[n] != ' ' && alt.ptr[n] != '(' && alt.ptr[n] != ':' &&
	       alt.ptr[n] != '\t')
		n++;
	return moat_slice_make(alt.ptr, n);
}

static int index_provides(struct moat_hmap *prov, struct moat_pkg *p)
{
	struct moat_slice in = moat_slice_str(p->provides), item;

	while (in.len) {
		struct moat_slice name;

		if (!moat_slice_split(&in, ',', &item)) {
			item = in;
			in.len = 0;
		}
		name = rel_name(item);
		if (name.len && !moat_hmap_get(prov, (const char *)name.ptr, name.len) &&
		    moat_hmap_put(prov, (const char *)name.ptr, name.len, p) < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct moat_pkg *resolve_group(const struct moat_hmap *names, const struct moat_hmap *prov,
				      struct moat_slice group)
{
	struct moat_slice alt;
	bool more = true;

	while (more) {
		struct moat_slice name;
		struct moat_pkg *hit;

		more = moat_slice_split(&group, '|', &alt);
		if (!more)
			alt = group;
		name = rel_name(alt);
		if (!name.len)
			continue;
		hit = moat_hmap_get(names, (const char *)name.ptr, name.len);
		if (!hit)
			hit = moat_hmap_get(prov, (const char *)name.ptr, name.len);
		if (hit)
			return hit;
	}
	return NULL;
}

static int resolve_one(struct moat_catalog_ctx *ctx, const struct moat_hmap *names,
		       const struct moat_hmap *prov, struct moat_pkg *p)
{
	struct moat_slice in = moat_slice_str(p->requires), group;
	struct moat_pkg *found[DEPS_MAX];
	size_t n = 0;

	while (in.len && n < DEPS_MAX) {
		struct moat_pkg *d;
		bool dup = false;

		if (!moat_slice_split(&in, ',', &group)) {
			group = in;
			in.len = 0;
		}
		d = resolve_group(names, prov, group);
		for (size_t i = 0; d && i < n; i++)
			dup |= found[i] == d;
		if (d && d != p && !dup)
			found[n++] = d;
	}
	if (!n)
		return 0;
	p->deps = moat_arena_newarray(ctx->arena, struct moat_pkg *, n);
	if (!p->deps)
		return -ENOMEM;
	memcpy(p->deps, found, n * sizeof(found[0])); /* NOLINT(bugprone-sizeof-expression) */
	p->n_deps = n;
	return 0;
}

int catalog_resolve_deps(struct moat_catalog_ctx *ctx, size_t first, struct moat_error *err)
{
	struct moat_hmap names, prov;
	int r = 0;

	moat_hmap_init(&names);
	moat_hmap_init(&prov);
	for (size_t i = first; i < ctx->pkgs.count && r == 0; i++) {
		struct moat_pkg *p = ctx->pkgs.items[i];

		/* Multi-Arch: the first of a name is enough to draw the edge. */
		if (!moat_hmap_get(&names, p->name, strlen(p->name)))
			r = moat_hmap_put(&names, p->name, strlen(p->name), p);
		if (r == 0 && p->provides)
			r = index_provides(&prov, p);
	}
	for (size_t i = first; i < ctx->pkgs.count && r == 0; i++)
		if (ctx->pkgs.items[i]->requires)
			r = resolve_one(ctx, &names, &prov, ctx->pkgs.items[i]);
	moat_hmap_release(&names);
	moat_hmap_release(&prov);
	return r < 0 ? moat_error_set(err, -ENOMEM, "out of memory") : 0;
}
