/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-pep440.c - Python versions per PEP 440 as pypa/packaging parses and
 * orders them: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local], with every
 * spelling PEP 440 normalises (case, leading 'v', surrounding whitespace,
 * alpha/beta/c/pre/preview, rev/r, "1.0-1" implicit post, '-' '_' '.'
 * separators, implied 0 numbers). Numbers are compared as unbounded digit
 * strings, so no version overflows.
 */
#include <string.h>

#include "version-int.h"

enum { PRE_A, PRE_B, PRE_RC };

struct num {
	const char *p;
	size_t len;
};

struct pep440 {
	struct num epoch;
	const char *rel;        /* "1.2.3": dotted digits */
	size_t rel_len;
	bool has_pre, has_post, has_dev;
	int pre_l;
	struct num pre_n, post_n, dev_n;
	const char *local;      /* after '+', NULL = none */
	size_t local_len;
};

struct cur {
	const char *p;
	const char *end;
};

static const struct num ZERO = { "0", 1 };

static bool is_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool take_digits(struct cur *c, struct num *n)
{
	n->p = c->p;
	while (c->p < c->end && vs_isdigit(*c->p))
		c->p++;
	n->len = (size_t)(c->p - n->p);
	return n->len > 0;
}

/* Case-insensitive match of word at c (no consumption on mismatch). */
static bool take_word(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (vs_lower((unsigned char)c->p[i]) != w[i])
			return false;
	c->p += n;
	return true;
}

/* [-_.]? LABEL [-_.]? N? ; labels tried in the regex's order. Returns the label
 * index or -1 (and leaves c alone). */
static int take_labeled(struct cur *c, const char *const *labels, struct num *n)
{
	struct cur t = *c;

	if (t.p < t.end && is_sep(*t.p))
		t.p++;
	for (int i = 0; labels[i]; i++) {
		struct cur u = t;

		if (!take_word(&u, labels[i]))
			continue;
		if (u.p < u.end && is_sep(*u.p))
			u.p++;
		if (!take_digits(&u, n))
			*n = ZERO;
		*c = u;
		return i;
	}
	return -1;
}

static bool pep440_parse(const char *s, size_t len, struct pep440 *v)
{
	static const char *const pre_labels[] = { "alpha", "a", "beta", "b", "preview", "pre",
						   "c", "rc", NULL };
	static const int pre_map[] = { PRE_A, PRE_A, PRE_B, PRE_B, PRE_RC, PRE_RC, PRE_RC, PRE_RC };
	static const char *const post_labels[] = { "post", "rev", "r", NULL };
	static const char *const dev_labels[] = { "dev", NULL };
	struct cur c = { s, s + len };
	struct cur t;
	struct num n;
	int l;

	memset(v, 0, sizeof(*v));
	while (c.p < c.end && is_space(*c.p))
		c.p++;
	while (c.end > c.p && is_space(c.end[-1]))
		c.end--;
	if (c.p < c.end && (*c.p == 'v' || *c.p == 'V'))
		c.p++;
	v->epoch = ZERO;
	t = c;
	if (take_digits(&t, &n) && t.p < t.end && *t.p == '!') {
		v->epoch = n;
		c.p = t.p + 1;
	}
	v->rel = c.p;
	do {
		if (!take_digits(&c, &n))
			return false;
		t = c;
	} while (c.p + 1 < c.end && *c.p == '.' && vs_isdigit(c.p[1]) && c.p++);
	v->rel_len = (size_t)(c.p - v->rel);
	l = take_labeled(&c, pre_labels, &v->pre_n);
	if (l >= 0) {
		v->has_pre = true;
		v->pre_l = pre_map[l];
	}
	t = c;
	if (t.p < t.end && *t.p == '-' && (t.p++, take_digits(&t, &v->post_n))) {
		v->has_post = true;
		c = t;
	} else if (take_labeled(&c, post_labels, &v->post_n) >= 0) {
		v->has_post = true;
	}
	v->has_dev = take_labeled(&c, dev_labels, &v->dev_n) >= 0;
	if (c.p < c.end && *c.p == '+') {
		v->local = ++c.p;
		for (;;) {
			const char *seg = c.p;

			while (c.p < c.end && (vs_isdigit(*c.p) || vs_isalpha(*c.p)))
				c.p++;
			if (c.p == seg)
				return false;
			if (c.p + 1 < c.end && is_sep(*c.p))
				c.p++;
			else
				break;
		}
		v->local_len = (size_t)(c.p - v->local);
	}
	return c.p == c.end;
}

