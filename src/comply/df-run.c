/* SPDX-License-Identifier: Apache-2.0 */
/*
 * df-run.c - checks of RUN commands: package managers (flags, caches left
 * behind, upgrades), downloads piped into shells, TLS checks turned off,
 * passwords, permissions, sudo and cd. Each RUN is split into simple
 * commands by df-shell.c; a RUN read from image history gets only the
 * security checks (the file and package checks see the rest in the image).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "misconfig-int.h"

static const char *base_name(const char *w)
{
	const char *s = strrchr(w, '/');

	return s ? s + 1 : w;
}

static const char *prog(const struct df_cmd *c)
{
	size_t i = df_cmd_prog(c);

	return i < c->argc ? base_name(c->argv[i]) : "";
}

/* A --mount=type=cache|tmpfs of the RUN whose target starts with dir. */
static bool cache_mount(const struct moat_df_instr *in, const char *dir)
{
	for (size_t i = 0; i < in->n_flags; i++) {
		const char *v = in->flags[i].value, *t;

		if (strcmp(in->flags[i].name, "mount") != 0 || !v ||
		    (!strstr(v, "type=cache") && !strstr(v, "type=tmpfs")))
			continue;
		t = strstr(v, "target=");
		t = t ? t : strstr(v, "dst=");
		t = t ? t : strstr(v, "destination=");
		if (t && strstr(t, dir) == strchr(t, '=') + 1)
			return true;
	}
	return false;
}

/* Any command of the RUN from index `from` on is `name sub` (sub NULL = any). */
static bool has_cmd(const struct df_run *r, size_t from, const char *name, const char *sub)
{
	for (size_t i = from; i < r->sh.n; i++) {
		const struct df_cmd *c = &r->sh.cmds[i];
		const char *s;

		if (strcmp(prog(c), name) != 0)
			continue;
		s = df_cmd_sub(c, NULL);
		if (!sub || (s && !strcmp(s, sub)))
			return true;
	}
	return false;
}

/* `rm ... PREFIX...` from index from on. */
static bool removes(const struct df_run *r, size_t from, const char *prefix)
{
	for (size_t i = from; i < r->sh.n; i++) {
		const struct df_cmd *c = &r->sh.cmds[i];

		if (strcmp(prog(c), "rm") != 0)
			continue;
		for (size_t a = df_cmd_prog(c) + 1; a < c->argc; a++)
			if (!strncmp(c->argv[a], prefix, strlen(prefix)))
				return true;
	}
	return false;
}

static bool word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return true;
	return false;
}

