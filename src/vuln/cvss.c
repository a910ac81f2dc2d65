/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvss.c - CVSS vectors: one table of metrics per version drives validation,
 * then each version's base score formula as the FIRST specifications give it.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "moat/error.h"
#include "base/slice.h"
#include "cvss.h"

/* Longest valid vector is a v4.0 one with every metric: ~230 bytes. */
#define CVSS_MAX_VECTOR 512u
#define CVSS_MAX_METRICS 32u

/* One metric: its key, its allowed values ('|' separated), and whether a
 * vector must carry it. */
struct metric_def {
	const char *key;
	const char *values;
	bool mandatory;
};

/* CVSS v2 guide, section 2.4, table 13. */
static const struct metric_def v2_metrics[] = {
	{ "AV", "L|A|N", true }, { "AC", "H|M|L", true }, { "Au", "M|S|N", true },
	{ "C", "N|P|C", true }, { "I", "N|P|C", true }, { "A", "N|P|C", true },
	{ "E", "U|POC|F|H|ND", false }, { "RL", "OF|TF|W|U|ND", false },
	{ "RC", "UC|UR|C|ND", false }, { "CDP", "N|L|LM|MH|H|ND", false },
	{ "TD", "N|L|M|H|ND", false }, { "CR", "L|M|H|ND", false },
	{ "IR", "L|M|H|ND", false }, { "AR", "L|M|H|ND", false },
	{ NULL, NULL, false },
};
enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A };

/* CVSS v3.0/v3.1 specification, section 6, table 15 (same list in both). */
static const struct metric_def v3_metrics[] = {
	{ "AV", "N|A|L|P", true }, { "AC", "L|H", true }, { "PR", "N|L|H", true },
	{ "UI", "N|R", true }, { "S", "U|C", true }, { "C", "H|L|N", true },
	{ "I", "H|L|N", true }, { "A", "H|L|N", true },
	{ "E", "X|U|P|F|H", false }, { "RL", "X|O|T|W|U", false }, { "RC", "X|U|R|C", false },
	{ "CR", "X|L|M|H", false }, { "IR", "X|L|M|H", false }, { "AR", "X|L|M|H", false },
	{ "MAV", "X|N|A|L|P", false }, { "MAC", "X|L|H", false }, { "MPR", "X|N|L|H", false },
	{ "MUI", "X|N|R", false }, { "MS", "X|U|C", false }, { "MC", "X|N|L|H", false },
	{ "MI", "X|N|L|H", false }, { "MA", "X|N|L|H", false },
	{ NULL, NULL, false },
};
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A };

/* CVSS v4.0 specification, section 7, table 23, in the order vectors must use. */
static const struct metric_def v4_metrics[] = {
	{ "AV", "N|A|L|P", true }, { "AC", "L|H", true }, { "AT", "N|P", true },
	{ "PR", "N|L|H", true }, { "UI", "N|P|A", true }, { "VC", "H|L|N", true },
	{ "VI", "H|L|N", true }, { "VA", "H|L|N", true }, { "SC", "H|L|N", true },
	{ "SI", "H|L|N", true }, { "SA", "H|L|N", true },
	{ "E", "X|A|P|U", false },
	{ "CR", "X|H|M|L", false }, { "IR", "X|H|M|L", false }, { "AR", "X|H|M|L", false },
	{ "MAV", "X|N|A|L|P", false }, { "MAC", "X|L|H", false }, { "MAT", "X|N|P", false },
	{ "MPR", "X|N|L|H", false }, { "MUI", "X|N|P|A", false }, { "MVC", "X|H|L|N", false },
	{ "MVI", "X|H|L|N", false }, { "MVA", "X|H|L|N", false }, { "MSC", "X|H|L|N", false },
	{ "MSI", "X|S|H|L|N", false }, { "MSA", "X|S|H|L|N", false },
	{ "S", "X|N|P", false }, { "AU", "X|N|Y", false }, { "R", "X|A|U|I", false },
	{ "V", "X|D|C", false }, { "RE", "X|L|M|H", false },
	{ "U", "X|Clear|Green|Amber|Red", false },
	{ NULL, NULL, false },
};
enum {
	V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA,
	V4_E, V4_CR, V4_IR, V4_AR, V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC,
	V4_MVI, V4_MVA, V4_MSC, V4_MSI, V4_MSA,
};

