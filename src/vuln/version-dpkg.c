/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-dpkg.c - Debian versions, [epoch:]upstream[-revision], ordered the
 * way dpkg does (lib/dpkg/version.c verrevcmp, parsehelp.c parseversion).
 *
 * parseversion's hard errors (empty, bad epoch, empty revision, embedded
 * space) make a version invalid; its warnings (no leading digit, odd
 * characters) do not, since `dpkg --compare-versions` still compares those.
 */
#include <limits.h>
#include <string.h>

#include "version-int.h"

struct dpkg_ver {
	unsigned long epoch;
	const char *up;
	size_t up_len;
	const char *rev;
	size_t rev_len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool dpkg_parse(const char *s, size_t len, struct dpkg_ver *v)
{
	const char *end;
	const char *colon;
	const char *hyphen = NULL;

	while (len && is_blank(*s))
		s++, len--;
	while (len && is_blank(s[len - 1]))
		len--;
	if (!len)
		return false;
	end = s + len;
	for (const char *p = s; p < end; p++)
		if (is_blank(*p) || *p == '\0')
			return false; /* embedded space */
	v->epoch = 0;
	colon = memchr(s, ':', len);
	if (colon) {
		if (colon == s)
			return false; /* epoch is empty */
		for (const char *p = s; p < colon; p++) {
			if (!vs_isdigit(*p))
				return false; /* epoch is not a number */
			v->epoch = v->epoch * 10 + (unsigned long)(*p - '0');
			if (v->epoch > INT_MAX)
				return false; /* epoch too big */
		}
		s = colon + 1;
		if (s == end)
			return false; /* nothing after the colon */
	}
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			hyphen = p;
	v->up = s;
	v->up_len = (size_t)((hyphen ? hyphen : end) - s);
	v->rev = hyphen ? hyphen + 1 : end;
	v->rev_len = (size_t)(end - v->rev);
	if (hyphen && !v->rev_len)
		return false; /* revision is empty */
	return v->up_len > 0;
}

/* dpkg's character weight: '~' before end, end before letters, letters before the rest. */
static int order(const char *s, size_t len, size_t i)
{
	int c = i < len ? (unsigned char)s[i] : 0;

	if (vs_isdigit(c))
		return 0;
	if (vs_isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0;
	size_t j = 0;

	while (i < alen || j < blen) {
		int first_diff = 0;

		while ((i < alen && !vs_isdigit(a[i])) || (j < blen && !vs_isdigit(b[j]))) {
			int ac = order(a, alen, i);
			int bc = order(b, blen, j);

			if (ac != bc)
				return vs_sign(ac - bc);
			i++;
			j++;
		}
		while (i < alen && a[i] == '0')
			i++;
		while (j < blen && b[j] == '0')
			j++;
		while (i < alen && j < blen && vs_isdigit(a[i]) && vs_isdigit(b[j])) {
			if (!first_diff)
				first_diff = a[i] - b[j];
			i++;
			j++;
		}
		if (i < alen && vs_isdigit(a[i]))
			return 1;
		if (j < blen && vs_isdigit(b[j]))
			return -1;
		if (first_diff)
			return vs_sign(first_diff);
	}
	return 0;
}

static int dpkg_keycmp(const struct dpkg_ver *a, const struct dpkg_ver *b)
{
	int r;

	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	r = verrevcmp(a->up, a->up_len, b->up, b->up_len);
	if (r)
		return r;
	return verrevcmp(a->rev, a->rev_len, b->rev, b->rev_len);
}

VS_CMP_PARSED(dpkg, struct dpkg_ver, dpkg_parse, dpkg_keycmp)

const struct vs_ops vs_dpkg_ops = { "dpkg", dpkg_cmp, dpkg_valid };
