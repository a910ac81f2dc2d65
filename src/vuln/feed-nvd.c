/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-nvd.c - NVD CVE API 2.0 JSON (csrc.nist.gov/schema/nvd/api/2.0/
 * cve_api_json_2.0.schema): a response page {"format": "NVD_CVE",
 * "vulnerabilities": [{"cve": {...}}]}, a single {"cve": {...}}, or a bare
 * cve object. Each CVE becomes an advisory with its CVSS metrics, CWEs,
 * dates and references; CPE configurations are not read (no affected
 * packages: NVD names products, not packages). Pages are walked one CVE at a
 * time (feed-scan.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "moat/error.h"
#include "cvss.h"
#include "feed-doc.h"
#include "feed-scan.h"
#include "feed.h"

/* A CVE carries at most a handful of metrics; NVD's schema once capped
 * references at 500. Extra entries are dropped (the builder keeps few). */
#define NVD_MAX_CVSS 32u
#define NVD_MAX_CWES 32u
#define NVD_MAX_REFS 512u

struct nvd {
	const struct moat_adv_sink *sink;
	struct moat_feed_stats *stats;
	struct feed_walk w;
	struct moat_adv_cvss cvss[NVD_MAX_CVSS];
	int rank[NVD_MAX_CVSS];
	const char *cwes[NVD_MAX_CWES];
	const char *refs[NVD_MAX_REFS];
};

/* Metric lists in the order of preference between versions. */
static const struct {
	const char *key;
	const char *version;
} nvd_metrics[] = {
	{ "cvssMetricV40", "4.0" }, { "cvssMetricV31", "3.1" },
	{ "cvssMetricV30", "3.0" }, { "cvssMetricV2", "2.0" },
};

/* NVD's own Primary scores first, then other Primary ones, then the rest;
 * within a rank, newer CVSS versions first (insertion keeps that order). */
static int nvd_rank(const char *type, const char *source)
{
	int rank = type && strcmp(type, "Primary") == 0 ? 0 : 2;

	return rank + (source && strcmp(source, "nvd@nist.gov") == 0 ? 0 : 1);
}

static void nvd_add_cvss(struct nvd *n, size_t *count, const struct moat_adv_cvss *c, int rank)
{
	size_t i = *count;

	if (i == NVD_MAX_CVSS)
		return;
	while (i > 0 && n->rank[i - 1] > rank) {
		n->cvss[i] = n->cvss[i - 1];
		n->rank[i] = n->rank[i - 1];
		i--;
	}
	n->cvss[i] = *c;
	n->rank[i] = rank;
	(*count)++;
}

/* One metric object: {source, type, cvssData: {version, vectorString, baseScore}}. */
static int nvd_metric(struct nvd *n, const json_t *m, const char *version, size_t *count)
{
	struct moat_adv_cvss c = { .version = version, .score = -1 };
	const char *type;
	json_t *data, *score;
	int r;

	if (!json_is_object(m))
		return feed_fail(&n->w, "expected an object, got %s", feed_type_name(m));
	r = feed_get_str(&n->w, m, "source", &c.source);
	if (r >= 0)
		r = feed_get_str(&n->w, m, "type", &type);
	if (r >= 0)
		r = feed_get_object(&n->w, m, "cvssData", &data);
	if (r >= 0 && data)
		r = feed_get_str(&n->w, data, "vectorString", &c.vector);
	if (r < 0)
		return r;
	if (!c.vector)
		return 0;
	score = json_object_get(data, "baseScore");
	if (json_is_number(score) && json_number_value(score) >= 0 &&
	    json_number_value(score) <= 10) {
		c.score = json_number_value(score);
	} else {
		struct moat_cvss parsed;

		if (moat_cvss_parse(c.vector, &parsed, NULL) == 0)
			c.score = parsed.base_score;
	}
	nvd_add_cvss(n, count, &c, nvd_rank(type, c.source));
	return 0;
}

static int nvd_metrics_of(struct nvd *n, const json_t *cve, size_t *count)
{
	json_t *metrics, *list, *m;
	size_t i, j, mark;
	int r;

	*count = 0;
	r = feed_get_object(&n->w, cve, "metrics", &metrics);
	for (i = 0; r >= 0 && metrics && i < sizeof(nvd_metrics) / sizeof(nvd_metrics[0]); i++) {
		mark = feed_path_key(&n->w, "metrics");
		r = feed_get_array(&n->w, metrics, nvd_metrics[i].key, &list);
		feed_path_key(&n->w, nvd_metrics[i].key);
		json_array_foreach(list, j, m) {
			size_t m2 = feed_path_index(&n->w, j);

			if (r >= 0)
				r = nvd_metric(n, m, nvd_metrics[i].version, count);
			feed_path_pop(&n->w, m2);
		}
		feed_path_pop(&n->w, mark);
	}
	return r;
}

/* "CWE-79" values of weaknesses[].description[]; NVD-CWE-Other/noinfo dropped. */
static size_t nvd_cwes(struct nvd *n, const json_t *cve)
{
	json_t *weak = json_object_get(cve, "weaknesses"), *w, *d;
	size_t i, j, k, count = 0;

	json_array_foreach(weak, i, w) {
		json_array_foreach(json_object_get(w, "description"), j, d) {
			const char *v = moat_json_str(d, "value");

			if (!v || strncmp(v, "CWE-", 4) != 0 || count == NVD_MAX_CWES)
				continue;
			for (k = 0; k < count && strcmp(n->cwes[k], v) != 0; k++)
				;
			if (k == count)
				n->cwes[count++] = v;
		}
	}
	return count;
}

static size_t nvd_refs(struct nvd *n, const json_t *cve)
{
	json_t *r;
	size_t i, count = 0;

	json_array_foreach(json_object_get(cve, "references"), i, r) {
		const char *url = moat_json_str(r, "url");

		if (url && count < NVD_MAX_REFS)
			n->refs[count++] = url;
	}
	return count;
}

/* English description, else the first one. */
static const char *nvd_description(const json_t *cve)
{
	json_t *list = json_object_get(cve, "descriptions"), *d;
	size_t i;

	json_array_foreach(list, i, d) {
		const char *lang = moat_json_str(d, "lang");

		if (lang && strcmp(lang, "en") == 0)
			return moat_json_str(d, "value");
	}
	return moat_json_str(json_array_get(list, 0), "value");
}

/* v2 has its own scale (no "critical"); v3/v4 share FIRST's. */
static const char *nvd_severity(const struct moat_adv_cvss *c)
{
	if (c->score < 0)
		return NULL;
	if (strcmp(c->version, "2.0") == 0)
		return c->score >= 7.0 ? "high" : c->score >= 4.0 ? "medium" : "low";
	return moat_cvss_severity(c->score);
}

static int nvd_cve(struct nvd *n, const json_t *cve, struct moat_error *err)
{
	struct moat_advisory adv = { 0 };
	const char *status;
	size_t n_cvss;
	int r;

	if (!json_is_object(cve))
		return feed_fail(&n->w, "expected an object, got %s", feed_type_name(cve));
	r = feed_get_str(&n->w, cve, "id", &adv.id);
	if (r >= 0 && !adv.id)
		r = feed_fail(&n->w, "no id");
	if (r >= 0)
		r = feed_get_str(&n->w, cve, "published", &adv.published);
	if (r >= 0)
		r = feed_get_str(&n->w, cve, "lastModified", &adv.modified);
	if (r >= 0)
		r = feed_get_str(&n->w, cve, "vulnStatus", &status);
	if (r >= 0)
		r = nvd_metrics_of(n, cve, &n_cvss);
	if (r < 0)
		return r;
	if (status && strcmp(status, "Rejected") == 0)
		adv.withdrawn = adv.modified ? adv.modified : "rejected";
	adv.details = nvd_description(cve);
	adv.cvss = n->cvss;
	adv.n_cvss = n_cvss;
	adv.severity = n_cvss ? nvd_severity(&n->cvss[0]) : NULL;
	adv.cwes = n->cwes;
	adv.n_cwes = nvd_cwes(n, cve);
	adv.references = n->refs;
	adv.n_references = nvd_refs(n, cve);
	if (n->sink->advisory) {
		r = n->sink->advisory(n->sink->ctx, &adv, err);
		if (r < 0)
			return r;
	}
	n->stats->records++;
	return 0;
}

/* One element of "vulnerabilities" ({"cve": {...}}) or a whole small document. */
static int nvd_item(struct nvd *n, struct moat_slice raw, struct moat_error *err)
{
	json_t *doc, *cve;
	int r;

	r = moat_json_parse(raw.ptr, raw.len, FEED_MAX_RECORD_BYTES, n->w.origin, &doc, err);
	if (r < 0)
		return r;
	cve = json_object_get(doc, "cve");
	if (!cve)
		cve = doc;      /* a bare cve object, as in per-CVE files */
	r = nvd_cve(n, cve, err);
	json_decref(doc);
	return r;
}

static int nvd_page(struct nvd *n, struct moat_slice list, struct moat_error *err)
{
	struct feed_scan scan;
	struct moat_slice key, value;
	size_t i = 0, mark;
	int r;

	feed_scan_init(&scan, list.ptr, list.len, n->w.origin);
	scan.depth = 1;         /* the array sits inside the page object */
	r = feed_scan_enter(&scan, '[', err);
	while (r >= 0) {
		r = feed_scan_next(&scan, &key, &value, err);
		if (r <= 0)
			break;
		mark = feed_path_key(&n->w, "vulnerabilities");
		feed_path_index(&n->w, i++);
		r = nvd_item(n, value, err);
		feed_path_pop(&n->w, mark);
	}
	return r;
}

/* Top level: find "vulnerabilities" (a page) and check "format". */
static int nvd_walk(struct nvd *n, const uint8_t *data, size_t len, struct moat_error *err)
{
	struct feed_scan scan;
	struct moat_slice key, value, list = { NULL, 0 };
	int r;

	feed_scan_init(&scan, data, len, n->w.origin);
	r = feed_scan_enter(&scan, '{', err);
	while (r >= 0) {
		r = feed_scan_next(&scan, &key, &value, err);
		if (r <= 0)
			break;
		if (feed_scan_key_is(key, "vulnerabilities"))
			list = value;
		else if (feed_scan_key_is(key, "format") && !(value.len == 9 &&
			 memcmp(value.ptr, "\"NVD_CVE\"", 9) == 0))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: format: not NVD_CVE",
					      n->w.origin);
	}
	if (r >= 0)
		r = feed_scan_finish(&scan, err);
	if (r < 0)
		return r;
	if (list.ptr)
		return nvd_page(n, list, err);
	return nvd_item(n, moat_slice_make(data, len), err);
}

int moat_feed_nvd(const uint8_t *data, size_t len, const char *origin,
		  const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		  struct moat_error *err)
{
	struct moat_feed_stats local = { 0 };
	struct nvd *n;
	int r;

	if ((!data && len) || !sink)
		return moat_error_set(err, MOAT_E_USAGE, "nvd: no data or sink");
	if (len > FEED_MAX_DOC_BYTES)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %zu bytes, too big", origin, len);
	n = calloc(1, sizeof(*n));
	if (!n)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", origin);
	n->sink = sink;
	n->stats = stats ? stats : &local;
	feed_walk_init(&n->w, origin, err);
	r = nvd_walk(n, data, len, err);
	free(n);
	return r;
}
