/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-maven.c - Maven versions ordered like Maven's ComparableVersion
 * (maven-artifact, with CombinationItem and the MNG-7644 ".X" = "-X" rule).
 *
 * The version is parsed into the same item tree Maven builds: numbers,
 * qualifiers (strings), combinations ("alpha2" = qualifier + number) and
 * nested lists (opened by '-' and by digit/letter transitions), normalised
 * by dropping null items, then compared with Maven's per-type rules. The
 * tree lives in a fixed pool on the stack: at most two nodes per byte.
 * Only ASCII digits are digits (Java's Character.isDigit also accepts other
 * scripts' digits; no real Maven version uses them).
 */
#include <string.h>

#include "version-int.h"

enum mvn_type { M_NUM, M_STR, M_COMB, M_LIST };

/* Qualifier ranks: alpha beta milestone rc snapshot ""(release) sp, then unknown. */
enum { Q_RELEASE = 5, Q_UNKNOWN = 7 };

#define MVN_NODES (2 * MOAT_VERSION_MAX + 8)
#define MVN_NONE 0xffff

struct mvn_node {
	unsigned char type;
	unsigned char rank;     /* M_STR: qualifier rank */
	unsigned short off;     /* M_NUM digits (leading zeros stripped) / M_STR text */
	unsigned short len;
	unsigned short first;   /* M_LIST: first child; M_COMB: string part, then number */
	unsigned short next;    /* sibling */
};

struct mvn {
	char text[MOAT_VERSION_MAX + 1];        /* lower-cased copy */
	struct mvn_node n[MVN_NODES];
	unsigned short count;
	unsigned short stack[MVN_NODES];        /* lists, in creation (= nesting) order */
	unsigned short depth;
};

static const char *const qualifiers[] = { "alpha", "beta", "milestone", "rc", "snapshot", "",
					  "sp" };

static unsigned short new_node(struct mvn *m, enum mvn_type t)
{
	struct mvn_node *x = &m->n[m->count];

	memset(x, 0, sizeof(*x));
	x->type = (unsigned char)t;
	x->first = MVN_NONE;
	x->next = MVN_NONE;
	return m->count++;
}

static void append(struct mvn *m, unsigned short list, unsigned short item)
{
	unsigned short *p = &m->n[list].first;

	while (*p != MVN_NONE)
		p = &m->n[*p].next;
	*p = item;
}

static bool is_empty(const struct mvn *m, unsigned short list)
{
	return m->n[list].first == MVN_NONE;
}

static unsigned short new_num(struct mvn *m, size_t off, size_t len)
{
	unsigned short i = new_node(m, M_NUM);

	while (len && m->text[off] == '0')
		off++, len--;
	m->n[i].off = (unsigned short)off;
	m->n[i].len = (unsigned short)len;
	return i;
}

/* A qualifier: aliases (cr = rc; ga, final, release = "") and, before a digit,
 * a = alpha, b = beta, m = milestone. The text is kept for unknown ones. */
static unsigned short new_str(struct mvn *m, size_t off, size_t len, bool before_digit)
{
	unsigned short i = new_node(m, M_STR);
	const char *s = m->text + off;
	const char *q = NULL;

	if (before_digit && len == 1 && (*s == 'a' || *s == 'b' || *s == 'm'))
		q = *s == 'a' ? "alpha" : *s == 'b' ? "beta" : "milestone";
	else if (len == 2 && memcmp(s, "cr", 2) == 0)
		q = "rc";
	else if ((len == 2 && memcmp(s, "ga", 2) == 0) || (len == 5 && memcmp(s, "final", 5) == 0) ||
		 (len == 7 && memcmp(s, "release", 7) == 0))
		q = "";
	m->n[i].rank = Q_UNKNOWN;
	m->n[i].off = (unsigned short)off;
	m->n[i].len = (unsigned short)len;
	for (size_t k = 0; k < sizeof(qualifiers) / sizeof(qualifiers[0]); k++) {
		const char *w = q ? q : s;
		size_t wl = q ? strlen(q) : len;

		if (strlen(qualifiers[k]) == wl && memcmp(qualifiers[k], w, wl) == 0)
			m->n[i].rank = (unsigned char)k;
	}
	return i;
}

/* "alpha-2" / "rc1": the letters, then the number ('-' dropped). */
static unsigned short new_comb(struct mvn *m, size_t off, size_t len)
{
	unsigned short i = new_node(m, M_COMB);
	size_t d = 0;
	size_t s;
	unsigned short str;

	while (d < len && !vs_isdigit(m->text[off + d]))
		d++;
	s = d;
	if (s && m->text[off + s - 1] == '-')
		s--;
	str = new_str(m, off, s, true);
	m->n[str].next = new_num(m, off + d, len - d);
	m->n[i].first = str;
	return i;
}

static unsigned short parse_item(struct mvn *m, bool comb, bool digit, size_t off, size_t len)
{
	if (comb)
		return new_comb(m, off, len);
	if (digit)
		return new_num(m, off, len);
	return new_str(m, off, len, false);
}

static unsigned short push_list(struct mvn *m, unsigned short *list)
{
	unsigned short l = new_node(m, M_LIST);

	append(m, *list, l);
	*list = l;
	m->stack[m->depth++] = l;
	return l;
}

static bool is_null(const struct mvn *m, unsigned short i)
{
	const struct mvn_node *x = &m->n[i];

	return ((x->type == M_NUM || x->type == M_STR) && x->len == 0) ||
	       (x->type == M_LIST && x->first == MVN_NONE);
}

/* ListItem.normalize: drop null items at the end or before a qualifier. */
static void normalize(struct mvn *m, unsigned short list)
{
	unsigned short items[MVN_NODES];
	size_t n = 0;

	for (unsigned short i = m->n[list].first; i != MVN_NONE; i = m->n[i].next)
		items[n++] = i;
	for (size_t i = n; i-- > 0;) {
		bool drop = false;

		if (!is_null(m, items[i]))
			continue;
		if (i == n - 1 || m->n[items[i + 1]].type == M_STR) {
			drop = true;
		} else if (m->n[items[i + 1]].type == M_LIST) {
			unsigned short f = m->n[items[i + 1]].first;

			drop = f != MVN_NONE && (m->n[f].type == M_COMB || m->n[f].type == M_STR);
		}
		if (drop) {
			memmove(&items[i], &items[i + 1], (n - i - 1) * sizeof(items[0]));
			n--;
		}
	}
	if (n == 1 && m->n[items[0]].type == M_LIST) {
		/* a lone sub-list is the list itself */
		unsigned short only = items[0];

		n = 0;
		for (unsigned short i = m->n[only].first; i != MVN_NONE; i = m->n[i].next)
			items[n++] = i;
	}
	m->n[list].first = n ? items[0] : MVN_NONE;
	for (size_t i = 0; i < n; i++)
		m->n[items[i]].next = i + 1 < n ? items[i + 1] : MVN_NONE;
}

/* ComparableVersion.parseVersion, byte for byte. */
static bool mvn_parse(const char *s, size_t len, struct mvn *m)
{
	unsigned short list;
	bool digit = false;
	bool comb = false;
	size_t start = 0;

	m->count = 0;
	m->depth = 0;
	for (size_t i = 0; i < len; i++)
		m->text[i] = (char)vs_lower((unsigned char)s[i]);
	m->text[len] = '\0';
	list = new_node(m, M_LIST);
	m->stack[m->depth++] = list;
	for (size_t i = 0; i < len; i++) {
		char c = m->text[i];

		if (c == '.' || c == '-') {
			if (i == start) {
				append(m, list, new_num(m, i, 0));
			} else if (c == '-' && !digit && i + 1 < len && vs_isdigit(m->text[i + 1])) {
				comb = true; /* "X-1" is read as "X1" */
				continue;
			} else {
				append(m, list, parse_item(m, comb, digit, start, i - start));
			}
			start = i + 1;
			if (c == '-' && !is_empty(m, list))
				push_list(m, &list);
			comb = false;
		} else if (vs_isdigit(c)) {
			if (!digit && i > start) {
				comb = true; /* "X1" */
				if (!is_empty(m, list))
					push_list(m, &list);
			}
			digit = true;
		} else {
			if (digit && i > start) {
				append(m, list, parse_item(m, comb, true, start, i - start));
				start = i;
				push_list(m, &list);
				comb = false;
			}
			digit = false;
		}
	}
	if (len > start) {
		/* 1.0.0.X1 < 1.0.0-X2: a trailing ".X" is "-X" */
		if (!digit && !is_empty(m, list))
			push_list(m, &list);
		append(m, list, parse_item(m, comb, digit, start, len - start));
	}
	while (m->depth)
		normalize(m, m->stack[--m->depth]);
	return true;
}

static int item_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b);

