/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-node.c - npm packages: installed trees (every node_modules/<name>/ and
 * node_modules/@scope/<name>/ package.json, and Debian's /usr/share/nodejs,
 * /usr/lib/nodejs and /usr/lib/<triplet>/nodejs), package-lock.json and
 * npm-shrinkwrap.json (v1 "dependencies" tree, v2/v3 "packages" map),
 * yarn.lock (v1 text format and berry YAML) and pnpm-lock.yaml (v5, v6, v9),
 * whose parsers and graphs are in lang-node-lock.c.
 *
 * Only package.json files exactly at a package root count: the ones deeper
 * inside a package (test fixtures, "exports" stubs like lib/package.json)
 * are not installed packages. Lock files inside node_modules belong to a
 * dependency's own development and say nothing about this image, so they
 * are skipped. Entries whose version is not a registry version (git URLs,
 * file:, link:, workspace:) are skipped: no advisory can match them.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/slice.h"
#include "base/yaml.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "lang-node-int.h"
#include "lang.h"

/* A package.json bigger than this is not a manifest (old npm embedded the
 * README, which stays far below it). */
#define NODE_MANIFEST_MAX (4u << 20)
/* A license field longer than this is a license text, not an expression. */
#define NODE_LICENSE_MAX 256u

enum node_kind {
	NODE_NONE,
	NODE_INSTALLED,
	NODE_NPM_LOCK,
	NODE_YARN_LOCK,
	NODE_PNPM_LOCK,
};

/* ---- matching ---- */

static bool comp_eq(struct moat_slice s, const char *lit)
{
	return moat_slice_eq_str(s, lit);
}

/* Split the last path component off *dir (which loses it and its slash). */
static struct moat_slice pop_component(struct moat_slice *dir)
{
	size_t i = dir->len;
	struct moat_slice last;

	while (i > 0 && dir->ptr[i - 1] != '/')
		i--;
	last = moat_slice_make(dir->ptr + i, dir->len - i);
	dir->len = i ? i - 1 : 0;
	return last;
}

/* True when the directory holding a package is a place npm or Debian
 * installs packages into. */
static bool is_package_root(struct moat_slice base)
{
	struct moat_slice rest = base;
	struct moat_slice last = pop_component(&rest);

	if (comp_eq(last, "node_modules"))
		return true;
	if (comp_eq(base, "usr/share/nodejs") || comp_eq(base, "usr/lib/nodejs"))
		return true;
	/* usr/lib/<triplet>/nodejs, Debian's home for arch-dependent modules */
	if (!comp_eq(last, "nodejs"))
		return false;
	pop_component(&rest);
	return comp_eq(rest, "usr/lib");
}

/* Inside an installed package (under node_modules or a Debian nodejs dir):
 * lock files there are the package's own development ones, not this
 * image's. */
static bool in_installed_tree(const char *path, size_t len)
{
	struct moat_slice s = moat_slice_make(path, len);
	struct moat_slice comp;
	bool usr_lib = moat_slice_startswith(s, "usr/lib/");
	size_t i = 0;

	if (moat_slice_startswith(s, "usr/share/nodejs/") || moat_slice_startswith(s, "usr/lib/nodejs/"))
		return true;
	while (moat_slice_split(&s, '/', &comp)) {
		if (comp_eq(comp, "node_modules"))
			return true;
		/* usr/lib/<triplet>/nodejs/ */
		if (usr_lib && i == 3 && comp_eq(comp, "nodejs"))
			return true;
		i++;
	}
	return false;
}

static enum node_kind node_classify(const char *path, size_t len)
{
	struct moat_slice dir = moat_slice_make(path, len);
	struct moat_slice base = pop_component(&dir);
	struct moat_slice name;

	if (comp_eq(base, "package.json")) {
		if (dir.len == 0 || dir.len == len)
			return NODE_NONE;
		name = pop_component(&dir);
		if (name.len == 0 || name.ptr[0] == '.' || name.ptr[0] == '@')
			return NODE_NONE;
		if (is_package_root(dir))
			return NODE_INSTALLED;
		/* @scope/name */
		name = pop_component(&dir);
		if (name.len > 1 && name.ptr[0] == '@' && is_package_root(dir))
			return NODE_INSTALLED;
		return NODE_NONE;
	}
	if (comp_eq(base, "package-lock.json") || comp_eq(base, "npm-shrinkwrap.json"))
		return in_installed_tree(path, len) ? NODE_NONE : NODE_NPM_LOCK;
	if (comp_eq(base, "yarn.lock"))
		return in_installed_tree(path, len) ? NODE_NONE : NODE_YARN_LOCK;
	if (comp_eq(base, "pnpm-lock.yaml"))
		return in_installed_tree(path, len) ? NODE_NONE : NODE_PNPM_LOCK;
	return NODE_NONE;
}