/* Values seen, by metric index; val[i].ptr == NULL when absent. */
struct parsed {
	struct moat_slice val[CVSS_MAX_METRICS];
};

static bool value_allowed(const char *values, struct moat_slice v)
{
	struct moat_slice list = moat_slice_str(values);
	struct moat_slice one;

	while (moat_slice_split(&list, '|', &one))
		if (moat_slice_eq(one, v))
			return true;
	return false;
}

/* Split "K:V/K:V/..." and check each metric against defs. ordered: the
 * metrics must follow the table order (v4.0). */
static int parse_metrics(struct moat_slice in, const struct metric_def *defs, bool ordered,
			 const char *vector, struct parsed *p, struct moat_error *err)
{
	struct moat_slice tok, key;
	long last = -1;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!in.len)
		return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": no metrics", vector);
	while (moat_slice_split(&in, '/', &tok)) {
		if (!moat_slice_split(&tok, ':', &key) || !key.len || !tok.len)
			return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": bad metric \"%.*s\"",
					      vector, (int)key.len, (const char *)key.ptr);
		for (i = 0; defs[i].key && !moat_slice_eq_str(key, defs[i].key); i++)
			;
		if (!defs[i].key)
			return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": unknown metric %.*s",
					      vector, (int)key.len, (const char *)key.ptr);
		if (p->val[i].ptr)
			return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": metric %s repeated",
					      vector, defs[i].key);
		if (ordered && (long)i < last)
			return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": metric %s out of order",
					      vector, defs[i].key);
		if (!value_allowed(defs[i].values, tok))
			return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": %s has no value %.*s",
					      vector, defs[i].key, (int)tok.len, (const char *)tok.ptr);
		p->val[i] = tok;
		last = (long)i;
	}
	/* A trailing '/' leaves an empty last token that split never returns. */
	if (vector[strlen(vector) - 1] == '/')
		return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": trailing '/'", vector);
	for (i = 0; defs[i].key; i++)
		if (defs[i].mandatory && !p->val[i].ptr)
			return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": base metric %s missing",
					      vector, defs[i].key);
	return 0;
}

static char first(const struct parsed *p, int idx)
{
	char v = 'X';

	if (p->val[idx].ptr)
		v = (char)p->val[idx].ptr[0];
	return v;
}

static enum moat_cvss_level level_of(char c)
{
	return c == 'H' ? MOAT_CVSS_HIGH : c == 'L' ? MOAT_CVSS_LOW : MOAT_CVSS_NONE;
}

static enum moat_cvss_av av_of(char c)
{
	switch (c) {
	case 'A': return MOAT_CVSS_AV_ADJACENT;
	case 'L': return MOAT_CVSS_AV_LOCAL;
	case 'P': return MOAT_CVSS_AV_PHYSICAL;
	default: return MOAT_CVSS_AV_NETWORK;
	}
}

/* ---- v2 ------------------------------------------------------------- */

/* v2 guide 3.2.1: round_to_1_decimal is round half up. */
static double v2_score(const struct parsed *p)
{
	static const double cia[] = { ['N'] = 0.0, ['P'] = 0.275, ['C'] = 0.660 };
	double av = first(p, V2_AV) == 'L' ? 0.395 : first(p, V2_AV) == 'A' ? 0.646 : 1.0;
	double ac = first(p, V2_AC) == 'H' ? 0.35 : first(p, V2_AC) == 'M' ? 0.61 : 0.71;
	double au = first(p, V2_AU) == 'M' ? 0.45 : first(p, V2_AU) == 'S' ? 0.56 : 0.704;
	double c = cia[(unsigned char)first(p, V2_C)];
	double i = cia[(unsigned char)first(p, V2_I)];
	double a = cia[(unsigned char)first(p, V2_A)];
	double impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
	double expl = 20 * av * ac * au;
	double f = impact == 0 ? 0 : 1.176;
	double base = ((0.6 * impact) + (0.4 * expl) - 1.5) * f;

	return base <= 0 ? 0.0 : floor(base * 10 + 0.5) / 10;
}

