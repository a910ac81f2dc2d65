/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-gem.c - RubyGems versions ordered like Gem::Version#<=>.
 *
 * Valid: Gem::Version::ANCHORED_VERSION_PATTERN (digits, then ".alnum"
 * parts, then an optional "-pre.release" tail; blank = "0"). Each '-' reads
 * as ".pre."; the version splits into runs of digits and runs of letters;
 * canonical segments drop trailing zeros from the numeric head and from the
 * part after the first letter run; segments then compare pairwise, missing
 * ones as 0, a string below a number, strings as bytes, numbers by value.
 */
#include <string.h>

#include "version-int.h"

#define GEM_SEGS (2 * MOAT_VERSION_MAX + 1)

struct gem_seg {
	const char *p;
	unsigned short len;
	bool num;
};

struct gem {
	struct gem_seg s[GEM_SEGS];
	size_t n;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_alnum(char c)
{
	return vs_isdigit(c) || vs_isalpha(c);
}

static bool gem_pattern(const char *p, const char *end)
{
	const char *s = p;

	if (p == end)
		return true;
	while (p < end && vs_isdigit(*p))
		p++;
	if (p == s)
		return false;
	while (p + 1 < end && *p == '.' && is_alnum(p[1]))
		for (p++; p < end && is_alnum(*p); p++)
			;
	if (p < end && *p == '-') {
		do {
			s = ++p;
			while (p < end && (is_alnum(*p) || *p == '-'))
				p++;
			if (p == s)
				return false;
		} while (p < end && *p == '.');
	}
	return p == end;
}

static bool zero_seg(const struct gem_seg *g)
{
	return g->num && vs_numcmp(g->p, g->len, "0", 1) == 0;
}

static bool gem_parse(const char *s, size_t len, struct gem *g)
{
	static const char pre[] = "pre";
	const char *p = s;
	const char *end = s + len;
	size_t head;
	size_t n = 0;
	size_t keep;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (!gem_pattern(p, end))
		return false;
	if (p == end) {
		p = "0";
		end = p + 1;
	}
	while (p < end) {
		const char *t = p;
		bool num = vs_isdigit(*p);

		if (*p == '-') {
			g->s[n++] = (struct gem_seg){ pre, 3, false };
			p++;
			continue;
		}
		while (p < end && (num ? vs_isdigit(*p) : vs_isalpha(*p)))
			p++;
		if (p == t) {
			p++; /* '.' */
			continue;
		}
		g->s[n++] = (struct gem_seg){ t, (unsigned short)(p - t), num };
	}
	/* canonical_segments: trim zeros at the end of the numeric head and of the rest */
	for (head = 0; head < n && g->s[head].num; head++)
		;
	keep = head;
	while (keep > 0 && zero_seg(&g->s[keep - 1]))
		keep--;
	memmove(&g->s[keep], &g->s[head], (n - head) * sizeof(g->s[0]));
	n -= head - keep;
	while (n > keep && zero_seg(&g->s[n - 1]))
		n--;
	g->n = n;
	return true;
}

static int gem_keycmp(const struct gem *a, const struct gem *b)
{
	static const struct gem_seg zero = { "0", 1, true };
	size_t n = a->n > b->n ? a->n : b->n;

	for (size_t i = 0; i < n; i++) {
		const struct gem_seg *x = i < a->n ? &a->s[i] : &zero;
		const struct gem_seg *y = i < b->n ? &b->s[i] : &zero;
		int r;

		if (x->num != y->num)
			return x->num ? 1 : -1;
		if (x->num) {
			r = vs_numcmp(x->p, x->len, y->p, y->len);
		} else {
			r = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
			if (!r)
				r = (x->len > y->len) - (x->len < y->len);
		}
		if (r)
			return vs_sign(r);
	}
	return 0;
}

VS_CMP_PARSED(gem, struct gem, gem_parse, gem_keycmp)

const struct vs_ops vs_gem_ops = { "gem", gem_cmp, gem_valid };
