/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_test.c - matching, owner attribution, risk and suppressions.
 *
 * The DB is compiled in memory from REAL feed documents: chosen OSV Go and
 * PyPI records read out of shared/testdata/vulndb/osv-*.tar.zst (through the
 * builder's own archive walker), the whole derived Debian tracker file and
 * the Alpine secdb archive. What those files cannot contain (an OSV "limit",
 * a versions-only record, the tracker's not-affected / open / no-dsa states,
 * an OSV Debian record aliasing a tracker CVE) is added as small documents
 * in the upstream formats, with ids that say they are ours (MOAT-TEST-*,
 * CVE-2099-*). Expected results come from the records themselves (quoted
 * next to each check), not from moat.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "harness.h"
#include "image/image.h"
#include "moat/error.h"
#include "risk/risk.h"
#include "sbom/os.h"
#include "vuln/db-build.h"
#include "vuln/feed.h"
#include "vuln/match.h"
#include "vuln/owner.h"
#include "vuln/suppress.h"
#include "vuln/vulndb.h"

static struct moat_vulndb *db;
static struct moat_buf db_bytes;
static struct moat_arena *arena;
static char tmpdir[] = "/tmp/match_test.XXXXXX";

/* ---- building the DB ---- */

static const char *const wanted_ids[] = {
	"GO-2023-2185",     /* stdlib: [0,1.20.11) [1.21.0-0,1.21.4) */
	"GO-2023-1569",     /* stdlib: [0,1.19.6) [1.20.0-0,1.20.1) */
	"GO-2020-0013",     /* golang.org/x/crypto: fixed 0.0.0-20170330155735-e4e2799dd7aa */
	"GO-2022-0603",     /* gopkg.in/yaml.v3: fixed 3.0.0-20220521103104-8f96da9f5d5e */
	"GO-2026-4960",     /* neko/server: [0.0.0-20250326225119-.., 0.0.0-20260406184107-..) */
	"PYSEC-2022-42969", /* py: introduced 0, last_affected 1.11.0 */
	"PYSEC-2018-35",    /* aiohttp-session: fixed 2.7.0 */
	"PYSEC-2020-341",   /* jw.util: fixed 2.3, versions incl. "-class.-jw.util.version.Version-" */
};

struct filter {
	struct moat_adv_sink next;
	struct moat_dbb *dbb;
};

static bool wanted(const char *id)
{
	for (size_t i = 0; i < sizeof(wanted_ids) / sizeof(wanted_ids[0]); i++)
		if (!strcmp(id, wanted_ids[i]))
			return true;
	return false;
}

/* OSV records: only the chosen ones; other feeds (tracker, secdb) whole. */
static int filter_advisory(void *ctx, const struct moat_advisory *adv, struct moat_error *err)
{
	struct filter *f = ctx;
	bool osv = !strncmp(adv->id, "GO-", 3) || !strncmp(adv->id, "PYSEC-", 6) ||
		   !strncmp(adv->id, "GHSA-", 5);

	if (osv && !wanted(adv->id))
		return 0;
	return f->next.advisory(f->next.ctx, adv, err);
}

static int filter_source(void *ctx, const char *feed, const char *origin, const char *date,
			 struct moat_error *err)
{
	struct filter *f = ctx;

	return moat_dbb_source(f->dbb, feed, origin, date, err);
}

static const char *shared_path(const char *name, char *buf, size_t len)
{
	const char *env = getenv("MOAT_SHARED");

	if (env)
		snprintf(buf, len, "%s/vulndb/%s", env, name);
	else
		snprintf(buf, len, "%s/../shared/testdata/vulndb/%s",
			 getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".", name);
	return buf;
}

/* Documents in upstream formats for what the shared snapshot cannot hold. */
static const char osv_limit[] =
	"{\"id\":\"MOAT-TEST-LIMIT\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{"
	"\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"moat-limit-demo\"},\"ranges\":[{"
	"\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.0\"},{\"limit\":\"1.5\"}]}]}]}";
static const char osv_versions[] =
	"{\"id\":\"MOAT-TEST-VERSIONS\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":[{"
	"\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"moat-versions-demo\"},"
	"\"versions\":[\"1.0\",\"1.2\"]}]}";
/* An OSV Debian advisory (DSA-style) naming the tracker's CVE-2023-38545 as alias. */
static const char osv_dsa[] =
	"{\"id\":\"MOAT-TEST-DSA-1\",\"modified\":\"2023-10-11T00:00:00Z\","
	"\"aliases\":[\"CVE-2023-38545\"],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","
	"\"name\":\"curl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
	"{\"fixed\":\"7.88.1-10+deb12u4\"}]}]}]}";
/* The tracker's other states, in its JSON shape. */
static const char tracker_states[] =
	"{\"openssl\":{"
	"\"CVE-2099-0001\":{\"description\":\"\",\"releases\":{\"bookworm\":{\"status\":\"resolved\","
	"\"fixed_version\":\"0\",\"urgency\":\"unimportant\"}}},"
	"\"CVE-2099-0002\":{\"description\":\"\",\"releases\":{\"bookworm\":{\"status\":\"open\","
	"\"urgency\":\"low\",\"nodsa\":\"Minor issue\",\"nodsa_reason\":\"\"}}},"
	"\"CVE-2099-0003\":{\"description\":\"\",\"releases\":{\"bookworm\":{\"status\":\"open\","
	"\"urgency\":\"low\",\"nodsa\":\"Minor issue\",\"nodsa_reason\":\"ignored\"}}},"
	"\"CVE-2099-0004\":{\"description\":\"\",\"releases\":{\"bookworm\":{\"status\":\"open\","
	"\"urgency\":\"high\"}}},"
	"\"CVE-2099-0005\":{\"description\":\"\",\"releases\":{\"bookworm\":{\"status\":\"open\","
	"\"urgency\":\"not yet assigned\"}}}}}";
/* CVSS 9.8 for the tracker's CVE-2099-0004 (urgency high) and -0005 (no
 * urgency), on a PyPI package too. */
static const char osv_cvss[] =
	"{\"id\":\"CVE-2099-0004\",\"modified\":\"2024-01-01T00:00:00Z\",\"severity\":[{"
	"\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
	"\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"moat-cvss-demo\"},"
	"\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}";
static const char osv_cvss5[] =
	"{\"id\":\"CVE-2099-0005\",\"modified\":\"2024-01-01T00:00:00Z\",\"severity\":[{"
	"\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N\"}],"
	"\"affected\":[]}";

static int feed_doc(struct moat_dbb *dbb, const char *feed, const char *doc,
		    struct moat_error *err)
{
	struct moat_adv_sink sink = moat_dbb_sink(dbb);
	struct moat_feed_stats st = { 0 };
	int r = moat_dbb_source(dbb, feed, "match_test", NULL, err);

	if (r < 0)
		return r;
	if (!strcmp(feed, "osv"))
		return moat_feed_osv((const uint8_t *)doc, strlen(doc), feed, &sink, &st, err);
	return moat_feed_debian_tracker((const uint8_t *)doc, strlen(doc), feed, &sink, &st, err);
}

static int build_db(struct moat_error *err)
{
	static const char *const files[] = { "osv-go.tar.zst", "osv-pypi.tar.zst",
					     "debian-tracker-bookworm.json", "alpine-secdb.tar.zst" };
	struct moat_dbb *dbb = NULL;
	struct filter f;
	struct moat_adv_sink sink;
	char path[4096];
	int r = moat_dbb_open(&dbb, err);

	if (r < 0)
		return r;
	f = (struct filter){ moat_dbb_sink(dbb), dbb };
	sink = (struct moat_adv_sink){ filter_advisory, f.next.kev, f.next.epss, &f };
	for (size_t i = 0; r == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		struct moat_feed_walker w = { .sink = &sink, .source = filter_source, .ctx = &f };

		r = moat_feed_load(shared_path(files[i], path, sizeof(path)), &w, err);
	}
	if (r == 0)
		r = feed_doc(dbb, "osv", osv_limit, err);
	if (r == 0)
		r = feed_doc(dbb, "osv", osv_versions, err);
	if (r == 0)
		r = feed_doc(dbb, "osv", osv_dsa, err);
	if (r == 0)
		r = feed_doc(dbb, "debian-tracker", tracker_states, err);
	if (r == 0)
		r = feed_doc(dbb, "osv", osv_cvss, err);
	if (r == 0)
		r = feed_doc(dbb, "osv", osv_cvss5, err);
	moat_buf_init(&db_bytes, 0);
	if (r == 0)
		r = moat_dbb_serialize(dbb, (int64_t)time(NULL), &db_bytes, err);
	moat_dbb_close(dbb);
	if (r == 0)
		r = moat_vulndb_open_mem(db_bytes.data, db_bytes.len, "match_test.db", true, &db, err);
	return r;
}

/* ---- matching helpers ---- */

static struct moat_pkg *pkg(const char *type, const char *name, const char *version,
			    const char *src, const char *src_version)
{
	struct moat_pkg *p = moat_arena_zalloc(arena, sizeof(*p));

	p->type = type;
	p->name = name;
	p->version = version;
	p->source_name = src;
	p->source_version = src_version;
	p->layer_index = -1;
	return p;
}

/* Findings for one package on (os id, VERSION_ID). */
static struct moat_vuln_list match1(const char *os_id, const char *vid, struct moat_pkg *p)
{
	struct moat_os os = { .id = os_id, .version_id = vid };
	struct moat_pkg_list pkgs = { 0 };
	struct moat_vuln_list out = { 0 };
	struct moat_error err = { 0 };

	CHECK_INT(moat_pkg_list_add(arena, &pkgs, p), 0);
	CHECK_INT(moat_vuln_match(db, &os, NULL, &pkgs, arena, &out, &err), 0);
	if (err.msg[0])
		printf("# %s\n", err.msg);
	return out;
}

static const struct moat_vuln_finding *find(const struct moat_vuln_list *l, const char *id)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->items[i]->id, id))
			return l->items[i];
	return NULL;
}