static void v2_fill(const struct parsed *p, struct moat_cvss *out)
{
	static const enum moat_cvss_level au[] = { ['N'] = MOAT_CVSS_NONE, ['S'] = MOAT_CVSS_LOW,
						   ['M'] = MOAT_CVSS_HIGH };
	static const enum moat_cvss_level cia[] = { ['N'] = MOAT_CVSS_NONE, ['P'] = MOAT_CVSS_LOW,
						    ['C'] = MOAT_CVSS_HIGH };

	out->version = MOAT_CVSS_V2;
	out->av = first(p, V2_AV) == 'L' ? MOAT_CVSS_AV_LOCAL :
		  first(p, V2_AV) == 'A' ? MOAT_CVSS_AV_ADJACENT : MOAT_CVSS_AV_NETWORK;
	out->ac = first(p, V2_AC) == 'L' ? MOAT_CVSS_LOW : MOAT_CVSS_HIGH;
	out->ac_medium = first(p, V2_AC) == 'M';
	out->pr = au[(unsigned char)first(p, V2_AU)];
	out->c = cia[(unsigned char)first(p, V2_C)];
	out->i = cia[(unsigned char)first(p, V2_I)];
	out->a = cia[(unsigned char)first(p, V2_A)];
	out->base_score = v2_score(p);
}

/* ---- v3.x ----------------------------------------------------------- */

/* v3.1 spec Appendix A: round up to one decimal, in integers so that
 * floating point noise (4.000000001) does not add 0.1. v3.0 defines Roundup
 * the same way in words ("smallest number, to one decimal, >= input"); this
 * is the exact form of that definition, so both versions use it. */
static double roundup(double x)
{
	long long n = llround(x * 100000.0);
	long long tenths = n / 10000 + 1;       /* floor(n / 10000) + 1, n >= 0 */

	if (n % 10000 == 0)
		return (double)n / 100000.0;
	return (double)tenths / 10.0;
}

static double v3_cia(char c)
{
	return c == 'H' ? 0.56 : c == 'L' ? 0.22 : 0.0;
}

/* v3.1 spec 7.1 (identical in v3.0 section 8.1). */
static double v3_score(const struct parsed *p)
{
	bool changed = first(p, V3_S) == 'C';
	char av = first(p, V3_AV);
	char pr = first(p, V3_PR);
	double w_av = av == 'N' ? 0.85 : av == 'A' ? 0.62 : av == 'L' ? 0.55 : 0.2;
	double w_ac = first(p, V3_AC) == 'L' ? 0.77 : 0.44;
	double w_pr = pr == 'N' ? 0.85 : pr == 'L' ? (changed ? 0.68 : 0.62) : (changed ? 0.5 : 0.27);
	double w_ui = first(p, V3_UI) == 'N' ? 0.85 : 0.62;
	double iss = 1 - (1 - v3_cia(first(p, V3_C))) * (1 - v3_cia(first(p, V3_I))) *
		     (1 - v3_cia(first(p, V3_A)));
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double expl = 8.22 * w_av * w_ac * w_pr * w_ui;

	if (impact <= 0)
		return 0.0;
	if (changed)
		return roundup(fmin(1.08 * (impact + expl), 10));
	return roundup(fmin(impact + expl, 10));
}

static void v3_fill(const struct parsed *p, enum moat_cvss_version version, struct moat_cvss *out)
{
	out->version = version;
	out->av = av_of(first(p, V3_AV));
	out->ac = level_of(first(p, V3_AC));
	out->pr = level_of(first(p, V3_PR));
	out->ui = first(p, V3_UI) == 'R' ? MOAT_CVSS_UI_REQUIRED : MOAT_CVSS_UI_NONE;
	out->scope_changed = first(p, V3_S) == 'C';
	out->c = level_of(first(p, V3_C));
	out->i = level_of(first(p, V3_I));
	out->a = level_of(first(p, V3_A));
	out->base_score = v3_score(p);
}

/* ---- v4.0 ----------------------------------------------------------- */

/* CVSS v4.0 score (spec section 8): the MacroVector's score from the FIRST
 * lookup table, lowered by the vector's mean proportional distance from the
 * MacroVector's highest-severity vectors. Written to reproduce the FIRST
 * calculator (cvss40.js) operation for operation, floating point included,
 * so that scores agree to the last digit. */

/* MacroVector scores, indexed by (((((eq1*2+eq2)*3+eq3)*3+eq4)*3+eq5)*2+eq6);
 * -1 where the combination does not exist (eq3=2 with eq6=0). */
