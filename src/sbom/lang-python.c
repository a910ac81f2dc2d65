/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-python.c - Python packages: installed distributions (*.dist-info/
 * METADATA, *.egg-info/PKG-INFO or a *.egg-info file, zipped *.egg files)
 * and lock files (requirements*.txt, poetry.lock, uv.lock, Pipfile.lock).
 *
 * Names are reported as the metadata writes them; the purl carries the PEP 503
 * normalised form (lowercase, runs of "-_." as one "-"), which is what PyPI
 * and vulnerability feeds key on. Requirements files only yield pinned
 * (== or ===) lines: anything else is a range, not a package.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/toml.h"
#include "base/zip.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "lang.h"

/* METADATA/PKG-INFO carry the long description: 16 MiB is far past real ones. */
#define METADATA_MAX ((uint64_t)16 << 20)
/* Lock files of thousands of packages are a few MiB. */
#define LOCK_MAX ((uint64_t)64 << 20)
/* A zipped egg is a library, not a data set. */
#define EGG_MAX ((uint64_t)256 << 20)
/* A License field longer than this is the licence text, not its name. */
#define LICENSE_NAME_MAX 100u

/* RECORD lists every installed file: big distributions have ~20k. */
#define RECORD_MAX ((uint64_t)32 << 20)
#define RECORD_MAX_FILES 200000u

enum py_kind {
	PY_NONE, PY_RECORD, PY_METADATA, PY_EGG_INFO_FILE, PY_EGG, PY_REQUIREMENTS, PY_POETRY, PY_UV,
	PY_PIPFILE,
};

static struct moat_slice base_of(struct moat_slice p)
{
	for (size_t i = p.len; i > 0; i--)
		if (p.ptr[i - 1] == '/')
			return moat_slice_make(p.ptr + i, p.len - i);
	return p;
}

static bool has_sub(struct moat_slice s, const char *sub)
{
	size_t n = strlen(sub);

	return s.len >= n && memmem(s.ptr, s.len, sub, n) != NULL;
}

static enum py_kind classify(const char *path, size_t len)
{
	struct moat_slice p = moat_slice_make(path, len);
	struct moat_slice base = base_of(p);

	if (moat_slice_endswith(p, ".dist-info/METADATA") ||
	    moat_slice_endswith(p, ".egg-info/PKG-INFO") ||
	    moat_slice_endswith(p, ".egg/EGG-INFO/PKG-INFO"))
		return PY_METADATA;
	if (moat_slice_endswith(p, ".dist-info/RECORD"))
		return PY_RECORD;
	if (moat_slice_endswith(base, ".egg-info"))
		return PY_EGG_INFO_FILE;
	if (moat_slice_endswith(base, ".egg"))
		return PY_EGG;
	if (moat_slice_eq_str(base, "poetry.lock"))
		return PY_POETRY;
	if (moat_slice_eq_str(base, "uv.lock"))
		return PY_UV;
	if (moat_slice_eq_str(base, "Pipfile.lock"))
		return PY_PIPFILE;
	if (moat_slice_endswith(base, ".txt") && has_sub(base, "requirements"))
		return PY_REQUIREMENTS;
	return PY_NONE;
}

static bool python_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	return size > 0 && classify(path, len) != PY_NONE;
}

/* PEP 503: lowercase, and every run of '-', '_', '.' becomes one '-'. */
static char *pep503(struct moat_arena *a, const char *name)
{
	size_t n = strlen(name);
	char *out = moat_arena_alloc(a, n + 1);
	size_t w = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (c == '-' || c == '_' || c == '.') {
			if (w == 0 || out[w - 1] != '-')
				out[w++] = '-';
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + ('a' - 'A'));
		out[w++] = c;
	}
	out[w] = '\0';
	return out;
}

static int add_pypi(struct moat_lang *lang, const struct moat_file_visit *file,
		    struct moat_slice name, struct moat_slice version, const char *evidence,
		    struct moat_pkg **ret_pkg, struct moat_error *err)
{
	struct moat_arena *a = moat_lang_arena(lang);
	char *n = moat_arena_strndup(a, (const char *)name.ptr, name.len);
	char *v = moat_arena_strndup(a, (const char *)version.ptr, version.len);
	struct moat_pkg *pkg = n && v ? moat_lang_pkg_new(lang, "pypi", n, v, evidence) : NULL;
	char *norm = pkg ? pep503(a, n) : NULL;

