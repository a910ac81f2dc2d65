/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed_debian_test.c - the Debian security tracker parser.
 *
 * The shared sample (tracker shape, facts from real Debian changelogs) must
 * parse whole, emit exactly one advisory per (source, CVE) pair as counted
 * here independently with jansson, and agree with the changelog oracle
 * (debian12-changelog-cves.jsonl) on every fixed version. A hand-written
 * document covers the statuses the sample cannot hold.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "harness.h"
#include "test-io.h"
#include "moat/error.h"
#include "vuln/feed.h"

struct blob {
	char *data;
	size_t len;
};

static bool load(const char *rel, bool shared, struct blob *b)
{
	const char *src = getenv("MOAT_SRC");
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s%s", src ? src : ".",
		 shared ? "../shared/testdata/" : "tests/data/", rel);
	b->data = test_slurp(path, 0, &b->len);
	if (!b->data)
		printf("# cannot read %s\n", path);
	return b->data != NULL;
}

/* ---- the shared sample ------------------------------------------------ */

struct collect {
	struct moat_arena *arena;
	struct moat_hmap fixed;         /* "source\tCVE" -> fixed version (Debian:12) */
	size_t calls;
	size_t bad;                     /* advisories not shaped as the sample implies */
};

static int collect_adv(void *ctx, const struct moat_advisory *adv, struct moat_error *err)
{
	struct collect *c = ctx;
	const struct moat_adv_affected *a = &adv->affected[0];
	char *key, *val;

	c->calls++;
	if (adv->n_affected != 1 || strcmp(a->ecosystem, "Debian:12") != 0 ||
	    a->status != MOAT_ADV_FIXED || a->n_ranges != 1 || !a->ranges[0].fixed) {
		c->bad++;
		return 0;
	}
	key = moat_arena_printf(c->arena, "%s\t%s", a->package, adv->id);
	val = moat_arena_strdup(c->arena, a->ranges[0].fixed);
	if (!key || !val || moat_hmap_put(&c->fixed, key, strlen(key), val) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "test: out of memory");
	return 0;
}

/* (source, CVE) pairs in the document, counted without the parser. */
static size_t count_pairs(const struct blob *b)
{
	json_error_t jerr;
	json_t *doc = json_loadb(b->data, b->len, 0, &jerr), *pkg;
	const char *name;
	size_t n = 0;

	json_object_foreach(doc, name, pkg)
		n += json_object_size(pkg);
	json_decref(doc);
	return n;
}

static void test_feed_debian__shared_sample(void)
{
	struct blob b, oracle;
	struct collect c = { .arena = moat_arena_open(0) };
	struct moat_adv_sink sink = { .advisory = collect_adv, .ctx = &c };
	struct moat_feed_stats stats = { 0 };
	struct moat_error err = { 0 };
	size_t pairs, lines = 0, found = 0, same = 0;
	char *line, *save = NULL;
	int r;

	moat_hmap_init(&c.fixed);
	if (!load("vulndb/debian-tracker-bookworm.json", true, &b) ||
	    !load("vulndb/debian12-changelog-cves.jsonl", true, &oracle)) {
		CHECK(0);
		return;
	}
	CHECK_STR(moat_feed_sniff("debian-tracker-bookworm.json", (const uint8_t *)b.data, b.len),
		  "debian-tracker");
	r = moat_feed_debian_tracker((const uint8_t *)b.data, b.len, "debian-tracker-bookworm.json",
				     &sink, &stats, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	CHECK_INT(r, 0);
	pairs = count_pairs(&b);
	printf("# %zu (source, CVE) pairs, %zu advisories, %zu skipped\n", pairs, stats.records,
	       stats.skipped);
	CHECK(pairs > 2000);
	CHECK_INT(stats.records, pairs);
	CHECK_INT(c.calls, pairs);
	CHECK_INT(stats.skipped, 0);
	CHECK_INT(c.bad, 0);
	CHECK_INT(c.fixed.count, pairs);

	/* Every changelog fact: the tracker advisory says the same fixed version. */
	for (line = strtok_r(oracle.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *row = json_loads(line, 0, &jerr);
		const char *src = json_string_value(json_object_get(row, "source"));
		const char *cve = json_string_value(json_object_get(row, "cve"));
		const char *fix = json_string_value(json_object_get(row, "fixed_version"));
		char key[512];
		const char *got;

		lines++;
		snprintf(key, sizeof(key), "%s\t%s", src ? src : "", cve ? cve : "");
		got = moat_hmap_get(&c.fixed, key, strlen(key));
		found += got != NULL;
		same += got && fix && strcmp(got, fix) == 0;
		if (got && fix && strcmp(got, fix) != 0 && lines - same < 5)
			printf("# %s: tracker %s, changelog %s\n", key, got, fix);
		json_decref(row);
	}
	printf("# oracle: %zu rows, %zu found, %zu same fixed version\n", lines, found, same);
	CHECK(lines >= 2000);
	CHECK_INT(found, lines);
	CHECK_INT(same, lines);
	moat_hmap_release(&c.fixed);
	moat_arena_close(c.arena);
	free(b.data);
	free(oracle.data);
}

/* ---- statuses, by hand ------------------------------------------------ */

#define MAX_GOT 16
#define MAX_AFF 8

struct got_aff {
	char eco[32], pkg[32], fixed[32], sev[32], note[32];
	enum moat_adv_status status;
	size_t n_ranges;
};

struct got {
	char id[48];
	bool details;
	size_t n;
	struct got_aff aff[MAX_AFF];
};

struct got_all {
	struct got adv[MAX_GOT];
	size_t n;
};

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "(null)");
}

