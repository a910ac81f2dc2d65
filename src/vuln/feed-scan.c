/* SPDX-License-Identifier: Apache-2.0 */
/* feed-scan.c - find the raw bytes of each member of a JSON container. */
#include <jansson.h>
#include <string.h>

#include "base/buf.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "feed-scan.h"

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_blanks(struct feed_scan *s)
{
	while (s->pos < s->len && is_blank(s->data[s->pos]))
		s->pos++;
}

/* "origin: line L: msg", L counted up to pos (on the error path only). */
static int scan_fail(const struct feed_scan *s, size_t pos, int code, const char *msg,
		     struct moat_error *err)
{
	size_t line = 1;

	for (size_t i = 0; i < pos && i < s->len; i++)
		line += s->data[i] == '\n';
	return moat_error_set(err, code, "%s: line %zu: %s", s->origin, line, msg);
}

/* pos at an opening quote: return the index after the closing one, or 0. */
static size_t skip_string(const uint8_t *p, size_t len, size_t pos)
{
	for (pos++; pos < len; pos++) {
		if (p[pos] == '\\')
			pos++;
		else if (p[pos] == '"')
			return pos + 1;
	}
	return 0;
}

/* Step over one value starting at s->pos; nesting below max_depth. */
static int skip_value(struct feed_scan *s, unsigned max_depth, struct moat_error *err)
{
	const uint8_t *p = s->data;
	size_t i = s->pos, start = s->pos;
	unsigned depth = 0;

	if (i >= s->len)
		return scan_fail(s, i, MOAT_E_TRUNCATED, "value expected, input ends", err);
	if (p[i] == '"') {
		i = skip_string(p, s->len, i);
		if (!i)
			return scan_fail(s, start, MOAT_E_TRUNCATED, "unterminated string", err);
		s->pos = i;
		return 0;
	}
	if (p[i] != '{' && p[i] != '[') {
		while (i < s->len && !is_blank(p[i]) && p[i] != ',' && p[i] != '}' && p[i] != ']')
			i++;
		if (i == start)
			return scan_fail(s, start, MOAT_E_FORMAT, "value expected", err);
		s->pos = i;
		return 0;
	}
	for (; i < s->len; i++) {
		if (p[i] == '"') {
			size_t end = skip_string(p, s->len, i);

			if (!end)
				return scan_fail(s, i, MOAT_E_TRUNCATED, "unterminated string", err);
			i = end - 1;
		} else if (p[i] == '{' || p[i] == '[') {
			if (++depth > max_depth)
				return scan_fail(s, i, MOAT_E_LIMIT, "nesting too deep", err);
		} else if (p[i] == '}' || p[i] == ']') {
			if (--depth == 0) {
				s->pos = i + 1;
				return 0;
			}
		}
	}
	return scan_fail(s, start, MOAT_E_TRUNCATED, "unterminated container", err);
}

void feed_scan_init(struct feed_scan *s, const uint8_t *data, size_t len, const char *origin)
{
	memset(s, 0, sizeof(*s));
	s->data = data;
	s->len = len;
	s->origin = origin ? origin : "feed";
}

int feed_scan_enter(struct feed_scan *s, uint8_t open, struct moat_error *err)
{
	skip_blanks(s);
	if (s->pos >= s->len || s->data[s->pos] != open)
		return scan_fail(s, s->pos, MOAT_E_FORMAT,
				 open == '{' ? "expected an object" : "expected an array", err);
	s->pos++;
	s->depth++;
	s->in_object = open == '{';
	s->first = true;
	return 0;
}

int feed_scan_next(struct feed_scan *s, struct moat_slice *ret_key, struct moat_slice *ret_value,
		   struct moat_error *err)
{
	uint8_t close = s->in_object ? '}' : ']';
	unsigned room = MOAT_LIMIT_JSON_DEPTH > s->depth ? MOAT_LIMIT_JSON_DEPTH - s->depth : 0;
	size_t start;
	int r;

	skip_blanks(s);
	if (s->pos >= s->len)
		return scan_fail(s, s->pos, MOAT_E_TRUNCATED, "input ends inside a container", err);
	if (s->data[s->pos] == close) {
		s->pos++;
		s->depth--;
		return 0;
	}
	if (!s->first) {
		if (s->data[s->pos] != ',')
			return scan_fail(s, s->pos, MOAT_E_FORMAT, "expected ',' between members",
					 err);
		s->pos++;
		skip_blanks(s);
	}
	s->first = false;
	*ret_key = moat_slice_make(s->data + s->pos, 0);
	if (s->in_object) {
		start = s->pos;
		if (s->pos >= s->len || s->data[s->pos] != '"')
			return scan_fail(s, s->pos, MOAT_E_FORMAT, "expected a member name", err);
		r = skip_value(s, room, err);
		if (r < 0)
			return r;
		*ret_key = moat_slice_make(s->data + start, s->pos - start);
		skip_blanks(s);
		if (s->pos >= s->len || s->data[s->pos] != ':')
			return scan_fail(s, s->pos, MOAT_E_FORMAT, "expected ':'", err);
		s->pos++;
		skip_blanks(s);
	}
	start = s->pos;
	r = skip_value(s, room, err);
	if (r < 0)
		return r;
	*ret_value = moat_slice_make(s->data + start, s->pos - start);
	return 1;
}

int feed_scan_finish(struct feed_scan *s, struct moat_error *err)
{
	skip_blanks(s);
	if (s->pos != s->len)
		return scan_fail(s, s->pos, MOAT_E_FORMAT, "trailing data after the document", err);
	return 0;
}

bool feed_scan_key_is(struct moat_slice raw, const char *key)
{
	size_t n = strlen(key);

	return raw.len == n + 2 && memcmp(raw.ptr + 1, key, n) == 0;
}

int feed_scan_decode_key(const struct feed_scan *s, struct moat_slice raw, struct moat_buf *buf,
			 struct moat_error *err)
{
	json_error_t jerr;
	json_t *str = json_loadb((const char *)raw.ptr, raw.len, JSON_DECODE_ANY, &jerr);
	int r;

	if (!json_is_string(str)) {
		json_decref(str);
		return scan_fail(s, (size_t)(raw.ptr - s->data), MOAT_E_FORMAT, "bad member name",
				 err);
	}
	moat_buf_reset(buf);
	r = moat_buf_append(buf, json_string_value(str), json_string_length(str));
	json_decref(str);
	if (r < 0)
		return moat_error_set(err, r, "%s: member name too long", s->origin);
	return 0;
}
