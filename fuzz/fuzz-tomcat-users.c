/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-tomcat-users.c - the tomcat-users.xml parser on arbitrary bytes. */
#include "fuzz-detect.h"

FUZZ_DETECT_TARGET(MOAT_SCAN_PASSWORD, "opt/tomcat/conf/tomcat-users.xml")
