/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-debian.c - the Debian security tracker's JSON export
 * (security-tracker.debian.org/tracker/data/json):
 *   { SOURCE: { "CVE-...": { "description", "releases": { CODENAME: {
 *       "status", "fixed_version", "urgency", "nodsa", "nodsa_reason" } } } } }
 * One advisory per (CVE, source package), one affected entry per release.
 * The document is walked one source package at a time (feed-scan.h), so a
 * 100 MB export never becomes one jansson tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "feed-doc.h"
#include "feed-scan.h"
#include "feed.h"

/* A CVE lists each supported release once: 6-8 in practice. */
#define TRACKER_MAX_RELEASES 64u
/* Longest urgency word kept ("not yet assigned" is the longest real one). */
#define TRACKER_URGENCY_MAX 32u

static const struct {
	const char *codename;
	const char *ecosystem;
} tracker_releases[] = {
	{ "wheezy", "Debian:7" }, { "jessie", "Debian:8" }, { "stretch", "Debian:9" },
	{ "buster", "Debian:10" }, { "bullseye", "Debian:11" }, { "bookworm", "Debian:12" },
	{ "trixie", "Debian:13" }, { "forky", "Debian:14" }, { "duke", "Debian:15" },
	{ "sid", "Debian:unstable" },
};

struct tracker {
	const struct moat_adv_sink *sink;
	struct moat_feed_stats *stats;
	struct feed_walk w;
	struct moat_adv_affected aff[TRACKER_MAX_RELEASES];
	struct moat_adv_range ranges[TRACKER_MAX_RELEASES];
	char urgency[TRACKER_MAX_RELEASES][TRACKER_URGENCY_MAX];
};

static const char *tracker_ecosystem(const char *codename)
{
	for (size_t i = 0; i < sizeof(tracker_releases) / sizeof(tracker_releases[0]); i++)
		if (strcmp(codename, tracker_releases[i].codename) == 0)
			return tracker_releases[i].ecosystem;
	return NULL;
}

/* Urgency without the tracker's "**" marks (urgency guessed from other
 * sources); NULL when it carries no severity ("not yet assigned", eol). */
static const char *tracker_severity(const char *urgency, char *buf)
{
	size_t n;

	if (!urgency)
		return NULL;
	n = strcspn(urgency, "*");
	if (n == 0 || n >= TRACKER_URGENCY_MAX || strncmp(urgency, "not yet assigned", n) == 0 ||
	    strncmp(urgency, "end-of-life", n) == 0)
		return NULL;
	memcpy(buf, urgency, n);
	buf[n] = '\0';
	return buf;
}

/* Status of an open issue and the reason kept in note, strongest first:
 * release out of support, issue unimportant, DSA ignored, postponed, no DSA. */
static void tracker_open(struct moat_adv_affected *a, const char *urgency, const json_t *rel,
			 const char *reason)
{
	bool eol = urgency && strncmp(urgency, "end-of-life", 11) == 0;
	bool unimportant = urgency && strncmp(urgency, "unimportant", 11) == 0;

	a->status = MOAT_ADV_UNFIXED;
	if (eol || unimportant || (reason && strcmp(reason, "ignored") == 0))
		a->status = MOAT_ADV_WONT_FIX;
	if (eol)
		a->note = "end-of-life";
	else if (unimportant)
		a->note = "unimportant";
	else if (reason && strcmp(reason, "ignored") == 0)
		a->note = "ignored";
	else if (reason && strcmp(reason, "postponed") == 0)
		a->note = "postponed";
	else if (json_object_get(rel, "nodsa"))
		a->note = "no-dsa";
}

/* Fill slot i from one release object. Returns 1 when usable, 0 to skip it
 * (unknown status, resolved without a version), or an error. */
static int tracker_release(struct tracker *t, size_t i, const char *package, const json_t *rel)
{
	struct moat_adv_affected *a = &t->aff[i];
	const char *status, *fixed, *urgency, *reason;
	int r;

	if (!json_is_object(rel))
		return feed_fail(&t->w, "expected an object, got %s", feed_type_name(rel));
	r = feed_get_str(&t->w, rel, "status", &status);
	if (r >= 0)
		r = feed_get_str(&t->w, rel, "fixed_version", &fixed);
	if (r >= 0)
		r = feed_get_str(&t->w, rel, "urgency", &urgency);
	if (r >= 0)
		r = feed_get_str(&t->w, rel, "nodsa_reason", &reason);
	if (r < 0)
		return r;
	memset(a, 0, sizeof(*a));
	a->package = package;
	a->range_type = MOAT_RANGE_ECOSYSTEM;
	a->severity = tracker_severity(urgency, t->urgency[i]);
	if (!status)
		return 0;
	if (strcmp(status, "resolved") == 0) {
		if (!fixed || !*fixed)
			return 0;
		if (strcmp(fixed, "0") == 0) {
			a->status = MOAT_ADV_NOT_AFFECTED;
			return 1;
		}
		a->status = MOAT_ADV_FIXED;
		t->ranges[i] = (struct moat_adv_range){ .fixed = fixed };
		a->ranges = &t->ranges[i];
		a->n_ranges = 1;
		return 1;
	}
	if (strcmp(status, "open") == 0) {
		tracker_open(a, urgency, rel, reason);
		return 1;
	}
	if (strcmp(status, "undetermined") == 0) {
		a->status = MOAT_ADV_UNFIXED;
		a->note = "undetermined";
		return 1;
	}
	return 0;
}

