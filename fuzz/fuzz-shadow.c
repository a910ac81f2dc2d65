/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-shadow.c - the /etc/shadow parser and the bounded hash check on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/shadow")
