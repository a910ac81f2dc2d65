/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-composer.c - the PHP cataloger: vendor/composer/installed.json (v1
 * array, v2 object) and composer.lock; the first byte picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"app/vendor/composer/installed.json",
		"app/composer.lock",
	};

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
