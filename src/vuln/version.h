/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.h - version ordering for every ecosystem moat matches.
 *
 * One comparison per scheme family, each following its reference
 * implementation (dpkg verrevcmp, rpmvercmp, apk-tools, node-semver, PyPA
 * packaging, Maven ComparableVersion, Gem::Version, NuGetVersion, Composer's
 * VersionParser + PHP version_compare), plus node-semver range satisfaction
 * and OSV range evaluation. Nothing here allocates: versions are bounded by
 * MOAT_VERSION_MAX and parsed into stack buffers.
 */
#ifndef MOAT_VULN_VERSION_H
#define MOAT_VULN_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#include "vuln/advisory.h"

struct moat_error;

/* Longest version string accepted (node-semver and Maven use the same cap);
 * longer ones are MOAT_E_LIMIT. */
#define MOAT_VERSION_MAX 256u

enum moat_vscheme {
	MOAT_VS_UNKNOWN,
	MOAT_VS_DPKG,
	MOAT_VS_RPM,
	MOAT_VS_APK,
	MOAT_VS_SEMVER,   /* SemVer 2.0 (node-semver strict parse, leading 'v' allowed) */
	MOAT_VS_NPM,      /* node-semver loose parse */
	MOAT_VS_GO,       /* golang.org/x/mod/semver, 'v' optional, +incompatible ignored */
	MOAT_VS_CARGO,
	MOAT_VS_PEP440,
	MOAT_VS_MAVEN,
	MOAT_VS_GEM,
	MOAT_VS_NUGET,
	MOAT_VS_COMPOSER,
};

/* From an OSV ecosystem ("Debian:12", "Ubuntu:22.04", "Alpine:v3.18", "Red Hat", "AlmaLinux:9",
 * "Rocky Linux", "SUSE", "openSUSE", "PyPI", "Go", "npm", "crates.io", "Maven", "RubyGems",
 * "NuGet", "Packagist") or a purl type ("deb","rpm","apk","pypi","golang","npm","cargo","maven",
 * "gem","nuget","composer"). MOAT_VS_UNKNOWN when neither; NULL is UNKNOWN. */
enum moat_vscheme moat_vscheme_for(const char *ecosystem_or_purl_type);
/* Static lower-case name ("dpkg", "pep440", ...); "unknown" for anything else. */
const char *moat_vscheme_name(enum moat_vscheme s);

/* *ret_cmp <0,0,>0. Returns 0, or MOAT_E_FORMAT when a version does not parse in that scheme
 * (err names the version), MOAT_E_LIMIT when one is longer than MOAT_VERSION_MAX bytes,
 * MOAT_E_USAGE for MOAT_VS_UNKNOWN or NULL arguments. Never allocates. The order is total
 * and antisymmetric: cmp(a,b) == -cmp(b,a). apk compares any string the way apk-tools
 * does (invalid tails sort as apk sorts them), so it never fails with MOAT_E_FORMAT. */
int moat_version_cmp(enum moat_vscheme s, const char *a, const char *b, int *ret_cmp,
		     struct moat_error *err);
/* Whether v parses in scheme s (apk: apk_version_validate). */
bool moat_version_valid(enum moat_vscheme s, const char *v);

/* apk-tools fuzzy match, the "~" dependency operator: true when the tokens of b are a prefix of
 * a's ("3.6.9" ~ "3.6"). ret_cmp gets apk's fuzzy result: 0 for a prefix match, else the order. */
int moat_apk_fuzzy_cmp(const char *a, const char *b, int *ret_cmp, struct moat_error *err);

/* node-semver range satisfaction (npm ranges; also used for SEMVER/CARGO "^1.2"-style):
 * Range(range, {loose, includePrerelease}).test(version). MOAT_E_FORMAT when the range is not
 * a valid range (strict mode: any bad comparator; loose mode: bad comparators are dropped, as
 * node does) or the version does not parse; MOAT_E_LIMIT beyond MOAT_VERSION_MAX bytes. */
int moat_semver_range_match(const char *range, const char *version, bool loose,
			    bool include_prerelease, bool *ret_in, struct moat_error *err);

/* Does an OSV-style range list contain version? (advisory.h: struct moat_adv_range:
 * introduced/fixed/last_affected/limit; events form intervals; introduced NULL or "0" = -inf).
 * Each entry is one interval [introduced, fixed) or [introduced, last_affected]; an entry with
 * neither fixed nor last_affected is open above. limit bounds an entry from above (exclusive)
 * too. range_type MOAT_RANGE_SEMVER compares with semver regardless of scheme;
 * MOAT_RANGE_GIT never matches. */
int moat_ranges_contain(enum moat_vscheme s, enum moat_adv_range_type range_type,
			const struct moat_adv_range *ranges, size_t n, const char *version,
			bool *ret_in, struct moat_error *err);

/* Canonical package name for matching within an ecosystem: PyPI PEP 503 (lowercase, runs of
 * -_. -> '-'), npm/Go/Maven/crates as-is except Maven "group:artifact" kept, NuGet lowercase,
 * Packagist lowercase, distros as-is. Writes NUL-terminated into out; returns length or
 * MOAT_E_LIMIT if it does not fit (MOAT_E_USAGE for NULL arguments). */
int moat_pkgname_normalize(const char *ecosystem_or_purl_type, const char *name, char *out,
			   size_t out_len);

#endif
