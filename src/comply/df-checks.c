/* SPDX-License-Identifier: Apache-2.0 */
/*
 * df-checks.c - the Dockerfile checks that look at instructions and stages
 * (FROM, USER, CMD/ENTRYPOINT/HEALTHCHECK, EXPOSE, WORKDIR, COPY/ADD,
 * ENV/ARG). RUN commands are checked in df-run.c. Instructions before the
 * first FROM form a group of their own, so a fragment without FROM is still
 * checked the way hadolint checks it.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "misconfig-int.h"
#include "moat/error.h"

/* State of one stage (or of the instructions before the first FROM). */
struct df_group {
	int stage; /* -1 before the first FROM */
	const struct moat_df_instr *last_user;
	bool workdir; /* WORKDIR set here or in the parent stage */
	bool pipefail;
	bool pip_no_cache;
	unsigned n_cmd, n_entrypoint, n_healthcheck;
	struct moat_df_kv *vars; /* ARG/ENV seen so far, for $VAR in EXPOSE/WORKDIR */
	size_t n_vars, cap_vars;
	struct df_run *runs;
	size_t n_runs, cap_runs;
};

/* The instruction starting at line (instructions are in line order). */
static const struct moat_df_instr *instr_at(const struct moat_dockerfile *df, unsigned line)
{
	size_t lo = 0, hi = df->n_instrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (df->instrs[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < df->n_instrs && df->instrs[lo].line == line ? &df->instrs[lo] : NULL;
}

void df_report(struct df_ctx *ctx, const char *id, unsigned line, const char *fmt, ...)
{
	struct moat_misconfig f = {.check = moat_check_find(id),
				   .line = ctx->history ? ctx->history_line : line,
				   .file = ctx->history ? NULL : ctx->df->path,
				   .source = ctx->source,
				   .layer_index = -1};
	const struct moat_df_instr *in = ctx->history ? NULL : instr_at(ctx->df, line);
	va_list ap;

	if (ctx->err || !f.check || (in && moat_check_listed(f.check, in->ignore)))
		return;
	va_start(ap, fmt);
	f.message = mc_vprintf(ctx->arena, fmt, ap);
	va_end(ap);
	if (!f.message || mc_add(ctx->arena, ctx->out, &f) < 0)
		ctx->err = MOAT_E_LIMIT;
}

static const char *base_name(const char *w)
{
	const char *s = strrchr(w, '/');

	return s ? s + 1 : w;
}

/* /abs, $VAR, C:\ or C:/ */
static bool absolute(const char *p)
{
	return p[0] == '/' || p[0] == '\\' || p[0] == '$' ||
	       (isalpha((unsigned char)p[0]) && p[1] == ':');
}

static void check_from(struct df_ctx *ctx, const struct moat_df_instr *in, int stage)
{
	const struct moat_df_stage *st = &ctx->df->stages[stage];
	const char *img = st->image_expanded, *slash, *colon, *platform = st->platform;

	for (int i = 0; i < stage; i++)
		if (st->name && ctx->df->stages[i].name &&
		    !strcmp(st->name, ctx->df->stages[i].name))
			df_report(ctx, "MOAT-DF-004", in->line,
				  "stage name '%s' is already used on line %u", st->name,
				  ctx->df->stages[i].line);
	if (st->name && (!strcmp(st->name, "scratch") || !strcmp(st->name, "context")))
		df_report(ctx, "MOAT-DF-005", in->line, "stage named '%s'", st->name);
	if (platform && !strchr(platform, '$'))
		df_report(ctx, "MOAT-DF-003", in->line, "FROM --platform=%s", platform);
	if (st->parent >= 0 || !strcasecmp(img, "scratch") || !*img || strchr(img, '$'))
		return;
	if (strchr(img, '@'))
		return;
	slash = strrchr(img, '/');
	colon = strrchr(slash ? slash : img, ':');
	if (!colon)
		df_report(ctx, "MOAT-DF-001", in->line,
			  "FROM %s has no tag or digest (means :latest)", img);
	else if (!strcmp(colon + 1, "latest"))
		df_report(ctx, "MOAT-DF-002", in->line, "FROM %s", img);
}

static bool is_root(const char *user)
{
	size_t n = strcspn(user, ":");

	return (n == 4 && !strncmp(user, "root", 4)) || (n == 1 && user[0] == '0');
}

/* Bytes of variable expansion one file may cost: many `$A$A$A` words
 * against a long ARG would otherwise fill the arena. Past it, words count
 * as unresolved (checks skip them). */
#define DF_EXPAND_BUDGET (16u << 20)

static const char *expand(struct df_ctx *ctx, const struct df_group *g, const char *word)
{
	char *w;

	if (!strchr(word, '$'))
		return word;
	if (ctx->expanded > DF_EXPAND_BUDGET)
		return NULL;
	w = moat_df_expand(ctx->arena, word, g->vars, g->n_vars, ctx->df->escape);
	ctx->expanded += w ? strlen(w) + 1 : 0;
	return w;
}

static void check_ports(struct df_ctx *ctx, const struct moat_df_instr *in,
			const struct df_group *g)
{
	for (size_t i = 0; i < in->argc; i++) {
		const char *w = expand(ctx, g, in->argv[i]);
		char *end;

		if (!w || !*w || strchr(w, '$') || !isdigit((unsigned char)w[0]))
			continue;
		unsigned long lo = strtoul(w, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (lo > 65535 || hi > 65535) {
			df_report(ctx, "MOAT-DF-076", in->line, "EXPOSE %s: ports are 0-65535",
				  in->argv[i]);
			continue;
		}
		unsigned long p = mc_sensitive_in(lo, hi);

		if (p)
			df_report(ctx, "MOAT-DF-075", in->line, "EXPOSE %s: port %lu (%s)",
				  in->argv[i], p, mc_sensitive_port(p));
	}
}

static bool archive_name(const char *src)
{
	static const char *const exts[] = {".tar", ".Z",   ".bz2", ".gz",   ".lz",  ".lzma",
					   ".tZ",  ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
					   ".tpz", ".txz", ".xz",  ".zst",  ".tzst"};
	size_t n = strlen(src);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);

		if (n > e && !strcmp(src + n - e, exts[i]))
			return true;
	}
	return false;
}

static bool url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) || !strncmp(s, "git@", 4);
}

