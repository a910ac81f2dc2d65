/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-secret-rules.c - the secret rule-file loader (YAML, regexes, allow-lists) on arbitrary bytes. */
#include <stdint.h>

#include "detect/secret-rules.h"
#include "moat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_match(void *ctx, const struct secret_match *m, struct moat_error *err)
{
	(void)ctx;
	(void)m;
	(void)err;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secret_rules *rs = NULL;
	struct moat_error err = { 0 };
	static const char text[] = "password = \"k9Fz3vQ8rT2mW7xL\"\nAKIAZ4Q7WERTYUIOPXQ2\n";

	if (size > (1u << 20) || secret_rules_open(&rs, &err) < 0)
		return 0;
	if (secret_rules_load(rs, data, size, "fuzz.yaml", &err) == 0 &&
	    secret_rules_compile(rs, &err) == 0)
		(void)secret_rules_scan(rs, "etc/x", moat_slice_make(text, sizeof(text) - 1), false,
					on_match, NULL, &err);
	secret_rules_close(rs);
	return 0;
}
