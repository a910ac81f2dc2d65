/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-rust.c - Rust crates from binaries built with cargo-auditable and
 * from Cargo.lock files.
 *
 * cargo-auditable links a ".dep-v0" section holding zlib-compressed JSON:
 * {"packages":[{"name","version","source","kind","dependencies":[i...],
 * "root":bool}]} (rustsec's cargo-auditable.json schema). It is inflated
 * with ISA-L's zlib-header mode (a dependency moat already has) into a
 * bounded buffer. Every listed crate becomes a package, build-time ones
 * included: they are what the binary's supply chain ran, and the root crate
 * is the program itself.
 *
 * Cargo.lock is TOML; base/toml.h maps it to JSON and the [[package]]
 * tables give name, version and source (absent for workspace members).
 */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/elf.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/reader.h"
#include "base/toml.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "lang-rust.h"
#include "lang.h"

/* Inflate zlib data into out (at most max bytes). */
static int inflate_zlib(const uint8_t *z, size_t zlen, size_t max, struct moat_buf *out,
			struct moat_error *err)
{
	struct inflate_state *st = malloc(sizeof(*st));
	int r, ret = 0;

	if (!st)
		return moat_error_set(err, -ENOMEM, "out of memory");
	isal_inflate_init(st);
	st->crc_flag = ISAL_ZLIB;
	st->next_in = (uint8_t *)(uintptr_t)z;
	st->avail_in = (uint32_t)(zlen > UINT32_MAX ? UINT32_MAX : zlen);
	if ((r = moat_buf_reserve(out, max + 1)) < 0) {
		free(st);
		return moat_error_set(err, r, "out of memory");
	}
	st->next_out = out->data;
	st->avail_out = (uint32_t)max + 1; /* one more byte tells "too big" from "exact" */
	r = isal_inflate(st);
	if (r != ISAL_DECOMP_OK || st->block_state != ISAL_BLOCK_FINISH)
		ret = st->avail_out == 0 ?
		      moat_error_set(err, MOAT_E_LIMIT, ".dep-v0: inflates past %zu bytes", max) :
		      moat_error_set(err, MOAT_E_FORMAT, ".dep-v0: bad zlib data (%d)", r);
	else
		out->len = max + 1 - st->avail_out;
	free(st);
	return ret;
}

static const char *dup_str(struct moat_arena *arena, const json_t *obj, const char *key)
{
	size_t len = 0;
	const char *s = moat_json_strn(obj, key, &len);

	return moat_arena_strndup(arena, s ? s : "", s ? len : 0);
}

/* A bare name locked in several versions names none of them. */
static size_t ambiguous = SIZE_MAX;

/* Index of the crate a Cargo.lock dependency string names: "name" (the
 * lock holds one version of it), "name version" or "name version (source)". */
static long lock_dep_index(const struct moat_hmap *by_key, const char *dep)
{
	const char *sp = strchr(dep, ' ');
	const char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
	size_t klen = sp2 ? (size_t)(sp2 - dep) : strlen(dep);
	const size_t *i = moat_hmap_get(by_key, dep, klen);

	return i && *i != ambiguous ? (long)*i : -1;
}

/* "name" (when only one version is locked) and "name version" -> index. */
static int index_crates(struct moat_arena *arena, struct moat_hmap *by_key,
			const struct moat_rust_crate *crates, size_t n)
{
	size_t *idx = moat_arena_calloc(arena, n ? n : 1, sizeof(*idx));

	if (!idx)
		return MOAT_E_LIMIT;
	for (size_t i = 0; i < n; i++) {
		const char *k = moat_arena_printf(arena, "%s %s", crates[i].name,
						  crates[i].version);

		idx[i] = i;
		if (!k || moat_hmap_put(by_key, k, strlen(k), &idx[i]) < 0)
			return MOAT_E_LIMIT;
		/* a second version makes the bare name ambiguous: the lock then
		 * writes "name version" for it */
		if (moat_hmap_put(by_key, crates[i].name, strlen(crates[i].name),
				  moat_hmap_get(by_key, crates[i].name, strlen(crates[i].name)) ?
				  &ambiguous : &idx[i]) < 0)
			return MOAT_E_LIMIT;
	}
	return 0;
}

/* The "dependencies" of crate i: indices (cargo-auditable) or strings
 * (Cargo.lock). */
static int crate_deps(struct moat_arena *arena, const json_t *arr,
		      const struct moat_hmap *by_key, size_t n, struct moat_rust_crate *c)
{
	size_t m = json_array_size(arr);
	size_t *deps;

	if (!m)
		return 0;
	if (!(deps = moat_arena_calloc(arena, m, sizeof(*deps))))
		return MOAT_E_LIMIT;
	for (size_t k = 0; k < m; k++) {
		const json_t *d = json_array_get(arr, k);
		long at = -1;

		if (json_is_integer(d) && json_integer_value(d) >= 0 &&
		    (uint64_t)json_integer_value(d) < n)
			at = (long)json_integer_value(d);
		else if (json_is_string(d))
			at = lock_dep_index(by_key, json_string_value(d));
		if (at >= 0)
			deps[c->n_deps++] = (size_t)at;
	}
	c->deps = deps;
	return 0;
}

/* Turn a JSON array of crate objects into crates; entries without a string
 * name and version are bad input. */
static int crates_from_json(struct moat_arena *arena, const json_t *arr, const json_t *root,
			    const char *what, struct moat_rust_crate **ret_crates,
			    size_t *ret_n, struct moat_error *err)
{
	size_t n = json_array_size(arr) + (root ? 1 : 0);
	struct moat_rust_crate *crates;
	struct moat_hmap by_key;
	int r = 0;

	if (n > MOAT_RUST_MAX_CRATES)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %zu crates", what, n);
	crates = moat_arena_calloc(arena, n ? n : 1, sizeof(*crates));
	if (!crates)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *p = i < json_array_size(arr) ? json_array_get(arr, i) : root;
		struct moat_rust_crate *c = &crates[i];

		if (!moat_json_str(p, "name") || !moat_json_str(p, "version"))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: package %zu: no name or version",
					      what, i);
		c->name = dup_str(arena, p, "name");
		c->version = dup_str(arena, p, "version");
		c->source = dup_str(arena, p, "source");
		c->kind = dup_str(arena, p, "kind");
		c->checksum = dup_str(arena, p, "checksum");
		c->root = json_is_true(json_object_get(p, "root"));
		if (!c->name || !c->version || !c->source || !c->kind || !c->checksum)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	}
	moat_hmap_init(&by_key);
	r = index_crates(arena, &by_key, crates, n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		const json_t *p = i < json_array_size(arr) ? json_array_get(arr, i) : root;

		r = crate_deps(arena, json_object_get(p, "dependencies"), &by_key, n, &crates[i]);
	}
	moat_hmap_release(&by_key);
	if (r < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	*ret_crates = crates;
	*ret_n = n;
	return 0;
}