static const double v4_lut[324] = {
	10, 9.9, 9.8, 9.5, 9.5, 9.2,
	10, 9.6, 9.3, 8.7, 9.1, 8.1,
	9.3, 9, 8.9, 8, 8.1, 6.8,
	9.8, 9.5, 9.5, 9.2, 9, 8.4,
	9.3, 9.2, 8.9, 8.1, 8.1, 6.5,
	8.8, 8, 7.8, 7, 6.9, 4.8,
	-1, 9.2, -1, 8.2, -1, 7.2,
	-1, 7.9, -1, 6.9, -1, 5,
	-1, 6.9, -1, 5.5, -1, 2.7,
	9.9, 9.7, 9.5, 9.2, 9.2, 8.5,
	9.5, 9.1, 9, 8.3, 8.4, 7.1,
	9.2, 8.1, 8.2, 7.1, 7.2, 5.3,
	9.5, 9.3, 9.2, 8.5, 8.5, 7.3,
	9.2, 8.2, 8, 7.2, 7, 5.9,
	8.4, 7, 7.1, 5.2, 5, 3,
	-1, 8.6, -1, 7.5, -1, 5.2,
	-1, 7.1, -1, 5.2, -1, 2.9,
	-1, 6.3, -1, 2.9, -1, 1.7,
	9.8, 9.5, 9.4, 8.7, 9.1, 8.1,
	9.4, 8.9, 8.6, 7.4, 7.7, 6.4,
	8.7, 7.5, 7.4, 6.3, 6.3, 4.9,
	9.4, 8.9, 8.8, 7.7, 7.6, 6.7,
	8.6, 7.6, 7.4, 5.8, 5.9, 5,
	7.2, 5.7, 5.7, 5.2, 5.2, 2.5,
	-1, 8.3, -1, 7, -1, 5.4,
	-1, 6.5, -1, 5.8, -1, 2.6,
	-1, 5.3, -1, 2.1, -1, 1.3,
	9.5, 9, 8.8, 7.6, 7.6, 7,
	9, 7.7, 7.5, 6.2, 6.1, 5.3,
	7.7, 6.6, 6.8, 5.9, 5.2, 3,
	8.9, 7.8, 7.6, 6.7, 6.2, 5.8,
	7.4, 5.9, 5.7, 5.7, 4.7, 2.3,
	6.1, 5.2, 5.7, 2.9, 2.4, 1.6,
	-1, 7.1, -1, 5.9, -1, 3,
	-1, 5.8, -1, 2.6, -1, 1.5,
	-1, 2.3, -1, 1.3, -1, 0.6,
	9.3, 8.7, 8.6, 7.2, 7.5, 5.8,
	8.6, 7.4, 7.4, 6.1, 5.6, 3.4,
	7, 5.4, 5.2, 4, 4, 2.2,
	8.5, 7.5, 7.4, 5.5, 6.2, 5.1,
	7.2, 5.7, 5.5, 4.1, 4.6, 1.9,
	5.3, 3.6, 3.4, 1.9, 1.9, 0.8,
	-1, 6.4, -1, 5.1, -1, 2,
	-1, 4.7, -1, 2.1, -1, 1.1,
	-1, 2.4, -1, 0.9, -1, 0.4,
	8.8, 7.5, 7.3, 5.3, 6, 5,
	7.3, 5.5, 5.9, 4, 4.1, 2,
	5.4, 4.3, 4.5, 2.2, 2, 1.1,
	7.5, 5.5, 5.8, 4.5, 4, 2.1,
	6.1, 5.1, 4.8, 1.8, 2, 0.9,
	4.6, 1.8, 1.7, 0.7, 0.8, 0.2,
	-1, 5.3, -1, 2.4, -1, 1.4,
	-1, 2.4, -1, 1.2, -1, 0.5,
	-1, 1, -1, 0.3, -1, 0.1,
};

static double v4_lookup(const int eq[6])
{
	static const int max[6] = { 2, 1, 2, 2, 2, 1 };
	double v;
	int i;

	for (i = 0; i < 6; i++)
		if (eq[i] < 0 || eq[i] > max[i])
			return NAN;
	v = v4_lut[((((eq[0] * 2 + eq[1]) * 3 + eq[2]) * 3 + eq[3]) * 3 + eq[4]) * 2 + eq[5]];
	return v < 0 ? NAN : v;
}

/* Effective value (spec 8.1): a defined modified metric replaces its base
 * metric; undefined E, CR, IR, AR take their worst case. */
