/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image-checks.c - misconfiguration of a built image: its config (user,
 * ports, healthcheck, environment, base tag), its history (each created_by
 * is a Dockerfile instruction and goes through the instruction checks),
 * its files (setuid/setgid in application layers, world-writable, package
 * caches) and its packages (sshd, sudo).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "image/image.h"
#include "misconfig-int.h"
#include "moat/error.h"
#include "sbom/pkg.h"
#include "vfs/fs.h"

static int report(struct moat_arena *arena, struct moat_misconfig_list *out, const char *id,
		  const char *source, const char *path, int layer, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static int report(struct moat_arena *arena, struct moat_misconfig_list *out, const char *id,
		  const char *source, const char *path, int layer, const char *fmt, ...)
{
	struct moat_misconfig f = {
		.check = moat_check_find(id), .source = source, .layer_index = layer};
	va_list ap;

	va_start(ap, fmt);
	f.message = mc_vprintf(arena, fmt, ap);
	va_end(ap);
	f.path = path ? moat_arena_strdup(arena, path) : NULL;
	if (!f.check || !f.message || (path && !f.path))
		return MOAT_E_LIMIT;
	return mc_add(arena, out, &f);
}

static bool root_user(const char *u)
{
	size_t n = u ? strcspn(u, ":") : 0;

	return !n || (n == 4 && !strncmp(u, "root", 4)) || (n == 1 && u[0] == '0');
}

static int config_checks(const struct moat_image_meta *m, struct moat_arena *a,
			 struct moat_misconfig_list *out)
{
	int r = 0;

	if (root_user(m->user))
		r = report(a, out, "MOAT-IMG-001", "config", NULL, -1, "User is %s",
			   m->user && *m->user ? m->user : "unset (root)");
	for (size_t i = 0; r == 0 && i < m->n_exposed_ports; i++) {
		unsigned long port = strtoul(m->exposed_ports[i], NULL, 10);

		if (mc_sensitive_port(port))
			r = report(a, out, "MOAT-IMG-002", "config", NULL, -1,
				   "ExposedPorts %s (%s)", m->exposed_ports[i],
				   mc_sensitive_port(port));
	}
	if (r == 0 && (!m->n_healthcheck || !strcmp(m->healthcheck[0], "NONE")))
		r = report(a, out, "MOAT-IMG-003", "config", NULL, -1,
			   "no Healthcheck in the config");
	for (size_t i = 0; r == 0 && i < m->n_env; i++) {
		const char *eq = strchr(m->env[i], '='), *shape;
		char name[256];

		if (!eq || (size_t)(eq - m->env[i]) >= sizeof(name))
			continue;
		memcpy(name, m->env[i], (size_t)(eq - m->env[i]));
		name[eq - m->env[i]] = 0;
		shape = mc_credential_shape(eq + 1);
		if (shape || (eq[1] && eq[1] != '$' && mc_secret_name(name)))
			r = report(a, out, "MOAT-IMG-004", "config", NULL, -1, "Env %s holds %s%s%s",
				   name, shape ? "a credential (" : "a literal secret value",
				   shape ? shape : "", shape ? ")" : "");
	}
	for (size_t i = 0; r == 0 && i < m->n_labels; i++) {
		const char *v = m->labels[i].value, *slash, *colon;

		if (strcmp(m->labels[i].key, "org.opencontainers.image.base.name") != 0 || !v ||
		    strchr(v, '@'))
			continue;
		slash = strrchr(v, '/');
		colon = strrchr(slash ? slash : v, ':');
		if (!colon || !strcmp(colon + 1, "latest"))
			r = report(a, out, "MOAT-IMG-005", "config", NULL, -1, "base image %s", v);
	}
	return r;
}

/* created_by as the instruction it records. Classic builder:
 * "/bin/sh -c #(nop)  ADD x in /", "/bin/sh -c CMD", "|2 A=1 B=2 /bin/sh -c CMD";
 * BuildKit: "RUN /bin/sh -c CMD # buildkit", "RUN |1 A=1 /bin/sh -c CMD # buildkit",
 * "ADD https://x /y # buildkit". Build args become a separate ARG. */
static int history_instrs(struct df_ctx *ctx, const char *cb)
{
	struct moat_df_instr run = {.keyword = "RUN", .line = ctx->history_line, .stage = -1};
	struct moat_df_instr arg = {.keyword = "ARG", .line = ctx->history_line, .stage = -1};
	char *text = moat_arena_strdup(ctx->arena, cb), *p, *e;
	bool is_run = false;

	if (!text)
		return MOAT_E_LIMIT;
	e = strstr(text, " # buildkit");
	if (e && !e[11])
		*e = 0;
	p = text;
	if (!strncmp(p, "RUN ", 4)) {
		is_run = true;
		p += 4;
	}
	if (p[0] == '|' && isdigit((unsigned char)p[1])) {
		unsigned long n = strtoul(p + 1, &p, 10);
		char *start = p;

		for (unsigned long i = 0; i < n && *p; i++) {
			while (*p == ' ')
				p++;
			p += strcspn(p, " ");
		}
		arg.args = moat_arena_strndup(ctx->arena, start, (size_t)(p - start));
		if (!arg.args ||
		    moat_df_words(ctx->arena, arg.args, '\\', &arg.argv, &arg.argc) < 0)
			return MOAT_E_LIMIT;
		arg.kv = moat_arena_newarray(ctx->arena, struct moat_df_kv, arg.argc + 1);
		for (size_t i = 0; arg.kv && i < arg.argc; i++) {
			const char *eq = strchr(arg.argv[i], '=');

			arg.kv[i].key = eq ? moat_arena_strndup(ctx->arena, arg.argv[i],
								(size_t)(eq - arg.argv[i]))
					   : arg.argv[i];
			arg.kv[i].value = eq ? eq + 1 : NULL;
			arg.n_kv += arg.kv[i].key != NULL;
		}
		if (!arg.kv)
			return MOAT_E_LIMIT;
		df_check_history_instr(ctx, &arg);
		is_run = true;
		while (*p == ' ')
			p++;
	}
	if (!strncmp(p, "/bin/sh -c ", 11)) {
		p += 11;
		if (!strncmp(p, "#(nop) ", 7)) {
			p += 7;
			is_run = false;
		} else {
			is_run = true;
		}
	}
	while (*p == ' ')
		p++;
	if (is_run) {
		run.args = p;
		df_check_history_instr(ctx, &run);
	} else if (!strncmp(p, "ADD ", 4)) {
		struct moat_df_instr add = {
			.keyword = "ADD", .line = ctx->history_line, .stage = -1, .args = p + 4};

		if (moat_df_words(ctx->arena, add.args, '\\', &add.argv, &add.argc) < 0)
			return MOAT_E_LIMIT;
		df_check_history_instr(ctx, &add);
	}
	return ctx->err;
}

int moat_misconfig_image_config(const struct moat_image_meta *meta, struct moat_arena *arena,
				struct moat_misconfig_list *out, struct moat_error *err)
{
	static const struct moat_dockerfile none = {.escape = '\\'};
	struct df_ctx ctx = {
		.df = &none, .arena = arena, .out = out, .source = "history", .history = true};
	int r = config_checks(meta, arena, out);

	for (size_t i = 0; r == 0 && i < meta->n_history; i++) {
		const char *cb = meta->history[i].created_by;

		if (!cb)
			continue;
		ctx.history_line = (unsigned)i + 1;
		size_t before = out->count;

		r = history_instrs(&ctx, cb);
		for (size_t k = before; r == 0 && k < out->count; k++)
			out->items[k].layer_index = meta->history[i].layer_index;
	}
	return r < 0 ? moat_error_set(err, r, "image config checks: out of memory") : 0;
}

/* Package manager caches, by the directory that holds them. */
static const char *cache_root(const char *path, char *buf, size_t len)
{
	static const char *const roots[] = {"var/lib/apt/lists/",  "var/cache/apt/",
					    "var/cache/apk/",	   "var/cache/yum/",
					    "var/cache/dnf/",	   "root/.cache/pip/",
					    "root/.npm/_cacache/", "usr/local/share/.cache/yarn/"};
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (!strcmp(b, "lock") || strstr(path, "/partial/"))
		return NULL;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strncmp(path, roots[i], strlen(roots[i])))
			return roots[i];
	/* home/USER/.cache/pip/, home/USER/.npm/_cacache/ */
	if (!strncmp(path, "home/", 5)) {
		const char *u = path + 5, *s = strchr(u, '/');

		if (s && (!strncmp(s, "/.cache/pip/", 12) || !strncmp(s, "/.npm/_cacache/", 15))) {
			size_t n = (size_t)(s - path) + (s[2] == 'c' ? 12 : 15);

			if (n < len) {
				memcpy(buf, path, n);
				buf[n] = 0;
				return buf;
			}
		}
	}
	return NULL;
}

