/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-semver.c - SemVer 2.0 as node-semver parses it (strict and loose),
 * Go module versions (golang.org/x/mod/semver: 'v', "v1"/"v1.2" shorthands,
 * +incompatible and other build metadata ignored, pseudo-versions are plain
 * prereleases), Cargo (strict semver), and node-semver range satisfaction.
 *
 * Precedence is SemVer 2.0 section 11: numbers, then a version without a
 * prerelease above one with, then prerelease identifiers left to right
 * (numeric ones numerically and below alphanumeric ones, which compare as
 * ASCII). Numbers above 2^53-1 are rejected, as node-semver does.
 */
#include <stdint.h>
#include <string.h>

#include "moat/error.h"
#include "version-int.h"

#define SV_MAX_SAFE 9007199254740991ull /* Number.MAX_SAFE_INTEGER */

enum sv_mode {
	SV_STRICT,      /* node-semver FULL: v? M.m.p (-pre)? (+build)? */
	SV_LOOSE,       /* node-semver LOOSE: [v=\s]* prefix, leading zeros, '-' optional */
	SV_GO,          /* x/mod/semver, 'v' optional */
};

struct sv {
	uint64_t num[3];
	const char *pre;        /* prerelease without its '-'; NULL = none */
	size_t pre_len;
};

struct cur {
	const char *p;
	const char *end;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_ident_char(char c)
{
	return vs_isdigit(c) || vs_isalpha(c) || c == '-';
}

/* A numeric identifier: strict = 0|[1-9][0-9]*, loose = [0-9]+. */
static bool parse_num(struct cur *c, bool loose, uint64_t *ret)
{
	const char *s = c->p;
	uint64_t v = 0;

	while (c->p < c->end && vs_isdigit(*c->p)) {
		v = v * 10 + (uint64_t)(*c->p - '0');
		if (v > SV_MAX_SAFE)
			return false;
		c->p++;
	}
	if (c->p == s || (!loose && *s == '0' && c->p - s > 1))
		return false;
	*ret = v;
	return true;
}

/* Dot-separated identifiers up to '+' or the end; strict rejects numeric ones
 * with leading zeros. Consumes them on success. */
static bool parse_idents(struct cur *c, bool loose, bool build)
{
	const char *p = c->p;

	for (;;) {
		const char *s = p;
		bool digits = true;

		while (p < c->end && is_ident_char(*p)) {
			digits = digits && vs_isdigit(*p);
			p++;
		}
		if (p == s)
			return false;
		if (!build && !loose && digits && *s == '0' && p - s > 1)
			return false;
		if (p == c->end || *p != '.')
			break;
		p++;
	}
	c->p = p;
	return true;
}

/* Optional prerelease then optional build; fills v->pre. Loose mode makes the
 * '-' optional, and (regex backtracking) lets it start an identifier: "1.2.3-"
 * has prerelease "-". */
static bool parse_tail(struct cur *c, enum sv_mode mode, struct sv *v)
{
	bool loose = mode == SV_LOOSE;
	struct cur t = *c;

	v->pre = NULL;
	v->pre_len = 0;
	if (c->p < c->end && (*c->p == '-' || (loose && is_ident_char(*c->p)))) {
		const char *start = c->p;

		if (*c->p == '-') {
			t.p = start = c->p + 1;
			if (!parse_idents(&t, loose, false)) {
				t.p = start = c->p;
				if (!loose || !parse_idents(&t, loose, false))
					return false;
			}
		} else if (!parse_idents(&t, loose, false)) {
			return false;
		}
		v->pre = start;
		v->pre_len = (size_t)(t.p - start);
		c->p = t.p;
	}
	if (c->p < c->end && *c->p == '+') {
		c->p++;
		if (!parse_idents(c, true, true))
			return false;
	}
	return true;
}

static bool sv_parse_mode(const char *s, size_t len, enum sv_mode mode, struct sv *v)
{
	struct cur c = { s, s + len };
	int parts = 0;

	while (c.p < c.end && is_space(*c.p))
		c.p++;
	while (c.end > c.p && is_space(c.end[-1]))
		c.end--;
	if (mode == SV_LOOSE) {
		while (c.p < c.end && (*c.p == 'v' || *c.p == '=' || is_space(*c.p)))
			c.p++;
	} else if (c.p < c.end && *c.p == 'v') {
		c.p++;
	}
	memset(v, 0, sizeof(*v));
	for (parts = 0; parts < 3; parts++) {
		if (parts && (c.p == c.end || *c.p != '.'))
			break;
		if (parts)
			c.p++;
		if (!parse_num(&c, mode == SV_LOOSE, &v->num[parts]))
			return false;
	}
	if (parts < 3)
		/* Go's "v1" and "v1.2" shorthands, without prerelease or build */
		return mode == SV_GO && c.p == c.end;
	return parse_tail(&c, mode, v) && c.p == c.end;
}

/* One prerelease identifier against another (node-semver compareIdentifiers). */
static int ident_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	bool an = alen > 0;
	bool bn = blen > 0;
	int r;

