/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed_osv_test.c - OSV and Alpine secdb parsers, and the YAML converter, on
 * the real upstream snapshots in shared/testdata/vulndb (read as .tar.zst
 * with libzstd and our tar reader), on hand-checked records, and on hostile
 * documents.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/yaml.h"
#include "harness.h"
#include "test-io.h"
#include "image/tar.h"
#include "moat/error.h"
#include "vuln/feed.h"

/* ---- reading the shared archives ---- */

typedef int (*member_fn)(void *ctx, const char *path, const uint8_t *data, size_t len);

static const char *vulndb_dir(void)
{
	static char path[4096];
	const char *env = getenv("MOAT_SHARED");

	snprintf(path, sizeof(path), "%s/vulndb", env ? env : "");
	if (!env)
		snprintf(path, sizeof(path), "%s/../shared/testdata/vulndb",
			 getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".");
	return path;
}

static int unzstd(const struct moat_buf *in, struct moat_buf *out)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer zin = { in->data, in->len, 0 };
	uint8_t chunk[1 << 16];
	int r = 0;

	ZSTD_initDStream(ds);
	while (r == 0 && zin.pos < zin.size) {
		ZSTD_outBuffer zout = { chunk, sizeof(chunk), 0 };
		size_t z = ZSTD_decompressStream(ds, &zout, &zin);

		if (ZSTD_isError(z))
			r = MOAT_E_FORMAT;
		else
			r = moat_buf_append(out, chunk, zout.pos);
	}
	ZSTD_freeDStream(ds);
	return r;
}

/* Call fn for every regular file of name.tar.zst; returns files seen or < 0. */
static long tarzst_each(const char *name, member_fn fn, void *ctx)
{
	char path[4200];
	struct moat_buf z, tarbytes, data;
	struct moat_mem_reader mr;
	struct moat_reader rd;
	struct moat_limits lim;
	struct moat_tar tar;
	struct moat_tar_entry e;
	struct moat_error err = { 0 };
	long files = 0;
	int r;

	moat_buf_init(&z, 0);
	moat_buf_init(&tarbytes, 0);
	moat_buf_init(&data, 0);
	snprintf(path, sizeof(path), "%s/%s", vulndb_dir(), name);
	r = test_read_file(path, &z);
	if (r == 0)
		r = unzstd(&z, &tarbytes);
	if (r < 0) {
		printf("# %s: cannot read (%d)\n", path, r);
		goto out;
	}
	rd = moat_mem_reader(&mr, tarbytes.data, tarbytes.len);
	moat_limits_default(&lim);
	moat_tar_init(&tar, &rd, &lim, name);
	while ((r = moat_tar_next(&tar, &e, &err)) == 1) {
		ssize_t n;
		uint8_t chunk[65536];

		if (e.type != MOAT_TAR_FILE)
			continue;
		moat_buf_reset(&data);
		while ((n = moat_tar_read(&tar, chunk, sizeof(chunk), &err)) > 0)
			if (moat_buf_append(&data, chunk, (size_t)n) < 0)
				n = -ENOMEM;
		if (n < 0) {
			r = (int)n;
			break;
		}
		files++;
		r = fn(ctx, e.path, data.data ? data.data : (const uint8_t *)"", data.len);
		if (r < 0)
			break;
	}
	moat_tar_release(&tar);
	if (r < 0)
		printf("# %s: %s\n", name, err.msg);
out:
	moat_buf_release(&z);
	moat_buf_release(&tarbytes);
	moat_buf_release(&data);
	return r < 0 ? r : files;
}

/* ---- a sink that sums and, for one id, writes the advisory as text ---- */

struct collect {
	const char *want_id;            /* dump this one (NULL: none) */
	struct moat_buf dump;
	size_t advisories, aliases, versions, withdrawn, cvss, references;
	struct moat_arena *arena;       /* keys of ids */
	struct moat_hmap ids;           /* "member\nCVE" pairs (alpine) */
	const char *member;
};

static const char *s_or_dash(const char *s)
{
	return s ? s : "-";
}

