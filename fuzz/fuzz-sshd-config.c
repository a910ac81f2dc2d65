/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-sshd-config.c - the sshd_config parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "etc/ssh/sshd_config")
