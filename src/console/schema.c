/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema.c - the console's one schema as numbered migrations. A migration
 * is a list of portable statements (db.h); each runs in one transaction
 * with the schema_version bump, so a crash leaves the old or the new
 * version, never half. Append new migrations; never edit a shipped one.
 */
#include <stddef.h>

#include "db.h"
#include "moat/error.h"

static const char *const v1[] = {
	"CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, hash TEXT NOT NULL, "
	"created BIGINT NOT NULL)",
	"CREATE TABLE sessions (id_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, "
	"csrf TEXT NOT NULL, created BIGINT NOT NULL, expires BIGINT NOT NULL)",
	"CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, "
	"hash TEXT NOT NULL UNIQUE, created BIGINT NOT NULL, created_by TEXT, last_used BIGINT)",
	"CREATE TABLE audit (id TEXT PRIMARY KEY, ts BIGINT NOT NULL, user_name TEXT NOT NULL, "
	"action TEXT NOT NULL, target TEXT)",
	"CREATE INDEX audit_ts ON audit (ts)",
	"CREATE TABLE images (digest TEXT PRIMARY KEY, config_digest TEXT, refs TEXT NOT NULL, "
	"os TEXT, scanned_at BIGINT NOT NULL, n_critical INTEGER NOT NULL, n_high INTEGER NOT NULL, "
	"n_medium INTEGER NOT NULL, n_low INTEGER NOT NULL, n_negligible INTEGER NOT NULL, "
	"n_unknown INTEGER NOT NULL, risk_max INTEGER NOT NULL, findings INTEGER NOT NULL, "
	"k8s INTEGER NOT NULL, base_layers INTEGER)",
	"CREATE INDEX images_config ON images (config_digest)",
	"CREATE TABLE layers (image TEXT NOT NULL, idx INTEGER NOT NULL, diff_id TEXT, "
	"created_by TEXT, owner TEXT NOT NULL, PRIMARY KEY (image, idx))",
	"CREATE TABLE packages (image TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT, "
	"version TEXT, type TEXT, layer TEXT, doc TEXT NOT NULL, PRIMARY KEY (image, idx))",
	"CREATE TABLE findings (image TEXT NOT NULL, idx INTEGER NOT NULL, kind TEXT, "
	"fid TEXT, severity TEXT, package TEXT, layer TEXT, owner TEXT, risk INTEGER, "
	"doc TEXT NOT NULL, PRIMARY KEY (image, idx))",
	"CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT, image TEXT, image_digest TEXT, "
	"node TEXT, running INTEGER NOT NULL, privileged INTEGER NOT NULL, user_name TEXT, "
	"ports TEXT, k8s TEXT, last_seen BIGINT NOT NULL)",
	"CREATE INDEX containers_image ON containers (image_digest)",
	"CREATE TABLE events (event_id TEXT PRIMARY KEY, ts BIGINT NOT NULL, "
	"received BIGINT NOT NULL, kind TEXT NOT NULL, rule TEXT, severity TEXT, "
	"container_id TEXT, container_name TEXT, container TEXT, image TEXT, image_digest TEXT, "
	"node TEXT, "
	"details TEXT, doc TEXT NOT NULL, source TEXT, acked_by TEXT, acked_at BIGINT)",
	"CREATE INDEX events_ts ON events (ts)",
	"CREATE INDEX events_image ON events (image_digest)",
	"CREATE TABLE edges (src TEXT NOT NULL, dst TEXT NOT NULL, port INTEGER NOT NULL, "
	"proto TEXT NOT NULL, hits BIGINT NOT NULL, last_seen BIGINT NOT NULL, "
	"PRIMARY KEY (src, dst, port, proto))",
	"CREATE TABLE policies (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, "
	"enabled INTEGER NOT NULL, mode TEXT NOT NULL, rules TEXT NOT NULL, "
	"created BIGINT NOT NULL, updated BIGINT NOT NULL)",
	"CREATE TABLE defenders (id TEXT PRIMARY KEY, node TEXT, version TEXT, "
	"last_seen BIGINT NOT NULL, token_id TEXT)",
	NULL,
};

/* v2: alert forwarding sinks and routes (forward.h); doc is the JSON object. */
static const char *const v2[] = {
	"CREATE TABLE integrations (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
	"doc TEXT NOT NULL, created BIGINT NOT NULL, created_by TEXT)",
	NULL,
};

/* v3: the environment an image's risk was scored in (risk-env.c); the
 * newest compliance report per node, benchmark and target (api-comply.c). */