	for (size_t i = 0; i < alen; i++)
		an = an && vs_isdigit(a[i]);
	for (size_t i = 0; i < blen; i++)
		bn = bn && vs_isdigit(b[i]);
	if (an && bn)
		return vs_numcmp(a, alen, b, blen);
	if (an != bn)
		return an ? -1 : 1;
	r = memcmp(a, b, alen < blen ? alen : blen);
	if (r)
		return vs_sign(r);
	return (alen > blen) - (alen < blen);
}

static int pre_cmp(const struct sv *a, const struct sv *b)
{
	size_t i = 0;
	size_t j = 0;

	if (!a->pre || !b->pre)
		return (a->pre == NULL) - (b->pre == NULL);
	for (;;) {
		size_t si = i;
		size_t sj = j;
		int r;

		if (i >= a->pre_len || j >= b->pre_len)
			return (i < a->pre_len) - (j < b->pre_len);
		while (i < a->pre_len && a->pre[i] != '.')
			i++;
		while (j < b->pre_len && b->pre[j] != '.')
			j++;
		r = ident_cmp(a->pre + si, i - si, b->pre + sj, j - sj);
		if (r)
			return r;
		i++;
		j++;
	}
}

static int sv_keycmp(const struct sv *a, const struct sv *b)
{
	for (int i = 0; i < 3; i++)
		if (a->num[i] != b->num[i])
			return a->num[i] > b->num[i] ? 1 : -1;
	return pre_cmp(a, b);
}

static bool parse_strict(const char *s, size_t len, struct sv *v)
{
	return sv_parse_mode(s, len, SV_STRICT, v);
}

static bool parse_loose(const char *s, size_t len, struct sv *v)
{
	return sv_parse_mode(s, len, SV_LOOSE, v);
}

static bool parse_go(const char *s, size_t len, struct sv *v)
{
	return sv_parse_mode(s, len, SV_GO, v);
}

VS_CMP_PARSED(semver, struct sv, parse_strict, sv_keycmp)
VS_CMP_PARSED(npm, struct sv, parse_loose, sv_keycmp)
VS_CMP_PARSED(go, struct sv, parse_go, sv_keycmp)

int vs_semver_cmp_strict(const char *a, size_t alen, const char *b, size_t blen, int *ret_cmp)
{
	return semver_cmp(a, alen, b, blen, ret_cmp);
}

const struct vs_ops vs_semver_ops = { "semver", semver_cmp, semver_valid };
const struct vs_ops vs_npm_ops = { "npm", npm_cmp, npm_valid };
const struct vs_ops vs_go_ops = { "go", go_cmp, go_valid };
const struct vs_ops vs_cargo_ops = { "cargo", semver_cmp, semver_valid };

/* --- node-semver ranges ---------------------------------------------------
 * Range(range, {loose, includePrerelease}).test(version) without building
 * strings: each "||" part is read token by token, every token desugars into
 * at most two primitive comparators (classes/range.js: hyphenReplace,
 * replaceCaret, replaceTilde, replaceXRange) and each is tested at once.
 */

