/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-alpine.c - Alpine secdb (secdb.alpinelinux.org/<release>/<repo>.json,
 * and the archived YAML of the same shape) to one advisory per CVE per package.
 *
 * A package's secfixes map "fixed in version" to the ids it fixed; version
 * "0" means "this package is not affected". Upstream lines are hand-written:
 * "CVE 2018-16859", "CVE_2019-2426", "CVE-2017-8073.patch", "CVE-2017-5753
 * CVE-2017-5715 XSA-254", "CVE-????-????? XSA-284". Every well-formed CVE id
 * in a line is taken (normalised to CVE-YYYY-NNNN); other id-like words
 * (XSA-254, TALOS-2017-0499) become its aliases; a line with no CVE id is
 * skipped and counted. A CVE listed under several versions (backports on an
 * older branch) gets one range per version: a version below all of them is
 * reported, which errs on the side of reporting.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "feed-doc.h"
#include "feed.h"

/* secdb files are a few hundred KB (community, all branches). */
#define ALPINE_MAX_BYTES (64u << 20)
/* Per-package memory; the document bounds it anyway. */
#define ALPINE_ARENA_BYTES (256u << 20)
/* "CVE-" year "-" up to 12 digits, NUL. */
#define ALPINE_CVE_MAX 32u

struct alpine_list {
	const char *s;
	struct alpine_list *next;
};

/* One CVE of one package, with what the secfixes say about it. */
struct alpine_vuln {
	const char *id;
	struct alpine_list *fixed;      /* versions, first listed first */
	size_t n_fixed;
	struct alpine_list *aliases;
	size_t n_aliases;
	bool not_affected;              /* listed under "0" */
	struct alpine_vuln *next;
};

struct alpine_ctx {
	struct feed_walk w;
	struct moat_arena *arena;       /* per package */
	const struct moat_adv_sink *sink;
	struct moat_feed_stats *stats;
	const char *ecosystem;          /* "Alpine:v3.11", or NULL when unknown */
	struct moat_hmap seen;          /* CVE -> struct alpine_vuln, per package */
	struct alpine_vuln *first;
	struct alpine_vuln **tail;
};

static int alpine_nomem(struct alpine_ctx *c)
{
	return moat_error_set(c->w.err, MOAT_E_LIMIT, "%s: out of memory", c->w.origin);
}

