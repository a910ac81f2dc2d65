/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-osv.c - OSV schema 1.x records (JSON, or YAML as the PyPI advisory
 * database writes them) to struct moat_advisory.
 *
 * Strings are borrowed from the jansson tree; only the arrays the advisory
 * points at come from a per-record arena. Schema fields of the wrong type are
 * MOAT_E_FORMAT with their JSON path; free-form parts (database_specific,
 * ecosystem_specific) are read where useful and otherwise ignored.
 *
 * One OSV affected[] entry can mix range types (PYSEC records pair GIT with
 * ECOSYSTEM), while struct moat_adv_affected has one range_type, so an entry
 * is emitted as one moat_adv_affected per range type present; versions[]
 * ride with the first non-GIT one. "related" ids are checked but not kept:
 * they name other flaws, not aliases of this one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "moat/error.h"
#include "feed-doc.h"
#include "feed.h"

/* Whole documents: a record is a few KB, an exported array of a whole
 * ecosystem tens of MB. Same ceiling as any JSON moat reads. */
#define OSV_MAX_BYTES (64u << 20)
/* Per-record arrays (ranges, versions...); bounded by the document anyway. */
#define OSV_ARENA_BYTES (256u << 20)

enum { OSV_TYPES = 3 };

struct osv_ctx {
	struct feed_walk w;
	struct moat_arena *arena;       /* per record */
	const struct moat_adv_sink *sink;
	struct moat_feed_stats *stats;
};

static int osv_nomem(struct osv_ctx *c)
{
	return moat_error_set(c->w.err, MOAT_E_LIMIT, "%s: %s: out of memory", c->w.origin,
			      c->w.path_len ? c->w.path : "document");
}

/* "CRITICAL", "HIGH", "MODERATE", "LOW" (GHSA), "important", "medium"... to one vocabulary. */
static const char *osv_severity_word(const char *s)
{
	static const struct {
		const char *in;
		const char *out;
	} words[] = {
		{ "critical", "critical" }, { "high", "high" }, { "important", "high" },
		{ "moderate", "medium" }, { "medium", "medium" }, { "low", "low" },
	};

	if (!s || !*s)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i].in) == 0)
			return words[i].out;
	return "unknown";
}

/* Free-form object's "severity" string, normalised; anything else is ignored. */
static const char *osv_free_severity(const json_t *obj)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, "severity") : NULL;

	return json_is_string(v) ? osv_severity_word(json_string_value(v)) : NULL;
}

/* Array member key of obj as strings (or, with as_text, version scalars). */
static int osv_strings(struct osv_ctx *c, const json_t *obj, const char *key, bool as_text,
		       const char *const **ret, size_t *ret_n)
{
	json_t *arr;
	const char **out;
	size_t n;
	size_t mark;
	int r = feed_get_array(&c->w, obj, key, &arr);

	*ret = NULL;
	*ret_n = 0;
	if (r < 0 || !arr || !json_array_size(arr))
		return r;
	n = json_array_size(arr);
	out = moat_arena_newarray(c->arena, const char *, n);
	if (!out)
		return osv_nomem(c);
	mark = feed_path_key(&c->w, key);
	for (size_t i = 0; i < n && r == 0; i++) {
		json_t *v = json_array_get(arr, i);
		size_t m = feed_path_index(&c->w, i);

		if (as_text)
			r = feed_scalar_text(&c->w, c->arena, v, &out[i]);
		else if (json_is_string(v))
			out[i] = json_string_value(v);
		else
			r = feed_fail(&c->w, "expected a string, got %s", feed_type_name(v));
		feed_path_pop(&c->w, m);
	}
	feed_path_pop(&c->w, mark);
	*ret = out;
	*ret_n = n;
	return r;
}

/* Version from the vector prefix ("CVSS:3.1/..." -> "3.1"); v2 vectors have none. */
static const char *osv_cvss_version(struct osv_ctx *c, const char *type, const char *vector)
{
	if (strncmp(vector, "CVSS:", 5) == 0) {
		const char *v = vector + 5;
		size_t n = strcspn(v, "/");

		if (n > 0 && n < 8)
			return moat_arena_strndup(c->arena, v, n);
	}
	if (strcmp(type, "CVSS_V2") == 0)
		return "2.0";
	return strcmp(type, "CVSS_V4") == 0 ? "4.0" : "3.0";
}

