/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admit-console.h - the console's admission, trusted-images and
 * vulnerability policies for `moat authz` and `moat webhook` (pulled,
 * translated, cached, put in force; admit-console.c).
 */
#ifndef MOAT_CLI_ADMIT_CONSOLE_H
#define MOAT_CLI_ADMIT_CONSOLE_H

#include "admit/admit.h"

struct moat_error;
struct admit_console;

struct admit_console_opts {
	const char *url;
	const char *token;
	const char *cacert;
	const char *state_dir;          /* the cache and the thresholds' files */
	const char *who;                /* "webhook" or "authz": logs, the cache's name */
	unsigned interval_ms;           /* policy pulls; 0 = 30 s */
	const struct moat_policy *base; /* the local policy (admission: settings) */
	struct moat_admit_overlays *overlays;   /* where the set goes in force */
	struct moat_verdicts *verdicts;         /* verdicts under a policy's thresholds */
	/* the heartbeat's counts (borrowed, may be NULL) */
	struct moat_audit *audit;               /* the decisions */
	struct moat_uplink *uplink;             /* the decisions' spool */
};

/* Apply the cached set (a cache that cannot be read or translated is an
 * error: serving without it would drop the console's rules), then start
 * pulling. Everything borrowed must outlive the handle. */
int admit_console_open(const struct admit_console_opts *o, struct admit_console **ret,
		       struct moat_error *err);
/* Stop pulling. NULL is a no-op. */
void admit_console_close(struct admit_console *c);

#endif
