/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-scan.h - module-private: walk the members of a big JSON object or
 * array without building a tree of the whole document.
 *
 * The Debian tracker export is ~100 MB and an NVD yearly feed several
 * hundred: a jansson tree of either costs gigabytes. The scanner finds each
 * member's raw bytes (strings and nesting respected, depth bounded); the
 * parser then loads one member at a time with moat_json_parse(), which
 * validates it fully. Nothing here allocates.
 */
#ifndef MOAT_VULN_FEED_SCAN_H
#define MOAT_VULN_FEED_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

struct moat_buf;
struct moat_error;

/* Whole feed documents: the largest real one (NVD all-years) is ~2 GB
 * uncompressed; nothing moat reads is bigger. */
#define FEED_MAX_DOC_BYTES (4ull << 30)
/* One member loaded as a tree (one source package of the tracker: the
 * kernel's is ~15 MB; one NVD CVE: < 1 MB; a whole KEV catalogue: ~1.5 MB). */
#define FEED_MAX_RECORD_BYTES (128u << 20)

struct feed_scan {
	const uint8_t *data;
	size_t len;
	size_t pos;
	const char *origin;
	unsigned depth;         /* nesting of the container being walked (1 = top) */
	bool in_object;
	bool first;             /* no member read yet in the current container */
};

void feed_scan_init(struct feed_scan *s, const uint8_t *data, size_t len, const char *origin);
/* Step into the object ('{') or array ('[') at the current position (after
 * blanks). MOAT_E_FORMAT when something else is there. */
int feed_scan_enter(struct feed_scan *s, uint8_t open, struct moat_error *err);
/* Next member of the current container: 1 with *ret_key (object: the raw key
 * token, quotes included; array: empty) and *ret_value (the raw value), 0
 * after the closing bracket, or a negative code. */
int feed_scan_next(struct feed_scan *s, struct moat_slice *ret_key, struct moat_slice *ret_value,
		   struct moat_error *err);
/* Only blanks may follow the top-level value. */
int feed_scan_finish(struct feed_scan *s, struct moat_error *err);
/* Raw key token equals the plain (escape-free) string key. */
bool feed_scan_key_is(struct moat_slice raw, const char *key);
/* Decode a raw string token into buf (replacing its content, NUL-terminated). */
int feed_scan_decode_key(const struct feed_scan *s, struct moat_slice raw, struct moat_buf *buf,
			 struct moat_error *err);

#endif
