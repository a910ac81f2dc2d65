/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-detect.h - run the content scanners on one file at a fixed path
 * (the path picks the parser: /etc/shadow, redis.conf, ...), as the layer
 * stream would show it, then finish as after the image.
 */
#ifndef MOAT_FUZZ_DETECT_H
#define MOAT_FUZZ_DETECT_H

#include <stdint.h>
#include <string.h>

#include "base/reader.h"
#include "detect/detect.h"
#include "moat/error.h"
#include "moat/limits.h"

/* Opening compiles every rule and loads the word list: one context serves
 * FUZZ_DETECT_REUSE inputs (then a fresh one, so findings do not pile up). */
#define FUZZ_DETECT_REUSE 256u

static inline void fuzz_detect_file(unsigned scanners, const char *path, const uint8_t *data,
				    size_t size)
{
	static struct moat_limits limits;
	static struct moat_detect *d;
	static unsigned uses;
	struct moat_detect_opts o = { 0 };
	struct moat_error err = { 0 };
	struct moat_file_visit fv = { 0, path, strlen(path), 0100644, size, NULL, 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;

	if (size > (1u << 20))
		return;
	if (d && ++uses % FUZZ_DETECT_REUSE == 0) {
		(void)moat_detect_finish(d, NULL, &err);
		moat_detect_close(d);
		d = NULL;
	}
	if (!d) {
		moat_limits_default(&limits);
		o.scanners = scanners;
		o.limits = &limits;
		o.password_budget_ms = 5; /* crypt on hostile hashes: bounded, not fast */
		if (moat_detect_open(&o, &d, &err) < 0) {
			moat_detect_close(d);
			d = NULL;
			return;
		}
	}
	rd = moat_mem_reader(&mr, data, size);
	(void)moat_detect_visit(d, &fv, &rd, &err);
}

#define FUZZ_DETECT_TARGET(scanners, path)                                     \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);          \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)           \
	{                                                                      \
		fuzz_detect_file(scanners, path, data, size);                  \
		return 0;                                                      \
	}

#endif
