/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-build-int.h - the builder's in-memory tables, shared by db-build.c
 * (collect and merge) and db-write.c (serialise). Private to src/vuln/.
 *
 * Every string the builder keeps is interned: one copy per distinct content,
 * laid out right after a struct dbb_str header, so equal strings are equal
 * pointers (merging compares pointers) and the writer finds a string's
 * offset in the output without a hash lookup.
 */
#ifndef MOAT_VULN_DB_BUILD_INT_H
#define MOAT_VULN_DB_BUILD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "vuln/db-build.h"

struct dbb_str {
	uint32_t off;           /* offset in the STRINGS section being written */
	uint32_t gen;           /* serialisation that assigned off */
	char s[];
};

static inline struct dbb_str *dbb_str_of(const char *s)
{
	return (struct dbb_str *)(void *)(uintptr_t)(s - offsetof(struct dbb_str, s));
}

struct dbb_list {
	const char **v;         /* interned strings, arena */
	uint32_t n;
	uint32_t cap;
};

struct dbb_vuln {
	const char *id;
	const char *summary;
	const char *published;
	const char *modified;
	const char *severity;
	int severity_rank;      /* 2 NVD, 1 other feed, 0 none/unknown */
	const char *cvss3_vector;
	const char *cvss3_source;
	double cvss3_score;
	int cvss3_rank;         /* 3 NVD primary, 2 NVD quoted, 1 other, 0 none */
	const char *cvss4_vector;
	const char *cvss4_source;
	double cvss4_score;
	int cvss4_rank;
	struct dbb_list aliases;
	struct dbb_list cwes;
	struct dbb_list refs;
	bool withdrawn;
	/* Set while writing. */
	bool kev;
	bool kev_ransomware;
	const char *kev_date;
	double epss;
	double epss_pct;
	uint32_t index;
};

struct dbb_entry {
	const char *ecosystem;
	const char *package;    /* normalised */
	struct dbb_vuln *vuln;
	uint8_t status;
	uint8_t range_type;
	uint32_t n_ranges;
	uint32_t n_versions;
	const struct moat_adv_range *ranges;    /* interned strings */
	const char **versions;
	const char *severity;
	const char *note;
	uint64_t seq;           /* arrival order, keeps sorting stable */
};

struct dbb_kev {
	const char *date_added;
	bool ransomware;
};

struct dbb_epss {
	double probability;
	double percentile;
};

struct dbb_source {
	const char *name;
	const char *origin;
	const char *date;       /* given, or NULL */
	const char *newest;     /* newest "modified" seen */
	uint64_t records;
};

struct moat_dbb {
	struct moat_arena *arena;
	struct moat_hmap strs;          /* content -> interned char * */
	struct moat_hmap vulns;         /* id -> struct dbb_vuln */
	struct moat_hmap kev;           /* CVE -> struct dbb_kev */
	struct moat_hmap epss;          /* CVE -> struct dbb_epss */
	struct dbb_entry *ents;         /* heap */
	size_t n_ents;
	size_t cap_ents;
	struct dbb_source sources[MOAT_DBB_MAX_SOURCES];
	size_t n_sources;
	struct dbb_source *cur;         /* where records count now (NULL = none) */
	uint32_t gen;                   /* serialisation counter for dbb_str.gen */
	struct moat_dbb_stats stats;
};

/* Interned copy of s (NULL and "" give NULL); NULL on arena exhaustion with
 * *oom set. */
const char *dbb_intern(struct moat_dbb *dbb, const char *s, size_t len, bool *oom);

#endif
