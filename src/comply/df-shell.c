/* SPDX-License-Identifier: Apache-2.0 */
/* df-shell.c - split a RUN line into simple commands (see df-shell.h). */
#include <ctype.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "df-shell.h"
#include "moat/error.h"

struct sh {
	struct moat_arena *arena;
	struct df_script *out;
	size_t cap_cmds;
	const char **words; /* words of the command being built */
	size_t n_words, cap_words;
	struct moat_buf word;
	bool in_word;
	bool skip_next; /* the next word is a redirection target */
	int err;
};

static void end_word(struct sh *s)
{
	const char *w;

	if (!s->in_word)
		return;
	s->in_word = false;
	if (s->skip_next) {
		s->skip_next = false;
		moat_buf_reset(&s->word);
		return;
	}
	w = moat_arena_strndup(s->arena, s->word.data ? (const char *)s->word.data : "",
			       s->word.len);
	moat_buf_reset(&s->word);
	if (s->n_words == s->cap_words) {
		size_t n = s->cap_words ? s->cap_words * 2 : 8;

		s->words = moat_arena_grow(s->arena, s->words, s->n_words, n, sizeof(*s->words));
		s->cap_words = n;
	}
	if (!w || !s->words) {
		s->err = MOAT_E_LIMIT;
		s->n_words = s->cap_words = 0;
		return;
	}
	s->words[s->n_words++] = w;
}

static bool assignment(const char *w)
{
	if (!isalpha((unsigned char)*w) && *w != '_')
		return false;
	while (isalnum((unsigned char)*w) || *w == '_')
		w++;
	return *w == '=';
}

static void end_cmd(struct sh *s, bool piped)
{
	struct df_script *o = s->out;
	struct df_cmd *c;
	size_t n_env = 0;

	end_word(s);
	s->skip_next = false;
	if (!s->n_words || s->err)
		return;
	if (o->n == s->cap_cmds) {
		size_t n = s->cap_cmds ? s->cap_cmds * 2 : 8;

		o->cmds = moat_arena_grow(s->arena, o->cmds, o->n, n, sizeof(*o->cmds));
		s->cap_cmds = n;
		if (!o->cmds) {
			s->err = MOAT_E_LIMIT;
			return;
		}
	}
	while (n_env < s->n_words && assignment(s->words[n_env]))
		n_env++;
	c = &o->cmds[o->n++];
	c->env = s->words;
	c->n_env = n_env;
	c->argv = s->words + n_env;
	c->argc = s->n_words - n_env;
	c->piped = piped;
	o->has_pipe |= piped;
	s->words = NULL;
	s->n_words = s->cap_words = 0;
}

/* Redirection at p (after an optional fd number in the current word). */
static size_t redirect(struct sh *s, const char *p)
{
	size_t n = 1;

	if (s->in_word) {
		bool digits = s->word.len > 0;

		for (size_t i = 0; i < s->word.len; i++)
			digits &= isdigit(s->word.data[i]) != 0;
		if (digits) {
			s->skip_next = true; /* drop the fd number */
			end_word(s);
		} else {
			end_word(s);
		}
	}
	while (p[n] == '>' || p[n] == '<' || p[n] == '&' || p[n] == '|' || p[n] == '-')
		n++;
	/* >&2 and 2>&1 name a descriptor, not a file */
	if (p[n - 1] == '&' && isdigit((unsigned char)p[n])) {
		while (isdigit((unsigned char)p[n]))
			n++;
		return n;
	}
	s->skip_next = true;
	return n;
}

static const char *quoted(struct sh *s, const char *p, char q)
{
	s->in_word = true;
	for (p++; *p && *p != q; p++) {
		if (q == '"' && *p == '\\' && p[1])
			p++;
		moat_buf_putc(&s->word, *p);
	}
	return *p ? p + 1 : p;
}