int moat_rust_audit_parse(struct moat_arena *arena, const uint8_t *z, size_t zlen,
			  struct moat_rust_crate **ret_crates, size_t *ret_n,
			  struct moat_error *err)
{
	struct moat_buf json;
	json_t *doc = NULL;
	const json_t *pkgs;
	int r;

	moat_buf_init(&json, MOAT_RUST_AUDIT_MAX + 2);
	r = inflate_zlib(z, zlen, MOAT_RUST_AUDIT_MAX, &json, err);
	if (r == 0)
		r = moat_json_parse(json.data, json.len, MOAT_RUST_AUDIT_MAX, ".dep-v0", &doc, err);
	moat_buf_release(&json);
	if (r < 0)
		return r;
	pkgs = json_object_get(doc, "packages");
	if (!json_is_array(pkgs))
		r = moat_error_set(err, MOAT_E_FORMAT, ".dep-v0: no \"packages\" array");
	else
		r = crates_from_json(arena, pkgs, NULL, ".dep-v0", ret_crates, ret_n, err);
	json_decref(doc);
	return r;
}

int moat_cargo_lock_parse(struct moat_arena *arena, const void *data, size_t len,
			  struct moat_rust_crate **ret_crates, size_t *ret_n,
			  struct moat_error *err)
{
	json_t *doc = NULL;
	const json_t *pkgs, *root;
	json_t *empty = NULL;
	int r = moat_toml_parse(data, len, MOAT_CARGO_LOCK_MAX, "Cargo.lock", &doc, err);

