/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-composer.c - Packagist versions as Composer orders them: each side
 * goes through composer/semver's VersionParser::normalize() ("v1.2" ->
 * "1.2.0.0", "1.0RC1" -> "1.0.0.0-RC1", "2.0.x-dev" -> "2.0.9999999.9999999-dev",
 * stability flags, aliases and build metadata stripped), then the normalised
 * strings are compared with PHP's version_compare() (dev < alpha = a <
 * beta = b < RC = rc < # (number) < pl = p). Named branches ("dev-main")
 * are not ordered by Composer; we put them below every version and order
 * them by name, so the order stays total.
 */
#include <string.h>

#include "version-int.h"

#define NORM_MAX ((size_t)2 * MOAT_VERSION_MAX)

struct cbuf {
	char s[NORM_MAX + 1];
	size_t n;
};

struct cur {
	const char *p;
	const char *end;
};

static void add(struct cbuf *b, const char *s, size_t n)
{
	if (n > NORM_MAX - b->n)
		n = NORM_MAX - b->n; /* cannot happen for inputs <= MOAT_VERSION_MAX */
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool word_ci(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (vs_lower((unsigned char)p[i]) != vs_lower((unsigned char)w[i]))
			return false;
	return true;
}

static bool ends_ci(const char *s, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - s) >= n && word_ci(end - n, end, w);
}

struct modifier {
	const char *stab;       /* as written; NULL = none */
	size_t stab_len;
	const char *nums;       /* "(?:[.-]?\d+)*" */
	size_t nums_len;
	bool dev;
};

/* [._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$ */
static bool modifier(const char *p, const char *end, struct modifier *m)
{
	static const char *const stabs[] = { "stable", "beta", "b", "RC", "alpha", "a", "patch",
					     "pl", "p", NULL };

	for (int sep = 1; sep >= 0; sep--) {
		const char *q0 = p;

		if (sep && !(p < end && (*p == '.' || *p == '_' || *p == '-')))
			continue;
		q0 += sep;
		for (int i = 0; i <= 9; i++) {
			const char *q = q0;

			memset(m, 0, sizeof(*m));
			if (stabs[i] && !word_ci(q, end, stabs[i]))
				continue;
			if (stabs[i]) {
				m->stab = q;
				m->stab_len = strlen(stabs[i]);
				q += m->stab_len;
				m->nums = q;
				for (;;) {
					const char *d = q + (q < end && (*q == '.' || *q == '-'));

					if (d >= end || !vs_isdigit(*d))
						break;
					while (d < end && vs_isdigit(*d))
						d++;
					q = d;
				}
				m->nums_len = (size_t)(q - m->nums);
			}
			if (q < end && (*q == '.' || *q == '-') && word_ci(q + 1, end, "dev"))
				q += 4, m->dev = true;
			else if (word_ci(q, end, "dev"))
				q += 3, m->dev = true;
			if (q == end)
				return true;
		}
	}
	return false;
}

static void add_modifier(struct cbuf *b, const struct modifier *m)
{
	if (m->stab) {
		char low[8] = { 0 };
		const char *exp = low;
		const char *n = m->nums;
		size_t nl = m->nums_len;

		if (m->stab_len == 6 && memcmp(m->stab, "stable", 6) == 0)
			return;
		for (size_t i = 0; i < m->stab_len && i < sizeof(low) - 1; i++)
			low[i] = (char)vs_lower((unsigned char)m->stab[i]);
		if (!strcmp(low, "a"))
			exp = "alpha";
		else if (!strcmp(low, "b"))
			exp = "beta";
		else if (!strcmp(low, "p") || !strcmp(low, "pl"))
			exp = "patch";
		else if (!strcmp(low, "rc"))
			exp = "RC";
		add(b, "-", 1);
		add(b, exp, strlen(exp));
		while (nl && (*n == '.' || *n == '-'))
			n++, nl--;
		add(b, n, nl);
	}
	if (m->dev)
		add(b, "-dev", 4);
}

/* ^v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)? MODIFIER */
static bool classical(const char *p, const char *end, struct cbuf *b)
{
	struct modifier m;
	const char *s;
	int parts = 0;

	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	s = p;
	while (p < end && vs_isdigit(*p) && p - s < 5)
		p++;
	if (p == s || (p < end && vs_isdigit(*p)))
		return false;
	add(b, s, (size_t)(p - s));
	for (parts = 1; parts < 4 && p + 1 < end && *p == '.' && vs_isdigit(p[1]); parts++) {
		s = p++;
		while (p < end && vs_isdigit(*p))
			p++;
		add(b, s, (size_t)(p - s));
	}
	if (!modifier(p, end, &m))
		return false;
	for (; parts < 4; parts++)
		add(b, ".0", 2);
	add_modifier(b, &m);
	return true;
}

