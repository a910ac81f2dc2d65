/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-kev.c - CISA's Known Exploited Vulnerabilities catalogue
 * (known_exploited_vulnerabilities.json, schema
 * known_exploited_vulnerabilities_schema.json): {"catalogVersion",
 * "dateReleased", "count", "vulnerabilities": [{"cveID", "dateAdded",
 * "dueDate", "knownRansomwareCampaignUse", ...}]}. ~1.5 MB: one tree.
 */
#include <string.h>

#include "base/json.h"
#include "moat/error.h"
#include "feed-doc.h"
#include "feed-scan.h"
#include "feed.h"

static int kev_entry(struct feed_walk *w, const json_t *e, const struct moat_adv_sink *sink,
		     struct moat_feed_stats *stats, struct moat_error *err)
{
	struct moat_adv_kev kev = { 0 };
	const char *ransom;
	int r;

	if (!json_is_object(e))
		return feed_fail(w, "expected an object, got %s", feed_type_name(e));
	r = feed_get_str(w, e, "cveID", &kev.cve);
	if (r >= 0)
		r = feed_get_str(w, e, "dateAdded", &kev.date_added);
	if (r >= 0)
		r = feed_get_str(w, e, "dueDate", &kev.due_date);
	if (r >= 0)
		r = feed_get_str(w, e, "knownRansomwareCampaignUse", &ransom);
	if (r < 0)
		return r;
	if (!kev.cve || !*kev.cve) {
		stats->skipped++;
		return 0;
	}
	kev.ransomware = ransom && strcmp(ransom, "Known") == 0;
	if (sink->kev) {
		r = sink->kev(sink->ctx, &kev, err);
		if (r < 0)
			return r;
	}
	stats->records++;
	return 0;
}

int moat_feed_kev(const uint8_t *data, size_t len, const char *origin,
		  const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		  struct moat_error *err)
{
	struct moat_feed_stats local = { 0 };
	struct feed_walk w;
	json_t *doc, *list, *e;
	size_t i, mark;
	int r;

	if ((!data && len) || !sink)
		return moat_error_set(err, MOAT_E_USAGE, "kev: no data or sink");
	if (!stats)
		stats = &local;
	feed_walk_init(&w, origin, err);
	r = moat_json_parse(data, len, FEED_MAX_RECORD_BYTES, w.origin, &doc, err);
	if (r < 0)
		return r;
	if (!json_is_object(doc))
		r = feed_fail(&w, "expected an object, got %s", feed_type_name(doc));
	if (r >= 0)
		r = feed_get_array(&w, doc, "vulnerabilities", &list);
	if (r >= 0 && !list)
		r = feed_fail(&w, "no \"vulnerabilities\" array");
	json_array_foreach(list, i, e) {
		if (r < 0)
			break;
		mark = feed_path_key(&w, "vulnerabilities");
		feed_path_index(&w, i);
		r = kev_entry(&w, e, sink, stats, err);
		feed_path_pop(&w, mark);
	}
	json_decref(doc);
	return r;
}