	if (!norm)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	pkg->purl = moat_purl_make(a, "pypi", NULL, norm, v, NULL, NULL, NULL);
	if (ret_pkg)
		*ret_pkg = pkg;
	return moat_lang_add(lang, file, pkg, err);
}

/* Trove classifiers that name exactly one SPDX licence ("BSD License" or
 * "Apache Software License" do not say which version: kept as written). */
static const struct {
	const char *classifier;
	const char *spdx;
} trove_licenses[] = {
	{ "MIT License", "MIT" },
	{ "MIT No Attribution License (MIT-0)", "MIT-0" },
	{ "ISC License (ISCL)", "ISC" },
	{ "Python Software Foundation License", "PSF-2.0" },
	{ "Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0" },
	{ "GNU General Public License v2 (GPLv2)", "GPL-2.0-only" },
	{ "GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later" },
	{ "GNU General Public License v3 (GPLv3)", "GPL-3.0-only" },
	{ "GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later" },
	{ "GNU Lesser General Public License v2 (LGPLv2)", "LGPL-2.0-only" },
	{ "GNU Lesser General Public License v2 or later (LGPLv2+)", "LGPL-2.0-or-later" },
	{ "GNU Lesser General Public License v3 (LGPLv3)", "LGPL-3.0-only" },
	{ "GNU Lesser General Public License v3 or later (LGPLv3+)", "LGPL-3.0-or-later" },
	{ "GNU Affero General Public License v3", "AGPL-3.0-only" },
	{ "Eclipse Public License 2.0 (EPL-2.0)", "EPL-2.0" },
	{ "The Unlicense (Unlicense)", "Unlicense" },
	{ "Boost Software License 1.0 (BSL-1.0)", "BSL-1.0" },
	{ "zlib/libpng License", "Zlib" },
	{ "Apache Software License 2.0", "Apache-2.0" },
};

/* "License :: OSI Approved :: MIT License" -> "MIT"; the last part as
 * written when it names no single licence. */
static struct moat_slice trove_license(struct moat_slice v)
{
	static const char pre[] = "License ::";
	size_t cut = 0;

	if (!moat_slice_startswith(v, pre))
		return moat_slice_make(NULL, 0);
	for (size_t i = 0; i + 1 < v.len; i++)
		if (v.ptr[i] == ':' && v.ptr[i + 1] == ':')
			cut = i + 2;
	v = moat_slice_trim(moat_slice_make(v.ptr + cut, v.len - cut));
	for (size_t i = 0; i < sizeof(trove_licenses) / sizeof(trove_licenses[0]); i++)
		if (moat_slice_eq_str(v, trove_licenses[i].classifier))
			return moat_slice_str(trove_licenses[i].spdx);
	/* "OSI Approved" alone says nothing about which licence */
	return moat_slice_eq_str(v, "OSI Approved") ? moat_slice_make(NULL, 0) : v;
}

/* Core metadata's licence, best first: License-Expression (PEP 639, SPDX),
 * a License field that is a short name rather than the licence text, then
 * the licence classifiers (joined with AND when there are several). */
struct py_license {
	struct moat_slice expression;
	struct moat_slice field;
	struct moat_slice trove[4];
	size_t n_trove;
};

static void license_line(struct py_license *pl, struct moat_slice key, struct moat_slice v)
{
	if (moat_slice_eq_str(key, "License-Expression") && !pl->expression.len) {
		pl->expression = v;
	} else if (moat_slice_eq_str(key, "License") && !pl->field.len) {
		pl->field = v;
	} else if (moat_slice_eq_str(key, "Classifier") && pl->n_trove < 4) {
		struct moat_slice t = trove_license(v);

		for (size_t i = 0; t.len && i < pl->n_trove; i++)
			if (t.len == pl->trove[i].len && !memcmp(t.ptr, pl->trove[i].ptr, t.len))
				t.len = 0;
		if (t.len)
			pl->trove[pl->n_trove++] = t;
	}
}

