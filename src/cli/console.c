/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.c - `moat console`: run the console server (in the foreground or
 * as a daemon), stop it, and bootstrap users and API tokens without a
 * browser. The logic lives in src/console/; this file parses arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/time.h"
#include "cli.h"
#include "console/console.h"
#include "moat-config.h"
#include "moat/error.h"
#include "server/server.h"

struct console_args {
	const char *data;
	const char *db;
	const char *listen;
	const char *tls_cert;
	const char *tls_key;
	const char *web;
	const char *pid_file;
	const char *log_file;
	const char *role;
	const char *name;
	const char *ttl;                /* token create --join */
	unsigned uses;
	bool join;
	unsigned threads;
	unsigned retain_days;           /* events, containers, edges; 0: keep forever */
	unsigned retain_images_days;    /* images nothing runs; 0: keep forever */
	unsigned retain_audit_days;     /* audit records; 0: keep forever */
	bool daemon;
	bool replace;
	char pid_buf[4096];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat console --data DIR --listen ADDR [--db URL] [--tls-cert F --tls-key F] [options]\n"
		"       moat console stop --data DIR [--pid-file F]\n"
		"       moat console user add --data DIR [--db URL] NAME --role ROLE [--replace]  (password on stdin)\n"
		"       moat console token create --data DIR [--db URL] --role ROLE [--name N]     (prints the token once)\n"
		"       moat console token create --data DIR --role defender --join [--ttl 24h] [--uses N] [--name N]\n"
		"                         (a join token: `moat defender --join-token` trades it for its own identity)\n"
		"       moat console defender revoke --data DIR [--db URL] ID\n"
		"\nThe console: API under /api/v1, storage (SQLite in DIR, or PostgreSQL), users, tokens, web UI.\n"
		"Plain HTTP only on loopback (127.0.0.1, ::1); any other address needs TLS.\n"
		"\noptions:\n"
		"      --data DIR        data directory (moat.db, console.pid, console.log)\n"
		"      --db URL          PostgreSQL instead of DIR/moat.db: postgres://USER@HOST:PORT/DB\n"
		"                        (default $MOAT_CONSOLE_DB; password from ~/.pgpass or $PGPASSWORD)\n"
		"      --listen ADDR     HOST:PORT, e.g. 127.0.0.1:8080\n"
		"      --tls-cert F, --tls-key F   PEM certificate and key (HTTPS)\n"
		"      --web DIR         built web UI (default: installed, else the source tree's web/dist)\n"
		"      --daemon          run in the background once listening (log in DIR/console.log)\n"
		"      --pid-file F      (default DIR/console.pid)\n"
		"      --log-file F      with --daemon (default DIR/console.log)\n"
		"      --threads N       request threads (default 8)\n"
		"      --retain-days N   delete events older than N days, hourly (default 0: keep)\n"
		"      --retain-images-days N   delete images scanned more than N days ago that\n"
		"                        no container seen since runs (default 0: keep)\n"
		"      --retain-audit-days N    delete audit records older than N days (default 0: keep)\n"
		"roles: admin, operator, auditor, ci, defender (docs/console.md)\n");
}

static int parse_days(const char *text, unsigned *ret)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (end == text || *end || v > 36500)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