/* Is id reported for the package, and with which fixed version ("-" = none)? */
static void expect(const char *os_id, const char *vid, struct moat_pkg *p, const char *id,
		   const char *fixed)
{
	struct moat_vuln_list l = match1(os_id, vid, p);
	const struct moat_vuln_finding *f = find(&l, id);

	if (!fixed) {
		if (f)
			printf("# %s %s: %s reported, expected not\n", p->name, p->version, id);
		CHECK(f == NULL);
		return;
	}
	if (!f) {
		printf("# %s %s: %s not reported (%zu findings)\n", p->name, p->version, id,
		       l.count);
		CHECK(f != NULL);
		return;
	}
	CHECK_STR(f->fixed_version ? f->fixed_version : "-", fixed);
	CHECK_STR(f->installed_version, p->version);
}

#define GO(name, v) pkg("golang", name, v, NULL, NULL)
#define PY(name, v) pkg("pypi", name, v, NULL, NULL)

/* ---- OSV ---- */

static void test_match__osv_ranges(void)
{
	/* py: introduced 0, last_affected 1.11.0 (inclusive). */
	expect(NULL, NULL, PY("py", "1.11.0"), "PYSEC-2022-42969", "-");
	expect(NULL, NULL, PY("py", "1.4.34"), "PYSEC-2022-42969", "-");
	expect(NULL, NULL, PY("py", "1.11.1"), "PYSEC-2022-42969", NULL);
	/* aiohttp-session: fixed 2.7.0 (exclusive). */
	expect(NULL, NULL, PY("aiohttp-session", "2.6.0"), "PYSEC-2018-35", "2.7.0");
	expect(NULL, NULL, PY("aiohttp-session", "2.7.0"), "PYSEC-2018-35", NULL);
	/* limit 1.5 bounds an interval that has no fix. */
	expect(NULL, NULL, PY("moat-limit-demo", "1.0"), "MOAT-TEST-LIMIT", "-");
	expect(NULL, NULL, PY("moat-limit-demo", "1.4.9"), "MOAT-TEST-LIMIT", "-");
	expect(NULL, NULL, PY("moat-limit-demo", "1.5"), "MOAT-TEST-LIMIT", NULL);
	expect(NULL, NULL, PY("moat-limit-demo", "0.9"), "MOAT-TEST-LIMIT", NULL);
	/* Explicit versions: only the listed ones, even when unparsable in PEP 440. */
	expect(NULL, NULL, PY("moat-versions-demo", "1.2"), "MOAT-TEST-VERSIONS", "-");
	expect(NULL, NULL, PY("moat-versions-demo", "1.1"), "MOAT-TEST-VERSIONS", NULL);
	/* Listed, but in no interval (it does not parse): no fix to name. */
	expect(NULL, NULL, PY("jw.util", "-class.-jw.util.version.Version-"), "PYSEC-2020-341",
	       "-");
	/* Listed and in an interval: that interval's fix. */
	expect(NULL, NULL, PY("jw.util", "1.5.4"), "PYSEC-2020-341", "2.3");
}

