/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jsonw.h - streaming JSON writer (one shape per type, used by every output).
 *
 * Commas, nesting and string escaping are handled here so writers only say
 * what goes out. Output accumulates in a moat_buf; the caller writes it out
 * once complete, so a failed scan never leaves half a document behind.
 */
#ifndef MOAT_JSONW_H
#define MOAT_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MOAT_JSONW_DEPTH 32

struct moat_jw {
	struct moat_buf *out;        /* borrowed */
	int depth;
	bool pretty;
	bool first[MOAT_JSONW_DEPTH]; /* no value yet at this depth */
	bool after_key;
	int err;                      /* first error; later calls are no-ops */
};

void moat_jw_init(struct moat_jw *jw, struct moat_buf *out, bool pretty);
void moat_jw_obj_begin(struct moat_jw *jw);
void moat_jw_obj_end(struct moat_jw *jw);
void moat_jw_arr_begin(struct moat_jw *jw);
void moat_jw_arr_end(struct moat_jw *jw);
void moat_jw_key(struct moat_jw *jw, const char *key);
/* NULL writes null. */
void moat_jw_str(struct moat_jw *jw, const char *str);
void moat_jw_strn(struct moat_jw *jw, const char *str, size_t len);
void moat_jw_int(struct moat_jw *jw, int64_t value);
void moat_jw_uint(struct moat_jw *jw, uint64_t value);
void moat_jw_double(struct moat_jw *jw, double value);
void moat_jw_bool(struct moat_jw *jw, bool value);
void moat_jw_null(struct moat_jw *jw);
/* key + value shorthands */
void moat_jw_kstr(struct moat_jw *jw, const char *key, const char *str);
void moat_jw_kint(struct moat_jw *jw, const char *key, int64_t value);
void moat_jw_kuint(struct moat_jw *jw, const char *key, uint64_t value);
void moat_jw_kbool(struct moat_jw *jw, const char *key, bool value);
/* 0 or the first error (MOAT_E_LIMIT, -ENOMEM, MOAT_E_INTERNAL on misuse). */
int moat_jw_finish(struct moat_jw *jw);

#endif