static int parse(int argc, char **argv, struct console_args *a)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "db", required_argument, NULL, 'B' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "web", required_argument, NULL, 'w' },
		{ "daemon", no_argument, NULL, 'D' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "log-file", required_argument, NULL, 'L' },
		{ "threads", required_argument, NULL, 't' },
		{ "retain-days", required_argument, NULL, 'K' },
		{ "retain-images-days", required_argument, NULL, 'I' },
		{ "retain-audit-days", required_argument, NULL, 'A' },
		{ "role", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "replace", no_argument, NULL, 'R' },
		{ "join", no_argument, NULL, 'j' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "uses", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': a->data = optarg; break;
		case 'B': a->db = optarg; break;
		case 'l': a->listen = optarg; break;
		case 'c': a->tls_cert = optarg; break;
		case 'k': a->tls_key = optarg; break;
		case 'w': a->web = optarg; break;
		case 'D': a->daemon = true; break;
		case 'p': a->pid_file = optarg; break;
		case 'L': a->log_file = optarg; break;
		case 'r': a->role = optarg; break;
		case 'n': a->name = optarg; break;
		case 'R': a->replace = true; break;
		case 'j': a->join = true; break;
		case 'T': a->ttl = optarg; break;
		case 'u': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (end == optarg || *end || v < 1 || v > 10000)
				return fprintf(stderr, "moat console: --uses 1..10000\n"), -EINVAL;
			a->uses = (unsigned)v;
			break;
		}
		case 't':
			a->threads = (unsigned)strtoul(optarg, NULL, 10);
			if (a->threads < 1 || a->threads > 256)
				return fprintf(stderr, "moat console: --threads 1..256\n"), -EINVAL;
			break;
		case 'K': case 'I': case 'A': {
			unsigned *days = c == 'K' ? &a->retain_days :
					 c == 'I' ? &a->retain_images_days : &a->retain_audit_days;
			const char *name = c == 'K' ? "" : c == 'I' ? "images-" : "audit-";

			if (parse_days(optarg, days) < 0)
				return fprintf(stderr, "moat console: --retain-%sdays 0..36500\n",
					       name), -EINVAL;
			break;
		}
		case 'h': usage(stdout); return 1;
		default:
			fprintf(stderr, "moat console: unknown or incomplete option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!a->data) {
		fprintf(stderr, "moat console: --data DIR is required\n");
		return -EINVAL;
	}
	if (!a->db && getenv("MOAT_CONSOLE_DB") && getenv("MOAT_CONSOLE_DB")[0])
		a->db = getenv("MOAT_CONSOLE_DB");
	if (!a->pid_file) {
		snprintf(a->pid_buf, sizeof(a->pid_buf), "%s/console.pid", a->data);
		a->pid_file = a->pid_buf;
	}
	return 0;
}

static const char *first_dir(const char *a, const char *b)
{
	struct stat st;

	if (stat(a, &st) == 0 && S_ISDIR(st.st_mode))
		return a;
	return b;
}

static const char *first_file(const char *a, const char *b)
{
	return access(a, R_OK) == 0 ? a : b;
}

/* Plain HTTP is for this machine only: loopback addresses. */
static bool loopback(const char *listen)
{
	return !strncmp(listen, "127.", 4) || !strncmp(listen, "[::1]:", 6) ||
	       !strncmp(listen, "localhost:", 10);
}

static int open_console(const struct console_args *a, bool forward, struct moat_console **ret)
{
	struct moat_console_opts co = {
		.data_dir = a->data,
		.db_url = a->db,
		.forward = forward,
		.web_dir = a->web ? a->web : first_dir(MOAT_DATADIR "/web",
						       MOAT_SOURCE_DIR "/web/dist"),
		.version = MOAT_VERSION,
		.openapi_path = first_file(MOAT_DATADIR "/openapi.json",
					   MOAT_SOURCE_DIR "/docs/api/openapi.json"),
	};
	struct moat_error err = { 0 };
	int r = moat_console_open(&co, ret, &err);

	if (r < 0)
		cli_errorf("moat console: %s\n", err.msg);
	return r;
}

/* The pid a pid file names, when that process is alive; else 0. */
static long live_pid(const char *path)
{
	char buf[32];
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (f && fgets(buf, sizeof(buf), f))
		pid = strtol(buf, NULL, 10);
	if (f)
		fclose(f);
	if (pid <= 1 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return 0;
	return pid;
}

static int write_pid(const char *path)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());

	return moat_write_file_atomic(path, text, (size_t)n, 0644, false);
}

static int64_t days_ago_us(unsigned days)
{
	return days ? moat_time_now_us() - (int64_t)days * 86400 * 1000000 : 0;
}

/* Retention (--retain-*): at start and then hourly. */
static void prune(const struct console_args *a, struct moat_console *con)
{
	struct moat_console_retention keep = {
		.events_before_us = days_ago_us(a->retain_days),
		.images_before_us = days_ago_us(a->retain_images_days),
		.audit_before_us = days_ago_us(a->retain_audit_days),
	};
	struct moat_console_pruned n = { 0 };
	struct moat_error err = { 0 };

	if (!keep.events_before_us && !keep.images_before_us && !keep.audit_before_us)
		return;
	if (moat_console_prune(con, &keep, &n, &err) < 0) {
		cli_errorf("moat console: retention: %s\n", err.msg);
		return;
	}
	if (n.events)
		fprintf(stderr, "moat console: retention: %lld events older than %u days deleted\n",
			(long long)n.events, a->retain_days);
	if (n.images)
		fprintf(stderr, "moat console: retention: %lld images scanned more than %u days "
			"ago and not running deleted\n", (long long)n.images, a->retain_images_days);
	if (n.audit)
		fprintf(stderr, "moat console: retention: %lld audit records older than %u days "
			"deleted\n", (long long)n.audit, a->retain_audit_days);
}

