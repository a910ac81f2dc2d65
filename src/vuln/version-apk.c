/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version-apk.c - Alpine versions, digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#},
 * tokenised and ordered by apk-tools 3's rules (src/version.c): each token
 * type may only follow certain others; numbers compare numerically except
 * that a non-initial number with a leading zero compares as a string (the
 * Gentoo rule); pre-release suffixes (_alpha _beta _pre _rc) sort before the
 * end, post suffixes (_cvs _svn _git _hg _p) after. apk compares even
 * invalid strings (an invalid token sorts before the end), so we do too.
 */
#include <string.h>

#include "moat/error.h"
#include "version-int.h"

enum apk_tok {
	TOK_INITIAL_DIGIT,
	TOK_DIGIT,
	TOK_LETTER,
	TOK_SUFFIX,
	TOK_SUFFIX_NO,
	TOK_COMMIT_HASH,
	TOK_REVISION_NO,
	TOK_END,
	TOK_INVALID,
};

/* Ordered: below SUF_NONE is a pre-release. */
enum apk_suffix {
	SUF_INVALID,
	SUF_ALPHA,
	SUF_BETA,
	SUF_PRE,
	SUF_RC,
	SUF_NONE,
	SUF_CVS,
	SUF_SVN,
	SUF_GIT,
	SUF_HG,
	SUF_P,
};

struct apk_tokstate {
	enum apk_tok tok;
	enum apk_suffix suffix;
	const char *val;
	size_t val_len;
	const char *p;          /* rest of the input */
	size_t len;
};

static const char *const suffix_names[] = {
	[SUF_ALPHA] = "alpha", [SUF_BETA] = "beta", [SUF_PRE] = "pre", [SUF_RC] = "rc",
	[SUF_CVS] = "cvs", [SUF_SVN] = "svn", [SUF_GIT] = "git", [SUF_HG] = "hg", [SUF_P] = "p",
};

static enum apk_suffix suffix_value(const char *s, size_t len)
{
	for (size_t i = SUF_ALPHA; i <= SUF_P; i++) {
		const char *n = suffix_names[i];

		if (n && strlen(n) == len && memcmp(n, s, len) == 0)
			return (enum apk_suffix)i;
	}
	return SUF_INVALID;
}

static void advance(struct apk_tokstate *t, size_t n)
{
	t->p += n;
	t->len -= n;
}

/* Take the run of bytes accepted by pred as the token's value. */
static void take_run(struct apk_tokstate *t, bool (*pred)(char))
{
	size_t n = 0;

	while (n < t->len && pred(t->p[n]))
		n++;
	t->val = t->p;
	t->val_len = n;
	advance(t, n);
}

