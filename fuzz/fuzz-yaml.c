/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-yaml.c - moat_yaml_parse() on arbitrary bytes. The first byte picks the
 * depth bound (1..64) so shallow limits are exercised too; the tree is then
 * serialised, which walks every node (and every alias) once. The same bytes
 * then go through moat_yaml_parse_stream() (several documents, line map),
 * asking the line of every top-level member and element.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/yaml.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void fuzz_stream(const uint8_t *data, size_t size, unsigned depth);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err = { 0 };
	json_t *j = NULL;
	unsigned depth;
	char *text;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	depth = 1u + data[0] % 64u;
	fuzz_stream(data + 1, size - 1, depth);
	if (moat_yaml_parse(data + 1, size - 1, "fuzz", FUZZ_MAX_INPUT, depth, &j, &err) < 0)
		return 0;
	text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	free(text);
	json_decref(j);
	return 0;
}

static void fuzz_stream(const uint8_t *data, size_t size, unsigned depth)
{
	struct moat_error err = { 0 };
	struct moat_yaml_stream s;
	const char *key;
	json_t *v;
	size_t i;

	if (moat_yaml_parse_stream(data, size, "fuzz", FUZZ_MAX_INPUT, depth, 1000, &s, &err) < 0)
		return;
	for (size_t d = 0; d < s.n; d++) {
		json_object_foreach(s.docs[d], key, v)
			(void)moat_yaml_line_key(s.lines, s.docs[d], key);
		json_array_foreach(s.docs[d], i, v)
			(void)moat_yaml_line_idx(s.lines, s.docs[d], i);
	}
	moat_yaml_stream_release(&s);
}
