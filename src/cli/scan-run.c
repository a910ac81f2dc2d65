/* SPDX-License-Identifier: Apache-2.0 */
/* scan-run.c - read, catalogue and match one image (scan, sbom and top). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/warn.h"
#include "image/image.h"
#include "moat/error.h"
#include "sbom/lang.h"
#include "vuln/match.h"
#include "cli.h"
#include "scan-run.h"

/* OS packages the DB cannot be asked about (no os-release, or a distribution
 * without advisories) would pass any gate unseen: say so. */
static void warn_unmatched_os(struct scan_run *run)
{
	const struct moat_os *os = &run->cat.os;
	const struct moat_pkg *first = NULL;
	size_t n = 0, before = run->warnings.count, path_len;
	char buf[64];

	for (size_t i = 0; i < run->cat.pkgs.count; i++) {
		const struct moat_pkg *p = run->cat.pkgs.items[i];

		if (!p->evidence && !moat_match_ecosystem(os, p, buf, sizeof(buf))) {
			first = first ? first : p;
			n++;
		}
	}
	if (!n)
		return;
	path_len = first->db_path ? strlen(first->db_path) : 0;
	if (!os->id)
		moat_warnings_add(&run->warnings, "os-unknown", first->layer_index, first->db_path,
				  path_len, "%zu %s packages but no os-release: their "
				  "vulnerabilities were not matched", n, first->type);
	else
		moat_warnings_add(&run->warnings, "os-unsupported", first->layer_index,
				  first->db_path, path_len, "%zu %s packages of %s %s: no "
				  "advisories for this distribution; their vulnerabilities were "
				  "not matched", n, first->type, os->id,
				  os->version_id ? os->version_id : "-");
	if (run->warnings.count > before)
		run->warnings.items[before].layer_id = first->layer;
}

/* --severity (or the policy's severities) shows only those severities: of
 * content findings too. A filtered copy of the list; the findings are shared. */
static int filter_content(const struct vuln_args *va, struct scan_run *run, struct moat_error *err)
{
	const struct moat_finding_list *all = run->res.content;
	struct moat_finding_list *kept;

	if (!va || !va->severity_mask || !all || !all->count)
		return 0;
	kept = moat_arena_zalloc(run->cat.arena, sizeof(*kept));
	if (kept)
		kept->items = moat_arena_calloc(run->cat.arena, all->count,
						sizeof(*kept->items)); /* NOLINT(bugprone-sizeof-expression) */
	if (!kept || !kept->items)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < all->count; i++)
		if (va->severity_mask & (1u << (moat_severity_rank(all->items[i]->severity) + 1)))
			kept->items[kept->count++] = all->items[i];
	kept->cap = all->count;
	run->res.content = kept;
	return 0;
}

/* Content findings get their layers, owners and whiteout notes once the
 * image is complete; the owner boundary is the vulnerability side's. */
static int finish_detect(const struct scan_run_opts *o, struct scan_run *run,
			 struct moat_error *err)
{
	struct moat_detect_image img;
	int r;

	if (o->vuln && (r = scan_vulns_find_base(o->vuln, &run->opts, &run->cat, &run->vs,
						 err)) < 0)
		return r;
	img = (struct moat_detect_image){ run->cat.meta, run->cat.fs, &run->cat.pkgs,
					  &run->vs.base };
	r = moat_detect_finish(run->detect, &img, err);
	if (r < 0)
		return r;
	moat_warnings_append(&run->warnings, moat_detect_warnings(run->detect));
	run->res.content = moat_detect_findings(run->detect);
	if ((r = filter_content(o->vuln, run, err)) < 0)
		return r;
	/* The reports echo Env, Labels and history: with the secrets masked. */
	run->res.meta = moat_detect_redacted_meta(run->detect, run->cat.meta);
	if (!run->res.meta)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	run->res.base = run->res.base ? run->res.base : &run->vs.base;
	return 0;
}