/* "GHSA-xxxx" -> "ghsa": the database that published the record scored it. */
static const char *osv_source(struct osv_ctx *c, const char *id)
{
	size_t n = strcspn(id, "-");
	char *s = moat_arena_strndup(c->arena, id, n);

	for (size_t i = 0; s && i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return s;
}

static int osv_severity(struct osv_ctx *c, const json_t *rec, struct moat_advisory *adv)
{
	json_t *arr;
	struct moat_adv_cvss *out;
	size_t mark;
	int r = feed_get_array(&c->w, rec, "severity", &arr);

	if (r < 0 || !arr || !json_array_size(arr))
		return r;
	out = moat_arena_newarray(c->arena, struct moat_adv_cvss, json_array_size(arr));
	if (!out)
		return osv_nomem(c);
	adv->cvss = out;
	mark = feed_path_key(&c->w, "severity");
	for (size_t i = 0; i < json_array_size(arr) && r == 0; i++) {
		json_t *s = json_array_get(arr, i);
		const char *type = NULL;
		const char *score = NULL;
		size_t m = feed_path_index(&c->w, i);

		if (!json_is_object(s))
			r = feed_fail(&c->w, "expected an object, got %s", feed_type_name(s));
		if (r == 0)
			r = feed_get_str(&c->w, s, "type", &type);
		if (r == 0)
			r = feed_get_str(&c->w, s, "score", &score);
		feed_path_pop(&c->w, m);
		if (r < 0 || !type || !score || !*score)
			continue;
		if (strncmp(type, "CVSS_V", 6) == 0) {
			struct moat_adv_cvss *cv = &out[adv->n_cvss++];

			cv->vector = score;
			cv->score = -1;
			cv->version = osv_cvss_version(c, type, score);
			cv->source = osv_source(c, adv->id);
			if (!cv->version || !cv->source)
				r = osv_nomem(c);
		} else if (strcmp(type, "Ubuntu") == 0 && !adv->severity) {
			adv->severity = osv_severity_word(score);
		}
	}
	feed_path_pop(&c->w, mark);
	return r;
}

static int osv_references(struct osv_ctx *c, const json_t *rec, struct moat_advisory *adv)
{
	json_t *arr;
	const char **out;
	size_t mark;
	int r = feed_get_array(&c->w, rec, "references", &arr);

	if (r < 0 || !arr || !json_array_size(arr))
		return r;
	out = moat_arena_newarray(c->arena, const char *, json_array_size(arr));
	if (!out)
		return osv_nomem(c);
	adv->references = out;
	mark = feed_path_key(&c->w, "references");
	for (size_t i = 0; i < json_array_size(arr) && r == 0; i++) {
		json_t *ref = json_array_get(arr, i);
		const char *url = NULL;
		size_t m = feed_path_index(&c->w, i);

		if (!json_is_object(ref))
			r = feed_fail(&c->w, "expected an object, got %s", feed_type_name(ref));
		else
			r = feed_get_str(&c->w, ref, "url", &url);
		if (r == 0 && url && *url)
			out[adv->n_references++] = url;
		feed_path_pop(&c->w, m);
	}
	feed_path_pop(&c->w, mark);
	return r;
}

/* database_specific is free-form: take severity and cwe_ids when well typed. */
static int osv_database_specific(struct osv_ctx *c, const json_t *rec, struct moat_advisory *adv)
{
	json_t *db;
	json_t *cwes;
	const char **out;
	int r = feed_get_object(&c->w, rec, "database_specific", &db);

	if (r < 0 || !db)
		return r;
	if (!adv->severity)
		adv->severity = osv_free_severity(db);
	cwes = json_object_get(db, "cwe_ids");
	if (!json_is_array(cwes) || !json_array_size(cwes))
		return 0;
	out = moat_arena_newarray(c->arena, const char *, json_array_size(cwes));
	if (!out)
		return osv_nomem(c);
	for (size_t i = 0; i < json_array_size(cwes); i++)
		if (json_is_string(json_array_get(cwes, i)))
			out[adv->n_cwes++] = json_string_value(json_array_get(cwes, i));
	adv->cwes = out;
	return 0;
}

/* Ranges of one type being collected for one affected[] entry. */
struct osv_group {
	struct moat_adv_range *ranges;
	size_t n;
};

static int osv_range_type(const char *type)
{
	if (!type)
		return -1;
	if (strcmp(type, "ECOSYSTEM") == 0)
		return MOAT_RANGE_ECOSYSTEM;
	if (strcmp(type, "SEMVER") == 0)
		return MOAT_RANGE_SEMVER;
	return strcmp(type, "GIT") == 0 ? MOAT_RANGE_GIT : -1;
}

/* One event: which kind and its value. Exactly one key is expected; the first known wins. */
static int osv_event(struct osv_ctx *c, const json_t *ev, const char **kind, const char **value)
{
	static const char *const kinds[] = { "introduced", "fixed", "last_affected", "limit" };
	int r = 0;

	*kind = NULL;
	if (!json_is_object(ev))
		return feed_fail(&c->w, "expected an object, got %s", feed_type_name(ev));
	for (size_t k = 0; k < 4 && !*kind; k++) {
		json_t *v = json_object_get(ev, kinds[k]);
		size_t m;

		if (!v)
			continue;
		m = feed_path_key(&c->w, kinds[k]);
		r = feed_scalar_text(&c->w, c->arena, v, value);
		feed_path_pop(&c->w, m);
		*kind = kinds[k];
	}
	return r;
}

/* Events in order to intervals: each introduced pairs with the next fixed or
 * last_affected; a close without an open interval starts at the beginning;
 * introduced still open at the end stay open. limit bounds them all. */
static int osv_events(struct osv_ctx *c, const json_t *events, struct osv_group *g,
		      const char **pending)
{
	size_t n_pending = 0;
	size_t first = g->n;
	const char *limit = NULL;
	int r = 0;

	for (size_t i = 0; i < json_array_size(events) && r == 0; i++) {
		const char *kind = NULL;
		const char *value = NULL;
		size_t m = feed_path_index(&c->w, i);

		r = osv_event(c, json_array_get(events, i), &kind, &value);
		feed_path_pop(&c->w, m);
		if (r < 0 || !kind)
			continue;
		if (kind[0] == 'i') {
			pending[n_pending++] = value;
		} else if (strcmp(kind, "fixed") == 0 || strcmp(kind, "last_affected") == 0) {
			bool fixed = kind[0] == 'f';
			size_t k = 0;

			do {
				struct moat_adv_range *rg = &g->ranges[g->n++];

				rg->introduced = n_pending ? pending[k] : NULL;
				rg->fixed = fixed ? value : NULL;
				rg->last_affected = fixed ? NULL : value;
			} while (++k < n_pending);
			n_pending = 0;
		} else if (!limit) {
			limit = value;
		}
	}
	for (size_t k = 0; k < n_pending; k++)
		g->ranges[g->n++].introduced = pending[k];
	for (size_t k = first; k < g->n; k++)
		g->ranges[k].limit = limit;
	return r;
}

static int osv_ranges(struct osv_ctx *c, const json_t *aff, struct osv_group *groups)
{
	json_t *ranges;
	const char **pending;
	size_t total = 0;
	size_t mark;
	int r = feed_get_array(&c->w, aff, "ranges", &ranges);

	if (r < 0 || !ranges)
		return r;
	/* Intervals never outnumber events, so size everything by the event count. */
	for (size_t i = 0; i < json_array_size(ranges); i++) {
		json_t *ev = json_object_get(json_array_get(ranges, i), "events");

		total += json_is_array(ev) ? json_array_size(ev) : 0;
	}
	pending = moat_arena_newarray(c->arena, const char *, total + 1);
	if (!pending)
		return osv_nomem(c);
	for (size_t t = 0; t < OSV_TYPES; t++) {
		groups[t].ranges = moat_arena_newarray(c->arena, struct moat_adv_range, total + 1);
		if (!groups[t].ranges)
			return osv_nomem(c);
	}
	mark = feed_path_key(&c->w, "ranges");
	for (size_t i = 0; i < json_array_size(ranges) && r == 0; i++) {
		json_t *rg = json_array_get(ranges, i);
		const char *type = NULL;
		json_t *events = NULL;
		size_t m = feed_path_index(&c->w, i);

		if (!json_is_object(rg))
			r = feed_fail(&c->w, "expected an object, got %s", feed_type_name(rg));
		if (r == 0)
			r = feed_get_str(&c->w, rg, "type", &type);
		if (r == 0)
			r = feed_get_array(&c->w, rg, "events", &events);
		if (r == 0 && events && osv_range_type(type) >= 0) {
			size_t me = feed_path_key(&c->w, "events");

			r = osv_events(c, events, &groups[osv_range_type(type)], pending);
			feed_path_pop(&c->w, me);
		}
		feed_path_pop(&c->w, m);
	}
	feed_path_pop(&c->w, mark);
	return r;
}

/* Emit the groups of one affected[] entry into out (room for OSV_TYPES + 1). */
static size_t osv_split(const struct moat_adv_affected *base, const struct osv_group *groups,
			struct moat_adv_affected *out)
{
	size_t n = 0;
	bool versions_done = base->n_versions == 0;

	for (int t = 0; t < OSV_TYPES; t++) {
		if (!groups[t].n)
			continue;
		out[n] = *base;
		out[n].range_type = (enum moat_adv_range_type)t;
		out[n].ranges = groups[t].ranges;
		out[n].n_ranges = groups[t].n;
		if (t == MOAT_RANGE_GIT || versions_done) {
			out[n].versions = NULL;
			out[n].n_versions = 0;
		}
		versions_done = versions_done || t != MOAT_RANGE_GIT;
		n++;
	}
	/* No ranges at all, or versions[] left over after GIT-only ranges. */
	if (!n || !versions_done) {
		out[n] = *base;
		out[n].range_type = MOAT_RANGE_ECOSYSTEM;
		n++;
	}
	return n;
}

/* One affected[] entry; *ret_n == 0 when its package is unusable. */
static int osv_affected_one(struct osv_ctx *c, const json_t *aff, struct moat_adv_affected *out,
			    size_t *ret_n)
{
	struct moat_adv_affected base = { .status = MOAT_ADV_AFFECTED };
	struct osv_group groups[OSV_TYPES] = { { 0 } };
	json_t *pkg = NULL;
	json_t *eco = NULL;
	json_t *db = NULL;
	int r = 0;

	*ret_n = 0;
	if (!json_is_object(aff))
		return feed_fail(&c->w, "expected an object, got %s", feed_type_name(aff));
	r = feed_get_object(&c->w, aff, "package", &pkg);
	if (r == 0 && pkg) {
		size_t m = feed_path_key(&c->w, "package");

		r = feed_get_str(&c->w, pkg, "ecosystem", &base.ecosystem);
		if (r == 0)
			r = feed_get_str(&c->w, pkg, "name", &base.package);
		if (r == 0)
			r = feed_get_str(&c->w, pkg, "purl", &base.purl);
		feed_path_pop(&c->w, m);
	}
	if (r == 0)
		r = osv_strings(c, aff, "versions", true, &base.versions, &base.n_versions);
	if (r == 0)
		r = osv_ranges(c, aff, groups);
	if (r == 0)
		r = feed_get_object(&c->w, aff, "ecosystem_specific", &eco);
	if (r == 0)
		r = feed_get_object(&c->w, aff, "database_specific", &db);
	if (r < 0)
		return r;
	base.severity = osv_free_severity(eco) ? osv_free_severity(eco) : osv_free_severity(db);
	if (base.ecosystem && *base.ecosystem && base.package && *base.package)
		*ret_n = osv_split(&base, groups, out);
	return 0;
}

/* affected[]; returns 1 when there were entries but none usable (skip the record). */
static int osv_affected(struct osv_ctx *c, const json_t *rec, struct moat_advisory *adv)
{
	struct moat_adv_affected *out;
	json_t *arr;
	size_t mark;
	int r = feed_get_array(&c->w, rec, "affected", &arr);

	if (r < 0 || !arr || !json_array_size(arr))
		return r;
	out = moat_arena_newarray(c->arena, struct moat_adv_affected,
				  json_array_size(arr) * (OSV_TYPES + 1));
	if (!out)
		return osv_nomem(c);
	adv->affected = out;
	mark = feed_path_key(&c->w, "affected");
	for (size_t i = 0; i < json_array_size(arr) && r == 0; i++) {
		size_t m = feed_path_index(&c->w, i);
		size_t n = 0;

		r = osv_affected_one(c, json_array_get(arr, i), out + adv->n_affected, &n);
		adv->n_affected += n;
		feed_path_pop(&c->w, m);
	}
	feed_path_pop(&c->w, mark);
	return r < 0 ? r : adv->n_affected == 0;
}

static int osv_scalars(struct osv_ctx *c, const json_t *rec, struct moat_advisory *adv)
{
	const char *const *related;
	size_t n_related;
	int r = feed_get_str(&c->w, rec, "id", &adv->id);

	if (r == 0 && (!adv->id || !*adv->id))
		r = feed_fail(&c->w, "record has no id");
	if (r == 0)
		r = feed_get_str(&c->w, rec, "summary", &adv->summary);
	if (r == 0)
		r = feed_get_str(&c->w, rec, "details", &adv->details);
	if (r == 0)
		r = feed_get_str(&c->w, rec, "published", &adv->published);
	if (r == 0)
		r = feed_get_str(&c->w, rec, "modified", &adv->modified);
	if (r == 0)
		r = feed_get_str(&c->w, rec, "withdrawn", &adv->withdrawn);
	if (r == 0)
		r = osv_strings(c, rec, "aliases", false, &adv->aliases, &adv->n_aliases);
	if (r == 0)
		r = osv_strings(c, rec, "related", false, &related, &n_related);
	return r;
}

static int osv_record(struct osv_ctx *c, const json_t *rec)
{
	struct moat_advisory adv = { 0 };
	int r;

	if (!json_is_object(rec))
		return feed_fail(&c->w, "expected an OSV record (object), got %s",
				 feed_type_name(rec));
	r = osv_scalars(c, rec, &adv);
	if (r == 0)
		r = osv_severity(c, rec, &adv);
	if (r == 0)
		r = osv_database_specific(c, rec, &adv);
	if (r == 0)
		r = osv_references(c, rec, &adv);
	if (r == 0)
		r = osv_affected(c, rec, &adv);
	if (r < 0)
		return r;
	if (r == 1) {
		c->stats->skipped++;
		return 0;
	}
	c->stats->records++;
	return c->sink && c->sink->advisory ? c->sink->advisory(c->sink->ctx, &adv, c->w.err) : 0;
}

/* A record with its own arena, so an exported array does not pile up memory. */
static int osv_record_scoped(struct osv_ctx *c, const json_t *rec)
{
	int r;

	c->arena = moat_arena_open(OSV_ARENA_BYTES);
	if (!c->arena)
		return moat_error_set(c->w.err, -ENOMEM, "%s: out of memory", c->w.origin);
	r = osv_record(c, rec);
	moat_arena_close(c->arena);
	c->arena = NULL;
	return r;
}

int moat_feed_osv(const uint8_t *data, size_t len, const char *origin,
		  const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		  struct moat_error *err)
{
	struct moat_feed_stats local = { 0 };
	struct osv_ctx c = { .sink = sink, .stats = stats ? stats : &local };
	json_t *doc = NULL;
	int r;

	feed_walk_init(&c.w, origin, err);
	r = feed_doc_load(data, len, c.w.origin, OSV_MAX_BYTES, &doc, err);
	if (r < 0)
		return r;
	if (json_is_array(doc)) {
		for (size_t i = 0; i < json_array_size(doc) && r == 0; i++) {
			size_t m = feed_path_index(&c.w, i);

			r = osv_record_scoped(&c, json_array_get(doc, i));
			feed_path_pop(&c.w, m);
		}
	} else {
		r = osv_record_scoped(&c, doc);
	}
	json_decref(doc);
	return r;
}
