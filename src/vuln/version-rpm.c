/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-rpm.c - RPM [epoch:]version[-release] ordered like rpm: the epoch
 * (missing = 0) numerically, then version and release with rpmvercmp()
 * (rpmio/rpmvercmp.c), including '~' (sorts before anything, even the end)
 * and '^' (sorts after the end but before any further segment). As rpm's
 * rpmverCmp (rpm.vercmp) does, a missing release is "" (so "1.0-1" > "1.0");
 * dependency matching's "release only when both have one" is not used here.
 *
 * Separators are every byte that is not an ASCII letter or digit, so
 * "1.1.α" == "1.1.β" exactly as rpm says (rpm-oddities vectors).
 */
#include <string.h>

#include "version-int.h"

struct rpm_evr {
	const char *epoch;      /* NULL = 0 */
	size_t epoch_len;
	const char *ver;
	size_t ver_len;
	const char *rel;        /* NULL when there is no '-' */
	size_t rel_len;
};

static bool alnum(char c)
{
	return vs_isdigit(c) || vs_isalpha(c);
}

/* rpmvercmp on (pointer, length) strings. */
static int rpmvercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0;
	size_t j = 0;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	while (i < alen || j < blen) {
		size_t si;
		size_t sj;
		bool isnum;
		int r;

		while (i < alen && !alnum(a[i]) && a[i] != '~' && a[i] != '^')
			i++;
		while (j < blen && !alnum(b[j]) && b[j] != '~' && b[j] != '^')
			j++;
		/* '~' sorts before everything else, the end included */
		if ((i < alen && a[i] == '~') || (j < blen && b[j] == '~')) {
			if (i >= alen || a[i] != '~')
				return 1;
			if (j >= blen || b[j] != '~')
				return -1;
			i++;
			j++;
			continue;
		}
		/* '^' sorts after the end of the other string, before anything else */
		if ((i < alen && a[i] == '^') || (j < blen && b[j] == '^')) {
			if (i >= alen)
				return -1;
			if (j >= blen)
				return 1;
			if (a[i] != '^')
				return 1;
			if (b[j] != '^')
				return -1;
			i++;
			j++;
			continue;
		}
		if (!(i < alen && j < blen))
			break;
		si = i;
		sj = j;
		isnum = vs_isdigit(a[i]);
		if (isnum) {
			while (i < alen && vs_isdigit(a[i]))
				i++;
			while (j < blen && vs_isdigit(b[j]))
				j++;
		} else {
			while (i < alen && vs_isalpha(a[i]))
				i++;
			while (j < blen && vs_isalpha(b[j]))
				j++;
		}
		/* numeric segments are always newer than alpha segments */
		if (sj == j)
			return isnum ? 1 : -1;
		if (isnum) {
			r = vs_numcmp(a + si, i - si, b + sj, j - sj);
		} else {
			size_t la = i - si;
			size_t lb = j - sj;

			r = memcmp(a + si, b + sj, la < lb ? la : lb);
			if (!r)
				r = (la > lb) - (la < lb);
		}
		if (r)
			return vs_sign(r);
	}
	if (i >= alen && j >= blen)
		return 0;
	return i >= alen ? -1 : 1;
}

static bool rpm_parse(const char *s, size_t len, struct rpm_evr *v)
{
	size_t e = 0;
	const char *end = s + len;
	const char *dash = NULL;

	memset(v, 0, sizeof(*v));
	while (e < len && vs_isdigit(s[e]))
		e++;
	if (e < len && s[e] == ':') {
		v->epoch = s;
		v->epoch_len = e;
		s += e + 1;
	}
	for (const char *p = s; p < end; p++) {
		if (*p == '\0')
			return false;
		if (*p == '-')
			dash = p;
	}
	v->ver = s;
	v->ver_len = (size_t)((dash ? dash : end) - s);
	if (dash) {
		v->rel = dash + 1;
		v->rel_len = (size_t)(end - v->rel);
	}
	return v->ver_len > 0;
}

static int rpm_keycmp(const struct rpm_evr *a, const struct rpm_evr *b)
{
	int r = vs_numcmp(a->epoch ? a->epoch : "0", a->epoch ? a->epoch_len : 1,
			  b->epoch ? b->epoch : "0", b->epoch ? b->epoch_len : 1);

	if (r)
		return r;
	r = rpmvercmp(a->ver, a->ver_len, b->ver, b->ver_len);
	if (r)
		return r;
	return rpmvercmp(a->rel ? a->rel : "", a->rel_len, b->rel ? b->rel : "", b->rel_len);
}

VS_CMP_PARSED(rpm, struct rpm_evr, rpm_parse, rpm_keycmp)

const struct vs_ops vs_rpm_ops = { "rpm", rpm_cmp, rpm_valid };
