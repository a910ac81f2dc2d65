/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-go.h - Go module build info from binaries, go.mod and go.sum; and
 * the ELF cataloger that hands every executable to the Go and Rust readers.
 *
 * The parsers are exposed for the unit tests and fuzz targets; catalogers use
 * them through moat_lang_elf and moat_lang_gomod (sbom/lang.h).
 */
#ifndef MOAT_SBOM_LANG_GO_H
#define MOAT_SBOM_LANG_GO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

struct moat_arena;
struct moat_elf;
struct moat_error;

/* Go's own reader rejects longer strings (debug/buildinfo); the modinfo of a
 * Kubernetes binary is ~30 KB. */
#define MOAT_GO_MODINFO_MAX (4u << 20)
/* Module lines in one modinfo or go.mod/go.sum: big binaries list ~500. */
#define MOAT_GO_MAX_MODULES 100000u

/* One module line, strings in the arena. A replaced module keeps what it was
 * replaced with in repl_*; a directory replacement has repl_version "". */
struct moat_go_module {
	const char *path;
	const char *version;        /* "" when absent or "(devel)" */
	const char *sum;            /* "h1:..." or "" */
	const char *repl_path;      /* NULL unless replaced */
	const char *repl_version;
	bool indirect;              /* go.mod "// indirect" */
};

struct moat_go_buildinfo {
	const char *go_version;     /* "go1.19.8" (may carry " X:..." suffixes) */
	const char *path;           /* main package path ("path" line), or "" */
	struct moat_go_module main; /* main module ("mod" line); path "" when absent */
	struct moat_go_module *deps;
	size_t n_deps;
	size_t n_settings;          /* "build" lines seen */
};

/* Find the build info of a Go binary: the ".go.buildinfo" section, or, when
 * section headers are missing, the "\xff Go buildinf:" magic at a 16-byte
 * aligned address of a writable PT_LOAD segment. Both layouts are read:
 * Go >= 1.18 inline varint strings and the older pointer-based one (pointer
 * size and byte order from the header, strings via vaddr -> file offset).
 * Returns 0 and the two strings (pointing into elf->data, modinfo with its
 * 16-byte sentinels stripped, possibly empty), 1 when this is not a Go
 * binary, MOAT_E_FORMAT/MOAT_E_LIMIT for a broken one (message in err). */
int moat_go_buildinfo_find(const struct moat_elf *elf, struct moat_slice *ret_version,
			   struct moat_slice *ret_modinfo, struct moat_error *err);

/* Parse modinfo text (path, mod, dep, "=>" replacement and build lines) into
 * *out (strings in arena); go_version is copied as given. Unknown lines are
 * skipped as Go's own parser would reject them only in strict mode.
 * Returns 0, MOAT_E_FORMAT or MOAT_E_LIMIT. */
int moat_go_modinfo_parse(struct moat_arena *arena, struct moat_slice go_version,
			  struct moat_slice modinfo, struct moat_go_buildinfo *out,
			  struct moat_error *err);

/* The stdlib version for a toolchain tag, as Go's vulnerability tooling
 * writes it: "go1.19.8" -> "v1.19.8", "go1.21" -> "v1.21.0",
 * "go1.21rc2" -> "v1.21.0-rc.2", " X:..." suffixes dropped. Writes at most
 * size bytes (NUL included); returns false for devel or unknown tags. */
bool moat_go_stdlib_version(const char *tag, char *buf, size_t size);

/* Modules of a go.mod (require blocks with replace directives applied) or a
 * go.sum (each path@version with a full-module hash, "/go.mod" entries
 * skipped). The array lives in arena. Returns 0, MOAT_E_FORMAT or
 * MOAT_E_LIMIT; malformed lines are skipped and counted in *ret_bad. */
int moat_go_mod_parse(struct moat_arena *arena, struct moat_slice text,
		      struct moat_go_module **ret_mods, size_t *ret_n, size_t *ret_bad,
		      struct moat_error *err);
int moat_go_sum_parse(struct moat_arena *arena, struct moat_slice text,
		      struct moat_go_module **ret_mods, size_t *ret_n, size_t *ret_bad,
		      struct moat_error *err);

/* ---- within the Go catalogers (lang-go.c, lang-gomod.c) ---- */

struct moat_file_visit;
struct moat_lang;
struct moat_pkg;

/* Add one module as a golang package of file (lang-go.c explains how
 * replacements are reported); *ret_pkg (ret_pkg may be NULL) is the new
 * package. Returns 0 or MOAT_E_LIMIT. */
int lang_go_add_module(struct moat_lang *lang, const struct moat_file_visit *file,
		       const struct moat_go_module *mod, const char *evidence,
		       struct moat_pkg **ret_pkg, struct moat_error *err);

#endif