static char v4_eff(const struct parsed *p, int idx)
{
	char v;

	if (idx <= V4_SA) {
		v = first(p, V4_MAV + idx);
		if (v == 'X')
			v = first(p, idx);
		return v;
	}
	v = first(p, idx);
	if (v == 'X' && idx == V4_E)
		return 'A';
	if (v == 'X' && (idx == V4_CR || idx == V4_IR || idx == V4_AR))
		return 'H';
	return v;
}

static void v4_eqs(const struct parsed *p, int eq[6])
{
	char av = v4_eff(p, V4_AV), pr = v4_eff(p, V4_PR), ui = v4_eff(p, V4_UI);
	char vc = v4_eff(p, V4_VC), vi = v4_eff(p, V4_VI), va = v4_eff(p, V4_VA);
	char e = v4_eff(p, V4_E);

	if (av == 'N' && pr == 'N' && ui == 'N')
		eq[0] = 0;
	else if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
		eq[0] = 1;
	else
		eq[0] = 2;
	eq[1] = v4_eff(p, V4_AC) == 'L' && v4_eff(p, V4_AT) == 'N' ? 0 : 1;
	if (vc == 'H' && vi == 'H')
		eq[2] = 0;
	else if (vc == 'H' || vi == 'H' || va == 'H')
		eq[2] = 1;
	else
		eq[2] = 2;
	if (first(p, V4_MSI) == 'S' || first(p, V4_MSA) == 'S')
		eq[3] = 0;
	else if (v4_eff(p, V4_SC) == 'H' || v4_eff(p, V4_SI) == 'H' || v4_eff(p, V4_SA) == 'H')
		eq[3] = 1;
	else
		eq[3] = 2;
	eq[4] = e == 'A' ? 0 : e == 'P' ? 1 : 2;
	eq[5] = (v4_eff(p, V4_CR) == 'H' && vc == 'H') || (v4_eff(p, V4_IR) == 'H' && vi == 'H') ||
		(v4_eff(p, V4_AR) == 'H' && va == 'H') ? 0 : 1;
}

/* Metrics that count in severity distances, with the levels of their values
 * (the calculator's METRIC_LEVELS), and where each sits in a max vector. */
enum { D_AV, D_PR, D_UI, D_AC, D_AT, D_VC, D_VI, D_VA, D_CR, D_IR, D_AR, D_SC, D_SI, D_SA, D_E,
       D_N };
static const int v4_dist_metric[D_N] = {
	V4_AV, V4_PR, V4_UI, V4_AC, V4_AT, V4_VC, V4_VI, V4_VA, V4_CR, V4_IR, V4_AR,
	V4_SC, V4_SI, V4_SA, V4_E,
};

static double v4_level(int d, char v)
{
	switch (d) {
	case D_AV: return v == 'N' ? 0.0 : v == 'A' ? 0.1 : v == 'L' ? 0.2 : 0.3;
	case D_PR: return v == 'N' ? 0.0 : v == 'L' ? 0.1 : 0.2;
	case D_UI: return v == 'N' ? 0.0 : v == 'P' ? 0.1 : 0.2;
	case D_AC: return v == 'L' ? 0.0 : 0.1;
	case D_AT: return v == 'N' ? 0.0 : 0.1;
	case D_VC: case D_VI: case D_VA: return v == 'H' ? 0.0 : v == 'L' ? 0.1 : 0.2;
	case D_CR: case D_IR: case D_AR: return v == 'H' ? 0.0 : v == 'M' ? 0.1 : 0.2;
	case D_SC: return v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
	case D_SI: case D_SA: return v == 'S' ? 0.0 : v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
	default: return v == 'A' ? 0.0 : v == 'P' ? 0.1 : 0.2;   /* E */
	}
}

/* Highest-severity vectors per EQ level (the calculator's MAX_COMPOSED),
 * values in D_ order within each EQ: eq1 AV PR UI, eq2 AC AT,
 * eq3+eq6 VC VI VA CR IR AR, eq4 SC SI SA, eq5 E. NULL ends a list. */
