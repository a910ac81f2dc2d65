/* SPDX-License-Identifier: Apache-2.0 */
/* misconfig-int.h - what the check files share (private to comply/). */
#ifndef MOAT_COMPLY_MISCONFIG_INT_H
#define MOAT_COMPLY_MISCONFIG_INT_H

#include <stdarg.h>
#include <stdbool.h>

#include "df-shell.h"
#include "dockerfile.h"
#include "misconfig.h"

/* What the Dockerfile checks share while they walk one file. */
struct df_ctx {
	const struct moat_dockerfile *df;
	struct moat_arena *arena;
	struct moat_misconfig_list *out;
	const char *source;    /* NULL for a Dockerfile, "history" for an image */
	bool history;	       /* instruction checks only (image history) */
	unsigned history_line; /* history: the line of every finding (index + 1) */
	bool *final;	       /* per stage: part of the final image */
	int err;	       /* first MOAT_E_LIMIT */
	size_t expanded;       /* bytes of $VAR expansion so far (bounded) */
};

/* One RUN as commands, with the stage state the RUN checks need. */
struct df_run {
	const struct moat_df_instr *in;
	struct df_script sh;
	const char *text;  /* the shell text the commands came from */
	bool pipefail;	   /* the stage's SHELL sets -o pipefail (or is not POSIX) */
	bool pip_no_cache; /* PIP_NO_CACHE_DIR set truthy by ENV */
};

int mc_add(struct moat_arena *arena, struct moat_misconfig_list *out,
	   const struct moat_misconfig *f);
char *mc_vprintf(struct moat_arena *arena, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Report check id at line with a printf message. */
void df_report(struct df_ctx *ctx, const char *id, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* One instruction rebuilt from an image history entry: RUN, ARG, ADD only
 * (the config checks see ENV, EXPOSE, USER). ctx->history must be set. */
void df_check_history_instr(struct df_ctx *ctx, const struct moat_df_instr *in);

/* The RUN checks (df-run.c) for one RUN; stage-wide RUN checks at stage end. */
void df_check_run(struct df_ctx *ctx, struct df_run *run);
void df_check_run_stage(struct df_ctx *ctx, const struct df_run *runs, size_t n);

/* Secret detection shared by ENV/ARG and the image environment (secret-shape.c). */
bool mc_secret_name(const char *name);
/* A value shaped like a known credential: its kind ("AWS access key"), or NULL. */
const char *mc_credential_shape(const char *value);
/* A port word of EXPOSE or ExposedPorts ("22/tcp"): its service when sensitive. */
const char *mc_sensitive_port(unsigned long port);
/* The lowest sensitive port in [lo, hi], or 0. */
unsigned long mc_sensitive_in(unsigned long lo, unsigned long hi);

#endif
