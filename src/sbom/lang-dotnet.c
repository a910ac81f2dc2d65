/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-dotnet.c - NuGet packages of .NET applications: <app>.deps.json, which
 * the SDK writes next to every built application and the runtime reads to
 * load it ("libraries": {"Name/Version": {"type": "package"}}; "project" and
 * "reference" entries are the application itself and framework assemblies),
 * and packages.lock.json (per target framework, {"Name": {"type",
 * "resolved"}}; "Project" entries are local projects).
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

/* deps.json of large ASP.NET applications reach a few MB. */
#define DOTNET_MAX (64u << 20)

static bool has_suffix(const char *path, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(path + len - n, suffix, n) == 0;
}

static bool is_lock(const char *path, size_t len)
{
	return has_suffix(path, len, "packages.lock.json") &&
	       (len == 18 || path[len - 19] == '/');
}

static bool dotnet_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	/* "x.deps.json", not a bare ".deps.json" */
	if (has_suffix(path, len, ".deps.json"))
		return len > 10 && path[len - 11] != '/';
	return is_lock(path, len);
}

static int nuget_add(struct moat_lang *lang, const struct moat_file_visit *file,
		     const char *evidence, const char *name, size_t nlen, const char *version,
		     struct moat_error *err)
{
	struct moat_arena *arena = moat_lang_arena(lang);
	const char *n = moat_arena_strndup(arena, name, nlen);
	struct moat_pkg *pkg;

	if (nlen == 0 || !version[0] || memchr(name, '/', nlen))
		return 0;
	pkg = n ? moat_lang_pkg_new(lang, "nuget", n, version, evidence) : NULL;
	if (!pkg)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return moat_lang_add(lang, file, pkg, err);
}

/* "libraries": {"Newtonsoft.Json/13.0.1": {"type": "package", ...}} */
static int read_deps(struct moat_lang *lang, const struct moat_file_visit *file, json_t *root,
		     struct moat_error *err)
{
	json_t *libs = json_object_get(root, "libraries");
	const char *key;
	json_t *lib;
	int r;

	json_object_foreach(libs, key, lib) {
		const char *type = moat_json_str(lib, "type");
		const char *slash = strrchr(key, '/');

		if (!type || strcmp(type, "package") != 0 || !slash)
			continue;
		r = nuget_add(lang, file, "installed", key, (size_t)(slash - key), slash + 1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "dependencies": {"net8.0": {"Name": {"type": "Direct", "resolved": "1.0.0"}}}:
 * the same package under several frameworks is reported once. */
static int read_lock(struct moat_lang *lang, const struct moat_file_visit *file, json_t *root,
		     struct moat_error *err)
{
	json_t *fws = json_object_get(root, "dependencies");
	struct moat_arena *tmp = moat_arena_open(0);
	struct moat_hmap seen;
	const char *fw;
	json_t *deps;
	int r = 0;

	if (!tmp)
		return moat_error_set(err, -ENOMEM, "out of memory");
	moat_hmap_init(&seen);
	json_object_foreach(fws, fw, deps) {
		const char *name;
		json_t *d;

		json_object_foreach(deps, name, d) {
			const char *type = moat_json_str(d, "type");
			const char *ver = moat_json_str(d, "resolved");
			char *key;

			if (!ver || (type && strcmp(type, "Project") == 0))
				continue;
			key = moat_arena_printf(tmp, "%s/%s", name, ver);
			if (!key) {
				r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
				goto out;
			}
			if (moat_hmap_get(&seen, key, strlen(key)))
				continue;
			if (moat_hmap_put(&seen, key, strlen(key), key) < 0) {
				r = moat_error_set(err, -ENOMEM, "out of memory");
				goto out;
			}
			r = nuget_add(lang, file, "lockfile", name, strlen(name), ver, err);
			if (r < 0)
				goto out;
		}
	}
out:
	moat_hmap_release(&seen);
	moat_arena_close(tmp);
	return r;
}

static int dotnet_read(struct moat_lang *lang, const struct moat_file_visit *file,
		       struct moat_reader *content, struct moat_error *err)
{
	bool lock = is_lock(file->path, file->path_len);
	struct moat_error jerr = { 0 };
	struct moat_buf data;
	json_t *root = NULL;
	size_t bom = 0;
	int r;

	moat_buf_init(&data, 0);
	r = moat_lang_read_all(lang, file, content, DOTNET_MAX, &data, err);
	if (r != 0)
		goto out;
	/* Visual Studio writes a UTF-8 BOM that JSON parsers reject */
	if (data.len >= 3 && memcmp(data.data, "\xef\xbb\xbf", 3) == 0)
		bom = 3;
	if (moat_json_parse(data.data + bom, data.len - bom, DOTNET_MAX, lock ? "packages.lock.json" :
			    "deps.json", &root, &jerr) < 0) {
		moat_lang_warn(lang, file, moat_lang_code(jerr.code), "%s", jerr.msg);
		goto out;
	}
	r = lock ? read_lock(lang, file, root, err) : read_deps(lang, file, root, err);
	json_decref(root);
out:
	moat_buf_release(&data);
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_dotnet = {
	.name = "dotnet",
	.match = dotnet_match,
	.read = dotnet_read,
};
