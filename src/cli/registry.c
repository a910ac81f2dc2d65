/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.c - `moat registry scan HOST`: every image of a registry that
 * matches --repos/--tags and was not scanned before against this DB, one
 * JSON line per image on stdout (see registry-cmd.h for how images are
 * scanned and cached).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "vuln/vulndb.h"
#include "cli.h"
#include "registry-cmd.h"
#include "scan-run.h"

#define REPORT_MAX (512u << 20)
#define MAX_IMAGES_DEFAULT 100000u

extern char **environ;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat registry scan HOST[:PORT] [options]\n"
		"       moat registry listen --listen ADDR:PORT --registry HOST[:PORT] [options]\n\n"
		"scan: every image of the registry's catalog whose repository and tag match,\n"
		"not scanned before against this vulnerability DB; one JSON line per image.\n"
		"listen: the same scan for each image a push notification names (distribution\n"
		"notifications envelope or Harbor webhook, POSTed to any path).\n\n"
		"options:\n"
		"      --repos GLOB        repositories to scan (default *)\n"
		"      --tags GLOB         tags to scan (default *)\n"
		"      --since DURATION    only images created in the last DURATION (30m, 12h, 7d)\n"
		"      --cache DIR         scan cache and reports (default ~/.cache/moat/registry)\n"
		"      --jobs N            scans at once (default 2)\n"
		"      --max-images N      stop past N images (default 100000)\n"
		"      --db FILE           vulnerability DB (default: moat's default DB)\n"
		"      --no-vuln           packages and findings only\n"
		"      --platform OS/ARCH  image picked from manifest lists (default linux/amd64)\n"
		"      --cacert FILE       CA bundle for the registry's TLS\n"
		"      --insecure-registry HOST  allow plain http and unverified TLS for HOST\n"
		"      --console URL     upload each new report to a moat console (POST /api/v1/scans)\n"
		"      --token T         its API token (role ci; or $MOAT_CONSOLE_TOKEN)\n"
		"      --console-cacert F  CA bundle for the console's certificate\n");
}

static int parse_duration(const char *s, long long *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v <= 0 || v > 100000000)
		return -EINVAL;
	switch (*end) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -EINVAL;
	}
	if (end[1])
		return -EINVAL;
	*ret = v;
	return 0;
}

static int pass_on(struct reg_args *a, const char *opt, const char *val)
{
	if (a->npass + 2 > REG_MAX_PASS)
		return -E2BIG;
	a->pass[a->npass++] = opt;
	if (val)
		a->pass[a->npass++] = val;
	return 0;
}

static int parse_one(struct reg_args *a, int c, const char *arg)
{
	unsigned long v;
	size_t n = 0;

	switch (c) {
	case 'r': a->repos = arg; return 0;
	case 't': a->tags = arg; return 0;
	case 's': return parse_duration(arg, &a->since_sec);
	case 'c': a->cache_dir = arg; return 0;
	case 'l': a->listen = arg; return 0;
	case 'g': a->host = arg; return 0;
	case 'U': a->console = arg; return 0;
	case 'T': a->token = arg; return 0;
	case 'K': a->console_cacert = arg; return 0;
	case 'j':
		v = strtoul(arg, NULL, 10);
		if (v == 0 || v > REG_MAX_JOBS)
			return -EINVAL;
		a->jobs = (unsigned)v;
		return 0;
	case 'm':
		v = strtoul(arg, NULL, 10);
		if (v == 0)
			return -EINVAL;
		a->max_images = v;
		return 0;
	case 'd': a->db_path = arg; return pass_on(a, "--db", arg);
	case 'n': a->no_vuln = true; return pass_on(a, "--no-vuln", NULL);
	case 'p': a->platform = arg; return pass_on(a, "--platform", arg);
	case 'C': a->reg.cacert = arg; return pass_on(a, "--cacert", arg);
	case 'I':
		while (a->insecure[n])
			n++;
		if (n + 1 >= sizeof(a->insecure) / sizeof(a->insecure[0]))
			return -E2BIG;
		a->insecure[n] = arg;
		a->reg.insecure = a->insecure;
		return pass_on(a, "--insecure-registry", arg);
	}
	return -EINVAL;
}

