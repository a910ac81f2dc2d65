/* SPDX-License-Identifier: Apache-2.0 */
/*
 * defender-scan.h - `moat defender --scan-db FILE`: the images this node's
 * containers run are scanned on the node and the reports sent to the
 * console, so its radar knows every running image without a CI upload.
 *
 * Each scan is `moat scan` in a child process at a low priority: a hostile
 * image that crashes or exhausts a parser costs that child, never the
 * sensor. One scan at a time on a worker thread; the main loop only says
 * which images run. An image is scanned by the name its container used
 * when that name still means the same image (the console then shows the
 * name), else by its ID. What was scanned when is kept in
 * STATE/image-scans.json, so a restart does not scan everything again; a
 * still-running image is scanned again after `every_sec` (the DB moves on),
 * a failed one after a back-off.
 */
#ifndef MOAT_CLI_DEFENDER_SCAN_H
#define MOAT_CLI_DEFENDER_SCAN_H

#include <stdint.h>

struct moat_containers;
struct moat_error;
struct defender_scan;

#define DEFENDER_SCAN_EVERY_SEC 86400u          /* rescan a running image daily */
#define DEFENDER_SCAN_TIMEOUT_SEC 900u          /* one image at most */
#define DEFENDER_SCAN_RETRY_SEC 300u            /* first retry after a failure */
#define DEFENDER_SCAN_MAX_IMAGES 4096u          /* remembered; the oldest go first */
#define DEFENDER_SCAN_MAX_REPORT (64u << 20)    /* the console's body limit */
#define DEFENDER_SCAN_MAX_GLOBS 32u

struct defender_scan_opts {
	const char *db;                 /* vulnerability DB (required) */
	const char *scanners;           /* --scanners LIST for the child; NULL: all */
	const char *images;             /* GLOB[,GLOB...] on image names or ids; NULL: all */
	unsigned every_sec;             /* 0: DEFENDER_SCAN_EVERY_SEC */
	unsigned timeout_sec;           /* 0: DEFENDER_SCAN_TIMEOUT_SEC */
	const char *console;            /* where reports go (required) */
	const char *token;              /* the defender's credential (copied) */
	const char *cacert;             /* for the console's TLS, or NULL */
	const char *state_dir;          /* image-scans.json and the work files */
};

struct defender_scan_stats {
	uint64_t scanned;               /* reports the console took */
	uint64_t failed;                /* scans or uploads that failed */
	unsigned queued;                /* images waiting */
	char last_error[256];           /* "" when the last one went well */
};

/* Start the worker. MOAT_E_USAGE for a missing DB or console. */
int defender_scan_open(const struct defender_scan_opts *o, struct defender_scan **ret,
		       struct moat_error *err);
/* From the main loop (looks at most once every few seconds): queue the
 * running containers' images that are due. NULL s: no-op. */
void defender_scan_tick(struct defender_scan *s, const struct moat_containers *cs);
/* Any thread. NULL s: zeros. */
void defender_scan_stats(struct defender_scan *s, struct defender_scan_stats *ret);
/* Stop the worker (a scan in progress is killed; it runs again next time). */
void defender_scan_close(struct defender_scan *s);

#endif
