/* SPDX-License-Identifier: Apache-2.0 */
/* scan.c - `moat scan` and `moat sbom`: read an image, catalogue, report. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "moat/error.h"
#include "registry/registry.h"
#include "report/report.h"
#include "report/sbom.h"
#include "sbom/catalog.h"
#include "sbom/lang.h"
#include "detect/detect.h"
#include "vuln/match.h"
#include "cli.h"
#include "scan-run.h"
#include "scan-vuln.h"
#include "moat-config.h"

enum format { FMT_TABLE, FMT_JSON, FMT_CYCLONEDX, FMT_SPDX, FMT_SARIF, FMT_JUNIT, FMT_HTML };

struct scan_args {
	const char *target;
	const char *output;
	const char *docker_host;
	struct scan_registry_args reg;
	enum format format;
	unsigned cdx_minor;    /* CycloneDX 1.x: 6 (cyclonedx, cyclonedx-1.6) or 5 */
	bool files;            /* sbom --files: files with their recorded digests */
	bool progress;
	bool no_lang;          /* --no-lang: OS packages only */
	bool strict;           /* --strict: any warning fails the run */
	struct moat_limits limits;
	struct vuln_args vuln;
	struct moat_detect_opts detect;     /* --scanners and the content scanners' options */
	const char *console;   /* --console URL: upload the JSON result */
	const char *token;     /* --token T or $MOAT_CONSOLE_TOKEN */
	bool no_cache;         /* --no-cache */
	char cache_buf[4096];  /* the default cache directory */
};

struct progress_state {
	unsigned layer;
	uint64_t bytes;
	uint64_t size;   /* blob size when the source knows it, else 0 */
};

static void pg_begin(void *ctx, unsigned index, unsigned total, uint64_t size)
{
	struct progress_state *ps = ctx;

	(void)total;
	ps->layer = index + 1;
	ps->bytes = 0;
	ps->size = size;
}

static void pg_bytes(void *ctx, uint64_t done, uint64_t total)
{
	struct progress_state *ps = ctx;

	(void)total;
	/* Redraw at most every 8 MiB: the terminal is slower than the scan. */
	if (done - ps->bytes < (8u << 20))
		return;
	ps->bytes = done;
	if (ps->size)
		fprintf(stderr, "\rmoat: reading layer %u: %llu of %llu MiB ", ps->layer,
			(unsigned long long)(done >> 20), (unsigned long long)(ps->size >> 20));
	else
		fprintf(stderr, "\rmoat: reading layer %u: %llu MiB ", ps->layer,
			(unsigned long long)(done >> 20));
}

static void pg_end(void *ctx, unsigned index)
{
	(void)ctx;
	fprintf(stderr, "\rmoat: layer %u read%20s\n", index + 1, "");
}

