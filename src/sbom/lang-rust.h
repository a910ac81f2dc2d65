/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-rust.h - Rust crates from cargo-auditable data in binaries and from
 * Cargo.lock files.
 *
 * The parsers are exposed for the unit tests and fuzz targets; catalogers use
 * them through moat_lang_elf (lang-go.c) and moat_lang_cargo_lock (lang.h).
 */
#ifndef MOAT_SBOM_LANG_RUST_H
#define MOAT_SBOM_LANG_RUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_arena;
struct moat_elf;
struct moat_error;
struct moat_file_visit;
struct moat_lang;

/* Inflated JSON of a .dep-v0 section: cargo-auditable's own reader stops at
 * 8 MiB, ~80k crates. */
#define MOAT_RUST_AUDIT_MAX (8u << 20)
/* Crates in one binary or lock file: big workspaces lock ~1000. */
#define MOAT_RUST_MAX_CRATES 100000u
/* Cargo.lock of rustc's own tree is ~100 KB. */
#define MOAT_CARGO_LOCK_MAX (16u << 20)

/* One crate, strings in the arena; source and kind may be "". */
struct moat_rust_crate {
	const char *name;
	const char *version;
	const char *source;         /* "crates.io", "git", "local", "registry+https://..." */
	const char *kind;           /* cargo-auditable: "runtime" or "build" */
	bool root;                  /* cargo-auditable: the crate the binary was built from */
	const char *checksum;       /* Cargo.lock: SHA-256 hex of the .crate, or "" */
	/* what it depends on, as indices into the same array (cargo-auditable's
	 * "dependencies" indices; Cargo.lock's "name [version [(source)]]"
	 * resolved within the lock); unresolvable ones are left out */
	const size_t *deps;
	size_t n_deps;
};

/* Inflate (zlib, at most MOAT_RUST_AUDIT_MAX bytes out) and parse the
 * contents of a .dep-v0 section. Returns 0, MOAT_E_FORMAT or MOAT_E_LIMIT. */
int moat_rust_audit_parse(struct moat_arena *arena, const uint8_t *z, size_t zlen,
			  struct moat_rust_crate **ret_crates, size_t *ret_n,
			  struct moat_error *err);

/* The [[package]] tables (and a v1 [root]) of a Cargo.lock. */
int moat_cargo_lock_parse(struct moat_arena *arena, const void *data, size_t len,
			  struct moat_rust_crate **ret_crates, size_t *ret_n,
			  struct moat_error *err);

/* Add the crates of a binary's .dep-v0 section, if it has one (called by the
 * ELF cataloger). Bad data is a warning; returns 0 or MOAT_E_LIMIT. */
int lang_rust_scan_elf(struct moat_lang *lang, const struct moat_file_visit *file,
		       const struct moat_elf *elf, struct moat_error *err);

#endif