static void test_match__pypi_names(void)
{
	/* PEP 503: case and runs of -_. are one. */
	expect(NULL, NULL, PY("Aiohttp_Session", "2.6.0"), "PYSEC-2018-35", "2.7.0");
	expect(NULL, NULL, PY("aiohttp.session", "2.6.0"), "PYSEC-2018-35", "2.7.0");
	expect(NULL, NULL, PY("JW_Util", "2.2"), "PYSEC-2020-341", "2.3");
	expect(NULL, NULL, PY("jw-util", "2.3"), "PYSEC-2020-341", NULL);
	expect(NULL, NULL, PY("aiohttpsession", "2.6.0"), "PYSEC-2018-35", NULL);
}

static void test_match__go(void)
{
	/* The toolchain as binaries say it ("go1.21.3") and as the cataloger writes it. */
	expect(NULL, NULL, GO("stdlib", "go1.21.3"), "GO-2023-2185", "1.21.4");
	expect(NULL, NULL, GO("stdlib", "v1.21.3"), "GO-2023-2185", "1.21.4");
	/* The record's second affected[] entry: the 1.21.4 fix was incomplete. */
	expect(NULL, NULL, GO("stdlib", "go1.21.4"), "GO-2023-2185", "1.21.5");
	expect(NULL, NULL, GO("stdlib", "go1.21.5"), "GO-2023-2185", NULL);
	expect(NULL, NULL, GO("stdlib", "go1.20.11"), "GO-2023-2185", "1.20.12");
	/* The fixed version is the one of the interval the version is in. */
	expect(NULL, NULL, GO("stdlib", "go1.20.10"), "GO-2023-2185", "1.20.11");
	expect(NULL, NULL, GO("stdlib", "go1.19.5"), "GO-2023-1569", "1.19.6");
	expect(NULL, NULL, GO("stdlib", "go1.20.0"), "GO-2023-1569", "1.20.1");
	expect(NULL, NULL, GO("stdlib", "go1.19.6"), "GO-2023-1569", NULL);
	/* Pseudo-versions order by their timestamp. */
	expect(NULL, NULL, GO("golang.org/x/crypto", "v0.0.0-20170101000000-0123456789ab"),
	       "GO-2020-0013", "0.0.0-20170330155735-e4e2799dd7aa");
	expect(NULL, NULL, GO("golang.org/x/crypto", "v0.0.0-20170330155735-e4e2799dd7aa"),
	       "GO-2020-0013", NULL);
	expect(NULL, NULL, GO("golang.org/x/crypto", "v0.1.0"), "GO-2020-0013", NULL);
	expect(NULL, NULL, GO("gopkg.in/yaml.v3", "v3.0.0-20210107192922-496545a6307b"),
	       "GO-2022-0603", "3.0.0-20220521103104-8f96da9f5d5e");
	expect(NULL, NULL, GO("gopkg.in/yaml.v3", "v3.0.1"), "GO-2022-0603", NULL);
	expect(NULL, NULL, GO("github.com/m1k1o/neko/server", "v0.0.0-20250101000000-abcdefabcdef"),
	       "GO-2026-4960", NULL);
	expect(NULL, NULL, GO("github.com/m1k1o/neko/server", "v0.0.0-20251001000000-abcdefabcdef"),
	       "GO-2026-4960", "0.0.0-20260406184107-c54bcf1ee211");
}

