/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-nuget.c - the .NET cataloger: <app>.deps.json and packages.lock.json;
 * the first byte picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"app/App.deps.json",
		"app/packages.lock.json",
	};

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