int moat_misconfig_image_file(const char *path, const struct moat_fs_stat *st, unsigned base_layers,
			      struct moat_arena *arena, struct moat_misconfig_list *out,
			      struct moat_error *err)
{
	unsigned first_app = base_layers ? base_layers : 1;
	char buf[MOAT_LIMIT_PATH_BYTES];
	const char *root;
	int r = 0;

	if (st->type == MOAT_FS_REG && (st->mode & (S_ISUID | S_ISGID)) && st->layer >= 0 &&
	    (unsigned)st->layer >= first_app)
		r = report(arena, out, "MOAT-IMG-010", "file", path, st->layer,
			   "/%s is %s%s (mode %04o)", path, st->mode & S_ISUID ? "setuid" : "",
			   st->mode & S_ISGID ? (st->mode & S_ISUID ? "+setgid" : "setgid") : "",
			   (unsigned)(st->mode & 07777));
	if (r == 0 && (st->type == MOAT_FS_REG || st->type == MOAT_FS_DIR) &&
	    (st->mode & S_IWOTH) && !(st->type == MOAT_FS_DIR && (st->mode & S_ISVTX)))
		r = report(arena, out, "MOAT-IMG-011", "file", path, st->layer,
			   "/%s is world-writable (mode %04o)", path, (unsigned)(st->mode & 07777));
	root = st->type == MOAT_FS_REG && st->size ? cache_root(path, buf, sizeof(buf)) : NULL;
	if (r == 0 && root) {
		size_t n = strlen(root) - 1; /* without the trailing '/' */

		/* a walk visits a directory's files together: usually O(1) */
		if (out->last_cache && !strncmp(out->last_cache, root, n) && !out->last_cache[n])
			return 0;
		for (size_t i = 0; i < out->count; i++)
			if (out->items[i].path && !strncmp(out->items[i].path, root, n) &&
			    !out->items[i].path[n] &&
			    !strcmp(out->items[i].check->id, "MOAT-IMG-012"))
				return 0;
		char *dir = moat_arena_strndup(arena, root, n);

		r = dir ? report(arena, out, "MOAT-IMG-012", "file", dir, st->layer,
				 "/%s holds package manager cache files (e.g. /%s)", dir, path)
			: MOAT_E_LIMIT;
		out->last_cache = dir;
	}
	return r < 0 ? moat_error_set(err, r, "image file checks: out of memory") : 0;
}

