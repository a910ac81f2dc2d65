/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.c - `moat db build|info|update`: compile feeds into the vulnerability
 * DB, describe one, and replace the local copy from a mirror.
 *
 * update never touches the DB in use until the new one is complete, has the
 * published checksum and opens: it downloads into a temp file next to the
 * target and renames it over. Scans that have the old file mapped keep it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "net/http.h"
#include "vuln/db-build.h"
#include "vuln/vulndb.h"
#include "cli.h"
#include "db-cmd.h"

/* Largest DB we download: a full build is ~300 MB. */
#define DB_MAX_DOWNLOAD (8ull << 30)
/* A .sha256 file: "hex  name\n". */
#define DB_MAX_SUMS (64u << 10)

int db_exit(int r)
{
	if (moat_error_is_input(r) || r == -ENOENT || r == -EACCES || r == -ENOTDIR ||
	    r == -EISDIR || r == -ECONNREFUSED || r == -ETIMEDOUT || r == -EHOSTUNREACH ||
	    r == -ECONNRESET || r == -ENOSPC)
		return MOAT_EXIT_USAGE;
	return MOAT_EXIT_INTERNAL;
}

int db_fail(const char *cmd, int r, const struct moat_error *err)
{
	fprintf(stderr, "moat db %s: %s\n", cmd, err && err->msg[0] ? err->msg : moat_strerror(r));
	return db_exit(r);
}