static bool pip_prog(const char *p)
{
	if (strncmp(p, "pip", 3) != 0)
		return false;
	for (p += 3; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
	return true;
}

static bool truthy(const char *v)
{
	return *v && strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 &&
	       strcasecmp(v, "no") != 0 && strcasecmp(v, "off") != 0;
}

/* PIP_NO_CACHE_DIR from ENV, an inline assignment, or an earlier export. */
static bool pip_no_cache(const struct df_run *r, size_t upto, bool state)
{
	for (size_t i = 0; i <= upto && i < r->sh.n; i++) {
		const struct df_cmd *c = &r->sh.cmds[i];
		const char **words = c->env;
		size_t n = c->n_env;

		if (!strcmp(prog(c), "export")) {
			words = c->argv + 1;
			n = c->argc ? c->argc - 1 : 0;
		} else if (i != upto) {
			continue;
		}
		for (size_t w = 0; w < n; w++)
			if (!strncmp(words[w], "PIP_NO_CACHE_DIR=", 17))
				state = truthy(words[w] + 17);
	}
	return state;
}

static void check_apt(struct df_ctx *ctx, const struct df_run *r, const struct df_cmd *c,
		      const char *p)
{
	const char *sub = df_cmd_sub(c, "otc");
	unsigned line = r->in->line;

	if (!sub)
		return;
	if (!strcmp(sub, "install") && !strcmp(p, "apt-get")) {
		if (!df_cmd_opt(c, "-y") && !df_cmd_opt(c, "--yes") &&
		    !df_cmd_opt(c, "--assume-yes") && !df_cmd_has(c, "-qq") &&
		    !df_cmd_opt(c, "--quiet=2"))
			df_report(ctx, "MOAT-DF-020", line, "apt-get install without -y");
		bool norec = df_cmd_opt(c, "--no-install-recommends");

		for (size_t a = 0; a < c->argc && !norec; a++)
			norec = strstr(c->argv[a], "Install-Recommends=false") ||
				strstr(c->argv[a], "Install-Recommends=0");
		if (!norec)
			df_report(ctx, "MOAT-DF-021", line,
				  "apt-get install without --no-install-recommends");
	}
	if (!strcmp(sub, "upgrade") || !strcmp(sub, "dist-upgrade") || !strcmp(sub, "full-upgrade"))
		df_report(ctx, "MOAT-DF-023", line, "%s %s", p, sub);
}

/* yum, dnf, microdnf, zypper: a yes flag and a clean after the install. */
struct rpm_pm {
	const char *prog;
	const char *const *install; /* subcommands that download packages */
	const char *const *yes;	    /* options that answer yes */
	const char *yes_id, *clean_id;
	const char *clean_sub;	       /* `PROG clean_sub` cleans (clean, cc) */
	const char *const *cache_dirs; /* rm -rf of these cleans too; mounts exempt */
};

static const char *const yum_install[] = {"install", "groupinstall", "localinstall", NULL};
static const char *const dnf_install[] = {"install", "groupinstall", "localinstall",
					  "upgrade", "update",	     NULL};
static const char *const zyp_install[] = {"install",	    "in", "remove", "rm",
					  "source-install", "si", "patch",  NULL};
static const char *const yum_yes[] = {"-y", "--assumeyes", NULL};
static const char *const zyp_yes[] = {"-n", "--non-interactive", "-y", "--no-confirm", NULL};
static const char *const yum_dirs[] = {"/var/cache/yum", NULL};
static const char *const dnf_dirs[] = {"/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5",
				       NULL};
static const char *const zyp_dirs[] = {"/var/cache/zypp", NULL};

static const struct rpm_pm rpm_pms[] = {
	{"yum", yum_install, yum_yes, "MOAT-DF-030", "MOAT-DF-031", "clean", yum_dirs},
	{"dnf", dnf_install, NULL, NULL, "MOAT-DF-032", "clean", dnf_dirs},
	{"microdnf", dnf_install, NULL, NULL, "MOAT-DF-032", "clean", dnf_dirs},
	{"zypper", zyp_install, zyp_yes, "MOAT-DF-033", "MOAT-DF-034", "clean", zyp_dirs},
};

static bool cleaned_after(const struct df_run *r, size_t i, const struct rpm_pm *pm)
{
	for (const char *const *d = pm->cache_dirs; *d; d++)
		if (removes(r, i + 1, *d) || cache_mount(r->in, *d))
			return true;
	return has_cmd(r, i + 1, pm->prog, pm->clean_sub) ||
	       (!strcmp(pm->prog, "zypper") && has_cmd(r, i + 1, "zypper", "cc")) ||
	       (pm->prog[0] != 'z' && pm->prog[0] != 'y' &&
		(has_cmd(r, i + 1, "dnf", "clean") || has_cmd(r, i + 1, "microdnf", "clean")));
}

static void check_rpm(struct df_ctx *ctx, const struct df_run *r, size_t i)
{
	const struct df_cmd *c = &r->sh.cmds[i];
	const char *p = prog(c), *sub = df_cmd_sub(c, NULL);

	for (size_t k = 0; k < sizeof(rpm_pms) / sizeof(rpm_pms[0]); k++) {
		const struct rpm_pm *pm = &rpm_pms[k];
		bool yes = !pm->yes;

		if (strcmp(p, pm->prog) != 0 || !sub || !word_in(sub, pm->install))
			continue;
		for (const char *const *y = pm->yes; y && *y && !yes; y++)
			yes = df_cmd_opt(c, *y);
		if (!yes)
			df_report(ctx, pm->yes_id, r->in->line, "%s %s without %s", p, sub,
				  pm->yes[0]);
		if (!cleaned_after(r, i, pm))
			df_report(ctx, pm->clean_id, r->in->line, "%s %s without %s %s afterwards",
				  p, sub, p, pm->clean_sub);
	}
	if (!strcmp(p, "zypper") && sub && (!strcmp(sub, "dist-upgrade") || !strcmp(sub, "dup")))
		df_report(ctx, "MOAT-DF-035", r->in->line, "zypper %s", sub);
}

/* Packages named in an install: sshd or sudo. */
static void check_installs(struct df_ctx *ctx, const struct df_run *r, const struct df_cmd *c)
{
	static const char *const bad[] = {"openssh-server", "openssh", "dropbear",
					  "sudo",	    "telnetd", NULL};
	const char *p = prog(c), *sub = df_cmd_sub(c, "otc");

	if (!sub ||
	    (strcmp(sub, "install") != 0 && strcmp(sub, "add") != 0 && strcmp(sub, "in") != 0) ||
	    (strcmp(p, "apt-get") != 0 && strcmp(p, "apt") != 0 && strcmp(p, "apk") != 0 &&
	     strcmp(p, "yum") != 0 && strcmp(p, "dnf") != 0 && strcmp(p, "microdnf") != 0 &&
	     strcmp(p, "zypper") != 0))
		return;
	for (size_t a = df_cmd_prog(c) + 1; a < c->argc; a++) {
		size_t n = strcspn(c->argv[a], "="); /* pkg=version */
		char name[64];

		if (n >= sizeof(name))
			continue;
		memcpy(name, c->argv[a], n);
		name[n] = 0;
		if (word_in(name, bad))
			df_report(ctx, "MOAT-DF-036", r->in->line, "%s %s %s", p, sub, name);
	}
}

static bool shell_prog(const char *p)
{
	static const char *const shells[] = {"sh",     "bash",	  "zsh",  "ash",  "dash", "ksh",
					     "python", "python3", "perl", "ruby", "node", NULL};

	return word_in(p, shells);
}

static void check_download(struct df_ctx *ctx, const struct df_run *r, size_t i)
{
	const struct df_cmd *c = &r->sh.cmds[i];
	const char *p = prog(c);
	bool fetch = !strcmp(p, "curl") || !strcmp(p, "wget") || !strcmp(p, "fetch");

	if (fetch && c->piped && i + 1 < r->sh.n && shell_prog(prog(&r->sh.cmds[i + 1])))
		df_report(ctx, "MOAT-DF-042", r->in->line, "%s output piped into %s", p,
			  prog(&r->sh.cmds[i + 1]));
	if (shell_prog(p))
		for (size_t a = df_cmd_prog(c) + 1; a < c->argc; a++)
			if (strstr(c->argv[a], "$(curl") || strstr(c->argv[a], "$(wget") ||
			    strstr(c->argv[a], "`curl") || strstr(c->argv[a], "`wget"))
				df_report(ctx, "MOAT-DF-042", r->in->line,
					  "%s runs a downloaded script", p);
	if ((!strcmp(p, "curl") && (df_cmd_opt(c, "-k") || df_cmd_opt(c, "--insecure"))) ||
	    (!strcmp(p, "wget") && df_cmd_opt(c, "--no-check-certificate")) ||
	    ((pip_prog(p) || !strcmp(p, "pipenv")) && df_cmd_opt(c, "--trusted-host")) ||
	    (!strcmp(p, "apk") && df_cmd_opt(c, "--allow-untrusted")))
		df_report(ctx, "MOAT-DF-045", r->in->line, "%s with TLS or signature checks off",
			  p);
	for (size_t a = df_cmd_prog(c) + 1; a + 1 < c->argc; a++)
		if ((!strcmp(c->argv[a], "strict-ssl") && !strcmp(c->argv[a + 1], "false")) ||
		    (!strcasecmp(c->argv[a], "http.sslVerify") &&
		     !strcmp(c->argv[a + 1], "false")) ||
		    strstr(c->argv[a], "http.sslVerify=false") || strstr(c->argv[a], "sslverify=0"))
			df_report(ctx, "MOAT-DF-045", r->in->line, "%s turns TLS verification off",
				  p);
	for (size_t e = 0; e < c->n_env; e++)
		if (!strcmp(c->env[e], "GIT_SSL_NO_VERIFY=1") ||
		    !strcmp(c->env[e], "GIT_SSL_NO_VERIFY=true") ||
		    !strcmp(c->env[e], "NODE_TLS_REJECT_UNAUTHORIZED=0"))
			df_report(ctx, "MOAT-DF-045", r->in->line, "%s", c->env[e]);
}

static void check_password(struct df_ctx *ctx, const struct df_run *r, size_t i)
{
	const struct df_cmd *c = &r->sh.cmds[i];
	const char *p = prog(c);
	bool fed = i > 0 && r->sh.cmds[i - 1].piped;

	if (!strcmp(p, "chpasswd") || (!strcmp(p, "passwd") && (fed || df_cmd_opt(c, "--stdin"))) ||
	    ((!strcmp(p, "usermod") || !strcmp(p, "useradd")) &&
	     (df_cmd_has(c, "-p") || df_cmd_opt(c, "--password"))))
		df_report(ctx, "MOAT-DF-046", r->in->line, "%s sets a password in a layer", p);
}

/* chmod 777, o+w, a=rwx (the sticky bit keeps a directory safe). */
static bool world_writable_mode(const char *m)
{
	size_t n = strlen(m);

	if (n >= 3 && n <= 4 && strspn(m, "01234567") == n)
		return ((m[n - 1] - '0') & 2) && !(n == 4 && ((m[0] - '0') & 1));
	for (const char *clause = m; *clause;) {
		size_t len = strcspn(clause, ",");
		const char *op = clause + strspn(clause, "ugoa");
		bool others = memchr(clause, 'o', (size_t)(op - clause)) ||
			      memchr(clause, 'a', (size_t)(op - clause));

		if (others && (*op == '+' || *op == '=') &&
		    memchr(op, 'w', len - (size_t)(op - clause)))
			return true;
		clause += len + (clause[len] == ',');
	}
	return false;
}

static void check_misc(struct df_ctx *ctx, const struct df_run *r, const struct df_cmd *c)
{
	static const char *const pointless[] = {"free",	    "kill", "mount", "ps",  "service",
						"shutdown", "ssh",  "top",   "vim", NULL};
	const char *p = prog(c);

	if (c->argc && !strcmp(base_name(c->argv[0]), "sudo"))
		df_report(ctx, "MOAT-DF-012", r->in->line, "sudo %s", p);
	if (!strcmp(p, "chmod"))
		for (size_t a = df_cmd_prog(c) + 1; a < c->argc; a++)
			if (c->argv[a][0] != '-' && world_writable_mode(c->argv[a])) {
				df_report(ctx, "MOAT-DF-062", r->in->line, "chmod %s", c->argv[a]);
				break;
			}
	if (ctx->history)
		return;
	if (!strcmp(p, "cd"))
		df_report(ctx, "MOAT-DF-061", r->in->line, "cd %s", c->argc > 1 ? c->argv[1] : "");
	if (word_in(p, pointless))
		df_report(ctx, "MOAT-DF-079", r->in->line, "%s in RUN", p);
	if (!strcmp(p, "useradd") && !df_cmd_opt(c, "-l") && !df_cmd_opt(c, "--no-log-init"))
		for (size_t a = df_cmd_prog(c) + 1; a + 1 < c->argc; a++)
			if ((!strcmp(c->argv[a], "-u") || !strcmp(c->argv[a], "--uid")) &&
			    strlen(c->argv[a + 1]) > 5 && strspn(c->argv[a + 1], "0123456789") > 5)
				df_report(ctx, "MOAT-DF-080", r->in->line,
					  "useradd -u %s without -l", c->argv[a + 1]);
}

/* Caches: pip, npm, yarn, apk. */
static void check_caches(struct df_ctx *ctx, const struct df_run *r, size_t i)
{
	const struct df_cmd *c = &r->sh.cmds[i];
	const char *p = prog(c), *sub = df_cmd_sub(c, NULL);
	bool py_m = (!strcmp(p, "python") || !strncmp(p, "python3", 7)) && df_cmd_has(c, "pip");

	if (py_m)
		sub = df_cmd_has(c, "install") ? "install" : NULL;
	if ((pip_prog(p) || py_m) && sub && !strcmp(sub, "install") &&
	    !df_cmd_opt(c, "--no-cache-dir") && !pip_no_cache(r, i, r->pip_no_cache) &&
	    !cache_mount(r->in, "/root/.cache"))
		df_report(ctx, "MOAT-DF-027", r->in->line, "%s install without --no-cache-dir", p);
	if (!strcmp(p, "npm") && sub &&
	    (!strcmp(sub, "install") || !strcmp(sub, "i") || !strcmp(sub, "ci")) &&
	    !has_cmd(r, i + 1, "npm", "cache") && !cache_mount(r->in, "/root/.npm"))
		df_report(ctx, "MOAT-DF-028", r->in->line, "npm %s without npm cache clean", sub);
	if (!strcmp(p, "yarn") && (!sub || !strcmp(sub, "install")) &&
	    !has_cmd(r, i + 1, "yarn", "cache") &&
	    !cache_mount(r->in, "/usr/local/share/.cache/yarn"))
		df_report(ctx, "MOAT-DF-029", r->in->line, "yarn install without yarn cache clean");
	if (!strcmp(p, "apk") && sub && !strcmp(sub, "add") && !df_cmd_opt(c, "--no-cache") &&
	    !cache_mount(r->in, "/var/cache/apk") && !cache_mount(r->in, "/etc/apk/cache"))
		df_report(ctx, "MOAT-DF-026", r->in->line, "apk add without --no-cache");
}

/* apt lists: DL3009 looks at stages that end up in the image only. */
static void check_apt_lists(struct df_ctx *ctx, const struct df_run *r)
{
	bool update = has_cmd(r, 0, "apt-get", "update") || has_cmd(r, 0, "apt", "update");

	if (update && ctx->final[r->in->stage] && !removes(r, 0, "/var/lib/apt/lists") &&
	    !cache_mount(r->in, "/var/lib/apt"))
		df_report(ctx, "MOAT-DF-022", r->in->line,
			  "apt-get update without rm -rf /var/lib/apt/lists/*");
	if (update && !has_cmd(r, 0, "apt-get", "install") && !has_cmd(r, 0, "apt", "install"))
		df_report(ctx, "MOAT-DF-025", r->in->line,
			  "apt-get update without an install in the same RUN");
	else if (has_cmd(r, 0, "apk", "update") && !has_cmd(r, 0, "apk", "add"))
		df_report(ctx, "MOAT-DF-025", r->in->line,
			  "apk update without apk add in the same RUN");
}

void df_check_run(struct df_ctx *ctx, struct df_run *r)
{
	bool apt = false, piped_cmd = false;

	for (size_t i = 0; i < r->sh.n && !ctx->err; i++) {
		const struct df_cmd *c = &r->sh.cmds[i];
		const char *p = prog(c);

		check_download(ctx, r, i);
		check_password(ctx, r, i);
		check_misc(ctx, r, c);
		if (ctx->history)
			continue;
		if (!strcmp(p, "apt-get") || !strcmp(p, "apt"))
			check_apt(ctx, r, c, p);
		if (!strcmp(p, "apt"))
			apt = true;
		check_rpm(ctx, r, i);
		check_installs(ctx, r, c);
		check_caches(ctx, r, i);
		piped_cmd |= c->piped;
		if (!strcmp(p, "set") && df_cmd_has(c, "pipefail"))
			r->pipefail = true;
	}
	if (ctx->history)
		return;
	if (apt)
		df_report(ctx, "MOAT-DF-024", r->in->line, "apt in a script; use apt-get");
	check_apt_lists(ctx, r);
	if (piped_cmd && !r->pipefail)
		df_report(ctx, "MOAT-DF-044", r->in->line, "a pipe in RUN without set -o pipefail");
}

void df_check_run_stage(struct df_ctx *ctx, const struct df_run *runs, size_t n)
{
	const struct moat_df_instr *curl = NULL, *wget = NULL;

	if (ctx->history)
		return;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < runs[i].sh.n; k++) {
			const char *p = prog(&runs[i].sh.cmds[k]);

			if (!curl && !strcmp(p, "curl"))
				curl = runs[i].in;
			if (!wget && !strcmp(p, "wget"))
				wget = runs[i].in;
		}
	if (curl && wget)
		df_report(ctx, "MOAT-DF-043", curl->line > wget->line ? curl->line : wget->line,
			  "both curl (line %u) and wget (line %u)", curl->line, wget->line);
}
