/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-requirements.c - the Python cataloger's text formats: requirements
 * files, Pipfile.lock, core metadata, poetry.lock and uv.lock; the first
 * byte picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"srv/app/requirements.txt",
		"srv/app/Pipfile.lock",
		"usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA",
		"usr/lib/python3/dist-packages/x-1.0.egg-info",
		"srv/app/poetry.lock",
		"srv/app/uv.lock",
	};

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
