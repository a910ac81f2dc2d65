/* SPDX-License-Identifier: Apache-2.0 */
/* slice.c - consuming splitters and number parsing over byte slices. */
#include "slice.h"

bool moat_slice_split(struct moat_slice *in, uint8_t sep, struct moat_slice *ret_head)
{
	const uint8_t *p;

	if (in->len == 0)
		return false;
	p = memchr(in->ptr, sep, in->len);
	if (!p) {
		*ret_head = *in;
		in->ptr += in->len;
		in->len = 0;
		return true;
	}
	*ret_head = moat_slice_make(in->ptr, (size_t)(p - in->ptr));
	in->len -= (size_t)(p - in->ptr) + 1;
	in->ptr = p + 1;
	return true;
}

bool moat_slice_line(struct moat_slice *in, struct moat_slice *ret_line)
{
	if (!moat_slice_split(in, '\n', ret_line))
		return false;
	if (ret_line->len && ret_line->ptr[ret_line->len - 1] == '\r')
		ret_line->len--;
	return true;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct moat_slice moat_slice_trim(struct moat_slice s)
{
	while (s.len && is_space(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_space(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

long moat_slice_find(struct moat_slice s, uint8_t c)
{
	const uint8_t *p = s.len ? memchr(s.ptr, c, s.len) : NULL;

	return p ? (long)(p - s.ptr) : -1;
}

bool moat_slice_to_u64(struct moat_slice s, uint64_t *ret_value)
{
	uint64_t v = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d;

		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
		d = s.ptr[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret_value = v;
	return true;
}

size_t moat_utf8_decode(const uint8_t *p, size_t avail, uint32_t *ret_cp)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0x80) {
		*ret_cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}
