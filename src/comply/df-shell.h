/* SPDX-License-Identifier: Apache-2.0 */
/*
 * df-shell.h - a RUN line as simple commands, enough for lint checks.
 *
 * Not a shell: it splits on the control operators (&& || ; | & newline,
 * subshells and command substitutions), removes quotes, drops redirections
 * and their targets and comments, and moves leading NAME=value assignments
 * aside. Private to comply/.
 */
#ifndef MOAT_COMPLY_DF_SHELL_H
#define MOAT_COMPLY_DF_SHELL_H

#include <stdbool.h>
#include <stddef.h>

struct moat_arena;

struct df_cmd {
	const char **argv; /* words, quotes removed */
	size_t argc;
	const char **env; /* leading NAME=value words */
	size_t n_env;
	bool piped; /* its output goes into the next command (`|`) */
};

struct df_script {
	struct df_cmd *cmds;
	size_t n;
	bool has_pipe;
};

/* Split text. 0 or MOAT_E_LIMIT when the arena is full. */
int df_shell_parse(struct moat_arena *arena, const char *text, struct df_script *out);

/* Index of the program word of cmd, past sudo/env/nohup/time/exec/command
 * wrappers and their options; argc when there is none. */
size_t df_cmd_prog(const struct df_cmd *cmd);
/* True when the program of cmd (its base name) is name. */
bool df_cmd_is(const struct df_cmd *cmd, const char *name);
/* True when a word after the program equals word. */
bool df_cmd_has(const struct df_cmd *cmd, const char *word);
/* True when cmd has option opt: "--x" matches "--x" and "--x=v"; "-x" also
 * matches a bundle of short options containing x ("-xyz"). */
bool df_cmd_opt(const struct df_cmd *cmd, const char *opt);
/* The first non-option word after the program (a subcommand), or NULL.
 * with_value lists the short options whose value is the next word ("otc"
 * for apt-get's -o -t -c); may be NULL. */
const char *df_cmd_sub(const struct df_cmd *cmd, const char *with_value);

#endif
