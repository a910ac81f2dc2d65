/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-gomod.c - the go.mod and go.sum cataloger; the first byte picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "src/app/go.mod", "src/app/go.sum" };

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