/* mkdir -p of path's parent (for the default DB location). */
int db_mkparent(const char *path)
{
	char dir[PATH_MAX];
	size_t n;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	n = strlen(dir);
	while (n && dir[n - 1] != '/')
		n--;
	if (n <= 1)
		return 0;
	dir[n - 1] = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

const char *db_path(const char *given, char *buf, size_t len)
{
	if (given)
		return given;
	return moat_vulndb_default_path(buf, len);
}

/* ---- build ---- */

static void build_usage(FILE *out)
{
	fprintf(out, "usage: moat db build --from PATH [--from PATH...] [-o FILE]\n\n"
		"PATH: a feed file (OSV JSON/YAML, Debian tracker JSON, Alpine secdb, NVD 2.0,\n"
		"      CISA KEV, EPSS CSV; optionally .gz/.zst), a directory of them, or a\n"
		"      .tar, .tar.gz, .tar.zst or .zip archive of them.\n"
		"  -o, --output FILE  the DB to write (default: $MOAT_DB or ~/.local/share/moat/vuln.db)\n");
}

static int cmd_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *from[64];
	size_t n_from = 0;
	const char *out = NULL;
	char defpath[PATH_MAX];
	struct moat_error err = { 0 };
	struct moat_dbb *dbb = NULL;
	const struct moat_dbb_stats *st;
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	struct timespec t0, t1;
	int c;
	int r;

	while ((c = getopt_long(argc, argv, "f:o:h", opts, NULL)) != -1) {
		if (c == 'f' && n_from < sizeof(from) / sizeof(from[0]))
			from[n_from++] = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c == 'h') {
			build_usage(stdout);
			return MOAT_EXIT_OK;
		} else {
			build_usage(stderr);
			return MOAT_EXIT_USAGE;
		}
	}
	if (n_from == 0 || optind != argc) {
		build_usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	out = db_path(out, defpath, sizeof(defpath));
	if (!out) {
		fprintf(stderr, "moat db build: no output: give -o FILE or set MOAT_DB\n");
		return MOAT_EXIT_USAGE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = moat_dbb_open(&dbb, &err);
	for (size_t i = 0; i < n_from && r == 0; i++) {
		uint64_t before = moat_dbb_stats(dbb)->files;

		r = moat_dbb_load(dbb, from[i], &err);
		/* A typo'd directory must not yield an empty DB that finds nothing. */
		if (r == 0 && moat_dbb_stats(dbb)->files == before)
			r = moat_error_set(&err, MOAT_E_NOTFOUND, "%s: no feed documents found",
					   from[i]);
	}
	if (r == 0 && db_mkparent(out) < 0)
		r = moat_error_set(&err, -errno, "%s: cannot create its directory", out);
	/* SOURCE_DATE_EPOCH makes builds byte-for-byte reproducible. */
	if (r == 0)
		r = moat_dbb_write(dbb, out, epoch ? strtoll(epoch, NULL, 10) : (int64_t)time(NULL),
				   &err);
	if (r < 0) {
		moat_dbb_close(dbb);
		return db_fail("build", r, &err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st = moat_dbb_stats(dbb);
	fprintf(stderr, "moat: wrote %s: %llu vulnerabilities, %llu entries for %llu packages "
		"(%llu KEV, %llu EPSS matched) from %llu documents (%llu ignored) in %.2f s\n", out,
		(unsigned long long)st->n_vulns, (unsigned long long)st->n_entries,
		(unsigned long long)st->n_packages, (unsigned long long)st->kev_matched,
		(unsigned long long)st->epss_matched, (unsigned long long)st->files,
		(unsigned long long)st->ignored,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	moat_dbb_close(dbb);
	return MOAT_EXIT_OK;
}

/* ---- info ---- */

static void fmt_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, len, "%lld", (long long)t);
}

static void info_json(const char *path, const struct moat_vulndb_info *in, int64_t age)
{
	struct moat_buf out;
	struct moat_jw jw;
	char built[64];

	fmt_time(in->built, built, sizeof(built));
	moat_buf_init(&out, 0);
	moat_jw_init(&jw, &out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "path", path);
	moat_jw_kuint(&jw, "formatVersion", in->format_version);
	moat_jw_kstr(&jw, "built", built);
	moat_jw_kint(&jw, "ageSeconds", age);
	moat_jw_kstr(&jw, "checksum", in->checksum);
	moat_jw_kuint(&jw, "fileSize", in->file_size);
	moat_jw_kuint(&jw, "vulnerabilities", in->n_vulns);
	moat_jw_kuint(&jw, "entries", in->n_affected);
	moat_jw_kuint(&jw, "packages", in->n_packages);
	moat_jw_key(&jw, "sources");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < in->n_sources; i++) {
		const struct moat_vulndb_source *s = &in->sources[i];

		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "name", s->name);
		moat_jw_kstr(&jw, "origin", s->origin);
		moat_jw_kstr(&jw, "date", s->date);
		moat_jw_kuint(&jw, "records", s->records);
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	if (moat_jw_finish(&jw) == 0)
		printf("%s\n", (const char *)out.data);
	moat_buf_release(&out);
}

static void info_table(const char *path, const struct moat_vulndb_info *in, int64_t age)
{
	char built[64];

	fmt_time(in->built, built, sizeof(built));
	printf("path:            %s\n", path);
	printf("format version:  %u\n", in->format_version);
	printf("built:           %s (%lld h %lld min ago)\n", built, (long long)(age / 3600),
	       (long long)(age % 3600 / 60));
	printf("checksum:        %s (verified)\n", in->checksum);
	printf("size:            %llu bytes\n", (unsigned long long)in->file_size);
	printf("vulnerabilities: %llu\n", (unsigned long long)in->n_vulns);
	printf("entries:         %llu\n", (unsigned long long)in->n_affected);
	printf("packages:        %llu\n", (unsigned long long)in->n_packages);
	printf("sources:\n");
	for (size_t i = 0; i < in->n_sources; i++) {
		const struct moat_vulndb_source *s = &in->sources[i];

		printf("  %-15s %8llu  %-25s %s\n", s->name ? s->name : "?",
		       (unsigned long long)s->records, s->date ? s->date : "-",
		       s->origin ? s->origin : "-");
	}
}

static int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *given = NULL;
	bool json = false;
	char defpath[PATH_MAX];
	const char *path;
	struct moat_error err = { 0 };
	struct moat_vulndb *db = NULL;
	int c;
	int r;

	while ((c = getopt_long(argc, argv, "d:f:h", opts, NULL)) != -1) {
		if (c == 'd')
			given = optarg;
		else if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table")))
			json = !strcmp(optarg, "json");
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: moat db info [--db FILE] [--format table|json]\n");
			return c == 'h' ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
		}
	}
	path = db_path(given, defpath, sizeof(defpath));
	if (!path) {
		fprintf(stderr, "moat db info: no DB: give --db FILE or set MOAT_DB\n");
		return MOAT_EXIT_USAGE;
	}
	r = moat_vulndb_open(path, true, &db, &err);
	if (r < 0)
		return db_fail("info", r, &err);
	if (json)
		info_json(path, moat_vulndb_info(db), (int64_t)time(NULL) - moat_vulndb_info(db)->built);
	else
		info_table(path, moat_vulndb_info(db), (int64_t)time(NULL) - moat_vulndb_info(db)->built);
	moat_vulndb_close(db);
	return MOAT_EXIT_OK;
}

/* ---- update ---- */

