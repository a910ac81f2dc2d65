/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed_nvd_test.c - NVD CVE API 2.0, CISA KEV and FIRST EPSS parsers.
 *
 * Expectations come from the documents themselves, read here with jansson
 * (record counts, KEV `count`, ransomware flags), and from NVD's own
 * baseScore for every metric (cross-checked against cvss.c).
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test-io.h"
#include "moat/error.h"
#include "vuln/cvss.h"
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

/* ---- NVD --------------------------------------------------------------- */

struct nvd_seen {
	size_t n, metrics, score_mismatch, withdrawn;
	char log4j_first[96];
	double log4j_score;
	char log4j_source[32];
	size_t log4j_cwes, log4j_refs, log4j_affected;
	char xz_first_source[32];
	char heart_severity[16];
};

static int nvd_sink(void *ctx, const struct moat_advisory *adv, struct moat_error *err)
{
	struct nvd_seen *s = ctx;

	s->n++;
	s->withdrawn += adv->withdrawn != NULL;
	for (size_t i = 0; i < adv->n_cvss; i++) {
		struct moat_cvss c;

		s->metrics++;
		/* NVD's published baseScore equals what cvss.c computes from the vector. */
		if (moat_cvss_parse(adv->cvss[i].vector, &c, NULL) != 0 ||
		    fabs(c.base_score - adv->cvss[i].score) > 1e-9) {
			printf("# %s: %s scored %.1f by NVD\n", adv->id, adv->cvss[i].vector,
			       adv->cvss[i].score);
			s->score_mismatch++;
		}
	}
	if (strcmp(adv->id, "CVE-2021-44228") == 0 && adv->n_cvss) {
		snprintf(s->log4j_first, sizeof(s->log4j_first), "%s", adv->cvss[0].vector);
		snprintf(s->log4j_source, sizeof(s->log4j_source), "%s", adv->cvss[0].source);
		s->log4j_score = adv->cvss[0].score;
		s->log4j_cwes = adv->n_cwes;
		s->log4j_refs = adv->n_references;
		s->log4j_affected = adv->n_affected;
	}
	if (strcmp(adv->id, "CVE-2024-3094") == 0 && adv->n_cvss)
		snprintf(s->xz_first_source, sizeof(s->xz_first_source), "%s",
			 adv->cvss[0].source);
	if (strcmp(adv->id, "CVE-2014-0160") == 0)
		snprintf(s->heart_severity, sizeof(s->heart_severity), "%s",
			 adv->severity ? adv->severity : "(null)");
	return 0;
}