static void dump_adv(struct moat_buf *b, const struct moat_advisory *a)
{
	moat_buf_appendf(b, "id=%s\n", a->id);
	for (size_t i = 0; i < a->n_aliases; i++)
		moat_buf_appendf(b, "alias=%s\n", a->aliases[i]);
	if (a->withdrawn)
		moat_buf_appendf(b, "withdrawn=%s\n", a->withdrawn);
	if (a->severity)
		moat_buf_appendf(b, "severity=%s\n", a->severity);
	for (size_t i = 0; i < a->n_cvss; i++)
		moat_buf_appendf(b, "cvss=%s %s %s\n", a->cvss[i].version, a->cvss[i].vector,
				 a->cvss[i].source);
	for (size_t i = 0; i < a->n_cwes; i++)
		moat_buf_appendf(b, "cwe=%s\n", a->cwes[i]);
	moat_buf_appendf(b, "refs=%zu\n", a->n_references);
	for (size_t i = 0; i < a->n_affected; i++) {
		const struct moat_adv_affected *f = &a->affected[i];

		moat_buf_appendf(b, "affected=%s|%s|%s status=%d type=%d\n", f->ecosystem,
				 f->package, s_or_dash(f->purl), (int)f->status, (int)f->range_type);
		for (size_t k = 0; k < f->n_ranges; k++)
			moat_buf_appendf(b, " range=%s..%s la=%s limit=%s\n",
					 s_or_dash(f->ranges[k].introduced),
					 s_or_dash(f->ranges[k].fixed),
					 s_or_dash(f->ranges[k].last_affected),
					 s_or_dash(f->ranges[k].limit));
		if (f->n_versions)
			moat_buf_appendf(b, " versions=%zu %s %s\n", f->n_versions, f->versions[0],
					 f->versions[f->n_versions - 1]);
	}
}

static int collect_adv(void *ctx, const struct moat_advisory *a, struct moat_error *err)
{
	struct collect *c = ctx;

	c->advisories++;
	c->aliases += a->n_aliases;
	c->withdrawn += a->withdrawn != NULL;
	c->cvss += a->n_cvss;
	c->references += a->n_references;
	for (size_t i = 0; i < a->n_affected; i++)
		c->versions += a->affected[i].n_versions;
	if (c->want_id && strcmp(c->want_id, a->id) == 0)
		dump_adv(&c->dump, a);
	if (c->arena && c->member) {
		char *key = moat_arena_printf(c->arena, "%s\n%s", c->member, a->id);

		if (key)
			moat_hmap_put(&c->ids, key, strlen(key), key);
	}
	return 0;
}

static void collect_init(struct collect *c, const char *want_id)
{
	memset(c, 0, sizeof(*c));
	c->want_id = want_id;
	moat_buf_init(&c->dump, 0);
	moat_hmap_init(&c->ids);
}

static void collect_release(struct collect *c)
{
	moat_buf_release(&c->dump);
	moat_hmap_release(&c->ids);
	moat_arena_close(c->arena);
}

/* ---- whole archives ---- */

struct run {
	int (*parse)(const uint8_t *, size_t, const char *, const struct moat_adv_sink *,
		     struct moat_feed_stats *, struct moat_error *);
	const char *archive;
	const char *only;               /* member path to parse (NULL: all) */
	struct moat_adv_sink sink;
	struct collect *col;
	struct moat_feed_stats stats;
	size_t errors;
	double seconds;
};

static int run_member(void *ctx, const char *path, const uint8_t *data, size_t len)
{
	struct run *run = ctx;
	char origin[512];
	struct moat_error err = { 0 };
	struct timespec t0, t1;
	int r;

	if (run->only && strcmp(run->only, path) != 0)
		return 0;
	snprintf(origin, sizeof(origin), "%s:%s", run->archive, path);
	run->col->member = path;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	r = run->parse(data, len, origin, &run->sink, &run->stats, &err);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	run->seconds += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r < 0 && run->errors++ < 5)
		printf("# %s\n", err.msg);
	return 0;
}

static long run_archive(struct run *run, struct collect *col)
{
	run->col = col;
	run->sink.advisory = collect_adv;
	run->sink.ctx = col;
	return tarzst_each(run->archive, run_member, run);
}

/* Totals below were computed independently with Python (json, and PyYAML's
 * BaseLoader, which keeps every scalar as text) over the same archives. */
static void test_feed_osv__go_all(void)
{
	struct collect col;
	struct run run = { .parse = moat_feed_osv, .archive = "osv-go.tar.zst" };
	long files;

	collect_init(&col, NULL);
	files = run_archive(&run, &col);
	CHECK_INT(files, 3431);
	CHECK_INT(run.errors, 0);
	CHECK_INT(run.stats.records, 3431);
	CHECK_INT(run.stats.skipped, 0);
	CHECK_INT(col.aliases, 6366);
	CHECK_INT(col.withdrawn, 10);
	CHECK_INT(col.references, 12474);
	printf("# go: %zu records, %zu skipped, %.3f s CPU, %.0f records/s\n", run.stats.records,
	       run.stats.skipped, run.seconds, (double)run.stats.records / run.seconds);
	collect_release(&col);
}