	if (r < 0)
		return r;
	pkgs = json_object_get(doc, "package");
	root = json_object_get(doc, "root"); /* lock format v1 */
	if (pkgs && !json_is_array(pkgs)) {
		json_decref(doc);
		return moat_error_set(err, MOAT_E_FORMAT, "Cargo.lock: \"package\" is not an array");
	}
	if (!pkgs && !(pkgs = empty = json_array())) {
		json_decref(doc);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	r = crates_from_json(arena, pkgs, json_is_object(root) ? root : NULL, "Cargo.lock",
			     ret_crates, ret_n, err);
	json_decref(empty);
	json_decref(doc);
	return r;
}

static int add_crates(struct moat_lang *lang, const struct moat_file_visit *file,
		      const struct moat_rust_crate *crates, size_t n, const char *evidence,
		      struct moat_error *err)
{
	struct moat_arena *a = moat_lang_arena(lang);
	struct moat_pkg **rows = moat_arena_calloc(a, n ? n : 1,
						   sizeof(*rows)); /* NOLINT(bugprone-sizeof-expression) */

	if (!rows)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < n; i++) {
		struct moat_pkg *pkg = moat_lang_pkg_new(lang, "cargo", crates[i].name,
							 crates[i].version, evidence);
		size_t cl = strlen(crates[i].checksum);
		int r;

		if (!pkg)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		/* the SHA-256 of the .crate the registry served; a malformed one
		 * is not a digest and is left out */
		if (cl && moat_pkg_add_hash(a, pkg, MOAT_HASH_SHA256, crates[i].checksum, cl) ==
			  MOAT_E_LIMIT)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		if ((r = moat_lang_add(lang, file, pkg, err)) < 0)
			return r;
		rows[i] = pkg;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < crates[i].n_deps; k++)
			if (moat_pkg_add_dep(a, rows[i], rows[crates[i].deps[k]]) < 0)
				return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return 0;
}

int lang_rust_scan_elf(struct moat_lang *lang, const struct moat_file_visit *file,
		       const struct moat_elf *elf, struct moat_error *err)
{
	struct moat_elf_section sec;
	struct moat_rust_crate *crates = NULL;
	struct moat_error why = { 0 };
	const uint8_t *z;
	size_t n = 0;
	int r;

	if (moat_elf_find_section(elf, ".dep-v0", &sec) < 0)
		return 0;
	if (!(z = moat_elf_section_data(elf, &sec))) {
		moat_lang_warn(lang, file, "lang-file-malformed", ".dep-v0: empty section");
		return 0;
	}
	r = moat_rust_audit_parse(moat_lang_arena(lang), z, (size_t)sec.size, &crates, &n, &why);
	if (r < 0) {
		/* an oversized section is a bad file, not a reason to stop the scan */
		moat_lang_warn(lang, file, moat_lang_code(why.code), "%s", why.msg);
		return 0;
	}
	return add_crates(lang, file, crates, n, "installed", err);
}

/* ---- Cargo.lock; Cargo.toml of downloaded and vendored crates ---- */

static bool base_is(const char *path, size_t len, const char *base)
{
	size_t n = strlen(base);

	return (len == n || (len > n && path[len - n - 1] == '/')) &&
	       memcmp(path + len - n, base, n) == 0;
}

