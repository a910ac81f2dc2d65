/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console.h - the moat console: storage (db.h seam, SQLite by default),
 * users, sessions and API tokens with roles, the /api/v1 HTTP API
 * (docs/console.md, docs/api/openapi.json) and the web UI's static files.
 *
 * One handle serves every request; it serialises storage access with its
 * own lock, so moat_console_http() may run on any number of server threads.
 */
#ifndef MOAT_CONSOLE_H
#define MOAT_CONSOLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;
struct moat_console;
struct moat_server_req;
struct moat_server_resp;

struct moat_console_opts {
	const char *data_dir;           /* holds moat.db (SQLite, WAL); created 0700 */
	const char *db_url;             /* postgres://...: PostgreSQL instead of DIR/moat.db */
	const char *web_dir;            /* built UI (index.html ...); NULL or missing = API only */
	const char *version;            /* for /health */
	const char *openapi_path;       /* the OpenAPI document served at /api/v1/openapi.json */
	bool forward;                   /* run alert forwarding (the server; not the CLI's user add) */
};

/* Open (creating and migrating) the store. */
int moat_console_open(const struct moat_console_opts *opts, struct moat_console **ret,
		      struct moat_error *err);
/* NULL is a no-op. */
void moat_console_close(struct moat_console *c);

/* The server handler (moat_server_opts.handler); ctx is the console. */
void moat_console_http(void *ctx, const struct moat_server_req *req,
		       struct moat_server_resp *resp);

/* The server's head hook (moat_server_opts.head): a request that would send
 * a body to an endpoint needing credentials, without valid ones, is refused
 * (401) before its body is read; public endpoints take at most 64 KiB. */
int moat_console_head(void *ctx, const struct moat_server_req *req, size_t *max_body,
		      char *msg, size_t msg_len);

/* Create a local user (role by name) or, with replace, set its password and role.
 * MOAT_E_USAGE for a bad name/role/short password, -EEXIST when it exists. */
int moat_console_user_add(struct moat_console *c, const char *name, const char *role,
			  const char *password, bool replace, const char *by,
			  struct moat_error *err);
/* Create an API token; the secret goes into *ret_token (caller frees) and is
 * never stored (only its SHA-256). *ret_id (may be NULL, 32 bytes) its id. */
int moat_console_token_create(struct moat_console *c, const char *role, const char *name,
			      const char *by, char **ret_token, char ret_id[32],
			      struct moat_error *err);

/* A join token for defender enrollment (docs/console.md): valid ttl_us,
 * good for max_uses enrollments; the secret into *ret_token (caller frees),
 * only its SHA-256 stored. ret_id (32 bytes) its id; *ret_expires (may be
 * NULL) when it expires. MOAT_E_USAGE for a bad name, lifetime or count. */
int moat_console_join_token_create(struct moat_console *c, const char *name, int64_t ttl_us,
				   unsigned max_uses, const char *by, char **ret_token,
				   char ret_id[32], int64_t *ret_expires, struct moat_error *err);
/* A duration: "90s", "15m", "24h", "7d" (at most 10 years). 0 or MOAT_E_FORMAT. */
int moat_console_duration_parse(const char *s, int64_t *ret_us);
/* Revoke an enrolled defender: its secret no longer authenticates.
 * MOAT_E_NOTFOUND for no such defender, -EALREADY when already revoked. */
int moat_console_defender_revoke(struct moat_console *c, const char *id, const char *by,
				 struct moat_error *err);

/*
 * Ingest seams, also used by the HTTP API (and later the defender stream
 * and its spool replay): `by` names the principal for the audit trail,
 * `defender_id` (may be NULL) the enrolled defender pushing.
 *
 * A moat.scan/v1 document: stores the image, layers (with owner), packages
 * and findings (each with layer and owner), replacing an earlier scan of
 * the same image. digest (72 bytes) gets the image's digest.
 */
int moat_console_ingest_scan(struct moat_console *c, const json_t *doc, const char *by,
			     char digest[72], struct moat_error *err);
/* A batch {"events":[moat.alert/v1 + "event_id"], "containers":[...]?,
 * "defender":{"node","version"}?}: idempotent on event_id. */
int moat_console_ingest_events(struct moat_console *c, const json_t *batch,
			       const char *defender_id, size_t *ret_accepted,
			       size_t *ret_duplicates, struct moat_error *err);

/* Retention cutoffs (microseconds since the epoch; 0 keeps that class):
 * events, the containers and network edges last seen before the cutoff;
 * images scanned before theirs that no container seen since runs, with
 * their layers, packages and findings; audit records. */
struct moat_console_retention {
	int64_t events_before_us;
	int64_t images_before_us;
	int64_t audit_before_us;
};

/* How many rows of each class one prune deleted. */
struct moat_console_pruned {
	int64_t events;
	int64_t images;
	int64_t audit;
};

/* Delete what keep says, in one transaction with an audit record per class
 * that lost rows. *ret (may be NULL) gets the counts. */
int moat_console_prune(struct moat_console *c, const struct moat_console_retention *keep,
		       struct moat_console_pruned *ret, struct moat_error *err);

/* The API's routes, for `moat console routes` and the OpenAPI test:
 * the nth "METHOD /api/v1/path/{param}", or NULL past the end. */
const char *moat_console_route(size_t n, char *buf, size_t len);

#endif