static bool secret_file(const char *src)
{
	static const char *const names[] = {"id_rsa",		"id_dsa",    "id_ecdsa",
					    "id_ed25519",	".env",	     ".npmrc",
					    ".pypirc",		".netrc",    ".git-credentials",
					    "credentials.json", ".htpasswd", ".pgpass"};
	const char *b = base_name(src);
	size_t n = strlen(b);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(b, names[i]))
			return true;
	return (n > 4 && (!strcmp(b + n - 4, ".pem") || !strcmp(b + n - 4, ".key") ||
			  !strcmp(b + n - 4, ".p12") || !strcmp(b + n - 4, ".pfx"))) ||
	       strstr(src, ".aws/credentials") || strstr(src, ".ssh/") ||
	       strstr(src, ".docker/config.json");
}

static void check_copy_from(struct df_ctx *ctx, const struct moat_df_instr *in, int stage)
{
	const char *from = moat_df_flag(in, "from", NULL);
	const struct moat_dockerfile *df = ctx->df;

	if (!from || !*from || strchr(from, ':') || strchr(from, '/') || strchr(from, '$'))
		return;
	if (isdigit((unsigned char)from[0])) {
		if (strtol(from, NULL, 10) >= (stage < 0 ? 0 : stage))
			df_report(ctx, "MOAT-DF-006", in->line,
				  "COPY --from=%s: no such earlier stage", from);
		return;
	}
	if (stage >= 0 && df->stages[stage].name && !strcasecmp(df->stages[stage].name, from)) {
		df_report(ctx, "MOAT-DF-007", in->line, "COPY --from=%s copies from its own stage",
			  from);
		return;
	}
	for (int i = 0; i < stage; i++)
		if (df->stages[i].name && !strcasecmp(df->stages[i].name, from))
			return;
	df_report(ctx, "MOAT-DF-006", in->line, "COPY --from=%s: no earlier stage has that name",
		  from);
}