static size_t digits_at(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/* A CVE id starting at s (case-insensitive "CVE", separators '-', '_' or
 * blanks, 4-digit year, '-' or '_', 4-12 digits not followed by a letter or
 * digit), written as CVE-YYYY-N... into out. Returns bytes consumed or 0. */
static size_t alpine_cve_at(const char *s, char out[ALPINE_CVE_MAX])
{
	size_t i = 3;
	size_t seps = 0;
	size_t year;
	size_t num;

	if (strncasecmp(s, "CVE", 3) != 0)
		return 0;
	while (s[i] == '-' || s[i] == '_' || s[i] == ' ') {
		i++;
		seps++;
	}
	if (seps < 1 || seps > 3)
		return 0;
	year = digits_at(s + i, 5);
	if (year != 4 || (s[i + 4] != '-' && s[i + 4] != '_'))
		return 0;
	num = digits_at(s + i + 5, 13);
	if (num < 4 || num > 12 || isalnum((unsigned char)s[i + 5 + num]))
		return 0;
	memcpy(out, "CVE-", 4);
	memcpy(out + 4, s + i, 4);
	out[8] = '-';
	memcpy(out + 9, s + i + 5, num);
	out[9 + num] = '\0';
	return i + 5 + num;
}

/* Word shaped like an advisory id other than a CVE: letters, then "-part"s. */
static bool alpine_alias_word(const char *w, size_t n)
{
	size_t i = 0;
	size_t parts = 0;

	if (n >= 3 && strncasecmp(w, "CVE", 3) == 0)
		return false;
	while (i < n && isalpha((unsigned char)w[i]))
		i++;
	if (!i)
		return false;
	while (i < n && w[i] == '-') {
		size_t start = ++i;

		while (i < n && isalnum((unsigned char)w[i]))
			i++;
		if (i == start)
			return false;
		parts++;
	}
	return i == n && parts > 0;
}

static struct alpine_vuln *alpine_vuln(struct alpine_ctx *c, const char *cve)
{
	size_t n = strlen(cve);
	struct alpine_vuln *v = moat_hmap_get(&c->seen, cve, n);

	if (v)
		return v;
	v = moat_arena_new0(c->arena, struct alpine_vuln);
	if (!v)
		return NULL;
	v->id = moat_arena_strndup(c->arena, cve, n);
	if (!v->id || moat_hmap_put(&c->seen, v->id, n, v) < 0)
		return NULL;
	*c->tail = v;
	c->tail = &v->next;
	return v;
}

/* Add s to a list unless it is there already (lists are short). */
static int alpine_list_add(struct alpine_ctx *c, struct alpine_list **list, size_t *n,
			   const char *s, size_t len)
{
	struct alpine_list **p = list;
	struct alpine_list *e;

	for (; *p; p = &(*p)->next)
		if (strlen((*p)->s) == len && !memcmp((*p)->s, s, len))
			return 0;
	e = moat_arena_new0(c->arena, struct alpine_list);
	if (!e || !(e->s = moat_arena_strndup(c->arena, s, len)))
		return alpine_nomem(c);
	*p = e;
	(*n)++;
	return 0;
}

/* Aliases of one line: every id-like word that is not a CVE id. */
static int alpine_aliases(struct alpine_ctx *c, struct alpine_vuln *v, const char *line)
{
	const char *p = line;
	int r = 0;

	while (*p && r == 0) {
		size_t n;

		p += strspn(p, " \t(),;");
		n = strcspn(p, " \t(),;");
		if (n && alpine_alias_word(p, n))
			r = alpine_list_add(c, &v->aliases, &v->n_aliases, p, n);
		p += n;
	}
	return r;
}

/* One secfixes line under version `version`. */
static int alpine_line(struct alpine_ctx *c, const char *version, const char *line)
{
	char cve[ALPINE_CVE_MAX];
	size_t found = 0;
	int r = 0;

	for (size_t i = 0; line[i] && r == 0; i++) {
		struct alpine_vuln *v;
		size_t n;

		if (i && isalnum((unsigned char)line[i - 1]))
			continue;
		n = alpine_cve_at(line + i, cve);
		if (!n)
			continue;
		found++;
		v = alpine_vuln(c, cve);
		if (!v)
			return alpine_nomem(c);
		if (strcmp(version, "0") == 0)
			v->not_affected = true;
		else
			r = alpine_list_add(c, &v->fixed, &v->n_fixed, version, strlen(version));
		if (r == 0)
			r = alpine_aliases(c, v, line);
		i += n - 1;
	}
	if (!found)
		c->stats->skipped++;
	return r;
}

/* secfixes: {version: [line, ...]}; empty versions (YAML "1.2-r0:" alone) are null. */
static int alpine_secfixes(struct alpine_ctx *c, json_t *fixes)
{
	const char *version;
	json_t *lines;
	int r = 0;

	json_object_foreach(fixes, version, lines) {
		size_t mark = feed_path_key(&c->w, version);

		if (!json_is_array(lines) && !json_is_null(lines))
			r = feed_fail(&c->w, "expected an array, got %s", feed_type_name(lines));
		for (size_t i = 0; r == 0 && i < json_array_size(lines); i++) {
			json_t *l = json_array_get(lines, i);
			size_t m = feed_path_index(&c->w, i);

			if (json_is_string(l))
				r = alpine_line(c, version, json_string_value(l));
			else if (json_is_number(l) || json_is_null(l))
				c->stats->skipped++; /* "- 2019": not an id */
			else
				r = feed_fail(&c->w, "expected a string, got %s", feed_type_name(l));
			feed_path_pop(&c->w, m);
		}
		feed_path_pop(&c->w, mark);
		if (r < 0)
			return r;
	}
	return 0;
}

static const char **alpine_flatten(struct alpine_ctx *c, const struct alpine_list *l, size_t n)
{
	const char **out = moat_arena_newarray(c->arena, const char *, n ? n : 1);

	for (size_t i = 0; out && l; l = l->next)
		out[i++] = l->s;
	return out;
}

static int alpine_emit(struct alpine_ctx *c, const char *pkg, const struct alpine_vuln *v)
{
	struct moat_adv_affected aff[2] = { { 0 } };
	struct moat_advisory adv = { .id = v->id, .affected = aff };
	struct moat_adv_range *ranges;
	const struct alpine_list *f = v->fixed;

	adv.aliases = alpine_flatten(c, v->aliases, v->n_aliases);
	ranges = moat_arena_newarray(c->arena, struct moat_adv_range, v->n_fixed ? v->n_fixed : 1);
	if (!adv.aliases || !ranges)
		return alpine_nomem(c);
	adv.n_aliases = v->n_aliases;
	for (size_t i = 0; f; f = f->next)
		ranges[i++].fixed = f->s;
	if (v->n_fixed) {
		aff[adv.n_affected++] = (struct moat_adv_affected){
			.ecosystem = c->ecosystem, .package = pkg, .status = MOAT_ADV_FIXED,
			.range_type = MOAT_RANGE_ECOSYSTEM, .ranges = ranges, .n_ranges = v->n_fixed,
		};
	}
	if (v->not_affected) {
		aff[adv.n_affected++] = (struct moat_adv_affected){
			.ecosystem = c->ecosystem, .package = pkg, .status = MOAT_ADV_NOT_AFFECTED,
			.range_type = MOAT_RANGE_ECOSYSTEM,
		};
	}
	c->stats->records++;
	return c->sink && c->sink->advisory ? c->sink->advisory(c->sink->ctx, &adv, c->w.err) : 0;
}

/* One {pkg: {name, secfixes}} entry. */
static int alpine_package(struct alpine_ctx *c, const json_t *entry)
{
	json_t *pkg = NULL;
	json_t *fixes = NULL;
	const char *name = NULL;
	size_t mark;
	int r = 0;

	if (!json_is_object(entry))
		return feed_fail(&c->w, "expected a package entry (object), got %s",
				 feed_type_name(entry));
	r = feed_get_object(&c->w, entry, "pkg", &pkg);
	if (r < 0 || !pkg)
		return r;
	mark = feed_path_key(&c->w, "pkg");
	r = feed_get_str(&c->w, pkg, "name", &name);
	if (r == 0)
		r = feed_get_object(&c->w, pkg, "secfixes", &fixes);
	if (r == 0 && (!name || !*name || !c->ecosystem)) {
		c->stats->skipped++;
		fixes = NULL;
	}
	if (r == 0 && fixes) {
		size_t m = feed_path_key(&c->w, "secfixes");

		r = alpine_secfixes(c, fixes);
		feed_path_pop(&c->w, m);
	}
	for (const struct alpine_vuln *v = c->first; r == 0 && v; v = v->next)
		r = alpine_emit(c, name, v);
	feed_path_pop(&c->w, mark);
	return r;
}

static int alpine_package_scoped(struct alpine_ctx *c, const json_t *entry)
{
	int r;

	c->arena = moat_arena_open(ALPINE_ARENA_BYTES);
	if (!c->arena)
		return moat_error_set(c->w.err, -ENOMEM, "%s: out of memory", c->w.origin);
	moat_hmap_init(&c->seen);
	c->first = NULL;
	c->tail = &c->first;
	r = alpine_package(c, entry);
	moat_hmap_release(&c->seen);
	moat_arena_close(c->arena);
	c->arena = NULL;
	return r;
}

/* "v3.11" from a path like "alpine-secdb/v3.11/main.yaml"; NULL when there is none. */
static const char *alpine_release_from_path(const char *origin, size_t *ret_len)
{
	for (const char *p = origin; (p = strchr(p, 'v')); p++) {
		size_t major;
		size_t minor;

		if (p != origin && p[-1] != '/' && p[-1] != ':')
			continue;
		major = digits_at(p + 1, 3);
		if (!major || p[1 + major] != '.')
			continue;
		minor = digits_at(p + 2 + major, 3);
		if (minor && (p[2 + major + minor] == '/' || !p[2 + major + minor])) {
			*ret_len = 2 + major + minor;
			return p;
		}
	}
	return NULL;
}

/* "Alpine:" + the document's distroversion, else the release in the origin path. */
static int alpine_ecosystem(struct alpine_ctx *c, const json_t *doc, char *buf, size_t size)
{
	const char *rel = NULL;
	size_t len = 0;
	int r = 0;

	if (json_is_object(doc))
		r = feed_get_str(&c->w, doc, "distroversion", &rel);
	if (r < 0)
		return r;
	if (rel && *rel)
		len = strlen(rel);
	else
		rel = alpine_release_from_path(c->w.origin, &len);
	if (rel && len && len < size - 8) {
		snprintf(buf, size, "Alpine:%s%.*s", rel[0] == 'v' ? "" : "v", (int)len, rel);
		c->ecosystem = buf;
	}
	return 0;
}

static int alpine_entries(struct alpine_ctx *c, const json_t *arr)
{
	int r = 0;

	for (size_t i = 0; i < json_array_size(arr) && r == 0; i++) {
		size_t m = feed_path_index(&c->w, i);

		r = alpine_package_scoped(c, json_array_get(arr, i));
		feed_path_pop(&c->w, m);
	}
	return r;
}

int moat_feed_alpine_secdb(const uint8_t *data, size_t len, const char *origin,
			   const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
			   struct moat_error *err)
{
	struct moat_feed_stats local = { 0 };
	struct alpine_ctx c = { .sink = sink, .stats = stats ? stats : &local };
	char eco[64];
	json_t *doc = NULL;
	json_t *packages = NULL;
	int r;

	feed_walk_init(&c.w, origin, err);
	r = feed_doc_load(data, len, c.w.origin, ALPINE_MAX_BYTES, &doc, err);
	if (r < 0)
		return r;
	r = alpine_ecosystem(&c, doc, eco, sizeof(eco));
	if (r == 0 && json_is_object(doc) && !json_object_get(doc, "pkg"))
		r = feed_get_array(&c.w, doc, "packages", &packages);
	if (r == 0 && packages) {
		size_t m = feed_path_key(&c.w, "packages");

		r = alpine_entries(&c, packages);
		feed_path_pop(&c.w, m);
	} else if (r == 0 && json_is_array(doc)) {
		r = alpine_entries(&c, doc);
	} else if (r == 0 && json_is_object(doc) && json_object_get(doc, "pkg")) {
		r = alpine_package_scoped(&c, doc);
	} else if (r == 0 && !json_is_null(doc) && !json_is_object(doc)) {
		r = feed_fail(&c.w, "expected a secdb document, got %s", feed_type_name(doc));
	}
	json_decref(doc);
	return r;
}
