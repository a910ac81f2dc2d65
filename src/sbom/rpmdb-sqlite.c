/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmdb-sqlite.c - read the header blobs of an rpm `rpmdb.sqlite`.
 *
 * rpm 4.16+ (RHEL 9, Fedora) keeps packages in table Packages(hnum INTEGER
 * PRIMARY KEY, blob BLOB). We hand SQLite a private read-only copy through
 * sqlite3_deserialize, so nothing touches disk, and lock the connection down
 * the way SQLite recommends for untrusted files: defensive mode, no triggers,
 * views or untrusted schema functions, no ATTACH, cell size checks.
 */
#include <errno.h>
#include <sqlite3.h>
#include <string.h>

#include "rpmdb.h"

#define SQLITE_HEADER_BYTES 100u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * A truncated file must fail even when the pages we query survived: the
 * header's page count (valid when its change counter matches the
 * version-valid-for number, which every SQLite since 3.7.0 keeps) times the
 * page size must fit in the data, and the data must be whole pages.
 */
static int check_size(struct rpmdb_walk *walk, const uint8_t *data, size_t len)
{
	uint32_t psize;
	uint64_t pages;

	if (len < SQLITE_HEADER_BYTES)
		return moat_error_set(walk->err, MOAT_E_TRUNCATED,
				      "rpmdb (sqlite): %zu bytes, header needs %u", len,
				      SQLITE_HEADER_BYTES);
	psize = (uint32_t)data[16] << 8 | data[17];
	if (psize == 1)
		psize = 65536;
	if (psize < 512 || psize > 65536 || (psize & (psize - 1)))
		return moat_error_set(walk->err, MOAT_E_FORMAT,
				      "rpmdb (sqlite): page size %u is not a power of two in 512..65536",
				      psize);
	pages = be32(data + 28);
	if (pages && be32(data + 24) == be32(data + 92) && pages * psize > len)
		return moat_error_set(walk->err, MOAT_E_TRUNCATED,
				      "rpmdb (sqlite): %zu bytes, header says %llu pages of %u",
				      len, (unsigned long long)pages, psize);
	if (len % psize)
		return moat_error_set(walk->err, MOAT_E_TRUNCATED,
				      "rpmdb (sqlite): %zu bytes is not a whole number of %u-byte pages",
				      len, psize);
	return 0;
}

static void lock_down(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
}

/* Open a read-only in-memory connection over a private copy of data (the
 * API wants sqlite3_malloc64 memory). rpm leaves its database in WAL mode
 * (header bytes 18/19 = 2); the memory VFS has no shared memory for a WAL
 * index, so the copy is marked as a rollback-journal database (1/1). That
 * changes nothing about the content: a -wal file beside it is not part of
 * what we were given. */
static int open_copy(struct rpmdb_walk *walk, const uint8_t *data, size_t len, sqlite3 **ret)
{
	sqlite3 *db = NULL;
	unsigned char *copy;
	int rc;

	copy = sqlite3_malloc64(len);
	if (!copy)
		return moat_error_set(walk->err, -ENOMEM,
				      "rpmdb (sqlite): no memory for %zu bytes", len);
	memcpy(copy, data, len);
	if (copy[18] == 2 && copy[19] == 2) {
		copy[18] = 1;
		copy[19] = 1;
	}
	rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_free(copy);
		sqlite3_close(db);
		return moat_error_set(walk->err, -ENOMEM, "rpmdb (sqlite): cannot open: %s",
				      sqlite3_errstr(rc));
	}
	lock_down(db);
	/* with SQLITE_DESERIALIZE_FREEONCLOSE sqlite owns copy, even on failure */
	rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
				 SQLITE_DESERIALIZE_READONLY | SQLITE_DESERIALIZE_FREEONCLOSE);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA cell_size_check=ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		moat_error_set(walk->err, MOAT_E_FORMAT, "rpmdb (sqlite): %s", sqlite3_errmsg(db));
		sqlite3_close(db);
		return MOAT_E_FORMAT;
	}
	*ret = db;
	return 0;
}

/* One row: the blob column must hold a non-empty blob. */
static int row(struct rpmdb_walk *walk, sqlite3_stmt *stmt)
{
	sqlite3_int64 hnum = sqlite3_column_int64(stmt, 0);
	const uint8_t *blob;
	int n;

	if (sqlite3_column_type(stmt, 1) != SQLITE_BLOB)
		return moat_error_set(walk->err, MOAT_E_FORMAT,
				      "rpmdb (sqlite): package %lld: blob column is not a blob",
				      (long long)hnum);
	blob = sqlite3_column_blob(stmt, 1);
	n = sqlite3_column_bytes(stmt, 1);
	if (!blob || n <= 0)
		return moat_error_set(walk->err, MOAT_E_FORMAT,
				      "rpmdb (sqlite): package %lld: empty blob", (long long)hnum);
	return rpmdb_emit(walk, blob, (size_t)n);
}

static int rows(struct rpmdb_walk *walk, sqlite3 *db, sqlite3_stmt *stmt)
{
	for (;;) {
		int rc = sqlite3_step(stmt);
		int r;

		if (rc == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_ROW)
			return moat_error_set(walk->err, rc == SQLITE_NOMEM ? -ENOMEM : MOAT_E_FORMAT,
					      "rpmdb (sqlite): reading Packages: %s",
					      sqlite3_errmsg(db));
		r = row(walk, stmt);
		if (r != 0)
			return r;
	}
}

int rpmdb_sqlite_walk(struct rpmdb_walk *walk, const uint8_t *data, size_t len)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;
	int r;

	r = check_size(walk, data, len);
	if (r < 0)
		return r;
	r = open_copy(walk, data, len, &db);
	if (r < 0)
		return r;
	if (sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages", -1, &stmt, NULL) != SQLITE_OK) {
		r = moat_error_set(walk->err, MOAT_E_FORMAT, "rpmdb (sqlite): %s",
				   sqlite3_errmsg(db));
		goto out_close;
	}
	r = rows(walk, db, stmt);
out_close:
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return r;
}
