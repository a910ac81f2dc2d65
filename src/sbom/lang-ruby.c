/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-ruby.c - Ruby gems: installed specifications (the stub gemspecs
 * rubygems writes to <gem home>/specifications/ and specifications/default/,
 * and Debian to .../rubygems-integration/.../specifications/) and
 * Gemfile.lock (the GEM section's specs).
 *
 * A gemspec is Ruby. It is never evaluated: the installed stubs are
 * machine-written by Gem::Specification#to_ruby, one `s.name = "x".freeze`
 * assignment per line, so the literal string assignments of name and version
 * are read and anything else is ignored; `s.licenses = ["MIT".freeze]` (or
 * `s.license = "MIT"`) gives the licence, several joined with OR (a gem's
 * licences are alternatives, as RubyGems documents them).
 *
 * Gemfile.lock also gives the graph (each spec's indented requirement
 * names, within the GEM section) and, from Bundler 2.5 on, a CHECKSUMS
 * section: "name (version) sha256=HEX", the SHA-256 of the .gem file.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/slice.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "lang.h"

/* Installed stubs are a few KB (the file list is the long part). */
#define GEMSPEC_MAX (4u << 20)
#define GEMFILE_LOCK_MAX (32u << 20)

static struct moat_slice last_component(const char *path, size_t len, struct moat_slice *ret_dir)
{
	size_t i = len;

	while (i > 0 && path[i - 1] != '/')
		i--;
	*ret_dir = moat_slice_make(path, i ? i - 1 : 0);
	return moat_slice_make(path + i, len - i);
}

static bool dir_is(struct moat_slice dir, const char *name)
{
	size_t n = strlen(name);

	return moat_slice_endswith(dir, name) &&
	       (dir.len == n || dir.ptr[dir.len - n - 1] == '/');
}

static bool is_gemspec(const char *path, size_t len)
{
	struct moat_slice dir;
	struct moat_slice base = last_component(path, len, &dir);

	if (!moat_slice_endswith(base, ".gemspec") || base.len <= 8)
		return false;
	if (dir_is(dir, "specifications"))
		return true;
	return dir_is(dir, "specifications/default");
}

static bool is_gemfile_lock(const char *path, size_t len)
{
	struct moat_slice dir;
	struct moat_slice base = last_component(path, len, &dir);

	return moat_slice_eq_str(base, "Gemfile.lock") || moat_slice_eq_str(base, "gems.locked");
}

static bool ruby_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	return is_gemspec(path, len) || is_gemfile_lock(path, len);
}

static int gem_add(struct moat_lang *lang, const struct moat_file_visit *file,
		   const char *evidence, struct moat_slice name, struct moat_slice version,
		   struct moat_pkg **ret_pkg, struct moat_error *err)
{
	struct moat_arena *arena = moat_lang_arena(lang);
	struct moat_pkg *pkg;
	const char *n;
	const char *v;

	if (name.len == 0 || version.len == 0 || memchr(name.ptr, '\0', name.len) ||
	    memchr(version.ptr, '\0', version.len))
		return 0;
	/* The lang arena copies them again; these copies are small and rare. */
	n = moat_arena_strndup(arena, (const char *)name.ptr, name.len);
	v = moat_arena_strndup(arena, (const char *)version.ptr, version.len);
	pkg = n && v ? moat_lang_pkg_new(lang, "gem", n, v, evidence) : NULL;
	if (!pkg)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (ret_pkg)
		*ret_pkg = pkg;
	return moat_lang_add(lang, file, pkg, err);
}

/* The string literal at the start of s: "x", 'x', or Gem::Version.new("x"). */
static bool ruby_string(struct moat_slice s, struct moat_slice *ret)
{
	long end;
	uint8_t q;

	if (moat_slice_startswith(s, "Gem::Version.new("))
		s = moat_slice_make(s.ptr + 17, s.len - 17);
	if (s.len < 2 || (s.ptr[0] != '"' && s.ptr[0] != '\''))
		return false;
	q = s.ptr[0];
	s = moat_slice_make(s.ptr + 1, s.len - 1);
	end = moat_slice_find(s, q);
	if (end < 0 || memchr(s.ptr, '\\', (size_t)end) || memchr(s.ptr, '#', (size_t)end))
		return false; /* escapes and interpolation: not a literal we can read */
	*ret = moat_slice_make(s.ptr, (size_t)end);
	return true;
}

