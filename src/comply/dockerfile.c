/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile.c - Dockerfile parser: lines, directives, continuations,
 * heredocs, instructions and stages, as BuildKit's parser reads them
 * (moby/buildkit frontend/dockerfile/parser/parser.go). Words, flags,
 * JSON form and variables are in dockerfile-words.c.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "df-int.h"
#include "moat/error.h"
#include "moat/limits.h"

struct df_line {
	const uint8_t *p;
	size_t len;
};

struct df_parse {
	struct moat_arena *arena;
	struct moat_dockerfile *df;
	struct moat_error *err;
	struct df_line *lines;
	size_t n_lines;
	size_t pos; /* next line to read */
	size_t cap_instrs;
	uint32_t max_instrs;
};

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static struct df_line ltrim(struct df_line l)
{
	while (l.len && is_blank(l.p[0])) {
		l.p++;
		l.len--;
	}
	return l;
}

static struct df_line rtrim(struct df_line l)
{
	while (l.len && is_blank(l.p[l.len - 1]))
		l.len--;
	return l;
}

static bool is_comment(struct df_line l)
{
	l = ltrim(l);
	return l.len && l.p[0] == '#';
}

static bool is_empty(struct df_line l)
{
	return ltrim(l).len == 0;
}

static int fail(struct df_parse *ps, int code, size_t line_idx, const char *what)
{
	return moat_error_set(ps->err, code, "%s:%zu: %s", ps->df->path, line_idx + 1, what);
}

/* Split text into lines (bounded), rejecting NUL bytes. */
static int split_lines(struct df_parse *ps, struct moat_slice text, uint32_t max_lines)
{
	size_t n = 1;

	for (size_t i = 0; i < text.len; i++) {
		if (text.ptr[i] == 0) {
			size_t line = 0;

			for (size_t j = 0; j < i; j++)
				line += text.ptr[j] == '\n';
			return fail(ps, MOAT_E_FORMAT, line, "NUL byte: not a text file");
		}
		n += text.ptr[i] == '\n';
	}
	if (n > max_lines)
		return moat_error_set(ps->err, MOAT_E_LIMIT, "%s: more than %u lines", ps->df->path,
				      max_lines);
	ps->lines = moat_arena_newarray(ps->arena, struct df_line, n);
	if (!ps->lines)
		return moat_error_set(ps->err, MOAT_E_LIMIT, "%s: out of memory", ps->df->path);
	struct moat_slice in = text, l;

	while (moat_slice_line(&in, &l))
		ps->lines[ps->n_lines++] = (struct df_line){l.ptr, l.len};
	return 0;
}

/* `# key=value` at the top of the file, before anything else. */
static bool directive(struct df_line l, struct df_line *key, struct df_line *val)
{
	l = ltrim(rtrim(l));
	if (!l.len || l.p[0] != '#')
		return false;
	l.p++, l.len--;
	l = ltrim(l);
	size_t k = 0;

	while (k < l.len && (isalnum(l.p[k]) || l.p[k] == '_' || l.p[k] == '-'))
		k++;
	if (!k)
		return false;
	*key = (struct df_line){l.p, k};
	struct df_line rest = ltrim((struct df_line){l.p + k, l.len - k});

	if (!rest.len || rest.p[0] != '=')
		return false;
	*val = ltrim(rtrim((struct df_line){rest.p + 1, rest.len - 1}));
	return true;
}

static bool lin_eq_ci(struct df_line l, const char *s)
{
	return l.len == strlen(s) && !strncasecmp((const char *)l.p, s, l.len);
}

static int directives(struct df_parse *ps)
{
	bool seen_escape = false, seen_syntax = false;
	struct df_line key, val;

	ps->df->escape = '\\';
	while (ps->pos < ps->n_lines && directive(ps->lines[ps->pos], &key, &val)) {
		if (lin_eq_ci(key, "escape")) {
			if (seen_escape)
				return fail(ps, MOAT_E_FORMAT, ps->pos,
					    "only one escape parser directive can be used");
			if (val.len != 1 || (val.p[0] != '\\' && val.p[0] != '`'))
				return fail(ps, MOAT_E_FORMAT, ps->pos,
					    "invalid escape token: not ` or \\");
			ps->df->escape = (char)val.p[0];
			seen_escape = true;
		} else if (lin_eq_ci(key, "syntax")) {
			if (seen_syntax)
				return fail(ps, MOAT_E_FORMAT, ps->pos,
					    "only one syntax parser directive can be used");
			ps->df->syntax =
				moat_arena_strndup(ps->arena, (const char *)val.p, val.len);
			seen_syntax = true;
		}
		ps->pos++;
	}
	return 0;
}

/* A line ending in the escape char (trailing blanks allowed): strip it. */
static bool continues(struct df_line *l, char escape)
{
	struct df_line t = rtrim(*l);

	if (!t.len || t.p[t.len - 1] != (uint8_t)escape)
		return false;
	l->len = t.len - 1;
	return true;
}

/* The logical line from ps->pos: continuations joined with comments and
 * empty lines inside them dropped, as BuildKit does. */
