/* SPDX-License-Identifier: Apache-2.0 */
/*
 * top.c - `moat top`: the N riskiest findings across images.
 *
 * Each target goes through the same pipeline as `moat scan` (scan-run.h,
 * with the same vulnerability options: --db, --context, --ignore-file,
 * --vex, --severity ...); suppressed findings are left out. A scan's list is
 * already sorted by risk, so only its first N unsuppressed findings can
 * make the overall top N: those are copied out before the image's arena is
 * released, and the union is sorted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "moat/error.h"
#include "cli.h"
#include "scan-run.h"
#include "scan-vuln.h"

/* What one row needs once the image is closed (strings in the top arena). */
struct top_item {
	size_t image;           /* index into the targets */
	size_t seq;             /* position in its image's list: a stable tie-break */
	const char *package, *version, *id, *severity, *fixed, *owner, *base_image;
	int risk;
};

struct top_args {
	size_t n;
	bool json;
	bool no_lang;
	const char *docker_host;
	char **targets;
	size_t n_targets;
	struct vuln_args vuln;
};

struct top_state {
	struct moat_arena *arena;
	struct top_item *items;
	size_t count, cap;
};

#define TOP_MAX_N 100000u
#define TOP_ARENA_BYTES (256u << 20)

static void usage(FILE *out)
{
	fputs("usage: moat top [options] TARGET...\n\n"
	      "The N riskiest findings (risk score, docs/risk.md) across the images.\n\n"
	      "options:\n"
	      "  -n, --top N             how many (default 10)\n"
	      "  -f, --format FMT        table (default) or json\n"
	      "      --no-lang           OS packages only\n"
	      "      --docker-host SOCK  Docker Engine socket for docker: targets\n"
	      "  -h, --help              this help\n", out);
	scan_vuln_usage(out);
}

static int parse_n(const char *s, size_t *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > TOP_MAX_N)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct top_args *a)
{
	static struct option opts[40];
	static const struct option own[] = {
		{ "top", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "no-lang", no_argument, NULL, 'N' },
		{ "docker-host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
	};
	size_t n_own = sizeof(own) / sizeof(own[0]);
	int c, r;

	memset(opts, 0, sizeof(opts));
	memcpy(opts, own, sizeof(own));
	memcpy(opts + n_own, scan_vuln_options, scan_vuln_n_options * sizeof(*opts));
	memset(a, 0, sizeof(*a));
	a->n = 10;
	scan_vuln_args_init(&a->vuln);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_n(optarg, &a->n) < 0)
				return fprintf(stderr, "moat top: bad -n '%s' (1-%u)\n", optarg,
					       TOP_MAX_N), -EINVAL;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0)
				return fprintf(stderr, "moat top: unknown format '%s'\n", optarg), -EINVAL;
			a->json = !strcmp(optarg, "json");
			break;
		case 'N': a->no_lang = true; break;
		case 'H': a->docker_host = optarg; break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			r = c >= 0x200 ? scan_vuln_option(c, optarg, &a->vuln) : 0;
			if (r < 0)
				return r;
			if (r > 0)
				break;
			fprintf(stderr, "moat top: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "moat top: no target given\n");
		usage(stderr);
		return -EINVAL;
	}
	a->targets = argv + optind;
	a->n_targets = (size_t)(argc - optind);
	return 0;
}

static const char *keep(struct moat_arena *arena, const char *s)
{
	return s ? moat_arena_strdup(arena, s) : NULL;
}

static int push(struct top_state *st, size_t image, size_t seq, const struct moat_vuln_finding *f,
		struct moat_error *err)
{
	struct top_item *it;

	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct top_item *grown = moat_arena_grow(st->arena, st->items, st->count, cap,
							 sizeof(*grown));

		if (!grown)
			return moat_error_set(err, MOAT_E_LIMIT, "moat top: out of memory");
		st->items = grown;
		st->cap = cap;
	}
	it = &st->items[st->count];
	*it = (struct top_item){ .image = image, .seq = seq, .risk = f->risk.score };
	it->package = keep(st->arena, f->pkg->name);
	it->version = keep(st->arena, f->installed_version);
	it->id = keep(st->arena, f->id);
	it->severity = keep(st->arena, f->severity);
	it->fixed = keep(st->arena, f->fixed_version);
	it->owner = keep(st->arena, f->owner);
	it->base_image = keep(st->arena, f->base_image);
	if (!it->package || !it->id)
		return moat_error_set(err, MOAT_E_LIMIT, "moat top: out of memory");
	st->count++;
	return 0;
}

/* Scan one target and keep its first n unsuppressed findings. */
static int scan_target(struct top_args *a, size_t image, struct top_state *st,
		       struct moat_error *err)
{
	struct scan_run_opts ro = {
		.target = a->targets[image], .docker_host = a->docker_host, .no_lang = a->no_lang,
		.vulns = true, .vuln = &a->vuln,
	};
	struct scan_run run = { 0 };
	const struct moat_vuln_list *list;
	size_t kept = 0;
	int r = scan_run_open(&ro, &run, err);

