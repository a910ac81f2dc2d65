/* SPDX-License-Identifier: Apache-2.0 */
/* db.c - the backend-independent half of the SQL seam (db.h). */
#include "db.h"

void moat_db_close(struct moat_db *db)
{
	if (db)
		db->ops->close(db);
}

int moat_db_exec(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		 size_t nparams, int64_t *ret_changes, struct moat_error *err)
{
	return db->ops->exec(db, sql, params, nparams, ret_changes, err);
}

int moat_db_query(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		  size_t nparams, moat_db_row_fn row, void *ctx, struct moat_error *err)
{
	return db->ops->query(db, sql, params, nparams, row, ctx, err);
}

int moat_db_begin(struct moat_db *db, struct moat_error *err)
{
	return db->ops->exec(db, "BEGIN", NULL, 0, NULL, err);
}

int moat_db_commit(struct moat_db *db, struct moat_error *err)
{
	return db->ops->exec(db, "COMMIT", NULL, 0, NULL, err);
}

void moat_db_rollback(struct moat_db *db)
{
	db->ops->exec(db, "ROLLBACK", NULL, 0, NULL, NULL);
}

struct int_ctx {
	int64_t *out;
};

static int int_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	struct int_ctx *c = ctx;

	if (n && cols[0].type == MOAT_DB_INT)
		*c->out = cols[0].i;
	return 1; /* first row only */
}

int moat_db_int_query(struct moat_db *db, const char *sql, const struct moat_db_val *params,
		      size_t nparams, int64_t def, int64_t *ret, struct moat_error *err)
{
	struct int_ctx c = { ret };
	int r;

	*ret = def;
	r = moat_db_query(db, sql, params, nparams, int_row, &c, err);
	return r < 0 ? r : 0;
}