/* ---- distros ---- */

static void test_match__debian_source(void)
{
	/* bsdutils in Debian 12 is "1:2.38.1-5+b1" from source util-linux "2.38.1-5":
	 * the tracker fixed CVE-2024-28085 in 2.38.1-5+deb12u1. Compared as a binary
	 * version (epoch 1) it would look fixed. */
	struct moat_pkg *bsd = pkg("deb", "bsdutils", "1:2.38.1-5+b1", "util-linux", "2.38.1-5");

	expect("debian", "12", bsd, "CVE-2024-28085", "2.38.1-5+deb12u1");
	expect("debian", "12", pkg("deb", "bsdutils", "1:2.38.1-5+deb12u1", "util-linux",
				   "2.38.1-5+deb12u1"), "CVE-2024-28085", NULL);
	/* Without a source field the package is its own source. */
	expect("debian", "12", pkg("deb", "curl", "7.88.1-10+deb12u3", NULL, NULL),
	       "CVE-2023-38545", "7.88.1-10+deb12u4");
	expect("debian", "12", pkg("deb", "libcurl4", "7.88.1-10+deb12u3", "curl",
				   "7.88.1-10+deb12u3"), "CVE-2023-38039", NULL);
	/* Another release's ecosystem is not consulted. */
	expect("debian", "11", bsd, "CVE-2024-28085", NULL);
}

static void test_match__debian_states(void)
{
	struct moat_vuln_list l = match1("debian", "12", pkg("deb", "libssl3", "3.0.15-1~deb12u1",
							     "openssl", "3.0.15-1~deb12u1"));
	const struct moat_vuln_finding *nodsa = find(&l, "CVE-2099-0002");
	const struct moat_vuln_finding *ignored = find(&l, "CVE-2099-0003");
	const struct moat_vuln_finding *open = find(&l, "CVE-2099-0004");

	CHECK(find(&l, "CVE-2099-0001") == NULL);       /* resolved "0": not affected */
	CHECK(nodsa && !nodsa->fixed_version && nodsa->status == MOAT_VULN_AFFECTED);
	CHECK(nodsa && nodsa->note && !strcmp(nodsa->note, "no-dsa"));
	CHECK(ignored && !ignored->fixed_version && ignored->status == MOAT_VULN_WONT_FIX);
	CHECK(open && !open->fixed_version && open->status == MOAT_VULN_AFFECTED);
	/* No CVSS in the DB: the tracker's urgency is the severity. */
	CHECK_STR(nodsa ? nodsa->severity : NULL, "low");
	CHECK_STR(nodsa ? nodsa->severity_source : NULL, "debian-urgency");
	CHECK_INT(l.count, 4);
}

/* For an OS package the distribution's word comes before upstream CVSS;
 * without one, CVSS; for a language package CVSS first. */
