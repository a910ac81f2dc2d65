/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-report.h - writers for `moat comply docker`: moat.comply/v1 JSON
 * (a stable contract: fields are added, never renamed), a table, SARIF
 * 2.1.0; and the per-control view of one compliance framework that the
 * Kubernetes reports (comply-k8s.h) share.
 */
#ifndef MOAT_REPORT_COMPLY_H
#define MOAT_REPORT_COMPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct moat_error;
struct moat_cis_report;
struct moat_jw;

struct moat_comply_result {
	const char *benchmark;		     /* "cis-docker-1.6" */
	const struct moat_cis_report *report; /* checks turned off by policy already removed */
	const char *const *actions;	     /* per item: "alert" or "block" (NULL = no policy) */
	const char *framework;		     /* --compliance, or NULL */
	const char *target;		     /* the engine socket audited */
	bool failed;			     /* a blocking check WARNs */
};

int moat_report_comply_json(struct moat_buf *out, const struct moat_comply_result *res,
			    bool pretty, struct moat_error *err);
int moat_report_comply_table(struct moat_buf *out, const struct moat_comply_result *res,
			     struct moat_error *err);
int moat_report_comply_sarif(struct moat_buf *out, const struct moat_comply_result *res,
			     struct moat_error *err);

/* One check as the per-control view sees it: its result and its themes
 * (comply/controls.h), whatever the benchmark. */
struct moat_comply_row {
	const char *id;
	const char *result; /* "PASS", "WARN", "INFO", "NOTE" */
	unsigned themes;
};

/* A moat.comply/v1 check's "action" (when not NULL) and "controls" members. */
void moat_report_comply_action_controls(struct moat_jw *jw, const char *action,
					const char *const *controls, size_t n);
/* The per-control view of framework over rows: "compliance": {"framework",
 * "controls": [{"id", "title", "status", "checks": [{"id", "result"}]}]}
 * as a member of the object jw is in; status FAIL when a check serving the
 * control WARNs, PASS when one passes and none warns, else REVIEW. */
void moat_report_comply_controls_json(struct moat_jw *jw, const char *framework,
				      const struct moat_comply_row *rows, size_t n);
/* The same as table lines appended to out. */
void moat_report_comply_controls_table(struct moat_buf *out, const char *framework,
				       const struct moat_comply_row *rows, size_t n);

#endif
