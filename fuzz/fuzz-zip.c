/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-zip.c - the zip reader on arbitrary bytes: open, list, extract every
 * entry under a small bound (bombs must fail, not allocate). */
#include <stdint.h>

#include "base/buf.h"
#include "base/zip.h"
#include "moat/error.h"

#define FUZZ_ZIP_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_zip_limits lim = { .max_entries = 4096, .max_total = 16u << 20 };
	struct moat_error err = { 0 };
	struct moat_zip *zip;
	struct moat_buf out;

	if (size > FUZZ_ZIP_MAX_INPUT || moat_zip_open(data, size, &lim, "fuzz.zip", &zip, &err) < 0)
		return 0;
	moat_buf_init(&out, 0);
	for (size_t i = 0; i < moat_zip_count(zip); i++) {
		moat_zip_extract(zip, i, 4u << 20, &out, &err);
		moat_zip_find(zip, moat_zip_entry(zip, i)->name);
	}
	moat_buf_release(&out);
	moat_zip_close(zip);
	return 0;
}
