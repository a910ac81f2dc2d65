/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.c - a recursive-descent TOML reader building a jansson tree.
 *
 * Written against the TOML 1.0 grammar (toml.abnf) for the parts lock files
 * use. Nesting is bounded by MOAT_LIMIT_JSON_DEPTH counted over table headers,
 * dotted keys, arrays and inline tables together, so neither this parser's
 * recursion nor jansson's (in json_decref) can be driven deep. Strings are
 * decoded into one scratch buffer that never grows past the input's size.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "toml.h"

struct toml {
	const uint8_t *p;
	size_t len;
	size_t pos;
	const char *what;
	struct moat_buf scratch;
	struct moat_error *err;
	json_t *root;
	json_t *table;        /* where key = value lines go */
	unsigned table_depth; /* depth of `table` below the root */
};

/* Fill err with "what: line L, column C: msg" for the current position. */
static int fail(struct toml *t, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct toml *t, int code, const char *fmt, ...)
{
	char msg[160];
	size_t line = 1;
	size_t col = 1;
	va_list ap;

	for (size_t i = 0; i < t->pos && i < t->len; i++) {
		col++;
		if (t->p[i] == '\n') {
			line++;
			col = 1;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_set(t->err, code, "%s: line %zu, column %zu: %s", t->what, line, col,
			      msg);
}

static int peek(const struct toml *t)
{
	return t->pos < t->len ? t->p[t->pos] : -1;
}

static bool at(const struct toml *t, const char *s)
{
	size_t n = strlen(s);

	return t->len - t->pos >= n && memcmp(t->p + t->pos, s, n) == 0;
}

static void skip_ws(struct toml *t)
{
	while (peek(t) == ' ' || peek(t) == '\t')
		t->pos++;
}

static void skip_comment(struct toml *t)
{
	if (peek(t) == '#')
		while (t->pos < t->len && t->p[t->pos] != '\n')
			t->pos++;
}

/* Whitespace, comments and newlines (inside arrays). */
static void skip_ws_nl(struct toml *t)
{
	for (;;) {
		skip_ws(t);
		skip_comment(t);
		if (peek(t) == '\n')
			t->pos++;
		else if (at(t, "\r\n"))
			t->pos += 2;
		else
			return;
	}
}

/* The end of a line: optional whitespace and comment, then newline or EOF. */
static int expect_eol(struct toml *t)
{
	skip_ws(t);
	skip_comment(t);
	if (peek(t) == -1)
		return 0;
	if (peek(t) == '\n') {
		t->pos++;
		return 0;
	}
	if (at(t, "\r\n")) {
		t->pos += 2;
		return 0;
	}
	return fail(t, MOAT_E_FORMAT, "expected the end of the line");
}

static int put_utf8(struct toml *t, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(t, MOAT_E_FORMAT, "escape is not a Unicode scalar value");
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return moat_buf_append(&t->scratch, b, n);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One backslash escape of a basic string; t->pos is on the backslash. */
static int escape(struct toml *t, bool multiline)
{
	static const char from[] = "btnfr\"\\";
	static const char to[] = "\b\t\n\f\r\"\\";
	int c;
	const char *hit;
	size_t digits;
	uint32_t cp = 0;

	t->pos++;
	c = peek(t);
	hit = c > 0 ? strchr(from, c) : NULL;
	if (hit) {
		t->pos++;
		return moat_buf_putc(&t->scratch, to[hit - from]);
	}
	if (c == 'u' || c == 'U') {
		digits = c == 'u' ? 4 : 8;
		t->pos++;
		for (size_t i = 0; i < digits; i++, t->pos++) {
			int h = hexval(peek(t));

			if (h < 0)
				return fail(t, MOAT_E_FORMAT, "bad \\%c escape", c);
			cp = cp << 4 | (uint32_t)h;
		}
		return put_utf8(t, cp);
	}
	if (multiline && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
		/* line-ending backslash: drop the newline and following whitespace */
		size_t save = t->pos;

		skip_ws(t);
		if (peek(t) != '\n' && !at(t, "\r\n")) {
			t->pos = save;
			return fail(t, MOAT_E_FORMAT, "backslash before whitespace mid-line");
		}
		while (peek(t) == ' ' || peek(t) == '\t' || peek(t) == '\n' || peek(t) == '\r')
			t->pos++;
		return 0;
	}
	return fail(t, MOAT_E_FORMAT, "unknown escape");
}

/* A string of any of the four kinds into t->scratch; t->pos is on the quote. */
static int string(struct toml *t)
{
	char q = (char)peek(t);
	const char delim3[4] = { q, q, q, '\0' };
	bool multi = at(t, delim3);
	int r = 0;

	moat_buf_reset(&t->scratch);
	t->pos += multi ? 3 : 1;
	if (multi && peek(t) == '\n')
		t->pos++;
	else if (multi && at(t, "\r\n"))
		t->pos += 2;
	while (r == 0) {
		int c = peek(t);

		if (c == -1 || (!multi && (c == '\n' || c == '\r')))
			return fail(t, MOAT_E_FORMAT, "unterminated string");
		if (c == q && (!multi || at(t, delim3))) {
			/* up to two quotes may sit right before the closing three */
			size_t extra = 0;

			if (multi)
				while (extra < 2 && t->len - t->pos > 3 + extra &&
				       t->p[t->pos + 3 + extra] == (uint8_t)q)
					extra++;
			r = moat_buf_append(&t->scratch, t->p + t->pos, extra);
			t->pos += (multi ? 3 : 1) + extra;
			break;
		}
		if (c == '\\' && q == '"') {
			r = escape(t, multi);
		} else if ((c < 0x20 && c != '\t' && !(multi && (c == '\n' || c == '\r'))) ||
			   c == 0x7f) {
			return fail(t, MOAT_E_FORMAT, "control character in a string");
		} else {
			r = moat_buf_putc(&t->scratch, (char)c);
			t->pos++;
		}
	}
	return r < 0 && r != MOAT_E_FORMAT ? fail(t, r, "string too long") : r;
}

static bool bare_key_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* One key segment (bare or quoted) into t->scratch. */
static int key_segment(struct toml *t)
{
	size_t start = t->pos;

	skip_ws(t);
	if (peek(t) == '"' || peek(t) == '\'') {
		if (at(t, "\"\"\"") || at(t, "'''"))
			return fail(t, MOAT_E_FORMAT, "multi-line string as a key");
		return string(t);
	}
	start = t->pos;
	while (bare_key_char(peek(t)))
		t->pos++;
	if (t->pos == start)
		return fail(t, MOAT_E_FORMAT, "expected a key");
	moat_buf_reset(&t->scratch);
	return moat_buf_append(&t->scratch, t->p + start, t->pos - start);
}

/* Step from obj into its member named by t->scratch, creating a table when
 * absent; an array of tables steps into its last table. */
static int step_into(struct toml *t, json_t **obj)
{
	const char *k = (const char *)t->scratch.data;
	size_t n = t->scratch.len;
	json_t *next = json_object_getn(*obj, k, n);

	if (!next) {
		next = json_object();
		if (!next || json_object_setn_new(*obj, k, n, next) < 0)
			return fail(t, MOAT_E_FORMAT, "bad key");
	} else if (json_is_array(next) && json_array_size(next) > 0 &&
		   json_is_object(json_array_get(next, json_array_size(next) - 1))) {
		next = json_array_get(next, json_array_size(next) - 1);
	} else if (!json_is_object(next)) {
		return fail(t, MOAT_E_FORMAT, "key %.*s is already a value", (int)n, k);
	}
	*obj = next;
	return 0;
}

/* A dotted key: walk all but the last segment from *obj (creating tables);
 * leave the last segment in t->scratch. *depth counts the steps taken. */
static int dotted_key(struct toml *t, json_t **obj, unsigned *depth)
{
	int r = key_segment(t);

	skip_ws(t);
	while (r == 0 && peek(t) == '.') {
		if (++*depth > MOAT_LIMIT_JSON_DEPTH)
			return fail(t, MOAT_E_LIMIT, "keys nested deeper than %u",
				    MOAT_LIMIT_JSON_DEPTH);
		if ((r = step_into(t, obj)) < 0)
			return r;
		t->pos++;
		r = key_segment(t);
		skip_ws(t);
	}
	if (r == 0 && memchr(t->scratch.data, '\0', t->scratch.len))
		r = fail(t, MOAT_E_FORMAT, "NUL in a key");
	return r;
}

static int value(struct toml *t, unsigned depth, json_t **ret);

/* obj[key in t->scratch] = v; a key may be set once. Consumes v. */
static int set_new(struct toml *t, json_t *obj, json_t *v)
{
	const char *k = (const char *)t->scratch.data;
	size_t n = t->scratch.len;

	if (json_object_getn(obj, k, n)) {
		json_decref(v);
		return fail(t, MOAT_E_FORMAT, "key %.*s defined twice", (int)n, k);
	}
	if (json_object_setn_new(obj, k, n, v) < 0)
		return fail(t, MOAT_E_FORMAT, "bad key");
	return 0;
}

/* key = value into obj, at nesting depth. */
static int keyval(struct toml *t, json_t *obj, unsigned depth)
{
	json_t *v = NULL;
	int r = dotted_key(t, &obj, &depth);
	struct moat_buf key;

	if (r < 0)
		return r;
	if (peek(t) != '=')
		return fail(t, MOAT_E_FORMAT, "expected '=' after a key");
	t->pos++;
	skip_ws(t);
	/* the value may use the scratch buffer: keep the key aside */
	key = t->scratch;
	moat_buf_init(&t->scratch, t->len + 1);
	r = value(t, depth, &v);
	moat_buf_release(&t->scratch);
	t->scratch = key;
	return r < 0 ? r : set_new(t, obj, v);
}

static int inline_table(struct toml *t, unsigned depth, json_t **ret)
{
	json_t *obj = json_object();
	int r = obj ? 0 : fail(t, -ENOMEM, "out of memory");

	t->pos++; /* '{' */
	skip_ws(t);
	if (r == 0 && peek(t) == '}') {
		t->pos++;
		*ret = obj;
		return 0;
	}
	while (r == 0) {
		if ((r = keyval(t, obj, depth)) < 0)
			break;
		skip_ws(t);
		if (peek(t) == '}') {
			t->pos++;
			*ret = obj;
			return 0;
		}
		if (peek(t) != ',')
			r = fail(t, MOAT_E_FORMAT, "expected ',' or '}' in an inline table");
		t->pos++;
	}
	json_decref(obj);
	return r;
}

static int array(struct toml *t, unsigned depth, json_t **ret)
{
	json_t *arr = json_array();
	int r = arr ? 0 : fail(t, -ENOMEM, "out of memory");

	t->pos++; /* '[' */
	while (r == 0) {
		json_t *v = NULL;

		skip_ws_nl(t);
		if (peek(t) == ']') {
			t->pos++;
			*ret = arr;
			return 0;
		}
		if ((r = value(t, depth, &v)) < 0)
			break;
		if (json_array_append_new(arr, v) < 0) {
			r = fail(t, -ENOMEM, "out of memory");
			break;
		}
		skip_ws_nl(t);
		if (peek(t) == ',')
			t->pos++;
		else if (peek(t) != ']')
			r = fail(t, MOAT_E_FORMAT, "expected ',' or ']' in an array");
	}
	json_decref(arr);
	return r;
}

static bool scalar_char(int c)
{
	return bare_key_char(c) || c == '.' || c == '+' || c == ':';
}

/* Integers (decimal, 0x, 0o, 0b, with '_' between digits) as json integers. */
static bool parse_int(const char *s, json_int_t *ret)
{
	int base = 10;
	bool neg = false;
	unsigned long long v = 0;
	bool digit_before = false;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;
		s += 2;
	} else if (s[0] == '0' && s[1]) {
		return false; /* leading zeros are not TOML */
	}
	for (; *s; s++) {
		int d = hexval(*s);

		if (*s == '_' && digit_before && s[1] && s[1] != '_') {
			digit_before = false;
			continue;
		}
		if (d < 0 || d >= base || v > (ULLONG_MAX - (unsigned)d) / (unsigned)base)
			return false;
		v = v * (unsigned)base + (unsigned)d;
		digit_before = true;
	}
	if (!digit_before || v > (unsigned long long)INT64_MAX + neg)
		return false;
	*ret = neg ? (json_int_t)(0 - v) : (json_int_t)v;
	return true;
}

/* A float as strtod reads it once the '_' separators are gone. */
static bool parse_float(const char *tok, size_t n, double *ret)
{
	char digits[64];
	size_t m = 0;
	char *end;

	if (strspn(tok, "0123456789+-._eE") != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tok[i] != '_')
			digits[m++] = tok[i];
	digits[m] = '\0';
	*ret = strtod(digits, &end);
	return m > 0 && *end == '\0' && isfinite(*ret);
}

/* Booleans, numbers, dates and times: a run of scalar characters (a date
 * and time may be separated by one space). */
static int scalar(struct toml *t, json_t **ret)
{
	char tok[64];
	size_t start = t->pos;
	size_t n;
	json_int_t i;
	double d;
	const char *unsigned_tok;

	while (scalar_char(peek(t)) ||
	       (peek(t) == ' ' && t->pos - start == 10 && t->pos + 1 < t->len &&
		t->p[t->pos + 1] >= '0' && t->p[t->pos + 1] <= '9' && t->p[start + 4] == '-'))
		t->pos++;
	n = t->pos - start;
	if (n == 0)
		return fail(t, MOAT_E_FORMAT, "expected a value");
	if (n >= sizeof(tok))
		return fail(t, MOAT_E_FORMAT, "value too long");
	memcpy(tok, t->p + start, n);
	tok[n] = '\0';
	unsigned_tok = tok + (tok[0] == '+' || tok[0] == '-');
	if (strcmp(tok, "true") == 0 || strcmp(tok, "false") == 0)
		*ret = json_boolean(tok[0] == 't');
	else if ((n >= 10 && tok[4] == '-' && tok[7] == '-') || (n >= 8 && tok[2] == ':'))
		*ret = json_stringn(tok, n); /* date, time or date-time as written */
	else if (parse_int(tok, &i))
		*ret = json_integer(i);
	else if (strcmp(unsigned_tok, "inf") == 0 || strcmp(unsigned_tok, "nan") == 0)
		*ret = json_string(tok); /* JSON has no inf/nan: keep the text */
	else if (parse_float(tok, n, &d))
		*ret = json_real(d);
	else
		return fail(t, MOAT_E_FORMAT, "not a TOML value: %s", tok);
	return *ret ? 0 : fail(t, -ENOMEM, "out of memory");
}

static int value(struct toml *t, unsigned depth, json_t **ret)
{
	int c = peek(t);
	int r;

	if (depth + 1 > MOAT_LIMIT_JSON_DEPTH && (c == '[' || c == '{'))
		return fail(t, MOAT_E_LIMIT, "values nested deeper than %u", MOAT_LIMIT_JSON_DEPTH);
	if (c == '[')
		return array(t, depth + 1, ret);
	if (c == '{')
		return inline_table(t, depth + 1, ret);
	if (c != '"' && c != '\'')
		return scalar(t, ret);
	if ((r = string(t)) < 0)
		return r;
	*ret = json_stringn((const char *)t->scratch.data, t->scratch.len);
	return *ret ? 0 : fail(t, MOAT_E_FORMAT, "string is not valid UTF-8");
}

/* [a.b.c] or [[a.b.c]]: make it the current table. */
static int header(struct toml *t)
{
	bool array_of = at(t, "[[");
	json_t *obj = t->root;
	json_t *cur;
	unsigned depth = 1;
	int r;

	t->pos += array_of ? 2 : 1;
	if ((r = dotted_key(t, &obj, &depth)) < 0)
		return r;
	if (array_of ? !at(t, "]]") : peek(t) != ']')
		return fail(t, MOAT_E_FORMAT, "unterminated table header");
	t->pos += array_of ? 2 : 1;
	cur = json_object_getn(obj, (const char *)t->scratch.data, t->scratch.len);
	if (array_of && !cur) {
		cur = json_array();
		if (!cur)
			return fail(t, -ENOMEM, "out of memory");
		if ((r = set_new(t, obj, cur)) < 0)
			return r;
	}
	if (array_of) {
		json_t *item;

		if (!json_is_array(cur))
			return fail(t, MOAT_E_FORMAT, "[[%.*s]] is not an array of tables",
				    (int)t->scratch.len, (const char *)t->scratch.data);
		item = json_object();
		if (!item || json_array_append_new(cur, item) < 0)
			return fail(t, -ENOMEM, "out of memory");
		t->table = item;
	} else {
		if ((r = step_into(t, &obj)) < 0)
			return r;
		t->table = obj;
	}
	t->table_depth = depth;
	return expect_eol(t);
}

static int document(struct toml *t)
{
	int r = 0;

	while (r == 0) {
		skip_ws_nl(t);
		if (peek(t) == -1)
			return 0;
		if (peek(t) == '[') {
			r = header(t);
		} else {
			r = keyval(t, t->table, t->table_depth);
			if (r == 0)
				r = expect_eol(t);
		}
	}
	return r;
}

int moat_toml_parse(const void *data, size_t len, uint64_t max_bytes, const char *what,
		    json_t **ret_json, struct moat_error *err)
{
	struct toml t = { .p = data, .len = len, .what = what ? what : "toml", .err = err };
	int r;

	if (len > max_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %zu bytes, more than the limit of %llu",
				      t.what, len, (unsigned long long)max_bytes);
	moat_buf_init(&t.scratch, len + 1);
	t.root = t.table = json_object();
	if (!t.root)
		return moat_error_set(err, -ENOMEM, "out of memory");
	r = document(&t);
	moat_buf_release(&t.scratch);
	if (r < 0) {
		json_decref(t.root);
		return r;
	}
	*ret_json = t.root;
	return 0;
}