static const char *const v3[] = {
	"ALTER TABLE images ADD COLUMN env TEXT",
	"CREATE TABLE comply_reports (id TEXT PRIMARY KEY, node TEXT NOT NULL, "
	"benchmark TEXT NOT NULL, target TEXT NOT NULL, received BIGINT NOT NULL, "
	"warn INTEGER NOT NULL, doc TEXT NOT NULL)",
	NULL,
};

/* v4: defender enrollment (api-defenders.c): join tokens, and each defender's
 * own identity (the SHA-256 of its secret), revocation and health. */
static const char *const v4[] = {
	/* one statement over three lines (not a missing comma) */
	"CREATE TABLE join_tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, " // NOLINT(bugprone-suspicious-missing-comma)
	"hash TEXT NOT NULL UNIQUE, created BIGINT NOT NULL, created_by TEXT, "
	"expires BIGINT NOT NULL, max_uses INTEGER NOT NULL, uses INTEGER NOT NULL)",
	"ALTER TABLE defenders ADD COLUMN secret_hash TEXT",
	"ALTER TABLE defenders ADD COLUMN enrolled BIGINT",
	"ALTER TABLE defenders ADD COLUMN join_token TEXT",
	"ALTER TABLE defenders ADD COLUMN revoked BIGINT",
	"ALTER TABLE defenders ADD COLUMN revoked_by TEXT",
	"ALTER TABLE defenders ADD COLUMN health TEXT",
	"CREATE UNIQUE INDEX defenders_secret ON defenders (secret_hash)",
	NULL,
};

/* v5: alert forwarding resumes from its cursor by receive time (forward.c);
 * each image's event count kept as events arrive (ingest-events.c), which
 * the image list and the radar read instead of counting events per image on
 * every request. */
static const char *const v5[] = {
	"CREATE INDEX events_received ON events (received)",
	"CREATE TABLE image_incidents (image_digest TEXT PRIMARY KEY, n BIGINT NOT NULL)",
	"INSERT INTO image_incidents (image_digest, n) SELECT image_digest, COUNT(*) FROM events "
	"WHERE image_digest IS NOT NULL GROUP BY image_digest",
	NULL,
};

/* v6: the admission controllers (moat webhook/authz --console) and the
 * heartbeat each sends (api-admission.c): one per credential, kind and node. */
static const char *const v6[] = {
	"CREATE TABLE admission_controllers (id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
	"kind TEXT NOT NULL, node TEXT NOT NULL, version TEXT, first_seen BIGINT NOT NULL, "
	"last_seen BIGINT NOT NULL, interval_ms BIGINT NOT NULL, health TEXT)",
	NULL,
};

static const char *const *const migrations[] = { v1, v2, v3, v4, v5, v6 };
#define N_MIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))

static int apply(struct moat_db *db, int version, const char *const *stmts,
		 struct moat_error *err)
{
	struct moat_db_val v = moat_db_int(version);
	int r = moat_db_begin(db, err);

	if (r < 0)
		return r;
	for (size_t i = 0; stmts[i]; i++)
		if ((r = moat_db_exec(db, stmts[i], NULL, 0, NULL, err)) < 0)
			goto fail;
	if ((r = moat_db_exec(db, "UPDATE schema_version SET version = ?", &v, 1, NULL, err)) < 0 ||
	    (r = moat_db_commit(db, err)) < 0)
		goto fail;
	return 0;
fail:
	moat_db_rollback(db);
	return moat_error_prefix(err, "schema migration %d: ", version);
}

int moat_db_migrate(struct moat_db *db, int *ret_version, struct moat_error *err)
{
	int64_t have = 0;
	int r;

	r = moat_db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
			 NULL, 0, NULL, err);
	if (r < 0)
		return r;
	r = moat_db_int_query(db, "SELECT version FROM schema_version", NULL, 0, -1, &have, err);
	if (r < 0)
		return r;
	if (have < 0) {
		r = moat_db_exec(db, "INSERT INTO schema_version (version) VALUES (0)", NULL, 0, NULL,
				 err);
		if (r < 0)
			return r;
		have = 0;
	}
	if (have > (int64_t)N_MIGRATIONS)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "the database has schema version "
				      "%lld; this moat knows up to %zu (upgrade moat)",
				      (long long)have, N_MIGRATIONS);
	for (size_t v = (size_t)have; v < N_MIGRATIONS; v++)
		if ((r = apply(db, (int)v + 1, migrations[v], err)) < 0)
			return r;
	if (ret_version)
		*ret_version = (int)N_MIGRATIONS;
	return 0;
}
