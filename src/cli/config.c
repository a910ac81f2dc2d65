/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c - `moat config`: check Dockerfiles (files, or directories
 * searched for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile) for
 * misconfiguration; `--image TARGET` checks a built image's config,
 * history, files and packages with the same catalogue.
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
#include "comply/dockerfile.h"
#include "comply/k8s.h"
#include "comply/misconfig.h"
#include "detect/detect.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "report/config-report.h"
#include "scan-run.h"
#include "vfs/fs.h"
#include "vuln/match.h"
#include "walk.h"

/* Dockerfiles found in directories, at most. */
#define CONFIG_MAX_FILES 100000


struct config_args {
	enum cli_check_format format;
	const char *output;
	int fail_rank; /* -1: no gate */
	const char *fail_on;
	const char *image;
	unsigned base_layers;
	bool list_checks;
	const char *skip; /* --skip: ids or hadolint rules, comma separated */
	char **paths;
	int n_paths;
};

struct config_run {
	struct moat_arena *arena;
	struct moat_misconfig_list findings;
	size_t n_files;
	size_t n_manifests;
	struct moat_k8s_scan *k8s;
	struct moat_buf text;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat config [options] PATH...\n\n"
		"Check Dockerfiles and Kubernetes manifests for misconfiguration. PATH is a\n"
		"Dockerfile, a manifest (*.yaml, *.yml, *.json: several documents, List\n"
		"objects, Helm output) or a directory searched for Dockerfile, *.Dockerfile,\n"
		"Dockerfile.*, Containerfile and manifests (files that do not parse there are\n"
		"skipped with a warning).\n\n"
		"options:\n"
		"  -f, --format FMT      table (default), json (moat.config/v1), sarif\n"
		"  -o, --output FILE     write the report to FILE (atomically) instead of stdout\n"
		"      --fail-on SEV     exit 1 when a finding is SEV or worse (low, medium,\n"
		"                        high, critical; a list means its lowest word)\n"
		"      --image TARGET    also check a built image: config, history, files,\n"
		"                        packages (docker-archive:PATH, oci:PATH, dir:PATH, ...)\n"
		"      --base-layers N   with --image: the bottom N layers are the base image\n"
		"                        (setuid files count from layer N on; default 1)\n"
		"      --skip LIST       drop these checks (moat ids or hadolint DLxxxx)\n"
		"      --list-checks     print every check: id, severity, title, references\n"
		"  -h, --help            this help\n\n"
		"exit: 0 no finding breaks --fail-on, 1 one does, 2 bad arguments or input\n");
}

static int fail_rank(const char *list)
{
	int rank = 99;
	char word[32];

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		int r;

		if (!n || n >= sizeof(word))
			return -1;
		memcpy(word, p, n);
		word[n] = 0;
		r = moat_severity_rank(word);
		if (r < 1)
			return -1;
		rank = r < rank ? r : rank;
		p += n + (p[n] == ',');
	}
	return rank == 99 ? -1 : rank;
}

