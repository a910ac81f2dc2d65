/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-pg.c - the PostgreSQL backend of the console's SQL seam (db.h) over
 * libpq: one connection (the console serialises access), the portable
 * statements with `?` rewritten to $1..$n, integers bound as int8 and text
 * left for the server to type, result columns typed by their OID.
 *
 * Errors name the server as user@host:port/dbname, never the password.
 * A connection the server dropped (a restart) is re-opened, only between
 * transactions: inside one, what ran before is gone with it. A
 * COMMIT that PostgreSQL turned into a ROLLBACK (a statement in the
 * transaction failed and its error was ignored) is an error here.
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "moat/error.h"

#define PG_MAX_COLS 32
#define PG_MAX_PARAMS 256
#define PG_INT8OID 20
#define PG_CONNECT_TIMEOUT "10"

struct db_pg {
	struct moat_db base;
	PGconn *h;
	bool in_tx;       /* between a BEGIN and its COMMIT/ROLLBACK */
	char where[256];  /* user@host:port/dbname, for messages */
};

/* PostgreSQL's messages end in a newline (sometimes several lines): keep
 * the first line. */
static int pg_fail(const char *where, const char *msg, const char *sql, struct moat_error *err)
{
	size_t n = strcspn(msg ? msg : "", "\n");

	if (sql)
		return moat_error_set(err, MOAT_E_RUNTIME, "postgresql %s: %.*s (in: %.60s)", where,
				      (int)n, msg ? msg : "", sql);
	return moat_error_set(err, MOAT_E_RUNTIME, "postgresql %s: %.*s", where, (int)n,
			      msg ? msg : "");
}

/* `?` outside quotes becomes $1, $2, ...; the count must match the
 * parameters (a mismatch is a bug in the caller's SQL). */
static char *rewrite(const char *sql, size_t nparams, struct moat_error *err)
{
	size_t len = strlen(sql), n = 0, o = 0;
	char quote = 0;
	char *out;

	for (const char *s = sql; *s; s++)
		n += *s == '?';
	out = malloc(len + n * 4 + 1);
	if (!out)
		return moat_error_set(err, -ENOMEM, "out of memory"), NULL;
	n = 0;
	for (const char *s = sql; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
		} else if (*s == '?') {
			o += (size_t)snprintf(out + o, 6, "$%zu", ++n);
			continue;
		}
		out[o++] = *s;
	}
	out[o] = '\0';
	if (n != nparams) {
		free(out);
		moat_error_set(err, MOAT_E_INTERNAL, "sql: %zu placeholders, %zu parameters (in: "
			       "%.60s)", n, nparams, sql);
		return NULL;
	}
	return out;
}

/* Re-open a connection the server closed, but only between transactions
 * (inside one, what ran before is gone with the connection: an error; the
 * caller's ROLLBACK then ends it). */
static int pg_ready(struct db_pg *d, const char *sql, struct moat_error *err)
{
	if (PQstatus(d->h) == CONNECTION_OK)
		return 0;
	if (d->in_tx && strcmp(sql, "ROLLBACK") != 0)
		return pg_fail(d->where, "connection lost in a transaction", sql, err);
	d->in_tx = false;
	PQreset(d->h);
	if (PQstatus(d->h) != CONNECTION_OK)
		return pg_fail(d->where, PQerrorMessage(d->h), sql, err);
	return 0;
}

static PGresult *pg_send(struct db_pg *d, const char *q, const struct moat_db_val *p, size_t n)
{
	const char *vals[PG_MAX_PARAMS];
	Oid types[PG_MAX_PARAMS];
	char ints[PG_MAX_PARAMS][24];

	for (size_t i = 0; i < n; i++) {
		types[i] = p[i].type == MOAT_DB_INT ? PG_INT8OID : 0;
		if (p[i].type == MOAT_DB_INT) {
			snprintf(ints[i], sizeof(ints[i]), "%" PRId64, p[i].i);
			vals[i] = ints[i];
		} else {
			vals[i] = p[i].type == MOAT_DB_TEXT ? p[i].s : NULL;
		}
	}
	return PQexecParams(d->h, q, (int)n, types, vals, NULL, NULL, 0);
}