static void test_match__severity_source(void)
{
	struct moat_vuln_list l = match1("debian", "12", pkg("deb", "libssl3", "3.0.15-1~deb12u1",
							     "openssl", "3.0.15-1~deb12u1"));
	const struct moat_vuln_finding *high = find(&l, "CVE-2099-0004");
	const struct moat_vuln_finding *nya = find(&l, "CVE-2099-0005");
	struct moat_vuln_list py = match1("debian", "12", pkg("pypi", "moat-cvss-demo", "1.0",
							      NULL, NULL));
	const struct moat_vuln_finding *crit = find(&py, "CVE-2099-0004");

	CHECK(high && high->cvss_score > 9.7);
	CHECK_STR(high ? high->severity : NULL, "high");
	CHECK_STR(high ? high->severity_source : NULL, "debian-urgency");
	CHECK_STR(nya ? nya->severity : NULL, "medium");
	CHECK_STR(nya ? nya->severity_source : NULL, "osv");
	CHECK_STR(crit ? crit->severity : NULL, "critical");
	CHECK_STR(crit ? crit->severity_source : NULL, "osv");
}

static void test_match__alpine(void)
{
	/* v3.11 main: busybox secfixes 1.30.1-r2: [CVE-2019-5747]; ssl_client's origin is busybox. */
	expect("alpine", "3.11.6", pkg("apk", "ssl_client", "1.30.1-r1", "busybox", NULL),
	       "CVE-2019-5747", "1.30.1-r2");
	expect("alpine", "3.11.6", pkg("apk", "ssl_client", "1.30.1-r2", "busybox", NULL),
	       "CVE-2019-5747", NULL);
	/* Matched by origin: the binary name has no entry of its own. */
	expect("alpine", "3.11.6", pkg("apk", "ssl_client", "1.30.1-r1", NULL, NULL),
	       "CVE-2019-5747", NULL);
	/* v3.8 main: db secfixes "0": [CVE-2016-0682, ...] are not-affected markers. */
	expect("alpine", "3.8.5", pkg("apk", "db", "5.3.28-r0", "db", NULL), "CVE-2016-0682", NULL);
}

static void test_match__alias_dedup(void)
{
	/* MOAT-TEST-DSA-1 (aliases CVE-2023-38545) and the tracker's CVE-2023-38545 are one flaw. */
	struct moat_vuln_list l = match1("debian", "12", pkg("deb", "libcurl4", "7.88.1-10+deb12u3",
							     "curl", "7.88.1-10+deb12u3"));
	size_t n = 0;

	for (size_t i = 0; i < l.count; i++) {
		const struct moat_vuln_finding *f = l.items[i];
		bool hit = !strcmp(f->id, "CVE-2023-38545") || !strcmp(f->id, "MOAT-TEST-DSA-1");

		n += hit;
		if (hit)
			CHECK_STR(f->fixed_version, "7.88.1-10+deb12u4");
	}
	CHECK_INT(n, 1);
	/* Every tracker fix after deb12u3 (dpkg --compare-versions over the file: 18),
	 * with CVE-2023-38545 counted once. */
	CHECK_INT(l.count, 18);
}

/* ---- owner ---- */

static struct moat_layer *layers(const char *const *ids, size_t n)
{
	struct moat_layer *l = moat_arena_calloc(arena, n, sizeof(*l));

	for (size_t i = 0; i < n; i++)
		l[i] = (struct moat_layer){ .index = (unsigned)i, .diff_id = ids[i] };
	return l;
}

static const char *const chain[] = { "sha256:1111", "sha256:2222", "sha256:3333" };

static struct moat_image_meta meta(const char *config, const char *manifest, size_t n)
{
	return (struct moat_image_meta){ .config_digest = config, .manifest_digest = manifest,
					 .ref = config, .layers = layers(chain, n), .n_layers = n };
}

static struct moat_base_index *index_at(const char *name)
{
	char path[256];
	struct moat_base_index *idx = NULL;
	struct moat_error err = { 0 };

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	CHECK_INT(moat_base_index_open(path, &idx, &err), 0);
	return idx;
}

static struct moat_base find_base(struct moat_base_index *idx, const struct moat_image_meta *m)
{
	struct moat_base b;
	struct moat_error err = { 0 };

	CHECK_INT(moat_base_find(idx, m, NULL, NULL, arena, &b, &err), 0);
	return b;
}

static void test_owner__explicit_and_unknown(void)
{
	struct moat_image_meta app = meta("sha256:app", NULL, 3), base = meta("sha256:b", NULL, 2);
	struct moat_image_meta other = base;
	static const char *const odd[] = { "sha256:1111", "sha256:9999" };
	struct moat_base b;
	struct moat_error err = { 0 };
	struct moat_base_index *idx = index_at("empty.jsonl");

	CHECK_INT(moat_base_find(NULL, &app, &base, "debian:12", arena, &b, &err), 0);
	CHECK_INT(b.n_layers, 2);
	CHECK_STR(b.name, "debian:12");
	CHECK_STR(b.how, "base-image");
	other.layers = layers(odd, 2);
	CHECK_INT(moat_base_find(NULL, &app, &other, "x", arena, &b, &err), MOAT_E_FORMAT);
	b = find_base(idx, &app);
	CHECK_INT(b.n_layers, 0);
	CHECK(b.name == NULL);
	moat_base_index_close(idx);
}

