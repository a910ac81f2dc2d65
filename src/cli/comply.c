/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply.c - `moat comply docker`: the CIS Docker Benchmark 1.6 checks
 * against a live engine and its host (src/comply/cis-*.c), with a policy's
 * comply: section turning checks off or making them block, and the
 * per-control view of a compliance framework (--compliance).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "cli.h"
#include "comply/cis-docker.h"
#include "comply/controls.h"
#include "moat/error.h"
#include "policy/policy.h"
#include "report/comply-report.h"
#include "runtime/docker.h"

/* Per-audit memory: facts and evidence strings; hosts with many thousands
 * of containers stay far below it. */
#define COMPLY_ARENA_MAX (256ull << 20)


struct comply_args {
	enum cli_check_format format;
	const char *output;
	const char *host;
	const char *framework;
	struct cli_comply_policy pol; /* --policy, --fail-on */
	bool list;
	struct moat_cis_opts opts;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat comply docker [options]\n\n"
		"Audit a Docker engine and its host against the CIS Docker Benchmark 1.6\n"
		"(sections 1-6, ids as docker-bench-security numbers them).\n\n"
		"options:\n"
		"  -f, --format FMT        table (default), json (moat.comply/v1), sarif\n"
		"  -o, --output FILE       write the report to FILE (atomically) instead of stdout\n"
		"      --docker-host SOCK  the engine's unix socket (default $DOCKER_HOST or\n"
		"                          /var/run/docker.sock)\n"
		"      --compliance FW     also the status of each control of FW: nist-800-190,\n"
		"                          pci, hipaa, gdpr\n"
		"      --policy FILE       a policy file: its comply.docker section turns checks\n"
		"                          off or makes them block (docs/policy.md)\n"
		"      --fail-on IDS       these checks block too (comma-separated ids, or all)\n"
		"      --all               also stopped containers (default: running ones)\n"
		"      --trusted-users L   1.1.2: the docker group members you trust (comma list)\n"
		"      --audit-rules FILE  read audit rules from FILE instead of auditctl -l\n"
		"      --list-checks       print every check: id, level, title, controls\n"
		"      --console URL       enforce the console's compliance policies (the\n"
		"                          stricter of them and --policy wins per check) and\n"
		"                          upload the report; a console that cannot be read\n"
		"                          exits 2\n"
		"      --token T           the console's API token (role ci, admin or defender;\n"
		"                          default $MOAT_CONSOLE_TOKEN)\n"
		"  -h, --help              this help\n\n"
		"exit: 0 no blocking check warns, 1 one does, 2 bad arguments or input,\n"
		"3 the engine cannot be read\n");
}

static int bad_arg(const char *what, const char *v)
{
	fprintf(stderr, "moat comply docker: bad %s '%s'\n", what, v);
	usage(stderr);
	return -EINVAL;
}

static int parse_args(int argc, char **argv, struct comply_args *a)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"docker-host", required_argument, NULL, 'H'},
		{"compliance", required_argument, NULL, 'C'},
		{"policy", required_argument, NULL, 'P'},
		{"fail-on", required_argument, NULL, 'F'},
		{"console", required_argument, NULL, 'U'},
		{"token", required_argument, NULL, 'K'},
		{"all", no_argument, NULL, 'A'},
		{"trusted-users", required_argument, NULL, 'T'},
		{"audit-rules", required_argument, NULL, 'R'},
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
				return bad_arg("--format", optarg);
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'H':
			a->host = !strncmp(optarg, "unix://", 7) ? optarg + 7 : optarg;
			if (!*a->host || strstr(a->host, "://"))
				return bad_arg("--docker-host (a unix socket path)", optarg);
			break;
		case 'C':
		case 'P':
		case 'F':
		case 'U':
		case 'K':
			if (cli_comply_option(c, optarg, &a->framework, &a->pol) < 0)
				return usage(stderr), -EINVAL;
			break;
		case 'A':
			a->opts.all_containers = true;
			break;
		case 'T':
			a->opts.trusted_users = optarg;
			break;
		case 'R':
			a->opts.audit_rules = optarg;
			break;
		case 'L':
			a->list = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "moat comply docker: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		return bad_arg("argument", argv[optind]);
	return 0;
}

static bool known_check(const char *id)
{
	return moat_cis_check_find(id) != NULL;
}

/* Is id in the comma-separated list (or is the list "all")? */
static bool listed(const char *list, const char *id)
{
	size_t n = strlen(id);

	if (!list)
		return false;
	if (!strcmp(list, "all"))
		return true;
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, ",");

		if (w == n && !strncmp(p, id, n))
			return true;
		p += w + (p[w] == ',');
	}
	return false;
}