static void test_feed_osv__pypi_all(void)
{
	struct collect col;
	struct run run = { .parse = moat_feed_osv, .archive = "osv-pypi.tar.zst" };
	long files;

	collect_init(&col, NULL);
	files = run_archive(&run, &col);
	CHECK_INT(files, 2142);
	CHECK_INT(run.errors, 0);
	CHECK_INT(run.stats.records, 2142);
	CHECK_INT(col.aliases, 3612);
	CHECK_INT(col.versions, 113421);
	CHECK_INT(col.withdrawn, 6);
	CHECK_INT(col.cvss, 159);
	CHECK_INT(col.references, 8275);
	printf("# pypi: %zu records, %zu skipped, %.3f s CPU, %.0f records/s\n", run.stats.records,
	       run.stats.skipped, run.seconds, (double)run.stats.records / run.seconds);
	collect_release(&col);
}

/* Strict "CVE-YYYY-NNNN" ids found textually in one secdb file, as "member\nid". */
static int alpine_text_ids(void *ctx, const char *path, const uint8_t *data, size_t len)
{
	struct collect *text = ctx;
	const char *s = (const char *)data;

	for (size_t i = 0; i + 13 <= len; i++) {
		size_t d = 0;
		char *key;

		if (memcmp(s + i, "CVE-", 4) || s[i + 8] != '-')
			continue;
		if (strspn(s + i + 4, "0123456789") < 4)
			continue;
		while (i + 9 + d < len && s[i + 9 + d] >= '0' && s[i + 9 + d] <= '9')
			d++;
		if (d < 4)
			continue;
		key = moat_arena_printf(text->arena, "%s\n%.*s", path, (int)(9 + d), s + i);
		if (key)
			moat_hmap_put(&text->ids, key, strlen(key), key);
	}
	return 0;
}

static void test_feed_osv__alpine_all(void)
{
	struct collect col, text;
	struct run run = { .parse = moat_feed_alpine_secdb, .archive = "alpine-secdb.tar.zst" };
	size_t only_parsed = 0, only_text = 0;
	long files;

	collect_init(&col, NULL);
	collect_init(&text, NULL);
	col.arena = moat_arena_open(0);
	text.arena = moat_arena_open(0);
	files = run_archive(&run, &col);
	CHECK_INT(files, 18);
	CHECK_INT(run.errors, 0);
	CHECK_INT(tarzst_each("alpine-secdb.tar.zst", alpine_text_ids, &text), 18);
	/* Every clean id in the text is emitted for its file; the parser adds only
	 * the ids it repaired from typos. Lines with "CVE-????-?????" or only
	 * XSA-/wnpa-sec- ids are skipped. */
	for (size_t i = 0; i < text.ids.cap; i++)
		if (text.ids.slots[i].key &&
		    !moat_hmap_get(&col.ids, text.ids.slots[i].key, text.ids.slots[i].key_len)) {
			only_text++;
			printf("# not emitted: %s\n", text.ids.slots[i].key);
		}
	for (size_t i = 0; i < col.ids.cap; i++) {
		const char *k = col.ids.slots[i].key;

		if (!k || moat_hmap_get(&text.ids, k, col.ids.slots[i].key_len))
			continue;
		only_parsed++;
		CHECK(strstr(k, "\nCVE-2018-16859") || strstr(k, "\nCVE-2019-2426"));
	}
	CHECK_INT(only_text, 0);
	CHECK(only_parsed >= 1);
	CHECK(run.stats.skipped > 0);
	printf("# alpine: %zu advisories (%zu file+id pairs), %zu lines skipped, %zu repaired\n",
	       run.stats.records, col.ids.count, run.stats.skipped, only_parsed);
	collect_release(&col);
	collect_release(&text);
}

/* ---- single records, checked against their raw text ---- */

static void check_record(int (*parse)(const uint8_t *, size_t, const char *,
				      const struct moat_adv_sink *, struct moat_feed_stats *,
				      struct moat_error *),
			 const char *archive, const char *member, const char *id,
			 const char *expected)
{
	struct collect col;
	struct run run = { .parse = parse, .archive = archive, .only = member };

	collect_init(&col, id);
	run_archive(&run, &col);
	CHECK_INT(run.errors, 0);
	CHECK_STR(col.dump.data ? (const char *)col.dump.data : "", expected);
	collect_release(&col);
}

