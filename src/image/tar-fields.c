/* SPDX-License-Identifier: Apache-2.0 */
/* tar-fields.c - numbers, checksums and PAX records the way Go reads them. */
#include <string.h>

#include "tar-fields.h"

struct moat_slice tar_field_string(const uint8_t *field, size_t len)
{
	const uint8_t *nul = memchr(field, '\0', len);

	return moat_slice_make(field, nul ? (size_t)(nul - field) : len);
}

static bool trimmable(uint8_t c)
{
	return c == ' ' || c == '\0';
}

/* Go's parser.parseOctal: trim spaces and NULs, stop at a NUL, octal digits. */
static bool tar_parse_octal(const uint8_t *field, size_t len, int64_t *ret)
{
	size_t start = 0;
	size_t end = len;
	uint64_t v = 0;
	struct moat_slice digits;

	while (start < end && trimmable(field[start]))
		start++;
	while (end > start && trimmable(field[end - 1]))
		end--;
	*ret = 0;
	if (start == end)
		return true;
	digits = tar_field_string(field + start, end - start);
	if (digits.len == 0)
		return false;
	for (size_t i = 0; i < digits.len; i++) {
		uint8_t c = ((const uint8_t *)digits.ptr)[i];

		if (c < '0' || c > '7' || v >> 61)
			return false;
		v = (v << 3) | (uint64_t)(c - '0');
	}
	*ret = (int64_t)v;
	return true;
}

bool tar_parse_numeric(const uint8_t *field, size_t len, int64_t *ret)
{
	uint8_t inv;
	uint64_t x = 0;

	if (len == 0 || !(field[0] & 0x80))
		return tar_parse_octal(field, len, ret);
	inv = (field[0] & 0x40) ? 0xff : 0x00;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = field[i] ^ inv;

		if (i == 0)
			c &= 0x7f;
		if (x >> 56)
			return false;
		x = (x << 8) | c;
	}
	if (x >> 63)
		return false;
	*ret = inv ? ~(int64_t)x : (int64_t)x;
	return true;
}

bool tar_parse_int(struct moat_slice s, int64_t *ret)
{
	const uint8_t *p = s.ptr;
	bool neg = false;
	uint64_t v = 0;
	size_t i = 0;

	if (s.len && (p[0] == '+' || p[0] == '-')) {
		neg = p[0] == '-';
		i = 1;
	}
	if (i == s.len)
		return false;
	for (; i < s.len; i++) {
		unsigned d = (unsigned)(p[i] - '0');

		if (p[i] < '0' || p[i] > '9' || v > ((uint64_t)INT64_MAX + neg - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Go's parsePAXTime: seconds, optionally "." and decimal digits. */
static bool tar_parse_pax_time(struct moat_slice s)
{
	long dot = moat_slice_find(s, '.');
	int64_t secs;

	if (dot < 0)
		return tar_parse_int(s, &secs);
	if (!tar_parse_int(moat_slice_make(s.ptr, (size_t)dot), &secs))
		return false;
	for (size_t i = (size_t)dot + 1; i < s.len; i++)
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
	return true;
}

bool tar_block_format(const uint8_t *block, enum tar_format *ret_format)
{
	int64_t want;
	int64_t sum_unsigned = 0;
	int64_t sum_signed = 0;

	if (!tar_parse_octal(block + 148, 8, &want))
		return false;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = (i >= 148 && i < 156) ? ' ' : block[i];

		sum_unsigned += c;
		sum_signed += (int8_t)c;
	}
	if (want != sum_unsigned && want != sum_signed)
		return false;
	if (!memcmp(block + 257, "ustar\0", 6))
		*ret_format = memcmp(block + 508, "tar\0", 4) ? TAR_USTAR : TAR_STAR;
	else if (!memcmp(block + 257, "ustar ", 6) && !memcmp(block + 263, " \0", 2))
		*ret_format = TAR_GNU;
	else
		*ret_format = TAR_V7;
	return true;
}

/* One "LEN key=value\n" record, as Go's parsePAXRecord. */
static const char *pax_record(struct moat_slice *in, struct moat_slice *ret_key,
			      struct moat_slice *ret_value)
{
	long sp = moat_slice_find(*in, ' ');
	int64_t n;
	struct moat_slice rec;
	long eq;

	if (sp < 0 || !tar_parse_int(moat_slice_make(in->ptr, (size_t)sp), &n) || n < 5 ||
	    (uint64_t)n > in->len)
		return "bad PAX record length";
	if (sp + 1 >= n - 1)
		return "bad PAX record length";
	if (in->ptr[n - 1] != '\n')
		return "PAX record without its newline";
	rec = moat_slice_make(in->ptr + sp + 1, (size_t)(n - 1 - (sp + 1)));
	eq = moat_slice_find(rec, '=');
	if (eq <= 0)
		return "PAX record without a key";
	*ret_key = moat_slice_make(rec.ptr, (size_t)eq);
	*ret_value = moat_slice_make(rec.ptr + eq + 1, rec.len - (size_t)eq - 1);
	in->ptr += n;
	in->len -= (size_t)n;
	return NULL;
}

static bool is_name_key(struct moat_slice key)
{
	return moat_slice_eq_str(key, "path") || moat_slice_eq_str(key, "linkpath") ||
	       moat_slice_eq_str(key, "uname") || moat_slice_eq_str(key, "gname");
}

static void pax_store(struct tar_pax *pax, struct moat_slice key, struct moat_slice value)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
		{ "path", offsetof(struct tar_pax, path) },
		{ "linkpath", offsetof(struct tar_pax, linkpath) },
		{ "size", offsetof(struct tar_pax, size) },
		{ "uid", offsetof(struct tar_pax, uid) },
		{ "gid", offsetof(struct tar_pax, gid) },
		{ "atime", offsetof(struct tar_pax, atime) },
		{ "mtime", offsetof(struct tar_pax, mtime) },
		{ "ctime", offsetof(struct tar_pax, ctime) },
		{ "GNU.sparse.major", offsetof(struct tar_pax, sparse_major) },
		{ "GNU.sparse.minor", offsetof(struct tar_pax, sparse_minor) },
		{ "GNU.sparse.map", offsetof(struct tar_pax, sparse_map) },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!moat_slice_eq_str(key, keys[i].key))
			continue;
		*(struct moat_slice *)((char *)pax + keys[i].offset) = value;
		return;
	}
}