static void usage(FILE *out, const char *cmd)
{
	fprintf(out,
		"usage: moat %s [options] TARGET\n\n"
		"TARGET: docker-archive:PATH | oci:PATH | dir:PATH | docker:NAME |\n"
		"        registry://HOST[:PORT]/REPO[:TAG|@DIGEST] | PATH | NAME\n\n"
		"options:\n"
		"  -f, --format FMT        %s\n"
		"  -o, --output FILE       write the report to FILE (atomically) instead of stdout\n"
		"      --docker-host SOCK  Docker Engine socket (default /var/run/docker.sock)\n"
		"      --platform OS/ARCH[/VARIANT]  image picked from a manifest list (linux/amd64)\n"
		"      --cacert FILE       CA bundle for registry TLS (default: system store)\n"
		"      --insecure-registry HOST  allow plain http and unverified TLS for HOST\n"
		"      --no-progress       no progress on the terminal\n"
		"      --no-lang           skip language packages (npm, gems, ...): OS packages only\n"
		"      --max-layer-bytes N stop at N uncompressed bytes per layer\n"
		"      --max-ratio N       stop when a layer inflates more than N times\n"
		"      --strict            exit 1 when the scan skipped anything (any warning)\n"
		"      --files             (sbom) list each package's files with the digests its\n"
		"                          package manager recorded (dpkg md5sums, Python RECORD)\n"
		"  -h, --help              this help\n"
		"%s",
		cmd, !strcmp(cmd, "sbom") ? "cyclonedx (default; = cyclonedx-1.6), cyclonedx-1.5 or spdx"
					   : "table (default), json, sarif, junit, html, cyclonedx\n"
					     "                          (1.6; cyclonedx-1.5 for older consumers)",
		!strcmp(cmd, "sbom") ? "" :
		"\ncontent scanners:\n"
		"      --scanners LIST     vuln,secret,password,malware,misconfig (default: all\n"
		"                          this build has; `vuln` alone = packages and CVEs only)\n"
		"      --secret-config F   more secret rules, allow-lists, disabled rules (YAML)\n"
		"      --password-list F   word list for weak passwords (one a line), in place of\n"
		"                          John the Ripper's password.lst (vendor defaults stay)\n"
		"      --password-budget MS  time per password hash (default 1000)\n"
		"      --malware-rules DIR more YARA rules (*.yar, *.yara) and known-bad hash\n"
		"                          lists (*.sha256) beside the built-in ones\n"
		"      --cache DIR         keep compiled pattern databases here between scans\n"
		"                          (default $XDG_CACHE_HOME/moat or ~/.cache/moat)\n"
		"      --no-cache          compile them on every scan, read and write nothing\n"
		"\nconsole:\n"
		"      --console URL       also upload the result (moat.scan/v1) to a moat console\n"
		"      --token T           its API token (role ci; or $MOAT_CONSOLE_TOKEN)\n");
	if (strcmp(cmd, "sbom") != 0)
		scan_vuln_usage(out);
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

/* --scanners and the content scanners' options (printed errors). */
static int parse_detect_option(int c, const char *arg, struct moat_detect_opts *d)
{
	const char *bad = NULL;
	size_t bad_len = 0;
	uint64_t v;
	int r;

	switch (c) {
	case 0x180:
		r = moat_scanners_parse(arg, &d->scanners, &bad, &bad_len);
		if (r == -ENOTSUP)
			fprintf(stderr, "moat scan: --scanners: '%.*s' is not in this build yet\n",
				(int)bad_len, bad);
		else if (r < 0)
			fprintf(stderr, "moat scan: --scanners: unknown scanner '%.*s' (known: "
				"vuln,secret,password,malware,misconfig)\n", (int)bad_len, bad);
		return r;
	case 0x181: d->secret_config = arg; return 0;
	case 0x182: d->password_list = arg; return 0;
	case 0x184: d->malware_rules = arg; return 0;
	case 0x186: d->cache_dir = arg; return 0;
	default:
		if (parse_u64(arg, &v) < 0 || v == 0 || v > 600000) {
			fprintf(stderr, "moat scan: bad --password-budget (1..600000 ms)\n");
			return -EINVAL;
		}
		d->password_budget_ms = (uint32_t)v;
		return 0;
	}
}

/* The content scanners' cache: --cache, else $XDG_CACHE_HOME/moat, else
 * ~/.cache/moat (as `moat registry` keeps its cache), else none. */
static void default_cache(struct scan_args *a)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n = -1;

	if (a->no_cache) {
		a->detect.cache_dir = NULL;
		return;
	}
	if (a->detect.cache_dir)
		return;
	if (xdg && *xdg)
		n = snprintf(a->cache_buf, sizeof(a->cache_buf), "%s/moat", xdg);
	else if (home && *home)
		n = snprintf(a->cache_buf, sizeof(a->cache_buf), "%s/.cache/moat", home);
	if (n > 0 && (size_t)n < sizeof(a->cache_buf))
		a->detect.cache_dir = a->cache_buf;
}