/* One (CVE, source) pair: an advisory with one affected entry per known release. */
static int tracker_cve(struct tracker *t, const char *package, const char *id, const json_t *cve,
		       struct moat_error *err)
{
	struct moat_advisory adv = { .id = id };
	const char *description, *codename;
	json_t *releases, *rel;
	size_t n = 0, mark;
	int r;

	if (!json_is_object(cve))
		return feed_fail(&t->w, "expected an object, got %s", feed_type_name(cve));
	r = feed_get_str(&t->w, cve, "description", &description);
	if (r >= 0)
		r = feed_get_object(&t->w, cve, "releases", &releases);
	if (r < 0)
		return r;
	json_object_foreach(releases, codename, rel) {
		const char *eco = tracker_ecosystem(codename);

		if (!eco)
			continue;       /* "experimental" and releases we do not know */
		if (n == TRACKER_MAX_RELEASES)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: %s: more than %u releases",
					      t->w.origin, t->w.path, TRACKER_MAX_RELEASES);
		mark = feed_path_key(&t->w, "releases");
		feed_path_key(&t->w, codename);
		r = tracker_release(t, n, package, rel);
		feed_path_pop(&t->w, mark);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		t->aff[n].ecosystem = eco;
		n++;
	}
	if (n == 0) {
		t->stats->skipped++;
		return 0;
	}
	adv.details = description && *description ? description : NULL;
	adv.affected = t->aff;
	adv.n_affected = n;
	if (t->sink->advisory) {
		r = t->sink->advisory(t->sink->ctx, &adv, err);
		if (r < 0)
			return r;
	}
	t->stats->records++;
	return 0;
}

/* All CVEs of one source package (one member of the top-level object). */
static int tracker_package(struct tracker *t, const char *package, struct moat_slice raw,
			   struct moat_error *err)
{
	char what[MOAT_ERRMSG_MAX];
	json_t *pkg, *cve;
	const char *id;
	size_t mark;
	int r = 0;

	snprintf(what, sizeof(what), "%s: %s", t->w.origin, package);
	r = moat_json_parse(raw.ptr, raw.len, FEED_MAX_RECORD_BYTES, what, &pkg, err);
	if (r < 0)
		return r;
	mark = feed_path_key(&t->w, package);
	if (!json_is_object(pkg))
		r = feed_fail(&t->w, "expected an object, got %s", feed_type_name(pkg));
	json_object_foreach(pkg, id, cve) {
		size_t m2;

		if (r < 0)
			break;
		/* TEMP-... ids are tracker issues without a CVE yet: still advisories. */
		if (strncmp(id, "CVE-", 4) != 0 && strncmp(id, "TEMP-", 5) != 0) {
			t->stats->skipped++;
			continue;
		}
		m2 = feed_path_key(&t->w, id);
		r = tracker_cve(t, package, id, cve, err);
		feed_path_pop(&t->w, m2);
	}
	feed_path_pop(&t->w, mark);
	json_decref(pkg);
	return r;
}

static int tracker_walk(struct tracker *t, const uint8_t *data, size_t len, struct moat_buf *name,
			struct moat_error *err)
{
	struct feed_scan scan;
	struct moat_slice key, value;
	int r;

	feed_scan_init(&scan, data, len, t->w.origin);
	r = feed_scan_enter(&scan, '{', err);
	while (r >= 0) {
		r = feed_scan_next(&scan, &key, &value, err);
		if (r <= 0)
			break;
		r = feed_scan_decode_key(&scan, key, name, err);
		if (r < 0)
			break;
		if (!name->len || memchr(name->data, '\0', name->len)) {
			t->stats->skipped++;
			continue;
		}
		r = tracker_package(t, (const char *)name->data, value, err);
	}
	return r < 0 ? r : feed_scan_finish(&scan, err);
}

int moat_feed_debian_tracker(const uint8_t *data, size_t len, const char *origin,
			     const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
			     struct moat_error *err)
{
	struct moat_feed_stats local = { 0 };
	struct moat_buf name;
	struct tracker *t;
	int r;

	if ((!data && len) || !sink)
		return moat_error_set(err, MOAT_E_USAGE, "debian tracker: no data or sink");
	if (len > FEED_MAX_DOC_BYTES)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %zu bytes, too big", origin, len);
	t = calloc(1, sizeof(*t));
	if (!t)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", origin);
	t->sink = sink;
	t->stats = stats ? stats : &local;
	feed_walk_init(&t->w, origin, err);
	moat_buf_init(&name, MOAT_LIMIT_PATH_BYTES);
	r = tracker_walk(t, data, len, &name, err);
	moat_buf_release(&name);
	free(t);
	return r;
}
