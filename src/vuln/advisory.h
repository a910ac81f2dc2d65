/* SPDX-License-Identifier: Apache-2.0 */
/*
 * advisory.h - the one in-memory shape every vulnerability feed parses into.
 *
 * Feed parsers (OSV, Debian security tracker, Alpine secdb, NVD CVE 2.0,
 * CISA KEV, EPSS) read untrusted bytes and hand each advisory to a sink; the
 * DB builder (db-build.c) is the usual sink. Nothing here is stored: the
 * sink copies what it keeps, the parser may reuse its memory after emit()
 * returns. Strings are NUL-terminated, NULL when the feed does not say.
 *
 * Ecosystem names follow OSV ("Debian:12", "Alpine:v3.18", "PyPI", "Go",
 * "npm", "Maven", "crates.io", "RubyGems", "Packagist", "NuGet"); a feed that
 * does not use OSV names (Debian tracker, Alpine secdb) maps its own to them.
 * Package names are as the feed spells them; the builder normalises
 * (PyPI case and -/_/., etc.) with moat_pkgname_normalize() from version.h.
 * For distros the package is the SOURCE package (Debian source, Alpine
 * origin, source RPM name), because that is what advisories name.
 */
#ifndef MOAT_VULN_ADVISORY_H
#define MOAT_VULN_ADVISORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;

/* What the feed says about one package in one ecosystem. */
enum moat_adv_status {
	MOAT_ADV_AFFECTED,      /* versions in ranges/versions are affected; fix in a range's fixed */
	MOAT_ADV_FIXED,         /* alias of AFFECTED with a fix (Debian "resolved") */
	MOAT_ADV_UNFIXED,       /* all versions affected, no fix yet (Debian "open") */
	MOAT_ADV_WONT_FIX,      /* vendor decided not to fix (Debian <no-dsa>/<ignored>, "end-of-life") */
	MOAT_ADV_NOT_AFFECTED,  /* vendor says this package/release is not affected */
};

/* One range of versions, OSV semantics: affected from introduced (NULL or
 * "0" = from the beginning) until fixed (exclusive) or last_affected
 * (inclusive) or limit (exclusive, an upper bound on the search only). */
struct moat_adv_range {
	const char *introduced;
	const char *fixed;
	const char *last_affected;
	const char *limit;
};

enum moat_adv_range_type {
	MOAT_RANGE_ECOSYSTEM,   /* compare with the ecosystem's version scheme */
	MOAT_RANGE_SEMVER,      /* compare as SemVer 2.0 */
	MOAT_RANGE_GIT,         /* commit hashes: not matchable against packages, kept for the record */
};

struct moat_adv_affected {
	const char *ecosystem;          /* OSV name, with release: "Debian:12" */
	const char *package;
	const char *purl;               /* when the feed gives one */
	enum moat_adv_status status;
	enum moat_adv_range_type range_type;
	const struct moat_adv_range *ranges;
	size_t n_ranges;
	const char *const *versions;    /* explicitly affected versions (OSV "versions") */
	size_t n_versions;
	const char *severity;           /* vendor severity for this package (Debian urgency), or NULL */
	const char *note;               /* "no-dsa", "ignored", "postponed", "end-of-life", free text */
};

struct moat_adv_cvss {
	const char *version;            /* "3.1", "3.0", "4.0", "2.0" */
	const char *vector;             /* the full vector string, e.g. "CVSS:3.1/AV:N/..." */
	double score;                   /* base score; <0 when the feed gave only a vector */
	const char *source;             /* who scored it: "nvd@nist.gov", "ghsa", ... */
};

/* One advisory: an OSV record, an NVD CVE, a tracker CVE with its packages. */
struct moat_advisory {
	const char *id;                 /* "CVE-2024-1234", "GHSA-...", "PYSEC-...", "GO-..." */
	const char *const *aliases;     /* other ids for the same flaw (OSV aliases; upstream ids) */
	size_t n_aliases;
	const char *summary;
	const char *details;            /* may be long; the builder may truncate */
	const char *published;          /* RFC 3339, or NULL */
	const char *modified;
	const char *withdrawn;          /* OSV withdrawn: the builder drops withdrawn records */
	const char *severity;           /* vendor/overall severity word: "critical".."low", "unknown" */
	const struct moat_adv_cvss *cvss;
	size_t n_cvss;
	const char *const *cwes;        /* "CWE-79" */
	size_t n_cwes;
	const struct moat_adv_affected *affected;
	size_t n_affected;
	const char *const *references;  /* URLs; the builder keeps a few */
	size_t n_references;
};

/* Enrichment: known exploited (CISA KEV) and exploit prediction (EPSS). */
struct moat_adv_kev {
	const char *cve;
	const char *date_added;         /* YYYY-MM-DD */
	const char *due_date;
	bool ransomware;                /* knownRansomwareCampaignUse == "Known" */
};

struct moat_adv_epss {
	const char *cve;
	double probability;             /* 0..1 */
	double percentile;              /* 0..1 */
};

/* Where parsers send what they read. Any callback may be NULL (the parser
 * then skips that kind). A callback's negative return aborts the parse and
 * is returned as is. */
struct moat_adv_sink {
	int (*advisory)(void *ctx, const struct moat_advisory *adv, struct moat_error *err);
	int (*kev)(void *ctx, const struct moat_adv_kev *kev, struct moat_error *err);
	int (*epss)(void *ctx, const struct moat_adv_epss *epss, struct moat_error *err);
	void *ctx;
};

/* Feed metadata the builder records in the DB's source list. */
struct moat_feed_info {
	const char *name;               /* "osv", "debian-tracker", "alpine-secdb", "nvd", "kev", "epss" */
	const char *origin;             /* file or URL it came from */
	const char *date;               /* the feed's own date when it has one (KEV catalogVersion, EPSS score_date) */
	size_t records;
};

#endif
