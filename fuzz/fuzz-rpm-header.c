/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rpm-header.c - moat_rpm_header_parse() and moat_rpm_evr() on arbitrary
 * bytes taken as one rpmdb header blob. Each input is parsed twice: with a
 * roomy arena, and with one so small that the arena-full paths run too.
 */
#include <stdint.h>

#include "base/arena.h"
#include "sbom/rpmdb.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_once(const uint8_t *data, size_t size, uint64_t arena_cap)
{
	struct moat_arena *arena = moat_arena_open(arena_cap);
	struct moat_rpm_header hdr;
	struct moat_error err = { 0 };

	if (!arena)
		return;
	if (moat_rpm_header_parse(arena, data, size, &hdr, &err) == 0) {
		moat_rpm_evr(arena, &hdr);
		for (size_t i = 0; i < hdr.n_files; i++)
			(void)hdr.files[i][0];
	}
	moat_arena_close(arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return 0;
	parse_once(data, size, 64u << 20);
	parse_once(data, size, 2048);
	return 0;
}