static int parse_args(int argc, char **argv, bool sbom, struct scan_args *a)
{
	static struct option opts[48];
	static const struct option base_opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "docker-host", required_argument, NULL, 'H' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "no-lang", no_argument, NULL, 'N' },
		{ "max-layer-bytes", required_argument, NULL, 'L' },
		{ "max-ratio", required_argument, NULL, 'R' },
		{ "strict", no_argument, NULL, 'S' },
		{ "platform", required_argument, NULL, 'T' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure-registry", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ "scanners", required_argument, NULL, 0x180 },
		{ "secret-config", required_argument, NULL, 0x181 },
		{ "password-list", required_argument, NULL, 0x182 },
		{ "password-budget", required_argument, NULL, 0x183 },
		{ "malware-rules", required_argument, NULL, 0x184 },
		{ "files", no_argument, NULL, 0x185 },
		{ "cache", required_argument, NULL, 0x186 },
		{ "no-cache", no_argument, NULL, 0x187 },
		{ "console", required_argument, NULL, 0x190 },
		{ "token", required_argument, NULL, 0x191 },
		{ 0 },
	};
	const char *cmd = sbom ? "sbom" : "scan";
	uint64_t v;
	int c;

	size_t n_base = sizeof(base_opts) / sizeof(base_opts[0]) - 1;

	/* One table: the image options, then (for scan) the vulnerability ones. */
	if (n_base + scan_vuln_n_options + 1 > sizeof(opts) / sizeof(opts[0]))
		return fprintf(stderr, "moat %s: internal: option table too small\n", cmd), -EINVAL;
	memset(opts, 0, sizeof(opts));
	memcpy(opts, base_opts, n_base * sizeof(*opts));
	if (!sbom)
		memcpy(opts + n_base, scan_vuln_options, scan_vuln_n_options * sizeof(*opts));
	memset(a, 0, sizeof(*a));
	scan_vuln_args_init(&a->vuln);
	a->format = sbom ? FMT_CYCLONEDX : FMT_TABLE;
	a->detect.scanners = sbom ? 0 : moat_scanners_available();
	a->progress = true;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!sbom && !strcmp(optarg, "table"))
				a->format = FMT_TABLE;
			else if (!sbom && !strcmp(optarg, "json"))
				a->format = FMT_JSON;
			else if (!strcmp(optarg, "cyclonedx") || !strcmp(optarg, "cyclonedx-1.6") ||
				 !strcmp(optarg, "cyclonedx-1.5")) {
				a->format = FMT_CYCLONEDX;
				a->cdx_minor = !strcmp(optarg, "cyclonedx-1.5") ? 5 : 6;
			}
			else if (!sbom && !strcmp(optarg, "sarif"))
				a->format = FMT_SARIF;
			else if (!sbom && !strcmp(optarg, "junit"))
				a->format = FMT_JUNIT;
			else if (!sbom && !strcmp(optarg, "html"))
				a->format = FMT_HTML;
			else if (sbom && !strcmp(optarg, "spdx"))
				a->format = FMT_SPDX;
			else
				return fprintf(stderr, "moat %s: unknown format '%s'\n", cmd, optarg), -EINVAL;
			break;
		case 'o': a->output = optarg; break;
		case 'H': a->docker_host = optarg; break;
		case 'P': a->progress = false; break;
		case 'N': a->no_lang = true; break;
		case 'S': a->strict = true; break;
		case 'T': a->reg.platform = optarg; break;
		case 'C': a->reg.opts.cacert = optarg; break;
		case 'I':
			if (scan_registry_insecure(&a->reg, optarg) < 0)
				return fprintf(stderr, "moat %s: too many --insecure-registry\n", cmd),
				       -EINVAL;
			break;
		case 'L':
			if (parse_u64(optarg, &a->limits.layer_bytes) < 0)
				return fprintf(stderr, "moat %s: bad --max-layer-bytes\n", cmd), -EINVAL;
			break;
		case 'R':
			if (parse_u64(optarg, &v) < 0 || v == 0 || v > 100000)
				return fprintf(stderr, "moat %s: bad --max-ratio\n", cmd), -EINVAL;
			a->limits.ratio = (uint32_t)v;
			break;
		case 'h':
			usage(stdout, cmd);
			return 1;
		case 0x190:
		case 0x191:
			if (sbom)
				return fprintf(stderr, "moat sbom: --console/--token are for moat scan\n"),
				       -EINVAL;
			*(c == 0x190 ? &a->console : &a->token) = optarg;
			break;
		case 0x180:
		case 0x181:
		case 0x182:
		case 0x183:
		case 0x184:
		case 0x186:
			if (sbom || parse_detect_option(c, optarg, &a->detect) < 0)
				return -EINVAL;
			break;
		case 0x187:
			if (sbom)
				return -EINVAL;
			a->no_cache = true;
			break;
		case 0x185:
			if (!sbom)
				return fprintf(stderr, "moat scan: --files is a `moat sbom` option\n"), -EINVAL;
			a->files = true;
			break;
		default:
			if (c >= 0x200 && !sbom) {
				int r = scan_vuln_option(c, optarg, &a->vuln);

				if (r < 0)
					return r;
				if (r > 0)
					break;
			}
			fprintf(stderr, "moat %s: unknown or incomplete option '%s'\n", cmd, argv[optind - 1]);
			usage(stderr, cmd);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "moat %s: %s\n", cmd, optind >= argc ? "no target given" : "one target only");
		usage(stderr, cmd);
		return -EINVAL;
	}
	a->target = argv[optind];
	default_cache(a);
	return 0;
}