static int logical_line(struct df_parse *ps, struct moat_buf *out, size_t *ret_last)
{
	struct df_line l = ltrim(ps->lines[ps->pos]);
	bool more = continues(&l, ps->df->escape);

	moat_buf_reset(out);
	if (moat_buf_append(out, l.p, l.len) < 0)
		return fail(ps, MOAT_E_LIMIT, ps->pos, "line too long");
	*ret_last = ps->pos++;
	while (more && ps->pos < ps->n_lines) {
		l = ps->lines[ps->pos];
		if (is_comment(l) || is_empty(l)) {
			ps->pos++;
			continue;
		}
		more = continues(&l, ps->df->escape);
		if (moat_buf_append(out, l.p, l.len) < 0)
			return fail(ps, MOAT_E_LIMIT, ps->pos, "line too long");
		*ret_last = ps->pos++;
	}
	if (moat_buf_putc(out, 0) < 0)
		return fail(ps, MOAT_E_LIMIT, ps->pos - 1, "line too long");
	out->len--;
	return 0;
}

/* Read the bodies of instr's heredocs from the lines after it. */
static int heredoc_bodies(struct df_parse *ps, struct moat_df_instr *in)
{
	struct moat_buf body;
	int r = 0;

	moat_buf_init(&body, 0);
	for (size_t h = 0; h < in->n_heredocs && r == 0; h++) {
		struct moat_df_heredoc *hd = &in->heredocs[h];
		size_t name_len = strlen(hd->name);
		bool done = false;

		moat_buf_reset(&body);
		while (!done && ps->pos < ps->n_lines) {
			struct df_line l = ps->lines[ps->pos];

			if (hd->strip_tabs)
				while (l.len && l.p[0] == '\t')
					l.p++, l.len--;
			in->end_line = (unsigned)++ps->pos;
			if (l.len == name_len && !memcmp(l.p, hd->name, name_len)) {
				done = true;
				break;
			}
			if (moat_buf_append(&body, l.p, l.len) < 0 ||
			    moat_buf_putc(&body, '\n') < 0)
				r = fail(ps, MOAT_E_LIMIT, ps->pos - 1, "heredoc too long");
		}
		if (r == 0 && !done)
			r = moat_error_set(ps->err, MOAT_E_FORMAT,
					   "%s:%u: unterminated heredoc <<%s", ps->df->path,
					   in->line, hd->name);
		if (r == 0) {
			hd->body = moat_arena_strndup(
				ps->arena, body.data ? (const char *)body.data : "", body.len);
			if (!hd->body)
				r = fail(ps, MOAT_E_LIMIT, ps->pos, "out of memory");
		}
	}
	moat_buf_release(&body);
	return r;
}

static struct moat_df_instr *new_instr(struct df_parse *ps)
{
	struct moat_dockerfile *df = ps->df;

	if (df->n_instrs == ps->cap_instrs) {
		size_t n = ps->cap_instrs ? ps->cap_instrs * 2 : 32;

		df->instrs = moat_arena_grow(ps->arena, df->instrs, df->n_instrs, n,
					     sizeof(*df->instrs));
		if (!df->instrs)
			return NULL;
		ps->cap_instrs = n;
	}
	struct moat_df_instr *in = &df->instrs[df->n_instrs++];

	memset(in, 0, sizeof(*in));
	return in;
}

/* FROM [--platform=P] IMAGE [AS NAME]: open a new stage. */
static int add_stage(struct df_parse *ps, struct moat_df_instr *in)
{
	struct moat_dockerfile *df = ps->df;
	struct moat_df_stage *st;

	if (!in->argc)
		return moat_error_set(ps->err, MOAT_E_FORMAT, "%s:%u: FROM requires an image",
				      df->path, in->line);
	if (df->n_stages >= ps->max_instrs)
		return fail(ps, MOAT_E_LIMIT, in->line - 1, "too many stages");
	df->stages = moat_arena_grow(ps->arena, df->stages, df->n_stages, df->n_stages + 1,
				     sizeof(*df->stages));
	if (!df->stages)
		return fail(ps, MOAT_E_LIMIT, in->line - 1, "out of memory");
	st = &df->stages[df->n_stages];
	memset(st, 0, sizeof(*st));
	st->image = in->argv[0];
	st->image_expanded = moat_df_expand(ps->arena, st->image, df->global_args,
					    df->n_global_args, df->escape);
	if (in->argc >= 3 && !strcasecmp(in->argv[1], "as"))
		st->name = df_lower(ps->arena, in->argv[2]);
	st->platform = moat_df_flag(in, "platform", NULL);
	st->parent = -1;
	for (size_t i = 0; st->image_expanded && i < df->n_stages; i++)
		if (df->stages[i].name && !strcasecmp(df->stages[i].name, st->image_expanded))
			st->parent = (int)i;
	st->line = in->line;
	st->first = df->n_instrs - 1;
	if (!st->image_expanded || (in->argc >= 3 && !st->name))
		return fail(ps, MOAT_E_LIMIT, in->line - 1, "out of memory");
	df->n_stages++;
	return 0;
}