static bool node_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	(void)mode;
	(void)size;
	/* Cheap reject first: every name we want ends in 'n', 'l' or 'k'. */
	if (len < 9)
		return false;
	return node_classify(path, len) != NODE_NONE;
}

/* ---- adding packages ---- */

/* Registry versions start with a digit (semver); git URLs, file:, link:,
 * workspace: and tarball URLs do not. */
static bool version_ok(struct moat_slice v)
{
	return v.len > 0 && v.ptr[0] >= '0' && v.ptr[0] <= '9' &&
	       memchr(v.ptr, '\0', v.len) == NULL;
}

/* npm caps names at 214 bytes; legacy names in old lock files run a little
 * over, so only absurd ones are dropped. */
#define NODE_NAME_MAX 428u

/* A valid-looking npm name: no NULs, no spaces, at most one '/' that
 * follows an @scope. */
static bool name_ok(struct moat_slice n)
{
	long slash = moat_slice_find(n, '/');

	if (n.len == 0 || n.len > NODE_NAME_MAX || memchr(n.ptr, '\0', n.len))
		return false;
	if (memchr(n.ptr, ' ', n.len) || memchr(n.ptr, '\n', n.len))
		return false;
	if (n.ptr[0] == '@')
		return slash > 1 && (size_t)slash + 1 < n.len &&
		       memchr(n.ptr + slash + 1, '/', n.len - (size_t)slash - 1) == NULL;
	return slash < 0;
}

/* Add name@version (both untrusted slices) once per file, and set *ret_pkg
 * (may be NULL) to the package, or NULL when the entry is skipped. An
 * "npm:real@v" version is an alias: the package is real@v. */
int node_add_pkg(struct node_ctx *c, struct moat_slice name, struct moat_slice version,
			struct moat_pkg **ret_pkg)
{
	struct moat_arena *arena = moat_lang_arena(c->lang);
	struct moat_pkg *pkg;
	char *key = NULL;
	const char *n;
	const char *v;
	const char *slash;
	const char *ns = NULL;
	int r;

	if (ret_pkg)
		*ret_pkg = NULL;
	if (moat_slice_startswith(version, "npm:")) {
		struct moat_slice real = moat_slice_make(version.ptr + 4, version.len - 4);
		size_t at = real.len;

		while (at > 1 && real.ptr[at - 1] != '@')
			at--;
		if (at <= 1)
			return 0;
		name = moat_slice_make(real.ptr, at - 1);
		version = moat_slice_make(real.ptr + at, real.len - at);
	}
	if (!name_ok(name) || !version_ok(version))
		return 0;
	if (c->dedupe) {
		key = moat_arena_printf(c->tmp, "%.*s@%.*s", (int)name.len, (const char *)name.ptr,
					(int)version.len, (const char *)version.ptr);
		if (!key)
			return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
		pkg = moat_hmap_get(&c->seen, key, strlen(key));
		if (pkg) {
			if (ret_pkg)
				*ret_pkg = pkg;
			return 0;
		}
	}
	n = moat_arena_strndup(c->tmp, (const char *)name.ptr, name.len);
	v = moat_arena_strndup(c->tmp, (const char *)version.ptr, version.len);
	if (!n || !v)
		return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
	pkg = moat_lang_pkg_new(c->lang, "npm", n, v, c->evidence);
	if (!pkg)
		return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
	/* The purl puts the scope in the namespace: pkg:npm/%40scope/name@v. */
	slash = n[0] == '@' ? strchr(n, '/') : NULL;
	if (slash) {
		ns = moat_arena_strndup(c->tmp, n, (size_t)(slash - n));
		if (!ns)
			return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
		pkg->purl = moat_purl_make(arena, "npm", ns, slash + 1, v, NULL, NULL, NULL);
		if (!pkg->purl)
			return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
	}
	r = moat_lang_add(c->lang, c->file, pkg, c->err);
	if (r == 0 && c->dedupe &&
	    moat_hmap_put(&c->seen, key, strlen(key), pkg) < 0)
		return moat_error_set(c->err, -ENOMEM, "out of memory");
	if (r == 0 && ret_pkg)
		*ret_pkg = pkg;
	return r;
}

