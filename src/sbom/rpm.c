/* SPDX-License-Identifier: Apache-2.0 */
/* rpm.c - RPM packages from the rpmdb (sqlite, BerkeleyDB or NDB backend). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "catalog.h"
#include "rpmdb.h"

/* Newer distributions keep the db under /usr/lib/sysimage/rpm and link
 * /var/lib/rpm to it; both places and all three file names are captured. */
static const char *const db_dirs[] = { "var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm" };
static const char *const db_files[] = { "rpmdb.sqlite", "Packages.db", "Packages" };

static bool want(const char *path, size_t len)
{
	struct moat_slice p = moat_slice_make(path, len);

	for (size_t d = 0; d < sizeof(db_dirs) / sizeof(db_dirs[0]); d++) {
		size_t dl = strlen(db_dirs[d]);

		if (len <= dl + 1 || memcmp(path, db_dirs[d], dl) != 0 || path[dl] != '/')
			continue;
		for (size_t f = 0; f < sizeof(db_files) / sizeof(db_files[0]); f++)
			if (moat_slice_eq_str(moat_slice_make(path + dl + 1, len - dl - 1), db_files[f]))
				return true;
	}
	(void)p;
	return false;
}

struct walk {
	struct moat_catalog_ctx *ctx;
	const char *db_path;
	const char *distro;
	const char *ns;
	struct catalog_versions *vers;   /* set when only versions are wanted */
	struct moat_arena *scratch;
	struct moat_error *err;
};

static const char *vendor_ns(const struct moat_catalog_ctx *ctx)
{
	const char *id = ctx->os.id;

	if (!id)
		return "rpm";
	if (!strcmp(id, "rhel"))
		return "redhat";
	if (!strncmp(id, "opensuse", 8) || !strcmp(id, "sles"))
		return "opensuse";
	return id;
}

static int on_blob(void *vctx, const uint8_t *blob, size_t len)
{
	struct walk *w = vctx;
	struct moat_catalog_ctx *ctx = w->ctx;
	struct moat_rpm_header h;
	struct moat_pkg *p;
	int r;

	r = moat_rpm_header_parse(w->vers ? w->scratch : ctx->arena, blob, len, &h, w->err);
	if (r < 0)
		return r;
	if (!h.name || !h.version || !strcmp(h.name, "gpg-pubkey"))
		return 0; /* imported keys are headers too, not packages */
	if (w->vers) {
		const char *evr = moat_rpm_evr(w->scratch, &h);
		const char *key = moat_arena_printf(w->scratch, "%s.%s", h.name, h.arch ? h.arch : "");

		if (!evr || !key)
			return MOAT_E_LIMIT;
		return catalog_versions_put(w->vers, moat_slice_str(key), moat_slice_str(evr));
	}
	p = moat_arena_new0(ctx->arena, struct moat_pkg);
	if (!p || ctx->pkgs.count >= ctx->limits->packages)
		return moat_error_set(w->err, MOAT_E_LIMIT, "%s: too many packages", w->db_path);
	p->type = "rpm";
	p->name = h.name;
	p->version = moat_rpm_evr(ctx->arena, &h);
	p->arch = h.arch;
	p->license = h.license;
	p->source_name = h.source_name;
	p->source_version = h.source_version;
	p->files = h.files;
	p->n_files = h.n_files;
	p->requires = h.requires;
	p->provides = h.provides;
	p->db_path = w->db_path;
	p->distro = w->distro;
	p->layer_index = -1;
	p->purl = moat_purl_make(ctx->arena, "rpm", w->ns, h.name,
				 h.release ? moat_arena_printf(ctx->arena, "%s-%s", h.version, h.release)
					   : h.version,
				 h.arch, w->distro, NULL);
	if (p->purl && h.epoch >= 0)
		p->purl = moat_arena_printf(ctx->arena, "%s%cepoch=%lld", p->purl,
					    strchr(p->purl, '?') ? '&' : '?', (long long)h.epoch);
	if (!p->version || moat_pkg_list_add(ctx->arena, &ctx->pkgs, p) < 0)
		return moat_error_set(w->err, MOAT_E_LIMIT, "out of scan memory");
	return 0;
}

static int parse_versions_ctx(struct walk *w, struct catalog_versions *vers,
			      struct moat_slice content, struct moat_error *err)
{
	int r;

	w->vers = vers;
	w->scratch = moat_arena_open(0);
	if (!w->scratch)
		return -ENOMEM;
	r = moat_rpmdb_foreach(content.ptr, content.len, w->ctx->limits->packages, on_blob, w, err);
	moat_arena_close(w->scratch);
	w->vers = NULL;
	return r;
}

static int parse_versions(void *parse_ctx, struct catalog_versions *vers,
			  struct moat_slice content, struct moat_error *err)
{
	/* An older layer's db that no longer parses says nothing about today's
	 * packages: attribution just starts later. */
	struct moat_error ignored;

	(void)err;
	parse_versions_ctx(parse_ctx, vers, content, &ignored);
	return 0;
}

static struct moat_slice key_of(const struct moat_pkg *p, char *scratch, size_t len)
{
	int n = snprintf(scratch, len, "%s.%s", p->name, p->arch ? p->arch : "");

	return moat_slice_make(scratch, n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1);
}

/* The first database file present (symlinks resolved inside the image). */
static int find_db(struct moat_catalog_ctx *ctx, struct moat_buf *path, struct moat_slice *content,
		   struct moat_error *err)
{
	for (size_t d = 0; d < sizeof(db_dirs) / sizeof(db_dirs[0]); d++) {
		for (size_t f = 0; f < sizeof(db_files) / sizeof(db_files[0]); f++) {
			char want_path[64];
			int r;

			snprintf(want_path, sizeof(want_path), "%s/%s", db_dirs[d], db_files[f]);
			r = moat_fs_resolve(ctx->fs, want_path, path, err);
			if (r == MOAT_E_NOTFOUND || r == -ENOTDIR)
				continue;
			if (r < 0)
				return r;
			r = moat_fs_read(ctx->fs, (const char *)path->data, content, err);
			if (r == 0 || (r != MOAT_E_NOTFOUND && r != MOAT_E_UNSUPPORTED))
				return r;
		}
	}
	return MOAT_E_NOTFOUND;
}

static int run(struct moat_catalog_ctx *ctx, struct moat_error *err)
{
	struct moat_buf path;
	struct moat_slice content;
	struct walk w = { .ctx = ctx, .err = err };
	size_t first = ctx->pkgs.count;
	int r;

	moat_buf_init(&path, 0);
	r = find_db(ctx, &path, &content, err);
	if (r == MOAT_E_NOTFOUND) {
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	w.db_path = moat_arena_strdup(ctx->arena, (const char *)path.data);
	w.distro = catalog_distro(ctx);
	w.ns = vendor_ns(ctx);
	r = moat_rpmdb_foreach(content.ptr, content.len, ctx->limits->packages, on_blob, &w, err);
	if (r < 0) {
		moat_error_prefix(err, "%s: ", w.db_path);
		goto out;
	}
	r = catalog_attribute(ctx, "rpm", w.db_path, first, parse_versions, &w, key_of, err);
	if (r == 0)
		r = catalog_resolve_deps(ctx, first, err);
out:
	moat_buf_release(&path);
	return r;
}

const struct moat_cataloger moat_cataloger_rpm = { "rpm", want, run };
