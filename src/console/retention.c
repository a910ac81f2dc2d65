/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention.c - what `moat console --retain-*` deletes (console.h). Each
 * class has its own cutoff because a team keeps them for different reasons:
 * events and the network graph for investigation, the audit trail for
 * auditors (often longer), images for as long as anything still runs them.
 * One transaction: a crash leaves everything or nothing deleted, and each
 * deletion leaves an audit record of its own.
 */
#include "console-int.h"
#include "moat/error.h"

/* Images scanned before the cutoff that no container seen since runs (by
 * repository digest or config digest): nothing on the radar needs them.
 * They are listed once in a temporary table (SQLite and PostgreSQL alike)
 * that the four deletions read; it lives in this transaction's connection. */
#define STALE_IMAGES                                                                    \
	"INSERT INTO stale_images (digest) SELECT i.digest FROM images i WHERE i.scanned_at " \
	"< ? AND NOT EXISTS (SELECT 1 FROM containers c WHERE c.last_seen >= ? AND "        \
	"(c.image_digest = i.digest OR c.image_digest = i.config_digest))"

static int prune_images(struct moat_db *db, int64_t before_us, int64_t *ret_n,
			struct moat_error *err)
{
	static const char *const deletions[] = {
		"DELETE FROM layers WHERE image IN (SELECT digest FROM stale_images)",
		"DELETE FROM packages WHERE image IN (SELECT digest FROM stale_images)",
		"DELETE FROM findings WHERE image IN (SELECT digest FROM stale_images)",
	};
	struct moat_db_val p[] = { moat_db_int(before_us), moat_db_int(before_us) };
	int r;

	r = moat_db_exec(db, "DROP TABLE IF EXISTS stale_images", NULL, 0, NULL, err);
	if (r == 0)
		r = moat_db_exec(db, "CREATE TEMPORARY TABLE stale_images (digest TEXT PRIMARY KEY)",
				 NULL, 0, NULL, err);
	if (r == 0)
		r = moat_db_exec(db, STALE_IMAGES, p, 2, NULL, err);
	for (size_t i = 0; i < sizeof(deletions) / sizeof(deletions[0]) && r == 0; i++)
		r = moat_db_exec(db, deletions[i], NULL, 0, NULL, err);
	if (r == 0)
		r = moat_db_exec(db, "DELETE FROM images WHERE digest IN (SELECT digest FROM "
				 "stale_images)", NULL, 0, ret_n, err);
	if (r == 0)
		r = moat_db_exec(db, "DROP TABLE stale_images", NULL, 0, NULL, err);
	return r;
}

static int prune_events(struct moat_db *db, int64_t before_us, int64_t *ret_n,
			struct moat_error *err)
{
	struct moat_db_val p = moat_db_int(before_us);
	int r;

	r = moat_db_exec(db, "DELETE FROM events WHERE ts < ?", &p, 1, ret_n, err);
	if (r == 0)
		r = moat_db_exec(db, "DELETE FROM containers WHERE last_seen < ?", &p, 1, NULL, err);
	if (r == 0)
		r = moat_db_exec(db, "DELETE FROM image_incidents", NULL, 0, NULL, err);
	if (r == 0)     /* counted again over what is left (hourly at most) */
		r = moat_db_exec(db, "INSERT INTO image_incidents (image_digest, n) SELECT "
				 "image_digest, COUNT(*) FROM events WHERE image_digest IS NOT NULL "
				 "GROUP BY image_digest", NULL, 0, NULL, err);
	if (r == 0)     /* connections nobody made since: off the radar */
		r = moat_db_exec(db, "DELETE FROM edges WHERE last_seen < ?", &p, 1, NULL, err);
	if (r == 0)     /* what was deleted no longer raises any image's risk */
		r = console_risk_refresh_image(db, NULL, err);
	return r;
}

static int prune_tx(struct moat_console *c, const struct moat_console_retention *keep,
		    struct moat_console_pruned *n, struct moat_error *err)
{
	struct moat_db_val p = moat_db_int(keep->audit_before_us);
	int r = 0;

	/* events first: the containers they kept alive decide which images stay */
	if (keep->events_before_us > 0)
		r = prune_events(c->db, keep->events_before_us, &n->events, err);
	if (r == 0 && keep->images_before_us > 0)
		r = prune_images(c->db, keep->images_before_us, &n->images, err);
	if (r == 0 && keep->audit_before_us > 0)
		r = moat_db_exec(c->db, "DELETE FROM audit WHERE ts < ?", &p, 1, &n->audit, err);
	/* the record of a deletion is newer than any cutoff, so it stays */
	if (r == 0 && n->events)
		r = console_audit(c, "retention", "events.prune", NULL, err);
	if (r == 0 && n->images)
		r = console_audit(c, "retention", "images.prune", NULL, err);
	if (r == 0 && n->audit)
		r = console_audit(c, "retention", "audit.prune", NULL, err);
	return r;
}

int moat_console_prune(struct moat_console *c, const struct moat_console_retention *keep,
		       struct moat_console_pruned *ret, struct moat_error *err)
{
	struct moat_console_pruned n = { 0 };
	int r;

	pthread_mutex_lock(&c->mu);
	r = moat_db_begin(c->db, err);
	if (r == 0)
		r = prune_tx(c, keep, &n, err);
	if (r == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	pthread_mutex_unlock(&c->mu);
	if (r == 0 && ret)
		*ret = n;
	return r;
}
