/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-apk.c - the apk parser, through the cataloger, on arbitrary bytes at /lib/apk/db/installed. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_catalog_file("lib/apk/db/installed", data, size);
	return 0;
}