static const char *const v4_max_eq1[3][4] = {
	{ "NNN", NULL }, { "ANN", "NLN", "NNP", NULL }, { "PNN", "ALP", NULL },
};
static const char *const v4_max_eq2[2][3] = { { "LN", NULL }, { "HN", "LP", NULL } };
static const char *const v4_max_eq36[3][2][6] = {
	{ { "HHHHHH", NULL }, { "HHLMMH", "HHHMMM", NULL } },
	{ { "LHHHHH", "HLHHHH", NULL },
	  { "LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM" } },
	{ { NULL }, { "LLLHHH", NULL } },
};
static const char *const v4_max_eq4[3] = { "HSS", "HHH", "LLL" };
static const char *const v4_max_eq5 = "APU";
/* Depth of each MacroVector in severity steps (MAX_SEVERITY). */
static const int v4_depth_eq1[3] = { 1, 4, 5 };
static const int v4_depth_eq2[2] = { 1, 2 };
static const int v4_depth_eq36[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };
static const int v4_depth_eq4[3] = { 6, 5, 4 };

static int v4_list_len(const char *const *list, int cap)
{
	int n = 0;

	while (n < cap && list[n])
		n++;
	return n;
}

/* Distances of the vector from the first max vector it does not exceed. */
static void v4_distances(const struct parsed *p, const int eq[6], double dist[D_N])
{
	const char *const *l1 = v4_max_eq1[eq[0]], *const *l2 = v4_max_eq2[eq[1]];
	const char *const *l3 = v4_max_eq36[eq[2]][eq[5]];
	int n1 = v4_list_len(l1, 4), n2 = v4_list_len(l2, 3), n3 = v4_list_len(l3, 6);
	char max[D_N];
	int a, b, c, d;
	bool ok;

	for (a = 0; a < n1; a++)
		for (b = 0; b < n2; b++)
			for (c = 0; c < n3; c++) {
				memcpy(max + D_AV, l1[a], 3);
				memcpy(max + D_AC, l2[b], 2);
				memcpy(max + D_VC, l3[c], 6);
				memcpy(max + D_SC, v4_max_eq4[eq[3]], 3);
				max[D_E] = v4_max_eq5[eq[4]];
				ok = true;
				for (d = 0; d < D_N; d++) {
					dist[d] = v4_level(d, v4_eff(p, v4_dist_metric[d])) -
						  v4_level(d, max[d]);
					ok = ok && dist[d] >= 0;
				}
				if (ok)
					return;
			}
}

/* One EQ's part of the mean: (available distance) x (proportion of depth). */
static void v4_part(double value, double lower, double sev, int depth, double *sum, int *n)
{
	double avail = value - lower;

	if (isnan(avail))
		return;
	(*n)++;
	*sum += avail * (sev / (depth * 0.1));
}

static double v4_score(const struct parsed *p)
{
	static const int vals[] = { V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA };
	double dist[D_N] = { 0 }, value, lower36, sum = 0, l, r;
	int eq[6], up[6], i, n = 0;

	for (i = 0; i < 6 && v4_eff(p, vals[i]) == 'N'; i++)
		;
	if (i == 6)
		return 0.0;
	v4_eqs(p, eq);
	value = v4_lookup(eq);
	v4_distances(p, eq, dist);

	memcpy(up, eq, sizeof(up));
	up[0]++;
	v4_part(value, v4_lookup(up), dist[D_AV] + dist[D_PR] + dist[D_UI],
		v4_depth_eq1[eq[0]], &sum, &n);
	memcpy(up, eq, sizeof(up));
	up[1]++;
	v4_part(value, v4_lookup(up), dist[D_AC] + dist[D_AT], v4_depth_eq2[eq[1]], &sum, &n);
	/* eq3 and eq6 move together: 00 -> max(01, 10), 01 -> 11, 10 -> 11, 11 -> 21. */
	memcpy(up, eq, sizeof(up));
	if (eq[2] == 0 && eq[5] == 0) {
		up[5]++;
		l = v4_lookup(up);
		up[5]--;
		up[2]++;
		r = v4_lookup(up);
		lower36 = isnan(l) || isnan(r) ? NAN : fmax(l, r);
	} else if (eq[2] == 1 && eq[5] == 0) {
		up[5]++;
		lower36 = v4_lookup(up);
	} else if (eq[5] == 1 && eq[2] <= 1) {
		up[2]++;
		lower36 = v4_lookup(up);
	} else {
		up[2]++;
		up[5]++;
		lower36 = v4_lookup(up);
	}
	v4_part(value, lower36, dist[D_VC] + dist[D_VI] + dist[D_VA] + dist[D_CR] + dist[D_IR] +
		dist[D_AR], v4_depth_eq36[eq[2]][eq[5]], &sum, &n);
	memcpy(up, eq, sizeof(up));
	up[3]++;
	v4_part(value, v4_lookup(up), dist[D_SC] + dist[D_SI] + dist[D_SA], v4_depth_eq4[eq[3]],
		&sum, &n);
	/* EQ5's proportion is always 0, but an existing lower MacroVector still counts. */
	memcpy(up, eq, sizeof(up));
	up[4]++;
	if (!isnan(value - v4_lookup(up)))
		n++;
	value -= n ? sum / n : 0;
	return floor(fmax(0, fmin(10, value)) * 10 + 0.5) / 10;
}

