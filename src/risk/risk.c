/* SPDX-License-Identifier: Apache-2.0 */
/* risk.c - weights and factors of the risk score (see docs/risk.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "image/image.h"
#include "moat/error.h"
#include "vuln/cvss.h"
#include "vuln/match.h"
#include "risk.h"

#define CONTEXT_MAX_BYTES (1u << 20)

void moat_risk_context_init(struct moat_risk_context *ctx)
{
	ctx->privileged = -1;
	ctx->runs_as_root = -1;
	ctx->exposed_ports = -1;
	ctx->internet_facing = -1;
	ctx->runtime_alerts = -1;
	ctx->now = time(NULL);
}

bool moat_risk_user_is_root(const char *user)
{
	/* An empty User runs as root, as does "root", "0" and "0:0"/"root:x". */
	return !user || !*user || !strncmp(user, "root", 4) ||
	       (user[0] == '0' && (user[1] == '\0' || user[1] == ':'));
}

void moat_risk_context_from_image(struct moat_risk_context *ctx,
				  const struct moat_image_meta *meta)
{
	ctx->runs_as_root = moat_risk_user_is_root(meta->user);
	ctx->exposed_ports = (int)meta->n_exposed_ports;
}

static int tri(const json_t *doc, const char *key, int def)
{
	const json_t *v = json_object_get(doc, key);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

int moat_risk_context_load(struct moat_risk_context *ctx, const char *path,
			   struct moat_error *err)
{
	struct moat_buf text;
	json_t *doc, *ports, *alerts;
	int r;

	moat_buf_init(&text, 0);
	r = moat_read_file(path, CONTEXT_MAX_BYTES - 1, &text, err);
	if (r == 0)
		r = moat_json_parse(text.data, text.len, CONTEXT_MAX_BYTES - 1, path, &doc, err);
	moat_buf_release(&text);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		json_decref(doc);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: the risk context must be an object",
				      path);
	}
	ctx->privileged = tri(doc, "privileged", ctx->privileged);
	ctx->runs_as_root = tri(doc, "run_as_root", ctx->runs_as_root);
	ctx->internet_facing = tri(doc, "internet_facing", ctx->internet_facing);
	ports = json_object_get(doc, "ports");
	if (json_is_array(ports))
		ctx->exposed_ports = (int)json_array_size(ports);
	alerts = json_object_get(doc, "runtime_alerts");
	if (json_is_integer(alerts) && json_integer_value(alerts) >= 0)
		ctx->runtime_alerts = (int)(json_integer_value(alerts) > 1000000
					    ? 1000000 : json_integer_value(alerts));
	json_decref(doc);
	return 0;
}

static void add(struct moat_risk *risk, double *score, const char *name, double weight)
{
	*score += weight;
	if (risk->n_factors < MOAT_RISK_MAX_FACTORS)
		risk->factors[risk->n_factors++] = (struct moat_risk_factor){ name, weight };
}

/* Without CVSS, a severity word stands in for the base score. */
static double severity_points(const char *severity)
{
	static const double points[] = { 3, 12, 24, 36, 45 };
	int rank = moat_severity_rank(severity);

	return rank < 0 ? 18 : points[rank];
}

static void cvss_factors(struct moat_risk *risk, double *score, const struct moat_cvss *c)
{
	static const char *const av_names[] = { "attack-vector-network", "attack-vector-adjacent",
						"attack-vector-local", "attack-vector-physical" };
	static const double av_points[] = { 8, 4, 0, -4 };

	add(risk, score, av_names[c->av], av_points[c->av]);
	if (c->ac == MOAT_CVSS_LOW && !c->ac_medium)
		add(risk, score, "attack-complexity-low", 3);
	if (c->pr == MOAT_CVSS_NONE)
		add(risk, score, "no-privileges-required", 4);
	if (c->ui == MOAT_CVSS_UI_NONE)
		add(risk, score, "no-user-interaction", 3);
}

static void exploit_factors(struct moat_risk *risk, double *score,
			    const struct moat_vuln_finding *f, time_t now)
{
	if (f->kev)
		add(risk, score, "exploited-in-the-wild", 20);
	if (f->epss >= 0.1)
		add(risk, score, "epss-high", 10 * f->epss + 2);
	else if (f->epss >= 0)
		add(risk, score, "epss", 10 * f->epss);
	if (f->published && strlen(f->published) >= 4) {
		/* Older flaws have had time to grow public exploits. */
		int year = (int)strtol(f->published, NULL, 10);
		struct tm tm;

		gmtime_r(&now, &tm);
		if (year > 1990 && tm.tm_year + 1900 - year >= 2)
			add(risk, score, "published-over-2-years-ago", 3);
	}
}

static void env_factors(struct moat_risk *risk, double *score, const struct moat_risk_context *ctx)
{
	if (ctx->privileged == 1)
		add(risk, score, "privileged", 8);
	if (ctx->runs_as_root == 1)
		add(risk, score, "runs-as-root", 4);
	if (ctx->exposed_ports > 0)
		add(risk, score, "listening-ports", 4);
	if (ctx->internet_facing == 1)
		add(risk, score, "internet-facing", 6);
	if (ctx->runtime_alerts > 0)
		add(risk, score, "runtime-alerts", 8);
}

void moat_risk_score(const struct moat_risk_context *ctx, struct moat_vuln_finding *f)
{
	struct moat_risk *risk = &f->risk;
	struct moat_cvss cvss;
	struct moat_error err = { 0 };
	double score = 0;

	memset(risk, 0, sizeof(*risk));
	if (f->cvss_score >= 0)
		add(risk, &score, "cvss-base-score", f->cvss_score * 4.5);
	else
		add(risk, &score, "severity", severity_points(f->severity));
	if (f->cvss_vector && moat_cvss_parse(f->cvss_vector, &cvss, &err) == 0)
		cvss_factors(risk, &score, &cvss);
	if (f->status == MOAT_VULN_FIXED)
		add(risk, &score, "fix-available", 4);
	else if (f->status == MOAT_VULN_WONT_FIX)
		add(risk, &score, "vendor-will-not-fix", -6);
	exploit_factors(risk, &score, f, ctx->now);
	env_factors(risk, &score, ctx);
	if (f->severity && !strcmp(f->severity, "negligible"))
		add(risk, &score, "negligible-severity", -10);
	risk->score = score < 0 ? 0 : score > 100 ? 100 : (int)(score + 0.5);
}

void moat_risk_score_all(const struct moat_risk_context *ctx, struct moat_vuln_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		moat_risk_score(ctx, list->items[i]);
}
