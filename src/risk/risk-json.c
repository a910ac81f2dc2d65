/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk-json.c - the risk model over a finding as JSON (what `moat scan
 * --format json` printed): the console scores a stored finding again when
 * it learns where the image runs, with the same weights as the scan
 * (moat_risk_score), never a second model.
 */
#include <string.h>

#include "base/json.h"
#include "vuln/match.h"
#include "risk.h"

/* The scan's environment factors and the context field each stands for. */
static const char *const env_names[] = { "privileged", "runs-as-root", "listening-ports",
					 "internet-facing", "runtime-alerts" };
#define N_ENV (sizeof(env_names) / sizeof(env_names[0]))

bool moat_risk_factor_is_env(const char *name)
{
	for (size_t i = 0; name && i < N_ENV; i++)
		if (!strcmp(name, env_names[i]))
			return true;
	return false;
}

void moat_risk_context_from_factors(struct moat_risk_context *ctx, const json_t *risk)
{
	const json_t *factors = json_object_get(risk, "factors");
	int *field[] = { &ctx->privileged, &ctx->runs_as_root, &ctx->exposed_ports,
			 &ctx->internet_facing, &ctx->runtime_alerts };
	const json_t *f;
	size_t i;

	json_array_foreach(factors, i, f) {
		const char *name = moat_json_str(f, "name");

		for (size_t k = 0; name && k < N_ENV; k++)
			if (!strcmp(name, env_names[k]))
				*field[k] = 1;
	}
}

static double num(const json_t *v, double def)
{
	return json_is_number(v) ? json_number_value(v) : def;
}

void moat_risk_score_json(const struct moat_risk_context *ctx, const json_t *finding,
			  struct moat_risk *out)
{
	const json_t *cvss = json_object_get(finding, "cvss");
	const char *status = moat_json_str(finding, "status");
	struct moat_vuln_finding f;

	memset(&f, 0, sizeof(f));
	f.severity = moat_json_str(finding, "severity");
	f.cvss_score = json_is_object(cvss) ? num(json_object_get(cvss, "score"), -1) : -1;
	f.cvss_vector = json_is_object(cvss) ? moat_json_str(cvss, "vector") : NULL;
	f.status = !status ? MOAT_VULN_AFFECTED : !strcmp(status, "fixed") ? MOAT_VULN_FIXED :
		   !strcmp(status, "wont-fix") ? MOAT_VULN_WONT_FIX : MOAT_VULN_AFFECTED;
	f.kev = json_is_true(json_object_get(finding, "kev"));
	f.epss = num(json_object_get(finding, "epss"), -1);
	f.published = moat_json_str(finding, "published");
	moat_risk_score(ctx, &f);
	*out = f.risk;
}

json_t *moat_risk_json(const struct moat_risk *risk)
{
	json_t *factors = json_array();

	for (size_t i = 0; i < risk->n_factors; i++)
		json_array_append_new(factors, json_pack("{s:s,s:f}", "name", risk->factors[i].name,
							 "weight", risk->factors[i].weight));
	return json_pack("{s:i,s:o}", "score", risk->score, "factors", factors);
}
