/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-mysql-cnf.c - the MySQL/MariaDB option-file parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/mysql/my.cnf")
