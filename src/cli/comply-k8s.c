/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-k8s.c - `moat comply k8s PATH...` (CIS Kubernetes 5.x and Pod Security
 * Standards over manifests) and `moat comply node [--root DIR]` (CIS
 * Kubernetes 1.x, 2.x and 4.x from the node's files): moat.comply/v1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "cli.h"
#include "comply/k8s.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "report/comply-k8s.h"
#include "walk.h"


struct comply_args {
	enum cli_check_format format;
	const char *output;
	const char *root;
	const char *console; /* also upload the report there (--console URL) */
	const char *token;
	char **paths;
	int n_paths;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat comply k8s [options] PATH...\n"
		"       moat comply node [options] [--root DIR]\n\n"
		"k8s: check Kubernetes manifests (files or directories of *.yaml, *.yml,\n"
		"*.json; several documents, kubectl List output, Helm output) against the Pod\n"
		"Security Standards and CIS Kubernetes 5.x. node: CIS Kubernetes 1.x, 2.x and\n"
		"4.x checks of the kubelet config, static pod manifests, kubeconfigs and PKI\n"
		"below DIR (default /).\n\n"
		"options:\n"
		"  -f, --format FMT   table (default), json (moat.comply/v1), sarif\n"
		"  -o, --output FILE  write the report to FILE (atomically) instead of stdout\n"
		"      --root DIR     node: the host's root directory (default /)\n"
		"      --console URL  also upload the report to a moat console\n"
		"      --token T      the console's API token (default $MOAT_CONSOLE_TOKEN)\n"
		"  -h, --help         this help\n\n"
		"exit: 0 report written (WARN lines are findings, not errors), 2 bad arguments\n"
		"or input, 3 internal error\n");
}

static int parse_args(int argc, char **argv, struct comply_args *a)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"root", required_argument, NULL, 'R'},
		{"console", required_argument, NULL, 'U'},
		{"token", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_check_format(optarg, &a->format) < 0)
				return fprintf(stderr, "moat comply: unknown format '%s'\n",
					       optarg),
				       -EINVAL;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'R':
			a->root = optarg;
			break;
		case 'U':
			a->console = optarg;
			break;
		case 'K':
			a->token = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "moat comply: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	a->paths = argv + optind;
	a->n_paths = argc - optind;
	if (a->console && !a->token)
		a->token = getenv("MOAT_CONSOLE_TOKEN");
	if (a->console && (!a->token || !a->token[0]))
		return fprintf(stderr, "moat comply: --console needs --token T (or "
			       "$MOAT_CONSOLE_TOKEN)\n"), -EINVAL;
	return 0;
}

/* The JSON report to the console, whatever format went to the output. */
static int upload(const struct comply_args *a, const struct moat_k8s_report *rep)
{
	struct moat_error err = {0};
	struct moat_buf json;
	int r;

	moat_buf_init(&json, 0);
	r = moat_report_k8s_comply_json(&json, rep, &err);
	if (r == 0)
		r = cli_comply_upload(a->console, a->token, &json, &err);
	moat_buf_release(&json);
	if (r < 0) {
		cli_errorf("moat comply: upload to the console failed: %s\n", err.msg);
		return MOAT_EXIT_USAGE;
	}
	fprintf(stderr, "moat comply: uploaded to %s\n", a->console);
	return MOAT_EXIT_OK;
}

static int emit(const struct comply_args *a, const struct moat_k8s_report *rep)
{
	struct moat_error err = {0};
	struct moat_buf out;
	int r;

	moat_buf_init(&out, 0);
	r = a->format == CLI_CHECK_JSON    ? moat_report_k8s_comply_json(&out, rep, &err)
	    : a->format == CLI_CHECK_SARIF ? moat_report_k8s_comply_sarif(&out, rep, &err)
				    : moat_report_k8s_comply_table(&out, rep, &err);
	if (r == 0 && (r = cli_emit(a->output, &out)) < 0)
		fprintf(stderr, "moat comply: writing %s: %s\n", a->output ? a->output : "stdout",
			strerror(-r));
	else if (r < 0)
		fprintf(stderr, "moat comply: %s\n", err.msg);
	moat_buf_release(&out);
	if (r < 0)
		return MOAT_EXIT_INTERNAL;
	return a->console ? upload(a, rep) : MOAT_EXIT_OK;
}

struct k8s_run {
	struct moat_k8s_scan *scan;
	struct moat_buf text;
	size_t n_files;
	bool walked;
};