int moat_misconfig_image_packages(const struct moat_pkg_list *pkgs, struct moat_arena *arena,
				  struct moat_misconfig_list *out, struct moat_error *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < pkgs->count; i++) {
		const struct moat_pkg *p = pkgs->items[i];
		bool apk = !strcmp(p->type, "apk");

		if (!moat_pkg_is_os(p))
			continue;
		if (!strcmp(p->name, "openssh-server") || !strcmp(p->name, "dropbear") ||
		    (apk && !strcmp(p->name, "openssh")))
			r = report(arena, out, "MOAT-IMG-013", "package", p->db_path,
				   p->layer_index, "%s %s is installed", p->name, p->version);
		else if (!strcmp(p->name, "sudo"))
			r = report(arena, out, "MOAT-IMG-014", "package", p->db_path,
				   p->layer_index, "%s %s is installed", p->name, p->version);
	}
	return r < 0 ? moat_error_set(err, r, "image package checks: out of memory") : 0;
}

struct image_walk {
	unsigned base_layers;
	struct moat_arena *arena;
	struct moat_misconfig_list *out;
	struct moat_error *err;
};

static int walk_file(void *ctx, const char *path, const struct moat_fs_stat *st)
{
	struct image_walk *w = ctx;

	return moat_misconfig_image_file(path, st, w->base_layers, w->arena, w->out, w->err);
}

int moat_misconfig_image(const struct moat_image_meta *meta, struct moat_fs *fs,
			 const struct moat_pkg_list *pkgs, unsigned base_layers,
			 struct moat_arena *arena, struct moat_misconfig_list *out,
			 struct moat_error *err)
{
	struct image_walk w = {base_layers, arena, out, err};
	int r = 0;

	/* A dir: target is a filesystem with no config or history of its own:
	 * "runs as root, no healthcheck" would be said of every directory. */
	if (meta && !(meta->source && !strcmp(meta->source, "dir")))
		r = moat_misconfig_image_config(meta, arena, out, err);
	if (r == 0 && fs)
		r = moat_fs_walk(fs, "", walk_file, &w, err);
	if (r == 0 && pkgs)
		r = moat_misconfig_image_packages(pkgs, arena, out, err);
	return r;
}