static bool license_name_ok(struct moat_slice s)
{
	return s.len && s.len <= LICENSE_NAME_MAX && !moat_slice_eq_str(s, "UNKNOWN") &&
	       !moat_slice_eq_str(s, "None") && !memchr(s.ptr, '\0', s.len);
}

static const char *license_of(struct moat_arena *a, const struct py_license *pl)
{
	struct moat_buf b;
	const char *out = NULL;
	int r = 0;

	if (license_name_ok(pl->expression))
		return moat_arena_strndup(a, (const char *)pl->expression.ptr, pl->expression.len);
	if (license_name_ok(pl->field))
		return moat_arena_strndup(a, (const char *)pl->field.ptr, pl->field.len);
	if (!pl->n_trove)
		return NULL;
	if (pl->n_trove == 1)
		return moat_arena_strndup(a, (const char *)pl->trove[0].ptr, pl->trove[0].len);
	moat_buf_init(&b, 0);
	for (size_t i = 0; i < pl->n_trove && r == 0; i++)
		r = (i ? moat_buf_append_str(&b, " AND ") : 0) ||
		    moat_buf_append(&b, pl->trove[i].ptr, pl->trove[i].len);
	if (r == 0)
		out = moat_arena_strndup(a, (const char *)b.data, b.len);
	moat_buf_release(&b);
	return out;
}

/* ---- installed: core metadata (RFC 822 style headers, then the body) ---- */

static int from_metadata(struct moat_lang *lang, const struct moat_file_visit *file,
			 struct moat_slice in, struct moat_error *err)
{
	struct moat_slice line, key, name = { 0 }, version = { 0 };
	struct py_license pl = { 0 };
	struct moat_pkg *pkg = NULL;
	int r;

	while (moat_slice_line(&in, &line) && line.len) {
		if (line.ptr[0] == ' ' || line.ptr[0] == '\t' || !moat_slice_split(&line, ':', &key))
			continue;
		if (moat_slice_eq_str(key, "Name") && !name.len)
			name = moat_slice_trim(line);
		else if (moat_slice_eq_str(key, "Version") && !version.len)
			version = moat_slice_trim(line);
		else
			license_line(&pl, key, moat_slice_trim(line));
	}
	if (!name.len || !version.len) {
		moat_lang_warn(lang, file, "lang-file-malformed",
			       "no Name or Version in the metadata");
		return 0;
	}
	r = add_pypi(lang, file, name, version, "installed", &pkg, err);
	if (r == 0 && pkg)
		pkg->license = license_of(moat_lang_arena(lang), &pl);
	return r;
}

static int from_egg(struct moat_lang *lang, const struct moat_file_visit *file,
		    struct moat_buf *data, const char *what, struct moat_error *err)
{
	struct moat_zip *zip;
	struct moat_buf info;
	long i;
	int r = moat_zip_open(data->data, data->len, NULL, what, &zip, err);

	if (r < 0) {
		if (r != -ENOMEM)
			moat_lang_warn(lang, file, moat_lang_code(err->code), "%s", err->msg);
		return r == -ENOMEM ? r : 0;
	}
	moat_buf_init(&info, 0);
	i = moat_zip_find(zip, MOAT_SLICE_LIT("EGG-INFO/PKG-INFO"));
	r = i < 0 ? 1 : moat_zip_extract(zip, (size_t)i, METADATA_MAX, &info, err);
	/* a bad egg is a warning; only running out of memory stops the scan */
	if (r == 1)
		moat_lang_warn(lang, file, "lang-file-malformed",
			       "no EGG-INFO/PKG-INFO in the egg");
	else if (r < 0 && r != -ENOMEM)
		moat_lang_warn(lang, file, moat_lang_code(err->code), "%s", err->msg);
	r = r == -ENOMEM ? r : r == 0 ? from_metadata(lang, file,
						      moat_slice_make(info.data, info.len), err) : 0;
	moat_buf_release(&info);
	moat_zip_close(zip);
	return r;
}