/* Date versions, ^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2}) MODIFIER, with the
 * regex's preferences (greedy groups, separators taken when present), by backtracking. */
static bool date_rest(const char *p, const char *end, int g2, int g3, const char **ret_end)
{
	struct modifier m;

	for (int sep = 1; g3 == 0 && g2 < 6 && sep >= 0; sep--) {
		const char *q = p + sep;

		if (sep && !(p < end && (*p == '.' || *p == ':' || *p == '-')))
			continue;
		if (q + 1 < end && vs_isdigit(q[0]) && vs_isdigit(q[1]) &&
		    date_rest(q + 2, end, g2 + 1, 0, ret_end))
			return true;
	}
	for (int sep = 1; g2 >= 1 && g3 < 2 && sep >= 0; sep--) {
		const char *q = p + sep;

		if (sep && !(p < end && (*p == '.' || *p == ':' || *p == '-')))
			continue;
		for (int d = 3; d >= 1; d--) {
			bool ok = q + d <= end;

			for (int k = 0; ok && k < d; k++)
				ok = vs_isdigit(q[k]);
			if (ok && date_rest(q + d, end, g2, g3 + 1, ret_end))
				return true;
		}
	}
	if (g2 >= 1 && modifier(p, end, &m)) {
		*ret_end = p;
		return true;
	}
	return false;
}

static bool date(const char *p, const char *end, struct cbuf *b)
{
	const char *dend = NULL;
	struct modifier m;

	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	if (end - p < 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (!vs_isdigit(p[i]))
			return false;
	if (!date_rest(p + 4, end, 0, 0, &dend))
		return false;
	for (const char *q = p; q < dend; q++)
		add(b, vs_isdigit(*q) ? q : ".", 1);
	modifier(dend, end, &m);
	add_modifier(b, &m);
	return true;
}

/* normalizeBranch for "(.*?)[.-]?dev$": ^v?\d+(\.(\d+|[xX*])){0,3}$ -> N.N.N.N-dev, x = 9999999 */
static bool dev_branch(const char *p, const char *end, struct cbuf *b)
{
	int parts = 0;

	if (p < end && (*p == 'v' || *p == 'V'))
		p++;
	while (p < end) {
		const char *s = p;

		if (parts && *p++ != '.')
			return false;
		if (parts == 4)
			return false;
		if (parts && p < end && (*p == 'x' || *p == 'X' || *p == '*')) {
			p++;
			add(b, ".9999999", 8);
		} else {
			s = p;
			while (p < end && vs_isdigit(*p))
				p++;
			if (p == s)
				return false;
			if (parts)
				add(b, ".", 1);
			add(b, s, (size_t)(p - s));
		}
		parts++;
	}
	if (!parts)
		return false;
	for (; parts < 4; parts++)
		add(b, ".9999999", 8);
	add(b, "-dev", 4);
	return true;
}

/* VersionParser::normalize. Branch names come out as "dev-NAME". */
static bool normalize(const char *s, size_t len, struct cbuf *b)
{
	const char *p = s;
	const char *end = s + len;
	const char *q;

	b->n = 0;
	b->s[0] = '\0';
	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	/* "1.0.x-dev as 1.0.0": keep the left side */
	for (q = p; q < end && !is_space(*q) && *q != ','; q++)
		;
	if (q > p && q < end && is_space(*q)) {
		const char *a = q;

		while (a < end && *a == ' ')
			a++;
		if (a > q && word_ci(a, end, "as") && a + 2 < end && a[2] == ' ')
			end = q;
	}
	for (size_t i = 0; i < 5; i++) {
		static const char *const flags[] = { "@stable", "@rc", "@beta", "@alpha", "@dev" };

		if (ends_ci(p, end, flags[i])) {
			end -= strlen(flags[i]);
			break;
		}
	}
	if (p == end)
		return false;
	if ((end - p == 6 && memcmp(p, "master", 6) == 0) ||
	    (end - p == 5 && memcmp(p, "trunk", 5) == 0) ||
	    (end - p == 7 && memcmp(p, "default", 7) == 0)) {
		add(b, "dev-", 4);
		add(b, p, (size_t)(end - p));
		return true;
	}
	if (word_ci(p, end, "dev-")) {
		add(b, "dev-", 4);
		add(b, p + 4, (size_t)(end - p - 4));
		return true;
	}
	q = memchr(p, '+', (size_t)(end - p));
	if (q && q > p && q + 1 < end) {
		bool plain = true;

		for (const char *t = p; t < end; t++)
			plain = plain && !is_space(*t) && (t > q || *t != ',');
		if (plain)
			end = q; /* build metadata */
	}
	if (classical(p, end, b))
		return true;
	b->n = 0;
	if (date(p, end, b))
		return true;
	b->n = 0;
	if (ends_ci(p, end, "dev")) {
		end -= 3;
		if (end > p && (end[-1] == '.' || end[-1] == '-'))
			end--;
		return dev_branch(p, end, b);
	}
	return false;
}

/* PHP's php_canonicalize_version: '-' '_' '+' and other non-alnum become '.',
 * and a '.' goes between digits and non-digits. */
static void canonicalize(const char *s, size_t len, struct cbuf *out)
{
	char lp;

	out->n = 0;
	if (!len) {
		out->s[0] = '\0';
		return;
	}
	lp = s[0];
	out->s[out->n++] = s[0];
	for (size_t i = 1; i < len && out->n + 2 < sizeof(out->s); i++) {
		char c = s[i];
		bool ld = vs_isdigit(lp);
		bool cd = vs_isdigit(c);

		bool special = c == '-' || c == '_' || c == '+';
		bool shift = !special && lp != '.' && c != '.' && ld != cd;

		/* specials and other non-alnum bytes become '.'; a digit/non-digit shift
		 * gets a '.' in front and keeps the byte (PHP checks them in this order) */
		if (special || shift || (!cd && !vs_isalpha(c))) {
			if (out->s[out->n - 1] != '.')
				out->s[out->n++] = '.';
			if (shift)
				out->s[out->n++] = c;
		} else {
			out->s[out->n++] = c;
		}
		lp = c;
	}
	out->s[out->n] = '\0';
}

static int special_form(const char *s, size_t len)
{
	static const struct {
		const char *name;
		int order;
	} forms[] = { { "dev", 0 }, { "alpha", 1 }, { "a", 1 }, { "beta", 2 }, { "b", 2 },
		      { "RC", 3 },  { "rc", 3 },    { "#", 4 }, { "pl", 5 },   { "p", 5 } };

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = strlen(forms[i].name);

		if (len >= n && memcmp(s, forms[i].name, n) == 0)
			return forms[i].order;
	}
	return -1;
}

