/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h - what one image scan found, and the writers for `moat scan`.
 *
 * Writers render into a moat_buf; the caller prints it only when complete,
 * so a failed scan never leaves half a report behind. The JSON shape
 * (schema moat.scan/v1) is a stable contract: fields are added, never renamed.
 */
#ifndef MOAT_REPORT_H
#define MOAT_REPORT_H

#include <stdbool.h>

#include "base/buf.h"
#include "image/image.h"
#include "sbom/os.h"
#include "sbom/pkg.h"

struct moat_error;
struct moat_fs;
struct moat_jw;
struct moat_base;
struct moat_vuln_list;
struct moat_vulndb_info;
struct moat_warnings;
struct moat_finding_list;

/* The verdict of the CI gate (--fail-on ...): which findings broke it. */
struct moat_gate {
	bool enabled;
	bool failed;
	const char *rule;                      /* "--fail-on critical,high", "--fail-on-fixable" */
	size_t n_breaking;
	const struct moat_vuln_finding **breaking;
	/* The checks, for reports with one entry per check (JUnit). */
	unsigned fail_on;                      /* bit (severity rank + 1) */
	bool fail_on_fixable;
	int fail_on_risk;                      /* <0 off */
};

/* Files a layer added and a later layer deleted, at most this many in a report. */
#define MOAT_REPORT_DELETED_MAX 10000

struct moat_scan_result {
	const struct moat_image_meta *meta;
	const struct moat_os *os;
	const struct moat_pkg_list *pkgs;
	const struct moat_pkg_list *removed;   /* packages removed by a later layer; may be NULL */
	struct moat_fs *fs;                    /* for deleted-file evidence; may be NULL */
	/* Vulnerability matching; all NULL when no DB was used. */
	const struct moat_vuln_list *vulns;
	const struct moat_base *base;
	const struct moat_vulndb_info *db;
	const struct moat_gate *gate;
	size_t n_suppressed;
	/* What the scan skipped or could not read (base/warn.h); may be NULL. */
	const struct moat_warnings *warnings;
	/* Content findings (secrets, passwords, ...; detect/detect.h); may be NULL. */
	const struct moat_finding_list *content;
};

/* Machine formats for CI: SARIF 2.1.0, JUnit XML (one test case per gate
 * check), and a single-file HTML report. */
int moat_report_sarif(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err);
int moat_report_junit(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err);
int moat_report_html(struct moat_buf *out, const struct moat_scan_result *res,
		     struct moat_error *err);
/* Text with &<>"' escaped, for XML and HTML. */
void moat_report_xml_escape(struct moat_buf *out, const char *text);

/* The "findings" array members for vulnerabilities (findings.c). */
void moat_report_json_vulns(struct moat_jw *jw, const struct moat_vuln_list *vulns);
/* The "vulnerabilities" and "gate" summary members. */
void moat_report_json_summary(struct moat_jw *jw, const struct moat_scan_result *res);
/* The "warnings" and "warnings_dropped" members (json.c). */
void moat_report_json_warnings(struct moat_jw *jw, const struct moat_warnings *warnings);
/* Findings grouped by layer, with owner, for the table report. */
void moat_report_table_vulns(struct moat_buf *out, const struct moat_scan_result *res);

/* Content findings (content.c): JSON "findings" members, a table section,
 * SARIF rules (returns how many) and results, JUnit cases (returns how
 * many; failures counted in *ret_failed), an HTML section. */
void moat_report_json_content(struct moat_jw *jw, const struct moat_finding_list *list);
void moat_report_table_content(struct moat_buf *out, const struct moat_finding_list *list);
size_t moat_report_sarif_content_rules(struct moat_jw *jw, const struct moat_finding_list *list);
void moat_report_sarif_content_results(struct moat_jw *jw, const struct moat_finding_list *list,
				       size_t first_rule, const char *image);
size_t moat_report_junit_content(struct moat_buf *out, const struct moat_finding_list *list,
				 size_t *ret_failed);
void moat_report_html_content(struct moat_buf *out, const struct moat_finding_list *list);

int moat_report_json(struct moat_buf *out, const struct moat_scan_result *res, bool pretty,
		     struct moat_error *err);
int moat_report_table(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err);

#endif
