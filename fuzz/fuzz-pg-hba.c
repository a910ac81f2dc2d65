/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-pg-hba.c - the pg_hba.conf parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/postgresql/15/main/pg_hba.conf")
