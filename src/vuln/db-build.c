/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-build.c - the DB builder as an advisory sink: copy what feeds emit into
 * interned, per-id records and per-package entries. Merging that needs the
 * whole input (aliases, KEV, EPSS, duplicate entries) happens in db-write.c.
 *
 * Records with the same id from several feeds merge field by field: the
 * first non-empty summary/published wins, the newest modified wins, lists
 * are unions, and CVSS and severity follow a rank so that NVD's own primary
 * score beats a copy quoted by another feed, which beats any other source.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "vuln/cvss.h"
#include "vuln/version.h"
#include "db-build-int.h"

/* All builder memory. A full OSV+NVD+distro build holds ~2 GiB. */
#define DBB_ARENA_CAP (32ull << 30)
/* Normalised package names longer than this are skipped (none are real). */
#define DBB_MAX_NAME 512u

const char *dbb_intern(struct moat_dbb *dbb, const char *s, size_t len, bool *oom)
{
	struct dbb_str *is;
	const char *hit;

	if (!s || len == 0)
		return NULL;
	hit = moat_hmap_get(&dbb->strs, s, len);
	if (hit)
		return hit;
	is = moat_arena_alloc(dbb->arena, sizeof(*is) + len + 1);
	if (!is) {
		*oom = true;
		return NULL;
	}
	is->off = 0;
	is->gen = 0;
	memcpy(is->s, s, len);
	is->s[len] = '\0';
	if (moat_hmap_put(&dbb->strs, is->s, len, is->s) < 0) {
		*oom = true;
		return NULL;
	}
	return is->s;
}

static const char *intern(struct moat_dbb *dbb, const char *s, bool *oom)
{
	return s ? dbb_intern(dbb, s, strlen(s), oom) : NULL;
}

int moat_dbb_open(struct moat_dbb **ret_dbb, struct moat_error *err)
{
	struct moat_dbb *dbb = calloc(1, sizeof(*dbb));

	if (!dbb)
		return moat_error_set(err, -ENOMEM, "db build: out of memory");
	dbb->arena = moat_arena_open(DBB_ARENA_CAP);
	if (!dbb->arena) {
		free(dbb);
		return moat_error_set(err, -ENOMEM, "db build: out of memory");
	}
	moat_hmap_init(&dbb->strs);
	moat_hmap_init(&dbb->vulns);
	moat_hmap_init(&dbb->kev);
	moat_hmap_init(&dbb->epss);
	*ret_dbb = dbb;
	return 0;
}

void moat_dbb_close(struct moat_dbb *dbb)
{
	if (!dbb)
		return;
	moat_hmap_release(&dbb->strs);
	moat_hmap_release(&dbb->vulns);
	moat_hmap_release(&dbb->kev);
	moat_hmap_release(&dbb->epss);
	free(dbb->ents);
	moat_arena_close(dbb->arena);
	free(dbb);
}

const struct moat_dbb_stats *moat_dbb_stats(const struct moat_dbb *dbb)
{
	return &dbb->stats;
}

int moat_dbb_source(struct moat_dbb *dbb, const char *name, const char *origin, const char *date,
		    struct moat_error *err)
{
	bool oom = false;
	const char *n = intern(dbb, name, &oom);
	const char *o = intern(dbb, origin, &oom);
	const char *d = intern(dbb, date, &oom);
	struct dbb_source *src;

	if (oom)
		return moat_error_set(err, MOAT_E_LIMIT, "db build: out of builder memory");
	for (size_t i = 0; i < dbb->n_sources; i++) {
		src = &dbb->sources[i];
		if (src->name == n && src->origin == o) {
			if (d)
				src->date = d;
			dbb->cur = src;
			return 0;
		}
	}
	if (dbb->n_sources == MOAT_DBB_MAX_SOURCES)
		return moat_error_set(err, MOAT_E_LIMIT, "db build: more than %u sources",
				      MOAT_DBB_MAX_SOURCES);
	src = &dbb->sources[dbb->n_sources++];
	memset(src, 0, sizeof(*src));
	src->name = n;
	src->origin = o;
	src->date = d;
	dbb->cur = src;
	return 0;
}