static void check_copy_add(struct df_ctx *ctx, const struct moat_df_instr *in, struct df_group *g)
{
	bool add = !strcmp(in->keyword, "ADD");
	size_t n = in->argc;

	if (ctx->history) {
		for (size_t i = 0; add && i + 1 < n; i++)
			if (url(in->argv[i]))
				df_report(ctx, "MOAT-DF-041", in->line, "ADD %s", in->argv[i]);
		return;
	}
	if (!add)
		check_copy_from(ctx, in, g->stage);
	if (in->n_heredocs || n < 2)
		return;
	const char *dest = in->argv[n - 1];

	if (n >= 3 && (!*dest || dest[strlen(dest) - 1] != '/'))
		df_report(ctx, "MOAT-DF-063", in->line,
			  "%s of %zu sources to '%s' (not a directory)", in->keyword, n - 1, dest);
	if (!add && !g->workdir && *dest && !absolute(dest))
		df_report(ctx, "MOAT-DF-064", in->line, "COPY to '%s' with no WORKDIR set", dest);
	for (size_t i = 0; i + 1 < n; i++) {
		const char *src = in->argv[i];

		if (add && url(src))
			df_report(ctx, "MOAT-DF-041", in->line, "ADD %s", src);
		else if (add && !archive_name(src) && !strchr(src, '$'))
			df_report(ctx, "MOAT-DF-040", in->line,
				  "ADD %s: not a URL or a local archive", src);
		if (!moat_df_flag(in, "from", NULL) && !url(src) && secret_file(src))
			df_report(ctx, "MOAT-DF-053", in->line, "%s %s", in->keyword, src);
	}
}

static int add_var(struct df_ctx *ctx, struct df_group *g, const struct moat_df_kv *kv)
{
	if (g->n_vars == g->cap_vars) {
		size_t n = g->cap_vars ? g->cap_vars * 2 : 16;

		g->vars = moat_arena_grow(ctx->arena, g->vars, g->n_vars, n, sizeof(*g->vars));
		if (!g->vars)
			return ctx->err = MOAT_E_LIMIT;
		g->cap_vars = n;
	}
	g->vars[g->n_vars++] = *kv;
	return 0;
}

static bool truthy(const char *v)
{
	return v && *v && strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 &&
	       strcasecmp(v, "no") != 0 && strcasecmp(v, "off") != 0;
}

static void check_kv(struct df_ctx *ctx, const struct moat_df_instr *in, struct df_group *g)
{
	bool env = !strcmp(in->keyword, "ENV"), arg = !strcmp(in->keyword, "ARG");

	for (size_t i = 0; i < in->n_kv; i++) {
		const struct moat_df_kv *kv = &in->kv[i];
		const char *v = kv->value, *shape = v ? mc_credential_shape(v) : NULL;

		if (shape)
			df_report(ctx, "MOAT-DF-052", in->line, "%s %s holds a credential (%s)",
				  in->keyword, kv->key, shape);
		else if (env && v && *v && v[0] != '$' && mc_secret_name(kv->key))
			df_report(ctx, "MOAT-DF-050", in->line, "ENV %s is set to a literal value",
				  kv->key);
		else if (arg && mc_secret_name(kv->key))
			df_report(ctx, "MOAT-DF-051", in->line, "ARG %s", kv->key);
		if (env && !strcmp(kv->key, "PIP_NO_CACHE_DIR"))
			g->pip_no_cache = truthy(v);
		if ((env || arg) && add_var(ctx, g, kv))
			return;
	}
}

static bool shell_pipefail(const struct moat_df_instr *in)
{
	const char *sh = in->argc ? base_name(in->argv[0]) : "";

	if (!in->json || !in->argc)
		return false;
	if (strcmp(sh, "sh") != 0 && strcmp(sh, "bash") != 0 && strcmp(sh, "zsh") != 0 &&
	    strcmp(sh, "ash") != 0 && strcmp(sh, "dash") != 0 && strcmp(sh, "ksh") != 0 &&
	    strcmp(sh, "mksh") != 0)
		return true; /* powershell, cmd: pipes are not POSIX pipes */
	if (!strcmp(sh, "sh") || !strcmp(sh, "dash"))
		return false; /* sh has no pipefail everywhere */
	for (size_t i = 1; i + 1 < in->argc; i++)
		if (in->argv[i][0] == '-' && in->argv[i][strlen(in->argv[i]) - 1] == 'o' &&
		    !strcmp(in->argv[i + 1], "pipefail"))
			return true;
	return false;
}

/* The shell text of a RUN: shell form plus heredoc bodies, or the script of
 * an exec-form `sh -c SCRIPT`, or the exec words joined. */
static const char *run_text(struct df_ctx *ctx, const struct moat_df_instr *in)
{
	if (in->json) {
		if (in->argc >= 3 && !strcmp(in->argv[in->argc - 2], "-c"))
			return in->argv[in->argc - 1];
		char *s = moat_arena_strdup(ctx->arena, "");

		for (size_t i = 0; s && i < in->argc; i++)
			s = moat_arena_printf(ctx->arena, "%s%s ", s, in->argv[i]);
		return s;
	}
	if (!in->n_heredocs)
		return in->args;
	char *s = moat_arena_strdup(ctx->arena, in->args);

	for (size_t i = 0; s && i < in->n_heredocs; i++)
		s = moat_arena_printf(ctx->arena, "%s\n%s", s, in->heredocs[i].body);
	return s;
}