static void test_owner__index(void)
{
	struct moat_image_meta m1 = meta("sha256:c1", "sha256:m1", 1);
	struct moat_image_meta m2 = meta("sha256:c2", "sha256:m2", 2);
	struct moat_image_meta app = meta("sha256:app", NULL, 3);
	struct moat_image_meta golden = meta("sha256:gold", NULL, 2);
	struct moat_error err = { 0 };
	struct moat_base_index *idx = index_at("scan.jsonl");
	struct moat_base b;

	/* Scan history: the image itself, a 1-layer and a 2-layer image. */
	CHECK_INT(moat_base_index_add(idx, NULL, &app, false, &err), 0);
	b = find_base(idx, &app);
	CHECK_INT(b.n_layers, 0);       /* not its own base */
	CHECK_INT(moat_base_index_add(idx, "one", &m1, false, &err), 0);
	CHECK_INT(moat_base_index_add(idx, "two", &m2, false, &err), 0);
	b = find_base(idx, &app);
	CHECK_INT(b.n_layers, 2);       /* the longest prefix */
	CHECK_STR(b.name, "two");
	CHECK_STR(b.how, "index");
	/* A registered image with the same chain wins the tie. */
	CHECK_INT(moat_base_index_add(idx, "debian:12", &golden, true, &err), 0);
	b = find_base(idx, &app);
	CHECK_STR(b.name, "debian:12");
	moat_base_index_close(idx);
	/* ... also read back from the file, whatever the order. */
	idx = index_at("scan.jsonl");
	b = find_base(idx, &app);
	CHECK_STR(b.name, "debian:12");
	CHECK_INT(b.n_layers, 2);
	/* The base label names the base exactly, even when a longer prefix exists. */
	app.labels = &(struct moat_kv){ "org.opencontainers.image.base.digest", "sha256:m1" };
	app.n_labels = 1;
	b = find_base(idx, &app);
	CHECK_STR(b.name, "one");
	CHECK_INT(b.n_layers, 1);
	CHECK_STR(b.how, "label");
	moat_base_index_close(idx);
	idx = index_at("user-first.jsonl");
	CHECK_INT(moat_base_index_add(idx, "debian:12", &golden, true, &err), 0);
	CHECK_INT(moat_base_index_add(idx, "two", &m2, false, &err), 0);
	app.n_labels = 0;
	b = find_base(idx, &app);
	CHECK_STR(b.name, "debian:12");
	moat_base_index_close(idx);
}

static void test_owner__attribute(void)
{
	struct moat_base base = { .name = "debian:12", .n_layers = 2, .how = "base-image" };
	struct moat_base none = { 0 };
	struct moat_pkg *p[3] = { pkg("deb", "a", "1", NULL, NULL), pkg("deb", "b", "1", NULL, NULL),
				  pkg("deb", "c", "1", NULL, NULL) };
	struct moat_vuln_finding f[3] = { { 0 } };
	struct moat_vuln_finding *items[3] = { &f[0], &f[1], &f[2] };
	struct moat_vuln_list list = { items, 3, 3 };

	p[0]->layer_index = 1;
	p[1]->layer_index = 2;
	for (int i = 0; i < 3; i++)
		f[i].pkg = p[i];
	moat_owner_attribute(&base, &list);
	CHECK_STR(f[0].owner, "base");
	CHECK_STR(f[0].base_image, "debian:12");
	CHECK_STR(f[1].owner, "app");
	CHECK_STR(f[2].owner, "unknown");
	moat_owner_attribute(&none, &list);
	CHECK_STR(f[0].owner, "unknown");
}

/* ---- risk ---- */

static double factor(const struct moat_vuln_finding *f, const char *name)
{
	for (size_t i = 0; i < f->risk.n_factors; i++)
		if (!strcmp(f->risk.factors[i].name, name))
			return f->risk.factors[i].weight;
	return -999;
}