static int num_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b)
{
	return vs_numcmp(m->text + m->n[a].off, m->n[a].len, o->text + o->n[b].off, o->n[b].len);
}

static int qual_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b)
{
	const struct mvn_node *x = &m->n[a];
	const struct mvn_node *y = &o->n[b];
	int r;

	if (x->rank != y->rank || x->rank != Q_UNKNOWN)
		return vs_sign((int)x->rank - (int)y->rank);
	r = memcmp(m->text + x->off, o->text + y->off, x->len < y->len ? x->len : y->len);
	return r ? vs_sign(r) : (x->len > y->len) - (x->len < y->len);
}

/* Item.compareTo(null): how an item compares with "nothing" (1.0 == 1, 1-rc < 1). */
static int null_cmp(const struct mvn *m, unsigned short a)
{
	const struct mvn_node *x = &m->n[a];
	int r;

	switch (x->type) {
	case M_NUM:
		return x->len ? 1 : 0;
	case M_STR:
		return vs_sign((int)x->rank - Q_RELEASE);
	case M_COMB:
		r = null_cmp(m, x->first);
		return r ? r : null_cmp(m, m->n[x->first].next);
	default:
		for (unsigned short i = x->first; i != MVN_NONE; i = m->n[i].next) {
			r = null_cmp(m, i);
			if (r)
				return r;
		}
		return 0;
	}
}

