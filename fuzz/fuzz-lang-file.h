/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-lang-file.h - run the language catalogers over one file, as a scan
 * streams it: the first input byte picks the file's path from the target's
 * table (so one target covers several parsers), the rest is the content.
 */
#ifndef MOAT_FUZZ_LANG_FILE_H
#define MOAT_FUZZ_LANG_FILE_H

#include <stdint.h>
#include <string.h>

#include "base/reader.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "sbom/lang.h"

#define FUZZ_LANG_MAX_INPUT (1u << 20)

static inline void fuzz_lang_file(const char *const *paths, size_t n_paths, const uint8_t *data,
				  size_t size)
{
	struct moat_limits limits;
	struct moat_lang *lang = NULL;
	struct moat_error err = { 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;
	struct moat_file_visit v = { 0 };

	if (size < 1 || size > FUZZ_LANG_MAX_INPUT || n_paths == 0)
		return;
	moat_limits_default(&limits);
	if (moat_lang_open(&limits, &lang, &err) < 0)
		return;
	v.path = paths[data[0] % n_paths];
	v.path_len = strlen(v.path);
	v.mode = 0100644;
	v.size = size - 1;
	rd = moat_mem_reader(&mr, data + 1, size - 1);
	moat_lang_visit(lang, &v, &rd, &err);
	moat_lang_close(lang);
}

#endif
