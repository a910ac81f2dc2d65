/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-node-lock.c - yarn.lock (v1 text, berry YAML) and pnpm-lock.yaml (v5,
 * v6, v9): packages, their registry integrity and the dependency graph.
 *
 * Edges are drawn between entries of the same lock, the way the package
 * manager resolved them:
 *   - yarn v1: an entry's header lists the specs it satisfies ("a@^1",
 *     "a@~1.2"); a "dependencies:" line `b "^2"` leads to the entry whose
 *     header lists "b@^2";
 *   - berry: the same with `b: "npm:^2"` against "b@npm:^2" (older locks
 *     write the bare range, which means npm:);
 *   - pnpm: `b: 2.0.0` (peer suffixes "(...)" or "_..." cut; "npm:c@1"
 *     aliases) leads to b@2.0.0; v9 keeps the edges in "snapshots".
 * Development-only maps are the same in a lock (yarn does not mark them), so
 * every listed dependency is an edge. A spec or version the lock does not
 * hold gives no edge: no guess.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/yaml.h"
#include "moat/error.h"
#include "lang-node-int.h"
#include "lang.h"

static struct moat_slice unquote(struct moat_slice s)
{
	s = moat_slice_trim(s);
	if (s.len >= 2 && s.ptr[0] == '"' && s.ptr[s.len - 1] == '"')
		return moat_slice_make(s.ptr + 1, s.len - 2);
	return s;
}

/* The package name of a spec "name@range" ("@scope/name@range"). */
static struct moat_slice spec_name(struct moat_slice spec)
{
	size_t at;

	for (at = 1; at < spec.len && spec.ptr[at] != '@'; at++)
		;
	return at < spec.len ? moat_slice_make(spec.ptr, at) : moat_slice_make(NULL, 0);
}

/* Map every spec of an entry header (`"a@^1", a@~1.2:` or berry's
 * "a@npm:^1, a@npm:~1.2") to pkg. */
static int map_specs(struct node_ctx *c, struct moat_hmap *specs, struct moat_slice header,
		     struct moat_pkg *pkg)
{
	struct moat_slice spec;

	while (header.len) {
		if (!moat_slice_split(&header, ',', &spec)) {
			spec = header;
			header.len = 0;
		}
		spec = unquote(spec);
		if (spec.len && moat_hmap_put(specs, (const char *)spec.ptr, spec.len, pkg) < 0)
			return moat_error_set(c->err, -ENOMEM, "out of memory");
	}
	return 0;
}

static struct moat_pkg *spec_get(struct node_ctx *c, const struct moat_hmap *specs,
				 struct moat_slice name, const char *proto, struct moat_slice range)
{
	const char *k = moat_arena_printf(c->tmp, "%.*s@%s%.*s", (int)name.len,
					  (const char *)name.ptr, proto, (int)range.len,
					  (const char *)range.ptr);

	return k ? moat_hmap_get(specs, k, strlen(k)) : NULL;
}

static int edge(struct node_ctx *c, struct moat_pkg *from, struct moat_pkg *to)
{
	if (from && to && moat_pkg_add_dep(moat_lang_arena(c->lang), from, to) < 0)
		return moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
	return 0;
}

/* ---- yarn.lock v1 ---- */

/* The name in a yarn v1 entry header: first of `"a@^1", a@~1.2:`. An alias
 * header `a@npm:b@^1` names b. */
static struct moat_slice yarn_v1_name(struct moat_slice header)
{
	struct moat_slice spec = { 0 };
	struct moat_slice name;

	moat_slice_split(&header, ',', &spec);
	spec = unquote(spec);
	name = spec_name(spec);
	if (!name.len)
		return name;
	spec = moat_slice_make(spec.ptr + name.len + 1, spec.len - name.len - 1);
	if (moat_slice_startswith(spec, "npm:"))
		return spec_name(moat_slice_make(spec.ptr + 4, spec.len - 4));
	return name;
}

/* Pass 1 adds each entry (version, integrity) and maps its specs; pass 2
 * reads the dependency maps. Lines: "header:" at column 0, "  field value"
 * for the entry, "  dependencies:" then "    name range". */
