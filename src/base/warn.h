/* SPDX-License-Identifier: Apache-2.0 */
/*
 * warn.h - what a scan skipped or could not read, for the report.
 *
 * A limit that skips or truncates content must never do so in silence: the
 * skipped file could hold the vulnerable package. Each such event becomes one
 * warning with a stable machine code ("lang-file-too-large"), the layer and
 * path it concerns, and a sentence for people. Reports list them; `moat scan
 * --strict` fails on any.
 */
#ifndef MOAT_WARN_H
#define MOAT_WARN_H

#include <stddef.h>

struct moat_arena;

/* Warnings beyond this many are counted, not kept: a hostile image could
 * carry a million broken package.json files. */
#define MOAT_WARNINGS_MAX 1000u

struct moat_warning {
	const char *code;       /* static, stable: "lang-file-too-large" */
	int layer;              /* layer index (or a stream sequence until resolved), -1 none */
	const char *layer_id;   /* the layer's diff_id, NULL when unknown */
	const char *path;       /* file inside the image, no leading '/'; may be NULL */
	const char *message;    /* never NULL */
};

/* A list in an arena; zero-initialise, then set arena. */
struct moat_warnings {
	struct moat_arena *arena;
	struct moat_warning *items;
	size_t count;
	size_t cap;
	size_t dropped;         /* not kept: over MOAT_WARNINGS_MAX or out of memory */
};

/* Add one warning (code static, path copied, message formatted). Never
 * fails: a warning that cannot be kept is counted in dropped. */
void moat_warnings_add(struct moat_warnings *w, const char *code, int layer, const char *path,
		       size_t path_len, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Append src's warnings to dst (strings shared: src's arena must outlive dst's use). */
void moat_warnings_append(struct moat_warnings *dst, const struct moat_warnings *src);
/* Total seen, kept or not. */
static inline size_t moat_warnings_total(const struct moat_warnings *w)
{
	return w ? w->count + w->dropped : 0;
}

#endif