struct moat_pkg *node_seen(struct node_ctx *c, struct moat_slice name, struct moat_slice version)
{
	char *key;

	if (moat_slice_startswith(version, "npm:")) {
		struct moat_slice real = moat_slice_make(version.ptr + 4, version.len - 4);
		size_t at = real.len;

		while (at > 1 && real.ptr[at - 1] != '@')
			at--;
		if (at <= 1)
			return NULL;
		name = moat_slice_make(real.ptr, at - 1);
		version = moat_slice_make(real.ptr + at, real.len - at);
	}
	key = moat_arena_printf(c->tmp, "%.*s@%.*s", (int)name.len, (const char *)name.ptr,
				(int)version.len, (const char *)version.ptr);
	return key ? moat_hmap_get(&c->seen, key, strlen(key)) : NULL;
}

struct moat_slice node_json_slice(const json_t *obj, const char *key)
{
	size_t len = 0;
	const char *s = moat_json_strn(obj, key, &len);

	return s ? moat_slice_make(s, len) : moat_slice_make(NULL, 0);
}

/* ---- installed package.json ---- */

/* package.json "license": an SPDX expression string, or the old
 * {"type": "MIT"} object; the older "licenses": [{"type": ...}] array. */
static const char *node_license(struct node_ctx *c, const json_t *root)
{
	struct moat_arena *a = moat_lang_arena(c->lang);
	const json_t *l = json_object_get(root, "license");
	const json_t *arr = json_object_get(root, "licenses");
	struct moat_slice s = { 0 };

	if (json_is_string(l))
		s = moat_slice_make(json_string_value(l), json_string_length(l));
	else if (json_is_object(l))
		s = node_json_slice(l, "type");
	else if (json_is_array(arr) && json_array_size(arr) == 1)
		s = node_json_slice(json_array_get(arr, 0), "type");
	s = moat_slice_trim(s);
	if (!s.len || s.len > NODE_LICENSE_MAX || memchr(s.ptr, '\0', s.len))
		return NULL;
	return moat_arena_strndup(a, (const char *)s.ptr, s.len);
}

/* What an installed package.json or a lock entry says beyond name and
 * version: the registry's integrity (under key) and the license. */
int node_details(struct node_ctx *c, struct moat_pkg *pkg, const json_t *obj,
			const char *integrity_key)
{
	struct moat_slice sri = node_json_slice(obj, integrity_key);

	if (sri.len && moat_pkg_add_sri(moat_lang_arena(c->lang), pkg, (const char *)sri.ptr,
					sri.len) < 0)
		return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
	if (!pkg->license)
		pkg->license = node_license(c, obj);
	return 0;
}

static int read_installed(struct node_ctx *c, const struct moat_buf *data)
{
	struct moat_pkg *pkg = NULL;
	json_t *root = NULL;
	struct moat_error jerr = { 0 };
	int r;

	if (moat_json_parse(data->data, data->len, NODE_MANIFEST_MAX, "package.json", &root,
			    &jerr) < 0) {
		moat_lang_warn(c->lang, c->file, moat_lang_code(jerr.code), "%s", jerr.msg);
		return 0;
	}
	/* Without a name and version it is not a published package (a test
	 * fixture, a "files" stub): nothing to report, nothing to warn. */
	r = node_add_pkg(c, node_json_slice(root, "name"), node_json_slice(root, "version"), &pkg);
	if (r == 0 && pkg)
		r = node_details(c, pkg, root, "_integrity");
	json_decref(root);
	return r;
}

/* ---- package-lock.json ---- */

/* The dependency maps of a lock entry whose targets npm installs. */
static const char *const dep_keys[] = { "dependencies", "optionalDependencies",
					"peerDependencies" };

/* v1: "dependencies": { name: { version, dependencies: {...} } } nested as
 * node_modules is. */
