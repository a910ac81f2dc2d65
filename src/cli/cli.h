/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - subcommand entry points and exit codes of the moat binary. */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

enum moat_exit {
	MOAT_EXIT_OK = 0,
	MOAT_EXIT_POLICY = 1,   /* the scan worked and the policy failed */
	MOAT_EXIT_USAGE = 2,    /* bad arguments or bad input */
	MOAT_EXIT_INTERNAL = 3, /* moat failed */
};

struct moat_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int moat_cmd_scan(int argc, char **argv);
int moat_cmd_sbom(int argc, char **argv);
int moat_cmd_version(int argc, char **argv);
int moat_cmd_defender(int argc, char **argv);
int moat_cmd_baseline(int argc, char **argv);
int moat_cmd_db(int argc, char **argv);
int moat_cmd_base(int argc, char **argv);
int moat_cmd_top(int argc, char **argv);
int moat_cmd_fs(int argc, char **argv);
int moat_cmd_config(int argc, char **argv);
int moat_cmd_authz(int argc, char **argv);
int moat_cmd_webhook(int argc, char **argv);
int moat_cmd_registry(int argc, char **argv);
int moat_cmd_network(int argc, char **argv);
int moat_cmd_console(int argc, char **argv);
/* comply-k8s.c: `moat comply k8s|node` (argv[1] names which) */
int moat_cmd_comply_k8s(int argc, char **argv);
int moat_cmd_comply(int argc, char **argv);

/* The report formats of the check commands (config, comply). */
enum cli_check_format { CLI_CHECK_TABLE, CLI_CHECK_JSON, CLI_CHECK_SARIF };
/* "table", "json" or "sarif" into *ret: 0, or -1 for any other name. */
int cli_check_format(const char *name, enum cli_check_format *ret);
/* POST a moat.comply/v1 report to the console at URL with a Bearer token,
 * this host's name as "node" (comply-upload.c). */
struct moat_buf;
struct moat_error;
int cli_comply_upload(const char *console, const char *token, const struct moat_buf *report,
		      struct moat_error *err);

struct moat_buf;
/* Write a finished report: to path via a temp file and rename (a reader
 * never sees half of it), into a device or FIFO directly, or to stdout when
 * path is NULL or "-". 0 or -errno (-EISDIR for a directory). */
int cli_emit(const char *path, const struct moat_buf *buf);
/* fprintf to stderr for messages that may carry image-controlled text (tags,
 * paths, package names): the formatted message is escaped for the terminal
 * (base/term.h), all but a final newline. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