static int snapshot(void *ctx, const struct moat_advisory *adv, struct moat_error *err)
{
	struct got_all *all = ctx;
	struct got *g;

	if (all->n == MAX_GOT)
		return moat_error_set(err, MOAT_E_LIMIT, "test: too many advisories");
	g = &all->adv[all->n++];
	copy(g->id, sizeof(g->id), adv->id);
	g->details = adv->details != NULL;
	g->n = adv->n_affected;
	for (size_t i = 0; i < adv->n_affected && i < MAX_AFF; i++) {
		const struct moat_adv_affected *a = &adv->affected[i];
		struct got_aff *ga = &g->aff[i];

		copy(ga->eco, sizeof(ga->eco), a->ecosystem);
		copy(ga->pkg, sizeof(ga->pkg), a->package);
		copy(ga->fixed, sizeof(ga->fixed), a->n_ranges ? a->ranges[0].fixed : NULL);
		copy(ga->sev, sizeof(ga->sev), a->severity);
		copy(ga->note, sizeof(ga->note), a->note);
		ga->status = a->status;
		ga->n_ranges = a->n_ranges;
	}
	return 0;
}

static const struct got_aff *find(const struct got_all *all, const char *id, const char *eco)
{
	for (size_t i = 0; i < all->n; i++)
		for (size_t j = 0; strcmp(all->adv[i].id, id) == 0 && j < all->adv[i].n; j++)
			if (strcmp(all->adv[i].aff[j].eco, eco) == 0)
				return &all->adv[i].aff[j];
	printf("# no %s for %s\n", eco, id);
	return NULL;
}

struct expect {
	const char *id, *eco, *pkg;
	enum moat_adv_status status;
	const char *fixed, *sev, *note;
};

static const struct expect expected[] = {
	{ "CVE-2023-0464", "Debian:12", "openssl", MOAT_ADV_FIXED, "3.0.8-1", "(null)", "(null)" },
	{ "CVE-2023-0464", "Debian:11", "openssl", MOAT_ADV_FIXED, "1.1.1n-0+deb11u5", "(null)",
	  "(null)" },
	{ "CVE-2023-0464", "Debian:10", "openssl", MOAT_ADV_WONT_FIX, "(null)", "(null)",
	  "end-of-life" },
	{ "CVE-2023-0464", "Debian:13", "openssl", MOAT_ADV_FIXED, "3.0.8-1", "(null)", "(null)" },
	{ "CVE-2023-0464", "Debian:unstable", "openssl", MOAT_ADV_FIXED, "3.0.8-1", "(null)",
	  "(null)" },
	{ "CVE-2007-6755", "Debian:12", "openssl", MOAT_ADV_NOT_AFFECTED, "(null)", "unimportant",
	  "(null)" },
	{ "CVE-2024-2379", "Debian:12", "curl", MOAT_ADV_WONT_FIX, "(null)", "unimportant",
	  "unimportant" },
	{ "CVE-2023-38546", "Debian:12", "curl", MOAT_ADV_FIXED, "7.88.1-10+deb12u4", "low",
	  "(null)" },
	{ "CVE-2023-38546", "Debian:11", "curl", MOAT_ADV_UNFIXED, "(null)", "low", "no-dsa" },
	{ "CVE-2010-4756", "Debian:12", "glibc", MOAT_ADV_WONT_FIX, "(null)", "low", "ignored" },
	{ "CVE-2010-4756", "Debian:13", "glibc", MOAT_ADV_UNFIXED, "(null)", "(null)",
	  "undetermined" },
	{ "CVE-2025-0395", "Debian:12", "glibc", MOAT_ADV_UNFIXED, "(null)", "medium", "postponed" },
	{ "TEMP-0000000-A2B4F6", "Debian:unstable", "glibc", MOAT_ADV_UNFIXED, "(null)", "high",
	  "(null)" },
};

