/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-node-lock.c - the npm cataloger: package-lock.json (v1-v3), yarn.lock
 * (v1 text, berry YAML), pnpm-lock.yaml and installed package.json; the first
 * byte picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"app/package-lock.json",
		"app/yarn.lock",
		"app/pnpm-lock.yaml",
		"app/node_modules/@scope/x/package.json",
	};

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
