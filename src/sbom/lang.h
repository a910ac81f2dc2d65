/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang.h - language-ecosystem catalogers (Java, Python, Node, Go, Rust, Ruby,
 * PHP, .NET): they read files as the layers stream past and keep nothing
 * but the packages they find.
 *
 * Why streaming: the files they need (jars, Go and Rust binaries, thousands
 * of package.json) are too many or too big to capture into memory the way the
 * OS package databases are. So each finding is recorded with the file it came
 * from and that file's layer (by read_seq, the order layers streamed in), and
 * moat_lang_finish() keeps it only if that same file is still in the final
 * view; a file a later layer deleted yields a removed package, one a later
 * layer replaced is superseded by what was found in the replacement.
 *
 * A malformed file inside an image is not a malformed image: catalogers call
 * moat_lang_warn() and go on; only limits and out-of-memory abort the scan.
 */
#ifndef MOAT_SBOM_LANG_H
#define MOAT_SBOM_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "sbom/pkg.h"

struct moat_arena;
struct moat_buf;
struct moat_catalog_ctx;
struct moat_error;
struct moat_fs;
struct moat_fs_stat;
struct moat_lang;
struct moat_reader;
struct moat_warnings;

struct moat_lang_cataloger {
	const char *name;
	/* Cheap test on path (no leading '/'), mode and size: read this file? */
	bool (*match)(const char *path, size_t len, uint32_t mode, uint64_t size);
	/* Read the file once through content; add packages with moat_lang_add(). */
	int (*read)(struct moat_lang *lang, const struct moat_file_visit *file,
		    struct moat_reader *content, struct moat_error *err);
};

int moat_lang_open(const struct moat_limits *limits, struct moat_lang **ret_lang,
		   struct moat_error *err);
void moat_lang_close(struct moat_lang *lang);
/* Suits moat_image_opts.visit_file (ctx = the struct moat_lang). */
int moat_lang_visit(void *ctx, const struct moat_file_visit *file, struct moat_reader *content,
		    struct moat_error *err);
/* Suits moat_image_opts.want_linked: a file whose second name (symlink,
 * hardlink) a different cataloger claims than its own name, so the stream
 * did not read it as what the container finds under that name. */
bool moat_lang_want_linked(const char *name, const char *real, const struct moat_fs_stat *st);
/* After the image is read: show the catalogers those files under the second
 * name (their contents were captured by the image's second pass). */
int moat_lang_visit_linked(struct moat_lang *lang, struct moat_fs *fs,
			   const struct moat_image_meta *meta, struct moat_error *err);
/* After the image is complete: keep findings whose file survived into the
 * final view (ctx->pkgs), the rest as removed (ctx->removed). */
int moat_lang_finish(struct moat_lang *lang, struct moat_catalog_ctx *ctx,
		     struct moat_error *err);

/* After catalog_merge_lang(): give the packages of ctx->pkgs what facts
 * (moat_lang_add_fact) say about them. */
int moat_lang_apply_facts(struct moat_lang *lang, struct moat_catalog_ctx *ctx,
			  struct moat_error *err);

/* What the catalogers skipped or could not read, in order (base/warn.h);
 * layers are resolved by moat_lang_finish(). Owned by lang. */
const struct moat_warnings *moat_lang_warnings(const struct moat_lang *lang);

/* ---- for catalogers ---- */

/* Memory that lives as long as the struct moat_lang (packages, strings). */
struct moat_arena *moat_lang_arena(struct moat_lang *lang);
const struct moat_limits *moat_lang_limits(const struct moat_lang *lang);

/* A new package with type, name, version set (copied), the rest NULL/-1;
 * evidence is "installed" (found in an installed tree or binary) or
 * "lockfile". Returns NULL on arena exhaustion. */
struct moat_pkg *moat_lang_pkg_new(struct moat_lang *lang, const char *type, const char *name,
				   const char *version, const char *evidence);
/* Record pkg as found in file. pkg->db_path defaults to the file's path; set
 * it first for nested locations ("app.jar!/BOOT-INF/lib/x.jar"). pkg->purl
 * is made from type/name/version when the cataloger left it NULL. */
int moat_lang_add(struct moat_lang *lang, const struct moat_file_visit *file,
		  struct moat_pkg *pkg, struct moat_error *err);
/* What a file says about packages found in other files: a dist-info's
 * RECORD (the file digests of the METADATA beside it), a Go module's
 * LICENSE in the module cache or vendor/, a crate's Cargo.toml in the
 * registry's sources. It applies, after the merge of the final view, to the
 * packages of `type` that match every non-NULL key: dir (the directory of
 * their db_path), name, version. A fact whose own file a later layer
 * deleted or replaced is dropped. Fields fill only what the package lacks. */
struct moat_lang_fact {
	const char *type;
	const char *dir;            /* no trailing '/' */
	const char *name;
	const char *version;
	const char *license;
	const struct moat_pkg_file_hash *file_hashes;
	size_t n_file_hashes;
};
/* Record fact (strings must live in the lang arena). Returns 0 or
 * MOAT_E_LIMIT. */
int moat_lang_add_fact(struct moat_lang *lang, const struct moat_file_visit *file,
		       const struct moat_lang_fact *fact, struct moat_error *err);
/* Note a file skipped or not fully read, and go on. code is a stable
 * string for the report: "lang-file-too-large" (over a size limit),
 * "lang-nesting-too-deep" (archives or dependency trees nested past a
 * limit), "lang-limit" (any other limit), "lang-file-malformed" (not what
 * its name says). */
void moat_lang_warn(struct moat_lang *lang, const struct moat_file_visit *file, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The code for a warning made from a failed call's error: "lang-limit" for
 * MOAT_E_LIMIT, else "lang-file-malformed". */
const char *moat_lang_code(int err_code);
/* A buffer kept across files (reset, not freed, between uses): binaries are
 * read whole one after another, and a fresh allocation per file would
 * page-fault its way through every one. max bounds its size. */
struct moat_buf *moat_lang_scratch(struct moat_lang *lang, size_t max);
/* Read the whole file into out (reset first). Files over max bytes are
 * skipped with a warning: returns 1 then, 0 when read, <0 on read errors. */
int moat_lang_read_all(struct moat_lang *lang, const struct moat_file_visit *file,
		       struct moat_reader *content, uint64_t max, struct moat_buf *out,
		       struct moat_error *err);

/* The table of language catalogers (lang.c); each file adds one entry. */
extern const struct moat_lang_cataloger *const moat_lang_catalogers[];
extern const size_t moat_lang_n_catalogers;

/* The catalogers (one line each, lang-<name>.c). */
extern const struct moat_lang_cataloger moat_lang_node;
extern const struct moat_lang_cataloger moat_lang_ruby;
extern const struct moat_lang_cataloger moat_lang_php;
extern const struct moat_lang_cataloger moat_lang_dotnet;
extern const struct moat_lang_cataloger moat_lang_gomod;      /* lang-gomod.c */
extern const struct moat_lang_cataloger moat_lang_cargo_lock; /* lang-rust.c */
extern const struct moat_lang_cataloger moat_lang_java;       /* lang-java.c */
extern const struct moat_lang_cataloger moat_lang_python;     /* lang-python.c */
extern const struct moat_lang_cataloger moat_lang_elf;        /* lang-go.c; last in the table */

#endif
