/* SPDX-License-Identifier: Apache-2.0 */
/* jsonw.c - JSON output with RFC 8259 escaping; invalid UTF-8 becomes U+FFFD. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "moat/error.h"
#include "jsonw.h"
#include "slice.h"

void moat_jw_init(struct moat_jw *jw, struct moat_buf *out, bool pretty)
{
	memset(jw, 0, sizeof(*jw));
	jw->out = out;
	jw->pretty = pretty;
	jw->first[0] = true;
}

static void put(struct moat_jw *jw, const char *s, size_t len)
{
	if (!jw->err)
		jw->err = moat_buf_append(jw->out, s, len);
}

static void indent(struct moat_jw *jw)
{
	static const char spaces[] = "                                                                ";

	if (!jw->pretty)
		return;
	put(jw, "\n", 1);
	for (int i = 0; i < jw->depth; i++)
		put(jw, spaces, 2);
}

/* Separator before a value (or a key) at the current depth. */
static void before_value(struct moat_jw *jw)
{
	if (jw->after_key) {
		jw->after_key = false;
		return;
	}
	if (!jw->first[jw->depth])
		put(jw, ",", 1);
	if (jw->depth > 0)
		indent(jw);
	jw->first[jw->depth] = false;
}

static void open_level(struct moat_jw *jw, const char *c)
{
	before_value(jw);
	put(jw, c, 1);
	if (jw->depth + 1 >= MOAT_JSONW_DEPTH) {
		jw->err = MOAT_E_INTERNAL;
		return;
	}
	jw->depth++;
	jw->first[jw->depth] = true;
}

static void close_level(struct moat_jw *jw, const char *c)
{
	bool empty;

	if (jw->depth == 0) {
		jw->err = MOAT_E_INTERNAL;
		return;
	}
	empty = jw->first[jw->depth];
	jw->depth--;
	if (!empty)
		indent(jw);
	put(jw, c, 1);
}

void moat_jw_obj_begin(struct moat_jw *jw) { open_level(jw, "{"); }
void moat_jw_obj_end(struct moat_jw *jw) { close_level(jw, "}"); }
void moat_jw_arr_begin(struct moat_jw *jw) { open_level(jw, "["); }
void moat_jw_arr_end(struct moat_jw *jw) { close_level(jw, "]"); }

static void put_escaped(struct moat_jw *jw, const char *str, size_t len)
{
	const uint8_t *p = (const uint8_t *)str;
	size_t i = 0;

	put(jw, "\"", 1);
	while (i < len) {
		uint8_t c = p[i];
		char esc[8];
		uint32_t cp;
		size_t n;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			/* a run of plain ASCII goes out in one append: admission
			 * answers and audit lines are mostly that */
			size_t j = i + 1;

			while (j < len && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\')
				j++;
			put(jw, str + i, j - i);
			i = j;
		} else if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(jw, esc, 2);
			i++;
		} else if (c < 0x20) {
			const char *short_esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;

			if (short_esc) {
				put(jw, short_esc, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				put(jw, esc, 6);
			}
			i++;
		} else {
			n = moat_utf8_decode(p + i, len - i, &cp);
			if (n == 0) {
				put(jw, "\\ufffd", 6);
				i++;
			} else {
				put(jw, str + i, n);
				i += n;
			}
		}
	}
	put(jw, "\"", 1);
}

void moat_jw_key(struct moat_jw *jw, const char *key)
{
	before_value(jw);
	put_escaped(jw, key, strlen(key));
	put(jw, jw->pretty ? ": " : ":", jw->pretty ? 2 : 1);
	jw->after_key = true;
}

void moat_jw_strn(struct moat_jw *jw, const char *str, size_t len)
{
	before_value(jw);
	put_escaped(jw, str, len);
}

void moat_jw_str(struct moat_jw *jw, const char *str)
{
	if (!str) {
		moat_jw_null(jw);
		return;
	}
	moat_jw_strn(jw, str, strlen(str));
}

static void put_raw(struct moat_jw *jw, const char *s)
{
	before_value(jw);
	put(jw, s, strlen(s));
}

void moat_jw_int(struct moat_jw *jw, int64_t value)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, value);
	put_raw(jw, num);
}

void moat_jw_uint(struct moat_jw *jw, uint64_t value)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, value);
	put_raw(jw, num);
}

void moat_jw_double(struct moat_jw *jw, double value)
{
	char num[40];

	snprintf(num, sizeof(num), "%.17g", value);
	put_raw(jw, num);
}

void moat_jw_bool(struct moat_jw *jw, bool value) { put_raw(jw, value ? "true" : "false"); }
void moat_jw_null(struct moat_jw *jw) { put_raw(jw, "null"); }

void moat_jw_kstr(struct moat_jw *jw, const char *key, const char *str)
{
	moat_jw_key(jw, key);
	moat_jw_str(jw, str);
}

void moat_jw_kint(struct moat_jw *jw, const char *key, int64_t value)
{
	moat_jw_key(jw, key);
	moat_jw_int(jw, value);
}

void moat_jw_kuint(struct moat_jw *jw, const char *key, uint64_t value)
{
	moat_jw_key(jw, key);
	moat_jw_uint(jw, value);
}

void moat_jw_kbool(struct moat_jw *jw, const char *key, bool value)
{
	moat_jw_key(jw, key);
	moat_jw_bool(jw, value);
}

int moat_jw_finish(struct moat_jw *jw)
{
	if (!jw->err && jw->depth != 0)
		jw->err = MOAT_E_INTERNAL;
	if (!jw->err && jw->pretty)
		put(jw, "\n", 1);
	return jw->err;
}