static int parse_args(int argc, char **argv, struct config_args *a)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"fail-on", required_argument, NULL, 'F'},
		{"image", required_argument, NULL, 'I'},
		{"base-layers", required_argument, NULL, 'B'},
		{"list-checks", no_argument, NULL, 'L'},
		{"skip", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->fail_rank = -1;
	a->base_layers = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_check_format(optarg, &a->format) < 0)
				return fprintf(stderr, "moat config: unknown format '%s'\n",
					       optarg),
				       -EINVAL;
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'F':
			a->fail_on = optarg;
			a->fail_rank = fail_rank(optarg);
			if (a->fail_rank < 0)
				return fprintf(stderr,
					       "moat config: bad --fail-on '%s' (want low, medium, "
					       "high or critical)\n",
					       optarg),
				       -EINVAL;
			break;
		case 'I':
			a->image = optarg;
			break;
		case 'B': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (end == optarg || *end || v > MOAT_LIMIT_LAYERS)
				return fprintf(stderr, "moat config: bad --base-layers '%s'\n",
					       optarg),
				       -EINVAL;
			a->base_layers = (unsigned)v;
			break;
		}
		case 'L':
			a->list_checks = true;
			break;
		case 'S':
			a->skip = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "moat config: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	a->paths = argv + optind;
	a->n_paths = argc - optind;
	if (!a->n_paths && !a->image && !a->list_checks) {
		fprintf(stderr, "moat config: no PATH given\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static bool dockerfile_name(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "Dockerfile") || !strcmp(name, "Containerfile") ||
	       !strncmp(name, "Dockerfile.", 11) || !strncmp(name, "Containerfile.", 14) ||
	       (n > 11 && !strcmp(name + n - 11, ".Dockerfile")) ||
	       (n > 11 && !strcmp(name + n - 11, ".dockerfile"));
}

/* A Kubernetes manifest; in a directory walk a file that is not YAML (charts
 * hold unrendered templates) or is too big is skipped with a warning. */
static int check_manifest(struct config_run *run, const char *path, bool walked)
{
	struct moat_error err = {0};
	size_t before = moat_k8s_objects(run->k8s, MOAT_K8S_N_SCOPES);
	int r;

	r = moat_read_file(path, MOAT_K8S_MAX_FILE_BYTES, &run->text, &err);
	if (r == MOAT_E_LIMIT)
		moat_error_set(&err, r, "%s: larger than %u bytes", path, MOAT_K8S_MAX_FILE_BYTES);
	if (r == 0)
		r = moat_k8s_add(run->k8s, path, run->text.data ? run->text.data : (const uint8_t *)"",
				 run->text.len, &err);
	if ((r == MOAT_E_FORMAT || r == MOAT_E_LIMIT) && walked) {
		cli_errorf("moat config: warning: skipped %s\n", err.msg);
		return 0;
	}
	if (r < 0) {
		cli_errorf("moat config: %s\n", err.msg[0] ? err.msg : moat_strerror(r));
		return r;
	}
	run->n_manifests += moat_k8s_objects(run->k8s, MOAT_K8S_N_SCOPES) > before;
	return 0;
}

static int check_file(struct config_run *run, const char *path)
{
	struct moat_dockerfile *df;
	struct moat_error err = {0};
	int r;

	if (run->n_files >= CONFIG_MAX_FILES)
		return fprintf(stderr, "moat config: more than %d Dockerfiles\n", CONFIG_MAX_FILES),
		       MOAT_E_LIMIT;
	r = moat_read_file(path, MOAT_LIMIT_DOCKERFILE_BYTES, &run->text, &err);
	if (r == MOAT_E_LIMIT)
		moat_error_set(&err, r, "%s: larger than %u bytes", path,
			       MOAT_LIMIT_DOCKERFILE_BYTES);
	if (r == 0)
		r = moat_dockerfile_parse(
			run->arena, path,
			moat_slice_make(run->text.data ? run->text.data : (const uint8_t *)"",
					run->text.len),
			NULL, &df, &err);
	if (r == 0)
		r = moat_misconfig_dockerfile(df, run->arena, &run->findings, &err);
	if (r < 0) {
		cli_errorf("moat config: %s\n", err.msg[0] ? err.msg : moat_strerror(r));
		return r;
	}
	run->n_files++;
	return 0;
}

/* The same checks as `moat scan --scanners misconfig` (src/detect/misconfig-scan.c);
 * here without a scan's vulnerabilities, owners or other content scanners. */
static int check_image(struct config_run *run, const struct config_args *a, struct scan_run *sr)
{
	struct scan_run_opts o = {.target = a->image, .no_lang = true};
	struct moat_error err = {0};
	int r = scan_run_open(&o, sr, &err);

	if (r == 0)
		r = moat_misconfig_image(sr->res.meta, moat_image_fs(sr->img), &sr->cat.pkgs,
					 a->base_layers, run->arena, &run->findings, &err);
	if (r < 0)
		scan_report_error("config", a->image, r, &err);
	return r;
}

static void list_check(const struct moat_check_info *c)
{
	printf("%s\t%s\t%s\t", c->id, c->severity, c->title);
	for (size_t r = 0; r < 4 && c->references[r]; r++)
		printf("%s%s", r ? "," : "", c->references[r]);
	printf("\n");
}

static int list_checks(void)
{
	size_t n;
	const struct moat_check_info *c = moat_checks(&n);
	const struct moat_k8s_check *k = moat_k8s_checks(&n);

	c = moat_checks(&n);
	for (size_t i = 0; i < n; i++)
		list_check(&c[i]);
	k = moat_k8s_checks(&n);
	for (size_t i = 0; i < n; i++)
		list_check(&k[i].info);
	return MOAT_EXIT_OK;
}

static bool wanted(const char *name)
{
	return dockerfile_name(name) || moat_k8s_file_name(name);
}

static int walk_file(void *arg, const char *path)
{
	struct config_run *run = arg;
	const char *base = strrchr(path, '/') + 1;

	return dockerfile_name(base) ? check_file(run, path) : check_manifest(run, path, true);
}

static int emit(const struct config_args *a, struct config_run *run, const struct scan_run *sr)
{
	struct moat_config_result res = {.findings = &run->findings,
					 .n_files = run->n_files,
					 .n_manifests = run->n_manifests,
					 .image = sr->img ? sr->res.meta : NULL,
					 .fail_on = a->fail_on};
	struct moat_error err = {0};
	struct moat_buf out;
	int r;

	for (size_t i = 0; a->fail_rank >= 0 && i < run->findings.count; i++)
		res.failed |=
			moat_severity_rank(run->findings.items[i].check->severity) >= a->fail_rank;
	moat_buf_init(&out, 0);
	r = a->format == CLI_CHECK_JSON    ? moat_report_config_json(&out, &res, true, &err)
	    : a->format == CLI_CHECK_SARIF ? moat_report_config_sarif(&out, &res, &err)
				     : moat_report_config_table(&out, &res, &err);
	if (r == 0 && (r = cli_emit(a->output, &out)) < 0)
		fprintf(stderr, "moat config: writing %s: %s\n", a->output ? a->output : "stdout",
			strerror(-r));
	else if (r < 0)
		fprintf(stderr, "moat config: %s\n", err.msg);
	moat_buf_release(&out);
	if (r < 0)
		return MOAT_EXIT_INTERNAL;
	return res.failed ? MOAT_EXIT_POLICY : MOAT_EXIT_OK;
}

int moat_cmd_config(int argc, char **argv)
{
	struct config_args a;
	struct config_run run = {0};
	struct scan_run sr = {0};
	int r = parse_args(argc, argv, &a), code;

	if (r)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if (a.list_checks)
		return list_checks();
	/* Credential shapes in ENV/ARG/LABEL: the secret scanner's rules. */
	moat_misconfig_set_credential_shape(moat_secret_shape);
	run.arena = moat_arena_open(MOAT_LIMIT_ARENA_BYTES);
	if (!run.arena)
		return fprintf(stderr, "moat config: out of memory\n"), MOAT_EXIT_INTERNAL;
	moat_buf_init(&run.text, MOAT_LIMIT_DOCKERFILE_BYTES + 1);
	if (moat_k8s_open(&run.k8s, NULL) < 0) {
		moat_arena_close(run.arena);
		return fprintf(stderr, "moat config: out of memory\n"), MOAT_EXIT_INTERNAL;
	}
	for (int i = 0; i < a.n_paths && r == 0; i++) {
		struct stat st;

		const char *base = strrchr(a.paths[i], '/') ? strrchr(a.paths[i], '/') + 1
							    : a.paths[i];

		if (stat(a.paths[i], &st) < 0) {
			r = -errno;
			fprintf(stderr, "moat config: %s: %s\n", a.paths[i], strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			r = cli_walk("config", a.paths[i], wanted, walk_file, &run, run.arena);
		} else {
			r = moat_k8s_file_name(base) ? check_manifest(&run, a.paths[i], false)
						     : check_file(&run, a.paths[i]);
		}
	}
	code = r < 0 ? MOAT_EXIT_USAGE : MOAT_EXIT_OK;
	if (r == 0) {
		struct moat_error err = {0};

		r = moat_k8s_finish(run.k8s, &err);
		if (r == 0)
			r = moat_k8s_to_misconfig(run.k8s, run.arena, &run.findings, &err);
		if (r < 0) {
			fprintf(stderr, "moat config: %s\n", err.msg);
			code = MOAT_EXIT_INTERNAL;
		}
	}
	if (r == 0 && a.image && (r = check_image(&run, &a, &sr)) < 0)
		code = scan_exit_code(r);
	if (a.skip) {
		size_t kept = 0;

		for (size_t i = 0; i < run.findings.count; i++)
			if (!moat_check_listed(run.findings.items[i].check, a.skip))
				run.findings.items[kept++] = run.findings.items[i];
		run.findings.count = kept;
	}
	moat_misconfig_sort(&run.findings);
	/* an input error reports nothing: a partial result never looks complete */
	if (r == 0)
		code = emit(&a, &run, &sr);
	scan_run_close(&sr);
	moat_buf_release(&run.text);
	moat_k8s_close(run.k8s);
	moat_arena_close(run.arena);
	return code;
}