int scan_run_open(const struct scan_run_opts *o, struct scan_run *run, struct moat_error *err)
{
	int r;

	run->opts.target = o->target;
	run->opts.limits = o->limits;
	run->opts.docker_host = o->docker_host;
	run->opts.registry = o->registry;
	run->opts.platform = o->platform;
	run->opts.want_content = moat_catalog_want;
	run->opts.want_roots = moat_catalog_roots;
	run->opts.visit_file = o->no_lang ? NULL : moat_lang_visit;
	run->opts.visit_ctx = NULL;
	run->opts.want_linked = o->no_lang ? NULL : moat_lang_want_linked;
	run->opts.progress = o->progress;
	moat_limits_fill(&run->opts.limits);
	/* The DB first: a gate without a usable DB fails before the image is read. */
	if (o->vulns && (r = scan_vulns_open(o->vuln, &run->vs, err)) < 0)
		return r;
	r = moat_lang_open(&run->opts.limits, &run->lang, err);
	if (r == 0 && run->opts.visit_file)
		run->opts.visit_ctx = run->lang;
	/* Content scanners see each file first and hand it on to the catalogers:
	 * one pass over the layers for both. */
	if (r == 0 && (o->detect.scanners & ~MOAT_SCAN_VULN)) {
		struct moat_detect_opts dopts = o->detect;
		struct moat_detect_allow *allow = NULL;
		json_t *owner = NULL;

		dopts.limits = &run->opts.limits;
		dopts.next_visit = run->opts.visit_file;
		dopts.next_ctx = run->opts.visit_ctx;
		/* The policy's secrets.allow (a --policy also read by the gate). */
		if ((dopts.scanners & MOAT_SCAN_SECRET) && o->vuln)
			r = scan_secret_allow(o->vuln->policy, &allow, &dopts.n_secret_allow, &owner,
					      err);
		dopts.secret_allow = allow;
		if (r == 0)
			r = moat_detect_open(&dopts, &run->detect, err);
		scan_secret_allow_free(allow, dopts.n_secret_allow, owner);
		run->opts.visit_file = moat_detect_visit;
		run->opts.visit_ctx = run->detect;
	}
	if (r == 0)
		r = moat_image_open(&run->opts, &run->img, err);
	if (r < 0)
		return r;
	run->cat.fs = moat_image_fs(run->img);
	run->cat.arena = moat_image_arena(run->img);
	run->cat.meta = moat_image_meta(run->img);
	run->cat.limits = &run->opts.limits;
	run->cat.lang = run->lang;
	if (!o->no_lang &&
	    (r = moat_lang_visit_linked(run->lang, run->cat.fs, run->cat.meta, err)) < 0)
		return r;
	if ((r = moat_catalog_run(&run->cat, err)) < 0)
		return r;
	/* One list for the report: what reading skipped, then the catalogers. */
	run->warnings.arena = run->cat.arena;
	moat_warnings_append(&run->warnings, moat_image_warnings(run->img));
	moat_warnings_append(&run->warnings, moat_lang_warnings(run->lang));
	run->res = (struct moat_scan_result){ run->cat.meta, &run->cat.os, &run->cat.pkgs,
					      &run->cat.removed, run->cat.fs };
	run->res.warnings = &run->warnings;
	if (o->vulns) {
		if ((r = scan_vulns(o->vuln, &run->opts, &run->cat, &run->vs, &run->res, err)) < 0)
			return r;
		if (run->res.vulns)
			warn_unmatched_os(run);
	}
	return run->detect ? finish_detect(o, run, err) : 0;
}

void scan_run_close(struct scan_run *run)
{
	moat_image_close(run->img);
	moat_lang_close(run->lang);
	moat_detect_close(run->detect);
	scan_vulns_release(&run->vs);
	run->img = NULL;
	run->lang = NULL;
	run->detect = NULL;
}

int scan_registry_insecure(struct scan_registry_args *ra, const char *host)
{
	size_t n = 0;

	while (ra->insecure[n])
		n++;
	if (n == SCAN_MAX_INSECURE)
		return -E2BIG;
	ra->insecure[n] = host;
	ra->opts.insecure = ra->insecure;
	return 0;
}

int scan_exit_code(int r)
{
	/* Unreachable registries and engines are the input's problem too. */
	if (moat_error_is_input(r) || r == -ENOENT || r == -EACCES || r == -ENOTDIR ||
	    r == -EISDIR || r == -ELOOP || r == -ECONNREFUSED || r == -ETIMEDOUT ||
	    r == -EHOSTUNREACH || r == -ECONNRESET)
		return MOAT_EXIT_USAGE;
	return MOAT_EXIT_INTERNAL;
}

void scan_report_error(const char *cmd, const char *target, int r, const struct moat_error *err)
{
	const char *colon = strchr(target, ':');
	const char *path = colon && target[0] != '/' ? colon + 1 : target;
	const char *msg = err->msg[0] ? err->msg : moat_strerror(r);

	/* The message may quote the image (tags, paths): escaped for the terminal. */
	if (!strncmp(msg, target, strlen(target)) || !strncmp(msg, path, strlen(path)))
		cli_errorf("moat %s: %s\n", cmd, msg);
	else
		cli_errorf("moat %s: %s: %s\n", cmd, target, msg);
}

void scan_print_warnings(const char *cmd, const struct moat_warnings *w)
{
	for (size_t i = 0; w && i < w->count; i++) {
		const struct moat_warning *it = &w->items[i];
		char layer[64] = "";

		if (it->layer >= 0)
			snprintf(layer, sizeof(layer), "layer %d%s%.19s%s: ", it->layer + 1,
				 it->layer_id ? " (" : "", it->layer_id ? it->layer_id : "",
				 it->layer_id ? ")" : "");
		cli_errorf("moat %s: warning: %s: %s%s%s%s\n", cmd, it->code, layer,
			   it->path ? it->path : "", it->path ? ": " : "", it->message);
	}
	if (w && w->dropped)
		fprintf(stderr, "moat %s: warning: %zu more warnings not listed\n", cmd,
			w->dropped);
}
