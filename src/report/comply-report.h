/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-report.h - writers for `moat comply docker`: moat.comply/v1 JSON
 * (a stable contract: fields are added, never renamed), a table, SARIF
 * 2.1.0, and the per-control view of one compliance framework.
 */
#ifndef MOAT_REPORT_COMPLY_H
#define MOAT_REPORT_COMPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct moat_error;
struct moat_cis_report;

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

#endif