/* Release segments, missing ones (and trailing zeros) as 0. */
static int release_cmp(const struct pep440 *a, const struct pep440 *b)
{
	struct cur x = { a->rel, a->rel + a->rel_len };
	struct cur y = { b->rel, b->rel + b->rel_len };

	while (x.p < x.end || y.p < y.end) {
		struct num m = ZERO;
		struct num n = ZERO;
		int r;

		if (x.p < x.end && !take_digits(&x, &m))
			x.p++;
		if (y.p < y.end && !take_digits(&y, &n))
			y.p++;
		r = vs_numcmp(m.p, m.len, n.p, n.len);
		if (r)
			return r;
		if (x.p < x.end)
			x.p++;
		if (y.p < y.end)
			y.p++;
	}
	return 0;
}

/* packaging's _cmpkey: pre is -inf for a bare dev release, +inf when absent. */
static int pre_rank(const struct pep440 *v)
{
	if (!v->has_pre && !v->has_post && v->has_dev)
		return -1;
	return v->has_pre ? 0 : 1;
}

static int num_opt_cmp(bool ha, struct num a, bool hb, struct num b, int absent)
{
	if (ha && hb)
		return vs_numcmp(a.p, a.len, b.p, b.len);
	if (ha == hb)
		return 0;
	return ha ? -absent : absent;
}

/* Local segments: numbers above strings, numbers numerically, strings
 * case-insensitively; a shorter equal prefix sorts first. */
static int local_cmp(const struct pep440 *a, const struct pep440 *b)
{
	struct cur x;
	struct cur y;

	if (!a->local || !b->local)
		return (a->local != NULL) - (b->local != NULL);
	x = (struct cur){ a->local, a->local + a->local_len };
	y = (struct cur){ b->local, b->local + b->local_len };
	for (;;) {
		const char *sx = x.p;
		const char *sy = y.p;
		bool nx = true;
		bool ny = true;
		int r = 0;

		if (x.p >= x.end || y.p >= y.end)
			return (x.p < x.end) - (y.p < y.end);
		for (; x.p < x.end && !is_sep(*x.p); x.p++)
			nx = nx && vs_isdigit(*x.p);
		for (; y.p < y.end && !is_sep(*y.p); y.p++)
			ny = ny && vs_isdigit(*y.p);
		if (nx && ny) {
			r = vs_numcmp(sx, (size_t)(x.p - sx), sy, (size_t)(y.p - sy));
		} else if (nx != ny) {
			r = nx ? 1 : -1;
		} else {
			size_t lx = (size_t)(x.p - sx);
			size_t ly = (size_t)(y.p - sy);

			for (size_t i = 0; !r && i < lx && i < ly; i++)
				r = vs_lower((unsigned char)sx[i]) - vs_lower((unsigned char)sy[i]);
			if (!r)
				r = (lx > ly) - (lx < ly);
		}
		if (r)
			return vs_sign(r);
		if (x.p < x.end)
			x.p++;
		if (y.p < y.end)
			y.p++;
	}
}

static int pep440_keycmp(const struct pep440 *a, const struct pep440 *b)
{
	int r = vs_numcmp(a->epoch.p, a->epoch.len, b->epoch.p, b->epoch.len);

	if (!r)
		r = release_cmp(a, b);
	if (!r)
		r = vs_sign(pre_rank(a) - pre_rank(b));
	if (!r && a->has_pre && b->has_pre) {
		r = vs_sign(a->pre_l - b->pre_l);
		if (!r)
			r = vs_numcmp(a->pre_n.p, a->pre_n.len, b->pre_n.p, b->pre_n.len);
	}
	if (!r) /* no post sorts first */
		r = num_opt_cmp(a->has_post, a->post_n, b->has_post, b->post_n, -1);
	if (!r) /* no dev sorts last */
		r = num_opt_cmp(a->has_dev, a->dev_n, b->has_dev, b->dev_n, 1);
	if (!r)
		r = local_cmp(a, b);
	return r;
}

VS_CMP_PARSED(pep440, struct pep440, pep440_parse, pep440_keycmp)

const struct vs_ops vs_pep440_ops = { "pep440", pep440_cmp, pep440_valid };