	if (r == 0)
		scan_print_warnings("top", &run.warnings);
	if (r == 0 && !run.res.vulns)
		r = moat_error_set(err, MOAT_E_USAGE, "no vulnerability DB (give --db or run "
				   "`moat db update`)");
	list = run.res.vulns;
	for (size_t i = 0; r == 0 && i < list->count && kept < a->n; i++) {
		if (list->items[i]->suppressed)
			continue;
		r = push(st, image, i, list->items[i], err);
		kept++;
	}
	scan_run_close(&run);
	return r;
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct top_item *x = pa, *y = pb;

	if (x->risk != y->risk)
		return y->risk - x->risk;
	if (moat_severity_rank(x->severity) != moat_severity_rank(y->severity))
		return moat_severity_rank(y->severity) - moat_severity_rank(x->severity);
	if (x->image != y->image)
		return x->image < y->image ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

/* Package names, versions and base image names come from images: every
 * cell is escaped for the terminal (base/term.h). */
static int print_table(const struct top_args *a, const struct top_state *st, size_t n)
{
	struct moat_buf out;
	int r;

	moat_buf_init(&out, 0);
	moat_buf_appendf(&out, "%-4s %-4s %-10s %-20s %-24s %-28s %-28s %-18s %s\n", "#", "RISK",
			 "SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED", "OWNER", "IMAGE");
	for (size_t i = 0; i < n; i++) {
		const struct top_item *it = &st->items[i];
		char owner[64];

		if (it->base_image && !strcmp(dash(it->owner), "base"))
			snprintf(owner, sizeof(owner), "base (%s)", it->base_image);
		else
			snprintf(owner, sizeof(owner), "%s", dash(it->owner));
		moat_buf_appendf(&out, "%-4zu %-4d ", i + 1, it->risk);
		moat_term_pad(&out, dash(it->severity), 10);
		moat_buf_putc(&out, ' ');
		moat_term_pad(&out, it->id, 20);
		moat_buf_putc(&out, ' ');
		moat_term_pad(&out, it->package, 24);
		moat_buf_putc(&out, ' ');
		moat_term_pad(&out, dash(it->version), 28);
		moat_buf_putc(&out, ' ');
		moat_term_pad(&out, dash(it->fixed), 28);
		moat_buf_putc(&out, ' ');
		moat_term_pad(&out, owner, 18);
		moat_buf_putc(&out, ' ');
		moat_term_str(&out, a->targets[it->image]);
		moat_buf_putc(&out, '\n');
	}
	if (!n)
		moat_buf_append_str(&out, "no findings\n");
	r = out.data ? cli_emit(NULL, &out) : -ENOMEM;
	moat_buf_release(&out);
	return r;
}

static int print_json(const struct top_args *a, const struct top_state *st, size_t n)
{
	struct moat_buf out;
	struct moat_jw jw;
	int r;

	moat_buf_init(&out, 0);
	moat_jw_init(&jw, &out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kuint(&jw, "top", a->n);
	moat_jw_key(&jw, "images");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < a->n_targets; i++)
		moat_jw_str(&jw, a->targets[i]);
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "findings");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < n; i++) {
		const struct top_item *it = &st->items[i];

		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "image", a->targets[it->image]);
		moat_jw_kstr(&jw, "id", it->id);
		moat_jw_kstr(&jw, "package", it->package);
		moat_jw_kstr(&jw, "installed_version", it->version);
		moat_jw_kstr(&jw, "fixed_version", it->fixed);
		moat_jw_kstr(&jw, "severity", it->severity);
		moat_jw_kint(&jw, "risk", it->risk);
		moat_jw_kstr(&jw, "owner", it->owner);
		moat_jw_kstr(&jw, "base_image", it->base_image);
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = cli_emit(NULL, &out);
	moat_buf_release(&out);
	return r;
}

int moat_cmd_top(int argc, char **argv)
{
	struct top_args a;
	struct top_state st = { 0 };
	struct moat_error err = { 0 };
	size_t i = 0, n;
	int r = parse_args(argc, argv, &a);

	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	st.arena = moat_arena_open(TOP_ARENA_BYTES);
	if (!st.arena)
		return fprintf(stderr, "moat top: out of memory\n"), MOAT_EXIT_INTERNAL;
	for (; r == 0 && i < a.n_targets; i++)
		r = scan_target(&a, i, &st, &err);
	if (r < 0) {
		scan_report_error("top", a.targets[i - 1], r, &err);
		moat_arena_close(st.arena);
		return scan_exit_code(r);
	}
	if (st.count)
		qsort(st.items, st.count, sizeof(*st.items), cmp_items);
	n = st.count < a.n ? st.count : a.n;
	if (a.json)
		r = print_json(&a, &st, n);
	else
		r = print_table(&a, &st, n);
	moat_arena_close(st.arena);
	if (r < 0)
		return fprintf(stderr, "moat top: stdout: %s\n", moat_strerror(r)), MOAT_EXIT_INTERNAL;
	return MOAT_EXIT_OK;
}
