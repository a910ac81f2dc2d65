/* SPDX-License-Identifier: Apache-2.0 */
/* db-cmd.h - helpers shared by the `moat db` subcommands (db.c, db-oci.c). */
#ifndef MOAT_CLI_DB_CMD_H
#define MOAT_CLI_DB_CMD_H

#include <stddef.h>

struct moat_error;

/* Exit code for a failure: input and network problems are 2, bugs 3. */
int db_exit(int r);
/* Print "moat db CMD: message" and return the exit code. */
int db_fail(const char *cmd, int r, const struct moat_error *err);
/* mkdir -p the directory that will hold path. 0 or -errno. */
int db_mkparent(const char *path);
/* given, or the default DB path (into buf), or NULL. */
const char *db_path(const char *given, char *buf, size_t len);
/* Download url into a temp file beside path, check its "sha256:..." digest
 * (want) and that it opens as a DB, then rename it over path. On failure
 * path is untouched. */
struct moat_http;
int db_update_from(struct moat_http *http, const char *url, const char *const *headers,
		   const char *want, const char *path, struct moat_error *err);
/* `moat db push` and `moat db pull` (db-oci.c). */
int db_cmd_push(int argc, char **argv);
int db_cmd_pull(int argc, char **argv);

#endif
