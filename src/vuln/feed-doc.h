/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed-doc.h - module-private helpers for feed parsers that read a JSON or
 * YAML document as a jansson tree: load with sniffing, and typed member
 * getters that keep the JSON path of the value being read so a wrong type is
 * a MOAT_E_FORMAT saying where: "PYSEC-2021-1.yaml: affected[0].ranges[1].type:
 * expected a string, got an array".
 */
#ifndef MOAT_VULN_FEED_DOC_H
#define MOAT_VULN_FEED_DOC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct moat_arena;
struct moat_error;

/* Longest JSON path kept for messages; deeper paths are cut, not an error. */
#define FEED_PATH_MAX 160u

/* Where a walk is: the document and the JSON path inside it. */
struct feed_walk {
	const char *origin;
	struct moat_error *err;
	char path[FEED_PATH_MAX];
	size_t path_len;
};

void feed_walk_init(struct feed_walk *w, const char *origin, struct moat_error *err);
/* Append ".key" (or "key" at the root) / "[i]"; return the mark to pop back to. */
size_t feed_path_key(struct feed_walk *w, const char *key);
size_t feed_path_index(struct feed_walk *w, size_t i);
void feed_path_pop(struct feed_walk *w, size_t mark);
/* MOAT_E_FORMAT "origin: path: message". */
int feed_fail(struct feed_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse data as JSON when it starts with '{' or '[' (after blanks), as YAML
 * otherwise, bounded by max_bytes and MOAT_LIMIT_JSON_DEPTH (YAML). */
int feed_doc_load(const uint8_t *data, size_t len, const char *origin, size_t max_bytes,
		  json_t **ret, struct moat_error *err);

/* Typed members of obj. Absent or null members give NULL and 0; any other
 * wrong type gives MOAT_E_FORMAT naming the member's path. */
int feed_get_str(struct feed_walk *w, const json_t *obj, const char *key, const char **ret);
int feed_get_array(struct feed_walk *w, const json_t *obj, const char *key, json_t **ret);
int feed_get_object(struct feed_walk *w, const json_t *obj, const char *key, json_t **ret);
/* A version-like scalar: a string, or an integer (unquoted YAML "2") written
 * back as decimal text into arena. Reals are an error: "1.10" would read 1.1. */
int feed_scalar_text(struct feed_walk *w, struct moat_arena *arena, const json_t *v,
		     const char **ret);
/* Name of v's JSON type for messages. */
const char *feed_type_name(const json_t *v);

#endif
