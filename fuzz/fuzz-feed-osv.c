/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-feed-osv.c - moat_feed_osv() (JSON and YAML records) on arbitrary bytes, then sniff and feed date. */
#include "fuzz-feed-sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_feed(moat_feed_osv, "osv", data, size);
	return 0;
}
