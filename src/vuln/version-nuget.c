/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-nuget.c - NuGet versions ordered like NuGet.Versioning's
 * VersionComparer (VersionComparison.Default): up to four numeric parts
 * (missing = 0, leading zeros allowed, each an Int32), then release labels
 * (none > some; label by label, numeric ones (Int32.TryParse) numerically and
 * before alphanumeric ones, which compare case-insensitively; fewer labels
 * first), build metadata after '+' ignored.
 */
#include <stdint.h>
#include <string.h>

#include "version-int.h"

struct nuget {
	uint32_t part[4];
	const char *rel;        /* labels after '-', NULL = none */
	size_t rel_len;
};

static bool is_label_char(char c)
{
	return vs_isdigit(c) || vs_isalpha(c) || c == '-';
}

/* Dot-separated non-empty [0-9A-Za-z-]+ labels filling [p, end). */
static bool labels_ok(const char *p, const char *end)
{
	const char *s = p;

	for (; p <= end; p++) {
		if (p == end || *p == '.') {
			if (p == s)
				return false;
			s = p + 1;
		} else if (!is_label_char(*p)) {
			return false;
		}
	}
	return true;
}

static bool nuget_parse(const char *s, size_t len, struct nuget *v)
{
	const char *end = s + len;
	const char *plus = memchr(s, '+', len);
	const char *dash;
	const char *p = s;
	int parts = 0;

	memset(v, 0, sizeof(*v));
	if (plus) {
		if (!labels_ok(plus + 1, end))
			return false;
		end = plus;
	}
	dash = memchr(s, '-', (size_t)(end - s));
	if (dash) {
		if (!labels_ok(dash + 1, end))
			return false;
		v->rel = dash + 1;
		v->rel_len = (size_t)(end - v->rel);
		end = dash;
	}
	for (;;) {
		uint64_t n = 0;
		const char *d = p;

		while (p < end && vs_isdigit(*p)) {
			n = n * 10 + (uint64_t)(*p++ - '0');
			if (n > INT32_MAX)
				return false;
		}
		if (p == d || parts == 4)
			return false;
		v->part[parts++] = (uint32_t)n;
		if (p == end)
			return true;
		if (*p++ != '.')
			return false;
	}
}

/* Int32.TryParse on a label: optional sign, digits, in range. */
static bool label_int(const char *s, size_t len, long long *ret)
{
	bool neg = len && *s == '-';
	long long n = 0;

	if (neg)
		s++, len--;
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!vs_isdigit(s[i]))
			return false;
		n = n * 10 + (s[i] - '0');
		if (n > (long long)INT32_MAX + 1)
			return false;
	}
	if (!neg && n > INT32_MAX)
		return false;
	*ret = neg ? -n : n;
	return true;
}

static int label_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	long long x;
	long long y;
	bool an = label_int(a, alen, &x);
	bool bn = label_int(b, blen, &y);

	if (an && bn)
		return (x > y) - (x < y);
	if (an != bn)
		return an ? -1 : 1;
	for (size_t i = 0; i < alen && i < blen; i++) {
		int d = vs_lower((unsigned char)a[i]) - vs_lower((unsigned char)b[i]);

		if (d)
			return vs_sign(d);
	}
	return (alen > blen) - (alen < blen);
}

static int nuget_keycmp(const struct nuget *a, const struct nuget *b)
{
	size_t i = 0;
	size_t j = 0;

	for (int k = 0; k < 4; k++)
		if (a->part[k] != b->part[k])
			return a->part[k] > b->part[k] ? 1 : -1;
	if (!a->rel || !b->rel)
		return (a->rel == NULL) - (b->rel == NULL);
	for (;;) {
		size_t si = i;
		size_t sj = j;
		int r;

		if (i > a->rel_len || j > b->rel_len)
			return (i <= a->rel_len) - (j <= b->rel_len);
		while (i < a->rel_len && a->rel[i] != '.')
			i++;
		while (j < b->rel_len && b->rel[j] != '.')
			j++;
		r = label_cmp(a->rel + si, i - si, b->rel + sj, j - sj);
		if (r)
			return r;
		i++;
		j++;
	}
}

VS_CMP_PARSED(nuget, struct nuget, nuget_parse, nuget_keycmp)

const struct vs_ops vs_nuget_ops = { "nuget", nuget_cmp, nuget_valid };
