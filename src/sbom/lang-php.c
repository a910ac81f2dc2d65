/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-php.c - Composer packages: <vendor-dir>/composer/installed.json (what
 * `composer install` put on disk; Composer 1 wrote a bare array, Composer 2
 * {"packages": [...]}) and composer.lock ("packages" and "packages-dev").
 *
 * Composer names are "vendor/project"; the purl is
 * pkg:composer/vendor/project@version with the version as Composer writes
 * it ("v5.4.0", "1.2.3", "dev-main").
 *
 * Both files also give each package's "license" (an array of SPDX ids,
 * joined with OR: Composer lets the user pick), its "dist" "shasum" (the
 * SHA-1 of the archive Composer downloaded, when the repository published
 * one; often empty) and its "require" names, drawn as edges within the file
 * (platform requirements such as "php" or "ext-json" are no package).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/slice.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "lang.h"

/* Big Laravel/Symfony applications have lock files of ~1 MB. */
#define COMPOSER_MAX (64u << 20)

static bool ends_with_path(const char *path, size_t len, const char *tail)
{
	size_t n = strlen(tail);

	return len >= n && memcmp(path + len - n, tail, n) == 0 &&
	       (len == n || path[len - n - 1] == '/');
}

static bool php_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return ends_with_path(path, len, "composer/installed.json") ||
	       ends_with_path(path, len, "composer.lock");
}

/* "license": ["MIT"] or ["LGPL-2.1-only", "GPL-3.0-or-later"] (a choice). */
static const char *composer_license(struct moat_arena *arena, const json_t *p)
{
	const json_t *l = json_object_get(p, "license");
	struct moat_buf b;
	const char *out = NULL;
	int r = 0;

	if (json_is_string(l))
		return moat_arena_strdup(arena, json_string_value(l));
	if (!json_is_array(l) || !json_array_size(l) || json_array_size(l) > 8)
		return NULL;
	moat_buf_init(&b, 1024);
	for (size_t i = 0; r == 0 && i < json_array_size(l); i++) {
		const char *s = json_string_value(json_array_get(l, i));

		if (!s || !*s)
			r = -1;
		else
			r = (i ? moat_buf_append_str(&b, " OR ") : 0) || moat_buf_append_str(&b, s);
	}
	if (r == 0)
		out = moat_arena_strndup(arena, (const char *)b.data, b.len);
	moat_buf_release(&b);
	return out;
}

static int composer_add(struct moat_lang *lang, const struct moat_file_visit *file,
			const char *evidence, const json_t *p, struct moat_pkg **ret_pkg,
			struct moat_error *err)
{
	struct moat_arena *arena = moat_lang_arena(lang);
	size_t nlen = 0;
	size_t vlen = 0;
	size_t slen = 0;
	const char *name = moat_json_strn(p, "name", &nlen);
	const char *version = moat_json_strn(p, "version", &vlen);
	const char *shasum = moat_json_strn(json_object_get(p, "dist"), "shasum", &slen);
	const char *slash;
	struct moat_pkg *pkg;
	char *ns;

	*ret_pkg = NULL;
	if (!name || !version || !vlen || strlen(name) != nlen || strlen(version) != vlen)
		return 0;
	slash = strchr(name, '/');
	if (!slash || slash == name || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	pkg = moat_lang_pkg_new(lang, "composer", name, version, evidence);
	ns = moat_arena_strndup(arena, name, (size_t)(slash - name));
	if (!pkg || !ns)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	pkg->purl = moat_purl_make(arena, "composer", ns, slash + 1, version, NULL, NULL, NULL);
	if (!pkg->purl)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	pkg->license = composer_license(arena, p);
	if (shasum && slen && moat_pkg_add_hash(arena, pkg, MOAT_HASH_SHA1, shasum, slen) ==
			      MOAT_E_LIMIT)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	*ret_pkg = pkg;
	return moat_lang_add(lang, file, pkg, err);
}

/* The packages of one file, by name, and their "require" edges. */
struct composer_file {
	struct moat_hmap by_name;
	const json_t *arrs[2];
	struct moat_pkg **rows[2];
};

static int add_array(struct moat_lang *lang, const struct moat_file_visit *file,
		     const char *evidence, struct composer_file *cf, size_t which,
		     struct moat_error *err)
{
	const json_t *arr = cf->arrs[which];
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	struct moat_pkg **rows = moat_arena_calloc(moat_lang_arena(lang), n ? n : 1,
						   sizeof(*rows)); /* NOLINT(bugprone-sizeof-expression) */
	int r;

	if (!rows)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	cf->rows[which] = rows;
	for (size_t i = 0; i < n; i++) {
		if ((r = composer_add(lang, file, evidence, json_array_get(arr, i), &rows[i],
				      err)) < 0)
			return r;
		if (rows[i] && moat_hmap_put(&cf->by_name, rows[i]->name, strlen(rows[i]->name),
					     rows[i]) < 0)
			return moat_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static int require_edges(struct moat_lang *lang, struct composer_file *cf, size_t which,
			 struct moat_error *err)
{
	const json_t *arr = cf->arrs[which];

	for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
		const char *dep;
		json_t *v;

		if (!cf->rows[which][i])
			continue;
		json_object_foreach(json_object_get(json_array_get(arr, i), "require"), dep, v) {
			/* Composer names are case-insensitive; files write them lowercase */
			struct moat_pkg *to = moat_hmap_get(&cf->by_name, dep, strlen(dep));

			(void)v;
			if (to && moat_pkg_add_dep(moat_lang_arena(lang), cf->rows[which][i], to) < 0)
				return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		}
	}
	return 0;
}

static int add_file(struct moat_lang *lang, const struct moat_file_visit *file,
		    const char *evidence, const json_t *pkgs, const json_t *dev,
		    struct moat_error *err)
{
	struct composer_file cf = { .arrs = { pkgs, dev } };
	int r;

	moat_hmap_init(&cf.by_name);
	r = add_array(lang, file, evidence, &cf, 0, err);
	if (r == 0)
		r = add_array(lang, file, evidence, &cf, 1, err);
	for (size_t w = 0; r == 0 && w < 2; w++)
		r = require_edges(lang, &cf, w, err);
	moat_hmap_release(&cf.by_name);
	return r;
}

static int php_read(struct moat_lang *lang, const struct moat_file_visit *file,
		    struct moat_reader *content, struct moat_error *err)
{
	bool lock = ends_with_path(file->path, file->path_len, "composer.lock");
	const char *evidence = lock ? "lockfile" : "installed";
	struct moat_error jerr = { 0 };
	struct moat_buf data;
	json_t *root = NULL;
	int r;

	moat_buf_init(&data, 0);
	r = moat_lang_read_all(lang, file, content, COMPOSER_MAX, &data, err);
	if (r != 0)
		goto out;
	if (moat_json_parse(data.data, data.len, COMPOSER_MAX, lock ? "composer.lock" :
			    "installed.json", &root, &jerr) < 0) {
		moat_lang_warn(lang, file, moat_lang_code(jerr.code), "%s", jerr.msg);
		goto out;
	}
	if (json_is_array(root))
		r = add_file(lang, file, evidence, root, NULL, err);
	else
		r = add_file(lang, file, evidence, json_object_get(root, "packages"),
			     lock ? json_object_get(root, "packages-dev") : NULL, err);
	json_decref(root);
out:
	moat_buf_release(&data);
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_php = {
	.name = "php",
	.match = php_match,
	.read = php_read,
};