/* A crate's own manifest as cargo unpacked it: CARGO_HOME/registry/src/
 * INDEX/NAME-VERSION/Cargo.toml or (cargo vendor) .../vendor/NAME/Cargo.toml.
 * A project's own Cargo.toml is not read: its dependencies are ranges. */
static bool is_crate_manifest(const char *path, size_t len)
{
	size_t slashes = 0;
	long at = -1;

	if (!base_is(path, len, "Cargo.toml"))
		return false;
	for (size_t i = 0; i + 13 <= len; i++)
		if ((i == 0 || path[i - 1] == '/') && !memcmp(path + i, "registry/src/", 13))
			at = (long)(i + 13);
	if (at >= 0) {
		/* INDEX/NAME-VERSION/Cargo.toml: exactly two directories deep */
		for (size_t i = (size_t)at; i < len; i++)
			slashes += path[i] == '/';
		return slashes == 2;
	}
	for (size_t i = 0; i + 7 <= len; i++)
		if ((i == 0 || path[i - 1] == '/') && !memcmp(path + i, "vendor/", 7))
			at = (long)(i + 7);
	if (at < 0)
		return false;
	for (size_t i = (size_t)at; i < len; i++)
		slashes += path[i] == '/';
	return slashes == 1;
}

static bool cargo_lock_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	return base_is(path, len, "Cargo.lock") || (size > 0 && is_crate_manifest(path, len));
}

/* [package] license of a crate's Cargo.toml, for name@version anywhere. */
static int crate_manifest(struct moat_lang *lang, const struct moat_file_visit *file,
			  const struct moat_buf *buf, struct moat_error *err)
{
	struct moat_arena *a = moat_lang_arena(lang);
	struct moat_lang_fact fact = { .type = "cargo" };
	struct moat_error why = { 0 };
	json_t *doc = NULL;
	const json_t *pkg;
	int r = moat_toml_parse(buf->data, buf->len, MOAT_CARGO_LOCK_MAX, "Cargo.toml", &doc, &why);

	if (r == -ENOMEM)
		return moat_error_set(err, r, "%s", why.msg);
	if (r < 0) {
		moat_lang_warn(lang, file, moat_lang_code(why.code), "%s", why.msg);
		return 0;
	}
	pkg = json_object_get(doc, "package");
	fact.name = dup_str(a, pkg, "name");
	fact.version = dup_str(a, pkg, "version");
	fact.license = dup_str(a, pkg, "license");
	if (!fact.name || !fact.version || !fact.license)
		r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	else if (*fact.name && *fact.version && *fact.license && strlen(fact.license) <= 200)
		r = moat_lang_add_fact(lang, file, &fact, err);
	json_decref(doc);
	return r;
}

static int cargo_lock_read(struct moat_lang *lang, const struct moat_file_visit *file,
			   struct moat_reader *content, struct moat_error *err)
{
	struct moat_rust_crate *crates = NULL;
	struct moat_error why = { 0 };
	struct moat_buf buf;
	size_t n = 0;
	int r;

	moat_buf_init(&buf, MOAT_CARGO_LOCK_MAX + 1);
	r = moat_lang_read_all(lang, file, content, MOAT_CARGO_LOCK_MAX, &buf, err);
	if (r == 0 && !base_is(file->path, file->path_len, "Cargo.lock")) {
		r = crate_manifest(lang, file, &buf, err);
	} else if (r == 0) {
		r = moat_cargo_lock_parse(moat_lang_arena(lang), buf.data, buf.len, &crates, &n,
					  &why);
		if (r == -ENOMEM) {
			r = moat_error_set(err, r, "%s", why.msg);
		} else if (r < 0) {
			moat_lang_warn(lang, file, moat_lang_code(why.code), "%s", why.msg);
			r = 0;
		} else {
			r = add_crates(lang, file, crates, n, "lockfile", err);
		}
	}
	moat_buf_release(&buf);
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_cargo_lock = {
	.name = "cargo-lock",
	.match = cargo_lock_match,
	.read = cargo_lock_read,
};
