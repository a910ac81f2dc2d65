/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-feed-epss.c - moat_feed_epss() on arbitrary bytes, then sniff and feed date. */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_feed(moat_feed_epss, "epss", data, size);
	return 0;
}
