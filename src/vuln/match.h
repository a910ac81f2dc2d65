/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.h - packages x compiled DB -> vulnerability findings.
 *
 * OS packages match by their source package (Debian source, Alpine origin,
 * source RPM) in the distro release's ecosystem ("Debian:12"); language
 * packages by ecosystem and normalised name. Each finding carries what a
 * user needs to act: ids and aliases, severities, installed and fixed
 * versions, the layer and Dockerfile instruction that brought the package,
 * and (after owner attribution and risk scoring) who owns it and how urgent
 * it is. Findings live in the caller's arena.
 */
#ifndef MOAT_VULN_MATCH_H
#define MOAT_VULN_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "sbom/pkg.h"

struct moat_arena;
struct moat_error;
struct moat_image_meta;
struct moat_os;
struct moat_vulndb;

#define MOAT_RISK_MAX_FACTORS 16

/* One reason a finding's risk went up or down, shown to the user. */
struct moat_risk_factor {
	const char *name;       /* "attack-vector-network", "kev", "fix-available", "privileged" */
	double weight;          /* what it contributed (points, may be negative) */
};

struct moat_risk {
	int score;              /* 0..100 */
	struct moat_risk_factor factors[MOAT_RISK_MAX_FACTORS];
	size_t n_factors;
};

enum moat_vuln_status {
	MOAT_VULN_FIXED,        /* a fixed version exists: upgrade */
	MOAT_VULN_AFFECTED,     /* affected, no fix yet */
	MOAT_VULN_WONT_FIX,     /* the vendor will not fix (no-dsa, ignored, end-of-life) */
};

struct moat_vuln_finding {
	const struct moat_pkg *pkg;
	const char *id;
	const char **aliases;
	size_t n_aliases;
	const char *severity;           /* critical/high/medium/low/negligible/unknown */
	const char *vendor_severity;    /* as the distro/feed says (Debian urgency), or NULL */
	/* Who decided severity: "debian-urgency" ("<distro>-severity" for
	 * others), "nvd", "osv" (the advisory's CVSS), "advisory" (its severity
	 * word); NULL when unknown. */
	const char *severity_source;
	const char *cvss_source;        /* who scored the CVSS: "nvd@nist.gov", "pysec", "ghsa" */
	const char *cvss_version;       /* of the best CVSS we have, or NULL */
	const char *cvss_vector;
	double cvss_score;              /* <0 when none */
	const char *installed_version;
	const char *fixed_version;      /* NULL when there is no fix */
	enum moat_vuln_status status;
	const char *note;               /* vendor note: "no-dsa", "postponed", ... */
	const char *summary;
	const char *published;
	bool kev;
	const char *kev_date_added;
	double epss;                    /* <0 unknown */
	double epss_percentile;
	const char *created_by;         /* Dockerfile instruction of the package's layer */
	const char *owner;              /* "base", "app", "unknown" */
	const char *base_image;         /* name of the base image when owner is known */
	struct moat_risk risk;
	const char *suppressed;         /* reason, when an ignore rule or VEX statement matched */
};

struct moat_vuln_list {
	struct moat_vuln_finding **items;
	size_t count;
	size_t cap;
};

/* The OSV ecosystem a package is matched in ("Debian:12", "PyPI"), written
 * into buf; NULL when moat cannot match that package type on that OS. */
const char *moat_match_ecosystem(const struct moat_os *os, const struct moat_pkg *pkg, char *buf,
				 size_t len);

/* Match every package. meta (may be NULL) gives created_by per layer. */
int moat_vuln_match(const struct moat_vulndb *db, const struct moat_os *os,
		    const struct moat_image_meta *meta, const struct moat_pkg_list *pkgs,
		    struct moat_arena *arena, struct moat_vuln_list *out, struct moat_error *err);

const char *moat_vuln_status_name(enum moat_vuln_status status);
/* Severity words ordered: negligible < low < medium < high < critical; unknown = -1. */
int moat_severity_rank(const char *severity);

#endif