static void test_feed_osv__go_semver_ranges(void)
{
	check_record(moat_feed_osv, "osv-go.tar.zst", "data/osv/GO-2025-3772.json", "GO-2025-3772",
		     "id=GO-2025-3772\nalias=CVE-2025-3227\nalias=GHSA-qwwm-c582-82rx\nrefs=3\n"
		     "affected=Go|github.com/mattermost/mattermost-server|- status=0 type=1\n"
		     " range=0..0.0.0-20250520060012-d0380305ef7a la=- limit=-\n"
		     " range=9.11.0+incompatible..9.11.16+incompatible la=- limit=-\n"
		     " range=10.5.0+incompatible..10.5.6+incompatible la=- limit=-\n"
		     " range=10.6.0+incompatible..10.6.6+incompatible la=- limit=-\n"
		     " range=10.7.0+incompatible..10.7.3+incompatible la=- limit=-\n"
		     " range=10.8.0+incompatible..10.8.1+incompatible la=- limit=-\n"
		     "affected=Go|github.com/mattermost/mattermost-server/v5|- status=0 type=1\n"
		     " range=0..- la=- limit=-\n"
		     "affected=Go|github.com/mattermost/mattermost-server/v6|- status=0 type=1\n"
		     " range=0..- la=- limit=-\n"
		     "affected=Go|github.com/mattermost/mattermost/server/v8|- status=0 type=1\n"
		     " range=0..8.0.0-20250520060012-d0380305ef7a la=- limit=-\n");
}

static void test_feed_osv__go_withdrawn(void)
{
	check_record(moat_feed_osv, "osv-go.tar.zst", "data/osv/GO-2024-2730.json", "GO-2024-2730",
		     "id=GO-2024-2730\nwithdrawn=2024-04-17T18:06:23Z\nrefs=1\n"
		     "affected=Go|github.com/gorilla/sessions|- status=0 type=1\n"
		     " range=0..- la=- limit=-\n");
}

static void test_feed_osv__pypi_last_affected(void)
{
	check_record(moat_feed_osv, "osv-pypi.tar.zst", "vulns/py/PYSEC-2022-42969.yaml",
		     "PYSEC-2022-42969",
		     "id=PYSEC-2022-42969\nalias=CVE-2022-42969\nalias=GHSA-w596-4wvx-j9j6\nrefs=5\n"
		     "affected=PyPI|py|pkg:pypi/py status=0 type=0\n"
		     " range=0..- la=1.11.0 limit=-\n versions=65 0.8.0-alpha2 1.11.0\n");
}

/* Quoted "0.9" must stay text, not become the number 0.9. */
static void test_feed_osv__pypi_quoted_versions(void)
{
	check_record(moat_feed_osv, "osv-pypi.tar.zst", "vulns/lxml/PYSEC-2014-9.yaml",
		     "PYSEC-2014-9",
		     "id=PYSEC-2014-9\nalias=CVE-2014-3146\nrefs=14\n"
		     "affected=PyPI|lxml|pkg:pypi/lxml status=0 type=0\n"
		     " range=0..3.3.5 la=- limit=-\n versions=101 0.9 3.3.4\n");
}

/* Plain (unquoted) timestamp stays a string; withdrawn record with a CVSS vector. */
static void test_feed_osv__pypi_withdrawn(void)
{
	check_record(moat_feed_osv, "osv-pypi.tar.zst", "vulns/hyperledger/PYSEC-2022-43055.yaml",
		     "PYSEC-2022-43055",
		     "id=PYSEC-2022-43055\nalias=CVE-2022-45196\nwithdrawn=2023-08-22T06:18:00Z\n"
		     "cvss=3.1 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H pysec\nrefs=4\n"
		     "affected=PyPI|hyperledger|pkg:pypi/hyperledger status=0 type=0\n"
		     " range=0..- la=- limit=-\n versions=13 0.0.2 0.1.5\n");
}

/* GIT and ECOSYSTEM ranges in one affected entry become two entries. */
static void test_feed_osv__pypi_git_split(void)
{
	check_record(moat_feed_osv, "osv-pypi.tar.zst", "vulns/cdo-local-uuid/PYSEC-2024-6.yaml",
		     "PYSEC-2024-6",
		     "id=PYSEC-2024-6\nalias=CVE-2024-22194\nalias=GHSA-rgrf-6mf5-m882\n"
		     "cvss=3.1 CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N pysec\nrefs=15\n"
		     "affected=PyPI|cdo-local-uuid|pkg:pypi/cdo-local-uuid status=0 type=0\n"
		     " range=0..- la=- limit=-\n versions=2 0.4.0 0.5.0\n"
		     "affected=PyPI|cdo-local-uuid|pkg:pypi/cdo-local-uuid status=0 type=2\n"
		     " range=0..00864cd12de7c50d882dd1a74915d32e939c25f9 la=- limit=-\n"
		     " range=-..1cccae8eb3cf94b3a28f6490efa0fbf5c82ebd6b la=- limit=-\n"
		     " range=-..5acb929dfb599709d1c8c90d1824dd79e0fd9e10 la=- limit=-\n"
		     " range=-..7e02d18383eabbeb9fb4ec97d81438c9980a4790 la=- limit=-\n"
		     " range=-..80551f49241c874c7c50e14abe05c5017630dad2 la=- limit=-\n"
		     " range=-..939775f956796d0432ecabbf62782ed7ad1007b5 la=- limit=-\n"
		     " range=-..db428a0745dac4fdd888ced9c52f617695519f9d la=- limit=-\n"
		     " range=-..e4ffadc3d56fd303b8f465d727c4a58213d311a1 la=- limit=-\n"
		     " range=-..fca7388f09feccd3b9ea88e6df9c7a43a5349452 la=- limit=-\n"
		     " range=-..fdc32414eccfcbde6be0fd91b7f491cc0779b02d la=- limit=-\n"
		     " range=0..9e78f7cb1075728d0aafc918514f32a1392cd235 la=- limit=-\n");
}

