/* SPDX-License-Identifier: Apache-2.0 */
/* df-int.h - what the Dockerfile parser's files share (private to comply/). */
#ifndef MOAT_COMPLY_DF_INT_H
#define MOAT_COMPLY_DF_INT_H

#include <stddef.h>

#include "dockerfile.h"

/* Fill in's keyword, onbuild, flags, args, argv/json, kv and heredoc names
 * from the logical line (len bytes, NUL-terminated). */
int df_split_instr(struct moat_arena *arena, const struct moat_dockerfile *df,
		   struct moat_df_instr *in, const char *line, size_t len, struct moat_error *err);
/* ASCII lower-case copy in arena, or NULL. */
char *df_lower(struct moat_arena *arena, const char *s);

#endif