static void test_feed_nvd__sample_page(void)
{
	struct blob b;
	struct nvd_seen s = { 0 };
	struct moat_adv_sink sink = { .advisory = nvd_sink, .ctx = &s };
	struct moat_feed_stats stats = { 0 };
	struct moat_error err = { 0 };
	json_error_t jerr;
	json_t *doc;
	size_t want, want_metrics = 0, want_rejected = 0, i;
	json_t *v;
	char date[64];
	int r;

	if (!load("vuln/nvd-sample.json", false, &b)) {
		CHECK(0);
		return;
	}
	doc = json_loadb(b.data, b.len, 0, &jerr);
	want = json_array_size(json_object_get(doc, "vulnerabilities"));
	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, v) {
		json_t *cve = json_object_get(v, "cve"), *m = json_object_get(cve, "metrics");
		const char *key;
		json_t *list;

		json_object_foreach(m, key, list)
			want_metrics += json_array_size(list);
		want_rejected += strcmp(json_string_value(json_object_get(cve, "vulnStatus")),
					"Rejected") == 0;
	}
	json_decref(doc);

	CHECK_STR(moat_feed_sniff("nvd-sample.json", (const uint8_t *)b.data, b.len), "nvd");
	r = moat_feed_nvd((const uint8_t *)b.data, b.len, "nvd-sample.json", &sink, &stats, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(stats.records, want);
	CHECK_INT(s.n, want);
	CHECK_INT(s.metrics, want_metrics);
	CHECK_INT(s.score_mismatch, 0);
	CHECK_INT(s.withdrawn, want_rejected);
	CHECK_STR(s.log4j_first, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
	CHECK_STR(s.log4j_source, "nvd@nist.gov");
	CHECK(fabs(s.log4j_score - 10.0) < 1e-9);
	CHECK_INT(s.log4j_cwes, 4);             /* CWE-20, -400, -502, -917 */
	CHECK_INT(s.log4j_refs, 9);
	CHECK_INT(s.log4j_affected, 0);         /* CPEs are not packages */
	/* The Secondary CNA score is listed first in the record; NVD's Primary wins. */
	CHECK_STR(s.xz_first_source, "nvd@nist.gov");
	CHECK_STR(s.heart_severity, "high");    /* v3.1 7.5, not v2's medium */
	CHECK_INT(moat_feed_date("nvd", (const uint8_t *)b.data, b.len, date, sizeof(date), NULL),
		  0);
	CHECK_STR(date, "2025-10-22T08:00:00.000");
	free(b.data);
}

static void test_feed_nvd__single_and_errors(void)
{
	static const char bare[] = "{\"id\": \"CVE-2021-29633\", \"published\": \"2024-02-15\","
				   " \"vulnStatus\": \"Rejected\", \"descriptions\": [], "
				   "\"lastModified\": \"2024-02-15T06:15:44.667\"}";
	static const char wrapped[] = "{\"cve\": {\"id\": \"CVE-1\", \"metrics\": {\"cvssMetricV2\":"
				      " [{\"source\": \"nvd@nist.gov\", \"type\": \"Primary\", "
				      "\"cvssData\": {\"vectorString\": \"AV:N/AC:L/Au:N/C:C/I:C/A:C\""
				      "}}]}}}";
	static const struct {
		const char *doc;
		int code;
	} bad[] = {
		{ "", MOAT_E_FORMAT },
		{ "[1]", MOAT_E_FORMAT },
		{ "{\"format\": \"NVD_CPE\", \"vulnerabilities\": []}", MOAT_E_FORMAT },
		{ "{\"vulnerabilities\": [{\"cve\": {\"published\": \"x\"}}]}", MOAT_E_FORMAT },
		{ "{\"vulnerabilities\": [{\"cve\": {\"id\": 7}}]}", MOAT_E_FORMAT },
		{ "{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-1\", \"metrics\": []}}]}",
		  MOAT_E_FORMAT },
		{ "{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-1\"}} {}]}", MOAT_E_FORMAT },
		{ "{\"vulnerabilities\": [", MOAT_E_TRUNCATED },
	};
	struct nvd_seen s = { 0 };
	struct moat_adv_sink sink = { .advisory = nvd_sink, .ctx = &s };
	struct moat_error err;
	int r;

	CHECK_INT(moat_feed_nvd((const uint8_t *)bare, strlen(bare), "b.json", &sink, NULL, NULL), 0);
	CHECK_INT(s.withdrawn, 1);
	CHECK_STR(moat_feed_sniff(NULL, (const uint8_t *)bare, strlen(bare)), "nvd");
	CHECK_INT(moat_feed_nvd((const uint8_t *)wrapped, strlen(wrapped), "w.json", &sink, NULL,
				NULL), 0);
	CHECK_INT(s.n, 2);
	CHECK_INT(s.score_mismatch, 0);         /* no baseScore: computed (10.0) */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		r = moat_feed_nvd((const uint8_t *)bad[i].doc, strlen(bad[i].doc), "bad.json",
				  &sink, NULL, &err);
		if (r != bad[i].code)
			printf("# row %zu: %d %s\n", i, r, err.msg);
		CHECK_INT(r, bad[i].code);
		CHECK(strstr(err.msg, "bad.json") != NULL);
	}
}

/* ---- KEV --------------------------------------------------------------- */

struct kev_seen {
	size_t n, ransomware, with_dates;
};

