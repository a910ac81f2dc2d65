/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-cvss.c - CVSS vector parsing and scoring on arbitrary strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vuln/cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_cvss c;
	char *s;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (moat_cvss_parse(s, &c, NULL) == 0) {
		/* Every accepted vector has a score on the 0..10 scale. */
		if (!(c.base_score >= 0.0 && c.base_score <= 10.0))
			abort();
		moat_cvss_severity(c.base_score);
	}
	free(s);
	return 0;
}