/* php_version_compare. depth bounds the "#N#" recursion (2 for normalised input). */
static int php_vcmp(const char *a, size_t alen, const char *b, size_t blen, int depth)
{
	struct cbuf x;
	struct cbuf y;
	size_t i = 0;
	size_t j = 0;
	bool more_a = true;
	bool more_b = true;
	int c = 0;

	if (!alen || !blen)
		return (alen > 0) - (blen > 0);
	if (depth > 4)
		return 0;
	if (a[0] == '#')
		x.n = 0, add(&x, a, alen);
	else
		canonicalize(a, alen, &x);
	if (b[0] == '#')
		y.n = 0, add(&y, b, blen);
	else
		canonicalize(b, blen, &y);
	while (i < x.n && j < y.n && more_a && more_b) {
		const char *ea = memchr(x.s + i, '.', x.n - i);
		const char *eb = memchr(y.s + j, '.', y.n - j);
		size_t la = ea ? (size_t)(ea - x.s) - i : x.n - i;
		size_t lb = eb ? (size_t)(eb - y.s) - j : y.n - j;
		bool da = la && vs_isdigit(x.s[i]);
		bool db = lb && vs_isdigit(y.s[j]);

		more_a = ea != NULL;
		more_b = eb != NULL;
		if (da && db)
			c = vs_numcmp(x.s + i, la, y.s + j, lb);
		else if (!da && !db)
			c = vs_sign(special_form(x.s + i, la) - special_form(y.s + j, lb));
		else if (da)
			c = vs_sign(4 - special_form(y.s + j, lb));
		else
			c = vs_sign(special_form(x.s + i, la) - 4);
		if (c)
			return c;
		if (more_a)
			i += la + 1;
		if (more_b)
			j += lb + 1;
	}
	if (more_a)
		return i < x.n && vs_isdigit(x.s[i]) ? 1 :
			php_vcmp(x.s + i, x.n - i, "#N#", 3, depth + 1);
	if (more_b)
		return j < y.n && vs_isdigit(y.s[j]) ? -1 :
			php_vcmp("#N#", 3, y.s + j, y.n - j, depth + 1);
	return 0;
}

static bool parse_norm(const char *s, size_t len, struct cbuf *b)
{
	return normalize(s, len, b);
}

static int composer_keycmp(const struct cbuf *a, const struct cbuf *b)
{
	bool ba = a->n >= 4 && memcmp(a->s, "dev-", 4) == 0;
	bool bb = b->n >= 4 && memcmp(b->s, "dev-", 4) == 0;

	if (ba || bb) {
		int r;

		if (ba != bb)
			return ba ? -1 : 1;
		r = strcmp(a->s, b->s);
		return vs_sign(r);
	}
	return php_vcmp(a->s, a->n, b->s, b->n, 0);
}

VS_CMP_PARSED(composer, struct cbuf, parse_norm, composer_keycmp)

const struct vs_ops vs_composer_ops = { "composer", composer_cmp, composer_valid };