/* ---- installed: RECORD (PEP 376/627), the digests of the files pip wrote ---- */

/* Append the RECORD path rel (relative to site-packages, which holds the
 * dist-info directory) to base, resolving "." and ".."; false when it
 * climbs out of the root. */
static bool record_path(struct moat_buf *out, struct moat_slice base, struct moat_slice rel)
{
	moat_buf_reset(out);
	if (rel.len && rel.ptr[0] == '/')
		base.len = 0; /* absolute (data files): relative to the root */
	if (moat_buf_append(out, base.ptr, base.len) < 0)
		return false;
	while (rel.len) {
		long sl = moat_slice_find(rel, '/');
		struct moat_slice comp = sl < 0 ? rel : moat_slice_make(rel.ptr, (size_t)sl);

		rel = sl < 0 ? moat_slice_make(NULL, 0) :
		      moat_slice_make(rel.ptr + sl + 1, rel.len - (size_t)sl - 1);
		if (!comp.len || moat_slice_eq_str(comp, "."))
			continue;
		if (moat_slice_eq_str(comp, "..")) {
			if (!out->len)
				return false; /* above the root */
			while (out->len && out->data[out->len - 1] != '/')
				out->len--;
			out->len -= out->len > 0;
			continue;
		}
		if ((out->len && moat_buf_append(out, "/", 1) < 0) ||
		    moat_buf_append(out, comp.ptr, comp.len) < 0)
			return false;
	}
	return out->len > 0;
}

/* One CSV field: quoted ("" is a quote; quotes and commas are rare in
 * paths but legal) or up to the next comma. */
static bool csv_field(struct moat_slice *line, struct moat_buf *out)
{
	size_t i = 0;

	moat_buf_reset(out);
	if (line->len && line->ptr[0] == '"') {
		for (i = 1; i < line->len; i++) {
			if (line->ptr[i] != '"') {
				if (moat_buf_append(out, line->ptr + i, 1) < 0)
					return false;
			} else if (i + 1 < line->len && line->ptr[i + 1] == '"') {
				if (moat_buf_append(out, "\"", 1) < 0)
					return false;
				i++;
			} else {
				break;
			}
		}
		if (i >= line->len)
			return false; /* unterminated */
		i++;
	} else {
		while (i < line->len && line->ptr[i] != ',')
			i++;
		if (moat_buf_append(out, line->ptr, i) < 0)
			return false;
	}
	if (i < line->len && line->ptr[i] != ',')
		return false;
	*line = moat_slice_make(line->ptr + i + (i < line->len), line->len - i - (i < line->len));
	return true;
}

/* "sha256=URLSAFE_B64" -> alg and hex; RECORD allows sha256 and stronger. */
static bool record_hash(struct moat_slice h, struct moat_pkg_hash *ret, char hex[2 * 64 + 1])
{
	static const struct {
		const char *name;
		enum moat_hash_alg alg;
	} algs[] = {
		{ "sha256=", MOAT_HASH_SHA256 },
		{ "sha384=", MOAT_HASH_SHA384 },
		{ "sha512=", MOAT_HASH_SHA512 },
	};

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		size_t n = strlen(algs[i].name);

		if (!moat_slice_startswith(h, algs[i].name))
			continue;
		ret->alg = algs[i].alg;
		return moat_hash_hex_from_b64(algs[i].alg, (const char *)h.ptr + n, h.len - n,
					      hex) == 0;
	}
	return false;
}

static int from_record(struct moat_lang *lang, const struct moat_file_visit *file,
		       struct moat_slice in, struct moat_error *err)
{
	struct moat_arena *a = moat_lang_arena(lang);
	struct moat_slice path = moat_slice_make(file->path, file->path_len);
	struct moat_slice distinfo = path, site = path, line;
	struct moat_pkg_file_hash *fh = NULL;
	struct moat_lang_fact fact = { .type = "pypi" };
	struct moat_buf field, full;
	size_t n = 0, cap = 0, bad = 0;
	int r = 0;

