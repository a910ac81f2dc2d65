/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-int.h - what version.c needs from each scheme file.
 *
 * Scheme files see bounded input (at most MOAT_VERSION_MAX bytes, checked by
 * version.c) as pointer + length, NUL-terminated too. A compare returns 0,
 * or VS_BAD_A / VS_BAD_B naming the operand that does not parse, so
 * version.c can write the error message once.
 */
#ifndef MOAT_VULN_VERSION_INT_H
#define MOAT_VULN_VERSION_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "vuln/version.h"

#define VS_BAD_A 1
#define VS_BAD_B 2

struct vs_ops {
	const char *name;
	int (*cmp)(const char *a, size_t alen, const char *b, size_t blen, int *ret_cmp);
	bool (*valid)(const char *v, size_t len);
};

extern const struct vs_ops vs_dpkg_ops;
extern const struct vs_ops vs_rpm_ops;
extern const struct vs_ops vs_apk_ops;
extern const struct vs_ops vs_semver_ops;
extern const struct vs_ops vs_npm_ops;
extern const struct vs_ops vs_go_ops;
extern const struct vs_ops vs_cargo_ops;
extern const struct vs_ops vs_pep440_ops;
extern const struct vs_ops vs_maven_ops;
extern const struct vs_ops vs_gem_ops;
extern const struct vs_ops vs_nuget_ops;
extern const struct vs_ops vs_composer_ops;

/* Compare two runs of ASCII digits as unbounded integers (leading zeros ignored). */
int vs_numcmp(const char *a, size_t alen, const char *b, size_t blen);
/* -1, 0, 1 from any int. */
static inline int vs_sign(long long v)
{
	return (v > 0) - (v < 0);
}
static inline bool vs_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
static inline bool vs_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline int vs_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Build a two-operand compare from a one-operand parse + key compare. */
#define VS_CMP_PARSED(prefix, type, parse, keycmp) \
	static int prefix##_cmp(const char *a, size_t alen, const char *b, size_t blen, \
				int *ret_cmp) \
	{ \
		type pa, pb; \
		if (!parse(a, alen, &pa)) \
			return VS_BAD_A; \
		if (!parse(b, blen, &pb)) \
			return VS_BAD_B; \
		*ret_cmp = keycmp(&pa, &pb); \
		return 0; \
	} \
	static bool prefix##_valid(const char *v, size_t len) \
	{ \
		type p; \
		return parse(v, len, &p); \
	}

/* semver helpers shared by version.c (OSV SEMVER ranges) and the range matcher. */
int vs_semver_cmp_strict(const char *a, size_t alen, const char *b, size_t blen, int *ret_cmp);

#endif