static int yarn_v1_pass(struct node_ctx *c, struct moat_hmap *specs, struct moat_slice in,
			bool edges)
{
	struct moat_slice line, header = { 0 }, name = { 0 };
	struct moat_pkg *pkg = NULL;
	bool in_deps = false;
	int r = 0;

	while (r == 0 && moat_slice_line(&in, &line)) {
		if (line.len == 0 || line.ptr[0] == '#')
			continue;
		if (line.ptr[0] != ' ') {
			bool entry = line.ptr[line.len - 1] == ':';

			header = entry ? moat_slice_make(line.ptr, line.len - 1) : moat_slice_make(NULL, 0);
			name = entry ? yarn_v1_name(header) : moat_slice_make(NULL, 0);
			pkg = NULL;
			if (edges && entry) {
				struct moat_slice first = header;
				struct moat_slice one;

				if (moat_slice_split(&first, ',', &one))
					first = one;
				first = unquote(first);
				pkg = moat_hmap_get(specs, (const char *)first.ptr, first.len);
			}
			in_deps = false;
			continue;
		}
		if (!name.ptr)
			continue;
		if (line.len > 2 && line.ptr[2] != ' ') {
			struct moat_slice f = moat_slice_trim(line);

			in_deps = moat_slice_eq_str(f, "dependencies:") ||
				  moat_slice_eq_str(f, "optionalDependencies:");
			if (edges)
				continue;
			if (moat_slice_startswith(f, "version ")) {
				r = node_add_pkg(c, name, unquote(moat_slice_make(f.ptr + 8, f.len - 8)),
						 &pkg);
				if (r == 0 && pkg)
					r = map_specs(c, specs, header, pkg);
			} else if (moat_slice_startswith(f, "integrity ") && pkg) {
				struct moat_slice sri = unquote(moat_slice_make(f.ptr + 10, f.len - 10));

				if (moat_pkg_add_sri(moat_lang_arena(c->lang), pkg,
						     (const char *)sri.ptr, sri.len) < 0)
					r = moat_error_set(c->err, MOAT_E_LIMIT, "out of scan memory");
			}
		} else if (edges && in_deps && pkg && line.len > 4 && line.ptr[4] != ' ') {
			struct moat_slice dep = moat_slice_trim(line);
			struct moat_slice dn;

			if (!moat_slice_split(&dep, ' ', &dn))
				continue;
			r = edge(c, pkg, spec_get(c, specs, unquote(dn), "", unquote(dep)));
		}
	}
	return r;
}

int node_read_yarn_v1(struct node_ctx *c, struct moat_slice in)
{
	struct moat_hmap specs;
	int r;

	moat_hmap_init(&specs);
	r = yarn_v1_pass(c, &specs, in, false);
	if (r == 0)
		r = yarn_v1_pass(c, &specs, in, true);
	moat_hmap_release(&specs);
	return r;
}

/* ---- YAML lock files: yarn berry and pnpm ---- */

static int parse_yaml(struct node_ctx *c, const struct moat_buf *data, json_t **ret)
{
	struct moat_error yerr = { 0 };
	int r = moat_yaml_parse(data->data, data->len, "lock file", NODE_LOCK_MAX, c->max_depth,
				ret, &yerr);

	if (r == -ENOMEM)
		return moat_error_set(c->err, r, "out of memory");
	if (r < 0) {
		moat_lang_warn(c->lang, c->file, moat_lang_code(yerr.code), "%s", yerr.msg);
		return 1;
	}
	return 0;
}

/* berry: each entry's "resolution" is "name@npm:1.2.3"; other protocols
 * (workspace:, patch:, git, file) are not registry packages. */
static int berry_entry(struct node_ctx *c, struct moat_hmap *specs, const char *key,
		       const json_t *e)
{
	struct moat_slice res = node_json_slice(e, "resolution");
	struct moat_pkg *pkg = NULL;
	size_t at;
	int r;

	if (!res.ptr)
		return 0;
	for (at = 1; at + 4 < res.len && memcmp(res.ptr + at, "@npm:", 5) != 0; at++)
		;
	if (at + 4 >= res.len)
		return 0;
	r = node_add_pkg(c, moat_slice_make(res.ptr, at),
			 moat_slice_make(res.ptr + at + 5, res.len - at - 5), &pkg);
	if (r == 0 && pkg)
		r = map_specs(c, specs, moat_slice_str(key), pkg);
	return r;
}

static int berry_edges(struct node_ctx *c, const struct moat_hmap *specs, const char *key,
		       const json_t *e)
{
	struct moat_slice first = moat_slice_str(key), one;
	struct moat_pkg *from;
	const char *dn;
	json_t *range;
	int r = 0;

	if (moat_slice_split(&first, ',', &one))
		first = one;
	first = unquote(first);
	from = moat_hmap_get(specs, (const char *)first.ptr, first.len);
	json_object_foreach(json_object_get(e, "dependencies"), dn, range) {
		struct moat_slice rs = json_is_string(range) ?
			moat_slice_make(json_string_value(range), json_string_length(range)) :
			moat_slice_make(NULL, 0);
		struct moat_pkg *to;

		if (!from || !rs.len)
			continue;
		to = spec_get(c, specs, moat_slice_str(dn), "", rs);
		if (!to && moat_slice_find(rs, ':') < 0)
			to = spec_get(c, specs, moat_slice_str(dn), "npm:", rs);
		if ((r = edge(c, from, to)) < 0)
			break;
	}
	return r;
}

int node_read_yarn_berry(struct node_ctx *c, const struct moat_buf *data)
{
	struct moat_hmap specs;
	json_t *root = NULL;
	const char *key;
	json_t *e;
	int r = parse_yaml(c, data, &root);

	if (r != 0)
		return r < 0 ? r : 0;
	moat_hmap_init(&specs);
	json_object_foreach(root, key, e) {
		if (strcmp(key, "__metadata") != 0 && (r = berry_entry(c, &specs, key, e)) < 0)
			break;
	}
	json_object_foreach(root, key, e) {
		if (r < 0)
			break;
		if (strcmp(key, "__metadata") != 0)
			r = berry_edges(c, &specs, key, e);
	}
	moat_hmap_release(&specs);
	json_decref(root);
	return r < 0 ? r : 0;
}

