/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml.h - bounded YAML parsing (libfyaml underneath) into a jansson tree.
 *
 * Feeds (the PyPI advisory database is OSV in YAML, Alpine's archived secdb),
 * policies and rules are YAML; converting them to jansson lets one walker
 * (json.h getters) read both syntaxes. Errors name the document and the
 * place: "PYSEC-2021-1.yaml: line 3, column 7: ...".
 *
 * Mapping -> object (keys are the scalar text; duplicate keys are an error,
 * as with JSON), sequence -> array. Scalars follow the YAML 1.2 core schema:
 * a PLAIN scalar that reads as null (null, Null, NULL, ~, empty), a bool
 * (true/false in three spellings), an int (decimal, 0o octal, 0x hex) or a
 * finite float becomes a JSON null/bool/number; every quoted or block scalar,
 * a !!str one, and numbers JSON cannot hold (ints beyond 64 bits, .inf, .nan)
 * stay strings. No timestamps, no YAML 1.1 yes/no booleans, no merge keys.
 * Aliases share the anchored node; their total expansion is bounded so a
 * "billion laughs" document fails with MOAT_E_LIMIT instead of eating memory.
 */
#ifndef MOAT_YAML_H
#define MOAT_YAML_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;

/* Aliases one document may use. Real feeds and policies use none or a few. */
#define MOAT_YAML_MAX_ALIASES 4096u
/* Nodes all aliases of one document may stand for together (what a consumer
 * walking the tree would visit beyond the document's own nodes). */
#define MOAT_YAML_MAX_ALIAS_NODES (1u << 20)

/* Parse the single YAML document in data (at most max_bytes, nesting at most
 * max_depth collections) into *ret (caller json_decref's it). An empty stream
 * gives JSON null; a stream of several documents is MOAT_E_FORMAT. Returns 0,
 * MOAT_E_FORMAT (syntax, depth, duplicate key, complex key, bad UTF-8),
 * MOAT_E_LIMIT (size, aliases) or -ENOMEM; *ret is untouched on failure.
 * origin names the input in error messages. */
int moat_yaml_parse(const uint8_t *data, size_t len, const char *origin, size_t max_bytes,
		    unsigned max_depth, json_t **ret, struct moat_error *err);

/* A stream of documents with the line of every mapping member and sequence
 * element (`kubectl get -o yaml`, Helm output and multi-document manifests
 * need both: each document, and where in the file a finding is). */
struct moat_yaml_lines;
struct moat_yaml_stream {
	json_t **docs;	       /* n documents (an empty document is JSON null) */
	unsigned *doc_lines;   /* 1-based line where each document's root node starts */
	size_t n;
	struct moat_yaml_lines *lines;
};

/* Parse every document of data (at most max_docs; more is MOAT_E_LIMIT) into
 * *ret. Bounds and errors as moat_yaml_parse(); anchors are per document.
 * On failure *ret is left empty. Release with moat_yaml_stream_release(). */
int moat_yaml_parse_stream(const uint8_t *data, size_t len, const char *origin,
			   size_t max_bytes, unsigned max_depth, size_t max_docs,
			   struct moat_yaml_stream *ret, struct moat_error *err);
void moat_yaml_stream_release(struct moat_yaml_stream *s);
/* 1-based line of member key of object parent (the key's own line), or 0. */
unsigned moat_yaml_line_key(const struct moat_yaml_lines *l, const json_t *parent, const char *key);
/* 1-based line of element idx of array parent, or 0. */
unsigned moat_yaml_line_idx(const struct moat_yaml_lines *l, const json_t *parent, size_t idx);

/* True when data looks like JSON rather than YAML: the first byte after
 * whitespace and an optional UTF-8 BOM is '{' or '['. JSON is also YAML, but
 * jansson is faster and exact for numbers, so callers try it first. */
int moat_yaml_is_json(const uint8_t *data, size_t len);

#endif