static int check_fail_on(const struct cli_comply_policy *p)
{
	char id[32];

	if (!p->fail_on || !strcmp(p->fail_on, "all"))
		return 0;
	for (const char *s = p->fail_on; *s;) {
		size_t w = strcspn(s, ",");

		if (!w || w >= sizeof(id)) {
			fprintf(stderr, "%s: bad --fail-on '%s'\n", p->cmd, p->fail_on);
			return MOAT_EXIT_USAGE;
		}
		memcpy(id, s, w);
		id[w] = 0;
		if (!p->known(id)) {
			fprintf(stderr, "%s: bad --fail-on check id '%s'\n", p->cmd, id);
			return MOAT_EXIT_USAGE;
		}
		s += w + (s[w] == ',');
	}
	return 0;
}

int cli_comply_option(int opt, const char *arg, const char **framework,
		      struct cli_comply_policy *p)
{
	size_t n;

	switch (opt) {
	case 'C':
		if (!moat_controls(arg, &n)) {
			fprintf(stderr, "%s: bad --compliance '%s' (nist-800-190, pci, hipaa, gdpr)\n",
				p->cmd, arg);
			return -1;
		}
		*framework = arg;
		return 1;
	case 'P':
		p->path = arg;
		return 1;
	case 'F':
		p->fail_on = arg;
		return 1;
	case 'U':
		p->console = arg;
		return 1;
	case 'K':
		p->token = arg;
		return 1;
	}
	return 0;
}

int cli_comply_policy_load(struct cli_comply_policy *p)
{
	struct moat_error err = {0};
	const char *unknown;

	if (check_fail_on(p))
		return MOAT_EXIT_USAGE;
	if (p->console && !p->token)
		p->token = getenv("MOAT_CONSOLE_TOKEN");
	if (p->console && (!p->token || !p->token[0])) {
		fprintf(stderr, "%s: --console needs --token T (or $MOAT_CONSOLE_TOKEN)\n", p->cmd);
		return MOAT_EXIT_USAGE;
	}
	if (p->console && cli_comply_pull(p))
		return MOAT_EXIT_USAGE;
	if (!p->path)
		return 0;
	if (moat_policy_load(p->path, &p->policy, &err) < 0) {
		fprintf(stderr, "%s: %s\n", p->cmd, err.msg);
		return MOAT_EXIT_USAGE;
	}
	unknown = moat_policy_comply_unknown(p->policy, p->bench, p->known);
	if (unknown) {
		cli_errorf("%s: %s: comply.%s.checks: unknown check '%s' (%s --list-checks)\n",
			   p->cmd, p->path, p->bench, unknown, p->cmd);
		return MOAT_EXIT_USAGE;
	}
	return 0;
}

const char *cli_comply_action(const struct cli_comply_policy *p, const char *id)
{
	enum moat_policy_action act = moat_policy_comply_merged(p->policy, p->console_pol,
								p->n_console, p->bench, id);

	if (listed(p->fail_on, id) && act != MOAT_POLICY_OFF)
		act = MOAT_POLICY_BLOCK;
	return act == MOAT_POLICY_OFF ? "off" : act == MOAT_POLICY_BLOCK ? "block" : "alert";
}

bool cli_comply_has_policy(const struct cli_comply_policy *p)
{
	return p->path || p->fail_on || p->n_console;
}

void cli_comply_policy_release(struct cli_comply_policy *p)
{
	moat_policy_free(p->policy);
	p->policy = NULL;
	moat_policy_list_free(p->console_pol, p->n_console);
	p->console_pol = NULL;
	p->n_console = 0;
}

static void list_checks(struct moat_buf *out)
{
	size_t n;
	const struct moat_cis_check *c = moat_cis_checks(&n);

	for (size_t i = 0; i < n; i++) {
		const char *ids[MOAT_CONTROLS_MAX];
		size_t k = moat_controls_of(c[i].themes, ids, MOAT_CONTROLS_MAX);

		moat_buf_appendf(out, "%-7s L%u %-9s %s\n        controls:", c[i].id, c[i].level,
				 c[i].automated ? "automated" : "manual", c[i].title);
		for (size_t j = 0; j < k; j++)
			moat_buf_appendf(out, " %s", ids[j]);
		moat_buf_putc(out, '\n');
	}
	moat_buf_appendf(out, "%zu checks\n", n);
}

/* Drop checks the policy turns off; the action of the others. */
static void apply_policy(const struct cli_comply_policy *pol, struct moat_cis_report *rep,
			 const char **actions, bool *failed)
{
	size_t o = 0;

	for (size_t i = 0; i < rep->count; i++) {
		const char *act = cli_comply_action(pol, rep->items[i].check->id);

		if (!strcmp(act, "off"))
			continue;
		actions[o] = act;
		*failed |= !strcmp(act, "block") && rep->items[i].verdict == MOAT_CIS_WARN;
		rep->items[o++] = rep->items[i];
	}
	rep->count = o;
}

