/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-deb-copyright.c - the Debian copyright (DEP-5 and free-form) license reader on arbitrary bytes. */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "sbom/copyright.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_arena *arena = moat_arena_open(64u << 20);
	const char *lic;

	if (!arena)
		return 0;
	lic = moat_deb_copyright_license(arena, moat_slice_make(data, size));
	/* Whatever it returns is one NUL-terminated line. */
	if (lic && strchr(lic, '\n'))
		__builtin_trap();
	moat_arena_close(arena);
	return 0;
}
