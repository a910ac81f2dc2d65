/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed.h - parsers for upstream vulnerability feeds, one document at a time.
 *
 * Every parser takes untrusted bytes with their length (not NUL-terminated),
 * an origin naming the input in errors ("osv-go.tar.zst:GO-2024-1.json"),
 * and a sink (advisory.h). A malformed document is MOAT_E_FORMAT with the
 * origin and the place (JSON path or line); a record that is well formed but
 * unusable (unknown ecosystem, no package) is skipped and counted, never
 * fatal. Parsers are bounded by the limits they are given and fuzzed
 * (fuzz/fuzz-feed-*.c).
 */
#ifndef MOAT_VULN_FEED_H
#define MOAT_VULN_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "vuln/advisory.h"

struct moat_error;

struct moat_feed_stats {
	size_t records;         /* advisories (or KEV/EPSS rows) emitted */
	size_t skipped;         /* well-formed records that could not be used */
};

/* OSV, JSON or YAML (sniffed): one record, or an array of records. */
int moat_feed_osv(const uint8_t *data, size_t len, const char *origin,
		  const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		  struct moat_error *err);
/* Debian security tracker JSON: {source: {CVE: {releases: {codename: {...}}}}}. */
int moat_feed_debian_tracker(const uint8_t *data, size_t len, const char *origin,
			     const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
			     struct moat_error *err);
/* Alpine secdb: current JSON and the archived YAML format. */
int moat_feed_alpine_secdb(const uint8_t *data, size_t len, const char *origin,
			   const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
			   struct moat_error *err);
/* NVD CVE API 2.0 JSON (a response page, or a single cve object). */
int moat_feed_nvd(const uint8_t *data, size_t len, const char *origin,
		  const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		  struct moat_error *err);
/* CISA known_exploited_vulnerabilities.json. */
int moat_feed_kev(const uint8_t *data, size_t len, const char *origin,
		  const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		  struct moat_error *err);
/* FIRST EPSS CSV (with its "#model_version:...,score_date:..." comment line). */
int moat_feed_epss(const uint8_t *data, size_t len, const char *origin,
		   const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		   struct moat_error *err);

/* Which parser suits a document: "osv", "debian-tracker", "alpine-secdb",
 * "nvd", "kev", "epss", or NULL. name is the file name (extension, hints). */
const char *moat_feed_sniff(const char *name, const uint8_t *data, size_t len);

/* The feed's own date, read without parsing its records: KEV dateReleased
 * (else catalogVersion), EPSS score_date, NVD timestamp. kind is a name
 * moat_feed_sniff() returns. Copies at most size-1 bytes into buf, always
 * NUL-terminated. Returns 0, MOAT_E_NOTFOUND when the document carries no
 * date (or kind has none), MOAT_E_FORMAT when it is not that kind. */
int moat_feed_date(const char *kind, const uint8_t *data, size_t len, char *buf, size_t size,
		   struct moat_error *err);

#endif
