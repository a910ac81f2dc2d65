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

/* Files a layer added and a later layer deleted, at most this many in a report. */
#define MOAT_REPORT_DELETED_MAX 10000

struct moat_scan_result {
	const struct moat_image_meta *meta;
	const struct moat_os *os;
	const struct moat_pkg_list *pkgs;
	const struct moat_pkg_list *removed;   /* packages removed by a later layer; may be NULL */
	struct moat_fs *fs;                    /* for deleted-file evidence; may be NULL */
};

int moat_report_json(struct moat_buf *out, const struct moat_scan_result *res, bool pretty,
		     struct moat_error *err);
int moat_report_table(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err);

#endif