static void test_feed_osv__alpine_records(void)
{
	const char *a = "alpine-secdb.tar.zst";

	/* "0": Oracle Berkeley DB issues whitelisted, db not affected. */
	check_record(moat_feed_alpine_secdb, a, "alpine-secdb/v3.8/main.yaml", "CVE-2016-0682",
		     "id=CVE-2016-0682\nrefs=0\naffected=Alpine:v3.8|db|- status=4 type=0\n");
	/* "CVE 2018-16859" under ansible 2.7.3-r0. */
	check_record(moat_feed_alpine_secdb, a, "alpine-secdb/v3.9/main.yaml", "CVE-2018-16859",
		     "id=CVE-2018-16859\nrefs=0\naffected=Alpine:v3.9|ansible|- status=1 type=0\n"
		     " range=-..2.7.3-r0 la=- limit=-\n");
	/* "CVE_2019-2426" under openjdk7 7.211.2.6.17-r0; openjdk8 lists it cleanly. */
	check_record(moat_feed_alpine_secdb, a, "alpine-secdb/v3.10/community.yaml", "CVE-2019-2426",
		     "id=CVE-2019-2426\nrefs=0\naffected=Alpine:v3.10|openjdk7|- status=1 type=0\n"
		     " range=-..7.211.2.6.17-r0 la=- limit=-\n"
		     "id=CVE-2019-2426\nrefs=0\naffected=Alpine:v3.10|openjdk8|- status=1 type=0\n"
		     " range=-..8.201.08-r0 la=- limit=-\n");
	/* "CVE-2017-5753 CVE-2017-5715 CVE-2017-5754 XSA-254 XPTI" under xen 4.9.1-r3. */
	check_record(moat_feed_alpine_secdb, a, "alpine-secdb/v3.7/main.yaml", "CVE-2017-5715",
		     "id=CVE-2017-5715\nalias=XSA-254\nrefs=0\n"
		     "affected=Alpine:v3.7|xen|- status=1 type=0\n range=-..4.9.1-r3 la=- limit=-\n");
	/* Listed under 2.4.2-r0 and (backport) 2.2.10-r0. */
	check_record(moat_feed_alpine_secdb, a, "alpine-secdb/v3.8/community.yaml", "CVE-2017-15191",
		     "id=CVE-2017-15191\nrefs=0\naffected=Alpine:v3.8|wireshark|- status=1 type=0\n"
		     " range=-..2.4.2-r0 la=- limit=-\n range=-..2.2.10-r0 la=- limit=-\n");
}

/* The current JSON secdb format, a bare entry list and a single entry. */
static void test_feed_osv__alpine_shapes(void)
{
	static const char json[] =
		"{\"apkurl\":\"{{urlprefix}}/x.apk\",\"archs\":[\"x86_64\"],\"reponame\":\"main\","
		"\"urlprefix\":\"https://dl-cdn.alpinelinux.org/alpine\",\"distroversion\":\"v3.18\","
		"\"packages\":[{\"pkg\":{\"name\":\"openssl\",\"secfixes\":{\"3.1.4-r0\":"
		"[\"CVE-2023-5363\"],\"0\":[\"CVE-2022-1234 (not affected)\"]}}}]}";
	static const char list[] = "- pkg:\n    name: zlib\n    secfixes:\n      1.2.11-r4:\n"
				   "        - CVE-2018-25032\n";
	static const char one[] = "pkg:\n  name: zlib\n  secfixes:\n    1.2.11-r4:\n"
				  "      - CVE-2018-25032\n      - XSA-1\n      - 2019\n";
	struct collect col;
	struct moat_adv_sink sink = { .advisory = collect_adv };
	struct moat_feed_stats st = { 0 };
	struct moat_error err = { 0 };

	collect_init(&col, "CVE-2022-1234");
	sink.ctx = &col;
	CHECK_INT(moat_feed_alpine_secdb((const uint8_t *)json, strlen(json), "main.json", &sink, &st,
					 &err), 0);
	CHECK_INT(st.records, 2);
	CHECK_STR((const char *)col.dump.data,
		  "id=CVE-2022-1234\nrefs=0\naffected=Alpine:v3.18|openssl|- status=4 type=0\n");
	CHECK_INT(moat_feed_alpine_secdb((const uint8_t *)list, strlen(list), "x/v3.11/main.yaml",
					 &sink, &st, &err), 0);
	CHECK_INT(st.records, 3);
	CHECK_INT(moat_feed_alpine_secdb((const uint8_t *)one, strlen(one), "3.12/main.yaml", &sink,
					 &st, &err), 0);
	/* No release in the document or the path: usable only with one, so skipped. */
	CHECK_INT(st.records, 3);
	CHECK_INT(st.skipped, 1);
	collect_release(&col);
}

