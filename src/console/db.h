/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.h - the console's SQL seam: one small interface (an ops table) that
 * every storage backend implements, so the console's queries are written
 * once in portable SQL and run on SQLite (db-sqlite.c, the default) or,
 * PostgreSQL (db-pg.c over libpq, `moat console --db postgres://...`).
 *
 * Portable SQL only: `?` placeholders (a PostgreSQL backend rewrites them to
 * $1..$n), TEXT/BIGINT/INTEGER columns, INSERT ... ON CONFLICT ... DO
 * NOTHING/UPDATE, no AUTOINCREMENT/SERIAL (ids are made by the console), no
 * SQLite-only functions. Times are BIGINT microseconds since the epoch.
 *
 * A handle is used under the caller's lock (the console serialises access):
 * backends need not be thread-safe.
 */
#ifndef MOAT_CONSOLE_DB_H
#define MOAT_CONSOLE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;
struct moat_db;

enum moat_db_type { MOAT_DB_NULL, MOAT_DB_INT, MOAT_DB_TEXT };

/* A bound parameter or a result column. Text is NUL-terminated; in a row it
 * lives until the row callback returns. */
struct moat_db_val {
	enum moat_db_type type;
	int64_t i;
	const char *s;
};

static inline struct moat_db_val moat_db_int(int64_t i)
{
	return (struct moat_db_val){ .type = MOAT_DB_INT, .i = i };
}

static inline struct moat_db_val moat_db_text(const char *s)
{
	return (struct moat_db_val){ .type = s ? MOAT_DB_TEXT : MOAT_DB_NULL, .s = s };
}

/* Called once per result row; ncols columns. Return 0 for more rows, >0 to
 * stop early (not an error), <0 to stop with that code. */
typedef int (*moat_db_row_fn)(void *ctx, const struct moat_db_val *cols, size_t ncols);

struct moat_db_ops {
	const char *name;                         /* "sqlite", "postgresql" */
	/* Run one statement. *ret_changes (may be NULL): rows changed. */
	int (*exec)(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		    size_t nparams, int64_t *ret_changes, struct moat_error *err);
	/* Run one query; row() for each row. */
	int (*query)(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		     size_t nparams, moat_db_row_fn row, void *ctx, struct moat_error *err);
	void (*close)(struct moat_db *db);
};

/* Every backend's handle starts with this. */
struct moat_db {
	const struct moat_db_ops *ops;
};

/* Open (creating) the SQLite database at path in WAL mode. */
int moat_db_open_sqlite(const char *path, struct moat_db **ret_db, struct moat_error *err);
/* Connect to PostgreSQL at a postgres:// or postgresql:// URL (libpq's
 * syntax; the password may come from ~/.pgpass or $PGPASSWORD). Errors
 * name user@host:port/db, never the password. */
int moat_db_open_pg(const char *url, struct moat_db **ret_db, struct moat_error *err);
/* Whether url names a PostgreSQL server (postgres:// or postgresql://). */
bool moat_db_is_pg_url(const char *url);
/* NULL is a no-op. */
void moat_db_close(struct moat_db *db);

int moat_db_exec(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		 size_t nparams, int64_t *ret_changes, struct moat_error *err);
int moat_db_query(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		  size_t nparams, moat_db_row_fn row, void *ctx, struct moat_error *err);
/* BEGIN / COMMIT / ROLLBACK (rollback never fails loudly). */
int moat_db_begin(struct moat_db *db, struct moat_error *err);
int moat_db_commit(struct moat_db *db, struct moat_error *err);
void moat_db_rollback(struct moat_db *db);
/* One integer from the first column of the first row (def when no row). */
int moat_db_int_query(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		      size_t nparams, int64_t def, int64_t *ret, struct moat_error *err);

/* Bring the schema to the newest version (console/schema.c), each migration
 * in its own transaction. *ret_version (may be NULL) is the version after. */
int moat_db_migrate(struct moat_db *db, int *ret_version, struct moat_error *err);

#endif