static void test_risk__factors(void)
{
	struct moat_risk_context ctx;
	/* Weights as docs/risk.md gives them. */
	struct moat_vuln_finding hot = {
		.cvss_score = 9.8, .cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		.severity = "critical", .status = MOAT_VULN_FIXED, .kev = true, .epss = 0.5,
		.published = "2021-12-10T00:00:00Z",
	};
	struct moat_vuln_finding mild = {
		.cvss_score = 5.3, .cvss_vector = "CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:H/I:N/A:N",
		.severity = "medium", .status = MOAT_VULN_AFFECTED, .epss = 0.01,
		.published = "2024-11-01T00:00:00Z",
	};
	struct moat_vuln_finding low = {
		.cvss_score = -1, .severity = "negligible", .status = MOAT_VULN_WONT_FIX, .epss = -1,
	};
	struct moat_vuln_finding word = { .cvss_score = -1, .severity = "high", .epss = -1,
					  .status = MOAT_VULN_AFFECTED };

	moat_risk_context_init(&ctx);
	ctx.now = 1735689600;   /* 2025-01-01 */
	moat_risk_score(&ctx, &hot);
	/* 44.1 + 8 + 3 + 4 + 3 + 4 + 20 + (5 + 2) + 3 = 96.1 */
	CHECK_INT(hot.risk.score, 96);
	CHECK(factor(&hot, "exploited-in-the-wild") == 20);
	CHECK(factor(&hot, "epss-high") == 7);
	CHECK(factor(&hot, "published-over-2-years-ago") == 3);
	moat_risk_score(&ctx, &mild);
	/* 23.85 + 0 (local) + 0.1 (epss) = 23.95 */
	CHECK_INT(mild.risk.score, 24);
	CHECK(factor(&mild, "attack-vector-local") == 0);
	CHECK(factor(&mild, "fix-available") == -999);
	moat_risk_score(&ctx, &low);
	CHECK_INT(low.risk.score, 0);   /* 3 - 6 - 10 clamps at 0 */
	CHECK(factor(&low, "vendor-will-not-fix") == -6);
	moat_risk_score(&ctx, &word);
	CHECK_INT(word.risk.score, 36);
	/* Environment: privileged + root + ports + internet + alerts = 30; clamps at 100. */
	ctx.privileged = 1;
	ctx.runs_as_root = 1;
	ctx.exposed_ports = 2;
	ctx.internet_facing = 1;
	ctx.runtime_alerts = 3;
	moat_risk_score(&ctx, &hot);
	CHECK_INT(hot.risk.score, 100);
	moat_risk_score(&ctx, &mild);
	CHECK_INT(mild.risk.score, 54);
}

static void write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void test_risk__context(void)
{
	char path[256];
	struct moat_risk_context ctx;
	struct moat_image_meta m = { .user = "app" };
	struct moat_error err = { 0 };

	moat_risk_context_init(&ctx);
	moat_risk_context_from_image(&ctx, &m);
	CHECK_INT(ctx.runs_as_root, 0);
	CHECK_INT(ctx.exposed_ports, 0);
	m.user = "0:0";
	moat_risk_context_from_image(&ctx, &m);
	CHECK_INT(ctx.runs_as_root, 1);
	write_file("ctx.json", "{\"privileged\":true,\"run_as_root\":false,\"ports\":[443,80],"
		   "\"internet_facing\":true,\"runtime_alerts\":2}", path, sizeof(path));
	CHECK_INT(moat_risk_context_load(&ctx, path, &err), 0);
	CHECK_INT(ctx.privileged, 1);
	CHECK_INT(ctx.runs_as_root, 0);        /* the context overrides the image */
	CHECK_INT(ctx.exposed_ports, 2);
	CHECK_INT(ctx.internet_facing, 1);
	CHECK_INT(ctx.runtime_alerts, 2);
	write_file("bad.json", "[1,2]", path, sizeof(path));
	CHECK_INT(moat_risk_context_load(&ctx, path, &err), MOAT_E_FORMAT);
}

/* ---- suppressions ---- */

static struct moat_vuln_finding sf[4];
static struct moat_vuln_finding *sitems[4];

static struct moat_vuln_list suppress_list(void)
{
	static const char *al[] = { "CVE-2023-0001" };
	static struct moat_pkg pk[3] = {
		{ .type = "deb", .name = "libssl3", .source_name = "openssl", .version = "3.0.11-1",
		  .purl = "pkg:deb/debian/libssl3@3.0.11-1?arch=amd64&distro=debian-12" },
		{ .type = "pypi", .name = "requests", .version = "2.30.0",
		  .purl = "pkg:pypi/requests@2.30.0" },
		{ .type = "npm", .name = "lodash", .version = "4.17.20", .purl = "pkg:npm/lodash@4.17.20" },
	};

	memset(sf, 0, sizeof(sf));
	sf[0] = (struct moat_vuln_finding){ .pkg = &pk[0], .id = "CVE-2023-0001" };
	sf[1] = (struct moat_vuln_finding){ .pkg = &pk[1], .id = "GHSA-aaaa-bbbb-cccc",
					    .aliases = al, .n_aliases = 1 };
	sf[2] = (struct moat_vuln_finding){ .pkg = &pk[2], .id = "CVE-2023-0002" };
	sf[3] = (struct moat_vuln_finding){ .pkg = &pk[0], .id = "CVE-2023-0003" };
	for (int i = 0; i < 4; i++)
		sitems[i] = &sf[i];
	return (struct moat_vuln_list){ sitems, 4, 4 };
}