/* "sha256:<hex>" from HEX, "sha256:HEX" or the first word of a .sha256 file. */
static int parse_sum(const char *text, size_t len, char out[MOAT_DIGEST_STR_MAX])
{
	size_t n;

	if (len >= 7 && !strncmp(text, "sha256:", 7)) {
		text += 7;
		len -= 7;
	}
	n = 0;
	while (n < len && n < 65 && strchr("0123456789abcdefABCDEF", text[n]) && text[n])
		n++;
	if (n != 64 || (n < len && !strchr(" \t\r\n", text[n])))
		return MOAT_E_FORMAT;
	memcpy(out, "sha256:", 7);
	for (size_t i = 0; i < 64; i++)
		out[7 + i] = (char)(text[i] >= 'A' && text[i] <= 'F' ? text[i] + 32 : text[i]);
	out[71] = '\0';
	return 0;
}

static int fetch_sum(struct moat_http *http, const char *url, char out[MOAT_DIGEST_STR_MAX],
		     struct moat_error *err)
{
	char sum_url[MOAT_HTTP_MAX_URL];
	struct moat_http_req req = { .url = sum_url, .follow = true };
	struct moat_http_resp *resp = NULL;
	struct moat_buf body;
	int r;

	if ((size_t)snprintf(sum_url, sizeof(sum_url), "%s.sha256", url) >= sizeof(sum_url))
		return moat_error_set(err, MOAT_E_USAGE, "%s: URL too long", url);
	moat_buf_init(&body, DB_MAX_SUMS + 1);
	r = moat_http_send(http, &req, &resp, err);
	if (r == 0 && moat_http_resp_status(resp) != 200)
		r = moat_http_resp_fail(resp, sum_url, err);
	if (r == 0)
		r = moat_http_resp_read_all(resp, &body, DB_MAX_SUMS, err);
	if (r == 0 && parse_sum((const char *)body.data, body.len, out) < 0)
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: not a sha256 checksum file", sum_url);
	moat_http_resp_close(resp);
	moat_buf_release(&body);
	return r;
}

/* Stream the body of url into fd, hashing it. */
static int download(struct moat_http *http, const char *url, const char *const *headers, int fd,
		    char got[MOAT_DIGEST_STR_MAX], uint64_t *ret_len, struct moat_error *err)
{
	struct moat_http_req req = { .url = url, .headers = headers, .timeout_sec = 120,
				     .follow = true };
	struct moat_http_resp *resp = NULL;
	struct moat_sha256 sha = { 0 };
	struct moat_reader body;
	uint8_t buf[64 * 1024];
	uint64_t total = 0;
	int r = moat_http_send(http, &req, &resp, err);

	if (r == 0 && moat_http_resp_status(resp) != 200)
		r = moat_http_resp_fail(resp, url, err);
	if (r == 0 && moat_sha256_init(&sha) < 0)
		r = moat_error_set(err, -ENOMEM, "out of memory");
	if (r == 0)
		body = moat_http_resp_body(resp);
	while (r == 0) {
		ssize_t n = moat_read(&body, buf, sizeof(buf), err);

		if (n <= 0) {
			r = (int)n;
			if (r < 0)
				moat_error_prefix(err, "%s: download failed after %llu bytes: ", url,
						  (unsigned long long)total);
			break;
		}
		total += (uint64_t)n;
		if (total > DB_MAX_DOWNLOAD)
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: larger than %llu bytes", url,
					   (unsigned long long)DB_MAX_DOWNLOAD);
		else if (write(fd, buf, (size_t)n) != n)
			r = moat_error_set(err, -EIO, "write: %s", strerror(errno ? errno : EIO));
		else
			moat_sha256_update(&sha, buf, (size_t)n);
	}
	if (sha.ctx && r == 0)
		moat_sha256_final(&sha, got);
	else if (sha.ctx)
		moat_sha256_release(&sha);
	moat_http_resp_close(resp);
	*ret_len = total;
	return r;
}

