/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpkg.c - Debian packages from var/lib/dpkg/status (and the distroless
 * status.d/ directory), with file lists from the info/NAME.list files.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "catalog.h"
#include "copyright.h"

#define STATUS "var/lib/dpkg/status"
#define STATUS_D "var/lib/dpkg/status.d"
#define INFO "var/lib/dpkg/info"
#define DOC "usr/share/doc"

struct stanza {
	struct moat_slice package;
	struct moat_slice version;
	struct moat_slice arch;
	struct moat_slice source;
	struct moat_slice status;
	struct moat_slice license;
	struct moat_slice depends;
	struct moat_slice pre_depends;
	struct moat_slice provides;
};

static bool want(const char *path, size_t len)
{
	struct moat_slice p = moat_slice_make(path, len);

	if (moat_slice_eq_str(p, STATUS))
		return true;
	if (moat_slice_startswith(p, STATUS_D "/"))
		return !moat_slice_endswith(p, ".md5sums");
	if (moat_slice_startswith(p, DOC "/") && moat_slice_endswith(p, "/copyright")) {
		/* usr/share/doc/PKG/copyright, one level only */
		struct moat_slice mid = moat_slice_make(p.ptr + strlen(DOC "/"),
							p.len - strlen(DOC "/") - strlen("/copyright"));

		return mid.len && moat_slice_find(mid, '/') < 0;
	}
	return moat_slice_startswith(p, INFO "/") &&
	       (moat_slice_endswith(p, ".list") || moat_slice_endswith(p, ".md5sums"));
}

/* Fields we use; continuation lines (leading space) belong to the field before. */
static void parse_stanza(struct moat_slice in, struct stanza *st)
{
	struct moat_slice line, key;

	memset(st, 0, sizeof(*st));
	while (moat_slice_line(&in, &line)) {
		if (!line.len || line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue;
		if (!moat_slice_split(&line, ':', &key))
			continue;
		line = moat_slice_trim(line);
		if (moat_slice_eq_str(key, "Package"))
			st->package = line;
		else if (moat_slice_eq_str(key, "Version"))
			st->version = line;
		else if (moat_slice_eq_str(key, "Architecture"))
			st->arch = line;
		else if (moat_slice_eq_str(key, "Source"))
			st->source = line;
		else if (moat_slice_eq_str(key, "Status"))
			st->status = line;
		else if (moat_slice_eq_str(key, "License"))
			st->license = line;
		else if (moat_slice_eq_str(key, "Depends"))
			st->depends = line;
		else if (moat_slice_eq_str(key, "Pre-Depends"))
			st->pre_depends = line;
		else if (moat_slice_eq_str(key, "Provides"))
			st->provides = line;
	}
}

/* Files are on disk in every state but not-installed and config-files. A
 * status.d stanza has no Status field: it is installed by construction. */
static bool is_installed(const struct stanza *st)
{
	struct moat_slice s = st->status;
	struct moat_slice word;

	if (!s.len)
		return true;
	moat_slice_split(&s, ' ', &word); /* want */
	moat_slice_split(&s, ' ', &word); /* flag */
	s = moat_slice_trim(s);           /* state */
	return !moat_slice_eq_str(s, "not-installed") && !moat_slice_eq_str(s, "config-files");
}

static const char *dup(struct moat_catalog_ctx *ctx, struct moat_slice s)
{
	return s.len ? moat_arena_strndup(ctx->arena, (const char *)s.ptr, s.len) : NULL;
}

/* "Source: glibc" or "Source: bash (5.2.15-2)". */
static void split_source(struct moat_catalog_ctx *ctx, const struct stanza *st, struct moat_pkg *p)
{
	struct moat_slice src = st->source;
	long open = moat_slice_find(src, '(');
	long close = moat_slice_find(src, ')');

	p->source_name = p->name;
	p->source_version = p->version;
	if (!src.len)
		return;
	if (open > 0 && close > open) {
		p->source_name = dup(ctx, moat_slice_trim(moat_slice_make(src.ptr, (size_t)open)));
		p->source_version = dup(ctx, moat_slice_trim(
			moat_slice_make(src.ptr + open + 1, (size_t)(close - open - 1))));
	} else {
		p->source_name = dup(ctx, moat_slice_trim(src));
	}
}

static int add_pkg(struct moat_catalog_ctx *ctx, const struct stanza *st, const char *db_path,
		   const char *distro, struct moat_error *err)
{
	struct moat_pkg *p = moat_arena_new0(ctx->arena, struct moat_pkg);

	if (!p)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	p->type = "deb";
	p->name = dup(ctx, st->package);
	p->version = dup(ctx, st->version);
	p->arch = dup(ctx, st->arch);
	p->license = dup(ctx, st->license);
	p->provides = dup(ctx, st->provides);
	if (st->pre_depends.len && st->depends.len)
		p->requires = moat_arena_printf(ctx->arena, "%.*s, %.*s", (int)st->pre_depends.len,
						(const char *)st->pre_depends.ptr, (int)st->depends.len,
						(const char *)st->depends.ptr);
	else
		p->requires = dup(ctx, st->pre_depends.len ? st->pre_depends : st->depends);
	p->db_path = db_path;
	p->distro = distro;
	p->layer_index = -1;
	if (!p->name || !p->version)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	split_source(ctx, st, p);
	p->purl = moat_purl_make(ctx->arena, "deb", ctx->os.id ? ctx->os.id : "debian", p->name,
				 p->version, p->arch, distro,
				 strcmp(p->source_name, p->name) != 0 ? p->source_name : NULL);
	if (ctx->pkgs.count >= ctx->limits->packages)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u packages", db_path,
				      ctx->limits->packages);
	return moat_pkg_list_add(ctx->arena, &ctx->pkgs, p) < 0 ?
		moat_error_set(err, MOAT_E_LIMIT, "out of scan memory") : 0;
}