static int lock_v1_walk(struct node_ctx *c, json_t *deps, unsigned depth)
{
	const char *key;
	json_t *dep;
	int r;

	if (!json_is_object(deps))
		return 0;
	if (depth > c->max_depth) {
		moat_lang_warn(c->lang, c->file, "lang-nesting-too-deep",
			       "dependencies nested deeper than %u; the deeper ones not read",
			       c->max_depth);
		return 0;
	}
	json_object_foreach(deps, key, dep) {
		r = node_add_pkg(c, moat_slice_str(key), node_json_slice(dep, "version"), NULL);
		if (r == 0)
			r = lock_v1_walk(c, json_object_get(dep, "dependencies"), depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* v1 edges: an entry's "requires" names resolve in its own nested
 * "dependencies", else in each enclosing one up to the root (scopes[0..depth]),
 * the way node's require() climbs node_modules directories. */
static int lock_v1_edges(struct node_ctx *c, json_t *deps, json_t **scopes, unsigned depth)
{
	const char *key;
	json_t *dep;

	if (!json_is_object(deps) || depth > c->max_depth)
		return 0;
	scopes[depth] = deps;
	json_object_foreach(deps, key, dep) {
		struct moat_pkg *from = NULL;
		json_t *req = json_object_get(dep, "requires");
		json_t *own = json_object_get(dep, "dependencies");
		const char *rname;
		json_t *rv;
		int r = node_add_pkg(c, moat_slice_str(key), node_json_slice(dep, "version"), &from);

		if (r == 0 && from)
			r = node_details(c, from, dep, "integrity");
		json_object_foreach(json_is_object(req) ? req : NULL, rname, rv) {
			json_t *hit = json_is_object(own) ? json_object_get(own, rname) : NULL;
			struct moat_pkg *to = NULL;

			for (unsigned d = depth + 1; !hit && d-- > 0;)
				hit = json_object_get(scopes[d], rname);
			(void)rv;
			if (r == 0 && from && hit)
				r = node_add_pkg(c, moat_slice_str(rname), node_json_slice(hit, "version"),
						 &to);
			if (r == 0 && to && moat_pkg_add_dep(moat_lang_arena(c->lang), from, to) < 0)
				r = moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
		}
		if (r == 0)
			r = lock_v1_edges(c, own, scopes, depth + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The name of the package at a v2/v3 key: its "name", else the path after
 * the last node_modules/ (NULL slice for keys outside node_modules). */
static struct moat_slice lock_key_name(const char *key, const json_t *p)
{
	static const char nm[] = "node_modules/";
	const char *last = NULL;
	struct moat_slice name;

	for (const char *s = strstr(key, nm); s; s = strstr(s + 1, nm))
		if (s == key || s[-1] == '/')
			last = s;
	if (!last || !json_is_object(p) || json_is_true(json_object_get(p, "link")))
		return moat_slice_make(NULL, 0);
	name = node_json_slice(p, "name");
	return name.ptr ? name : moat_slice_str(last + sizeof(nm) - 1);
}

/* Where node finds dependency dep of the package at key: key/node_modules/dep,
 * else the same below each enclosing directory, up to the root. */
static json_t *lock_resolve(json_t *pkgs, const char *key, const char *dep, struct moat_buf *b)
{
	static const char nm[] = "node_modules/";
	size_t klen = strlen(key);

	for (;;) {
		const char *last = NULL;
		json_t *hit;

		moat_buf_reset(b);
		if ((klen && (moat_buf_append(b, key, klen) < 0 || moat_buf_putc(b, '/') < 0)) ||
		    moat_buf_append_str(b, nm) < 0 || moat_buf_append_str(b, dep) < 0)
			return NULL;
		hit = json_object_getn(pkgs, (const char *)b->data, b->len);
		if (hit || !klen)
			return hit;
		/* up one package: drop the last node_modules/NAME (or the workspace) */
		for (const char *s = strstr(key, nm); s && s < key + klen; s = strstr(s + 1, nm))
			if (s == key || s[-1] == '/')
				last = s;
		klen = last && last > key ? (size_t)(last - key) - 1 : 0;
	}
}

static int lock_pkg_edges(struct node_ctx *c, json_t *pkgs, const char *key, json_t *p,
			  struct moat_buf *b)
{
	struct moat_pkg *from = NULL;
	int r = node_add_pkg(c, lock_key_name(key, p), node_json_slice(p, "version"), &from);

	if (r < 0 || !from)
		return r;
	if ((r = node_details(c, from, p, "integrity")) < 0)
		return r;
	for (size_t k = 0; k < sizeof(dep_keys) / sizeof(dep_keys[0]); k++) {
		json_t *deps = json_object_get(p, dep_keys[k]);
		const char *dname;
		json_t *dv;

		json_object_foreach(json_is_object(deps) ? deps : NULL, dname, dv) {
			char *dkey;
			json_t *hit = lock_resolve(pkgs, key, dname, b);
			struct moat_pkg *to = NULL;

			(void)dv;
			if (!hit)
				continue;
			dkey = moat_arena_strndup(c->tmp, (const char *)b->data, b->len);
			if (!dkey)
				return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
			r = node_add_pkg(c, lock_key_name(dkey, hit), node_json_slice(hit, "version"), &to);
			if (r == 0 && to && moat_pkg_add_dep(moat_lang_arena(c->lang), from, to) < 0)
				r = moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* v2/v3: "packages": { "node_modules/a/node_modules/@s/b": { version } }.
 * Keys outside node_modules are the project and its workspaces; "link"
 * entries point at them. Packages first, then the edges between them. */
static int lock_packages(struct node_ctx *c, json_t *pkgs)
{
	struct moat_buf b;
	const char *key;
	json_t *p;
	int r = 0;

	json_object_foreach(pkgs, key, p) {
		struct moat_slice name = lock_key_name(key, p);

		if (name.ptr && (r = node_add_pkg(c, name, node_json_slice(p, "version"), NULL)) < 0)
			return r;
	}
	moat_buf_init(&b, MOAT_LIMIT_PATH_BYTES);
	json_object_foreach(pkgs, key, p) {
		if ((r = lock_pkg_edges(c, pkgs, key, p, &b)) < 0)
			break;
	}
	moat_buf_release(&b);
	return r;
}

static int read_npm_lock(struct node_ctx *c, const struct moat_buf *data)
{
	json_t *root = NULL;
	json_t *pkgs;
	struct moat_error jerr = { 0 };
	int r;

	if (moat_json_parse(data->data, data->len, NODE_LOCK_MAX, "package-lock.json", &root,
			    &jerr) < 0) {
		moat_lang_warn(c->lang, c->file, moat_lang_code(jerr.code), "%s", jerr.msg);
		return 0;
	}
	pkgs = json_object_get(root, "packages");
	if (json_is_object(pkgs)) {
		r = lock_packages(c, pkgs);
	} else {
		json_t **scopes = moat_arena_newarray(c->tmp, json_t *, c->max_depth + 2);

		r = lock_v1_walk(c, json_object_get(root, "dependencies"), 0);
		if (r == 0 && !scopes)
			r = moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
		if (r == 0)
			r = lock_v1_edges(c, json_object_get(root, "dependencies"), scopes, 0);
	}
	json_decref(root);
	return r;
}

/* ---- the cataloger ---- */

static int node_parse(struct node_ctx *c, enum node_kind kind, const struct moat_buf *data)
{
	struct moat_slice s = moat_slice_make(data->data, data->len);

	switch (kind) {
	case NODE_INSTALLED:
		return read_installed(c, data);
	case NODE_NPM_LOCK:
		return read_npm_lock(c, data);
	case NODE_YARN_LOCK:
		/* berry's lock is YAML with a __metadata block; v1 is its own text */
		if (moat_slice_startswith(s, "__metadata:") || memmem(s.ptr, s.len, "\n__metadata:", 12))
			return node_read_yarn_berry(c, data);
		return node_read_yarn_v1(c, s);
	case NODE_PNPM_LOCK:
		return node_read_pnpm(c, data);
	default:
		return 0;
	}
}

static int node_read(struct moat_lang *lang, const struct moat_file_visit *file,
		     struct moat_reader *content, struct moat_error *err)
{
	enum node_kind kind = node_classify(file->path, file->path_len);
	const struct moat_limits *lim = moat_lang_limits(lang);
	struct node_ctx c = {
		.lang = lang, .file = file, .err = err, .max_depth = lim->json_depth,
		.evidence = kind == NODE_INSTALLED ? "installed" : "lockfile",
		.dedupe = kind != NODE_INSTALLED,
	};
	struct moat_buf data;
	uint64_t max = kind == NODE_INSTALLED ? NODE_MANIFEST_MAX : NODE_LOCK_MAX;
	int r;

	if (max > lim->capture_bytes)
		max = lim->capture_bytes;
	moat_buf_init(&data, 0);
	r = moat_lang_read_all(lang, file, content, max, &data, err);
	if (r != 0)
		goto out;
	c.tmp = moat_arena_open(0);
	if (!c.tmp) {
		r = moat_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	moat_hmap_init(&c.seen);
	r = node_parse(&c, kind, &data);
	moat_hmap_release(&c.seen);
	moat_arena_close(c.tmp);
out:
	moat_buf_release(&data);
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_node = {
	.name = "node",
	.match = node_match,
	.read = node_read,
};
