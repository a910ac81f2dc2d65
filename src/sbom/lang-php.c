/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-php.c - Composer packages: <vendor-dir>/composer/installed.json (what
 * `composer install` put on disk; Composer 1 wrote a bare array, Composer 2
 * {"packages": [...]}) and composer.lock ("packages" and "packages-dev").
 *
 * Composer names are "vendor/project"; the purl is
 * pkg:composer/vendor/project@version with the version as Composer writes
 * it ("v5.4.0", "1.2.3", "dev-main").
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
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

static int composer_add(struct moat_lang *lang, const struct moat_file_visit *file,
			const char *evidence, const json_t *p, struct moat_error *err)
{
	struct moat_arena *arena = moat_lang_arena(lang);
	size_t nlen = 0;
	size_t vlen = 0;
	const char *name = moat_json_strn(p, "name", &nlen);
	const char *version = moat_json_strn(p, "version", &vlen);
	const char *slash;
	struct moat_pkg *pkg;
	char *ns;

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
	return moat_lang_add(lang, file, pkg, err);
}

static int add_array(struct moat_lang *lang, const struct moat_file_visit *file,
		     const char *evidence, const json_t *arr, struct moat_error *err)
{
	int r;

	for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr); i++)
		if ((r = composer_add(lang, file, evidence, json_array_get(arr, i), err)) < 0)
			return r;
	return 0;
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
	if (json_is_array(root)) {
		r = add_array(lang, file, evidence, root, err);
	} else {
		r = add_array(lang, file, evidence, json_object_get(root, "packages"), err);
		if (r == 0 && lock)
			r = add_array(lang, file, evidence, json_object_get(root, "packages-dev"),
				      err);
	}
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