static int parse_db(struct moat_catalog_ctx *ctx, struct moat_slice content, const char *db_path,
		    struct moat_error *err)
{
	const char *distro = catalog_distro(ctx);
	struct moat_slice stanza;
	struct stanza st;
	int r;

	while (catalog_next_stanza(&content, &stanza)) {
		parse_stanza(stanza, &st);
		if (!st.package.len || !st.version.len || !is_installed(&st))
			continue;
		if ((r = add_pkg(ctx, &st, db_path, distro, err)) < 0)
			return r;
	}
	return 0;
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
		if (st.package.len && st.version.len && is_installed(&st) &&
		    catalog_versions_put(vers, st.package, st.version) < 0)
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

/* info/NAME.list or info/NAME:ARCH.list -> files of that package. */
static int attach_files(struct moat_catalog_ctx *ctx, struct moat_pkg *p, struct moat_error *err)
{
	const char *paths[2];
	struct moat_slice content = { 0 }, line;
	size_t n = 0;
	int r = MOAT_E_NOTFOUND;

	paths[0] = moat_arena_printf(ctx->arena, INFO "/%s.list", p->name);
	paths[1] = moat_arena_printf(ctx->arena, INFO "/%s:%s.list", p->name, p->arch ? p->arch : "");
	for (int i = 0; i < 2 && r < 0; i++)
		if (paths[i])
			r = moat_fs_read(ctx->fs, paths[i], &content, NULL);
	if (r < 0)
		return 0; /* no list: a distroless package or a trimmed image */
	for (struct moat_slice c = content; moat_slice_line(&c, &line);)
		n += line.len > 1;
	p->files = moat_arena_newarray(ctx->arena, const char *, n ? n : 1);
	if (!p->files)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	while (moat_slice_line(&content, &line)) {
		if (line.len <= 1 || p->n_files == n)
			continue;
		if (line.ptr[0] == '/') {
			line.ptr++;
			line.len--;
		}
		p->files[p->n_files++] = moat_arena_strndup(ctx->arena, (const char *)line.ptr, line.len);
	}
	return 0;
}

/* info/NAME[:ARCH].md5sums: "<32 hex>  path" per file dpkg unpacked (conffiles
 * are not listed). Malformed lines are skipped: a digest is evidence, not
 * inventory. */
int dpkg_parse_md5sums(struct moat_arena *arena, struct moat_slice content, struct moat_pkg *p)
{
	struct moat_slice line;
	struct moat_pkg_file_hash *fh;
	size_t n = 0;

	for (struct moat_slice c = content; moat_slice_line(&c, &line);)
		n += line.len > 34;
	fh = moat_arena_newarray(arena, struct moat_pkg_file_hash, n ? n : 1);
	if (!fh)
		return MOAT_E_LIMIT;
	p->n_file_hashes = 0;
	while (moat_slice_line(&content, &line) && p->n_file_hashes < n) {
		struct moat_slice path;
		struct moat_pkg_file_hash *f = &fh[p->n_file_hashes];
		bool hex = line.len > 34 && line.ptr[32] == ' ';

		for (size_t i = 0; hex && i < 32; i++)
			hex = (line.ptr[i] >= '0' && line.ptr[i] <= '9') ||
			      (line.ptr[i] >= 'a' && line.ptr[i] <= 'f');
		if (!hex)
			continue;
		/* "  path" (text mode) or " *path" (binary mode), then no leading '/' */
		path = moat_slice_make(line.ptr + 34, line.len - 34);
		while (path.len && path.ptr[0] == '/') {
			path.ptr++;
			path.len--;
		}
		if (!path.len || memchr(path.ptr, '\0', path.len))
			continue;
		f->path = moat_arena_strndup(arena, (const char *)path.ptr, path.len);
		f->hash.alg = MOAT_HASH_MD5;
		f->hash.hex = moat_arena_strndup(arena, (const char *)line.ptr, 32);
		if (!f->path || !f->hash.hex)
			return MOAT_E_LIMIT;
		p->n_file_hashes++;
	}
	p->file_hashes = fh;
	return 0;
}

static int attach_md5sums(struct moat_catalog_ctx *ctx, struct moat_pkg *p,
			  struct moat_error *err)
{
	struct moat_slice content;
	const char *paths[2];
	int r = MOAT_E_NOTFOUND;

