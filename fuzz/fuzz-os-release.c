/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-os-release.c - the os-release parser, through the cataloger, on arbitrary bytes at /etc/os-release. */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_catalog_file("etc/os-release", data, size);
	return 0;
}