static int global_arg(struct df_parse *ps, const struct moat_df_instr *in)
{
	struct moat_dockerfile *df = ps->df;
	size_t n = df->n_global_args + in->n_kv;

	df->global_args = moat_arena_grow(ps->arena, df->global_args, df->n_global_args, n,
					  sizeof(*df->global_args));
	if (!df->global_args)
		return fail(ps, MOAT_E_LIMIT, in->line - 1, "out of memory");
	memcpy(df->global_args + df->n_global_args, in->kv, in->n_kv * sizeof(*in->kv));
	df->n_global_args = n;
	return 0;
}

/* Comment lines right above line `first` that say `# moat ignore=A,B` or
 * `# hadolint ignore=DL3008`: their lists joined with commas, or NULL. */
static const char *ignore_pragmas(struct df_parse *ps, size_t first)
{
	static const char *const tools[] = {"moat", "hadolint"};
	const char *list = NULL;

	for (size_t i = first, seen = 0; i-- > 0 && seen < 16 && is_comment(ps->lines[i]); seen++) {
		struct df_line l = ltrim(rtrim(ps->lines[i]));

		l.p++, l.len--;
		l = ltrim(l);
		for (size_t t = 0; t < 2; t++) {
			size_t n = strlen(tools[t]);

			if (l.len <= n || memcmp(l.p, tools[t], n) != 0 || !is_blank(l.p[n]))
				continue;
			struct df_line rest = ltrim((struct df_line){l.p + n, l.len - n});

			if (rest.len <= 7 || memcmp(rest.p, "ignore=", 7) != 0)
				continue;
			list = list ? moat_arena_printf(ps->arena, "%s,%.*s", list,
							(int)(rest.len - 7),
							(const char *)rest.p + 7)
				    : moat_arena_strndup(ps->arena, (const char *)rest.p + 7,
							 rest.len - 7);
		}
	}
	return list;
}

static int instruction(struct df_parse *ps, struct moat_buf *line)
{
	size_t first = ps->pos, last = first;   /* logical_line sets it; -O2 cannot tell */
	struct moat_df_instr *in;
	int r = logical_line(ps, line, &last);

	if (r < 0)
		return r;
	if (ps->df->n_instrs >= ps->max_instrs)
		return moat_error_set(ps->err, MOAT_E_LIMIT, "%s:%zu: more than %u instructions",
				      ps->df->path, first + 1, ps->max_instrs);
	in = new_instr(ps);
	if (!in)
		return fail(ps, MOAT_E_LIMIT, first, "out of memory");
	in->line = (unsigned)first + 1;
	in->end_line = (unsigned)last + 1;
	in->ignore = ignore_pragmas(ps, first);
	in->stage = (int)ps->df->n_stages - 1;
	r = df_split_instr(ps->arena, ps->df, in, (const char *)line->data, line->len, ps->err);
	if (r == 0 && in->n_heredocs)
		r = heredoc_bodies(ps, in);
	if (r == 0 && !in->onbuild && !strcmp(in->keyword, "FROM")) {
		r = add_stage(ps, in);
		in->stage = (int)ps->df->n_stages - 1;
	}
	if (r == 0 && !in->onbuild && !strcmp(in->keyword, "ARG") && !ps->df->n_stages)
		r = global_arg(ps, in);
	if (r == 0 && in->stage >= 0)
		ps->df->stages[in->stage].count++;
	return r;
}

int moat_dockerfile_parse(struct moat_arena *arena, const char *path, struct moat_slice text,
			  const struct moat_df_limits *limits, struct moat_dockerfile **ret_df,
			  struct moat_error *err)
{
	struct moat_df_limits lim = limits ? *limits : (struct moat_df_limits){0};
	struct df_parse ps = {.arena = arena, .err = err};
	struct moat_buf line;
	int r;

	lim.bytes = lim.bytes ? lim.bytes : MOAT_LIMIT_DOCKERFILE_BYTES;
	lim.lines = lim.lines ? lim.lines : MOAT_LIMIT_DOCKERFILE_LINES;
	ps.max_instrs = lim.instructions ? lim.instructions : MOAT_LIMIT_DOCKERFILE_INSTRS;
	ps.df = moat_arena_new0(arena, struct moat_dockerfile);
	if (!ps.df)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: out of memory", path);
	ps.df->path = moat_arena_strdup(arena, path);
	if (!ps.df->path)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: out of memory", path);
	if (text.len > lim.bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: larger than %llu bytes", path,
				      (unsigned long long)lim.bytes);
	r = split_lines(&ps, text, lim.lines);
	r = r ? r : directives(&ps);
	moat_buf_init(&line, (size_t)lim.bytes + 1);
	while (r == 0 && ps.pos < ps.n_lines) {
		struct df_line l = ps.lines[ps.pos];

		if (is_comment(l) || is_empty(l)) {
			ps.pos++;
			continue;
		}
		r = instruction(&ps, &line);
	}
	moat_buf_release(&line);
	if (r < 0)
		return r;
	*ret_df = ps.df;
	return 0;
}
