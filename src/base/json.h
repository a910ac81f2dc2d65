/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h - bounded JSON parsing (jansson underneath) and typed getters.
 *
 * Errors name the document and the place: "manifest.json: line 3, column 7: ...".
 */
#ifndef MOAT_JSON_H
#define MOAT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;

/* Parse data (at most max_bytes) into *ret_json (caller json_decref's it).
 * `what` names the input in error messages. */
int moat_json_parse(const void *data, size_t len, uint64_t max_bytes, const char *what,
		    json_t **ret_json, struct moat_error *err);
/* String member or NULL when absent or not a string. */
const char *moat_json_str(const json_t *obj, const char *key);
/* Like moat_json_str but also gives the length (strings may hold NULs). */
const char *moat_json_strn(const json_t *obj, const char *key, size_t *ret_len);
/* Integer member or def. */
int64_t moat_json_int(const json_t *obj, const char *key, int64_t def);

#endif
