/* SPDX-License-Identifier: Apache-2.0 */
/* apk.c - Alpine packages from lib/apk/db/installed, with origin and files. */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "catalog.h"

#define INSTALLED "lib/apk/db/installed"

struct stanza {
	struct moat_slice name;       /* P: */
	struct moat_slice version;    /* V: */
	struct moat_slice arch;       /* A: */
	struct moat_slice origin;     /* o: */
	struct moat_slice license;    /* L: */
	struct moat_slice depends;    /* D: */
	struct moat_slice provides;   /* p: */
	size_t n_files;               /* R: lines */
};

static bool want(const char *path, size_t len)
{
	return moat_slice_eq_str(moat_slice_make(path, len), INSTALLED);
}

static void parse_stanza(struct moat_slice in, struct stanza *st)
{
	struct moat_slice line;

	memset(st, 0, sizeof(*st));
	while (moat_slice_line(&in, &line)) {
		struct moat_slice v;

		if (line.len < 2 || line.ptr[1] != ':')
			continue;
		v = moat_slice_make(line.ptr + 2, line.len - 2);
		switch (line.ptr[0]) {
		case 'P': st->name = v; break;
		case 'V': st->version = v; break;
		case 'A': st->arch = v; break;
		case 'o': st->origin = v; break;
		case 'L': st->license = v; break;
		case 'D': st->depends = v; break;
		case 'p': st->provides = v; break;
		case 'R': st->n_files++; break;
		default: break;
		}
	}
}

static const char *dup(struct moat_catalog_ctx *ctx, struct moat_slice s)
{
	return s.len ? moat_arena_strndup(ctx->arena, (const char *)s.ptr, s.len) : NULL;
}

/* F: sets the directory for the R: lines that follow it. */
static int collect_files(struct moat_catalog_ctx *ctx, struct moat_slice in, struct moat_pkg *p,
			 size_t n)
{
	struct moat_slice line, dir = { 0 };

	p->files = moat_arena_newarray(ctx->arena, const char *, n ? n : 1);
	if (!p->files)
		return MOAT_E_LIMIT;
	while (moat_slice_line(&in, &line) && p->n_files < n) {
		if (line.len < 2 || line.ptr[1] != ':')
			continue;
		if (line.ptr[0] == 'F')
			dir = moat_slice_make(line.ptr + 2, line.len - 2);
		else if (line.ptr[0] == 'R')
			p->files[p->n_files++] = dir.len ?
				moat_arena_printf(ctx->arena, "%.*s/%.*s", (int)dir.len, dir.ptr,
						  (int)line.len - 2, line.ptr + 2) :
				moat_arena_strndup(ctx->arena, (const char *)line.ptr + 2, line.len - 2);
	}
	return 0;
}

static int add_pkg(struct moat_catalog_ctx *ctx, struct moat_slice stanza, const struct stanza *st,
		   const char *distro, struct moat_error *err)
{
	struct moat_pkg *p = moat_arena_new0(ctx->arena, struct moat_pkg);

	if (!p)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	p->type = "apk";
	p->name = dup(ctx, st->name);
	p->version = dup(ctx, st->version);
	p->arch = dup(ctx, st->arch);
	p->license = dup(ctx, st->license);
	p->requires = dup(ctx, st->depends);
	p->provides = dup(ctx, st->provides);
	p->source_name = st->origin.len ? dup(ctx, st->origin) : p->name;
	p->source_version = p->version;
	p->db_path = INSTALLED;
	p->distro = distro;
	p->layer_index = -1;
	p->purl = moat_purl_make(ctx->arena, "apk", ctx->os.id ? ctx->os.id : "alpine", p->name,
				 p->version, p->arch, distro,
				 p->source_name && strcmp(p->source_name, p->name) != 0 ? p->source_name : NULL);
	if (!p->name || !p->version || collect_files(ctx, stanza, p, st->n_files) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (ctx->pkgs.count >= ctx->limits->packages)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u packages", INSTALLED,
				      ctx->limits->packages);
	return moat_pkg_list_add(ctx->arena, &ctx->pkgs, p) < 0 ?
		moat_error_set(err, MOAT_E_LIMIT, "out of scan memory") : 0;
}

static int parse_versions(void *parse_ctx, struct catalog_versions *vers,
			  struct moat_slice content, struct moat_error *err)
{
	(void)parse_ctx;
	struct moat_slice stanza;
	struct stanza st;

	(void)err;
	while (catalog_next_stanza(&content, &stanza)) {
		parse_stanza(stanza, &st);
		if (st.name.len && st.version.len && catalog_versions_put(vers, st.name, st.version) < 0)
			return MOAT_E_LIMIT;
	}
	return 0;
}

static struct moat_slice key_of(const struct moat_pkg *p, char *scratch, size_t len)
{
	(void)scratch;
	(void)len;
	return moat_slice_str(p->name);
}

static int run(struct moat_catalog_ctx *ctx, struct moat_error *err)
{
	size_t first = ctx->pkgs.count;
	const char *distro = catalog_distro(ctx);
	struct moat_slice content, stanza;
	struct stanza st;
	int r;

	r = moat_fs_read(ctx->fs, INSTALLED, &content, err);
	if (r == MOAT_E_NOTFOUND || r == -ENOTDIR)
		return 0;
	if (r < 0)
		return r;
	while (catalog_next_stanza(&content, &stanza)) {
		parse_stanza(stanza, &st);
		if (!st.name.len || !st.version.len)
			continue;
		if ((r = add_pkg(ctx, stanza, &st, distro, err)) < 0)
			return r;
	}
	r = catalog_attribute(ctx, "apk", INSTALLED, first, parse_versions, NULL, key_of, err);
	return r < 0 ? r : catalog_resolve_deps(ctx, first, err);
}

const struct moat_cataloger moat_cataloger_apk = { "apk", want, run };
