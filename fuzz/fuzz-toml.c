/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-toml.c - the bounded TOML reader on arbitrary bytes; what it builds
 * is serialised back so every node of the tree is touched. */
#include <stdint.h>
#include <stdlib.h>

#include "base/toml.h"
#include "moat/error.h"

#define FUZZ_TOML_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err = { 0 };
	json_t *doc = NULL;
	char *text;

	if (moat_toml_parse(data, size, FUZZ_TOML_MAX_INPUT, "fuzz.toml", &doc, &err) < 0)
		return 0;
	text = json_dumps(doc, JSON_COMPACT);
	free(text);
	json_decref(doc);
	return 0;
}
