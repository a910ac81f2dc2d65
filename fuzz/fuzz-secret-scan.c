/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-secret-scan.c - every secret rule (prefilter + PCRE2) on arbitrary text. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_SECRET, "app/config.env")
