/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-proftpd-conf.c - the proftpd.conf parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/proftpd/proftpd.conf")