/* A list or radar answer is megabytes of short-lived JSON nodes. With
 * glibc's defaults each request grows the heap and the free at its end
 * gives it back, so the next one page-faults it in again: measured on
 * bench/console's radar (4,550 edges), 35-38 ms of CPU per request, 17-24 ms
 * with these (RSS about 60 MiB). */
static void keep_heap(void)
{
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
}

/* Serve until SIGINT/SIGTERM. ready_fd (>= 0): tell the waiting parent. */
static int serve(const struct console_args *a, int ready_fd)
{
	struct moat_console *con = NULL;
	struct moat_server *srv = NULL;
	struct moat_error err = { 0 };
	sigset_t set;
	int r, sig = 0;

	if (open_console(a, true, &con) < 0)
		return MOAT_EXIT_USAGE;
	struct moat_server_opts so = {
		.listen = a->listen,
		.tls_cert = a->tls_cert,
		.tls_key = a->tls_key,
		.allow_plain_tcp = !a->tls_cert && loopback(a->listen),
		.max_body = 64u << 20,
		.threads = a->threads ? a->threads : 8,
		.handler = moat_console_http,
		.head = moat_console_head,
		.ctx = con,
	};
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	keep_heap();
	prune(a, con);  /* before the first request, so nothing expired is served */
	r = moat_server_open(&so, &srv, &err);
	if (r < 0) {
		if (r == MOAT_E_USAGE && !a->tls_cert)
			cli_errorf("moat console: --listen %s: plain HTTP is for loopback only; give "
				   "--tls-cert and --tls-key\n", a->listen);
		else
			cli_errorf("moat console: %s\n", err.msg);
		moat_console_close(con);
		return r == MOAT_E_USAGE ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	}
	if (write_pid(a->pid_file) < 0)
		cli_errorf("moat console: warning: --pid-file %s: %s\n", a->pid_file, strerror(errno));
	fprintf(stderr, "moat console: serving %s://%s (port %u, data %s)\n",
		a->tls_cert ? "https" : "http", a->listen, moat_server_port(srv), a->data);
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "ok", 2);
		close(ready_fd);
	}
	for (;;) {
		struct timespec hour = { 3600, 0 };

		sig = sigtimedwait(&set, NULL, &hour);
		if (sig > 0)
			break;
		prune(a, con);
	}
	fprintf(stderr, "moat console: stopping (signal %d)\n", sig);
	moat_server_close(srv);
	moat_console_close(con);
	unlink(a->pid_file);
	return MOAT_EXIT_OK;
}

static void print_last_line(const char *path)
{
	char line[512], last[512] = "";
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		memcpy(last, line, sizeof(last));
	if (f)
		fclose(f);
	fprintf(stderr, "%s", last);
}

/* Fork; the child serves with stdio on the log; the parent returns once the
 * child listens (0) or has failed (its exit code, its message in the log). */
static int daemonize(const struct console_args *a)
{
	char logbuf[4200], buf[4];
	const char *log = a->log_file;
	int pfd[2], fd;
	pid_t pid;
	ssize_t n;

	if (!log) {
		snprintf(logbuf, sizeof(logbuf), "%s/console.log", a->data);
		log = logbuf;
	}
	if (mkdir(a->data, 0700) < 0 && errno != EEXIST)
		return cli_errorf("moat console: %s: %s\n", a->data, strerror(errno)), MOAT_EXIT_USAGE;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || pipe(pfd) < 0)
		return cli_errorf("moat console: %s: %s\n", log, strerror(errno)), MOAT_EXIT_USAGE;
	pid = fork();
	if (pid < 0)
		return cli_errorf("moat console: fork: %s\n", strerror(errno)), MOAT_EXIT_INTERNAL;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		close(pfd[0]);
		setsid();
		dup2(devnull, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(devnull);
		close(fd);
		_exit(serve(a, pfd[1]));
	}
	close(pfd[1]);
	close(fd);
	n = read(pfd[0], buf, sizeof(buf));
	close(pfd[0]);
	if (n == 2) {
		printf("moat console: running in the background (pid %ld, log %s); stop it with: "
		       "moat console stop --data %s\n", (long)pid, log, a->data);
		return MOAT_EXIT_OK;
	}
	fprintf(stderr, "moat console: failed to start; the end of %s:\n", log);
	print_last_line(log);
	return MOAT_EXIT_USAGE;
}