/* ---- hostile input ---- */

struct bad_row {
	int alpine;
	const char *doc;
	int code;
	const char *msg;        /* expected substring of the error */
};

static const struct bad_row bad_rows[] = {
	{ 0, "{\"id\": 5}", MOAT_E_FORMAT, "t.json: id: expected a string, got a number" },
	{ 0, "{\"summary\": \"x\"}", MOAT_E_FORMAT, "t.json: document: record has no id" },
	{ 0, "{\"id\":\"A\",\"aliases\":\"CVE-1\"}", MOAT_E_FORMAT, "aliases: expected an array" },
	{ 0, "{\"id\":\"A\",\"aliases\":[\"x\",{}]}", MOAT_E_FORMAT, "aliases[1]: expected a string" },
	{ 0, "{\"id\":\"A\",\"withdrawn\":true}", MOAT_E_FORMAT, "withdrawn: expected a string" },
	{ 0, "{\"id\":\"A\",\"severity\":{}}", MOAT_E_FORMAT, "severity: expected an array" },
	{ 0, "{\"id\":\"A\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":9.8}]}", MOAT_E_FORMAT,
	  "severity[0].score: expected a string" },
	{ 0, "{\"id\":\"A\",\"references\":[\"http://x\"]}", MOAT_E_FORMAT,
	  "references[0]: expected an object" },
	{ 0, "{\"id\":\"A\",\"database_specific\":[]}", MOAT_E_FORMAT,
	  "database_specific: expected an object" },
	{ 0, "{\"id\":\"A\",\"affected\":{}}", MOAT_E_FORMAT, "affected: expected an array" },
	{ 0, "{\"id\":\"A\",\"affected\":[{\"package\":\"x\"}]}", MOAT_E_FORMAT,
	  "affected[0].package: expected an object" },
	{ 0, "{\"id\":\"A\",\"affected\":[{\"package\":{\"name\":[]}}]}", MOAT_E_FORMAT,
	  "affected[0].package.name: expected a string" },
	{ 0, "{\"id\":\"A\",\"affected\":[{\"versions\":[1.5]}]}", MOAT_E_FORMAT,
	  "affected[0].versions[0]: expected a string, got a number" },
	{ 0, "{\"id\":\"A\",\"affected\":[{\"ranges\":[{\"type\":1}]}]}", MOAT_E_FORMAT,
	  "affected[0].ranges[0].type: expected a string" },
	{ 0, "{\"id\":\"A\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\",\"events\":{}}]}]}",
	  MOAT_E_FORMAT, "affected[0].ranges[0].events: expected an array" },
	{ 0, "{\"id\":\"A\",\"affected\":[{\"ranges\":[{\"type\":\"SEMVER\",\"events\":"
	     "[{\"introduced\":\"0\"},{\"fixed\":1.5}]}]}]}",
	  MOAT_E_FORMAT, "affected[0].ranges[0].events[1].fixed: expected a string, got a number" },
	{ 0, "[{\"id\":\"A\"},{\"id\":\"B\",\"affected\":[{\"ranges\":[{\"type\":\"GIT\","
	     "\"events\":[[]]}]}]}]",
	  MOAT_E_FORMAT, "t.json: [1].affected[0].ranges[0].events[0]: expected an object" },
	{ 0, "id: A\naffected:\n- versions: {a: 1}\n", MOAT_E_FORMAT,
	  "affected[0].versions: expected an array" },
	{ 0, "42", MOAT_E_FORMAT, "expected an OSV record (object), got a number" },
	{ 0, "{\"id\": \"A\"", MOAT_E_FORMAT, "t.json: line 1" },
	{ 0, "id: [A\n", MOAT_E_FORMAT, "t.json: line " },
	{ 0, "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	     "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
	  MOAT_E_LIMIT, "aliases expand to too many nodes" },
	{ 1, "{\"distroversion\":\"v3.18\",\"packages\":{}}", MOAT_E_FORMAT,
	  "t.json: packages: expected an array" },
	{ 1, "{\"distroversion\":3,\"packages\":[]}", MOAT_E_FORMAT, "distroversion: expected a string" },
	{ 1, "{\"distroversion\":\"v3.18\",\"packages\":[{\"pkg\":\"x\"}]}", MOAT_E_FORMAT,
	  "packages[0].pkg: expected an object" },
	{ 1, "{\"distroversion\":\"v3.18\",\"packages\":[{\"pkg\":{\"name\":\"a\",\"secfixes\":[]}}]}",
	  MOAT_E_FORMAT, "packages[0].pkg.secfixes: expected an object" },
	{ 1, "{\"distroversion\":\"v3.18\",\"packages\":[{\"pkg\":{\"name\":\"a\",\"secfixes\":"
	     "{\"1.2-r0\":[\"CVE-2020-1234\",{}]}}}]}",
	  MOAT_E_FORMAT, "packages[0].pkg.secfixes.1.2-r0[1]: expected a string, got an object" },
	{ 1, "\"text\"", MOAT_E_FORMAT, "expected a secdb document" },
};