	distinfo.len -= 7; /* "/RECORD" */
	site.len = distinfo.len;
	while (site.len && site.ptr[site.len - 1] != '/')
		site.len--;
	site.len -= site.len > 0; /* drop the '/' */
	moat_buf_init(&field, 0);
	moat_buf_init(&full, 0);
	while (r == 0 && moat_slice_line(&in, &line)) {
		struct moat_pkg_hash h;
		char hex[2 * 64 + 1];

		line = moat_slice_trim(line);
		if (!line.len)
			continue;
		if (!csv_field(&line, &field) || !field.len ||
		    !record_path(&full, site, moat_slice_make(field.data, field.len)) ||
		    !csv_field(&line, &field)) {
			bad++;
			continue;
		}
		/* RECORD itself and .pyc files compiled later carry no digest */
		if (!field.len)
			continue;
		if (!record_hash(moat_slice_make(field.data, field.len), &h, hex)) {
			bad++;
			continue;
		}
		if (n == RECORD_MAX_FILES) {
			moat_lang_warn(lang, file, "lang-limit", "more than %u files; the rest skipped",
				       RECORD_MAX_FILES);
			break;
		}
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			struct moat_pkg_file_hash *g = moat_arena_grow(a, fh, n, nc, sizeof(*fh));

			if (!g) {
				r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
				break;
			}
			fh = g;
			cap = nc;
		}
		fh[n].path = moat_arena_strndup(a, (const char *)full.data, full.len);
		h.hex = moat_arena_strdup(a, hex);
		fh[n].hash = h;
		if (!fh[n].path || !h.hex)
			r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		n++;
	}
	moat_buf_release(&field);
	moat_buf_release(&full);
	if (bad)
		moat_lang_warn(lang, file, "lang-file-malformed", "%zu malformed lines skipped", bad);
	if (r < 0 || !n)
		return r;
	fact.dir = moat_arena_strndup(a, (const char *)distinfo.ptr, distinfo.len);
	fact.file_hashes = fh;
	fact.n_file_hashes = n;
	if (!fact.dir)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return moat_lang_add_fact(lang, file, &fact, err);
}

/* ---- requirements*.txt ---- */

static bool name_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

/* "name[extra] == 1.2 ; marker --hash=..." -> name and version when the only
 * specifier is == or === with a version free of wildcards. */
static bool pinned(struct moat_slice line, struct moat_slice *name, struct moat_slice *version)
{
	size_t i = 0;
	size_t v;

	while (i < line.len && name_char(line.ptr[i]))
		i++;
	*name = moat_slice_make(line.ptr, i);
	while (i < line.len && (line.ptr[i] == ' ' || line.ptr[i] == '\t'))
		i++;
	if (i < line.len && line.ptr[i] == '[') {
		while (i < line.len && line.ptr[i] != ']')
			i++;
		i++;
	}
	while (i < line.len && (line.ptr[i] == ' ' || line.ptr[i] == '\t'))
		i++;
	if (!name->len || i + 2 > line.len || memcmp(line.ptr + i, "==", 2) != 0)
		return false;
	i += 2 + (i + 2 < line.len && line.ptr[i + 2] == '=');
	while (i < line.len && (line.ptr[i] == ' ' || line.ptr[i] == '\t'))
		i++;
	v = i;
	while (i < line.len && !strchr(" \t;,\\#", line.ptr[i]))
		i++;
	*version = moat_slice_make(line.ptr + v, i - v);
	while (i < line.len && (line.ptr[i] == ' ' || line.ptr[i] == '\t'))
		i++;
	/* a second specifier (",<2") makes it a range */
	if (i < line.len && line.ptr[i] == ',')
		return false;
	return version->len && !memchr(version->ptr, '*', version->len);
}

/* Strip a comment: '#' at the start or after whitespace (URLs keep theirs). */
static struct moat_slice uncomment(struct moat_slice line)
{
	for (size_t i = 0; i < line.len; i++)
		if (line.ptr[i] == '#' && (i == 0 || line.ptr[i - 1] == ' ' || line.ptr[i - 1] == '\t'))
			return moat_slice_trim(moat_slice_make(line.ptr, i));
	return moat_slice_trim(line);
}