static bool is_digit(char c)
{
	return vs_isdigit(c);
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_hex(char c)
{
	return vs_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void parse_digits(struct apk_tokstate *t)
{
	take_run(t, is_digit);
	if (!t->val_len)
		t->tok = TOK_INVALID;
}

static void tok_first(struct apk_tokstate *t, const char *s, size_t len)
{
	t->p = s;
	t->len = len;
	t->suffix = SUF_INVALID;
	t->tok = TOK_INITIAL_DIGIT;
	parse_digits(t);
}

static void tok_next(struct apk_tokstate *t)
{
	char c;

	if (!t->len) {
		t->tok = TOK_END;
		return;
	}
	c = t->p[0];
	if (is_lower(c) && t->tok <= TOK_DIGIT) {
		t->val = t->p;
		t->val_len = 1;
		t->tok = TOK_LETTER;
		advance(t, 1);
	} else if ((c == '.' && t->tok <= TOK_DIGIT) || (is_digit(c) && t->tok == TOK_SUFFIX)) {
		t->tok = t->tok == TOK_SUFFIX ? TOK_SUFFIX_NO : TOK_DIGIT;
		if (c == '.')
			advance(t, 1);
		parse_digits(t);
	} else if (c == '_' && t->tok <= TOK_SUFFIX_NO) {
		advance(t, 1);
		take_run(t, is_lower);
		t->suffix = suffix_value(t->val, t->val_len);
		t->tok = t->suffix == SUF_INVALID ? TOK_INVALID : TOK_SUFFIX;
	} else if (c == '~' && t->tok < TOK_COMMIT_HASH) {
		advance(t, 1);
		take_run(t, is_hex);
		t->tok = t->val_len ? TOK_COMMIT_HASH : TOK_INVALID;
	} else if (c == '-' && t->tok < TOK_REVISION_NO && t->len > 1 && t->p[1] == 'r') {
		advance(t, 2);
		t->tok = TOK_REVISION_NO;
		parse_digits(t);
	} else {
		t->tok = TOK_INVALID;
	}
}

static int blob_sort(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return vs_sign(r);
	return (alen > blen) - (alen < blen);
}

static int tok_cmp(const struct apk_tokstate *a, const struct apk_tokstate *b)
{
	switch (a->tok) {
	case TOK_DIGIT:
		/* a leading zero means string order, as in Gentoo's spec */
		if (a->val[0] == '0' || b->val[0] == '0')
			return blob_sort(a->val, a->val_len, b->val, b->val_len);
		return vs_numcmp(a->val, a->val_len, b->val, b->val_len);
	case TOK_INITIAL_DIGIT:
	case TOK_SUFFIX_NO:
	case TOK_REVISION_NO:
		return vs_numcmp(a->val, a->val_len, b->val, b->val_len);
	case TOK_LETTER:
		return vs_sign((unsigned char)a->val[0] - (unsigned char)b->val[0]);
	case TOK_SUFFIX:
		return vs_sign((int)a->suffix - (int)b->suffix);
	default:
		return blob_sort(a->val, a->val_len, b->val, b->val_len);
	}
}

static int apk_compare(const char *a, size_t alen, const char *b, size_t blen, bool fuzzy)
{
	struct apk_tokstate ta;
	struct apk_tokstate tb;

	for (tok_first(&ta, a, alen), tok_first(&tb, b, blen); ta.tok == tb.tok && ta.tok < TOK_END;
	     tok_next(&ta), tok_next(&tb)) {
		int r = tok_cmp(&ta, &tb);

		if (r)
			return r;
	}
	if (ta.tok == tb.tok)
		return 0;
	if (tb.tok == TOK_END && fuzzy)
		return 0;
	/* equal so far: the longer one is newer, unless it goes on with a pre-release suffix */
	if (ta.tok == TOK_SUFFIX && ta.suffix < SUF_NONE)
		return -1;
	if (tb.tok == TOK_SUFFIX && tb.suffix < SUF_NONE)
		return 1;
	return ta.tok > tb.tok ? -1 : 1;
}

static int apk_cmp(const char *a, size_t alen, const char *b, size_t blen, int *ret_cmp)
{
	*ret_cmp = apk_compare(a, alen, b, blen, false);
	return 0;
}

int moat_apk_fuzzy_cmp(const char *a, const char *b, int *ret_cmp, struct moat_error *err)
{
	size_t alen;
	size_t blen;

	if (!a || !b || !ret_cmp)
		return moat_error_set(err, MOAT_E_USAGE, "moat_apk_fuzzy_cmp: NULL argument");
	alen = strnlen(a, MOAT_VERSION_MAX + 1);
	blen = strnlen(b, MOAT_VERSION_MAX + 1);
	if (alen > MOAT_VERSION_MAX || blen > MOAT_VERSION_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "apk version longer than %u bytes",
				      MOAT_VERSION_MAX);
	*ret_cmp = apk_compare(a, alen, b, blen, true);
	return 0;
}

static bool apk_valid(const char *v, size_t len)
{
	struct apk_tokstate t;

	for (tok_first(&t, v, len); t.tok < TOK_END; tok_next(&t))
		;
	return t.tok == TOK_END;
}

const struct vs_ops vs_apk_ops = { "apk", apk_cmp, apk_valid };