static int render(const struct scan_args *a, struct moat_catalog_ctx *cat,
		  const struct moat_scan_result *res, struct moat_buf *out, struct moat_error *err)
{
	struct moat_sbom_input in = {
		.meta = res->meta, .os = &cat->os, .pkgs = &cat->pkgs, .tool_version = MOAT_VERSION,
		.vulns = res->vulns, .cdx_minor = a->cdx_minor, .files = a->files,
	};

	switch (a->format) {
	case FMT_JSON: return moat_report_json(out, res, true, err);
	case FMT_SARIF: return moat_report_sarif(out, res, err);
	case FMT_JUNIT: return moat_report_junit(out, res, err);
	case FMT_HTML: return moat_report_html(out, res, err);
	case FMT_CYCLONEDX: return moat_sbom_cyclonedx(out, &in, err);
	case FMT_SPDX: return moat_sbom_spdx(out, &in, err);
	default: return moat_report_table(out, res, err);
	}
}

/* Say exactly which findings broke the gate (the report has them all). */
static void print_gate(const struct moat_gate *gate)
{
	struct moat_buf msg;

	moat_buf_init(&msg, 0);
	moat_buf_appendf(&msg, "gate %s failed: %zu finding%s break it:", gate->rule,
			 gate->n_breaking, gate->n_breaking == 1 ? "" : "s");
	for (size_t i = 0; i < gate->n_breaking && i < 20; i++)
		moat_buf_appendf(&msg, "%s %s (%s %s)", i ? "," : "", gate->breaking[i]->id,
				 gate->breaking[i]->pkg->name, gate->breaking[i]->severity);
	moat_buf_append_str(&msg, gate->n_breaking > 20 ? ", ..." : "");
	cli_errorf("moat scan: %s\n", msg.data ? (const char *)msg.data : "gate failed");
	moat_buf_release(&msg);
}

/* --fail-on SEVERITIES covers content findings too: a leaked critical key
 * breaks the gate as a critical CVE does. Returns how many break it. */
static size_t content_gate(const struct vuln_args *va, const struct moat_finding_list *list)
{
	struct moat_buf msg;
	size_t n = 0;

	if (!va->fail_on || !list)
		return 0;
	moat_buf_init(&msg, 0);
	for (size_t i = 0; i < list->count; i++) {
		const struct moat_finding *f = list->items[i];

		if (!(va->fail_on & (1u << (moat_severity_rank(f->severity) + 1))))
			continue;
		if (n++ < 20)
			moat_buf_appendf(&msg, "%s %s %s%s%s (%s)", n > 1 ? "," : "", f->id,
					 f->path ? f->path : f->source, f->path ? "" : " ",
					 f->path ? "" : (f->field ? f->field : ""), f->severity);
	}
	if (n)
		cli_errorf("moat scan: gate --fail-on failed: %zu content finding%s break%s it:%s%s\n",
			   n, n == 1 ? "" : "s", n == 1 ? "s" : "",
			   msg.data ? (const char *)msg.data : "", n > 20 ? ", ..." : "");
	moat_buf_release(&msg);
	return n;
}

/* --console: the JSON document (rendered again unless that was the format)
 * to the console. Failure is reported here; the caller exits 2. */
static int upload(struct scan_args *a, struct scan_run *sr, const struct moat_buf *out)
{
	struct moat_error err = { 0 };
	struct moat_buf json;
	enum format f = a->format;
	char digest[96];
	int r = 0;

	moat_buf_init(&json, 0);
	if (f != FMT_JSON) {
		a->format = FMT_JSON;
		r = render(a, &sr->cat, &sr->res, &json, &err);
		a->format = f;
	}
	if (r == 0)
		r = scan_upload(a->console, a->token, a->reg.opts.cacert, f == FMT_JSON ? out : &json,
				digest, sizeof(digest), &err);
	moat_buf_release(&json);
	if (r < 0) {
		cli_errorf("moat scan: upload to the console failed: %s\n", err.msg);
		return r;
	}
	fprintf(stderr, "moat scan: uploaded to %s (image %s)\n", a->console, digest);
	return 0;
}