int reg_parse(int argc, char **argv, struct reg_args *a, bool listen)
{
	static const struct option opts[] = {
		{ "repos", required_argument, NULL, 'r' }, { "tags", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' }, { "cache", required_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' }, { "max-images", required_argument, NULL, 'm' },
		{ "db", required_argument, NULL, 'd' }, { "no-vuln", no_argument, NULL, 'n' },
		{ "platform", required_argument, NULL, 'p' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure-registry", required_argument, NULL, 'I' },
		{ "listen", required_argument, NULL, 'l' },
		{ "registry", required_argument, NULL, 'g' },
		{ "console", required_argument, NULL, 'U' },
		{ "token", required_argument, NULL, 'T' },
		{ "console-cacert", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' }, { 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->repos = "*";
	a->tags = "*";
	a->jobs = 2;
	a->max_images = MAX_IMAGES_DEFAULT;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == '?' || parse_one(a, c, optarg) < 0) {
			fprintf(stderr, "moat registry: bad or unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!listen && optind == argc - 1)
		a->host = argv[optind++];
	if (a->console && !a->token)
		a->token = getenv("MOAT_CONSOLE_TOKEN");
	if (!!a->console != !!(a->token && a->token[0])) {
		fprintf(stderr, "moat registry: --console URL and --token T (or "
			"$MOAT_CONSOLE_TOKEN) go together\n");
		return -EINVAL;
	}
	if (optind != argc || !a->host || (listen && !a->listen)) {
		fprintf(stderr, "moat registry: need %s\n", listen ? "--listen ADDR:PORT and "
			"--registry HOST" : "one registry HOST[:PORT]");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The DB a child scan will use decides the cache key. */
static void db_key(struct reg_args *a)
{
	char def[4096];
	const char *path = a->db_path ? a->db_path : moat_vulndb_default_path(def, sizeof(def));
	struct moat_vulndb *db = NULL;
	struct moat_error err = { 0 };

	snprintf(a->db_key, sizeof(a->db_key), "none");
	if (a->no_vuln || !path || moat_vulndb_open(path, false, &db, &err) < 0)
		return;
	snprintf(a->db_key, sizeof(a->db_key), "%s", moat_vulndb_info(db)->checksum);
	moat_vulndb_close(db);
}

int reg_args_finish(struct reg_args *a, const char *cmd)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int r;

	if (!a->cache_dir) {
		if (xdg && *xdg)
			snprintf(a->cache_buf, sizeof(a->cache_buf), "%s/moat/registry", xdg);
		else if (home && *home)
			snprintf(a->cache_buf, sizeof(a->cache_buf), "%s/.cache/moat/registry", home);
		else
			return fprintf(stderr, "moat registry %s: give --cache DIR\n", cmd),
			       MOAT_EXIT_USAGE;
		a->cache_dir = a->cache_buf;
	} else {
		snprintf(a->cache_buf, sizeof(a->cache_buf), "%s", a->cache_dir);
	}
	r = moat_mkdirs(a->cache_buf, 0700);
	if (r < 0)
		return fprintf(stderr, "moat registry %s: %s: %s\n", cmd, a->cache_buf,
			       strerror(-r)), MOAT_EXIT_USAGE;
	a->cache_dir = a->cache_buf;
	db_key(a);
	return 0;
}

static void cache_path(const struct reg_args *a, const char *digest, const char *suffix,
		       char *out, size_t size)
{
	const char *hex = strchr(digest, ':');
	struct moat_buf path;

	/* "DIR/<hex><suffix>"; a name past size is cut, and then never found. */
	moat_buf_init(&path, size - 1);
	if (moat_buf_appendf(&path, "%s/", a->cache_buf) < 0 ||
	    moat_buf_append_str(&path, hex ? hex + 1 : digest) < 0 ||
	    moat_buf_append_str(&path, suffix) < 0 || moat_buf_putc(&path, '\0') < 0)
		snprintf(out, size, "%s/too-long", a->cache_buf);
	else
		memcpy(out, path.data, path.len);
	moat_buf_release(&path);
}

bool reg_cache_fresh(const struct reg_args *a, const char *digest)
{
	char path[4200];
	struct moat_buf data;
	json_t *doc = NULL;
	bool fresh = false;

	cache_path(a, digest, ".json", path, sizeof(path));
	moat_buf_init(&data, 64u << 10);
	if (moat_read_file(path, 64u << 10, &data, NULL) == 0 &&
	    moat_json_parse(data.data, data.len, 64u << 10, path, &doc, NULL) == 0)
		fresh = moat_json_str(doc, "db") && !strcmp(moat_json_str(doc, "db"), a->db_key) &&
			moat_json_str(doc, "digest") && !strcmp(moat_json_str(doc, "digest"), digest);
	json_decref(doc);
	moat_buf_release(&data);
	return fresh;
}

int reg_run_start(struct reg_runner *rr, const char *repo, const char *digest,
		  const char *tags_json)
{
	struct reg_args *a = rr->args;
	struct reg_job *job = NULL;
	char target[MOAT_REGISTRY_MAX_HOST + MOAT_REGISTRY_MAX_REPO + 96];
	const char *args[REG_MAX_PASS + 16];
	char *argv[REG_MAX_PASS + 16];
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	int r;

	while (rr->running >= a->jobs)
		reg_run_wait(rr, false);
	for (unsigned i = 0; i < REG_MAX_JOBS && !job; i++)
		if (!rr->jobs[i].pid)
			job = &rr->jobs[i];
	snprintf(job->repo, sizeof(job->repo), "%s", repo);
	snprintf(job->digest, sizeof(job->digest), "%s", digest);
	snprintf(job->tags, sizeof(job->tags), "%s", tags_json);
	cache_path(a, digest, ".report.json", job->report, sizeof(job->report));
	cache_path(a, digest, ".err", job->errlog, sizeof(job->errlog));
	snprintf(target, sizeof(target), "registry://%s/%s@%s", a->host, repo, digest);
	args[n++] = "moat";
	args[n++] = "scan";
	args[n++] = "--no-progress";
	args[n++] = "-f";
	args[n++] = "json";
	args[n++] = "-o";
	args[n++] = job->report;
	for (size_t i = 0; i < a->npass; i++)
		args[n++] = a->pass[i];
	args[n++] = target;
	args[n] = NULL;
	/* posix_spawn's argv is char *const[] for history's sake; it is not written. */
	memcpy(argv, args, sizeof(argv));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, job->errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	r = posix_spawn(&job->pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		job->pid = 0;
		fprintf(stderr, "moat registry: cannot start a scan: %s\n", strerror(r));
		rr->failed++;
		return -r;
	}
	rr->running++;
	return 0;
}

/* Packages, findings and vulnerabilities by severity of a report. */
static void summary(struct moat_jw *jw, const json_t *rep)
{
	static const char *const sev[] = { "critical", "high", "medium", "low", "negligible",
					   "unknown" };
	size_t counts[6] = { 0 };
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(rep, "vulnerabilities"), i, v) {
		const char *s = moat_json_str(v, "severity");
		size_t k = 0;

		while (k < 5 && (!s || strcmp(s, sev[k]) != 0))
			k++;
		counts[k]++;
	}
	moat_jw_key(jw, "summary");
	moat_jw_obj_begin(jw);
	moat_jw_kuint(jw, "packages", json_array_size(json_object_get(rep, "packages")));
	moat_jw_kuint(jw, "findings", json_array_size(json_object_get(rep, "findings")));
	moat_jw_kuint(jw, "vulnerabilities", json_array_size(json_object_get(rep,
									    "vulnerabilities")));
	for (i = 0; i < 6; i++)
		moat_jw_kuint(jw, sev[i], counts[i]);
	moat_jw_obj_end(jw);
}

/* The end of a child's stderr: why a scan failed. */
static void err_tail(const char *path, char *out, size_t size)
{
	struct moat_buf data;
	size_t start, end;

	out[0] = '\0';
	moat_buf_init(&data, 1u << 20);
	if (moat_read_file(path, 1u << 20, &data, NULL) == 0 && data.len) {
		end = data.len;
		while (end && data.data[end - 1] == '\n')
			end--;
		start = end;
		while (start && data.data[start - 1] != '\n')
			start--;
		snprintf(out, size, "%.*s", (int)(end - start), (const char *)data.data + start);
	}
	moat_buf_release(&data);
}

/* --console: the report to the console, like `moat scan --console`; the
 * line says "console": the stored image, or "console_error". A failed
 * upload does not fail the scan (the report and cache stay). */
static void upload(const struct reg_args *a, const struct moat_buf *rep, struct moat_jw *jw)
{
	struct moat_error err = { 0 };
	char digest[MOAT_DIGEST_STR_MAX];

	if (scan_upload(a->console, a->token, a->console_cacert, rep, digest, sizeof(digest),
			&err) < 0) {
		moat_jw_kstr(jw, "console_error", err.msg);
		fprintf(stderr, "moat registry: upload to the console failed: %s\n", err.msg);
	} else {
		moat_jw_kstr(jw, "console", digest);
	}
}

/* Print the line for a finished job; cache it when the scan worked. */
static void job_done(struct reg_runner *rr, struct reg_job *job, int status)
{
	struct reg_args *a = rr->args;
	bool ok = WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1);
	struct moat_buf line, rep, cache;
	json_t *doc = NULL;
	json_t *tags = json_loads(job->tags, 0, NULL);
	char errmsg[512] = "";
	char path[4200];
	struct moat_jw jw;
	size_t i;
	json_t *t;

	moat_buf_init(&line, 1u << 20);
	moat_buf_init(&rep, REPORT_MAX);
	if (ok && (moat_read_file(job->report, REPORT_MAX, &rep, NULL) < 0 ||
		   moat_json_parse(rep.data, rep.len, REPORT_MAX, job->report, &doc, NULL) < 0))
		ok = false;
	if (!ok)
		err_tail(job->errlog, errmsg, sizeof(errmsg));
	moat_jw_init(&jw, &line, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "registry", a->host);
	moat_jw_kstr(&jw, "repo", job->repo);
	moat_jw_kstr(&jw, "tag", json_string_value(json_array_get(tags, 0)));
	moat_jw_key(&jw, "tags");
	moat_jw_arr_begin(&jw);
	json_array_foreach(tags, i, t)
		moat_jw_str(&jw, json_string_value(t));
	moat_jw_arr_end(&jw);
	moat_jw_kstr(&jw, "digest", job->digest);
	moat_jw_kstr(&jw, "db", a->db_key);
	if (ok) {
		moat_jw_kbool(&jw, "policy_failed", WEXITSTATUS(status) == 1);
		summary(&jw, doc);
		moat_jw_kstr(&jw, "report", job->report);
		if (a->console)
			upload(a, &rep, &jw);
	} else {
		moat_jw_kstr(&jw, "error", errmsg[0] ? errmsg : "scan failed");
	}
	moat_jw_obj_end(&jw);
	if (moat_jw_finish(&jw) == 0) {
		fwrite(line.data, 1, line.len, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	if (ok) {
		/* The cache entry last: a crash before it means a rescan, not a gap. */
		moat_buf_init(&cache, 1u << 16);
		moat_buf_appendf(&cache, "{\"digest\":\"%s\",\"db\":\"%s\",\"scanned\":%lld}\n",
				 job->digest, a->db_key, (long long)time(NULL));
		cache_path(a, job->digest, ".json", path, sizeof(path));
		if (cli_emit(path, &cache) < 0)
			fprintf(stderr, "moat registry: cannot write %s\n", path);
		moat_buf_release(&cache);
		rr->scanned++;
		unlink(job->errlog);
	} else {
		rr->failed++;
	}
	json_decref(doc);
	json_decref(tags);
	moat_buf_release(&rep);
	moat_buf_release(&line);
	job->pid = 0;
}

static void reap(struct reg_runner *rr, int flags, bool all)
{
	while (rr->running) {
		int status = 0;
		pid_t pid = waitpid(-1, &status, flags);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		for (unsigned i = 0; i < REG_MAX_JOBS; i++) {
			if (rr->jobs[i].pid != pid)
				continue;
			rr->running--;
			job_done(rr, &rr->jobs[i], status);
			break;
		}
		if (!all)
			return;
	}
}

void reg_run_wait(struct reg_runner *rr, bool all)
{
	reap(rr, 0, all);
}

void reg_run_reap(struct reg_runner *rr)
{
	reap(rr, WNOHANG, true);
}

/* ---- scan: enumerate, filter, dedupe ---- */

struct image {
	char repo[MOAT_REGISTRY_MAX_REPO];
	char digest[MOAT_DIGEST_STR_MAX];
	json_t *tags;
};

struct walk {
	struct reg_args *a;
	struct moat_registry *reg;
	struct image *images;
	size_t n;
	size_t cap;
	const char *repo;               /* during a tags walk */
	char **repos;
	size_t nrepos;
	unsigned tags_seen;
	struct moat_error *err;
};

static int on_repo(void *ctx, const char *repo)
{
	struct walk *w = ctx;
	char **grown;

	if (fnmatch(w->a->repos, repo, 0) != 0)
		return 0;
	grown = realloc(w->repos, (w->nrepos + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	w->repos = grown;
	w->repos[w->nrepos] = strdup(repo);
	return w->repos[w->nrepos++] ? 0 : -ENOMEM;
}

static int on_tag(void *ctx, const char *tag)
{
	struct walk *w = ctx;
	char digest[MOAT_DIGEST_STR_MAX];
	struct image *im;
	int r;

	if (fnmatch(w->a->tags, tag, 0) != 0 || !moat_registry_tag_valid(tag, strlen(tag)))
		return 0;
	w->tags_seen++;
	r = moat_registry_manifest_digest(w->reg, w->repo, tag, digest, w->err);
	if (r < 0) {
		fprintf(stderr, "moat registry: %s:%s: %s (skipped)\n", w->repo, tag, w->err->msg);
		return 0;
	}
	for (size_t i = 0; i < w->n; i++) {
		if (!strcmp(w->images[i].digest, digest)) {
			json_array_append_new(w->images[i].tags, json_string(tag));
			return 0;
		}
	}
	if (w->n == w->a->max_images)
		return moat_error_set(w->err, MOAT_E_LIMIT, "more than %zu images (--max-images)",
				      w->a->max_images);
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct image *grown = realloc(w->images, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		w->images = grown;
		w->cap = cap;
	}
	im = &w->images[w->n++];
	snprintf(im->repo, sizeof(im->repo), "%s", w->repo);
	snprintf(im->digest, sizeof(im->digest), "%s", digest);
	im->tags = json_pack("[s]", tag);
	return 0;
}

/* "2024-05-01T12:00:00.123Z" -> unix seconds (UTC); -1 when unreadable. */
static long long parse_created(const char *s)
{
	struct tm tm = { 0 };
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	return end ? (long long)timegm(&tm) : -1;
}

/* --since: the image's config says when it was built. */
static bool recent(struct walk *w, const struct image *im)
{
	struct moat_registry_platform plat = { "linux", "amd64", "" };
	struct moat_registry_manifest m;
	struct moat_buf cfg;
	json_t *man = NULL, *conf = NULL;
	long long created = -1;

	if (!w->a->since_sec)
		return true;
	if (w->a->platform)
		moat_registry_platform_parse(w->a->platform, &plat, NULL);
	moat_registry_manifest_init(&m);
	moat_buf_init(&cfg, MOAT_LIMIT_JSON_BYTES + 1);
	if (moat_registry_manifest_get(w->reg, im->repo, im->digest, &plat, &m, w->err) == 0 &&
	    moat_json_parse(m.data.data, m.data.len, MOAT_REGISTRY_MAX_MANIFEST, "manifest", &man,
			    NULL) == 0 &&
	    moat_json_str(json_object_get(man, "config"), "digest") &&
	    moat_registry_blob_get(w->reg, im->repo,
				   moat_json_str(json_object_get(man, "config"), "digest"),
				   MOAT_LIMIT_JSON_BYTES, &cfg, w->err) == 0 &&
	    moat_json_parse(cfg.data, cfg.len, MOAT_LIMIT_JSON_BYTES, "config", &conf, NULL) == 0)
		created = parse_created(moat_json_str(conf, "created"));
	json_decref(man);
	json_decref(conf);
	moat_buf_release(&cfg);
	moat_registry_manifest_release(&m);
	/* No date: scan it rather than miss it. */
	return created < 0 || created >= (long long)time(NULL) - w->a->since_sec;
}

static int enumerate(struct walk *w)
{
	int r = moat_registry_catalog(w->reg, w->a->max_images, on_repo, w, w->err);

	for (size_t i = 0; r == 0 && i < w->nrepos; i++) {
		w->repo = w->repos[i];
		r = moat_registry_tags(w->reg, w->repos[i], w->a->max_images, on_tag, w, w->err);
		if (r == MOAT_E_NOTFOUND) {
			fprintf(stderr, "moat registry: %s: %s (skipped)\n", w->repos[i], w->err->msg);
			r = 0;
		}
	}
	return r;
}

static int cmd_scan(int argc, char **argv)
{
	struct reg_args a;
	struct reg_runner rr = { .args = &a };
	struct moat_error err = { 0 };
	struct walk w = { .a = &a, .err = &err };
	unsigned cached = 0, old = 0;
	char *json;
	int r = reg_parse(argc, argv, &a, false);

	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if ((r = reg_args_finish(&a, "scan")) != 0)
		return r;
	r = moat_registry_open(a.host, &a.reg, &w.reg, &err);
	if (r == 0)
		r = enumerate(&w);
	for (size_t i = 0; r == 0 && i < w.n; i++) {
		if (reg_cache_fresh(&a, w.images[i].digest)) {
			cached++;
			continue;
		}
		if (!recent(&w, &w.images[i])) {
			old++;
			continue;
		}
		json = json_dumps(w.images[i].tags, JSON_COMPACT);
		reg_run_start(&rr, w.images[i].repo, w.images[i].digest, json ? json : "[]");
		free(json);
	}
	reg_run_wait(&rr, true);
	if (r < 0)
		fprintf(stderr, "moat registry scan: %s: %s\n", a.host, err.msg);
	else
		fprintf(stderr, "moat registry scan: %s: %zu repositories, %u tags, %zu images: "
			"%u scanned, %u already scanned with this DB, %u older than --since, "
			"%u failed\n", a.host, w.nrepos, w.tags_seen, w.n, rr.scanned, cached, old,
			rr.failed);
	for (size_t i = 0; i < w.n; i++)
		json_decref(w.images[i].tags);
	for (size_t i = 0; i < w.nrepos; i++)
		free(w.repos[i]);
	free(w.repos);
	free(w.images);
	moat_registry_close(w.reg);
	if (r < 0)
		return moat_error_is_input(r) || r == -ECONNREFUSED || r == -ETIMEDOUT ||
		       r == -EHOSTUNREACH ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	return rr.failed ? MOAT_EXIT_USAGE : MOAT_EXIT_OK;
}

int moat_cmd_registry(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "scan"))
		return cmd_scan(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "listen"))
		return reg_cmd_listen(argc - 1, argv + 1);
	usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
	return argc >= 2 && !strcmp(argv[1], "--help") ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
}
