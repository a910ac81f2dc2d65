/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-k8s.c - `moat comply k8s PATH...` (CIS Kubernetes 5.x and Pod Security
 * Standards over manifests) and `moat comply node [--root DIR]` (CIS
 * Kubernetes 1.x, 2.x and 4.x from the node's files): moat.comply/v1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "cli.h"
#include "comply/controls.h"
#include "comply/k8s.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "report/comply-k8s.h"
#include "walk.h"


struct comply_args {
	enum cli_check_format format;
	const char *output;
	const char *root;
	const char *framework;	      /* --compliance */
	struct cli_comply_policy pol; /* --policy, --fail-on */
	bool list;
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
		"  -f, --format FMT    table (default), json (moat.comply/v1), sarif\n"
		"  -o, --output FILE   write the report to FILE (atomically) instead of stdout\n"
		"      --root DIR      node: the host's root directory (default /)\n"
		"      --compliance FW also the status of each control of FW: nist-800-190,\n"
		"                      pci, hipaa, gdpr\n"
		"      --policy FILE   a policy file: its comply.k8s (comply.node) section turns\n"
		"                      checks off or makes them block (docs/policy.md)\n"
		"      --fail-on IDS   these checks block too (comma-separated ids, or all)\n"
		"      --list-checks   print every check: id, controls\n"
		"      --console URL   enforce the console's compliance policies (the stricter\n"
		"                      of them and --policy wins per check) and upload the\n"
		"                      report; a console that cannot be read exits 2\n"
		"      --token T       the console's API token (default $MOAT_CONSOLE_TOKEN)\n"
		"  -h, --help          this help\n\n"
		"exit: 0 report written and no blocking check warns (alert-level WARN lines\n"
		"are findings, not errors), 1 a blocking check warns, 2 bad arguments, input\n"
		"or policy, 3 internal error\n");
}

static int parse_args(int argc, char **argv, struct comply_args *a)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"root", required_argument, NULL, 'R'},
		{"compliance", required_argument, NULL, 'C'},
		{"policy", required_argument, NULL, 'P'},
		{"fail-on", required_argument, NULL, 'F'},
		{"console", required_argument, NULL, 'U'},
		{"token", required_argument, NULL, 'K'},
		{"list-checks", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

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
		case 'C':
		case 'P':
		case 'F':
		case 'U':
		case 'K':
			if (cli_comply_option(c, optarg, &a->framework, &a->pol) < 0)
				return -EINVAL;
			break;
		case 'L':
			a->list = true;
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
	return 0;
}

/* Drop the checks the policy turns off; the action of the others, and
 * whether a blocking one warns. */
static int apply_policy(const struct comply_args *a, struct moat_k8s_report *rep,
			struct moat_k8s_result *res, struct moat_arena *arena)
{
	const char **actions = moat_arena_calloc(arena, rep->n_checks + 1, sizeof(*actions));
	size_t o = 0;

	if (!actions)
		return -ENOMEM;
	for (size_t i = 0; i < rep->n_checks; i++) {
		const char *act = cli_comply_action(&a->pol, res[i].id);

		if (!strcmp(act, "off"))
			continue;
		actions[o] = act;
		rep->failed |= !strcmp(act, "block") && !strcmp(res[i].result, "WARN");
		res[o++] = res[i];
	}
	rep->n_checks = o;
	rep->actions = cli_comply_has_policy(&a->pol) ? actions : NULL;
	return 0;
}

static int report_json(struct moat_buf *out, const void *rep, struct moat_error *err)
{
	return moat_report_k8s_comply_json(out, rep, err);
}

static int emit(const struct comply_args *a, struct moat_k8s_report *rep,
		struct moat_k8s_result *res, struct moat_arena *arena)
{
	struct moat_error err = {0};
	struct moat_buf out;
	int r;

