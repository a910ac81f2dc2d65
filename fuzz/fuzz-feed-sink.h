/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-feed-sink.h - a sink for the feed fuzz targets that reads every byte
 * of every string and array it is handed, so that a dangling or unterminated
 * pointer from a parser shows up under ASan.
 */
#ifndef MOAT_FUZZ_FEED_SINK_H
#define MOAT_FUZZ_FEED_SINK_H

#include <stdint.h>
#include <string.h>

#include "moat/error.h"
#include "vuln/feed.h"

#define FUZZ_MAX_INPUT (1u << 20)

static size_t fuzz_touch(const char *s)
{
	return s ? strlen(s) : 0;
}

static int fuzz_advisory(void *ctx, const struct moat_advisory *a, struct moat_error *err)
{
	size_t *sum = ctx;
	size_t i, j;

	*sum += fuzz_touch(a->id) + fuzz_touch(a->summary) + fuzz_touch(a->details) +
		fuzz_touch(a->published) + fuzz_touch(a->modified) + fuzz_touch(a->withdrawn) +
		fuzz_touch(a->severity);
	for (i = 0; i < a->n_aliases; i++)
		*sum += fuzz_touch(a->aliases[i]);
	for (i = 0; i < a->n_cvss; i++)
		*sum += fuzz_touch(a->cvss[i].version) + fuzz_touch(a->cvss[i].vector) +
			fuzz_touch(a->cvss[i].source) + (a->cvss[i].score > 5);
	for (i = 0; i < a->n_cwes; i++)
		*sum += fuzz_touch(a->cwes[i]);
	for (i = 0; i < a->n_references; i++)
		*sum += fuzz_touch(a->references[i]);
	for (i = 0; i < a->n_affected; i++) {
		const struct moat_adv_affected *f = &a->affected[i];

		*sum += fuzz_touch(f->ecosystem) + fuzz_touch(f->package) + fuzz_touch(f->purl) +
			fuzz_touch(f->severity) + fuzz_touch(f->note) + (size_t)f->status;
		for (j = 0; j < f->n_ranges; j++)
			*sum += fuzz_touch(f->ranges[j].introduced) + fuzz_touch(f->ranges[j].fixed) +
				fuzz_touch(f->ranges[j].last_affected) +
				fuzz_touch(f->ranges[j].limit);
		for (j = 0; j < f->n_versions; j++)
			*sum += fuzz_touch(f->versions[j]);
	}
	return 0;
}

static int fuzz_kev(void *ctx, const struct moat_adv_kev *k, struct moat_error *err)
{
	size_t *sum = ctx;

	*sum += fuzz_touch(k->cve) + fuzz_touch(k->date_added) + fuzz_touch(k->due_date) +
		k->ransomware;
	return 0;
}

static int fuzz_epss(void *ctx, const struct moat_adv_epss *e, struct moat_error *err)
{
	size_t *sum = ctx;

	*sum += fuzz_touch(e->cve) + (e->probability > 0.5) + (e->percentile > 0.5);
	return 0;
}

typedef int (*fuzz_feed_fn)(const uint8_t *, size_t, const char *, const struct moat_adv_sink *,
			    struct moat_feed_stats *, struct moat_error *);

/* Run one parser over the input, then the sniffer and the date reader. */
static inline void fuzz_feed(fuzz_feed_fn parse, const char *kind, const uint8_t *data,
			     size_t size)
{
	size_t sum = 0;
	struct moat_adv_sink sink = { .advisory = fuzz_advisory, .kev = fuzz_kev,
				      .epss = fuzz_epss, .ctx = &sum };
	struct moat_feed_stats stats = { 0 };
	struct moat_error err = { 0 };
	char date[64];

	if (size > FUZZ_MAX_INPUT)
		return;
	parse(data, size, "fuzz", &sink, &stats, &err);
	moat_feed_sniff("fuzz.json", data, size);
	moat_feed_date(kind, data, size, date, sizeof(date), &err);
}

#endif