static void add_run(struct df_ctx *ctx, const struct moat_df_instr *in, struct df_group *g)
{
	struct df_run *run;

	if (g->n_runs == g->cap_runs) {
		size_t n = g->cap_runs ? g->cap_runs * 2 : 16;

		g->runs = moat_arena_grow(ctx->arena, g->runs, g->n_runs, n, sizeof(*g->runs));
		if (!g->runs) {
			ctx->err = MOAT_E_LIMIT;
			return;
		}
		g->cap_runs = n;
	}
	run = &g->runs[g->n_runs];
	memset(run, 0, sizeof(*run));
	run->in = in;
	run->text = run_text(ctx, in);
	run->pipefail = g->pipefail;
	run->pip_no_cache = g->pip_no_cache;
	if (!run->text || df_shell_parse(ctx->arena, run->text, &run->sh) < 0) {
		ctx->err = MOAT_E_LIMIT;
		return;
	}
	g->n_runs++;
	df_check_run(ctx, run);
}

static bool known_keyword(const char *kw)
{
	static const char *const kws[] = {
		"FROM",	   "RUN", "CMD",     "LABEL",	   "MAINTAINER",  "EXPOSE",
		"ENV",	   "ADD", "COPY",    "ENTRYPOINT", "VOLUME",	  "USER",
		"WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"};

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (!strcmp(kw, kws[i]))
			return true;
	return false;
}

/* Checks of one instruction that need no stage context (also run on image
 * history). */
static void check_instr(struct df_ctx *ctx, const struct moat_df_instr *in, struct df_group *g)
{
	const char *kw = in->keyword;

	if (!known_keyword(kw))
		df_report(ctx, "MOAT-DF-009", in->line, "unknown instruction %s", kw);
	else if (!strcmp(kw, "RUN"))
		add_run(ctx, in, g);
	else if (!strcmp(kw, "ENV") || !strcmp(kw, "ARG") || !strcmp(kw, "LABEL"))
		check_kv(ctx, in, g);
	else if (!strcmp(kw, "COPY") || !strcmp(kw, "ADD"))
		check_copy_add(ctx, in, g);
	else if (!strcmp(kw, "EXPOSE"))
		check_ports(ctx, in, g);
	if (in->onbuild &&
	    (!strcmp(kw, "ONBUILD") || !strcmp(kw, "FROM") || !strcmp(kw, "MAINTAINER")))
		df_report(ctx, "MOAT-DF-078", in->line, "ONBUILD %s", kw);
	if (!strcmp(kw, "MAINTAINER"))
		df_report(ctx, "MOAT-DF-077", in->line, "MAINTAINER %s", in->args);
}

void df_check_history_instr(struct df_ctx *ctx, const struct moat_df_instr *in)
{
	struct df_group g = {.stage = -1};

	if (!strcmp(in->keyword, "RUN"))
		add_run(ctx, in, &g);
	else if (!strcmp(in->keyword, "ARG"))
		check_kv(ctx, in, &g);
	else if (!strcmp(in->keyword, "ADD"))
		check_copy_add(ctx, in, &g);
}

static void check_stage_instr(struct df_ctx *ctx, const struct moat_df_instr *in,
			      struct df_group *g)
{
	const char *kw = in->keyword;

	if (in->onbuild)
		return;
	if (!strcmp(kw, "USER")) {
		g->last_user = in;
	} else if (!strcmp(kw, "WORKDIR")) {
		const char *dir = in->argc ? in->argv[0] : "";

		g->workdir = true;
		if (*dir && !absolute(dir))
			df_report(ctx, "MOAT-DF-060", in->line, "WORKDIR %s", dir);
	} else if (!strcmp(kw, "SHELL")) {
		g->pipefail = shell_pipefail(in);
	} else if (!strcmp(kw, "CMD") || !strcmp(kw, "ENTRYPOINT")) {
		bool cmd = kw[0] == 'C';

		if (++*(cmd ? &g->n_cmd : &g->n_entrypoint) > 1)
			df_report(ctx, cmd ? "MOAT-DF-070" : "MOAT-DF-071", in->line,
				  "%s number %u in this stage", kw,
				  cmd ? g->n_cmd : g->n_entrypoint);
		if (!in->json && in->argc)
			df_report(ctx, "MOAT-DF-074", in->line, "%s %s", kw, in->args);
	} else if (!strcmp(kw, "HEALTHCHECK")) {
		if (++g->n_healthcheck > 1)
			df_report(ctx, "MOAT-DF-072", in->line,
				  "HEALTHCHECK number %u in this stage", g->n_healthcheck);
	}
}

