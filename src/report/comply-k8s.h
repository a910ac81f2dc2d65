/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-k8s.h - `moat comply k8s` and `moat comply node` reports: schema
 * moat.comply/v1 (benchmark cis-k8s-1.9) as JSON, a table, or SARIF; with a
 * policy each check's action, with a framework the per-control view
 * (comply-report.h).
 */
#ifndef MOAT_REPORT_COMPLY_K8S_H
#define MOAT_REPORT_COMPLY_K8S_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct moat_error;
struct moat_k8s_result;

struct moat_k8s_report {
	const char *benchmark; /* "cis-k8s-1.9" */
	const char *target;    /* "manifests" or "node" */
	const struct moat_k8s_result *checks;
	size_t n_checks;
	size_t n_files;	  /* manifests read (0 for node) */
	size_t n_objects; /* Kubernetes objects loaded */
	const char *const *actions; /* per check: "alert" or "block" (NULL = no policy) */
	const char *framework;	    /* --compliance, or NULL */
	bool failed;		    /* a blocking check WARNs */
};

int moat_report_k8s_comply_json(struct moat_buf *out, const struct moat_k8s_report *rep,
				struct moat_error *err);
int moat_report_k8s_comply_table(struct moat_buf *out, const struct moat_k8s_report *rep,
				 struct moat_error *err);
/* One SARIF result per manifest finding (file and line), or per WARN node check. */
int moat_report_k8s_comply_sarif(struct moat_buf *out, const struct moat_k8s_report *rep,
				 struct moat_error *err);

#endif