static void test_feed_osv__hostile_fields(void)
{
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		const struct bad_row *row = &bad_rows[i];
		struct moat_error err = { 0 };
		struct moat_adv_sink sink = { 0 };
		bool hit;
		int r;

		r = (row->alpine ? moat_feed_alpine_secdb : moat_feed_osv)(
			(const uint8_t *)row->doc, strlen(row->doc), "t.json", &sink, NULL, &err);
		CHECK_INT(r, row->code);
		hit = strstr(err.msg, row->msg) != NULL;
		if (!hit)
			printf("# row %zu: got \"%s\"\n", i, err.msg);
		CHECK(hit);
	}
}

static void check_fails(const char *what, const struct moat_buf *doc, int code)
{
	struct moat_error err = { 0 };
	int r = moat_feed_osv(doc->data, doc->len, what, NULL, NULL, &err);

	CHECK_INT(r, code);
	CHECK(strncmp(err.msg, what, strlen(what)) == 0);
	printf("# %s: %s\n", what, err.msg);
}

/* Deep nesting in both syntaxes, huge strings, over-size documents. */
static void test_feed_osv__hostile_shapes(void)
{
	struct moat_buf doc;
	struct collect col;
	struct moat_adv_sink sink = { .advisory = collect_adv, .ctx = &col };
	struct moat_error err = { 0 };
	size_t big = 8u << 20;

	moat_buf_init(&doc, 0);
	for (int i = 0; i < 100000; i++)
		moat_buf_putc(&doc, '[');
	check_fails("deep.json", &doc, MOAT_E_FORMAT);
	moat_buf_reset(&doc);
	for (int i = 0; i < 100000; i++)
		moat_buf_append_str(&doc, "- ");
	moat_buf_append_str(&doc, "x\n");
	check_fails("deep.yaml", &doc, MOAT_E_FORMAT);
	moat_buf_reset(&doc);
	moat_buf_append_str(&doc, "id: A\nx: ");
	for (int i = 0; i < 5000; i++)
		moat_buf_putc(&doc, '[');
	check_fails("deepflow.yaml", &doc, MOAT_E_FORMAT);
	/* An 8 MiB summary parses; a document over the 64 MiB bound does not. */
	moat_buf_reset(&doc);
	moat_buf_append_str(&doc, "{\"id\":\"A\",\"summary\":\"");
	moat_buf_reserve(&doc, big);
	memset(doc.data + doc.len, 'a', big);
	doc.len += big;
	moat_buf_append_str(&doc, "\"}");
	collect_init(&col, "A");
	CHECK_INT(moat_feed_osv(doc.data, doc.len, "huge.json", &sink, NULL, &err), 0);
	CHECK_INT(col.advisories, 1);
	collect_release(&col);
	moat_buf_reset(&doc);
	moat_buf_append_str(&doc, "id: A\nsummary: ");
	moat_buf_reserve(&doc, 65u << 20);
	memset(doc.data + doc.len, 'a', 65u << 20);
	doc.len += 65u << 20;
	check_fails("toobig.yaml", &doc, MOAT_E_LIMIT);
	moat_buf_release(&doc);
}

/* ---- the YAML converter ---- */