	rep->checks = res;
	rep->framework = a->framework;
	if (apply_policy(a, rep, res, arena) < 0)
		return fprintf(stderr, "moat comply: out of memory\n"), MOAT_EXIT_INTERNAL;
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
	return cli_comply_upload_report(&a->pol, report_json, rep,
					rep->failed ? MOAT_EXIT_POLICY : MOAT_EXIT_OK);
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
	rep.n_files = run.n_files;
	rep.n_objects = moat_k8s_objects(run.scan, MOAT_K8S_N_SCOPES);
	r = r < 0 ? (fprintf(stderr, "moat comply: %s\n", err.msg), MOAT_EXIT_INTERNAL)
		  : emit(a, &rep, res, arena);
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
	return emit(a, &rep, res, arena);
}

static bool known_manifest_check(const char *id)
{
	return moat_k8s_check_find(id) != NULL;
}

static bool known_node_check(const char *id)
{
	return moat_k8s_node_check_find(id) != NULL;
}

static void list_one(struct moat_buf *out, const char *id, const char *title, unsigned themes)
{
	const char *ids[MOAT_CONTROLS_MAX];
	size_t k = moat_controls_of(themes, ids, MOAT_CONTROLS_MAX);

	moat_buf_appendf(out, "%-13s %s\n        controls:", id, title); /* node: no title */
	for (size_t j = 0; j < k; j++)
		moat_buf_appendf(out, " %s", ids[j]);
	moat_buf_putc(out, '\n');
}

/* --list-checks: every check of the target with the controls it serves. */
static int list_checks(const struct comply_args *a, bool node)
{
	struct moat_buf out;
	size_t n;
	int r;

	moat_buf_init(&out, 0);
	if (node) {
		const struct moat_k8s_node_check *c = moat_k8s_node_checks(&n);

		for (size_t i = 0; i < n; i++)
			list_one(&out, c[i].id, "", c[i].themes);
	} else {
		const struct moat_k8s_check *c = moat_k8s_checks(&n);

		for (size_t i = 0; i < n; i++)
			list_one(&out, c[i].info.id, c[i].info.title, c[i].themes);
	}
	moat_buf_appendf(&out, "%zu checks\n", n);
	r = cli_emit(a->output, &out);
	moat_buf_release(&out);
	return r < 0 ? MOAT_EXIT_INTERNAL : MOAT_EXIT_OK;
}

int moat_cmd_comply_k8s(int argc, char **argv)
{
	struct comply_args a = {0};
	struct moat_arena *arena;
	const char *what = argc > 1 ? argv[1] : NULL;
	bool node;
	int r;

	if (!what || !strcmp(what, "-h") || !strcmp(what, "--help")) {
		usage(what ? stdout : stderr);
		return what ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	}
	if (strcmp(what, "k8s") != 0 && strcmp(what, "node") != 0) {
		fprintf(stderr, "moat comply: unknown target '%s' (want k8s or node)\n", what);
		return MOAT_EXIT_USAGE;
	}
	node = !strcmp(what, "node");
	a.pol = (struct cli_comply_policy){
		.cmd = node ? "moat comply node" : "moat comply k8s", .bench = node ? "node" : "k8s",
		.known = node ? known_node_check : known_manifest_check};
	r = parse_args(argc - 1, argv + 1, &a);
	if (r)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if (a.list)
		return list_checks(&a, node);
	r = cli_comply_policy_load(&a.pol);
	if (!a.framework && a.pol.framework[0])
		a.framework = a.pol.framework;  /* a console policy's template */
	if (r) {
		cli_comply_policy_release(&a.pol);
		return r;
	}
	arena = moat_arena_open(MOAT_LIMIT_ARENA_BYTES);
	if (!arena) {
		cli_comply_policy_release(&a.pol);
		return fprintf(stderr, "moat comply: out of memory\n"), MOAT_EXIT_INTERNAL;
	}
	r = node ? comply_node(&a, arena) : comply_k8s(&a, arena);
	moat_arena_close(arena);
	cli_comply_policy_release(&a.pol);
	return r;
}