#define SV_RANGE_MAX 1024u

enum rop { ROP_EQ, ROP_LT, ROP_LE, ROP_GT, ROP_GE };

/* A partial version: XRANGEPLAIN. Missing components are X. */
struct xr {
	bool x[3];
	bool zero[3];           /* the component's text was exactly "0" */
	bool given[3];
	uint64_t n[3];
	const char *pre;
	size_t pre_len;
};

struct rstate {
	const struct sv *ver;
	bool loose;
	bool incpr;
	bool all;               /* every comparator of this part holds */
	bool pre_ok;            /* some comparator has a prerelease on ver's M.m.p */
};

static const char PRE0[] = "0"; /* the "-0" node appends: the lowest prerelease */

static void emit(struct rstate *st, enum rop op, uint64_t M, uint64_t m, uint64_t p,
		 const char *pre, size_t pre_len)
{
	struct sv c = { { M, m, p }, pre, pre_len };
	int r = sv_keycmp(st->ver, &c);
	bool ok = false;

	switch (op) {
	case ROP_EQ:
		ok = r == 0;
		break;
	case ROP_LT:
		ok = r < 0;
		break;
	case ROP_LE:
		ok = r <= 0;
		break;
	case ROP_GT:
		ok = r > 0;
		break;
	case ROP_GE:
		ok = r >= 0;
		break;
	}
	st->all = st->all && ok;
	if (pre && st->ver->num[0] == M && st->ver->num[1] == m && st->ver->num[2] == p)
		st->pre_ok = true;
}

/* [v=]* (or [v=\s]* when ws) XRID (.XRID (.XRID PRE? BUILD?)?)? */
static bool parse_xr(struct cur *c, bool loose, bool ws, struct xr *x)
{
	memset(x, 0, sizeof(*x));
	while (c->p < c->end && (*c->p == 'v' || *c->p == '=' || (ws && is_space(*c->p))))
		c->p++;
	for (int i = 0; i < 3; i++) {
		const char *s;

		if (i && (c->p == c->end || *c->p != '.'))
			break;
		if (i)
			c->p++;
		s = c->p;
		x->given[i] = true;
		if (c->p < c->end && (*c->p == 'x' || *c->p == 'X' || *c->p == '*')) {
			x->x[i] = true;
			c->p++;
		} else if (!parse_num(c, loose, &x->n[i])) {
			return false;
		}
		x->zero[i] = c->p - s == 1 && *s == '0';
	}
	for (int i = 0; i < 3; i++)
		x->x[i] = x->x[i] || !x->given[i];
	if (x->given[2]) {
		struct sv t;

		if (!parse_tail(c, loose ? SV_LOOSE : SV_STRICT, &t))
			return false;
		x->pre = t.pre;
		x->pre_len = t.pre_len;
	}
	return true;
}

/* ^ and ~: lower bound from the given components, upper bound by the rules. */
static void caret_tilde(struct rstate *st, const struct xr *x, bool caret)
{
	bool anyx = x->x[1] || x->x[2];
	const char *lp = x->pre && !anyx ? x->pre : (anyx && st->incpr ? PRE0 : NULL);
	size_t ll = lp == x->pre ? x->pre_len : (lp ? 1 : 0);
	uint64_t M = x->n[0];
	uint64_t m = x->x[1] ? 0 : x->n[1];
	uint64_t p = x->x[2] ? 0 : x->n[2];

	if (x->x[0])
		return; /* any */
	emit(st, ROP_GE, M, m, p, lp, ll);
	/* ^ bumps the first non-zero component given, ~ the minor (the major for ~1) */
	if (x->x[1] || (caret && !x->zero[0]))
		emit(st, ROP_LT, M + 1, 0, 0, PRE0, 1);
	else if (!caret || x->x[2] || !x->zero[1])
		emit(st, ROP_LT, M, m + 1, 0, PRE0, 1);
	else
		emit(st, ROP_LT, M, m, p + 1, PRE0, 1);
}