/* `<var>.<field> = <literal>` with any receiver name (s, spec, gem). */
static bool gemspec_assign(struct moat_slice line, const char *field, struct moat_slice *ret)
{
	size_t i = 0;
	size_t n = strlen(field);

	while (i < line.len && (line.ptr[i] == '_' || (line.ptr[i] >= 'a' && line.ptr[i] <= 'z')))
		i++;
	if (i == 0 || i + 1 + n >= line.len || line.ptr[i] != '.' ||
	    memcmp(line.ptr + i + 1, field, n) != 0)
		return false;
	line = moat_slice_trim(moat_slice_make(line.ptr + i + 1 + n, line.len - i - 1 - n));
	if (line.len < 2 || line.ptr[0] != '=' || line.ptr[1] == '=')
		return false;
	return ruby_string(moat_slice_trim(moat_slice_make(line.ptr + 1, line.len - 1)), ret);
}

/* `s.licenses = ["MIT".freeze, "Ruby".freeze]` or `s.license = "MIT"`:
 * the literals, joined with OR. */
static const char *gemspec_licenses(struct moat_arena *a, struct moat_slice line)
{
	struct moat_slice v;
	struct moat_buf b;
	const char *out = NULL;
	size_t n = 0;
	long eq;

	if (gemspec_assign(line, "license", &v))
		return moat_arena_strndup(a, (const char *)v.ptr, v.len);
	if ((eq = moat_slice_find(line, '[')) < 0 || !memmem(line.ptr, line.len, ".licenses =", 11))
		return NULL;
	line = moat_slice_make(line.ptr + eq + 1, line.len - (size_t)eq - 1);
	moat_buf_init(&b, 1024);
	while (n < 8 && ruby_string(line = moat_slice_trim(line), &v) && v.len) {
		if ((n++ && moat_buf_append_str(&b, " OR ") < 0) ||
		    moat_buf_append(&b, v.ptr, v.len) < 0)
			break;
		const uint8_t *end = line.ptr + line.len;

		line = moat_slice_make(v.ptr + v.len + 1, (size_t)(end - (v.ptr + v.len + 1)));
		if (moat_slice_startswith(line, ".freeze"))
			line = moat_slice_make(line.ptr + 7, line.len - 7);
		line = moat_slice_trim(line);
		if (!moat_slice_startswith(line, ","))
			break;
		line = moat_slice_make(line.ptr + 1, line.len - 1);
	}
	if (n && !memchr(b.data, '\0', b.len))
		out = moat_arena_strndup(a, (const char *)b.data, b.len);
	moat_buf_release(&b);
	return out;
}

static int read_gemspec(struct moat_lang *lang, const struct moat_file_visit *file,
			struct moat_slice in, struct moat_error *err)
{
	struct moat_slice line;
	struct moat_slice name = { 0 };
	struct moat_slice version = { 0 };
	struct moat_slice v;
	const char *license = NULL;
	struct moat_pkg *pkg = NULL;
	bool in_spec = false;
	int r;

	while (moat_slice_line(&in, &line) && !(name.len && version.len && license)) {
		line = moat_slice_trim(line);
		if (moat_slice_startswith(line, "Gem::Specification.new"))
			in_spec = true;
		else if (in_spec && !name.len && gemspec_assign(line, "name", &v))
			name = v;
		else if (in_spec && !version.len && gemspec_assign(line, "version", &v))
			version = v;
		else if (in_spec && !license)
			license = gemspec_licenses(moat_lang_arena(lang), line);
	}
	if (!name.len || !version.len) {
		moat_lang_warn(lang, file, "lang-file-malformed",
			       "no literal name and version assignment found");
		return 0;
	}
	r = gem_add(lang, file, "installed", name, version, &pkg, err);
	if (r == 0 && pkg)
		pkg->license = license;
	return r;
}