int db_update_from(struct moat_http *http, const char *url, const char *const *headers,
		   const char *want, const char *path, struct moat_error *err)
{
	char got[MOAT_DIGEST_STR_MAX];
	char tmp[PATH_MAX];
	struct moat_vulndb *db = NULL;
	uint64_t len = 0;
	int fd;
	int r;

	if (db_mkparent(path) < 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.download.XXXXXX", path) >= sizeof(tmp))
		return moat_error_set(err, -errno, "%s: cannot create its directory", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
	r = download(http, url, headers, fd, got, &len, err);
	if (r == 0 && strcmp(got, want) != 0)
		r = moat_error_set(err, MOAT_E_VERIFY, "%s: checksum mismatch: expected %s, got %s "
				   "(%llu bytes)", url, want, got, (unsigned long long)len);
	if (r == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = moat_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
	close(fd);
	if (r == 0 && moat_vulndb_open(tmp, true, &db, err) < 0)
		r = moat_error_prefix(err, "%s: the downloaded file does not open: ", url);
	moat_vulndb_close(db);
	if (r == 0 && rename(tmp, path) < 0)
		r = moat_error_set(err, -errno, "rename %s: %s", path, strerror(errno));
	if (r < 0)
		unlink(tmp);
	return r;
}

/* Checksum from --sha256 or URL.sha256, then db_update_from(). */
static int update(const char *url, const char *want_hex, const char *path, const char *cacert,
		  struct moat_error *err)
{
	struct moat_http_opts hopts = { .cacert = cacert };
	char want[MOAT_DIGEST_STR_MAX];
	struct moat_http *http = NULL;
	int r;

	if (want_hex && parse_sum(want_hex, strlen(want_hex), want) < 0)
		return moat_error_set(err, MOAT_E_USAGE, "--sha256 %s: not a SHA-256 hex digest",
				      want_hex);
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return moat_error_set(err, MOAT_E_USAGE, "%s: want an http:// or https:// URL", url);
	if (cacert && access(cacert, R_OK) < 0)
		return moat_error_set(err, -errno, "--cacert %s: %s", cacert, strerror(errno));
	r = moat_http_open(&hopts, &http, err);
	if (r == 0 && !want_hex)
		r = fetch_sum(http, url, want, err);
	if (r == 0)
		r = db_update_from(http, url, NULL, want, path, err);
	moat_http_close(http);
	return r;
}

static int cmd_update(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "sha256", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "cacert", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cacert = NULL;
	const char *url = NULL;
	const char *sum = NULL;
	const char *given = NULL;
	char defpath[PATH_MAX];
	const char *path;
	struct moat_error err = { 0 };
	int c;
	int r;

	while ((c = getopt_long(argc, argv, "u:s:d:c:h", opts, NULL)) != -1) {
		if (c == 'u')
			url = optarg;
		else if (c == 's')
			sum = optarg;
		else if (c == 'd')
			given = optarg;
		else if (c == 'c')
			cacert = optarg;
		else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: moat db update --url http[s]://HOST[:PORT]/PATH [--sha256 HEX] "
				"[--cacert FILE] [--db FILE]\n\nWithout --sha256 the checksum is read "
				"from URL.sha256 (sha256sum format). https is verified against the "
				"system CA store, or the PEM bundle given with --cacert; proxies come "
				"from http_proxy/https_proxy/no_proxy.\n");
			return c == 'h' ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
		}
	}
	path = db_path(given, defpath, sizeof(defpath));
	if (!url || !path || optind != argc) {
		fprintf(stderr, "moat db update: need --url (and --db FILE or MOAT_DB/HOME)\n");
		return MOAT_EXIT_USAGE;
	}
	r = update(url, sum, path, cacert, &err);
	if (r < 0) {
		fprintf(stderr, "moat db update: %s; kept the previous DB at %s\n", err.msg, path);
		return MOAT_EXIT_USAGE;
	}
	fprintf(stderr, "moat: updated %s from %s\n", path, url);
	return MOAT_EXIT_OK;
}

static const struct moat_cmd db_cmds[] = {
	{ "build", "compile feeds into a DB file", cmd_build },
	{ "info", "describe a DB: sources, counts, age, checksum", cmd_info },
	{ "update", "download a built DB over http(s) and install it atomically", cmd_update },
	{ "push", "push a DB to an OCI registry as an artifact (http)", db_cmd_push },
	{ "pull", "pull a DB artifact from an OCI registry and install it (http)", db_cmd_pull },
};

int moat_cmd_db(int argc, char **argv)
{
	bool help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
	FILE *out = help ? stdout : stderr;

	for (size_t i = 0; argc >= 2 && i < sizeof(db_cmds) / sizeof(db_cmds[0]); i++)
		if (!strcmp(argv[1], db_cmds[i].name))
			return db_cmds[i].run(argc - 1, argv + 1);
	if (argc >= 2 && !help)
		fprintf(stderr, "moat db: unknown command '%s'\n", argv[1]);
	fprintf(out, "usage: moat db <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(db_cmds) / sizeof(db_cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", db_cmds[i].name, db_cmds[i].summary);
	return help ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
}