static void test_feed_osv__yaml_scalars(void)
{
	static const char doc[] =
		"i: 12\nneg: -3\nhex: 0x1F\noct: 0o17\nf: 1.5\nexp: 1e3\nv: 1.10.0\nq: \"1.0\"\n"
		"s: '7'\nt: true\nT: True\nyes: yes\nn: ~\ne:\nbig: 99999999999999999999\n"
		"inf: .inf\nstr: !!str 12\nblock: |\n  two\n  lines\nts: 2023-08-22T06:18:00Z\n"
		"anch: &x [1, b]\nref: *x\n";
	static const char want[] =
		"{\"i\": 12, \"neg\": -3, \"hex\": 31, \"oct\": 15, \"f\": 1.5, \"exp\": 1000.0, "
		"\"v\": \"1.10.0\", \"q\": \"1.0\", \"s\": \"7\", \"t\": true, \"T\": true, "
		"\"yes\": \"yes\", \"n\": null, \"e\": null, \"big\": \"99999999999999999999\", "
		"\"inf\": \".inf\", \"str\": \"12\", \"block\": \"two\\nlines\\n\", "
		"\"ts\": \"2023-08-22T06:18:00Z\", \"anch\": [1, \"b\"], \"ref\": [1, \"b\"]}";
	struct moat_error err = { 0 };
	json_t *j = NULL;
	char *text;

	CHECK_INT(moat_yaml_parse((const uint8_t *)doc, strlen(doc), "s.yaml", 1 << 20, 64, &j,
				  &err), 0);
	text = j ? json_dumps(j, JSON_PRESERVE_ORDER) : NULL;
	CHECK_STR(text, want);
	free(text);
	json_decref(j);
}

static void test_feed_osv__yaml_errors(void)
{
	static const struct {
		const char *doc;
		int code;
		const char *msg;
	} rows[] = {
		{ "a: 1\na: 2\n", MOAT_E_FORMAT, "y.yaml: line 2, column 4: duplicate mapping key" },
		{ "--- 1\n--- 2\n", MOAT_E_FORMAT, "more than one document" },
		{ "a: *nope\n", MOAT_E_FORMAT, "unknown or unfinished anchor" },
		{ "a: &a [*a]\n", MOAT_E_FORMAT, "unknown or unfinished anchor" },
		{ "? [a]\n: b\n", MOAT_E_FORMAT, "complex mapping keys" },
		{ "a: [1, 2\nb: c", MOAT_E_FORMAT, "y.yaml: line " },
		{ "[[[[1]]]]", MOAT_E_FORMAT, "nesting is too deep" },
		{ "a: \"\\xff\"\n", 0, NULL },
		/* libfyaml 0.7.12 loops forever on this (fuzz finding). */
		{ "%YAML\x95 1.2\n---\na: b\n", MOAT_E_FORMAT, "y.yaml: byte 5: not valid UTF-8" },
		{ "a: \xed\xa0\x80\n", MOAT_E_FORMAT, "byte 3: not valid UTF-8" },
		{ "", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_error err = { 0 };
		json_t *j = NULL;
		int r = moat_yaml_parse((const uint8_t *)rows[i].doc, strlen(rows[i].doc), "y.yaml",
					1 << 20, 3, &j, &err);

		CHECK_INT(r, rows[i].code);
		if (rows[i].msg && !strstr(err.msg, rows[i].msg))
			printf("# row %zu: \"%s\" lacks \"%s\"\n", i, err.msg, rows[i].msg);
		CHECK(!rows[i].msg || strstr(err.msg, rows[i].msg));
		json_decref(j);
	}
}

int main(void)
{
	MOAT_RUN(test_feed_osv__go_all);
	MOAT_RUN(test_feed_osv__pypi_all);
	MOAT_RUN(test_feed_osv__alpine_all);
	MOAT_RUN(test_feed_osv__go_semver_ranges);
	MOAT_RUN(test_feed_osv__go_withdrawn);
	MOAT_RUN(test_feed_osv__pypi_last_affected);
	MOAT_RUN(test_feed_osv__pypi_quoted_versions);
	MOAT_RUN(test_feed_osv__pypi_withdrawn);
	MOAT_RUN(test_feed_osv__pypi_git_split);
	MOAT_RUN(test_feed_osv__alpine_records);
	MOAT_RUN(test_feed_osv__alpine_shapes);
	MOAT_RUN(test_feed_osv__hostile_fields);
	MOAT_RUN(test_feed_osv__hostile_shapes);
	MOAT_RUN(test_feed_osv__yaml_scalars);
	MOAT_RUN(test_feed_osv__yaml_errors);
	return moat_test_done();
}
