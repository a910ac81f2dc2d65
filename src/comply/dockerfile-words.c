/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile-words.c - one logical Dockerfile line into keyword, flags,
 * words or JSON array, key=value pairs and heredoc names; and the builder's
 * variable substitution. Quoting follows BuildKit's shell lexer: single
 * quotes are literal, the escape character escapes the next byte.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "df-int.h"
#include "moat/error.h"

/* Heredocs one instruction may open; real files use one or two. */
#define DF_MAX_HEREDOCS 16
/* An expanded word is cut here: words feed checks (ports, users, image
 * names), not builds. */
#define DF_MAX_EXPANDED (4u << 10)

char *df_lower(struct moat_arena *arena, const char *s)
{
	char *out = moat_arena_strdup(arena, s);

	for (char *p = out; p && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* One word from *pp (quotes removed) into out; false at the end. */
static bool next_word(const char **pp, char escape, struct moat_buf *out)
{
	const char *p = *pp;
	bool sq = false, dq = false;

	while (*p && blank(*p))
		p++;
	if (!*p)
		return false;
	moat_buf_reset(out);
	for (; *p && (sq || dq || !blank(*p)); p++) {
		if (!sq && *p == escape && p[1]) {
			/* inside double quotes only a quote or the escape is escaped */
			if (dq && p[1] != '"' && p[1] != escape && p[1] != '$')
				moat_buf_putc(out, *p);
			moat_buf_putc(out, *++p);
		} else if (!dq && *p == '\'') {
			sq = !sq;
		} else if (!sq && *p == '"') {
			dq = !dq;
		} else {
			moat_buf_putc(out, *p);
		}
	}
	*pp = p;
	return true;
}

int moat_df_words(struct moat_arena *arena, const char *text, char escape, const char ***ret_argv,
		  size_t *ret_argc)
{
	size_t cap = 1, n = 0;
	const char *p = text, **argv;
	struct moat_buf w;
	int r = 0;

	for (const char *q = text; *q; q++)
		cap += blank(*q);
	argv = moat_arena_newarray(arena, const char *, cap + 1);
	if (!argv)
		return MOAT_E_LIMIT;
	moat_buf_init(&w, 0);
	while (n < cap && next_word(&p, escape, &w)) {
		argv[n] = moat_arena_strndup(arena, w.data ? (const char *)w.data : "", w.len);
		if (!argv[n++]) {
			r = MOAT_E_LIMIT;
			break;
		}
	}
	moat_buf_release(&w);
	if (r == 0) {
		*ret_argv = argv;
		*ret_argc = n;
	}
	return r;
}

const char *moat_df_flag(const struct moat_df_instr *instr, const char *name, bool *ret_present)
{
	for (size_t i = 0; i < instr->n_flags; i++)
		if (!strcmp(instr->flags[i].name, name)) {
			if (ret_present)
				*ret_present = true;
			return instr->flags[i].value;
		}
	if (ret_present)
		*ret_present = false;
	return NULL;
}

static const char *lookup(const struct moat_df_kv *vars, size_t n, const char *name, size_t len)
{
	for (size_t i = n; i-- > 0;)
		if (strlen(vars[i].key) == len && !memcmp(vars[i].key, name, len))
			return vars[i].value ? vars[i].value : "";
	return NULL;
}

static size_t name_len(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* ${NAME[:-+]word} at p ('{' after '$'): append its value, return bytes used. */
static size_t brace(const char *p, const struct moat_df_kv *vars, size_t n, struct moat_buf *out)
{
	size_t len = name_len(p + 1), i = 1 + len, end = i;
	const char *val = lookup(vars, n, p + 1, len);
	bool colon = false;
	char op = 0;

	while (p[end] && p[end] != '}')
		end++;
	if (!p[end]) {
		moat_buf_append(out, "$", 1);
		return 0;
	}
	if (p[i] == ':') {
		colon = true;
		i++;
	}
	if (p[i] == '-' || p[i] == '+')
		op = p[i++];
	bool set = val && (!colon || *val);

	if ((op == '-' && !set) || (op == '+' && set))
		moat_buf_append(out, p + i, end - i);
	else if (op != '+' && val)
		moat_buf_append_str(out, val);
	return end + 1;
}

char *moat_df_expand(struct moat_arena *arena, const char *word, const struct moat_df_kv *vars,
		     size_t n, char escape)
{
	struct moat_buf out;
	char *res;

	moat_buf_init(&out, DF_MAX_EXPANDED);
	for (const char *p = word; *p;) {
		if (*p == escape && p[1] == '$') {
			moat_buf_putc(&out, '$');
			p += 2;
		} else if (*p == '$' && p[1] == '{') {
			size_t used = brace(p + 1, vars, n, &out);

			p += used ? used + 1 : 1;
		} else if (*p == '$' && name_len(p + 1)) {
			size_t len = name_len(p + 1);
			const char *val = lookup(vars, n, p + 1, len);

			if (val)
				moat_buf_append_str(&out, val);
			p += 1 + len;
		} else {
			moat_buf_putc(&out, *p++);
		}
	}
	res = moat_arena_strndup(arena, out.data ? (const char *)out.data : "", out.len);
	moat_buf_release(&out);
	return res;
}

static bool takes_flags(const char *kw)
{
	return !strcmp(kw, "FROM") || !strcmp(kw, "RUN") || !strcmp(kw, "COPY") ||
	       !strcmp(kw, "ADD") || !strcmp(kw, "HEALTHCHECK");
}

static bool json_capable(const char *kw)
{
	static const char *const kws[] = {"RUN",  "CMD", "ENTRYPOINT", "SHELL",
					  "COPY", "ADD", "VOLUME"};

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (!strcmp(kw, kws[i]))
			return true;
	return false;
}

/* The first word of *pp as an upper-case keyword. */
static char *keyword(struct moat_arena *arena, const char **pp)
{
	const char *p = *pp, *s;
	char *kw;

	while (blank(*p))
		p++;
	s = p;
	while (*p && !blank(*p))
		p++;
	kw = moat_arena_strndup(arena, s, (size_t)(p - s));
	for (char *c = kw; c && *c; c++)
		*c = (char)toupper((unsigned char)*c);
	while (blank(*p))
		p++;
	*pp = p;
	return kw;
}

static int flags(struct moat_arena *arena, struct moat_df_instr *in, const char **pp, char escape)
{
	struct moat_buf w;
	int r = 0;

	moat_buf_init(&w, 0);
	while (r == 0 && (*pp)[0] == '-' && (*pp)[1] == '-' && (*pp)[2] && !blank((*pp)[2])) {
		const char *eq;
		struct moat_df_flag *f;

		next_word(pp, escape, &w);
		if (w.len < 3 || memcmp(w.data, "--", 2) != 0)
			break;
		in->flags = moat_arena_grow(arena, in->flags, in->n_flags, in->n_flags + 1,
					    sizeof(*in->flags));
		if (!in->flags) {
			r = MOAT_E_LIMIT;
			break;
		}
		f = &in->flags[in->n_flags++];
		eq = memchr(w.data + 2, '=', w.len - 2);
		f->name = moat_arena_strndup(arena, (const char *)w.data + 2,
					     eq ? (size_t)(eq - (const char *)w.data) - 2
						: w.len - 2);
		f->value = eq ? moat_arena_strndup(arena, eq + 1,
						   w.len - (size_t)(eq + 1 - (const char *)w.data))
			      : NULL;
		if (!f->name || (eq && !f->value))
			r = MOAT_E_LIMIT;
		while (blank(**pp))
			(*pp)++;
	}
	moat_buf_release(&w);
	return r;
}

/* ["a", "b"]: every element a string, else not JSON form. */
static bool json_form(struct moat_arena *arena, struct moat_df_instr *in, int *r)
{
	json_error_t jerr;
	json_t *arr;
	bool ok;

	if (in->args[0] != '[')
		return false;
	arr = json_loads(in->args, JSON_REJECT_DUPLICATES, &jerr);
	ok = json_is_array(arr);
	for (size_t i = 0; ok && i < json_array_size(arr); i++)
		ok = json_is_string(json_array_get(arr, i));
	if (ok) {
		in->argc = json_array_size(arr);
		in->argv = moat_arena_newarray(arena, const char *, in->argc + 1);
		for (size_t i = 0; in->argv && i < in->argc; i++) {
			json_t *s = json_array_get(arr, i);

			in->argv[i] = moat_arena_strndup(arena, json_string_value(s),
							 json_string_length(s));
			if (!in->argv[i])
				*r = MOAT_E_LIMIT;
		}
		if (!in->argv)
			*r = MOAT_E_LIMIT;
	}
	json_decref(arr);
	return ok;
}

/* ENV/LABEL/ARG pairs; `ENV key value` is the legacy one-pair form. */
static int pairs(struct moat_arena *arena, struct moat_df_instr *in)
{
	bool legacy = strcmp(in->keyword, "ARG") != 0 && in->argc && !strchr(in->argv[0], '=');

	in->kv = moat_arena_newarray(arena, struct moat_df_kv, in->argc + 1);
	if (!in->kv)
		return MOAT_E_LIMIT;
	if (legacy) {
		const char *v = in->args + strcspn(in->args, " \t");

		while (blank(*v))
			v++;
		in->kv[0] = (struct moat_df_kv){in->argv[0], v};
		in->n_kv = 1;
		return 0;
	}
	for (size_t i = 0; i < in->argc; i++) {
		const char *eq = strchr(in->argv[i], '=');

		in->kv[i].key =
			eq ? moat_arena_strndup(arena, in->argv[i], (size_t)(eq - in->argv[i]))
			   : in->argv[i];
		in->kv[i].value = eq ? eq + 1 : NULL;
		if (!in->kv[i].key)
			return MOAT_E_LIMIT;
	}
	in->n_kv = in->argc;
	return 0;
}

/* `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF` at the start of an unquoted word. */
static int heredoc_names(struct moat_arena *arena, struct moat_df_instr *in, char escape)
{
	bool sq = false, dq = false;

	for (const char *p = in->args; *p; p++) {
		if (!sq && *p == escape && p[1]) {
			p++;
			continue;
		}
		if (!dq && *p == '\'')
			sq = !sq;
		else if (!sq && *p == '"')
			dq = !dq;
		if (sq || dq || p[0] != '<' || p[1] != '<' || p[2] == '<')
			continue;
		const char *w = p;

		while (w > in->args && isdigit((unsigned char)w[-1]))
			w--;
		if (w > in->args && !blank(w[-1]))
			continue;
		struct moat_df_heredoc hd = {0};
		const char *q = p + 2;
		char quote = 0;

		if (*q == '-') {
			hd.strip_tabs = true;
			q++;
		}
		if (*q == '"' || *q == '\'')
			quote = *q++;
		size_t len = 0;

		while (q[len] && (isalnum((unsigned char)q[len]) || strchr("_.-", q[len])))
			len++;
		if (!len || (quote && q[len] != quote))
			continue;
		if (in->n_heredocs >= DF_MAX_HEREDOCS)
			return MOAT_E_LIMIT;
		hd.quoted = quote != 0;
		hd.name = moat_arena_strndup(arena, q, len);
		in->heredocs = moat_arena_grow(arena, in->heredocs, in->n_heredocs,
					       in->n_heredocs + 1, sizeof(*in->heredocs));
		if (!hd.name || !in->heredocs)
			return MOAT_E_LIMIT;
		in->heredocs[in->n_heredocs++] = hd;
		p = q + len - 1 + (quote != 0);
	}
	return 0;
}

int df_split_instr(struct moat_arena *arena, const struct moat_dockerfile *df,
		   struct moat_df_instr *in, const char *line, size_t len, struct moat_error *err)
{
	const char *p = line;
	int r = 0;

	in->original = moat_arena_strndup(arena, line, len);
	in->keyword = keyword(arena, &p);
	if (in->keyword && !strcmp(in->keyword, "ONBUILD") && *p) {
		in->onbuild = true;
		in->keyword = keyword(arena, &p);
	}
	if (!in->original || !in->keyword)
		return moat_error_set(err, MOAT_E_LIMIT, "%s:%u: out of memory", df->path,
				      in->line);
	if (takes_flags(in->keyword))
		r = flags(arena, in, &p, df->escape);
	char *args = r ? NULL : moat_arena_strdup(arena, p);

	if (!args)
		return moat_error_set(err, MOAT_E_LIMIT, "%s:%u: out of memory", df->path,
				      in->line);
	/* trailing blanks are not part of the arguments */
	for (char *e = args + strlen(args); e > args && blank(e[-1]); e--)
		e[-1] = 0;
	in->args = args;
	in->json = json_capable(in->keyword) && json_form(arena, in, &r);
	if (r == 0 && !in->json)
		r = moat_df_words(arena, in->args, df->escape, &in->argv, &in->argc);
	if (r == 0 && (!strcmp(in->keyword, "ENV") || !strcmp(in->keyword, "LABEL") ||
		       !strcmp(in->keyword, "ARG")))
		r = pairs(arena, in);
	if (r == 0 && !in->json &&
	    (!strcmp(in->keyword, "RUN") || !strcmp(in->keyword, "COPY") ||
	     !strcmp(in->keyword, "ADD")))
		r = heredoc_names(arena, in, df->escape);
	if (r < 0)
		return moat_error_set(err, r, "%s:%u: %s", df->path, in->line,
				      r == MOAT_E_LIMIT && in->n_heredocs >= DF_MAX_HEREDOCS
					      ? "too many heredocs"
					      : "out of memory");
	return 0;
}