/*
 * Gemfile.lock:
 *   GEM
 *     remote: https://rubygems.org/
 *     specs:
 *       rack (2.2.8)
 *       nokogiri (1.15.4-x86_64-linux)
 *         racc (~> 1.4)          <- a dependency requirement, not a package
 */
struct gem_lock {
	struct moat_lang *lang;
	const struct moat_file_visit *file;
	struct moat_hmap by_name;         /* name -> first package of that name */
	struct moat_hmap by_version;      /* "name version" -> package (no platform) */
	struct moat_arena *tmp;
	struct moat_error *err;
};

/* "name (version[-platform])..." -> name, version (platform cut), the rest. */
static bool gem_entry(struct moat_slice s, struct moat_slice *name, struct moat_slice *version,
		      bool *ret_platform, struct moat_slice *rest)
{
	long close;

	moat_slice_split(&s, ' ', name);
	if (s.len < 3 || s.ptr[0] != '(' || (close = moat_slice_find(s, ')')) < 0)
		return false;
	*version = moat_slice_make(s.ptr + 1, (size_t)close - 1);
	*rest = moat_slice_trim(moat_slice_make(s.ptr + close + 1, s.len - (size_t)close - 1));
	/* "1.15.4-x86_64-linux": gem versions hold no '-', platforms follow one */
	*ret_platform = moat_slice_find(*version, '-') >= 0;
	if (*ret_platform)
		version->len = (size_t)moat_slice_find(*version, '-');
	return true;
}

static const char *gem_key(struct gem_lock *g, struct moat_slice name, struct moat_slice ver)
{
	return moat_arena_printf(g->tmp, "%.*s %.*s", (int)name.len, (const char *)name.ptr,
				 (int)ver.len, (const char *)ver.ptr);
}

static int lock_spec(struct gem_lock *g, struct moat_slice line)
{
	struct moat_slice name, version, rest;
	struct moat_pkg *pkg = NULL;
	bool platform;
	const char *k;
	int r;

	if (!gem_entry(line, &name, &version, &platform, &rest))
		return 0;
	if ((r = gem_add(g->lang, g->file, "lockfile", name, version, &pkg, g->err)) < 0 || !pkg)
		return r;
	if (!moat_hmap_get(&g->by_name, pkg->name, strlen(pkg->name)) &&
	    moat_hmap_put(&g->by_name, pkg->name, strlen(pkg->name), pkg) < 0)
		return moat_error_set(g->err, -ENOMEM, "out of memory");
	if (platform)
		return 0;
	if (!(k = gem_key(g, name, version)))
		return moat_error_set(g->err, MOAT_E_LIMIT, "out of scan memory");
	return moat_hmap_put(&g->by_version, k, strlen(k), pkg) < 0 ?
	       moat_error_set(g->err, -ENOMEM, "out of memory") : 0;
}

/* CHECKSUMS: "  name (version) sha256=HEX[,sha512=...]". */
static int lock_checksum(struct gem_lock *g, struct moat_slice line)
{
	struct moat_slice name, version, rest, one;
	struct moat_pkg *pkg;
	bool platform;
	const char *k;

	if (!gem_entry(line, &name, &version, &platform, &rest) || platform)
		return 0;
	if (!(k = gem_key(g, name, version)))
		return moat_error_set(g->err, MOAT_E_LIMIT, "out of scan memory");
	if (!(pkg = moat_hmap_get(&g->by_version, k, strlen(k))))
		return 0;
	while (rest.len) {
		if (!moat_slice_split(&rest, ',', &one)) {
			one = rest;
			rest.len = 0;
		}
		if (moat_slice_startswith(one, "sha256=") &&
		    moat_pkg_add_hash(moat_lang_arena(g->lang), pkg, MOAT_HASH_SHA256,
				      (const char *)one.ptr + 7, one.len - 7) == MOAT_E_LIMIT)
			return moat_error_set(g->err, MOAT_E_LIMIT, "out of scan memory");
	}
	return 0;
}