static bool cur_feed_is(const struct moat_dbb *dbb, const char *name)
{
	return dbb->cur && dbb->cur->name && !strcmp(dbb->cur->name, name);
}

/* Append s to a list unless it is already there (interned: pointer compare). */
static int list_add(struct moat_dbb *dbb, struct dbb_list *l, const char *s, uint32_t max)
{
	if (!s || l->n >= max)
		return 0;
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i] == s)
			return 0;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;
		const char **v = moat_arena_grow(dbb->arena, l->v, l->n, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

static int list_add_all(struct moat_dbb *dbb, struct dbb_list *l, const char *const *v, size_t n,
			uint32_t max)
{
	bool oom = false;

	for (size_t i = 0; i < n; i++) {
		const char *s = intern(dbb, v[i], &oom);

		if (oom || list_add(dbb, l, s, max) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Cut a summary at a UTF-8 character boundary. */
static size_t summary_len(const char *s)
{
	size_t n = strlen(s);

	if (n <= MOAT_DBB_MAX_SUMMARY)
		return n;
	n = MOAT_DBB_MAX_SUMMARY;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static int cvss_rank(const struct moat_dbb *dbb, const struct moat_adv_cvss *c)
{
	bool nvd_scored = c->source && strstr(c->source, "nvd@nist.gov");

	if (cur_feed_is(dbb, "nvd") && (!c->source || nvd_scored))
		return 3;
	return nvd_scored ? 2 : 1;
}

/* The feed's score, or the base score computed from the vector (OSV gives
 * only vectors); <0 when the vector does not parse. */
static double cvss_score(const struct moat_adv_cvss *c)
{
	struct moat_cvss parsed;

	if (c->score >= 0)
		return c->score;
	return moat_cvss_parse(c->vector, &parsed, NULL) == 0 ? parsed.base_score : -1;
}

static void take_cvss(struct moat_dbb *dbb, struct dbb_vuln *v, const struct moat_adv_cvss *c,
		      bool *oom)
{
	int rank;

	if (!c->vector || !c->version)
		return;
	rank = cvss_rank(dbb, c);
	if (!strncmp(c->version, "3.", 2) && rank > v->cvss3_rank) {
		v->cvss3_vector = intern(dbb, c->vector, oom);
		v->cvss3_source = intern(dbb, c->source, oom);
		v->cvss3_score = cvss_score(c);
		v->cvss3_rank = rank;
	} else if (!strncmp(c->version, "4.", 2) && rank > v->cvss4_rank) {
		v->cvss4_vector = intern(dbb, c->vector, oom);
		v->cvss4_source = intern(dbb, c->source, oom);
		v->cvss4_score = cvss_score(c);
		v->cvss4_rank = rank;
	}
}

static struct dbb_vuln *vuln_get(struct moat_dbb *dbb, const char *id, bool *oom)
{
	const char *iid = intern(dbb, id, oom);
	struct dbb_vuln *v;

	if (!iid)
		return NULL;
	v = moat_hmap_get(&dbb->vulns, iid, strlen(iid));
	if (v)
		return v;
	v = moat_arena_new0(dbb->arena, struct dbb_vuln);
	if (!v || moat_hmap_put(&dbb->vulns, iid, strlen(iid), v) < 0) {
		*oom = true;
		return NULL;
	}
	v->id = iid;
	v->cvss3_score = -1;
	v->cvss4_score = -1;
	return v;
}

/* Field-by-field merge of one advisory into its record. */
static int vuln_merge(struct moat_dbb *dbb, struct dbb_vuln *v, const struct moat_advisory *adv)
{
	bool oom = false;
	int srank = 0;

	if (!v->summary && adv->summary)
		v->summary = dbb_intern(dbb, adv->summary, summary_len(adv->summary), &oom);
	if (!v->published)
		v->published = intern(dbb, adv->published, &oom);
	if (adv->modified && (!v->modified || strcmp(adv->modified, v->modified) > 0))
		v->modified = intern(dbb, adv->modified, &oom);
	if (adv->severity && *adv->severity && strcmp(adv->severity, "unknown") != 0)
		srank = cur_feed_is(dbb, "nvd") ? 2 : 1;
	if (srank > v->severity_rank) {
		v->severity = intern(dbb, adv->severity, &oom);
		v->severity_rank = srank;
	}
	for (size_t i = 0; i < adv->n_cvss; i++)
		take_cvss(dbb, v, &adv->cvss[i], &oom);
	if (oom || list_add_all(dbb, &v->aliases, adv->aliases, adv->n_aliases, UINT32_MAX) < 0 ||
	    list_add_all(dbb, &v->cwes, adv->cwes, adv->n_cwes, UINT32_MAX) < 0 ||
	    list_add_all(dbb, &v->refs, adv->references, adv->n_references,
			 MOAT_DBB_MAX_REFS) < 0)
		return -ENOMEM;
	return 0;
}

static int ents_reserve(struct moat_dbb *dbb)
{
	struct dbb_entry *n;
	size_t cap;

	if (dbb->n_ents < dbb->cap_ents)
		return 0;
	cap = dbb->cap_ents ? dbb->cap_ents * 2 : 1024;
	if (cap > SIZE_MAX / sizeof(*n))
		return -ENOMEM;
	n = realloc(dbb->ents, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	dbb->ents = n;
	dbb->cap_ents = cap;
	return 0;
}

static int entry_copy(struct moat_dbb *dbb, struct dbb_entry *e, const struct moat_adv_affected *a,
		      bool *oom)
{
	struct moat_adv_range *rs = NULL;
	const char **vs = NULL;

	if (a->n_ranges > UINT32_MAX || a->n_versions > UINT32_MAX)
		return MOAT_E_LIMIT;
	if (a->n_ranges) {
		rs = moat_arena_newarray(dbb->arena, struct moat_adv_range, a->n_ranges);
		if (!rs)
			return -ENOMEM;
	}
	for (size_t i = 0; i < a->n_ranges; i++) {
		rs[i].introduced = intern(dbb, a->ranges[i].introduced, oom);
		rs[i].fixed = intern(dbb, a->ranges[i].fixed, oom);
		rs[i].last_affected = intern(dbb, a->ranges[i].last_affected, oom);
		rs[i].limit = intern(dbb, a->ranges[i].limit, oom);
	}
	if (a->n_versions) {
		vs = moat_arena_newarray(dbb->arena, const char *, a->n_versions);
		if (!vs)
			return -ENOMEM;
	}
	for (size_t i = 0; i < a->n_versions; i++)
		vs[i] = intern(dbb, a->versions[i], oom);
	e->ranges = rs;
	e->n_ranges = (uint32_t)a->n_ranges;
	e->versions = vs;
	e->n_versions = (uint32_t)a->n_versions;
	e->severity = intern(dbb, a->severity, oom);
	e->note = intern(dbb, a->note, oom);
	return *oom ? -ENOMEM : 0;
}

/* One entry per affected item; items without a usable name are skipped. */
static int add_affected(struct moat_dbb *dbb, struct dbb_vuln *v, const struct moat_adv_affected *a)
{
	char name[DBB_MAX_NAME];
	struct dbb_entry *e;
	bool oom = false;
	int r;

	if (!a->ecosystem || !*a->ecosystem || !a->package || !*a->package)
		return 0;
	if (moat_pkgname_normalize(a->ecosystem, a->package, name, sizeof(name)) < 0)
		return 0;
	if (!name[0] || ents_reserve(dbb) < 0)
		return name[0] ? -ENOMEM : 0;
	e = &dbb->ents[dbb->n_ents];
	memset(e, 0, sizeof(*e));
	e->ecosystem = intern(dbb, a->ecosystem, &oom);
	e->package = intern(dbb, name, &oom);
	e->vuln = v;
	e->status = (uint8_t)a->status;
	e->range_type = (uint8_t)a->range_type;
	e->seq = dbb->n_ents;
	r = entry_copy(dbb, e, a, &oom);
	if (r < 0)
		return r;
	dbb->n_ents++;
	return 0;
}

static int oom_error(struct moat_error *err, const char *id)
{
	return moat_error_set(err, MOAT_E_LIMIT, "db build: %s: out of builder memory",
			      id ? id : "?");
}

static void source_newest(struct moat_dbb *dbb, const char *date, bool *oom)
{
	if (date && (!dbb->cur->newest || strcmp(date, dbb->cur->newest) > 0))
		dbb->cur->newest = intern(dbb, date, oom);
}

static int sink_advisory(void *ctx, const struct moat_advisory *adv, struct moat_error *err)
{
	struct moat_dbb *dbb = ctx;
	struct dbb_vuln *v;
	bool oom = false;
	int r;

	dbb->stats.advisories++;
	if (dbb->cur) {
		dbb->cur->records++;
		/* Go's vulndb writes modified as the zero time: published counts too. */
		source_newest(dbb, adv->modified, &oom);
		source_newest(dbb, adv->published, &oom);
	}
	if (!adv->id || !*adv->id)
		return moat_error_set(err, MOAT_E_FORMAT, "db build: advisory without an id");
	v = vuln_get(dbb, adv->id, &oom);
	if (!v || oom)
		return oom_error(err, adv->id);
	/* A withdrawn record takes the id out of the DB, whatever else said it. */
	if (adv->withdrawn && *adv->withdrawn) {
		dbb->stats.withdrawn++;
		v->withdrawn = true;
		return 0;
	}
	if (vuln_merge(dbb, v, adv) < 0)
		return oom_error(err, adv->id);
	for (size_t i = 0; i < adv->n_affected; i++) {
		dbb->stats.affected++;
		r = add_affected(dbb, v, &adv->affected[i]);
		if (r == MOAT_E_LIMIT)
			return moat_error_set(err, r, "db build: %s: too many ranges", adv->id);
		if (r < 0)
			return oom_error(err, adv->id);
	}
	return 0;
}

static int sink_kev(void *ctx, const struct moat_adv_kev *kev, struct moat_error *err)
{
	struct moat_dbb *dbb = ctx;
	struct dbb_kev *k;
	const char *cve;
	bool oom = false;

	dbb->stats.kev++;
	if (dbb->cur)
		dbb->cur->records++;
	cve = intern(dbb, kev->cve, &oom);
	if (!cve)
		return oom ? oom_error(err, kev->cve) : 0;
	k = moat_hmap_get(&dbb->kev, cve, strlen(cve));
	if (!k) {
		k = moat_arena_new0(dbb->arena, struct dbb_kev);
		if (!k || moat_hmap_put(&dbb->kev, cve, strlen(cve), k) < 0)
			return oom_error(err, cve);
	}
	k->date_added = intern(dbb, kev->date_added, &oom);
	k->ransomware = kev->ransomware;
	return oom ? oom_error(err, cve) : 0;
}

static int sink_epss(void *ctx, const struct moat_adv_epss *epss, struct moat_error *err)
{
	struct moat_dbb *dbb = ctx;
	struct dbb_epss *e;
	const char *cve;
	bool oom = false;

	dbb->stats.epss++;
	if (dbb->cur)
		dbb->cur->records++;
	cve = intern(dbb, epss->cve, &oom);
	if (!cve)
		return oom ? oom_error(err, epss->cve) : 0;
	e = moat_hmap_get(&dbb->epss, cve, strlen(cve));
	if (!e) {
		e = moat_arena_new0(dbb->arena, struct dbb_epss);
		if (!e || moat_hmap_put(&dbb->epss, cve, strlen(cve), e) < 0)
			return oom_error(err, cve);
	}
	e->probability = epss->probability;
	e->percentile = epss->percentile;
	return 0;
}

struct moat_adv_sink moat_dbb_sink(struct moat_dbb *dbb)
{
	return (struct moat_adv_sink){
		.advisory = sink_advisory,
		.kev = sink_kev,
		.epss = sink_epss,
		.ctx = dbb,
	};
}
