/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-lang-facts.c - files that say something about packages found in
 * other files: a dist-info's RECORD (CSV, base64 digests, ".." paths), a Go
 * module's LICENSE in the module cache and in vendor/ (licence text
 * identification), a registry crate's Cargo.toml (TOML); the first byte
 * picks which. */
#include "fuzz-lang-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"usr/lib/python3/site-packages/x-1.0.dist-info/RECORD",
		"root/go/pkg/mod/github.com/!x/y@v1.0.0/LICENSE",
		"src/app/vendor/github.com/x/y/LICENSE",
		"root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/x-1.0.0/Cargo.toml",
	};

	fuzz_lang_file(paths, sizeof(paths) / sizeof(paths[0]), data, size);
	return 0;
}
