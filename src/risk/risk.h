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

struct json_t;
struct moat_error;
struct moat_image_meta;
struct moat_risk;
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
/* Whether a container's User runs as root: empty (the default), "root",
 * "root:GROUP", "0" or "0:GROUP". */
bool moat_risk_user_is_root(const char *user);
/* What the image config says: User (empty/root/0 = root), ExposedPorts. */
void moat_risk_context_from_image(struct moat_risk_context *ctx,
				  const struct moat_image_meta *meta);
/* A JSON context file: {"privileged":bool,"run_as_root":bool,"ports":[..],
 * "internet_facing":bool,"runtime_alerts":N}; overrides the image's facts. */
int moat_risk_context_load(struct moat_risk_context *ctx, const char *path,
			   struct moat_error *err);

void moat_risk_score(const struct moat_risk_context *ctx, struct moat_vuln_finding *f);
void moat_risk_score_all(const struct moat_risk_context *ctx, struct moat_vuln_list *list);

/* risk-json.c: the same model over findings as JSON (the console scores a
 * stored finding again when it learns where the image runs). */
/* Whether a factor is one of the environment's (privileged, runs-as-root,
 * listening-ports, internet-facing, runtime-alerts). */
bool moat_risk_factor_is_env(const char *name);
/* The environment a scan scored with, read back from its risk object's
 * factors: each environment factor present sets its field to 1. */
void moat_risk_context_from_factors(struct moat_risk_context *ctx, const struct json_t *risk);
/* Score a moat.scan/v1 "vuln" finding (severity, cvss, status, kev, epss,
 * published) under ctx. Factor names are static strings. */
void moat_risk_score_json(const struct moat_risk_context *ctx, const struct json_t *finding,
			  struct moat_risk *out);
/* {"score": N, "factors": [{"name", "weight"}]} as the scan prints it (new reference). */
struct json_t *moat_risk_json(const struct moat_risk *risk);

#endif