/*
 * Gemfile.lock:
 *   GEM
 *     remote: https://rubygems.org/
 *     specs:
 *       rack (2.2.8)
 *       nokogiri (1.15.4-x86_64-linux)
 *         racc (~> 1.4)          <- a dependency of nokogiri, not a package
 *   CHECKSUMS
 *     rack (2.2.8) sha256=...
 * Pass 1 adds the specs, pass 2 draws the edges and adds the checksums.
 */
static int gemfile_pass(struct gem_lock *g, struct moat_slice in, bool edges)
{
	struct moat_slice line, name;
	struct moat_pkg *from = NULL;
	bool in_gem = false, in_specs = false, in_sums = false;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line)) {
		if (line.len && line.ptr[0] != ' ') {
			in_gem = moat_slice_eq_str(line, "GEM");
			in_sums = moat_slice_eq_str(line, "CHECKSUMS");
			in_specs = false;
			continue;
		}
		if (in_sums && edges && moat_slice_startswith(line, "  ") && line.len > 2 &&
		    line.ptr[2] != ' ')
			r = lock_checksum(g, moat_slice_make(line.ptr + 2, line.len - 2));
		if (!in_gem)
			continue;
		if (moat_slice_startswith(line, "  ") && line.len > 2 && line.ptr[2] != ' ') {
			in_specs = moat_slice_eq_str(moat_slice_trim(line), "specs:");
			continue;
		}
		if (!in_specs || !moat_slice_startswith(line, "    ") || line.len < 5)
			continue;
		if (line.ptr[4] != ' ') {
			line = moat_slice_make(line.ptr + 4, line.len - 4);
			if (!edges) {
				r = lock_spec(g, line);
				continue;
			}
			moat_slice_split(&line, ' ', &name);
			from = moat_hmap_get(&g->by_name, (const char *)name.ptr, name.len);
		} else if (edges && from && line.len > 6 && line.ptr[5] == ' ' && line.ptr[6] != ' ') {
			struct moat_slice dep = moat_slice_make(line.ptr + 6, line.len - 6);
			struct moat_pkg *to;

			if (!moat_slice_split(&dep, ' ', &name))
				name = dep;
			to = moat_hmap_get(&g->by_name, (const char *)name.ptr, name.len);
			if (to && moat_pkg_add_dep(moat_lang_arena(g->lang), from, to) < 0)
				r = moat_error_set(g->err, MOAT_E_LIMIT, "out of scan memory");
		}
	}
	return r;
}

static int read_gemfile_lock(struct moat_lang *lang, const struct moat_file_visit *file,
			     struct moat_slice in, struct moat_error *err)
{
	struct gem_lock g = { .lang = lang, .file = file, .err = err };
	int r;

	if (!(g.tmp = moat_arena_open(0)))
		return moat_error_set(err, -ENOMEM, "out of memory");
	moat_hmap_init(&g.by_name);
	moat_hmap_init(&g.by_version);
	r = gemfile_pass(&g, in, false);
	if (r == 0)
		r = gemfile_pass(&g, in, true);
	moat_hmap_release(&g.by_name);
	moat_hmap_release(&g.by_version);
	moat_arena_close(g.tmp);
	return r;
}

static int ruby_read(struct moat_lang *lang, const struct moat_file_visit *file,
		     struct moat_reader *content, struct moat_error *err)
{
	bool spec = is_gemspec(file->path, file->path_len);
	struct moat_buf data;
	int r;

	moat_buf_init(&data, 0);
	r = moat_lang_read_all(lang, file, content, spec ? GEMSPEC_MAX : GEMFILE_LOCK_MAX, &data,
			       err);
	if (r == 0 && spec)
		r = read_gemspec(lang, file, moat_slice_make(data.data, data.len), err);
	else if (r == 0)
		r = read_gemfile_lock(lang, file, moat_slice_make(data.data, data.len), err);
	moat_buf_release(&data);
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_ruby = {
	.name = "ruby",
	.match = ruby_match,
	.read = ruby_read,
};
