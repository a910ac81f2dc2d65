/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmdb.c - find the backend of an rpm database held in memory and walk its
 * header blobs.
 *
 * The backend is told by magic bytes, never by file name: an image may keep
 * any of the three files, and a renamed or hostile file must not reach the
 * wrong parser. Each backend (rpmdb-sqlite.c, rpmdb-bdb.c, rpmdb-ndb.c) hands
 * every blob to rpmdb_emit(), which enforces the package limit in one place.
 */
#include <stdbool.h>
#include <string.h>

#include "moat/limits.h"
#include "rpmdb.h"

#define SNIFF_BYTES 16u

/* BerkeleyDB magic numbers at offset 12 of the metadata page. */
#define BDB_HASH_MAGIC 0x00061561u
#define BDB_BTREE_MAGIC 0x00053162u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool bdb_magic(const uint8_t *data, uint32_t magic)
{
	return le32(data + 12) == magic || be32(data + 12) == magic;
}

enum moat_rpmdb_kind moat_rpmdb_sniff(const uint8_t *data, size_t len)
{
	if (!data || len < SNIFF_BYTES)
		return MOAT_RPMDB_UNKNOWN;
	if (memcmp(data, "SQLite format 3", SNIFF_BYTES) == 0)
		return MOAT_RPMDB_SQLITE;
	if (memcmp(data, "RpmP", 4) == 0)
		return MOAT_RPMDB_NDB;
	if (bdb_magic(data, BDB_HASH_MAGIC))
		return MOAT_RPMDB_BDB;
	return MOAT_RPMDB_UNKNOWN;
}

int rpmdb_emit(struct rpmdb_walk *walk, const uint8_t *blob, size_t len)
{
	if (walk->count >= walk->max_packages)
		return moat_error_set(walk->err, MOAT_E_LIMIT,
				      "rpmdb: more than %u packages", walk->max_packages);
	walk->count++;
	return walk->cb(walk->ctx, blob, len);
}

int moat_rpmdb_foreach(const uint8_t *data, size_t len, uint32_t max_packages,
		       moat_rpmdb_blob_cb cb, void *ctx, struct moat_error *err)
{
	struct rpmdb_walk walk = {
		.cb = cb,
		.ctx = ctx,
		.max_packages = max_packages ? max_packages : MOAT_LIMIT_PACKAGES,
		.err = err,
	};

	if (!cb || (!data && len))
		return moat_error_set(err, MOAT_E_USAGE, "rpmdb: NULL argument");
	/* A zero-byte file is an empty database (images ship such stubs). */
	if (len == 0)
		return 0;
	if (len < SNIFF_BYTES)
		return moat_error_set(err, MOAT_E_TRUNCATED,
				      "rpmdb: %zu bytes, too short for any backend", len);
	switch (moat_rpmdb_sniff(data, len)) {
	case MOAT_RPMDB_SQLITE:
		return rpmdb_sqlite_walk(&walk, data, len);
	case MOAT_RPMDB_BDB:
		return rpmdb_bdb_walk(&walk, data, len);
	case MOAT_RPMDB_NDB:
		return rpmdb_ndb_walk(&walk, data, len);
	case MOAT_RPMDB_UNKNOWN:
		break;
	}
	if (bdb_magic(data, BDB_BTREE_MAGIC))
		return moat_error_set(err, MOAT_E_UNSUPPORTED,
				      "rpmdb: BerkeleyDB btree database (rpm uses hash)");
	return moat_error_set(err, MOAT_E_FORMAT,
			      "rpmdb: unknown format (first bytes %02x %02x %02x %02x)", data[0],
			      data[1], data[2], data[3]);
}
