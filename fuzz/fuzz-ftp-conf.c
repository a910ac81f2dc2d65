/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-ftp-conf.c - the vsftpd.conf parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/vsftpd.conf")
