/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-gem.c - the Ruby cataloger: installed gemspec stubs and Gemfile.lock;
 * the first byte picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec",
		"app/Gemfile.lock",
	};

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
