/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-feed-alpine.c - moat_feed_alpine_secdb() (JSON and archived YAML) on arbitrary bytes. */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_feed(moat_feed_alpine_secdb, "alpine-secdb", data, size);
	return 0;
}
