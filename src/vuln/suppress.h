/* SPDX-License-Identifier: Apache-2.0 */
/*
 * suppress.h - findings the user has decided about: an ignore file and VEX
 * documents (OpenVEX, CycloneDX VEX). A suppressed finding stays in memory
 * with its reason (for counts and audit) but leaves reports and gates.
 */
#ifndef MOAT_VULN_SUPPRESS_H
#define MOAT_VULN_SUPPRESS_H

struct moat_error;
struct moat_vuln_list;

/* Lines "ID [PACKAGE-or-PURL] [exp:YYYY-MM-DD] [# reason]"; '#' lines are
 * comments. An expired line no longer suppresses. */
int moat_suppress_ignore_file(const char *path, struct moat_vuln_list *list,
			      struct moat_error *err);
/* OpenVEX (status not_affected / fixed) or CycloneDX VEX (analysis.state
 * not_affected / false_positive / resolved), sniffed from the document. */
int moat_suppress_vex(const char *path, struct moat_vuln_list *list, struct moat_error *err);

#endif