static int list_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b)
{
	unsigned short l = m->n[a].first;
	unsigned short r = o->n[b].first;

	while (l != MVN_NONE || r != MVN_NONE) {
		int c;

		if (l == MVN_NONE)
			c = -null_cmp(o, r);
		else if (r == MVN_NONE)
			c = null_cmp(m, l);
		else
			c = item_cmp(m, l, o, r);
		if (c)
			return c;
		if (l != MVN_NONE)
			l = m->n[l].next;
		if (r != MVN_NONE)
			r = o->n[r].next;
	}
	return 0;
}

/* A list against a qualifier or combination: its first item decides, the rest vs null. */
static int list_scalar_cmp(const struct mvn *m, unsigned short a, const struct mvn *o,
			   unsigned short b)
{
	unsigned short i = m->n[a].first;
	int r;

	if (i == MVN_NONE)
		return -null_cmp(o, b);
	r = item_cmp(m, i, o, b);
	for (i = m->n[i].next; !r && i != MVN_NONE; i = m->n[i].next)
		r = null_cmp(m, i);
	return r;
}

static int str_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b)
{
	const struct mvn_node *y = &o->n[b];
	int r;

	switch (y->type) {
	case M_NUM:
		return -1;
	case M_STR:
		return qual_cmp(m, a, o, b);
	case M_COMB:
		r = qual_cmp(m, a, o, y->first);
		if (r)
			return r;
		return null_cmp(m, a) == 0 ? -null_cmp(o, o->n[y->first].next) : -1;
	default:
		return -list_scalar_cmp(o, b, m, a);
	}
}

static int comb_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b)
{
	const struct mvn_node *x = &m->n[a];
	const struct mvn_node *y = &o->n[b];
	int r;

	switch (y->type) {
	case M_NUM:
		return -1;
	case M_STR:
		r = qual_cmp(m, x->first, o, b);
		if (r)
			return r;
		return null_cmp(m, x->first) == 0 ? null_cmp(m, m->n[x->first].next) : 1;
	case M_COMB:
		r = qual_cmp(m, x->first, o, y->first);
		return r ? r : num_cmp(m, m->n[x->first].next, o, o->n[y->first].next);
	default:
		return -list_scalar_cmp(o, b, m, a);
	}
}

static int item_cmp(const struct mvn *m, unsigned short a, const struct mvn *o, unsigned short b)
{
	enum mvn_type ta = (enum mvn_type)m->n[a].type;
	enum mvn_type tb = (enum mvn_type)o->n[b].type;

	switch (ta) {
	case M_NUM:
		return tb == M_NUM ? num_cmp(m, a, o, b) : 1;
	case M_STR:
		return str_cmp(m, a, o, b);
	case M_COMB:
		return comb_cmp(m, a, o, b);
	default:
		if (tb == M_NUM)
			return -1;
		if (tb == M_LIST)
			return list_cmp(m, a, o, b);
		return list_scalar_cmp(m, a, o, b);
	}
}

static int maven_cmp(const char *a, size_t alen, const char *b, size_t blen, int *ret_cmp)
{
	struct mvn ma;
	struct mvn mb;

	mvn_parse(a, alen, &ma);
	mvn_parse(b, blen, &mb);
	*ret_cmp = list_cmp(&ma, 0, &mb, 0);
	return 0;
}

/* Maven orders any string; the empty one is the only thing we refuse. */
static bool maven_valid(const char *v, size_t len)
{
	(void)v;
	return len > 0;
}

const struct vs_ops vs_maven_ops = { "maven", maven_cmp, maven_valid };