static int write_report(const struct comply_args *a, const struct moat_comply_result *res)
{
	struct moat_buf out;
	struct moat_error err = {0};
	int r;

	moat_buf_init(&out, 0);
	if (a->format == CLI_CHECK_JSON)
		r = moat_report_comply_json(&out, res, true, &err);
	else if (a->format == CLI_CHECK_SARIF)
		r = moat_report_comply_sarif(&out, res, &err);
	else
		r = moat_report_comply_table(&out, res, &err);
	if (r == 0 && (r = cli_emit(a->output, &out)) < 0)
		fprintf(stderr, "moat comply docker: %s: %s\n", a->output ? a->output : "stdout",
			strerror(-r));
	else if (r < 0)
		fprintf(stderr, "moat comply docker: %s\n", err.msg);
	moat_buf_release(&out);
	return r;
}

static int report_json(struct moat_buf *out, const void *res, struct moat_error *err)
{
	return moat_report_comply_json(out, res, false, err);
}

static int run_docker(const struct comply_args *a)
{
	struct moat_arena *arena = moat_arena_open(COMPLY_ARENA_MAX);
	struct moat_docker *docker = NULL;
	struct moat_cis_facts *facts = NULL;
	struct moat_cis_report rep = {0};
	struct moat_error err = {0};
	struct moat_comply_result res = {.benchmark = "cis-docker-1.6",
					 .framework = a->framework};
	const char **actions = NULL;
	int r, rc = MOAT_EXIT_INTERNAL;

	if (!arena)
		return fprintf(stderr, "moat comply docker: out of memory\n"), MOAT_EXIT_INTERNAL;
	r = moat_docker_open(a->host, &docker, &err);
	if (r == 0)
		r = moat_cis_collect(docker, &a->opts, arena, &facts, &err);
	if (r == 0)
		r = moat_cis_evaluate(facts, arena, &rep, &err);
	if (r < 0) {
		fprintf(stderr, "moat comply docker: %s\n", err.msg[0] ? err.msg : moat_strerror(r));
		goto out;
	}
	actions = moat_arena_calloc(arena, rep.count + 1, sizeof(*actions));
	if (!actions)
		goto out;
	apply_policy(&a->pol, &rep, actions, &res.failed);
	res.report = &rep;
	res.actions = cli_comply_has_policy(&a->pol) ? actions : NULL;
	res.target = moat_docker_sock_path(docker);
	if (write_report(a, &res) < 0)
		goto out;
	rc = cli_comply_upload_report(&a->pol, report_json, &res,
				      res.failed ? MOAT_EXIT_POLICY : MOAT_EXIT_OK);
out:
	moat_cis_facts_free(facts);
	moat_docker_close(docker);
	moat_arena_close(arena);
	return rc;
}

static int cmd_docker(int argc, char **argv)
{
	struct comply_args a = {.pol = {.cmd = "moat comply docker", .bench = "docker",
					.known = known_check}};
	int r = parse_args(argc, argv, &a);

	if (r)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if (a.list) {
		struct moat_buf out;

		moat_buf_init(&out, 0);
		list_checks(&out);
		r = cli_emit(a.output, &out);
		moat_buf_release(&out);
		return r < 0 ? MOAT_EXIT_INTERNAL : MOAT_EXIT_OK;
	}
	r = cli_comply_policy_load(&a.pol);
	if (!a.framework && a.pol.framework[0])
		a.framework = a.pol.framework;  /* a console policy's template */
	if (r == 0)
		r = run_docker(&a);
	cli_comply_policy_release(&a.pol);
	return r;
}

int moat_cmd_comply(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *out = argc < 2 ? stderr : stdout;

		fprintf(out, "usage: moat comply docker|k8s|node [options] (--help for each)\n"
			     "  docker   CIS Docker Benchmark 1.6 on a live engine and its host\n"
			     "  k8s      Pod Security Standards and CIS Kubernetes 5.x over manifests\n"
			     "  node     CIS Kubernetes 1.x, 2.x, 4.x over a node's files\n");
		return argc < 2 ? MOAT_EXIT_USAGE : MOAT_EXIT_OK;
	}
	if (!strcmp(argv[1], "docker"))
		return cmd_docker(argc - 1, argv + 1);
	if (!strcmp(argv[1], "k8s") || !strcmp(argv[1], "node"))
		return moat_cmd_comply_k8s(argc, argv);
	fprintf(stderr, "moat comply: unknown target '%s' (docker, k8s or node)\n", argv[1]);
	return MOAT_EXIT_USAGE;
}