static bool xrange(struct rstate *st, enum rop op, bool has_op, const struct xr *x)
{
	bool xM = x->x[0];
	bool xm = xM || x->x[1];
	bool xp = xm || x->x[2];
	const char *pr = st->incpr ? PRE0 : NULL;
	uint64_t M = x->n[0];
	uint64_t m = x->n[1];

	if ((xM && !x->x[1]) || (x->x[1] && x->given[2] && !x->x[2]))
		return false; /* invalidXRangeOrder: "x.1", "1.x.2" */
	if (op == ROP_EQ && xp)
		has_op = false;
	if (xM) {
		if (has_op && (op == ROP_GT || op == ROP_LT))
			emit(st, ROP_LT, 0, 0, 0, PRE0, 1); /* the null set */
	} else if (has_op && xp) {
		if (xm)
			m = 0;
		if (op == ROP_GT) {
			op = ROP_GE;
			if (xm)
				M++;
			else
				m++;
		} else if (op == ROP_LE) {
			op = ROP_LT;
			if (xm)
				M++;
			else
				m++;
		}
		if (op == ROP_LT)
			pr = PRE0;
		emit(st, op, M, m, 0, pr, pr ? 1 : 0);
	} else if (xm) {
		emit(st, ROP_GE, M, 0, 0, pr, pr ? 1 : 0);
		emit(st, ROP_LT, M + 1, 0, 0, PRE0, 1);
	} else if (xp) {
		emit(st, ROP_GE, M, m, 0, pr, pr ? 1 : 0);
		emit(st, ROP_LT, M, m + 1, 0, PRE0, 1);
	} else {
		emit(st, has_op ? op : ROP_EQ, M, m, x->n[2], x->pre, x->pre_len);
	}
	return true;
}

/* "A - B" as a whole part, or false when the part is not a hyphen range. */
static bool hyphen(struct rstate *st, struct cur c)
{
	struct xr f;
	struct xr t;
	const char *s;
	const char *z = st->incpr ? PRE0 : NULL;

	if (!parse_xr(&c, st->loose, true, &f))
		return false;
	s = c.p;
	while (c.p < c.end && is_space(*c.p))
		c.p++;
	if (c.p == s || c.p == c.end || *c.p != '-')
		return false;
	s = ++c.p;
	while (c.p < c.end && is_space(*c.p))
		c.p++;
	if (c.p == s || !parse_xr(&c, st->loose, true, &t) || c.p != c.end)
		return false;
	if (f.x[1] || f.x[2])
		emit(st, ROP_GE, f.n[0], f.x[1] ? 0 : f.n[1], 0, z, z ? 1 : 0);
	else if (!f.x[0])
		emit(st, ROP_GE, f.n[0], f.n[1], f.n[2], f.pre ? f.pre : z,
		     f.pre ? f.pre_len : (z ? 1 : 0));
	if (t.x[0])
		return true;
	if (t.x[1])
		emit(st, ROP_LT, t.n[0] + 1, 0, 0, PRE0, 1);
	else if (t.x[2])
		emit(st, ROP_LT, t.n[0], t.n[1] + 1, 0, PRE0, 1);
	else if (t.pre)
		emit(st, ROP_LE, t.n[0], t.n[1], t.n[2], t.pre, t.pre_len);
	else if (st->incpr)
		emit(st, ROP_LT, t.n[0], t.n[1], t.n[2] + 1, PRE0, 1);
	else
		emit(st, ROP_LE, t.n[0], t.n[1], t.n[2], NULL, 0);
	return true;
}

