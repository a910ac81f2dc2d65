/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vulndb.h - the compiled vulnerability DB: one read-only file, memory-mapped.
 *
 * `moat db build` turns feeds (feed.h) into the file; `moat scan` opens it
 * with moat_vulndb_open() (mmap, header and checksum checks, no parsing of
 * the body: opening must stay in the low milliseconds) and asks two things:
 * which advisories name (ecosystem, package), and what is known about one
 * vulnerability id. Everything returned points into the mapping or into the
 * cursor and stays valid until moat_vulndb_close() (cursor data: until the
 * next moat_vulndb_next()). A DB file is untrusted input too: every offset
 * read from it is bounds-checked, and a damaged file is MOAT_E_FORMAT naming
 * the file and the section.
 */
#ifndef MOAT_VULN_VULNDB_H
#define MOAT_VULN_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vuln/advisory.h"

struct moat_error;
struct moat_vulndb;

struct moat_vulndb_source {
	const char *name;               /* "osv", "debian-tracker", ... */
	const char *origin;
	const char *date;               /* the feed's own date, or NULL */
	uint64_t records;
};

struct moat_vulndb_info {
	uint32_t format_version;
	int64_t built;                  /* unix seconds */
	const char *checksum;           /* "sha256:..." from the header (verified when opened so) */
	const struct moat_vulndb_source *sources;
	size_t n_sources;
	uint64_t n_vulns;               /* distinct vulnerability records */
	uint64_t n_affected;            /* (ecosystem, package, vuln) entries */
	uint64_t n_packages;            /* distinct (ecosystem, package) keys */
	uint64_t file_size;
};

/* Open path read-only (mmap). Always checks the magic, format version, file
 * size and section bounds. With verify_sum, also hashes the whole file and
 * compares with the checksum in its header (MOAT_E_VERIFY on any difference:
 * a byte changed anywhere, header included). Every user-facing caller
 * verifies; false is for fuzzing (to reach the parser past the checksum)
 * and benchmarks of the open itself. */
int moat_vulndb_open(const char *path, bool verify_sum, struct moat_vulndb **ret_db,
		     struct moat_error *err);
/* The same over memory the caller keeps alive and unchanged until close
 * (fuzzing, tests, a DB just downloaded). name is used in messages. */
int moat_vulndb_open_mem(const void *data, size_t len, const char *name, bool verify_sum,
			 struct moat_vulndb **ret_db, struct moat_error *err);
void moat_vulndb_close(struct moat_vulndb *db);
const struct moat_vulndb_info *moat_vulndb_info(const struct moat_vulndb *db);

/* One advisory entry for a package: what to compare the installed version with. */
struct moat_vulndb_entry {
	const char *vuln_id;
	const char *ecosystem;          /* as stored, e.g. "Debian:12" */
	const char *package;            /* normalised name as stored */
	enum moat_adv_status status;
	enum moat_adv_range_type range_type;
	const struct moat_adv_range *ranges;    /* cursor-owned */
	size_t n_ranges;
	const char *const *versions;            /* cursor-owned */
	size_t n_versions;
	const char *severity;           /* per-package vendor severity (Debian urgency) or NULL */
	const char *note;
	uint64_t vuln_index;            /* for moat_vulndb_vuln_at() */
};

/* Caller-allocated; no heap use. */
struct moat_vulndb_cursor {
	const struct moat_vulndb *db;
	uint64_t pos, end;
	struct moat_adv_range ranges[64];
	const char *versions[256];
	bool truncated;                 /* an entry had more ranges/versions than fit */
	const char *ecosystem;          /* of the package being walked */
	const char *package;
	int error;                      /* MOAT_E_FORMAT once a damaged entry ended the walk */
	const char *error_section;      /* where: "entries", "ranges", "lists", "strings" */
	uint64_t error_index;
};

/* Entries for (ecosystem, package). package is normalised with
 * moat_pkgname_normalize() first (version.h). Returns 0 (cursor may be empty). */
int moat_vulndb_find(const struct moat_vulndb *db, const char *ecosystem, const char *package,
		     struct moat_vulndb_cursor *cur);
/* Next entry, or false at the end. A damaged entry also ends the walk:
 * check cur->error (or moat_vulndb_cursor_error()) after the loop. */
bool moat_vulndb_next(struct moat_vulndb_cursor *cur, struct moat_vulndb_entry *out);
/* 0, or MOAT_E_FORMAT with the file, section and record in *err. */
int moat_vulndb_cursor_error(const struct moat_vulndb_cursor *cur, struct moat_error *err);
/* Walk every package: set cur to the entries of the i-th (ecosystem,
 * package) key in sort order, i < info->n_packages. Returns 0,
 * MOAT_E_NOTFOUND past the end, or MOAT_E_FORMAT for a damaged record. */
int moat_vulndb_package_at(const struct moat_vulndb *db, uint64_t i,
			   struct moat_vulndb_cursor *cur, struct moat_error *err);

/* Everything known about one vulnerability id, merged at build time from all
 * feeds (an OSV GHSA record gets NVD's CVSS and KEV/EPSS through its CVE alias). */
struct moat_vulndb_vuln {
	const char *id;
	const char *summary;
	const char *published;
	const char *modified;
	const char *severity;           /* "critical","high","medium","low","negligible","unknown" */
	const char *cvss3_vector;       /* best v3.x: NVD primary, else the feed's */
	double cvss3_score;             /* <0 when none */
	const char *cvss4_vector;
	double cvss4_score;
	const char *cvss_source;
	size_t n_aliases;
	size_t n_cwes;
	size_t n_references;
	bool kev;                       /* in CISA KEV (exploited in the wild) */
	const char *kev_date_added;
	bool kev_ransomware;
	double epss;                    /* probability 0..1, <0 when unknown */
	double epss_percentile;
	uint64_t index;                 /* position in the vuln table (for the accessors below) */
};

/* Look up by id (exact, case-sensitive). Returns 0, or MOAT_E_NOTFOUND. */
int moat_vulndb_vuln(const struct moat_vulndb *db, const char *id, struct moat_vulndb_vuln *out,
		     struct moat_error *err);
/* The record at index (entry.vuln_index, or 0..n_vulns-1 to walk them all).
 * MOAT_E_NOTFOUND past the end, MOAT_E_FORMAT when damaged. */
int moat_vulndb_vuln_at(const struct moat_vulndb *db, uint64_t index,
			struct moat_vulndb_vuln *out, struct moat_error *err);
/* i-th alias / CWE / reference of a vuln found by moat_vulndb_vuln(). */
const char *moat_vulndb_vuln_alias(const struct moat_vulndb *db, const struct moat_vulndb_vuln *v,
				   size_t i);
const char *moat_vulndb_vuln_cwe(const struct moat_vulndb *db, const struct moat_vulndb_vuln *v,
				 size_t i);
const char *moat_vulndb_vuln_reference(const struct moat_vulndb *db,
				       const struct moat_vulndb_vuln *v, size_t i);

/* Where `moat db` and `moat scan` look by default: $MOAT_DB, else
 * $XDG_DATA_HOME/moat/vuln.db, else $HOME/.local/share/moat/vuln.db. Writes
 * into buf and returns it, or NULL when none is set or it does not fit. */
const char *moat_vulndb_default_path(char *buf, size_t len);

#endif
