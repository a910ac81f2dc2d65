/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.c - scheme lookup, dispatch to the scheme files, OSV range
 * evaluation and package-name normalisation.
 */
#include <string.h>
#include <strings.h>

#include "moat/error.h"
#include "version-int.h"

static const struct vs_ops *const schemes[] = {
	[MOAT_VS_DPKG] = &vs_dpkg_ops,
	[MOAT_VS_RPM] = &vs_rpm_ops,
	[MOAT_VS_APK] = &vs_apk_ops,
	[MOAT_VS_SEMVER] = &vs_semver_ops,
	[MOAT_VS_NPM] = &vs_npm_ops,
	[MOAT_VS_GO] = &vs_go_ops,
	[MOAT_VS_CARGO] = &vs_cargo_ops,
	[MOAT_VS_PEP440] = &vs_pep440_ops,
	[MOAT_VS_MAVEN] = &vs_maven_ops,
	[MOAT_VS_GEM] = &vs_gem_ops,
	[MOAT_VS_NUGET] = &vs_nuget_ops,
	[MOAT_VS_COMPOSER] = &vs_composer_ops,
};

/* OSV ecosystem names (before any ":release") and purl types. */
static const struct {
	const char *name;
	enum moat_vscheme scheme;
} names[] = {
	{ "Debian", MOAT_VS_DPKG }, { "Ubuntu", MOAT_VS_DPKG }, { "deb", MOAT_VS_DPKG },
	{ "Alpine", MOAT_VS_APK }, { "Wolfi", MOAT_VS_APK }, { "Chainguard", MOAT_VS_APK },
	{ "apk", MOAT_VS_APK },
	{ "Red Hat", MOAT_VS_RPM }, { "AlmaLinux", MOAT_VS_RPM }, { "Rocky Linux", MOAT_VS_RPM },
	{ "SUSE", MOAT_VS_RPM }, { "openSUSE", MOAT_VS_RPM }, { "Mageia", MOAT_VS_RPM },
	{ "openEuler", MOAT_VS_RPM }, { "Oracle Linux", MOAT_VS_RPM }, { "Fedora", MOAT_VS_RPM },
	{ "CentOS", MOAT_VS_RPM }, { "Amazon Linux", MOAT_VS_RPM }, { "rpm", MOAT_VS_RPM },
	{ "PyPI", MOAT_VS_PEP440 }, { "pypi", MOAT_VS_PEP440 },
	{ "Go", MOAT_VS_GO }, { "golang", MOAT_VS_GO },
	{ "npm", MOAT_VS_NPM },
	{ "crates.io", MOAT_VS_CARGO }, { "cargo", MOAT_VS_CARGO },
	{ "Maven", MOAT_VS_MAVEN }, { "maven", MOAT_VS_MAVEN },
	{ "RubyGems", MOAT_VS_GEM }, { "gem", MOAT_VS_GEM },
	{ "NuGet", MOAT_VS_NUGET }, { "nuget", MOAT_VS_NUGET },
	{ "Packagist", MOAT_VS_COMPOSER }, { "composer", MOAT_VS_COMPOSER },
	{ "SemVer", MOAT_VS_SEMVER },
};

enum moat_vscheme moat_vscheme_for(const char *eco)
{
	size_t len;

	if (!eco)
		return MOAT_VS_UNKNOWN;
	len = strcspn(eco, ":");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && memcmp(names[i].name, eco, len) == 0)
			return names[i].scheme;
	return MOAT_VS_UNKNOWN;
}

static const struct vs_ops *ops_for(enum moat_vscheme s)
{
	if ((size_t)s >= sizeof(schemes) / sizeof(schemes[0]))
		return NULL;
	return schemes[s];
}

const char *moat_vscheme_name(enum moat_vscheme s)
{
	const struct vs_ops *ops = ops_for(s);

	return ops ? ops->name : "unknown";
}

int vs_numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int r;

	while (alen && *a == '0')
		a++, alen--;
	while (blen && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen > blen ? 1 : -1;
	r = memcmp(a, b, alen);
	return vs_sign(r);
}

int moat_version_cmp(enum moat_vscheme s, const char *a, const char *b, int *ret_cmp,
		     struct moat_error *err)
{
	const struct vs_ops *ops = ops_for(s);
	size_t alen;
	size_t blen;
	int cmp = 0;
	int r;