static int kev_sink(void *ctx, const struct moat_adv_kev *kev, struct moat_error *err)
{
	struct kev_seen *s = ctx;

	s->n++;
	s->ransomware += kev->ransomware;
	s->with_dates += kev->date_added && kev->due_date && strlen(kev->date_added) == 10;
	return 0;
}

static void test_feed_nvd__kev_catalogue(void)
{
	struct blob b;
	struct kev_seen s = { 0 };
	struct moat_adv_sink sink = { .kev = kev_sink, .ctx = &s };
	struct moat_feed_stats stats = { 0 };
	struct moat_error err = { 0 };
	json_error_t jerr;
	json_t *doc, *e;
	size_t count, listed, known = 0, i;
	char date[64];
	int r;

	if (!load("vulndb/kev.json", true, &b)) {
		CHECK(0);
		return;
	}
	doc = json_loadb(b.data, b.len, 0, &jerr);
	count = (size_t)json_integer_value(json_object_get(doc, "count"));
	listed = json_array_size(json_object_get(doc, "vulnerabilities"));
	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, e)
		known += strcmp(json_string_value(json_object_get(e, "knownRansomwareCampaignUse")),
				"Known") == 0;
	json_decref(doc);

	CHECK_STR(moat_feed_sniff("kev.json", (const uint8_t *)b.data, b.len), "kev");
	r = moat_feed_kev((const uint8_t *)b.data, b.len, "kev.json", &sink, &stats, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	CHECK_INT(r, 0);
	printf("# kev: count %zu, emitted %zu, ransomware %zu\n", count, s.n, s.ransomware);
	CHECK(count > 1000);
	CHECK_INT(listed, count);
	CHECK_INT(s.n, count);
	CHECK_INT(stats.records, count);
	CHECK_INT(s.ransomware, known);
	CHECK(known > 0 && known < count);
	CHECK_INT(s.with_dates, count);
	CHECK_INT(moat_feed_date("kev", (const uint8_t *)b.data, b.len, date, sizeof(date), NULL),
		  0);
	CHECK_STR(date, "2025-08-25T17:04:19.9796Z");
	CHECK_INT(moat_feed_kev((const uint8_t *)"{\"vulnerabilities\": {}}", 23, "k.json", &sink,
				NULL, &err), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "k.json: vulnerabilities") != NULL);
	free(b.data);
}

/* ---- EPSS -------------------------------------------------------------- */

struct epss_row {
	char cve[32];
	double p, pct;
};

struct epss_seen {
	struct epss_row rows[16];
	size_t n;
};

static int epss_sink(void *ctx, const struct moat_adv_epss *e, struct moat_error *err)
{
	struct epss_seen *s = ctx;

	if (s->n < 16) {
		snprintf(s->rows[s->n].cve, sizeof(s->rows[0].cve), "%s", e->cve);
		s->rows[s->n].p = e->probability;
		s->rows[s->n].pct = e->percentile;
	}
	s->n++;
	return 0;
}

