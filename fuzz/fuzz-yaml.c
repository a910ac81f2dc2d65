/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-yaml.c - moat_yaml_parse() on arbitrary bytes. The first byte picks the
 * depth bound (1..64) so shallow limits are exercised too; the tree is then
 * serialised, which walks every node (and every alias) once.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/yaml.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err = { 0 };
	json_t *j = NULL;
	unsigned depth;
	char *text;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	depth = 1u + data[0] % 64u;
	if (moat_yaml_parse(data + 1, size - 1, "fuzz", FUZZ_MAX_INPUT, depth, &j, &err) < 0)
		return 0;
	text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	free(text);
	json_decref(j);
	return 0;
}