static bool res_ok(const PGresult *res)
{
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Run sql with params; *ret the result (PGRES_COMMAND_OK or TUPLES_OK).
 * Outside a transaction, a statement that found the connection closed (a
 * restarted server) is sent once more on a new one: it never ran. */
static int pg_run(struct db_pg *d, const char *sql, const struct moat_db_val *p, size_t n,
		  PGresult **ret, struct moat_error *err)
{
	PGresult *res;
	char *q;
	int r;

	if (n > PG_MAX_PARAMS)
		return moat_error_set(err, MOAT_E_INTERNAL, "sql: over %d parameters", PG_MAX_PARAMS);
	if ((r = pg_ready(d, sql, err)) < 0)
		return r;
	if (!(q = rewrite(sql, n, err)))
		return err ? err->code : MOAT_E_INTERNAL;
	res = pg_send(d, q, p, n);
	if (!res_ok(res) && !d->in_tx && PQstatus(d->h) == CONNECTION_BAD) {
		PQclear(res);
		PQreset(d->h);
		res = pg_send(d, q, p, n);
	}
	free(q);
	if (!res_ok(res)) {
		r = pg_fail(d->where, res ? PQresultErrorMessage(res) : PQerrorMessage(d->h), sql,
			    err);
		PQclear(res);
		return r;
	}
	if (!strcmp(sql, "BEGIN"))
		d->in_tx = true;
	else if (!strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK"))
		d->in_tx = false;
	if (!strcmp(sql, "COMMIT") && !strcmp(PQcmdStatus(res), "ROLLBACK")) {
		PQclear(res);
		return pg_fail(d->where, "the transaction was rolled back (a statement in it failed)",
			       sql, err);
	}
	*ret = res;
	return 0;
}

static int pg_exec(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		   size_t n, int64_t *ret_changes, struct moat_error *err)
{
	PGresult *res;
	int r = pg_run((struct db_pg *)db, sql, params, n, &res, err);

	if (r < 0)
		return r;
	if (ret_changes)
		*ret_changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

/* One column by its type: integers (and bool, and integral numeric, what
 * SUM() of bigint gives) as MOAT_DB_INT, the rest as text. */
static struct moat_db_val column(const PGresult *res, int row, int col)
{
	const char *s = PQgetvalue(res, row, col);
	char *end;

	if (PQgetisnull(res, row, col))
		return (struct moat_db_val){ .type = MOAT_DB_NULL };
	switch (PQftype(res, col)) {
	case 16: /* bool */
		return moat_db_int(s[0] == 't');
	case 20: case 21: case 23: case 26: /* int8, int2, int4, oid */
		return moat_db_int(strtoll(s, NULL, 10));
	case 1700: { /* numeric */
		long long v = strtoll(s, &end, 10);

		if (!*end)
			return moat_db_int(v);
		return moat_db_text(s);
	}
	default:
		return moat_db_text(s);
	}
}

static int pg_query(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		    size_t n, moat_db_row_fn row, void *ctx, struct moat_error *err)
{
	struct moat_db_val cols[PG_MAX_COLS];
	PGresult *res;
	int r = pg_run((struct db_pg *)db, sql, params, n, &res, err);
	int nr, nc;

	if (r < 0)
		return r;
	nr = PQntuples(res);
	nc = PQnfields(res);
	if (nc > PG_MAX_COLS)
		nc = PG_MAX_COLS;
	for (int i = 0; i < nr && r == 0; i++) {
		for (int c = 0; c < nc; c++)
			cols[c] = column(res, i, c);
		r = row(ctx, cols, (size_t)nc);
	}
	PQclear(res);
	return r < 0 ? r : 0;
}

static void pg_close(struct moat_db *db)
{
	struct db_pg *d = (struct db_pg *)db;

	PQfinish(d->h);
	free(d);
}

static const struct moat_db_ops pg_ops = {
	.name = "postgresql",
	.exec = pg_exec,
	.query = pg_query,
	.close = pg_close,
};

bool moat_db_is_pg_url(const char *url)
{
	return url && (!strncmp(url, "postgres://", 11) || !strncmp(url, "postgresql://", 13));
}

/* user@host:port/dbname from the parsed URL (never the password). */
static void describe(const char *url, char *out, size_t len)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	const char *user = NULL, *host = NULL, *port = NULL, *dbname = NULL;

	for (PQconninfoOption *o = opts; o && o->keyword; o++) {
		if (!o->val || !o->val[0])
			continue;
		if (!strcmp(o->keyword, "user"))
			user = o->val;
		else if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "port"))
			port = o->val;
		else if (!strcmp(o->keyword, "dbname"))
			dbname = o->val;
	}
	snprintf(out, len, "%s%s%s:%s/%s", user ? user : "", user ? "@" : "",
		 host ? host : "localhost", port ? port : "5432", dbname ? dbname : "");
	PQconninfoFree(opts);
}

int moat_db_open_pg(const char *url, struct moat_db **ret, struct moat_error *err)
{
	/* the URL's own settings win over connect_timeout and application_name
	 * (later keywords override earlier); the encoding is ours */
	const char *const keys[] = { "connect_timeout", "application_name", "dbname",
				     "client_encoding", NULL };
	const char *const vals[] = { PG_CONNECT_TIMEOUT, "moat-console", url, "UTF8", NULL };
	PQconninfoOption *check;
	struct db_pg *d;
	char *perr = NULL;
	int r;

	if (!moat_db_is_pg_url(url))
		return moat_error_set(err, MOAT_E_USAGE, "--db: want a postgres://USER@HOST:PORT/DB "
				      "URL (the password from ~/.pgpass or $PGPASSWORD)");
	if (!(check = PQconninfoParse(url, &perr))) {
		r = moat_error_set(err, MOAT_E_USAGE, "--db: %.*s", (int)strcspn(perr ? perr : "",
				   "\n"), perr ? perr : "not a PostgreSQL URL");
		PQfreemem(perr);
		return r;
	}
	PQconninfoFree(check);
	if (!(d = calloc(1, sizeof(*d))))
		return moat_error_set(err, -ENOMEM, "out of memory");
	d->base.ops = &pg_ops;
	describe(url, d->where, sizeof(d->where));
	d->h = PQconnectdbParams(keys, vals, 1);
	if (!d->h || PQstatus(d->h) != CONNECTION_OK) {
		r = pg_fail(d->where, d->h ? PQerrorMessage(d->h) : "out of memory", NULL, err);
		pg_close(&d->base);
		return r;
	}
	/* quieter logs: the migrations' IF NOT EXISTS notices are expected */
	if ((r = pg_exec(&d->base, "SET client_min_messages = warning", NULL, 0, NULL, err)) < 0) {
		pg_close(&d->base);
		return r;
	}
	*ret = &d->base;
	return 0;
}
