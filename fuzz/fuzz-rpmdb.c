/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rpmdb.c - moat_rpmdb_foreach() on arbitrary bytes (sqlite, BerkeleyDB
 * hash or NDB, sniffed from the magic), parsing every blob it yields as an
 * rpm header the way the rpm cataloger does.
 */
#include <stdint.h>

#include "base/arena.h"
#include "sbom/rpmdb.h"

#define FUZZ_MAX_INPUT (1u << 20)
#define FUZZ_MAX_PACKAGES 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_blob(void *ctx, const uint8_t *blob, size_t len)
{
	struct moat_arena *arena = ctx;
	struct moat_rpm_header hdr;
	struct moat_error err = { 0 };

	/* a bad header is skipped, as the blob walk itself is under test */
	if (moat_rpm_header_parse(arena, blob, len, &hdr, &err) == 0)
		moat_rpm_evr(arena, &hdr);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_arena *arena;
	struct moat_error err = { 0 };

	if (size > FUZZ_MAX_INPUT)
		return 0;
	arena = moat_arena_open(64u << 20);
	if (!arena)
		return 0;
	moat_rpmdb_sniff(data, size);
	moat_rpmdb_foreach(data, size, FUZZ_MAX_PACKAGES, on_blob, arena, &err);
	moat_arena_close(arena);
	return 0;
}