static void v4_fill(const struct parsed *p, struct moat_cvss *out)
{
	char ui = first(p, V4_UI);

	out->version = MOAT_CVSS_V40;
	out->av = av_of(first(p, V4_AV));
	out->ac = level_of(first(p, V4_AC));
	out->at = first(p, V4_AT) == 'P' ? MOAT_CVSS_HIGH : MOAT_CVSS_NONE;
	out->pr = level_of(first(p, V4_PR));
	out->ui = ui == 'A' ? MOAT_CVSS_UI_REQUIRED : ui == 'P' ? MOAT_CVSS_UI_PASSIVE :
		  MOAT_CVSS_UI_NONE;
	out->c = level_of(first(p, V4_VC));
	out->i = level_of(first(p, V4_VI));
	out->a = level_of(first(p, V4_VA));
	out->sc = level_of(first(p, V4_SC));
	out->si = level_of(first(p, V4_SI));
	out->sa = level_of(first(p, V4_SA));
	out->scope_changed = out->sc != MOAT_CVSS_NONE || out->si != MOAT_CVSS_NONE ||
			     out->sa != MOAT_CVSS_NONE;
	out->base_score = v4_score(p);
}

/* ---- entry points --------------------------------------------------- */

int moat_cvss_parse(const char *vector, struct moat_cvss *out, struct moat_error *err)
{
	struct moat_cvss res;
	struct parsed p;
	struct moat_slice in;
	size_t len;
	int r;

	if (!vector)
		return moat_error_set(err, MOAT_E_FORMAT, "cvss: no vector");
	len = strnlen(vector, CVSS_MAX_VECTOR + 1);
	if (len == 0 || len > CVSS_MAX_VECTOR)
		return moat_error_set(err, MOAT_E_FORMAT, "cvss: vector of %zu bytes", len);
	memset(&res, 0, sizeof(res));
	in = moat_slice_make(vector, len);
	if (moat_slice_startswith(in, "CVSS:3.0/") || moat_slice_startswith(in, "CVSS:3.1/")) {
		bool v31 = in.ptr[7] == '1';

		in.ptr += 9;
		in.len -= 9;
		r = parse_metrics(in, v3_metrics, false, vector, &p, err);
		if (r < 0)
			return r;
		v3_fill(&p, v31 ? MOAT_CVSS_V31 : MOAT_CVSS_V30, &res);
	} else if (moat_slice_startswith(in, "CVSS:4.0/")) {
		in.ptr += 9;
		in.len -= 9;
		r = parse_metrics(in, v4_metrics, true, vector, &p, err);
		if (r < 0)
			return r;
		v4_fill(&p, &res);
	} else if (moat_slice_startswith(in, "CVSS:")) {
		return moat_error_set(err, MOAT_E_FORMAT, "cvss \"%s\": unknown version", vector);
	} else {
		/* v2 has no prefix; NVD's older feeds wrapped it in parentheses. */
		if (in.len >= 2 && in.ptr[0] == '(' && in.ptr[in.len - 1] == ')') {
			in.ptr++;
			in.len -= 2;
		}
		r = parse_metrics(in, v2_metrics, false, vector, &p, err);
		if (r < 0)
			return r;
		v2_fill(&p, &res);
	}
	*out = res;
	return 0;
}

const char *moat_cvss_severity(double score)
{
	if (!(score >= 0.0 && score <= 10.0))
		return "unknown";
	if (score == 0.0)
		return "none";
	if (score < 4.0)
		return "low";
	if (score < 7.0)
		return "medium";
	if (score < 9.0)
		return "high";
	return "critical";
}

const char *moat_cvss_version_str(enum moat_cvss_version version)
{
	switch (version) {
	case MOAT_CVSS_V2: return "2.0";
	case MOAT_CVSS_V30: return "3.0";
	case MOAT_CVSS_V31: return "3.1";
	case MOAT_CVSS_V40: return "4.0";
	}
	return "unknown";
}
