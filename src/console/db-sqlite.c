/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-sqlite.c - the SQLite backend of the console's SQL seam (db.h): one
 * connection in WAL mode with synchronous=FULL, so an answered write
 * survives a crash, and a busy timeout so the CLI (`moat console user add`)
 * can write while the server runs.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "db.h"
#include "moat/error.h"

#define SQLITE_BUSY_MS 5000

struct db_sqlite {
	struct moat_db base;
	sqlite3 *h;
};

static int fail(struct db_sqlite *d, const char *sql, struct moat_error *err)
{
	return moat_error_set(err, MOAT_E_RUNTIME, "sqlite: %s (in: %.60s)", sqlite3_errmsg(d->h),
			      sql);
}

static int prepare(struct db_sqlite *d, const char *sql, const struct moat_db_val *p, size_t n,
		   sqlite3_stmt **ret, struct moat_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(d, sql, err);
	for (size_t i = 0; i < n; i++) {
		int col = (int)i + 1;

		if (p[i].type == MOAT_DB_INT)
			rc = sqlite3_bind_int64(st, col, p[i].i);
		else if (p[i].type == MOAT_DB_TEXT)
			rc = sqlite3_bind_text(st, col, p[i].s, -1, SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, col);
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return fail(d, sql, err);
		}
	}
	*ret = st;
	return 0;
}

static int sq_exec(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		   size_t n, int64_t *ret_changes, struct moat_error *err)
{
	struct db_sqlite *d = (struct db_sqlite *)db;
	sqlite3_stmt *st = NULL;  /* set when prepare succeeds; -O3 cannot see that */
	int r = prepare(d, sql, params, n, &st, err);
	int rc;

	if (r < 0)
		return r;
	do
		rc = sqlite3_step(st);
	while (rc == SQLITE_ROW);
	if (rc != SQLITE_DONE)
		r = fail(d, sql, err);
	else if (ret_changes)
		*ret_changes = sqlite3_changes64(d->h);
	sqlite3_finalize(st);
	return r;
}

#define SQ_MAX_COLS 32

static int sq_query(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		    size_t n, moat_db_row_fn row, void *ctx, struct moat_error *err)
{
	struct db_sqlite *d = (struct db_sqlite *)db;
	struct moat_db_val cols[SQ_MAX_COLS];
	sqlite3_stmt *st = NULL;  /* set when prepare succeeds; -O3 cannot see that */
	int r = prepare(d, sql, params, n, &st, err);
	int rc;

	if (r < 0)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int nc = sqlite3_column_count(st);

		if (nc > SQ_MAX_COLS)
			nc = SQ_MAX_COLS;
		for (int i = 0; i < nc; i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				cols[i] = (struct moat_db_val){ .type = MOAT_DB_NULL };
				break;
			case SQLITE_INTEGER:
				cols[i] = moat_db_int(sqlite3_column_int64(st, i));
				break;
			default:
				cols[i] = moat_db_text((const char *)sqlite3_column_text(st, i));
				break;
			}
		}
		r = row(ctx, cols, (size_t)nc);
		if (r != 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = fail(d, sql, err);
	sqlite3_finalize(st);
	return r < 0 ? r : 0;
}

static void sq_close(struct moat_db *db)
{
	struct db_sqlite *d = (struct db_sqlite *)db;

	sqlite3_close_v2(d->h);
	free(d);
}

static const struct moat_db_ops sqlite_ops = {
	.name = "sqlite",
	.exec = sq_exec,
	.query = sq_query,
	.close = sq_close,
};

int moat_db_open_sqlite(const char *path, struct moat_db **ret, struct moat_error *err)
{
	struct db_sqlite *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return moat_error_set(err, -ENOMEM, "out of memory");
	d->base.ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		r = moat_error_set(err, MOAT_E_RUNTIME, "%s: %s", path,
				   d->h ? sqlite3_errmsg(d->h) : "cannot open");
		sq_close(&d->base);
		return r;
	}
	sqlite3_busy_timeout(d->h, SQLITE_BUSY_MS);
	sqlite3_extended_result_codes(d->h, 1);
	if ((r = sq_exec(&d->base, "PRAGMA journal_mode=WAL", NULL, 0, NULL, err)) < 0 ||
	    (r = sq_exec(&d->base, "PRAGMA synchronous=FULL", NULL, 0, NULL, err)) < 0 ||
	    (r = sq_exec(&d->base, "PRAGMA foreign_keys=ON", NULL, 0, NULL, err)) < 0 ||
	    /* 64 MiB of pages (default 2 MiB): list reads come from memory,
	     * not a pread per page */
	    (r = sq_exec(&d->base, "PRAGMA cache_size=-65536", NULL, 0, NULL, err)) < 0) {
		moat_error_prefix(err, "%s: ", path);
		sq_close(&d->base);
		return r;
	}
	*ret = &d->base;
	return 0;
}
