/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-passwd.c - the /etc/passwd parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/passwd")
