/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-redis-conf.c - the Redis config parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/redis/redis.conf")
