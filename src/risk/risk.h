/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk.h - a 0-100 risk score per finding, with the factors that made it.
 *
 * score = vulnerability factors (CVSS base score and base metrics, fix
 * available, age, exploit maturity: KEV, EPSS, PoC) plus environment factors
 * when known (privileged, root, listening ports, reachable from outside,
 * runtime alerts). The image itself tells some of the environment (User,
 * ExposedPorts); a context file (moat_risk_context_load) tells the rest.
 * The weights are documented in docs/risk.md; each factor is shown.
 */
#ifndef MOAT_RISK_H
#define MOAT_RISK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct moat_error;
struct moat_image_meta;
struct moat_vuln_finding;
struct moat_vuln_list;

struct moat_risk_context {
	int privileged;             /* 1 yes, 0 no, -1 unknown */
	int runs_as_root;           /* from the context, else from the image's User */
	int exposed_ports;          /* count listening/exposed, -1 unknown */
	int internet_facing;        /* reachable from outside the cluster */
	int runtime_alerts;         /* alerts raised on this image, -1 unknown */
	time_t now;                 /* for the age factor */
};

/* Unknown everywhere; now = time(NULL). */
void moat_risk_context_init(struct moat_risk_context *ctx);
/* What the image config says: User (empty/root/0 = root), ExposedPorts. */
void moat_risk_context_from_image(struct moat_risk_context *ctx,
				  const struct moat_image_meta *meta);
/* A JSON context file: {"privileged":bool,"run_as_root":bool,"ports":[..],
 * "internet_facing":bool,"runtime_alerts":N}; overrides the image's facts. */
int moat_risk_context_load(struct moat_risk_context *ctx, const char *path,
			   struct moat_error *err);

void moat_risk_score(const struct moat_risk_context *ctx, struct moat_vuln_finding *f);
void moat_risk_score_all(const struct moat_risk_context *ctx, struct moat_vuln_list *list);

#endif
