/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version.c - every version scheme on arbitrary bytes. The first byte
 * picks the scheme (and, past the schemes, the node-semver range matcher or
 * apk's fuzzy match); the rest splits at the first NUL (or '\n') into two
 * versions. Checks antisymmetry, cmp(a,b) == -cmp(b,a), and cmp(a,a) == 0,
 * and abort()s when either is violated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "vuln/version.h"

#define FUZZ_VERSION_MAX (2 * MOAT_VERSION_MAX + 64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cmp(enum moat_vscheme s, const char *a, const char *b)
{
	struct moat_error err = { 0 };
	int ab = 0;
	int ba = 0;
	int aa = 1;
	int ra = moat_version_cmp(s, a, b, &ab, &err);
	int rb = moat_version_cmp(s, b, a, &ba, &err);

	if ((ra == 0) != (rb == 0))
		abort(); /* validity must not depend on the order */
	if (ra == 0 && ab != -ba)
		abort();
	if (moat_version_cmp(s, a, a, &aa, &err) == 0 && aa != 0)
		abort();
	if (moat_version_valid(s, a) && moat_version_valid(s, b) && ra != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[FUZZ_VERSION_MAX + 2];
	struct moat_error err = { 0 };
	const char *a;
	const char *b;
	char *sep;
	unsigned sel;
	bool in;
	int c;

	if (size < 1 || size > FUZZ_VERSION_MAX)
		return 0;
	sel = data[0];
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	buf[size] = '\0';
	sep = buf + strcspn(buf, "\n");
	if (*sep)
		*sep++ = '\0';
	a = buf;
	b = sep;
	sel %= MOAT_VS_COMPOSER + 3;
	if (sel >= MOAT_VS_DPKG && sel <= MOAT_VS_COMPOSER) {
		check_cmp((enum moat_vscheme)sel, a, b);
	} else if (sel == MOAT_VS_COMPOSER + 1) {
		moat_semver_range_match(a, b, false, false, &in, &err);
		moat_semver_range_match(a, b, true, true, &in, &err);
	} else {
		moat_apk_fuzzy_cmp(a, b, &c, &err);
	}
	return 0;
}