static int requirement_line(struct moat_lang *lang, const struct moat_file_visit *file,
			    struct moat_slice line, struct moat_error *err)
{
	struct moat_slice name, version;

	line = uncomment(line);
	if (!line.len)
		return 0;
	if (moat_slice_startswith(line, "-r") || moat_slice_startswith(line, "--requirement") ||
	    moat_slice_startswith(line, "-c") || moat_slice_startswith(line, "--constraint")) {
		moat_lang_warn(lang, file, "lang-include-not-followed",
			       "included file not followed: %.*s",
			       (int)(line.len > 200 ? 200 : line.len), (const char *)line.ptr);
		return 0;
	}
	if (line.ptr[0] == '-' || !pinned(line, &name, &version))
		return 0; /* options, editable installs, URLs and ranges name no version */
	return add_pypi(lang, file, name, version, "lockfile", NULL, err);
}

/* Lines ending in a backslash continue on the next one; they are joined in
 * place (the buffer is ours) before each logical line is parsed. */
static int from_requirements(struct moat_lang *lang, const struct moat_file_visit *file,
			     struct moat_buf *data, struct moat_error *err)
{
	struct moat_slice in = moat_slice_make(data->data, data->len);
	struct moat_slice line;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line)) {
		uint8_t *start = (uint8_t *)(uintptr_t)line.ptr;
		size_t n = line.len;

		while (n && start[n - 1] == '\\' && moat_slice_line(&in, &line)) {
			start[n - 1] = ' ';
			memmove(start + n, line.ptr, line.len);
			n += line.len;
		}
		r = requirement_line(lang, file, moat_slice_make(start, n), err);
	}
	return r;
}

/* ---- poetry.lock, uv.lock (TOML) and Pipfile.lock (JSON) ---- */

/* The names a lock entry depends on: poetry's [package.dependencies]
 * table (name = constraint) or uv's dependencies = [{ name = ... }]. Extras
 * and development groups are not what the package needs to run. */
static const char *lock_dep_name(json_t *deps, void **iter, size_t *idx)
{
	if (json_is_object(deps)) {
		const char *k = *iter ? json_object_iter_key(*iter) : NULL;

		*iter = *iter ? json_object_iter_next(deps, *iter) : NULL;
		return k;
	}
	if (json_is_array(deps) && *idx < json_array_size(deps))
		return moat_json_str(json_array_get(deps, (*idx)++), "name");
	return NULL;
}

/* Edges between the entries of one lock, by PEP 503 name (a lock holds one
 * version of each name). */
static int toml_lock_edges(struct moat_lang *lang, json_t *pkgs, struct moat_pkg **rows,
			   struct moat_error *err)
{
	struct moat_arena *a = moat_lang_arena(lang);
	struct moat_hmap by_name;
	json_t *p;
	size_t i;
	int r = 0;

	moat_hmap_init(&by_name);
	json_array_foreach(pkgs, i, p) {
		const char *n = rows[i] ? pep503(a, rows[i]->name) : NULL;

		if (rows[i] && (!n || moat_hmap_put(&by_name, n, strlen(n), rows[i]) < 0))
			r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		if (r < 0)
			break;
	}
	json_array_foreach(pkgs, i, p) {
		json_t *deps = json_object_get(p, "dependencies");
		void *iter = json_is_object(deps) ? json_object_iter(deps) : NULL;
		size_t idx = 0;
		const char *dn;

		if (r < 0)
			break;
		while (rows[i] && r == 0 && (dn = lock_dep_name(deps, &iter, &idx)) != NULL) {
			const char *n = pep503(a, dn);
			struct moat_pkg *to = n ? moat_hmap_get(&by_name, n, strlen(n)) : NULL;

			if (!n || (to && moat_pkg_add_dep(a, rows[i], to) < 0))
				r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		}
	}
	moat_hmap_release(&by_name);
	return r;
}

static int from_toml_lock(struct moat_lang *lang, const struct moat_file_visit *file,
			  struct moat_buf *data, const char *what, bool uv, struct moat_error *err)
{
	json_t *doc = NULL;
	json_t *pkgs;
	json_t *p;
	size_t i;
	struct moat_pkg **rows;
	int r = moat_toml_parse(data->data, data->len, LOCK_MAX, what, &doc, err);

