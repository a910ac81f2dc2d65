/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - subcommand entry points and exit codes of the moat binary. */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

#include <stdbool.h>

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
/* After the report is out: --console's upload (p->console, p->token) of the
 * JSON report json() makes of rep, whatever format went to the output; the
 * failure named on stderr after p->cmd. MOAT_EXIT_USAGE when the upload
 * failed, MOAT_EXIT_INTERNAL when the report did not build, else rc. */
struct cli_comply_policy;
typedef int (*cli_report_json_fn)(struct moat_buf *out, const void *rep,
				  struct moat_error *err);
int cli_comply_upload_report(const struct cli_comply_policy *p, cli_report_json_fn json,
			     const void *rep, int rc);

struct moat_buf;
struct moat_policy;

/* The policy options every `moat comply` target takes (comply.c). */
struct cli_comply_policy {
	const char *cmd;		 /* "moat comply docker", for messages */
	const char *bench;		 /* the policy's comply.BENCH section: docker, k8s, node */
	bool (*known)(const char *id);	 /* a check id of this target */
	const char *path;		 /* --policy FILE, or NULL */
	const char *fail_on;		 /* --fail-on ids, "all", or NULL */
	struct moat_policy *policy;	 /* loaded by cli_comply_policy_load() */
	const char *console;		 /* --console URL: also upload the JSON report */
	const char *token;		 /* --token T, else $MOAT_CONSOLE_TOKEN */
	struct moat_policy **console_pol; /* the console's compliance policies in force */
	size_t n_console;
	char framework[32];		 /* the first template they name, or "" */
};

/* The options every `moat comply` target shares: --compliance FW ('C'),
 * --policy FILE ('P'), --fail-on IDS ('F'), --console URL ('U'), --token T
 * ('K'). 1 when opt was one of them (its
 * value stored), 0 when it is another option, -1 for a framework moat does
 * not have (named on stderr). */
int cli_comply_option(int opt, const char *arg, const char **framework,
		      struct cli_comply_policy *p);
/* Check --fail-on and --console's token and load --policy: a bad file or a check id known()
 * rejects is named on stderr and returns MOAT_EXIT_USAGE; else 0. With
 * --console, also the console's compliance policies (cli_comply_pull). */
int cli_comply_policy_load(struct cli_comply_policy *p);
/* The action for check id: the policy's (block, alert, off: the check is
 * not reported), block when --fail-on names it (unless the policy turns it
 * off); alert without either. Returns "off", "alert" or "block". */
const char *cli_comply_action(const struct cli_comply_policy *p, const char *id);
/* True when there is a policy or --fail-on (reports show actions). */
bool cli_comply_has_policy(const struct cli_comply_policy *p);
/* GET the console's compliance policies (GET /api/v1/compliance/policies)
 * and keep those that speak for p->bench and are not scoped (a scoped one
 * is named on stderr: the webhook decides per object, a report per check
 * cannot). A console that cannot be reached or answers what is not a policy
 * set is named on stderr: MOAT_EXIT_USAGE (a gate never passes in silence). */
int cli_comply_pull(struct cli_comply_policy *p);
/* Release what load took. */
void cli_comply_policy_release(struct cli_comply_policy *p);

/* Write a finished report: to path via a temp file and rename (a reader
 * never sees half of it), into a device or FIFO directly, or to stdout when
 * path is NULL or "-". 0 or -errno (-EISDIR for a directory). */
int cli_emit(const char *path, const struct moat_buf *buf);
/* fprintf to stderr for messages that may carry image-controlled text (tags,
 * paths, package names): the formatted message is escaped for the terminal
 * (base/term.h), all but a final newline. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last line a child process wrote to its stderr file path (at most the
 * file's last MiB is read), for an error message; fallback when it wrote
 * none. */
void cli_last_line(const char *path, const char *fallback, char *out, size_t len);

#endif
