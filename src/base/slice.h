/* SPDX-License-Identifier: Apache-2.0 */
/*
 * slice.h - parse untrusted bytes as (pointer, length), never as C strings.
 *
 * Parsers take a struct moat_slice *in and consume from its front on success,
 * so they chain. Data may hold NULs; nothing here calls strlen on input.
 */
#ifndef MOAT_SLICE_H
#define MOAT_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct moat_slice {
	const uint8_t *ptr;
	size_t len;
};

#define MOAT_SLICE_LIT(s) ((struct moat_slice){ (const uint8_t *)(s), sizeof(s) - 1 })

static inline struct moat_slice moat_slice_make(const void *ptr, size_t len)
{
	return (struct moat_slice){ (const uint8_t *)ptr, len };
}

static inline struct moat_slice moat_slice_str(const char *s)
{
	return moat_slice_make(s, s ? strlen(s) : 0);
}

static inline bool moat_slice_eq(struct moat_slice a, struct moat_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool moat_slice_eq_str(struct moat_slice a, const char *s)
{
	return moat_slice_eq(a, moat_slice_str(s));
}

static inline bool moat_slice_startswith(struct moat_slice a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

static inline bool moat_slice_endswith(struct moat_slice a, const char *suffix)
{
	size_t n = strlen(suffix);

	return a.len >= n && memcmp(a.ptr + a.len - n, suffix, n) == 0;
}

/* Split off everything up to the first `sep` (not included) into *ret_head and
 * consume it and the separator from *in. Without a separator the whole rest is
 * the head. Returns false when *in is empty. */
bool moat_slice_split(struct moat_slice *in, uint8_t sep, struct moat_slice *ret_head);
/* Same with '\n', dropping a trailing '\r'. */
bool moat_slice_line(struct moat_slice *in, struct moat_slice *ret_line);
/* Strip ASCII spaces and tabs (and CR/LF) from both ends. */
struct moat_slice moat_slice_trim(struct moat_slice s);
/* Index of byte c or -1. */
long moat_slice_find(struct moat_slice s, uint8_t c);
/* Parse a decimal uint64 that fills the whole slice. Returns false on overflow or junk. */
bool moat_slice_to_u64(struct moat_slice s, uint64_t *ret_value);
/* Length (1-4) of the valid UTF-8 sequence at p, or 0 for an invalid one
 * (overlong, surrogate, beyond U+10FFFF, cut short by avail); *ret_cp is the
 * code point. avail must be at least 1. */
size_t moat_utf8_decode(const uint8_t *p, size_t avail, uint32_t *ret_cp);

#endif
