/* SPDX-License-Identifier: Apache-2.0 */
/*
 * owned.c - language packages that an OS package installed.
 *
 * Debian ships npm modules in /usr/share/nodejs, Python distributions in
 * /usr/lib/python3/dist-packages, jars in /usr/share/java and Go programs in
 * /usr/bin, each inside a .deb whose file list (info/NAME.list; apk and rpm
 * keep the same) names the file the language cataloger read. Such a package
 * stays in the inventory but is matched through its OS package: the
 * distribution patches it (backports) without changing the upstream version,
 * so an upstream range would report flaws the image no longer has.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "sbom/catalog.h"

/* The file the package was read from, outside any archive: "a.jar!/b.jar"
 * -> "a.jar". Returns its length. */
static size_t outer_len(const char *path)
{
	const char *bang = strstr(path, "!/");

	return bang ? (size_t)(bang - path) : strlen(path);
}

static const struct moat_pkg *owner_of(const struct moat_hmap *files, const char *path)
{
	size_t len = outer_len(path);
	const struct moat_pkg *o = moat_hmap_get(files, path, len);

	/* Merged /usr: a .deb may still list /bin/x for what sits at usr/bin/x. */
	if (!o && len > 4 && !strncmp(path, "usr/", 4))
		o = moat_hmap_get(files, path + 4, len - 4);
	return o;
}

int catalog_mark_owned(struct moat_catalog_ctx *ctx, struct moat_error *err)
{
	struct moat_hmap files;
	bool any_lang = false;
	int r = 0;

	for (size_t i = 0; i < ctx->pkgs.count && !any_lang; i++)
		any_lang = !moat_pkg_is_os(ctx->pkgs.items[i]) && ctx->pkgs.items[i]->db_path;
	if (!any_lang)
		return 0;
	moat_hmap_init(&files);
	for (size_t i = 0; i < ctx->pkgs.count && r == 0; i++) {
		struct moat_pkg *p = ctx->pkgs.items[i];

		if (!moat_pkg_is_os(p))
			continue;
		for (size_t f = 0; f < p->n_files && r == 0; f++)
			r = moat_hmap_put(&files, p->files[f], strlen(p->files[f]), p);
	}
	for (size_t i = 0; i < ctx->pkgs.count && r == 0; i++) {
		struct moat_pkg *p = ctx->pkgs.items[i];

		if (!moat_pkg_is_os(p) && p->db_path)
			p->os_package = owner_of(&files, p->db_path);
	}
	moat_hmap_release(&files);
	return r < 0 ? moat_error_set(err, -ENOMEM, "out of memory") : 0;
}
