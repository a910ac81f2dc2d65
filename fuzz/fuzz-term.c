/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-term.c - terminal escaping (base/term.h) on arbitrary bytes. Its
 * promise is checked, not just survived: the output holds no C0 control,
 * DEL, raw C1 byte, invalid UTF-8, encoded C1 or bidi override, so escaping
 * it again changes nothing; and text with nothing to escape passes unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/term.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_buf out;
	const char *in = (const char *)data;

	if (size > (1u << 16))
		return 0;
	moat_buf_init(&out, 0);
	if (moat_term_escape(&out, in, size) < 0)
		abort();
	for (size_t i = 0; i < out.len; i++)
		if (out.data[i] < 0x20 || out.data[i] == 0x7f)
			abort();
	if (out.len && moat_term_needs_escape((const char *)out.data, out.len))
		abort();
	if (!moat_term_needs_escape(in, size) &&
	    (out.len != size || (size && memcmp(out.data, data, size) != 0)))
		abort();
	moat_buf_release(&out);
	return 0;
}
