/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-cargo-auditable.c - the Rust readers: an even first byte feeds the
 * rest to the .dep-v0 decoder (zlib + JSON), an odd one to the Cargo.lock
 * reader. */
#include <stdint.h>

#include "base/arena.h"
#include "moat/error.h"
#include "sbom/lang-rust.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_arena *arena;
	struct moat_error err = { 0 };
	struct moat_rust_crate *crates = NULL;
	size_t n = 0;

	if (size < 1 || size > FUZZ_MAX_INPUT || !(arena = moat_arena_open(64u << 20)))
		return 0;
	if (data[0] & 1)
		moat_cargo_lock_parse(arena, data + 1, size - 1, &crates, &n, &err);
	else
		moat_rust_audit_parse(arena, data + 1, size - 1, &crates, &n, &err);
	moat_arena_close(arena);
	return 0;
}
