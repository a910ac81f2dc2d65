/* SPDX-License-Identifier: Apache-2.0 */
/* term.c - escaping image-controlled text for terminals (term.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "slice.h"
#include "term.h"

static bool is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes at p to keep as they are (0 = escape p[0]); *ret_cp for bidi. */
static size_t keep_len(const uint8_t *p, size_t avail, uint32_t *ret_cp)
{
	uint32_t cp = 0;
	size_t n;

	*ret_cp = 0;
	if (p[0] >= 0x20 && p[0] < 0x7f)
		return 1;
	if (p[0] < 0x80)
		return 0;
	n = moat_utf8_decode(p, avail, &cp);
	if (n == 0 || cp < 0xa0)
		return 0; /* invalid, or a C1 control encoded */
	if (is_bidi_control(cp)) {
		*ret_cp = cp;
		return 0;
	}
	return n;
}

int moat_term_needs_escape(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = keep_len(p + i, len - i, &cp);

		if (n == 0)
			return 1;
		i += n;
	}
	return 0;
}

int moat_term_escape(struct moat_buf *out, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, run = 0;
	uint32_t cp;
	int r = 0;

	while (i < len && r == 0) {
		size_t n = keep_len(p + i, len - i, &cp);
		char esc[16];

		if (n) {
			i += n;
			run += n;
			continue;
		}
		if (run)
			r = moat_buf_append(out, p + i - run, run);
		run = 0;
		if (r < 0)
			break;
		if (cp) {
			snprintf(esc, sizeof(esc), "\\u{%04x}", (unsigned)cp);
			i += 3; /* every bidi control is 3 bytes of UTF-8 */
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", p[i]);
			i++;
		}
		r = moat_buf_append_str(out, esc);
	}
	if (r == 0 && run)
		r = moat_buf_append(out, p + i - run, run);
	return r;
}

int moat_term_str(struct moat_buf *out, const char *s)
{
	return s ? moat_term_escape(out, s, strlen(s)) : 0;
}

int moat_term_pad(struct moat_buf *out, const char *s, int width)
{
	size_t start = out->len;
	int r = moat_term_str(out, s);

	while (r == 0 && out->len - start < (size_t)(width > 0 ? width : 0))
		r = moat_buf_putc(out, ' ');
	return r;
}