int df_shell_parse(struct moat_arena *arena, const char *text, struct df_script *out)
{
	struct sh s = {.arena = arena, .out = out};
	const char *p = text;

	memset(out, 0, sizeof(*out));
	moat_buf_init(&s.word, 0);
	while (*p && !s.err) {
		char c = *p;

		if (c == ' ' || c == '\t' || c == '\r') {
			end_word(&s);
			p++;
		} else if (c == '#' && !s.in_word) {
			while (*p && *p != '\n')
				p++;
		} else if (c == '\'' || c == '"') {
			p = quoted(&s, p, c);
		} else if (c == '\\') {
			if (p[1] && p[1] != '\n') {
				s.in_word = true;
				moat_buf_putc(&s.word, p[1]);
			}
			p += p[1] ? 2 : 1;
		} else if (c == '|' && p[1] != '|') {
			end_cmd(&s, true);
			p++;
		} else if (c == '&' && p[1] == '&') {
			end_cmd(&s, false);
			p += 2;
		} else if (c == '|' || c == ';' || c == '&' || c == '\n' || c == '(' || c == ')' ||
			   c == '`' || (c == '$' && p[1] == '(')) {
			end_cmd(&s, false);
			p += (c == '|' || (c == '$' && p[1] == '(')) ? 2 : 1;
		} else if (c == '>' || c == '<') {
			p += redirect(&s, p);
		} else {
			s.in_word = true;
			moat_buf_putc(&s.word, c);
			p++;
		}
	}
	end_cmd(&s, false);
	moat_buf_release(&s.word);
	return s.err;
}

static const char *base_name(const char *w)
{
	const char *slash = strrchr(w, '/');

	return slash ? slash + 1 : w;
}

size_t df_cmd_prog(const struct df_cmd *cmd)
{
	size_t i = 0;

	while (i < cmd->argc) {
		const char *b = base_name(cmd->argv[i]);

		if (strcmp(b, "sudo") != 0 && strcmp(b, "env") != 0 && strcmp(b, "nohup") != 0 &&
		    strcmp(b, "time") != 0 && strcmp(b, "exec") != 0 && strcmp(b, "command") != 0 &&
		    strcmp(b, "doas") != 0)
			return i;
		i++;
		/* the wrapper's own options and env's assignments */
		while (i < cmd->argc && (cmd->argv[i][0] == '-' || assignment(cmd->argv[i]))) {
			if (!strcmp(cmd->argv[i], "-u") || !strcmp(cmd->argv[i], "-g"))
				i++;
			i++;
		}
	}
	return i;
}

bool df_cmd_is(const struct df_cmd *cmd, const char *name)
{
	size_t i = df_cmd_prog(cmd);

	return i < cmd->argc && !strcmp(base_name(cmd->argv[i]), name);
}

bool df_cmd_has(const struct df_cmd *cmd, const char *word)
{
	for (size_t i = df_cmd_prog(cmd) + 1; i < cmd->argc; i++)
		if (!strcmp(cmd->argv[i], word))
			return true;
	return false;
}

bool df_cmd_opt(const struct df_cmd *cmd, const char *opt)
{
	size_t n = strlen(opt);

	for (size_t i = df_cmd_prog(cmd) + 1; i < cmd->argc; i++) {
		const char *w = cmd->argv[i];

		if (!strcmp(w, "--"))
			break;
		if (!strncmp(w, opt, n) && (w[n] == 0 || (opt[1] == '-' && w[n] == '=')))
			return true;
		if (opt[1] != '-' && n == 2 && w[0] == '-' && w[1] != '-' && strchr(w + 1, opt[1]))
			return true;
	}
	return false;
}

const char *df_cmd_sub(const struct df_cmd *cmd, const char *with_value)
{
	for (size_t i = df_cmd_prog(cmd) + 1; i < cmd->argc; i++) {
		const char *w = cmd->argv[i];

		if (w[0] != '-')
			return w;
		if (with_value && w[1] && w[1] != '-' && !w[2] && strchr(with_value, w[1]))
			i++;
	}
	return NULL;
}
