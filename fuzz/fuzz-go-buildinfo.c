/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-go-buildinfo.c - the ELF cataloger as a scan runs it on a shared
 * object: ELF header, Go build info (both layouts, section or segment scan),
 * modinfo text, and the Rust .dep-v0 lookup. The first byte is the path
 * selector of fuzz-lang-file.h (one path here). */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "usr/lib/x86_64-linux-gnu/libgo.so" };

	fuzz_lang_file(paths, 1, data, size);
	return 0;
}
