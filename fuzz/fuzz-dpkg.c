/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-dpkg.c - the dpkg parser, through the cataloger, on arbitrary bytes at /var/lib/dpkg/status. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_catalog_file("var/lib/dpkg/status", data, size);
	return 0;
}
