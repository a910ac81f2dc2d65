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
 * are read and anything else is ignored.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
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
		   struct moat_error *err)
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

static int read_gemspec(struct moat_lang *lang, const struct moat_file_visit *file,
			struct moat_slice in, struct moat_error *err)
{
	struct moat_slice line;
	struct moat_slice name = { 0 };
	struct moat_slice version = { 0 };
	struct moat_slice v;
	bool in_spec = false;

	while (moat_slice_line(&in, &line) && !(name.len && version.len)) {
		line = moat_slice_trim(line);
		if (moat_slice_startswith(line, "Gem::Specification.new"))
			in_spec = true;
		else if (in_spec && !name.len && gemspec_assign(line, "name", &v))
			name = v;
		else if (in_spec && !version.len && gemspec_assign(line, "version", &v))
			version = v;
	}
	if (!name.len || !version.len) {
		moat_lang_warn(lang, file, "lang-file-malformed",
			       "no literal name and version assignment found");
		return 0;
	}
	return gem_add(lang, file, "installed", name, version, err);
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
static int read_gemfile_lock(struct moat_lang *lang, const struct moat_file_visit *file,
			     struct moat_slice in, struct moat_error *err)
{
	struct moat_slice line;
	bool in_gem = false;
	bool in_specs = false;
	int r;

	while (moat_slice_line(&in, &line)) {
		if (line.len && line.ptr[0] != ' ') {
			in_gem = moat_slice_eq_str(line, "GEM");
			in_specs = false;
			continue;
		}
		if (!in_gem)
			continue;
		if (moat_slice_startswith(line, "  ") && line.len > 2 && line.ptr[2] != ' ') {
			in_specs = moat_slice_eq_str(moat_slice_trim(line), "specs:");
			continue;
		}
		if (!in_specs || !moat_slice_startswith(line, "    ") || line.len < 5 ||
		    line.ptr[4] == ' ')
			continue;
		struct moat_slice rest = moat_slice_make(line.ptr + 4, line.len - 4);
		struct moat_slice name;
		long close;

		moat_slice_split(&rest, ' ', &name);
		if (rest.len < 3 || rest.ptr[0] != '(' || (close = moat_slice_find(rest, ')')) < 0)
			continue;
		rest = moat_slice_make(rest.ptr + 1, (size_t)close - 1);
		/* "1.15.4-x86_64-linux": gem versions hold no '-', platforms follow one */
		if (moat_slice_find(rest, '-') >= 0)
			rest.len = (size_t)moat_slice_find(rest, '-');
		if ((r = gem_add(lang, file, "lockfile", name, rest, err)) < 0)
			return r;
	}
	return 0;
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