static int add_manifest(void *arg, const char *path)
{
	struct k8s_run *run = arg;
	struct moat_error err = {0};
	int r = moat_read_file(path, MOAT_K8S_MAX_FILE_BYTES, &run->text, &err);

	if (r == 0)
		r = moat_k8s_add(run->scan, path,
				 run->text.data ? run->text.data : (const uint8_t *)"", run->text.len,
				 &err);
	if ((r == MOAT_E_FORMAT || r == MOAT_E_LIMIT) && run->walked) {
		cli_errorf("moat comply: warning: skipped %s\n", err.msg);
		return 0;
	}
	if (r < 0)
		cli_errorf("moat comply: %s\n", err.msg[0] ? err.msg : moat_strerror(r));
	else
		run->n_files++;
	return r;
}

static bool any_manifest(const char *name)
{
	return moat_k8s_file_name(name);
}

static int comply_k8s(const struct comply_args *a, struct moat_arena *arena)
{
	struct k8s_run run = {0};
	struct moat_k8s_report rep = {.benchmark = "cis-k8s-1.9", .target = "manifests"};
	struct moat_k8s_result *res = NULL;
	struct moat_error err = {0};
	int r = 0;

	if (!a->n_paths)
		return fprintf(stderr, "moat comply k8s: no PATH given\n"), MOAT_EXIT_USAGE;
	if (moat_k8s_open(&run.scan, &err) < 0)
		return fprintf(stderr, "moat comply: %s\n", err.msg), MOAT_EXIT_INTERNAL;
	moat_buf_init(&run.text, 0);
	for (int i = 0; i < a->n_paths && r == 0; i++) {
		struct stat st;

		if (stat(a->paths[i], &st) < 0) {
			r = -errno;
			fprintf(stderr, "moat comply: %s: %s\n", a->paths[i], strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			run.walked = true;
			r = cli_walk("comply", a->paths[i], any_manifest, add_manifest, &run, arena);
		} else {
			run.walked = false;
			r = add_manifest(&run, a->paths[i]);
		}
	}
	/* an input error reports nothing: a partial result never looks complete */
	if (r < 0) {
		moat_buf_release(&run.text);
		moat_k8s_close(run.scan);
		return r == -ENOMEM ? MOAT_EXIT_INTERNAL : MOAT_EXIT_USAGE;
	}
	r = moat_k8s_finish(run.scan, &err);
	if (r == 0)
		r = moat_k8s_results(run.scan, arena, &res, &rep.n_checks, &err);
	rep.checks = res;
	rep.n_files = run.n_files;
	rep.n_objects = moat_k8s_objects(run.scan, MOAT_K8S_N_SCOPES);
	r = r < 0 ? (fprintf(stderr, "moat comply: %s\n", err.msg), MOAT_EXIT_INTERNAL)
		  : emit(a, &rep);
	moat_buf_release(&run.text);
	moat_k8s_close(run.scan);
	return r;
}

static int comply_node(const struct comply_args *a, struct moat_arena *arena)
{
	struct moat_k8s_report rep = {.benchmark = "cis-k8s-1.9", .target = "node"};
	struct moat_k8s_result *res = NULL;
	struct moat_error err = {0};
	struct stat st;
	const char *root = a->root ? a->root : "/";

	if (a->n_paths)
		return fprintf(stderr, "moat comply node: unexpected argument '%s'\n", a->paths[0]),
		       MOAT_EXIT_USAGE;
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return fprintf(stderr, "moat comply node: %s: not a directory\n", root),
		       MOAT_EXIT_USAGE;
	if (moat_k8s_node(root, arena, &res, &rep.n_checks, &err) < 0)
		return fprintf(stderr, "moat comply: %s\n", err.msg), MOAT_EXIT_INTERNAL;
	rep.checks = res;
	return emit(a, &rep);
}

int moat_cmd_comply_k8s(int argc, char **argv)
{
	struct comply_args a;
	struct moat_arena *arena;
	const char *what = argc > 1 ? argv[1] : NULL;
	int r;

	if (!what || !strcmp(what, "-h") || !strcmp(what, "--help")) {
		usage(what ? stdout : stderr);
		return what ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	}
	if (strcmp(what, "k8s") != 0 && strcmp(what, "node") != 0) {
		fprintf(stderr, "moat comply: unknown target '%s' (want k8s or node)\n", what);
		return MOAT_EXIT_USAGE;
	}
	r = parse_args(argc - 1, argv + 1, &a);
	if (r)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	arena = moat_arena_open(MOAT_LIMIT_ARENA_BYTES);
	if (!arena)
		return fprintf(stderr, "moat comply: out of memory\n"), MOAT_EXIT_INTERNAL;
	r = !strcmp(what, "k8s") ? comply_k8s(&a, arena) : comply_node(&a, arena);
	moat_arena_close(arena);
	return r;
}