static void test_suppress__ignore_file(void)
{
	char path[256];
	struct moat_vuln_list l = suppress_list();
	struct moat_error err = { 0 };

	write_file("ignore", "# comment\n"
		   "CVE-2023-0001 lodash exp:2999-01-01 # other package: no effect\n"
		   "CVE-2023-0001 openssl exp:2999-01-01 # by source name, alias too\n"
		   "CVE-2023-0002 exp:2000-01-01 # expired\n"
		   "CVE-2023-0003 pkg:deb/debian/libssl3\n", path, sizeof(path));
	CHECK_INT(moat_suppress_ignore_file(path, &l, &err), 0);
	CHECK(sf[0].suppressed != NULL);
	CHECK(sf[1].suppressed == NULL);      /* alias of CVE-2023-0001, but on requests */
	CHECK(sf[2].suppressed == NULL);
	CHECK(sf[3].suppressed != NULL);
	l = suppress_list();
	write_file("ignore2", "CVE-2023-0001\n", path, sizeof(path));
	CHECK_INT(moat_suppress_ignore_file(path, &l, &err), 0);
	CHECK(sf[0].suppressed && sf[1].suppressed);  /* no package: every one, aliases too */
	write_file("ignore3", "CVE-1 a b c\n", path, sizeof(path));
	CHECK_INT(moat_suppress_ignore_file(path, &l, &err), MOAT_E_FORMAT);
}

static void test_suppress__vex(void)
{
	char path[256];
	struct moat_vuln_list l = suppress_list();
	struct moat_error err = { 0 };

	write_file("openvex.json", "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"statements\":["
		   "{\"vulnerability\":{\"name\":\"CVE-2023-0001\"},\"products\":[{\"@id\":"
		   "\"pkg:pypi/requests@2.30.0\"}],\"status\":\"not_affected\"},"
		   "{\"vulnerability\":\"CVE-2023-0002\",\"products\":[\"pkg:npm/lodash@4.17.21\"],"
		   "\"status\":\"not_affected\"},"
		   "{\"vulnerability\":\"CVE-2023-0003\",\"products\":[\"pkg:deb/debian/libssl3\"],"
		   "\"status\":\"affected\"}]}", path, sizeof(path));
	CHECK_INT(moat_suppress_vex(path, &l, &err), 0);
	CHECK(sf[0].suppressed == NULL);        /* the statement names requests */
	CHECK_STR(sf[1].suppressed, "vex: not affected"); /* via its alias, exact version */
	CHECK(sf[2].suppressed == NULL);        /* another version */
	CHECK(sf[3].suppressed == NULL);        /* status affected */
	l = suppress_list();
	write_file("cdx.json", "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\","
		   "\"vulnerabilities\":[{\"id\":\"CVE-2023-0003\",\"analysis\":{\"state\":"
		   "\"not_affected\"},\"affects\":[{\"ref\":\"pkg:deb/debian/libssl3\"}]},"
		   "{\"id\":\"CVE-2023-0002\",\"analysis\":{\"state\":\"exploitable\"},"
		   "\"affects\":[{\"ref\":\"pkg:npm/lodash@4.17.20\"}]}]}", path, sizeof(path));
	CHECK_INT(moat_suppress_vex(path, &l, &err), 0);
	CHECK(sf[3].suppressed != NULL);        /* versionless purl covers every version */
	CHECK(sf[0].suppressed == NULL);
	CHECK(sf[2].suppressed == NULL);        /* exploitable */
	write_file("neither.json", "{\"foo\":1}", path, sizeof(path));
	CHECK_INT(moat_suppress_vex(path, &l, &err), MOAT_E_FORMAT);
}

static void cleanup(void)
{
	static const char *const files[] = { "empty.jsonl", "scan.jsonl", "user-first.jsonl",
					     "ctx.json", "bad.json", "ignore", "ignore2", "ignore3",
					     "openvex.json", "cdx.json", "neither.json" };
	char path[256];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	struct moat_error err = { 0 };
	int r;

	arena = moat_arena_open(256u << 20);
	if (!arena || !mkdtemp(tmpdir))
		return 99;
	r = build_db(&err);
	if (r < 0) {
		printf("Bail out! building the DB: %s\n", err.msg);
		return 99;
	}
	MOAT_RUN(test_match__osv_ranges);
	MOAT_RUN(test_match__pypi_names);
	MOAT_RUN(test_match__go);
	MOAT_RUN(test_match__debian_source);
	MOAT_RUN(test_match__debian_states);
	MOAT_RUN(test_match__severity_source);
	MOAT_RUN(test_match__alpine);
	MOAT_RUN(test_match__alias_dedup);
	MOAT_RUN(test_owner__explicit_and_unknown);
	MOAT_RUN(test_owner__index);
	MOAT_RUN(test_owner__attribute);
	MOAT_RUN(test_risk__factors);
	MOAT_RUN(test_risk__context);
	MOAT_RUN(test_suppress__ignore_file);
	MOAT_RUN(test_suppress__vex);
	cleanup();
	moat_vulndb_close(db);
	moat_buf_release(&db_bytes);
	moat_arena_close(arena);
	return moat_test_done();
}