static void test_feed_debian__statuses(void)
{
	static struct got_all all;
	struct moat_adv_sink sink = { .advisory = snapshot, .ctx = &all };
	struct moat_feed_stats stats = { 0 };
	struct moat_error err = { 0 };
	struct blob b;
	int r;

	if (!load("vuln/tracker-statuses.json", false, &b)) {
		CHECK(0);
		return;
	}
	r = moat_feed_debian_tracker((const uint8_t *)b.data, b.len, "tracker-statuses.json",
				     &sink, &stats, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(stats.records, 7);
	CHECK_INT(stats.skipped, 1);            /* DSA-5000-1 is not an issue id */
	CHECK_INT(all.n, 7);
	CHECK_INT(all.adv[0].n, 5);             /* "experimental" is not a release */
	CHECK(all.adv[0].details);
	CHECK(!all.adv[6].details);             /* empty description */
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		const struct expect *e = &expected[i];
		const struct got_aff *g = find(&all, e->id, e->eco);

		CHECK(g != NULL);
		if (!g)
			continue;
		CHECK_STR(g->pkg, e->pkg);
		CHECK_INT(g->status, e->status);
		CHECK_STR(g->fixed, e->fixed);
		CHECK_STR(g->sev, e->sev);
		CHECK_STR(g->note, e->note);
		CHECK_INT(g->n_ranges, e->status == MOAT_ADV_FIXED ? 1 : 0);
	}
	free(b.data);
}

/* ---- hostile and broken documents ------------------------------------- */

static int abort_sink(void *ctx, const struct moat_advisory *adv, struct moat_error *err)
{
	return moat_error_set(err, -1234, "sink says stop");
}

static void test_feed_debian__errors(void)
{
	static const struct {
		const char *doc;
		int code;
		const char *in_msg;
	} rows[] = {
		{ "", MOAT_E_FORMAT, "t.json" },
		{ "[]", MOAT_E_FORMAT, "expected an object" },
		{ "{", MOAT_E_TRUNCATED, "t.json" },
		{ "{\"a\": {\"CVE-1\": {}}", MOAT_E_TRUNCATED, "t.json" },
		{ "{\"a\": []}", MOAT_E_FORMAT, "a" },
		{ "{\"a\": {\"CVE-1\": 3}}", MOAT_E_FORMAT, "a.CVE-1" },
		{ "{\"a\": {\"CVE-1\": {\"releases\": {\"bookworm\": \"x\"}}}}", MOAT_E_FORMAT,
		  "a.CVE-1.releases.bookworm" },
		{ "{\"a\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"status\": 1}}}}}",
		  MOAT_E_FORMAT, "releases.bookworm.status" },
		{ "{\"a\": {\"CVE-1\": {\"releases\": [] }}}", MOAT_E_FORMAT, "releases" },
		{ "{\"a\": {}} x", MOAT_E_FORMAT, "trailing" },
		{ "{\"a\": {} \"b\": {}}", MOAT_E_FORMAT, "','" },
		{ "{\"a\": {\"CVE-1\": {\"CVE-1\": 1, \"CVE-1\": 2}}}", MOAT_E_FORMAT, "a" },
		{ "{\"a\": {\"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		  "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		  "]]]]]]]]]]]]]]]]]]]]]]]]}}", MOAT_E_LIMIT, "deep" },
	};
	struct moat_adv_sink sink = { .advisory = abort_sink };
	struct moat_adv_sink none = { 0 };
	const char *ok = "{\"a\": {\"CVE-1\": {\"releases\": {\"sid\": {\"status\": \"open\"}}}}}";
	struct moat_error err;
	int r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&err, 0, sizeof(err));
		r = moat_feed_debian_tracker((const uint8_t *)rows[i].doc, strlen(rows[i].doc),
					     "t.json", &none, NULL, &err);
		if (r != rows[i].code || !strstr(err.msg, rows[i].in_msg))
			printf("# row %zu: %d \"%s\"\n", i, r, err.msg);
		CHECK_INT(r, rows[i].code);
		CHECK(strstr(err.msg, rows[i].in_msg) != NULL);
	}
	/* A sink's error stops the parse and comes back unchanged. */
	r = moat_feed_debian_tracker((const uint8_t *)ok, strlen(ok), "t.json", &sink, NULL, &err);
	CHECK_INT(r, -1234);
	CHECK_STR(err.msg, "sink says stop");
}

int main(void)
{
	MOAT_RUN(test_feed_debian__shared_sample);
	MOAT_RUN(test_feed_debian__statuses);
	MOAT_RUN(test_feed_debian__errors);
	return moat_test_done();
}
