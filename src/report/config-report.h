/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config-report.h - writers for `moat config`: Dockerfile and image
 * misconfiguration findings as JSON (schema moat.config/v1, a stable
 * contract: fields are added, never renamed), a table, or SARIF 2.1.0.
 */
#ifndef MOAT_REPORT_CONFIG_H
#define MOAT_REPORT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct moat_error;
struct moat_image_meta;
struct moat_misconfig_list;

struct moat_config_result {
	const struct moat_misconfig_list *findings; /* sorted */
	size_t n_files;				    /* Dockerfiles checked */
	size_t n_manifests;			    /* Kubernetes manifest files checked */
	const struct moat_image_meta *image;	    /* --image: layers for diff_ids; else NULL */
	const char *fail_on;			    /* the gate as given, or NULL */
	bool failed;				    /* a finding at or above fail_on */
};

int moat_report_config_json(struct moat_buf *out, const struct moat_config_result *res, bool pretty,
			    struct moat_error *err);
int moat_report_config_table(struct moat_buf *out, const struct moat_config_result *res,
			     struct moat_error *err);
int moat_report_config_sarif(struct moat_buf *out, const struct moat_config_result *res,
			     struct moat_error *err);

#endif