static int cmd_stop(const struct console_args *a)
{
	long pid = live_pid(a->pid_file);

	if (!pid) {
		fprintf(stderr, "moat console stop: no console running for %s (%s names none)\n",
			a->data, a->pid_file);
		unlink(a->pid_file);
		return MOAT_EXIT_USAGE;
	}
	if (kill((pid_t)pid, SIGTERM) < 0) {
		fprintf(stderr, "moat console stop: pid %ld: %s (removing the stale pid file)\n", pid,
			strerror(errno));
		unlink(a->pid_file);
		return errno == ESRCH ? MOAT_EXIT_OK : MOAT_EXIT_INTERNAL;
	}
	for (int i = 0; i < 200 && kill((pid_t)pid, 0) == 0; i++) {
		struct timespec ts = { 0, 50 * 1000000L };

		nanosleep(&ts, NULL);
	}
	if (kill((pid_t)pid, 0) == 0) {
		fprintf(stderr, "moat console stop: pid %ld did not stop within 10 s\n", pid);
		return MOAT_EXIT_INTERNAL;
	}
	printf("moat console: stopped (pid %ld)\n", pid);
	return MOAT_EXIT_OK;
}

/* The password: first line of stdin, without its newline. */
static int read_password(char *buf, size_t len)
{
	size_t n;

	if (!fgets(buf, (int)len, stdin))
		return -EINVAL;
	n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return n ? 0 : -EINVAL;
}

static int cmd_user_add(const struct console_args *a, const char *name)
{
	struct moat_console *con = NULL;
	struct moat_error err = { 0 };
	char pw[1100];
	int r;

	if (!name || !a->role) {
		fprintf(stderr, "moat console user add: want NAME and --role ROLE\n");
		return MOAT_EXIT_USAGE;
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "password for %s: ", name);
	if (read_password(pw, sizeof(pw)) < 0) {
		fprintf(stderr, "moat console user add: no password on stdin\n");
		return MOAT_EXIT_USAGE;
	}
	if (open_console(a, false, &con) < 0)
		return MOAT_EXIT_USAGE;
	r = moat_console_user_add(con, name, a->role, pw, a->replace, "cli", &err);
	explicit_bzero(pw, sizeof(pw));
	moat_console_close(con);
	if (r < 0) {
		cli_errorf("moat console user add: %s%s\n", err.msg,
			   r == -EEXIST ? " (--replace sets a new password and role)" : "");
		return r == MOAT_E_INTERNAL ? MOAT_EXIT_INTERNAL : MOAT_EXIT_USAGE;
	}
	fprintf(stderr, "moat console: user %s (%s) %s\n", name, a->role,
		a->replace ? "set" : "created");
	return MOAT_EXIT_OK;
}

/* --join: a defender join token (short-lived, limited uses). */
static int cmd_join_token_create(const struct console_args *a)
{
	struct moat_console *con = NULL;
	struct moat_error err = { 0 };
	int64_t ttl = 24LL * 3600 * 1000000, expires;
	char *token = NULL;
	char id[32], t[MOAT_TIME_MAX];
	int r;

	if (a->role && strcmp(a->role, "defender") != 0) {
		fprintf(stderr, "moat console token create --join: join tokens are for defenders "
			"(--role defender)\n");
		return MOAT_EXIT_USAGE;
	}
	if (a->ttl && moat_console_duration_parse(a->ttl, &ttl) < 0) {
		fprintf(stderr, "moat console: --ttl '%s': want e.g. 30m, 24h, 7d\n", a->ttl);
		return MOAT_EXIT_USAGE;
	}
	if (open_console(a, false, &con) < 0)
		return MOAT_EXIT_USAGE;
	r = moat_console_join_token_create(con, a->name, ttl, a->uses ? a->uses : 1, "cli", &token,
					   id, &expires, &err);
	moat_console_close(con);
	if (r < 0) {
		cli_errorf("moat console token create: %s\n", err.msg);
		return MOAT_EXIT_USAGE;
	}
	printf("%s\n", token);
	moat_time_format(expires, t);
	fprintf(stderr, "moat console: join token %s created, good for %u enrollment%s until %s; "
		"it is shown only now\n", id, a->uses ? a->uses : 1, a->uses > 1 ? "s" : "", t);
	explicit_bzero(token, strlen(token));
	free(token);
	return MOAT_EXIT_OK;
}