	paths[0] = moat_arena_printf(ctx->arena, INFO "/%s.md5sums", p->name);
	paths[1] = moat_arena_printf(ctx->arena, INFO "/%s:%s.md5sums", p->name,
				     p->arch ? p->arch : "");
	for (int i = 0; i < 2 && r < 0; i++)
		if (paths[i])
			r = moat_fs_read(ctx->fs, paths[i], &content, NULL);
	if (r < 0)
		return 0;
	return dpkg_parse_md5sums(ctx->arena, content, p) < 0 ?
		moat_error_set(err, MOAT_E_LIMIT, "out of scan memory") : 0;
}

/* usr/share/doc/NAME/copyright (a distroless status.d entry may carry its
 * own License field: that one stays). */
static void attach_license(struct moat_catalog_ctx *ctx, struct moat_pkg *p)
{
	const char *path;
	struct moat_slice content;

	if (p->license)
		return;
	path = moat_arena_printf(ctx->arena, DOC "/%s/copyright", p->name);
	if (path && moat_fs_read(ctx->fs, path, &content, NULL) == 0)
		p->license = moat_deb_copyright_license(ctx->arena, content);
}

struct status_d {
	struct moat_catalog_ctx *ctx;
	struct moat_error *err;
};

static int on_status_d(void *vctx, const char *path, const struct moat_fs_stat *lst)
{
	struct status_d *sd = vctx;
	struct moat_slice content;
	struct moat_fs_stat target;
	const struct moat_fs_stat *st = lst;
	size_t before = sd->ctx->pkgs.count;
	int r;

	/* A symlink in status.d counts as the file it leads to, as for dpkg. */
	if (lst->type == MOAT_FS_SYMLINK) {
		if (moat_fs_stat(sd->ctx->fs, path, &target, NULL) < 0)
			return 0;
		st = &target;
	}
	if (st->type != MOAT_FS_REG || !st->has_content ||
	    moat_slice_endswith(moat_slice_str(path), ".md5sums"))
		return 0;
	if ((r = moat_fs_read(sd->ctx->fs, path, &content, sd->err)) < 0)
		return r;
	if ((r = parse_db(sd->ctx, content, moat_arena_strdup(sd->ctx->arena, path), sd->err)) < 0)
		return r;
	/* One file per package: the layer that last wrote it brought the package. */
	for (size_t i = before; i < sd->ctx->pkgs.count; i++) {
		sd->ctx->pkgs.items[i]->layer_index = st->layer;
		sd->ctx->pkgs.items[i]->layer = catalog_layer_id(sd->ctx, st->layer);
	}
	return 0;
}

static int run(struct moat_catalog_ctx *ctx, struct moat_error *err)
{
	size_t first = ctx->pkgs.count;
	struct moat_slice content;
	struct moat_fs_stat st;
	struct status_d sd = { ctx, err };
	struct moat_buf real;
	int r;

	r = moat_fs_read(ctx->fs, STATUS, &content, err);
	if (r == 0) {
		if ((r = parse_db(ctx, content, STATUS, err)) < 0)
			return r;
		if ((r = catalog_attribute(ctx, "deb", STATUS, first, parse_versions, NULL, key_of, err)) < 0)
			return r;
	} else if (r != MOAT_E_NOTFOUND && r != -ENOTDIR) {
		return r;
	}
	/* status.d may itself be a symlink: walk the directory it leads to. */
	r = 0;
	moat_buf_init(&real, 0);
	if (moat_fs_resolve(ctx->fs, STATUS_D, &real, NULL) == 0 &&
	    moat_fs_lstat(ctx->fs, (const char *)real.data, &st, NULL) == 0 &&
	    st.type == MOAT_FS_DIR)
		r = moat_fs_walk(ctx->fs, (const char *)real.data, on_status_d, &sd, err);
	moat_buf_release(&real);
	if (r < 0)
		return r;
	for (size_t i = first; i < ctx->pkgs.count; i++) {
		if ((r = attach_files(ctx, ctx->pkgs.items[i], err)) < 0 ||
		    (r = attach_md5sums(ctx, ctx->pkgs.items[i], err)) < 0)
			return r;
		attach_license(ctx, ctx->pkgs.items[i]);
	}
	return catalog_resolve_deps(ctx, first, err);
}

const struct moat_cataloger moat_cataloger_dpkg = { "dpkg", want, run };