/* A scan allocates and frees per file; libyara allocates and frees a block
 * of 128-256 KB for every file it scans (counted). glibc's defaults
 * served it from the heap top and gave it back on free (brk down, then up
 * again for the next file: page faults, and a TLB shootdown for each, as
 * the layer hasher is a second thread) or, once its threshold moved, by
 * mmap/munmap: ~2 700 faults and ~0.1 s CPU on the Debian sample image
 * (perf; bench/scan content). Blocks under 1 MB from the heap, and the top
 * kept up to 64 MB: the same peak RSS there. */
static void tune_malloc(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

static int run(int argc, char **argv, bool sbom)
{
	struct scan_args a;
	struct progress_state ps = { 0 };
	struct moat_progress progress = { pg_begin, pg_bytes, pg_end, &ps };
	struct scan_run_opts ro = { 0 };
	struct scan_run sr = { 0 };
	struct moat_error err = { 0 };
	struct moat_buf out;
	const char *cmd = sbom ? "sbom" : "scan";
	bool gate_failed, strict_failed = false, upload_failed = false;
	int r;

	r = parse_args(argc, argv, sbom, &a);
	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	tune_malloc();
	if (a.console && !a.token)
		a.token = getenv("MOAT_CONSOLE_TOKEN");
	if (a.console && (!a.token || !a.token[0])) {
		fprintf(stderr, "moat scan: --console needs --token T (or $MOAT_CONSOLE_TOKEN)\n");
		return MOAT_EXIT_USAGE;
	}
	ro.target = a.target;
	ro.limits = a.limits;
	ro.docker_host = a.docker_host;
	ro.registry = &a.reg.opts;
	ro.platform = a.reg.platform;
	ro.no_lang = a.no_lang;
	ro.vulns = !sbom && (a.detect.scanners & MOAT_SCAN_VULN);
	ro.vuln = &a.vuln;
	ro.detect = a.detect;
	/* Progress only for people: a terminal, and a human format. */
	if (a.progress && a.format == FMT_TABLE && isatty(STDERR_FILENO))
		ro.progress = &progress;
	moat_buf_init(&out, 0);
	r = scan_run_open(&ro, &sr, &err);
	if (r == 0)
		r = render(&a, &sr.cat, &sr.res, &out, &err);
	if (r == 0 && (r = cli_emit(a.output, &out)) < 0)
		moat_error_set(&err, r, "%s: %s", a.output ? a.output : "stdout", strerror(-r));
	if (r < 0)
		scan_report_error(cmd, a.target, r, &err);
	if (r == 0 && a.console && upload(&a, &sr, &out) < 0)
		upload_failed = true;
	moat_buf_release(&out);
	/* Nothing skipped in silence: every warning on stderr, whatever the format. */
	if (r == 0)
		scan_print_warnings(cmd, &sr.warnings);
	gate_failed = r == 0 && sr.vs.gate.failed;
	if (gate_failed)
		print_gate(&sr.vs.gate);
	if (r == 0 && content_gate(&a.vuln, sr.res.content))
		gate_failed = true;
	if (r == 0 && a.strict && moat_warnings_total(&sr.warnings)) {
		fprintf(stderr, "moat %s: --strict: %zu warning%s: the scan did not read everything\n",
			cmd, moat_warnings_total(&sr.warnings),
			moat_warnings_total(&sr.warnings) == 1 ? "" : "s");
		strict_failed = true;
	}
	scan_run_close(&sr);
	if (upload_failed)
		return MOAT_EXIT_USAGE;
	if (gate_failed || strict_failed)
		return MOAT_EXIT_POLICY;
	return r < 0 ? scan_exit_code(r) : MOAT_EXIT_OK;
}

int moat_cmd_scan(int argc, char **argv)
{
	/* `moat scan k8s PATH...` (issue 14's name) is `moat comply k8s PATH...` */
	if (argc >= 3 && !strcmp(argv[1], "k8s"))
		return moat_cmd_comply(argc, argv);
	return run(argc, argv, false);
}

int moat_cmd_sbom(int argc, char **argv)
{
	return run(argc, argv, true);
}
