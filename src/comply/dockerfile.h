/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile.h - a Dockerfile parsed as BuildKit reads it, for the checks.
 *
 * The parser follows BuildKit's frontend/dockerfile/parser: parser directives
 * (`# escape=`, `# syntax=`) at the top, line continuations with the escape
 * character (comment and empty lines inside a continuation are dropped),
 * heredocs on RUN/COPY/ADD (`<<EOF`, `<<-EOF`, `<<"EOF"`), `--flag=value`
 * flags, JSON (exec) and shell forms, ONBUILD, and stages (`FROM x AS name`).
 * ARGs declared before the first FROM are expanded in FROM lines as the
 * builder does. Everything lives in the caller's arena; the input is bounded
 * by struct moat_df_limits, and a bad input is MOAT_E_FORMAT or MOAT_E_LIMIT
 * with a message naming the file and line.
 */
#ifndef MOAT_COMPLY_DOCKERFILE_H
#define MOAT_COMPLY_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

struct moat_arena;
struct moat_error;

struct moat_df_flag {
	const char *name;  /* without the dashes: "from", "mount", "platform" */
	const char *value; /* NULL for a bare --flag */
};

struct moat_df_kv {
	const char *key;
	const char *value; /* quotes removed; NULL for `ARG NAME` without default */
};

struct moat_df_heredoc {
	const char *name; /* the delimiter word */
	const char *body; /* lines between the instruction and the delimiter */
	bool strip_tabs;  /* <<- */
	bool quoted;	  /* <<"EOF": no expansion in the body */
};

struct moat_df_instr {
	const char *keyword;  /* upper case: "FROM", "RUN", ...; for ONBUILD X it is X */
	const char *original; /* the logical line as written, continuations joined */
	const char *args;     /* after the keyword and the flags */
	bool json;	      /* exec form: argv holds the JSON array */
	bool onbuild;	      /* written as ONBUILD keyword ... */
	const char **argv;    /* JSON form: the array; else the words of args, quotes removed */
	size_t argc;
	struct moat_df_flag *flags;
	size_t n_flags;
	struct moat_df_kv *kv; /* ENV, ARG, LABEL: the pairs */
	size_t n_kv;
	struct moat_df_heredoc *heredocs;
	size_t n_heredocs;
	/* ids from `# moat ignore=ID,...` or `# hadolint ignore=DLxxxx,...` in
	 * the comment lines right above; NULL when none */
	const char *ignore;
	unsigned line;	   /* first line (1-based) */
	unsigned end_line; /* last line, heredoc bodies included */
	int stage;	   /* index into stages; -1 before the first FROM */
};

struct moat_df_stage {
	const char *image;	    /* as written in FROM */
	const char *image_expanded; /* global ARG defaults substituted */
	const char *name;	    /* AS name (lower case) or NULL */
	const char *platform;	    /* --platform value or NULL */
	int parent;		    /* index of the stage it builds on, or -1 */
	unsigned line;
	size_t first; /* index of its FROM in instrs */
	size_t count; /* instructions, FROM included */
};

struct moat_dockerfile {
	const char *path;   /* name given by the caller */
	char escape;	    /* '\\' or '`' */
	const char *syntax; /* `# syntax=` value or NULL */
	struct moat_df_instr *instrs;
	size_t n_instrs;
	struct moat_df_stage *stages;
	size_t n_stages;
	struct moat_df_kv *global_args; /* ARGs before the first FROM */
	size_t n_global_args;
};

struct moat_df_limits {
	uint64_t bytes;	       /* 0 = MOAT_LIMIT_DOCKERFILE_BYTES */
	uint32_t lines;	       /* 0 = MOAT_LIMIT_DOCKERFILE_LINES */
	uint32_t instructions; /* 0 = MOAT_LIMIT_DOCKERFILE_INSTRS */
};

/* Parse text (which may hold NULs: they are a format error) named path in
 * messages. On success *ret_df lives in arena. On failure nothing is returned
 * and err says "PATH:LINE: what". */
int moat_dockerfile_parse(struct moat_arena *arena, const char *path, struct moat_slice text,
			  const struct moat_df_limits *limits, struct moat_dockerfile **ret_df,
			  struct moat_error *err);

/* The value of flag name on instr (e.g. "from"), or NULL; *ret_present (may be
 * NULL) says whether the flag was given at all (a bare --flag has no value). */
const char *moat_df_flag(const struct moat_df_instr *instr, const char *name, bool *ret_present);

/* Substitute $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt} in
 * word from vars (n pairs, the last definition wins; unset variables expand
 * to ""). Escaped dollars (escape + '$') stay literal. The result is cut at
 * 4 KiB. NULL on arena exhaustion. */
char *moat_df_expand(struct moat_arena *arena, const char *word, const struct moat_df_kv *vars,
		     size_t n, char escape);

/* Split a shell-form argument string into words: quotes removed, escape
 * char honoured, whitespace separates. Bounded by the input length. */
int moat_df_words(struct moat_arena *arena, const char *text, char escape, const char ***ret_argv,
		  size_t *ret_argc);

#endif
