/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvss.h - CVSS v2.0, v3.0, v3.1 and v4.0 vectors: parse, validate, score.
 *
 * Every metric of a vector is checked against its version's value list (base,
 * temporal/threat, environmental and supplemental ones alike), each at most
 * once; base metrics are mandatory. v4.0 vectors must list metrics in the
 * specification's order (FIRST v4.0 spec, section 7). The base score is
 * computed from the base metrics only, exactly as the FIRST specifications
 * define it: v2.0 guide section 3.2.1, v3.0/v3.1 spec section 7.1 with the
 * version's Roundup (v3.1 Appendix A), v4.0 MacroVector interpolation
 * (spec section 8, the FIRST calculator's lookup table).
 *
 * The risk engine reads the normalised base metrics below; v2 values are
 * mapped onto the v3 scale (Access Complexity M -> HIGH with ac_medium set,
 * Authentication S/M -> PR LOW/HIGH, impacts P/C -> LOW/HIGH).
 */
#ifndef MOAT_VULN_CVSS_H
#define MOAT_VULN_CVSS_H

#include <stdbool.h>

struct moat_error;

enum moat_cvss_version {
	MOAT_CVSS_V2 = 20,
	MOAT_CVSS_V30 = 30,
	MOAT_CVSS_V31 = 31,
	MOAT_CVSS_V40 = 40,
};

enum moat_cvss_av {
	MOAT_CVSS_AV_NETWORK,
	MOAT_CVSS_AV_ADJACENT,
	MOAT_CVSS_AV_LOCAL,
	MOAT_CVSS_AV_PHYSICAL,
};

/* None/low/high scale shared by AC, PR, AT and the impacts. */
enum moat_cvss_level {
	MOAT_CVSS_NONE,
	MOAT_CVSS_LOW,
	MOAT_CVSS_HIGH,
};

enum moat_cvss_ui {
	MOAT_CVSS_UI_NONE,
	MOAT_CVSS_UI_PASSIVE,   /* v4.0 P */
	MOAT_CVSS_UI_REQUIRED,  /* v3 R, v4.0 A (active) */
};

struct moat_cvss {
	enum moat_cvss_version version;
	enum moat_cvss_av av;
	enum moat_cvss_level ac;        /* LOW or HIGH */
	bool ac_medium;                 /* v2 AC:M (stored as HIGH) */
	enum moat_cvss_level pr;        /* v2: Au N/S/M -> NONE/LOW/HIGH */
	enum moat_cvss_ui ui;           /* v2: NONE */
	bool scope_changed;             /* v3 S:C; v4 any of SC/SI/SA not N */
	enum moat_cvss_level c, i, a;   /* v4: the vulnerable system's VC/VI/VA */
	enum moat_cvss_level at;        /* v4 attack requirements (NONE or HIGH=present) */
	enum moat_cvss_level sc, si, sa; /* v4 subsequent system impacts */
	double base_score;              /* 0.0 .. 10.0 */
};

/* Parse and validate vector (NUL-terminated) and compute its base score.
 * v2 vectors come bare ("AV:N/AC:L/Au:N/C:P/I:P/A:P"), optionally in
 * parentheses; v3 and v4 need their "CVSS:3.x/" / "CVSS:4.0/" prefix.
 * Returns 0, or MOAT_E_FORMAT naming the bad metric; *out is untouched then. */
int moat_cvss_parse(const char *vector, struct moat_cvss *out, struct moat_error *err);

/* FIRST qualitative rating (v3.x/v4.0 scale): "none" (0.0), "low" (0.1-3.9),
 * "medium" (4.0-6.9), "high" (7.0-8.9), "critical" (9.0-10.0), "unknown"
 * for anything outside 0..10 or NaN. Static strings. */
const char *moat_cvss_severity(double score);

/* The version's number as feeds spell it: "2.0", "3.0", "3.1", "4.0". */
const char *moat_cvss_version_str(enum moat_cvss_version version);

#endif