static void test_feed_nvd__epss(void)
{
	static const char *const bad[] = {
		"",
		"#model_version:v1\n",
		"cve,score\nCVE-2024-1,0.1\n",
		"cve,epss,percentile\nCVE-2024-1234,0.1\n",
		"cve,epss,percentile\nCVE-2024-1234,0.1,0.2,0.3\n",
		"cve,epss,percentile\nCVE-24-1234,0.1,0.2\n",
		"cve,epss,percentile\nCVE-2024-12,0.1,0.2\n",
		"cve,epss,percentile\nGHSA-2024-1234,0.1,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234,1.5,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234,-0.1,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234,0x1,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234,.5,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234,nan,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234, 0.5,0.2\n",
		"cve,epss,percentile\nCVE-2024-1234,0.5,0.2\n#late comment\n",
	};
	struct blob b;
	struct epss_seen s = { 0 };
	struct moat_adv_sink sink = { .epss = epss_sink, .ctx = &s };
	struct moat_feed_stats stats = { 0 };
	struct moat_error err = { 0 };
	size_t lines = 0;
	char date[64];
	char longline[400];
	int r;

	if (!load("vuln/epss-sample.csv", false, &b)) {
		CHECK(0);
		return;
	}
	for (size_t i = 0; i < b.len; i++)
		lines += b.data[i] == '\n';
	CHECK_STR(moat_feed_sniff("epss_scores-2024-01-01.csv", (const uint8_t *)b.data, b.len),
		  "epss");
	r = moat_feed_epss((const uint8_t *)b.data, b.len, "epss.csv", &sink, &stats, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	CHECK_INT(r, 0);
	CHECK_INT(stats.records, lines - 2);    /* comment and header */
	CHECK_STR(s.rows[2].cve, "CVE-2021-44228");
	CHECK(fabs(s.rows[2].p - 0.97565) < 1e-12);
	CHECK(fabs(s.rows[2].pct - 0.99998) < 1e-12);
	CHECK_INT(moat_feed_date("epss", (const uint8_t *)b.data, b.len, date, sizeof(date), NULL),
		  0);
	CHECK_STR(date, "2024-01-01T00:00:00+0000");
	free(b.data);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		r = moat_feed_epss((const uint8_t *)bad[i], strlen(bad[i]), "e.csv", &sink, NULL,
				   &err);
		if (r != MOAT_E_FORMAT)
			printf("# accepted row %zu\n", i);
		CHECK_INT(r, MOAT_E_FORMAT);
		CHECK(strstr(err.msg, "e.csv") != NULL);
	}
	memset(longline, '1', sizeof(longline));
	memcpy(longline, "cve,epss,percentile\nCVE-2024-", 29);
	r = moat_feed_epss((const uint8_t *)longline, sizeof(longline), "e.csv", &sink, NULL, &err);
	CHECK_INT(r, MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "line 2") != NULL);
	/* CRLF line ends and exponents are fine. */
	r = moat_feed_epss((const uint8_t *)"cve,epss,percentile\r\nCVE-2024-1234,4.3e-04,1\r\n", 46,
			   "e.csv", &sink, NULL, &err);
	CHECK_INT(r, 0);
}

static void test_feed_nvd__sniff(void)
{
	static const struct {
		const char *name, *doc, *want;
	} rows[] = {
		{ NULL, "{\"title\": \"CISA\", \"catalogVersion\": \"1\"}", "kev" },
		{ NULL, "{\"openssl\": {\"CVE-2024-1\": {}}}", "debian-tracker" },
		{ NULL, " {\n \"zlib\" : { \"TEMP-0000000-1\": {}}}", "debian-tracker" },
		{ NULL, "{\"id\": \"GO-2024-1\", \"modified\": \"x\", \"affected\": []}", "osv" },
		{ NULL, "[{\"id\": \"GHSA-1\", \"modified\": \"x\"}]", "osv" },
		{ NULL, "{\"distroversion\": \"v3.18\", \"packages\": [{\"pkg\": {}}]}",
		  "alpine-secdb" },
		{ "main.yaml", "---\ndistroversion: v3.9\npackages:\n  - pkg:\n      name: musl\n",
		  "alpine-secdb" },
		{ "PYSEC-2021-1.yaml", "id: PYSEC-2021-1\nmodified: x\naffected: []\n", "osv" },
		{ "x.csv", "cve,epss,percentile\n", "epss" },
		{ NULL, "hello", NULL },
		{ NULL, "", NULL },
		{ NULL, "{\"a\": 1}", NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = moat_feed_sniff(rows[i].name, (const uint8_t *)rows[i].doc,
						  strlen(rows[i].doc));

		if (!rows[i].want) {
			if (got)
				printf("# row %zu: %s\n", i, got);
			CHECK(got == NULL);
		} else {
			CHECK_STR(got, rows[i].want);
		}
	}
}

int main(void)
{
	MOAT_RUN(test_feed_nvd__sample_page);
	MOAT_RUN(test_feed_nvd__single_and_errors);
	MOAT_RUN(test_feed_nvd__kev_catalogue);
	MOAT_RUN(test_feed_nvd__epss);
	MOAT_RUN(test_feed_nvd__sniff);
	return moat_test_done();
}
