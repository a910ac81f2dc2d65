/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-dpkg-md5sums.c - the dpkg info/PKG.md5sums reader on arbitrary bytes:
 * every digest it keeps is 32 lowercase hex, every path non-empty without a
 * leading '/'. */
#include <string.h>

#include "base/arena.h"
#include "sbom/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_arena *arena = moat_arena_open(64u << 20);
	struct moat_pkg p = { .type = "deb", .name = "x", .version = "1" };

	if (!arena)
		return 0;
	if (dpkg_parse_md5sums(arena, moat_slice_make(data, size), &p) == 0) {
		for (size_t i = 0; i < p.n_file_hashes; i++) {
			const struct moat_pkg_file_hash *f = &p.file_hashes[i];

			if (strlen(f->hash.hex) != 32 || strspn(f->hash.hex, "0123456789abcdef") != 32 ||
			    !f->path[0] || f->path[0] == '/')
				__builtin_trap();
		}
	}
	moat_arena_close(arena);
	return 0;
}
