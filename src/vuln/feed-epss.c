/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-epss.c - FIRST EPSS scores, the daily CSV (epss_scores-YYYY-MM-DD.csv):
 *   #model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000
 *   cve,epss,percentile
 *   CVE-1999-0001,0.01042,0.83346
 * Comment lines only before the header; every row strict: a CVE id and two
 * probabilities in 0..1. A bad row is a format error with its line number.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/slice.h"
#include "moat/error.h"
#include "feed.h"

/* A row is ~40 bytes ("CVE-2024-123456,0.00043,0.08931"); the comment ~70. */
#define EPSS_MAX_LINE 256u
/* Digits of one number: "0.000430000" style at most. */
#define EPSS_MAX_NUMBER 32u

static bool all_digits(struct moat_slice s, size_t min, size_t max)
{
	if (s.len < min || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
	return true;
}

/* "CVE-" YYYY "-" 4 or more digits. */
static bool epss_cve_ok(struct moat_slice s)
{
	struct moat_slice year, num;

	if (!moat_slice_startswith(s, "CVE-"))
		return false;
	s.ptr += 4;
	s.len -= 4;
	if (!moat_slice_split(&s, '-', &year) || !all_digits(year, 4, 4))
		return false;
	num = s;
	return all_digits(num, 4, 19);
}

/* digits [ "." digits ] [ e [+-] digits ], then 0 <= value <= 1. */
static bool epss_number(struct moat_slice s, double *ret)
{
	char buf[EPSS_MAX_NUMBER + 1];
	size_t i = 0, digits = 0;
	char *end;
	double v;

	if (s.len == 0 || s.len > EPSS_MAX_NUMBER)
		return false;
	while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9')
		i++, digits++;
	if (!digits)
		return false;
	if (i < s.len && s.ptr[i] == '.') {
		for (i++, digits = 0; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9'; i++)
			digits++;
		if (!digits)
			return false;
	}
	if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
		i++;
		if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
			i++;
		for (digits = 0; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9'; i++)
			digits++;
		if (!digits)
			return false;
	}
	if (i != s.len)
		return false;
	memcpy(buf, s.ptr, s.len);
	buf[s.len] = '\0';
	v = strtod(buf, &end);
	if (*end || !isfinite(v) || v < 0.0 || v > 1.0)
		return false;
	*ret = v;
	return true;
}

static int epss_row(struct moat_slice line, size_t lineno, const char *origin,
		    const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		    struct moat_error *err)
{
	char cve[EPSS_MAX_LINE + 1];
	struct moat_slice id, prob, pct;
	struct moat_adv_epss e = { .cve = cve };
	int r;

	if (!moat_slice_split(&line, ',', &id) || !moat_slice_split(&line, ',', &prob) ||
	    !moat_slice_split(&line, ',', &pct) || line.len)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: line %zu: expected 3 fields",
				      origin, lineno);
	if (!epss_cve_ok(id))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: line %zu: bad CVE id", origin,
				      lineno);
	if (!epss_number(prob, &e.probability) || !epss_number(pct, &e.percentile))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: line %zu: epss and percentile must be numbers in 0..1",
				      origin, lineno);
	memcpy(cve, id.ptr, id.len);
	cve[id.len] = '\0';
	if (sink->epss) {
		r = sink->epss(sink->ctx, &e, err);
		if (r < 0)
			return r;
	}
	stats->records++;
	return 0;
}

int moat_feed_epss(const uint8_t *data, size_t len, const char *origin,
		   const struct moat_adv_sink *sink, struct moat_feed_stats *stats,
		   struct moat_error *err)
{
	struct moat_feed_stats local = { 0 };
	struct moat_slice in = moat_slice_make(data, len), line;
	bool header = false;
	size_t lineno = 0;
	int r;

	if ((!data && len) || !sink)
		return moat_error_set(err, MOAT_E_USAGE, "epss: no data or sink");
	if (!origin)
		origin = "epss";
	if (!stats)
		stats = &local;
	while (moat_slice_line(&in, &line)) {
		lineno++;
		if (line.len > EPSS_MAX_LINE)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: line %zu: longer than %u bytes",
					      origin, lineno, EPSS_MAX_LINE);
		if (!header && line.len && line.ptr[0] == '#')
			continue;
		if (!header) {
			if (!moat_slice_eq_str(moat_slice_trim(line), "cve,epss,percentile"))
				return moat_error_set(err, MOAT_E_FORMAT,
						      "%s: line %zu: expected the header "
						      "\"cve,epss,percentile\"", origin, lineno);
			header = true;
			continue;
		}
		if (!line.len)
			continue;
		r = epss_row(line, lineno, origin, sink, stats, err);
		if (r < 0)
			return r;
	}
	if (!header)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: no \"cve,epss,percentile\" header",
				      origin);
	return 0;
}
