/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-run.h - one image through the scan pipeline: read, catalogue and
 * (unless asked not to) match, attribute, score and gate. Shared by
 * `moat scan`, `moat sbom` and `moat top`; the caller renders the result.
 */
#ifndef MOAT_CLI_SCAN_RUN_H
#define MOAT_CLI_SCAN_RUN_H

#include <stdbool.h>

#include "base/warn.h"
#include "detect/detect.h"
#include "moat/limits.h"
#include "registry/registry.h"
#include "report/report.h"
#include "sbom/catalog.h"
#include "scan-vuln.h"

struct moat_error;
struct moat_image;
struct moat_lang;
struct moat_progress;
struct moat_registry_opts;

struct scan_run_opts {
	const char *target;             /* borrowed for the life of the run */
	const char *docker_host;        /* NULL = the default socket */
	const struct moat_registry_opts *registry;      /* registry:// targets; may be NULL */
	const char *platform;           /* for manifest lists; NULL = linux/amd64 */
	struct moat_limits limits;      /* zeros = defaults */
	bool no_lang;                   /* OS packages only */
	bool vulns;                     /* match against the DB (false for `moat sbom`) */
	const struct moat_progress *progress;   /* may be NULL */
	struct vuln_args *vuln;         /* required when vulns */
	/* Content scanners (0 = none: `moat sbom`, `moat top`); detect.scanners
	 * may hold MOAT_SCAN_VULN too, which the content side ignores. */
	struct moat_detect_opts detect;
};

/* Everything one scanned image owns; zero-initialise before scan_run_open(). */
struct scan_run {
	struct moat_image_opts opts;
	struct moat_image *img;
	struct moat_lang *lang;
	struct moat_catalog_ctx cat;
	struct moat_scan_result res;    /* what the report writers take */
	struct moat_warnings warnings;  /* image and catalogers together (res.warnings) */
	struct vuln_state vs;
	struct moat_detect *detect;     /* NULL when no content scanner runs */
};

/* --cacert, --insecure-registry and --platform, shared by the scanning commands. */
#define SCAN_MAX_INSECURE 16
struct scan_registry_args {
	struct moat_registry_opts opts;
	const char *insecure[SCAN_MAX_INSECURE + 1];    /* NULL-terminated */
	const char *platform;
};
/* Add one --insecure-registry HOST; -E2BIG past SCAN_MAX_INSECURE. */
int scan_registry_insecure(struct scan_registry_args *ra, const char *host);

/* Read and catalogue o->target, then match it. On failure the run holds
 * what was opened so far: always scan_run_close() it. */
int scan_run_open(const struct scan_run_opts *o, struct scan_run *run, struct moat_error *err);
/* Release the image, its arena (every finding and string of the run) and the DB. */
void scan_run_close(struct scan_run *run);

/* The exit code for a failed run: input problems are usage errors. */
int scan_exit_code(int r);
/* Print err once, naming the target unless the message already does. */
void scan_report_error(const char *cmd, const char *target, int r, const struct moat_error *err);
/* One stderr line per warning ("moat scan: warning: CODE: layer N (...): PATH: MESSAGE"),
 * escaped for the terminal. */
void scan_print_warnings(const char *cmd, const struct moat_warnings *warnings);

/* POST a moat.scan/v1 document to the console at URL (…/api/v1/scans) with
 * a Bearer token; digest gets the image the console stored. 0, or an error
 * naming the URL (MOAT_E_RUNTIME for an HTTP error, with the console's
 * message). scan-upload.c. */
int scan_upload(const char *console, const char *token, const char *cacert,
		const struct moat_buf *doc, char *digest, size_t digest_len,
		struct moat_error *err);

#endif