	if (r < 0) {
		if (r != -ENOMEM)
			moat_lang_warn(lang, file, moat_lang_code(err->code), "%s", err->msg);
		return r == -ENOMEM ? r : 0;
	}
	pkgs = json_object_get(doc, "package");
	rows = moat_arena_newarray(moat_lang_arena(lang), struct moat_pkg *,
				   json_array_size(pkgs) + 1);
	if (!rows)
		r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	json_array_foreach(pkgs, i, p) {
		const char *name = moat_json_str(p, "name");
		const char *version = moat_json_str(p, "version");
		json_t *source = json_object_get(p, "source");

		if (r < 0)
			break;
		rows[i] = NULL;
		/* uv lists the project itself as an editable or virtual source */
		if (uv && (json_object_get(source, "editable") || json_object_get(source, "virtual")))
			continue;
		if (!name || !version || !*name || !*version)
			continue;
		r = add_pypi(lang, file, moat_slice_str(name), moat_slice_str(version), "lockfile",
			     &rows[i], err);
	}
	if (r == 0 && json_array_size(pkgs))
		r = toml_lock_edges(lang, pkgs, rows, err);
	json_decref(doc);
	return r;
}

static int from_pipfile_lock(struct moat_lang *lang, const struct moat_file_visit *file,
			     struct moat_buf *data, const char *what, struct moat_error *err)
{
	static const char *const sections[] = { "default", "develop" };
	json_t *doc = NULL;
	int r = moat_json_parse(data->data, data->len, LOCK_MAX, what, &doc, err);

	if (r < 0) {
		moat_lang_warn(lang, file, moat_lang_code(err->code), "%s", err->msg);
		return 0;
	}
	for (size_t s = 0; s < 2 && r == 0; s++) {
		const char *name;
		json_t *p;

		json_object_foreach(json_object_get(doc, sections[s]), name, p) {
			const char *version = moat_json_str(p, "version");

			/* git and path entries carry no version */
			if (!version || strncmp(version, "==", 2) != 0 || !version[2])
				continue;
			version += 2 + (version[2] == '=');
			r = add_pypi(lang, file, moat_slice_str(name), moat_slice_str(version),
				     "lockfile", NULL, err);
			if (r < 0)
				break;
		}
	}
	json_decref(doc);
	return r;
}

static int python_read(struct moat_lang *lang, const struct moat_file_visit *file,
		       struct moat_reader *content, struct moat_error *err)
{
	enum py_kind kind = classify(file->path, file->path_len);
	uint64_t max = kind == PY_EGG ? EGG_MAX : kind == PY_METADATA ? METADATA_MAX :
		       kind == PY_RECORD ? RECORD_MAX : LOCK_MAX;
	/* parsers name their input in messages; file->path need not be NUL-terminated */
	const char *what = moat_arena_strndup(moat_lang_arena(lang), file->path, file->path_len);
	struct moat_buf data;
	int r;

	if (!what)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	moat_buf_init(&data, 0);
	r = moat_lang_read_all(lang, file, content, max, &data, err);
	if (r == 0 && (kind == PY_METADATA || kind == PY_EGG_INFO_FILE))
		r = from_metadata(lang, file, moat_slice_make(data.data, data.len), err);
	else if (r == 0 && kind == PY_RECORD)
		r = from_record(lang, file, moat_slice_make(data.data, data.len), err);
	else if (r == 0 && kind == PY_EGG)
		r = from_egg(lang, file, &data, what, err);
	else if (r == 0 && kind == PY_REQUIREMENTS)
		r = from_requirements(lang, file, &data, err);
	else if (r == 0 && (kind == PY_POETRY || kind == PY_UV))
		r = from_toml_lock(lang, file, &data, what, kind == PY_UV, err);
	else if (r == 0 && kind == PY_PIPFILE)
		r = from_pipfile_lock(lang, file, &data, what, err);
	moat_buf_release(&data);
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_python = {
	.name = "python",
	.match = python_match,
	.read = python_read,
};
