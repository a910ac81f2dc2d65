/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deps.c - the OS packages' dependency graph from the package database.
 *
 * Each package manager writes relations its own way:
 *   dpkg  "a (>= 1.0) | b, c:any (<< 2)": groups split by ',', alternatives
 *         by '|', a name with an optional architecture and version;
 *   apk   "so:libc.musl-x86_64.so.1 busybox>=1.36 !conflict": one name per
 *         word with an optional version operator, '!' for a conflict;
 *         provides "cmd:sh=1.36.1-r5 so:libz.so.1=1.3";
 *   rpm   REQUIRENAME/PROVIDENAME, one name per line ("libc.so.6()(64bit)",
 *         "/bin/sh", "config(bash)"); "rpmlib(...)" names are features of
 *         rpm itself, and a path is satisfied by the package owning it.
 * A group resolves to the first alternative that is installed, by package
 * name, else by a package that Provides it (virtual packages:
 * "mail-transport-agent", sonames), else (rpm paths) by the file's owner.
 * Unresolvable groups (satisfied outside the image) are left out: the
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

struct rel_syntax {
	char group_sep;          /* between requirements */
	char alt_sep;            /* between alternatives of one; 0 = none */
	const char *name_stop;   /* a name ends at any of these */
	char conflict;           /* a word starting with it is no requirement; 0 = none */
	const char *skip_prefix; /* requirements of the package manager itself */
	bool files;              /* a name starting with '/' is a path */
};

static const struct rel_syntax syntax_deb = { ',', '|', " (:\t", 0, NULL, false };
static const struct rel_syntax syntax_apk = { ' ', 0, "<>=~ \t", '!', NULL, false };
static const struct rel_syntax syntax_rpm = { '\n', 0, "\n", 0, "rpmlib(", true };

static const struct rel_syntax *syntax_of(const struct moat_pkg *p)
{
	if (!strcmp(p->type, "apk"))
		return &syntax_apk;
	if (!strcmp(p->type, "rpm"))
		return &syntax_rpm;
	return &syntax_deb;
}

struct resolver {
	const struct rel_syntax *syn;
	struct moat_hmap names;
	struct moat_hmap prov;
	struct moat_hmap files;  /* rpm: owned path (no leading '/') -> package */
};

/* "c:any (<< 2)" -> "c"; "so:libz.so.1=1.3" -> "so:libz.so.1". */
static struct moat_slice rel_name(const struct rel_syntax *syn, struct moat_slice alt)
{
	size_t n = 0;

	alt = moat_slice_trim(alt);
	if (alt.len && syn->conflict && alt.ptr[0] == (uint8_t)syn->conflict)
		return moat_slice_make(alt.ptr, 0);
	while (n < alt.len && !strchr(syn->name_stop, alt.ptr[n]))
		n++;
	/* apk and rpm names may hold ':' ("so:", "cmd:"); dpkg's is an arch */
	return moat_slice_make(alt.ptr, n);
}

static bool next_item(struct moat_slice *in, char sep, struct moat_slice *ret)
{
	if (!in->len)
		return false;
	if (!moat_slice_split(in, sep, ret)) {
		*ret = *in;
		in->len = 0;
	}
	return true;
}

static int index_provides(struct resolver *rs, struct moat_pkg *p)
{
	struct moat_slice in = moat_slice_str(p->provides), item;

	while (next_item(&in, rs->syn->group_sep, &item)) {
		struct moat_slice name = rel_name(rs->syn, item);

		if (name.len && !moat_hmap_get(&rs->prov, (const char *)name.ptr, name.len) &&
		    moat_hmap_put(&rs->prov, (const char *)name.ptr, name.len, p) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int index_files(struct resolver *rs, struct moat_pkg *p)
{
	for (size_t i = 0; i < p->n_files; i++) {
		const char *f = p->files[i];

		if (!moat_hmap_get(&rs->files, f, strlen(f)) &&
		    moat_hmap_put(&rs->files, f, strlen(f), p) < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct moat_pkg *resolve_name(const struct resolver *rs, struct moat_slice name)
{
	struct moat_pkg *hit = moat_hmap_get(&rs->names, (const char *)name.ptr, name.len);

	if (!hit)
		hit = moat_hmap_get(&rs->prov, (const char *)name.ptr, name.len);
	if (!hit && rs->syn->files && name.len > 1 && name.ptr[0] == '/')
		hit = moat_hmap_get(&rs->files, (const char *)name.ptr + 1, name.len - 1);
	return hit;
}

static struct moat_pkg *resolve_group(const struct resolver *rs, struct moat_slice group)
{
	const struct rel_syntax *syn = rs->syn;
	struct moat_slice alt;

	if (syn->skip_prefix && moat_slice_startswith(moat_slice_trim(group), syn->skip_prefix))
		return NULL;
	if (!syn->alt_sep) {
		struct moat_slice name = rel_name(syn, group);

		return name.len ? resolve_name(rs, name) : NULL;
	}
	while (next_item(&group, syn->alt_sep, &alt)) {
		struct moat_slice name = rel_name(syn, alt);
		struct moat_pkg *hit = name.len ? resolve_name(rs, name) : NULL;

		if (hit)
			return hit;
	}
	return NULL;
}

static int resolve_one(struct moat_catalog_ctx *ctx, const struct resolver *rs,
		       struct moat_pkg *p)
{
	struct moat_slice in = moat_slice_str(p->requires), group;
	struct moat_pkg *found[DEPS_MAX];
	size_t n = 0;

	while (n < DEPS_MAX && next_item(&in, rs->syn->group_sep, &group)) {
		struct moat_pkg *d = resolve_group(rs, group);
		bool dup = false;

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
	p->deps_cap = n;
	return 0;
}

int catalog_resolve_deps(struct moat_catalog_ctx *ctx, size_t first, struct moat_error *err)
{
	struct resolver rs = { 0 };
	int r = 0;

	if (first >= ctx->pkgs.count)
		return 0;
	rs.syn = syntax_of(ctx->pkgs.items[first]);
	moat_hmap_init(&rs.names);
	moat_hmap_init(&rs.prov);
	moat_hmap_init(&rs.files);
	for (size_t i = first; i < ctx->pkgs.count && r == 0; i++) {
		struct moat_pkg *p = ctx->pkgs.items[i];

		/* Multi-Arch: the first of a name is enough to draw the edge. */
		if (!moat_hmap_get(&rs.names, p->name, strlen(p->name)))
			r = moat_hmap_put(&rs.names, p->name, strlen(p->name), p);
		if (r == 0 && p->provides)
			r = index_provides(&rs, p);
		if (r == 0 && rs.syn->files)
			r = index_files(&rs, p);
	}
	for (size_t i = first; i < ctx->pkgs.count && r == 0; i++)
		if (ctx->pkgs.items[i]->requires)
			r = resolve_one(ctx, &rs, ctx->pkgs.items[i]);
	moat_hmap_release(&rs.names);
	moat_hmap_release(&rs.prov);
	moat_hmap_release(&rs.files);
	return r < 0 ? moat_error_set(err, -ENOMEM, "out of memory") : 0;
}