static int cmd_defender_revoke(const struct console_args *a, const char *id)
{
	struct moat_console *con = NULL;
	struct moat_error err = { 0 };
	int r;

	if (!id) {
		fprintf(stderr, "moat console defender revoke: which defender? (an id from GET "
			"/api/v1/defenders)\n");
		return MOAT_EXIT_USAGE;
	}
	if (open_console(a, false, &con) < 0)
		return MOAT_EXIT_USAGE;
	r = moat_console_defender_revoke(con, id, "cli", &err);
	moat_console_close(con);
	if (r < 0) {
		cli_errorf("moat console defender revoke: %s\n", err.msg);
		return r == MOAT_E_NOTFOUND || r == -EALREADY ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	}
	fprintf(stderr, "moat console: defender %s revoked; its pushes are refused from now on\n",
		id);
	return MOAT_EXIT_OK;
}

static int cmd_token_create(const struct console_args *a)
{
	struct moat_console *con = NULL;
	struct moat_error err = { 0 };
	char *token = NULL;
	char id[32];
	int r;

	if (a->join)
		return cmd_join_token_create(a);
	if (a->ttl || a->uses) {
		fprintf(stderr, "moat console token create: --ttl and --uses are for --join tokens\n");
		return MOAT_EXIT_USAGE;
	}
	if (!a->role) {
		fprintf(stderr, "moat console token create: --role ROLE is required\n");
		return MOAT_EXIT_USAGE;
	}
	if (open_console(a, false, &con) < 0)
		return MOAT_EXIT_USAGE;
	r = moat_console_token_create(con, a->role, a->name, "cli", &token, id, &err);
	moat_console_close(con);
	if (r < 0) {
		cli_errorf("moat console token create: %s\n", err.msg);
		return MOAT_EXIT_USAGE;
	}
	printf("%s\n", token);
	fprintf(stderr, "moat console: token %s (%s) created; it is shown only now\n", id,
		a->role);
	explicit_bzero(token, strlen(token));
	free(token);
	return MOAT_EXIT_OK;
}

/* Hidden: the API's routes, one "METHOD PATH" a line (for the OpenAPI test). */
static int cmd_routes(void)
{
	char buf[256];

	for (size_t i = 0; moat_console_route(i, buf, sizeof(buf)); i++)
		printf("%s\n", buf);
	return MOAT_EXIT_OK;
}

int moat_cmd_console(int argc, char **argv)
{
	struct console_args a = { 0 };
	const char *sub = argc > 1 && argv[1][0] != '-' ? argv[1] : NULL;
	const char *sub2 = sub && argc > 2 ? argv[2] : NULL;
	int skip = !sub ? 0 : !strcmp(sub, "stop") || !strcmp(sub, "routes") ? 1 : 2;
	int r;

	if (sub && !strcmp(sub, "routes"))
		return cmd_routes();
	if (sub && strcmp(sub, "stop") != 0 && !(!strcmp(sub, "user") && sub2 && !strcmp(sub2, "add")) &&
	    !(!strcmp(sub, "token") && sub2 && !strcmp(sub2, "create")) &&
	    !(!strcmp(sub, "defender") && sub2 && !strcmp(sub2, "revoke"))) {
		fprintf(stderr, "moat console: unknown subcommand '%s%s%s'\n", sub, sub2 ? " " : "",
			sub2 ? sub2 : "");
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	r = parse(argc - skip, argv + skip, &a);
	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	if (sub && !strcmp(sub, "stop"))
		return cmd_stop(&a);
	if (sub && !strcmp(sub, "user"))
		return cmd_user_add(&a, optind < argc - skip ? argv[skip + optind] : NULL);
	if (sub && !strcmp(sub, "token"))
		return cmd_token_create(&a);
	if (sub && !strcmp(sub, "defender"))
		return cmd_defender_revoke(&a, optind < argc - skip ? argv[skip + optind] : NULL);
	if (!a.listen) {
		fprintf(stderr, "moat console: --listen ADDR is required (e.g. 127.0.0.1:8080)\n");
		return MOAT_EXIT_USAGE;
	}
	if (!!a.tls_cert != !!a.tls_key) {
		fprintf(stderr, "moat console: --tls-cert and --tls-key go together\n");
		return MOAT_EXIT_USAGE;
	}
	if ((r = (int)live_pid(a.pid_file)) > 0) {
		fprintf(stderr, "moat console: already running for %s (pid %d, %s); stop it with: "
			"moat console stop --data %s\n", a.data, r, a.pid_file, a.data);
		return MOAT_EXIT_USAGE;
	}
	return a.daemon ? daemonize(&a) : serve(&a, -1);
}
