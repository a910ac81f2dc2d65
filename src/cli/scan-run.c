/* SPDX-License-Identifier: Apache-2.0 */
/* scan-run.c - read, catalogue and match one image (scan, sbom and top). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "image/image.h"
#include "moat/error.h"
#include "sbom/lang.h"
#include "cli.h"
#include "scan-run.h"

int scan_run_open(const struct scan_run_opts *o, struct scan_run *run, struct moat_error *err)
{
	int r;

	run->opts.target = o->target;
	run->opts.limits = o->limits;
	run->opts.docker_host = o->docker_host;
	run->opts.want_content = moat_catalog_want;
	run->opts.visit_file = o->no_lang ? NULL : moat_lang_visit;
	run->opts.progress = o->progress;
	moat_limits_fill(&run->opts.limits);
	/* The DB first: a gate without a usable DB fails before the image is read. */
	if (o->vulns && (r = scan_vulns_open(o->vuln, &run->vs, err)) < 0)
		return r;
	r = moat_lang_open(&run->opts.limits, &run->lang, err);
	run->opts.visit_ctx = run->lang;
	if (r == 0)
		r = moat_image_open(&run->opts, &run->img, err);
	if (r < 0)
		return r;
	run->cat.fs = moat_image_fs(run->img);
	run->cat.arena = moat_image_arena(run->img);
	run->cat.meta = moat_image_meta(run->img);
	run->cat.limits = &run->opts.limits;
	run->cat.lang = run->lang;
	if ((r = moat_catalog_run(&run->cat, err)) < 0)
		return r;
	run->res = (struct moat_scan_result){ run->cat.meta, &run->cat.os, &run->cat.pkgs,
					      &run->cat.removed, run->cat.fs };
	if (!o->vulns)
		return 0;
	return scan_vulns(o->vuln, &run->opts, &run->cat, &run->vs, &run->res, err);
}

void scan_run_close(struct scan_run *run)
{
	moat_image_close(run->img);
	moat_lang_close(run->lang);
	scan_vulns_release(&run->vs);
	run->img = NULL;
	run->lang = NULL;
}

int scan_exit_code(int r)
{
	if (moat_error_is_input(r) || r == -ENOENT || r == -EACCES || r == -ENOTDIR ||
	    r == -EISDIR || r == -ELOOP)
		return MOAT_EXIT_USAGE;
	return MOAT_EXIT_INTERNAL;
}

void scan_report_error(const char *cmd, const char *target, int r, const struct moat_error *err)
{
	const char *colon = strchr(target, ':');
	const char *path = colon && target[0] != '/' ? colon + 1 : target;
	const char *msg = err->msg[0] ? err->msg : moat_strerror(r);

	if (!strncmp(msg, target, strlen(target)) || !strncmp(msg, path, strlen(path)))
		fprintf(stderr, "moat %s: %s\n", cmd, msg);
	else
		fprintf(stderr, "moat %s: %s: %s\n", cmd, target, msg);
}