/* The operator in front of a comparator: GTLT, "~", "~>" or "^". */
static char read_op(struct cur *c, enum rop *op, bool *has_op)
{
	char kind = 0;

	*has_op = false;
	*op = ROP_EQ;
	if (c->p < c->end && (*c->p == '~' || *c->p == '^')) {
		kind = *c->p++;
		if (kind == '~' && c->p < c->end && *c->p == '>')
			c->p++;
	} else if (c->p < c->end && (*c->p == '<' || *c->p == '>')) {
		*op = *c->p++ == '<' ? ROP_LT : ROP_GT;
		*has_op = true;
		if (c->p < c->end && *c->p == '=') {
			c->p++;
			*op = *op == ROP_LT ? ROP_LE : ROP_GE;
		}
	} else if (c->p < c->end && *c->p == '=') {
		c->p++;
		*has_op = true;
	}
	if (kind || *has_op)
		while (c->p < c->end && is_space(*c->p))
			c->p++;
	return kind;
}

/* One "||" part; *ret_n counts the comparators kept. false = invalid (strict mode). */
static bool eval_part(struct rstate *st, struct cur c, size_t *ret_n)
{
	*ret_n = 0;
	st->all = true;
	st->pre_ok = false;
	if (c.p == c.end) {
		*ret_n = 1; /* "" is "*" */
		return true;
	}
	if (hyphen(st, c)) {
		*ret_n = 1;
		return true;
	}
	st->all = true;
	st->pre_ok = false;
	while (c.p < c.end) {
		struct rstate save = *st;
		struct cur tok;
		struct xr x;
		enum rop op;
		bool has_op;
		char kind;
		bool ok;

		while (c.p < c.end && is_space(*c.p))
			c.p++;
		if (c.p == c.end)
			break;
		kind = read_op(&c, &op, &has_op);
		tok = c;
		while (c.p < c.end && !is_space(*c.p))
			c.p++;
		tok.end = c.p;
		ok = parse_xr(&tok, st->loose, false, &x) && tok.p == tok.end;
		if (ok && kind)
			caret_tilde(st, &x, kind == '^');
		else if (ok)
			ok = xrange(st, op, has_op, &x);
		if (!ok && !st->loose)
			return false;
		if (!ok)
			*st = save; /* loose mode drops what is not a comparator */
		else
			(*ret_n)++;
	}
	return true;
}

int moat_semver_range_match(const char *range, const char *version, bool loose,
			    bool include_prerelease, bool *ret_in, struct moat_error *err)
{
	struct rstate st = { .loose = loose, .incpr = include_prerelease };
	struct sv v;
	size_t rlen;
	size_t vlen;
	bool in = false;
	bool any_part = false;
	const char *p;
	const char *end;

	if (!range || !version || !ret_in)
		return moat_error_set(err, MOAT_E_USAGE, "moat_semver_range_match: NULL argument");
	rlen = strnlen(range, SV_RANGE_MAX + 1);
	vlen = strnlen(version, MOAT_VERSION_MAX + 1);
	if (rlen > SV_RANGE_MAX || vlen > MOAT_VERSION_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "semver range or version too long");
	if (!sv_parse_mode(version, vlen, loose ? SV_LOOSE : SV_STRICT, &v))
		return moat_error_set(err, MOAT_E_FORMAT, "\"%s\": not a semver version", version);
	st.ver = &v;
	end = range + rlen;
	for (p = range; p <= end;) {
		const char *bar = p;
		struct cur part;
		size_t n;

		while (bar + 1 < end && !(bar[0] == '|' && bar[1] == '|'))
			bar++;
		if (bar + 1 >= end)
			bar = end;
		part.p = p;
		part.end = bar;
		while (part.p < part.end && is_space(*part.p))
			part.p++;
		while (part.end > part.p && is_space(part.end[-1]))
			part.end--;
		if (!eval_part(&st, part, &n))
			return moat_error_set(err, MOAT_E_FORMAT, "\"%s\": not a semver range", range);
		if (n) {
			any_part = true;
			if (st.all && (!v.pre || st.incpr || st.pre_ok))
				in = true;
		}
		p = bar + 2;
	}
	if (!any_part)
		return moat_error_set(err, MOAT_E_FORMAT, "\"%s\": no valid comparator", range);
	*ret_in = in;
	return 0;
}