	if (!ops || !a || !b || !ret_cmp)
		return moat_error_set(err, MOAT_E_USAGE, "moat_version_cmp: bad scheme or NULL");
	alen = strnlen(a, MOAT_VERSION_MAX + 1);
	blen = strnlen(b, MOAT_VERSION_MAX + 1);
	if (alen > MOAT_VERSION_MAX || blen > MOAT_VERSION_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "%s version longer than %u bytes",
				      ops->name, MOAT_VERSION_MAX);
	r = ops->cmp(a, alen, b, blen, &cmp);
	if (r)
		return moat_error_set(err, MOAT_E_FORMAT, "\"%s\": not a valid %s version",
				      r == VS_BAD_A ? a : b, ops->name);
	*ret_cmp = vs_sign(cmp);
	return 0;
}

bool moat_version_valid(enum moat_vscheme s, const char *v)
{
	const struct vs_ops *ops = ops_for(s);
	size_t len;

	if (!ops || !v)
		return false;
	len = strnlen(v, MOAT_VERSION_MAX + 1);
	return len <= MOAT_VERSION_MAX && ops->valid(v, len);
}

/* --- OSV ranges ---------------------------------------------------------- */

static bool is_zero_intro(const char *v)
{
	return !v || !*v || strcmp(v, "0") == 0;
}

/* Within one entry: introduced <= v < fixed (or <= last_affected), and v < limit. */
static int entry_contains(enum moat_vscheme s, const struct moat_adv_range *r,
			  const char *v, bool *ret_in, struct moat_error *err)
{
	int c;
	int e;

	*ret_in = false;
	if (!is_zero_intro(r->introduced)) {
		e = moat_version_cmp(s, v, r->introduced, &c, err);
		if (e < 0 || c < 0)
			return e < 0 ? e : 0;
	}
	if (r->fixed) {
		e = moat_version_cmp(s, v, r->fixed, &c, err);
		if (e < 0 || c >= 0)
			return e < 0 ? e : 0;
	}
	if (r->last_affected) {
		e = moat_version_cmp(s, v, r->last_affected, &c, err);
		if (e < 0 || c > 0)
			return e < 0 ? e : 0;
	}
	if (r->limit && strcmp(r->limit, "*") != 0) {
		e = moat_version_cmp(s, v, r->limit, &c, err);
		if (e < 0 || c >= 0)
			return e < 0 ? e : 0;
	}
	*ret_in = true;
	return 0;
}

int moat_ranges_contain(enum moat_vscheme s, enum moat_adv_range_type range_type,
			const struct moat_adv_range *ranges, size_t n, const char *version,
			bool *ret_in, struct moat_error *err)
{
	if (!version || !ret_in || (n && !ranges))
		return moat_error_set(err, MOAT_E_USAGE, "moat_ranges_contain: NULL argument");
	if (range_type == MOAT_RANGE_GIT) {
		*ret_in = false;
		return 0;
	}
	/* SEMVER ranges: semver, but keep Go's and npm's spellings ("v1.2.3", loose) */
	if (range_type == MOAT_RANGE_SEMVER && s != MOAT_VS_GO && s != MOAT_VS_NPM)
		s = MOAT_VS_SEMVER;
	if (!ops_for(s))
		return moat_error_set(err, MOAT_E_USAGE, "moat_ranges_contain: unknown scheme");
	for (size_t i = 0; i < n; i++) {
		bool in = false;
		int r = entry_contains(s, &ranges[i], version, &in, err);

		if (r < 0)
			return moat_error_prefix(err, "range %zu: ", i);
		if (in) {
			*ret_in = true;
			return 0;
		}
	}
	*ret_in = false;
	return 0;
}

/* --- package names ------------------------------------------------------- */

static int put(char *out, size_t out_len, size_t *n, char c)
{
	if (*n + 1 >= out_len)
		return MOAT_E_LIMIT;
	out[(*n)++] = c;
	return 0;
}

int moat_pkgname_normalize(const char *eco, const char *name, char *out, size_t out_len)
{
	enum moat_vscheme s = moat_vscheme_for(eco);
	size_t n = 0;

	if (!name || !out || !out_len)
		return MOAT_E_USAGE;
	for (const char *p = name; *p; p++) {
		char c = *p;

		if (s == MOAT_VS_PEP440 && (c == '-' || c == '_' || c == '.')) {
			/* PEP 503: runs of -_. become one '-' */
			while (p[1] == '-' || p[1] == '_' || p[1] == '.')
				p++;
			c = '-';
		} else if (s == MOAT_VS_PEP440 || s == MOAT_VS_NUGET || s == MOAT_VS_COMPOSER) {
			c = (char)vs_lower((unsigned char)c);
		}
		if (put(out, out_len, &n, c) < 0) {
			out[0] = '\0';
			return MOAT_E_LIMIT;
		}
	}
	out[n] = '\0';
	return (int)n;
}
