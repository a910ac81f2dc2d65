/* SPDX-License-Identifier: Apache-2.0 */
/*
 * harness.h - the tiny unit-test harness: checks print both values and where.
 *
 * Each tests/unit/<module>_test.c is its own binary with a main() that calls
 * MOAT_RUN(test_<module>__<case>) for each case and returns moat_test_done().
 * Output is TAP so meson shows each case.
 */
#ifndef MOAT_TEST_HARNESS_H
#define MOAT_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int moat_test_failed_checks;
static int moat_test_case_failed;
static int moat_test_cases;
static int moat_test_cases_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		moat_test_case_failed = 1; moat_test_failed_checks++; \
	} } while (0)

#define CHECK_INT(a, b) do { \
	long long moat_a_ = (long long)(a), moat_b_ = (long long)(b); \
	if (moat_a_ != moat_b_) { \
		printf("# %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
		       #a, moat_a_, #b, moat_b_); \
		moat_test_case_failed = 1; moat_test_failed_checks++; \
	} } while (0)

#define CHECK_STR(a, b) do { \
	const char *moat_a_ = (a), *moat_b_ = (b); \
	if (!moat_a_ || !moat_b_ || strcmp(moat_a_, moat_b_) != 0) { \
		printf("# %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, \
		       #a, moat_a_ ? moat_a_ : "(null)", moat_b_ ? moat_b_ : "(null)"); \
		moat_test_case_failed = 1; moat_test_failed_checks++; \
	} } while (0)

#define MOAT_RUN(fn) do { \
	moat_test_case_failed = 0; moat_test_cases++; \
	fn(); \
	if (moat_test_case_failed) moat_test_cases_failed++; \
	printf("%s %d - %s\n", moat_test_case_failed ? "not ok" : "ok", moat_test_cases, #fn); \
	fflush(stdout); \
	} while (0)

static inline int moat_test_done(void)
{
	printf("1..%d\n", moat_test_cases);
	return moat_test_cases_failed ? 1 : 0;
}

#endif
