/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toml.h - bounded TOML reading into a jansson tree, for lock files
 * (poetry.lock, uv.lock, Cargo.lock, Pipfile-style configs).
 *
 * The document becomes a JSON object the way every TOML-to-JSON tool maps it:
 * tables are objects, [[x]] arrays of tables are arrays of objects, strings
 * are strings, integers are integers, floats are reals, booleans are
 * booleans, and offset/local date-times, dates and times are kept as their
 * source text in strings. Use the getters of base/json.h on the result.
 *
 * Covered: comments, bare / quoted / dotted keys, [table] and [[array]]
 * headers (dotted, quoted), basic / literal / multi-line strings with all
 * escapes (\uXXXX, \UXXXXXXXX as UTF-8), integers (decimal, 0x, 0o, 0b,
 * underscores), floats (inf, nan), booleans, arrays (multi-line, trailing
 * comma) and inline tables. Setting a key twice is an error; unlike TOML 1.0,
 * reopening a [table], extending one through dotted keys, control characters
 * in comments and impossible dates are accepted (lock files are written by
 * tools; leniency there changes no package). Bounds: max_bytes of input, MOAT_LIMIT_JSON_DEPTH of nesting
 * (arrays, inline tables and dotted keys together), and strings/keys no
 * longer than the input itself.
 */
#ifndef MOAT_TOML_H
#define MOAT_TOML_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;

/* Parse data (at most max_bytes; may hold NULs, which are an error outside
 * strings) into *ret_json, a JSON object the caller json_decref's. `what`
 * names the input in messages: "poetry.lock: line 12, column 3: ...".
 * Returns 0, MOAT_E_FORMAT, MOAT_E_LIMIT or -ENOMEM; *ret_json is only
 * written on success. */
int moat_toml_parse(const void *data, size_t len, uint64_t max_bytes, const char *what,
		    json_t **ret_json, struct moat_error *err);

#endif
