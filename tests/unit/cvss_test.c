/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvss_test.c - CVSS vectors against published scores.
 *
 * Sources of the expected scores (none computed by us):
 *  - v3.1: FIRST "CVSS v3.1 Examples" (https://www.first.org/cvss/v3.1/examples),
 *    one row per example, anchors as cited by scm-rs/cvss-rs tests/v3.rs; the
 *    v3.0 rows from FIRST "CVSS v3.0 Examples" (first.org/cvss/v3.0/examples);
 *    CVE-2021-44228 from its NVD record (nvd@nist.gov, Primary).
 *  - v2: FIRST "CVSS v2 Complete Documentation" section 3.3 worked examples,
 *    and CVE-2021-44228's NVD v2 metric.
 *  - v4.0: RedHatProductSecurity/cvss tests/vectors_simple4, generated with
 *    the FIRST v4.0 calculator (RedHatProductSecurity/cvss-v4-calculator).
 */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "moat/error.h"
#include "vuln/cvss.h"

struct row {
	const char *vector;
	double score;
};

static const struct row v31_rows[] = {
	/* first.org/cvss/v3.1/examples */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4 },   /* CVE-2013-0375 MySQL */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1 },   /* CVE-2014-3566 POODLE */
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2 },   /* CVE-2009-0783 Tomcat */
	{ "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2 },   /* CVE-2012-0384 Cisco IOS */
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8 },   /* CVE-2015-1098 iWork */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5 },   /* CVE-2014-0160 Heartbleed */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8 },   /* CVE-2008-1447 Kaminsky */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8 },   /* CVE-2014-2005 Sophos */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8 },   /* CVE-2010-0467 Joomla */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8 },   /* CVE-2012-1342 Cisco */
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3 },   /* CVE-2013-6014 Juniper */
	{ "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8 },   /* CVE-2011-1265 Bluetooth */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6 },   /* CVE-2014-2019 iOS */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8 },   /* CVE-2015-0970 SearchBlox */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4 },   /* CVE-2014-0224 SSL MITM */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6 },   /* CVE-2012-5376 Chrome */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8 },   /* CVE-2016-0128 Badlock */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5 },   /* CVE-2016-2118 Badlock */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0 },   /* CVE-2019-7551 Cantemo */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 },   /* CVE-2017-5942 WordPress */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L", 8.6 },   /* CVE-2016-5558 Oracle OIT */
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2 },   /* CVE-2016-5729 ThinkPwn */
	{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:N/I:H/A:H", 6.0 },   /* CVE-2015-2890 flash lock */
	{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 7.6 },   /* CVE-2018-3652 Intel DCI */
	{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N", 4.2 },   /* CVE-2019-0884 scripting */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9 },   /* CVE-2012-1516 VMware */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8 },   /* CVE-2014-6271 Shellshock */
	{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4 },   /* CVE-2014-9253 DokuWiki */
	{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8 },   /* CVE-2009-0658 Reader */
	{ "CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0 },   /* no impact */
	/* NVD, nvd@nist.gov Primary */
	{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0 },  /* CVE-2021-44228 Log4Shell */
	/* first.org/cvss/v3.0/examples */
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 },   /* CVE-2013-1937 phpMyAdmin */
	{ "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8 },   /* CVE-2012-0384 (3.0 rating) */
	{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5 },   /* CVE-2015-8252 */
	/* any order is valid in v3 (FIRST calculator test vector) */
	{ "CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X", 3.8 },
};

static const struct row v2_rows[] = {
	{ "AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8 },         /* CVE-2002-0392, v2 guide 3.3.1 */
	{ "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0 },        /* CVE-2003-0818, v2 guide 3.3.2 */
	{ "AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2 },         /* CVE-2003-0062, v2 guide 3.3.3 */
	{ "AV:N/AC:M/Au:N/C:C/I:C/A:C", 9.3 },         /* CVE-2021-44228, NVD */
	{ "(AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C)", 10.0 },
};

static const struct row v4_rows[] = {
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:H/SA:L", 9.2 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:H/SI:N/SA:L", 7.8 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:L/SA:N", 6.9 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 7.9 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:N/VA:L/SC:N/SI:H/SA:N", 8.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:L/VI:N/VA:N/SC:L/SI:N/SA:L", 5.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.6 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:N/VA:L/SC:N/SI:L/SA:N", 7.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:N/SC:H/SI:L/SA:L", 6.4 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:L/SC:L/SI:L/SA:L", 7.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H", 9.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:L/SI:L/SA:H", 6.2 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:L/SC:L/SI:L/SA:N", 5.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:P/VC:L/VI:L/VA:N/SC:L/SI:N/SA:N", 4.8 },
	{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:A/VC:L/VI:N/VA:N/SC:H/SI:N/SA:H", 6.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:N/SA:H", 9.5 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:N/VA:N/SC:L/SI:L/SA:H", 9.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:L/VA:L/SC:H/SI:L/SA:L", 7.0 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:L/VI:L/VA:N/SC:H/SI:N/SA:N", 4.9 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:N/SA:N", 2.1 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", 2.3 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:N/SC:N/SI:H/SA:L", 4.5 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:N/VC:N/VI:L/VA:L/SC:H/SI:H/SA:H", 5.5 },
	{ "CVSS:4.0/AV:N/AC:L/AT:P/PR:H/UI:A/VC:N/VI:L/VA:L/SC:L/SI:N/SA:N", 1.8 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:L/SI:H/SA:L", 9.4 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 2.1 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:P/VC:H/VI:H/VA:H/SC:H/SI:L/SA:H", 8.8 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:N/VI:L/VA:L/SC:H/SI:H/SA:L", 5.0 },
	{ "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N", 4.0 },
	{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:L/SA:N", 9.5 },
	{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:N/VI:L/VA:N/SC:L/SI:H/SA:L", 7.0 },
};

static bool same(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void check_rows(const struct row *rows, size_t n, enum moat_cvss_version want_version)
{
	for (size_t i = 0; i < n; i++) {
		struct moat_cvss c;
		struct moat_error err = { 0 };
		int r = moat_cvss_parse(rows[i].vector, &c, &err);

		if (r < 0) {
			printf("# %s: %s\n", rows[i].vector, err.msg);
			CHECK(r == 0);
			continue;
		}
		if (!same(c.base_score, rows[i].score))
			printf("# %s: got %.1f, want %.1f\n", rows[i].vector, c.base_score,
			       rows[i].score);
		CHECK(same(c.base_score, rows[i].score));
		if (want_version != MOAT_CVSS_V30)
			CHECK(c.version == want_version || c.version == MOAT_CVSS_V30);
	}
}

static void test_cvss__v31_first_examples(void)
{
	CHECK(sizeof(v31_rows) / sizeof(v31_rows[0]) >= 30);
	check_rows(v31_rows, sizeof(v31_rows) / sizeof(v31_rows[0]), MOAT_CVSS_V31);
}

static void test_cvss__v2_guide_examples(void)
{
	check_rows(v2_rows, sizeof(v2_rows) / sizeof(v2_rows[0]), MOAT_CVSS_V2);
}

static void test_cvss__v40_calculator_vectors(void)
{
	check_rows(v4_rows, sizeof(v4_rows) / sizeof(v4_rows[0]), MOAT_CVSS_V40);
}

static void test_cvss__base_metrics(void)
{
	struct moat_cvss c;

	CHECK_INT(moat_cvss_parse("CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:H", &c, NULL), 0);
	CHECK_INT(c.version, MOAT_CVSS_V31);
	CHECK_INT(c.av, MOAT_CVSS_AV_ADJACENT);
	CHECK_INT(c.ac, MOAT_CVSS_HIGH);
	CHECK_INT(c.pr, MOAT_CVSS_LOW);
	CHECK_INT(c.ui, MOAT_CVSS_UI_REQUIRED);
	CHECK(c.scope_changed);
	CHECK_INT(c.c, MOAT_CVSS_LOW);
	CHECK_INT(c.i, MOAT_CVSS_NONE);
	CHECK_INT(c.a, MOAT_CVSS_HIGH);

	CHECK_INT(moat_cvss_parse("AV:L/AC:M/Au:S/C:P/I:N/A:C", &c, NULL), 0);
	CHECK_INT(c.version, MOAT_CVSS_V2);
	CHECK_INT(c.av, MOAT_CVSS_AV_LOCAL);
	CHECK(c.ac_medium);
	CHECK_INT(c.pr, MOAT_CVSS_LOW);
	CHECK_INT(c.c, MOAT_CVSS_LOW);
	CHECK_INT(c.a, MOAT_CVSS_HIGH);

	CHECK_INT(moat_cvss_parse("CVSS:4.0/AV:P/AC:L/AT:P/PR:H/UI:P/VC:N/VI:L/VA:H/SC:N/SI:N/SA:N",
				  &c, NULL), 0);
	CHECK_INT(c.av, MOAT_CVSS_AV_PHYSICAL);
	CHECK_INT(c.at, MOAT_CVSS_HIGH);
	CHECK_INT(c.ui, MOAT_CVSS_UI_PASSIVE);
	CHECK(!c.scope_changed);
	CHECK_STR(moat_cvss_version_str(c.version), "4.0");
}

static void test_cvss__severity(void)
{
	CHECK_STR(moat_cvss_severity(0.0), "none");
	CHECK_STR(moat_cvss_severity(0.1), "low");
	CHECK_STR(moat_cvss_severity(3.9), "low");
	CHECK_STR(moat_cvss_severity(4.0), "medium");
	CHECK_STR(moat_cvss_severity(6.9), "medium");
	CHECK_STR(moat_cvss_severity(7.0), "high");
	CHECK_STR(moat_cvss_severity(8.9), "high");
	CHECK_STR(moat_cvss_severity(9.0), "critical");
	CHECK_STR(moat_cvss_severity(10.0), "critical");
	CHECK_STR(moat_cvss_severity(-1.0), "unknown");
	CHECK_STR(moat_cvss_severity(10.1), "unknown");
	CHECK_STR(moat_cvss_severity(NAN), "unknown");
}

static void test_cvss__invalid_rejected(void)
{
	static const char *const bad[] = {
		"",
		"CVSS:3.1",
		"CVSS:3.1/",
		"CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",            /* A missing */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X",        /* base cannot be X */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",       /* trailing slash */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",    /* repeated */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z",    /* bad temporal */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:N",   /* unknown metric */
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A-H",
		"CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/av:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",        /* case matters */
		"CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"AV:N/AC:L/Au:N/C:C/I:C",                              /* v2 A missing */
		"AV:N/AC:L/Au:X/C:C/I:C/A:C",
		"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",                 /* v3 without prefix */
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
		"CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", /* order */
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", /* UI:R is v3 */
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red",
		"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S",
	};
	struct moat_cvss c;

	memset(&c, 0x5a, sizeof(c));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct moat_error err = { 0 };
		int r = moat_cvss_parse(bad[i], &c, &err);

		if (r != MOAT_E_FORMAT)
			printf("# accepted: \"%s\"\n", bad[i]);
		CHECK_INT(r, MOAT_E_FORMAT);
		CHECK(err.msg[0] != '\0');
	}
	CHECK_INT(c.version, 0x5a5a5a5a);     /* untouched on failure */
	CHECK_INT(moat_cvss_parse(NULL, &c, NULL), MOAT_E_FORMAT);
	/* The full v4.0 metric set in order parses (supplemental U takes words). */
	CHECK_INT(moat_cvss_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/"
				  "E:A/CR:H/IR:H/AR:H/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/"
				  "MVA:H/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:I/V:C/RE:H/U:Red", &c, NULL), 0);
	CHECK(same(c.base_score, 10.0));
}

int main(void)
{
	MOAT_RUN(test_cvss__v31_first_examples);
	MOAT_RUN(test_cvss__v2_guide_examples);
	MOAT_RUN(test_cvss__v40_calculator_vectors);
	MOAT_RUN(test_cvss__base_metrics);
	MOAT_RUN(test_cvss__severity);
	MOAT_RUN(test_cvss__invalid_rejected);
	return moat_test_done();
}