/* ---- pnpm-lock.yaml ---- */

/* Cut a slice at the first byte c (peer-dependency suffixes). */
static struct moat_slice cut_at(struct moat_slice s, uint8_t ch)
{
	long i = moat_slice_find(s, ch);

	if (i >= 0)
		s.len = (size_t)i;
	return s;
}

/*
 * pnpm "packages" (and v9 "snapshots") keys:
 *   v5  /name/1.2.3, /@scope/name/1.2.3_peer@1.0.0
 *   v6  /name@1.2.3, /@scope/name@1.2.3(peer@1.0.0)
 *   v9  name@1.2.3, @scope/name@1.2.3  (peers only in "snapshots")
 * Explicit name/version fields (tarball and git dependencies) win.
 */
static bool pnpm_key(bool v5, const char *key, const json_t *e, struct moat_slice *name,
		     struct moat_slice *ver)
{
	struct moat_slice k = moat_slice_str(key);
	size_t i;

	*name = node_json_slice(e, "name");
	*ver = node_json_slice(e, "version");
	if (name->ptr && ver->ptr)
		return true;
	if (k.len && k.ptr[0] == '/')
		k = moat_slice_make(k.ptr + 1, k.len - 1);
	if (v5) {
		/* name is one component, or two after an @scope */
		size_t slashes = k.len && k.ptr[0] == '@' ? 2 : 1;

		for (i = 0; i < k.len && slashes; i++)
			if (k.ptr[i] == '/')
				slashes--;
		if (slashes || i == 0)
			return false;
		*name = moat_slice_make(k.ptr, i - 1);
		*ver = cut_at(moat_slice_make(k.ptr + i, k.len - i), '_');
		return true;
	}
	k = cut_at(k, '(');
	for (i = 1; i < k.len && k.ptr[i] != '@'; i++)
		;
	if (i >= k.len)
		return false;
	*name = moat_slice_make(k.ptr, i);
	*ver = moat_slice_make(k.ptr + i + 1, k.len - i - 1);
	return true;
}

static int pnpm_entry(struct node_ctx *c, bool v5, const char *key, const json_t *e)
{
	struct moat_slice name, ver;
	struct moat_pkg *pkg = NULL;
	int r;

	if (!pnpm_key(v5, key, e, &name, &ver))
		return 0;
	r = node_add_pkg(c, name, ver, &pkg);
	if (r == 0 && pkg)
		r = node_details(c, pkg, json_object_get(e, "resolution"), "integrity");
	return r;
}

/* dependencies/optionalDependencies: name -> version[(peers)|_peers] or
 * "npm:real@version" (an alias); link: and file: are not packages. */
static int pnpm_edges(struct node_ctx *c, bool v5, const char *key, const json_t *e)
{
	static const char *const maps[] = { "dependencies", "optionalDependencies" };
	struct moat_slice name, ver;
	struct moat_pkg *from;
	int r = 0;

	if (!pnpm_key(v5, key, e, &name, &ver) || !(from = node_seen(c, name, ver)))
		return 0;
	for (size_t m = 0; r == 0 && m < 2; m++) {
		const char *dn;
		json_t *v;

		json_object_foreach(json_object_get(e, maps[m]), dn, v) {
			struct moat_slice dv = json_is_string(v) ?
				moat_slice_make(json_string_value(v), json_string_length(v)) :
				moat_slice_make(NULL, 0);

			dv = cut_at(cut_at(dv, '('), v5 ? '_' : '(');
			if (dv.len && (r = edge(c, from, node_seen(c, moat_slice_str(dn), dv))) < 0)
				break;
		}
	}
	return r;
}

int node_read_pnpm(struct node_ctx *c, const struct moat_buf *data)
{
	json_t *root = NULL;
	json_t *ver;
	json_t *pkgs;
	json_t *snaps;
	const char *key;
	json_t *e;
	bool v5;
	int r = parse_yaml(c, data, &root);

	if (r != 0)
		return r < 0 ? r : 0;
	/* 5.x is written unquoted (a YAML number); 6.0 and 9.0 are strings */
	ver = json_object_get(root, "lockfileVersion");
	v5 = (json_is_number(ver) && json_number_value(ver) < 6) ||
	     (json_is_string(ver) && json_string_value(ver)[0] == '5');
	pkgs = json_object_get(root, "packages");
	snaps = json_object_get(root, "snapshots");
	json_object_foreach(pkgs, key, e) {
		if (json_is_object(e) && (r = pnpm_entry(c, v5, key, e)) < 0)
			break;
	}
	json_object_foreach(json_is_object(snaps) ? snaps : pkgs, key, e) {
		if (r < 0)
			break;
		if (json_is_object(e))
			r = pnpm_edges(c, v5, key, e);
	}
	json_decref(root);
	return r < 0 ? r : 0;
}