static void end_group(struct df_ctx *ctx, struct df_group *g)
{
	const struct moat_df_instr *u = g->last_user;

	if (u && u->argc) {
		const char *user = expand(ctx, g, u->argv[0]);

		if (user && is_root(user))
			df_report(ctx, "MOAT-DF-010", u->line,
				  "USER %s is the last USER of the stage", u->argv[0]);
	}
	df_check_run_stage(ctx, g->runs, g->n_runs);
}

/* The final stage and its ancestors: no USER, no HEALTHCHECK anywhere. */
static void check_final(struct df_ctx *ctx)
{
	const struct moat_dockerfile *df = ctx->df;
	bool user = false, health = false;
	int last = (int)df->n_stages - 1;

	for (int s = last; s >= 0; s = df->stages[s].parent)
		for (size_t i = df->stages[s].first; i < df->stages[s].first + df->stages[s].count;
		     i++) {
			if (df->instrs[i].onbuild)
				continue;
			user |= !strcmp(df->instrs[i].keyword, "USER");
			health |= !strcmp(df->instrs[i].keyword, "HEALTHCHECK");
		}
	if (!user)
		df_report(ctx, "MOAT-DF-011", df->stages[last].line,
			  "the final stage (FROM %s) sets no USER", df->stages[last].image);
	if (!health)
		df_report(ctx, "MOAT-DF-073", 0, "the final stage (FROM %s) has no HEALTHCHECK",
			  df->stages[last].image);
}

static void mark_final(struct df_ctx *ctx)
{
	const struct moat_dockerfile *df = ctx->df;

	ctx->final = moat_arena_newarray(ctx->arena, bool, df->n_stages + 1);
	if (!ctx->final) {
		ctx->err = MOAT_E_LIMIT;
		return;
	}
	ctx->final++; /* final[-1]: the instructions before FROM */
	ctx->final[-1] = df->n_stages == 0;
	for (int s = (int)df->n_stages - 1; s >= 0 && !ctx->final[s]; s = df->stages[s].parent)
		ctx->final[s] = true;
}

static void run_groups(struct df_ctx *ctx)
{
	const struct moat_dockerfile *df = ctx->df;
	struct df_group g = {.stage = -1};
	bool *workdir = moat_arena_newarray(ctx->arena, bool, df->n_stages + 1);
	size_t i = 0;

	if (!workdir) {
		ctx->err = MOAT_E_LIMIT;
		return;
	}

	for (int s = -1; s < (int)df->n_stages && !ctx->err; s++) {
		size_t end = s < 0 ? (df->n_stages ? df->stages[0].first : df->n_instrs)
				   : df->stages[s].first + df->stages[s].count;
		memset(&g, 0, sizeof(g));
		g.stage = s;
		if (s >= 0) {
			check_from(ctx, &df->instrs[i], s);
			/* FROM <stage> inherits the stage's WORKDIR (its USER is
			 * judged in that stage and again for the final image) */
			if (df->stages[s].parent >= 0)
				g.workdir = workdir[df->stages[s].parent];
			i++;
		}
		for (; i < end && !ctx->err; i++) {
			const struct moat_df_instr *in = &df->instrs[i];

			if (s < 0 && strcmp(in->keyword, "ARG") != 0)
				df_report(ctx, "MOAT-DF-008", in->line, "%s before the first FROM",
					  in->keyword);
			check_instr(ctx, in, &g);
			check_stage_instr(ctx, in, &g);
		}
		end_group(ctx, &g);
		if (s >= 0)
			workdir[s] = g.workdir;
	}
}

int moat_misconfig_dockerfile(const struct moat_dockerfile *df, struct moat_arena *arena,
			      struct moat_misconfig_list *out, struct moat_error *err)
{
	struct df_ctx ctx = {.df = df, .arena = arena, .out = out};

	mark_final(&ctx);
	if (!ctx.err)
		run_groups(&ctx);
	if (!ctx.err && df->n_stages)
		check_final(&ctx);
	if (ctx.err)
		return moat_error_set(err, ctx.err, "%s: out of memory while checking", df->path);
	return 0;
}