const char *tar_pax_parse(struct moat_slice in, struct tar_pax *ret)
{
	size_t offsets = 0;

	memset(ret, 0, sizeof(*ret));
	while (in.len) {
		struct moat_slice key, value;
		const char *why = pax_record(&in, &key, &value);

		if (why)
			return why;
		if (is_name_key(key) ? memchr(value.ptr, '\0', value.len) != NULL
				     : memchr(key.ptr, '\0', key.len) != NULL)
			return "PAX record with a NUL byte";
		if (moat_slice_eq_str(key, "GNU.sparse.offset") ||
		    moat_slice_eq_str(key, "GNU.sparse.numbytes")) {
			bool want_offset = offsets % 2 == 0;

			if (want_offset != moat_slice_eq_str(key, "GNU.sparse.offset") ||
			    memchr(value.ptr, ',', value.len))
				return "bad GNU sparse map record";
			/* Go joins the pairs with commas into GNU.sparse.map. */
			ret->offsets_map_bytes += value.len + (offsets ? 1 : 0);
			offsets++;
			continue;
		}
		pax_store(ret, key, value);
	}
	ret->sparse_map_set = offsets ? ret->offsets_map_bytes > 0 : ret->sparse_map.len > 0;
	return NULL;
}

const char *tar_pax_check(const struct tar_pax *pax)
{
	int64_t v;

	if (pax->size.len && (!tar_parse_int(pax->size, &v) || v < 0))
		return "size";
	if (pax->uid.len && !tar_parse_int(pax->uid, &v))
		return "uid";
	if (pax->gid.len && !tar_parse_int(pax->gid, &v))
		return "gid";
	if (pax->atime.len && !tar_parse_pax_time(pax->atime))
		return "atime";
	if (pax->mtime.len && !tar_parse_pax_time(pax->mtime))
		return "mtime";
	if (pax->ctime.len && !tar_parse_pax_time(pax->ctime))
		return "ctime";
	return NULL;
}

bool tar_pax_sparse(const struct tar_pax *pax)
{
	struct moat_slice major = pax->sparse_major;
	struct moat_slice minor = pax->sparse_minor;

	if (moat_slice_eq_str(major, "0") &&
	    (moat_slice_eq_str(minor, "0") || moat_slice_eq_str(minor, "1")))
		return true;
	if (moat_slice_eq_str(major, "1") && moat_slice_eq_str(minor, "0"))
		return true;
	if (major.len || minor.len)
		return false; /* an unknown sparse version: Go reads a plain file */
	return pax->sparse_map_set;
}
