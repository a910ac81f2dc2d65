/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest.c - write a scan or an event batch into the store, each in one
 * transaction (all or nothing). Events are idempotent on event_id: a batch
 * replayed after a lost answer adds nothing twice, and edges and container
 * sightings count only events that were new.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

static const char *const severities[] = { "critical", "high", "medium", "low", "negligible",
					  "unknown" };
#define N_SEV (sizeof(severities) / sizeof(severities[0]))

/* A JSON value as compact text (caller frees). */
static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static int exec_owned(struct moat_db *db, const char *sql, struct moat_db_val *p, size_t n,
		      char *owned, struct moat_error *err)
{
	int r = owned ? moat_db_exec(db, sql, p, n, NULL, err) :
			moat_error_set(err, -ENOMEM, "out of memory");

	free(owned);
	return r;
}

struct scan_stats {
	int64_t count[N_SEV];
	int64_t risk_max;
	int64_t findings;
};

/* Layers with their owner; returns the diff_id -> index map in *ret_map. */
static int put_layers(struct moat_db *db, const char *digest, const json_t *doc, int base,
		      json_t *map, struct moat_error *err)
{
	const json_t *layers = json_object_get(doc, "layers");
	const json_t *l;
	size_t i;
	int r;

	json_array_foreach(layers, i, l) {
		json_int_t idx = moat_json_int(l, "index", (json_int_t)i);
		const char *diff = moat_json_str(l, "diff_id");
		struct moat_db_val p[] = {
			moat_db_text(digest), moat_db_int(idx), moat_db_text(diff),
			moat_db_text(moat_json_str(l, "created_by")),
			moat_db_text(console_layer_owner((int)idx, base)),
		};

		if (!json_is_object(l))
			return moat_error_set(err, MOAT_E_FORMAT, "layers[%zu] is not an object", i);
		r = moat_db_exec(db, "INSERT INTO layers (image, idx, diff_id, created_by, owner) "
				 "VALUES (?, ?, ?, ?, ?)", p, 5, NULL, err);
		if (r < 0)
			return r;
		if (diff)
			json_object_set_new(map, diff, json_integer(idx));
	}
	return 0;
}

static int put_packages(struct moat_db *db, const char *digest, const json_t *doc,
			struct moat_error *err)
{
	const json_t *pkgs = json_object_get(doc, "packages");
	const json_t *pk;
	size_t i;
	int r;

	json_array_foreach(pkgs, i, pk) {
		struct moat_db_val p[] = {
			moat_db_text(digest), moat_db_int((int64_t)i),
			moat_db_text(moat_json_str(pk, "name")),
			moat_db_text(moat_json_str(pk, "version")),
			moat_db_text(moat_json_str(pk, "type")),
			moat_db_text(moat_json_str(pk, "layer")), moat_db_text(NULL),
		};
		char *text = dump(pk);

		if (!json_is_object(pk)) {
			free(text);
			return moat_error_set(err, MOAT_E_FORMAT, "packages[%zu] is not an object", i);
		}
		p[6] = moat_db_text(text);
		r = exec_owned(db, "INSERT INTO packages (image, idx, name, version, type, layer, doc) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?)", p, 7, text, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Every finding leaves with "layer" and "owner" (from its layer when the
 * scanner did not say), and counts toward the image's summary. */
static int put_finding(struct moat_db *db, const char *digest, size_t i, json_t *f,
		       const json_t *layer_map, int base, struct scan_stats *st,
		       struct moat_error *err)
{
	const char *sev = moat_json_str(f, "severity");
	const char *layer = moat_json_str(f, "layer");
	const json_t *risk = json_object_get(f, "risk");
	int64_t score = json_is_object(risk) ? moat_json_int(risk, "score", 0) : 0;
	char *text;

	if (!json_object_get(f, "layer"))
		json_object_set_new(f, "layer", json_null());
	if (json_is_object(risk) && moat_json_str(f, "kind") &&
	    !strcmp(moat_json_str(f, "kind"), "vuln")) {
		/* the scan's score, until the environment moves it (risk-env.c) */
		json_object_set_new(f, "risk_scan", json_deep_copy(risk));
		json_object_set_new(f, "risk_raised_by", json_array());
		json_object_set_new(f, "risk_lowered_by", json_array());
	}
	if (!moat_json_str(f, "owner")) {
		const json_t *idx = layer ? json_object_get(layer_map, layer) : NULL;

		json_object_set_new(f, "owner", json_string(console_layer_owner(
			idx ? (int)json_integer_value(idx) : -1, base)));
	}
	for (size_t s = 0; s < N_SEV; s++)
		if (sev && !strcmp(sev, severities[s]))
			st->count[s]++;
	if (score > st->risk_max)
		st->risk_max = score;
	st->findings++;
	text = dump(f);
	struct moat_db_val p[] = {
		moat_db_text(digest), moat_db_int((int64_t)i), moat_db_text(moat_json_str(f, "kind")),
		moat_db_text(moat_json_str(f, "id")), moat_db_text(sev),
		moat_db_text(moat_json_str(f, "package")), moat_db_text(layer),
		moat_db_text(moat_json_str(f, "owner")), moat_db_int(score), moat_db_text(text),
	};
	return exec_owned(db, "INSERT INTO findings (image, idx, kind, fid, severity, package, "
			  "layer, owner, risk, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			  p, 10, text, err);
}

static int put_findings(struct moat_db *db, const char *digest, const json_t *doc,
			const json_t *layer_map, int base, struct scan_stats *st,
			struct moat_error *err)
{
	const json_t *fs = json_object_get(doc, "findings");
	json_t *f;
	size_t i;
	int r;

	json_array_foreach(fs, i, f) {
		json_t *copy;

		if (!json_is_object(f))
			return moat_error_set(err, MOAT_E_FORMAT, "findings[%zu] is not an object", i);
		copy = json_copy(f);
		if (!copy)
			return moat_error_set(err, -ENOMEM, "out of memory");
		r = put_finding(db, digest, i, copy, layer_map, base, st, err);
		json_decref(copy);
		if (r < 0)
			return r;
	}
	return 0;
}

struct refs_ctx {
	json_t *refs;
};

static int refs_row(void *ctx, const struct moat_db_val *cols, size_t n)
{
	struct refs_ctx *rc = ctx;
	json_t *old = n ? console_doc_json(&cols[0]) : NULL;

	if (json_is_array(old)) {
		json_decref(rc->refs);
		rc->refs = old;
	} else {
		json_decref(old);
	}
	return 1;
}

/* The refs an image was seen under: earlier ones kept, this one added. */
static char *merged_refs(struct moat_db *db, const struct console_scan_head *h,
			 struct moat_error *err)
{
	struct refs_ctx rc = { json_array() };
	struct moat_db_val p = moat_db_text(h->digest);
	bool have = false;
	size_t i;
	json_t *v;
	char *out;

	if (moat_db_query(db, "SELECT refs FROM images WHERE digest = ?", &p, 1, refs_row, &rc,
			  err) < 0) {
		json_decref(rc.refs);
		return NULL;
	}
	json_array_foreach(rc.refs, i, v)
		if (h->ref && json_is_string(v) && !strcmp(json_string_value(v), h->ref))
			have = true;
	if (h->ref && !have && json_array_size(rc.refs) < 100)
		json_array_append_new(rc.refs, json_string(h->ref));
	out = dump(rc.refs);
	json_decref(rc.refs);
	return out;
}

static int put_image(struct moat_db *db, const struct console_scan_head *h,
		     const struct scan_stats *st, struct moat_error *err)
{
	char *refs = merged_refs(db, h, err);
	struct moat_db_val p[] = {
		moat_db_text(h->digest), moat_db_text(h->config_digest), moat_db_text(refs),
		moat_db_text(h->os[0] ? h->os : NULL), moat_db_int(moat_time_now_us()),
		moat_db_int(st->count[0]), moat_db_int(st->count[1]), moat_db_int(st->count[2]),
		moat_db_int(st->count[3]), moat_db_int(st->count[4]), moat_db_int(st->count[5]),
		moat_db_int(st->risk_max), moat_db_int(st->findings),
		h->base_layers >= 0 ? moat_db_int(h->base_layers) : moat_db_text(NULL),
	};

	if (!refs)
		return err && err->code ? err->code : -ENOMEM;
	return exec_owned(db, "INSERT INTO images (digest, config_digest, refs, os, scanned_at, "
			  "n_critical, n_high, n_medium, n_low, n_negligible, n_unknown, risk_max, "
			  "findings, k8s, base_layers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			  "0, ?) ON CONFLICT (digest) DO UPDATE SET config_digest = "
			  "excluded.config_digest, refs = excluded.refs, os = excluded.os, "
			  "scanned_at = excluded.scanned_at, n_critical = excluded.n_critical, "
			  "n_high = excluded.n_high, n_medium = excluded.n_medium, n_low = "
			  "excluded.n_low, n_negligible = excluded.n_negligible, n_unknown = "
			  "excluded.n_unknown, risk_max = excluded.risk_max, findings = "
			  "excluded.findings, base_layers = excluded.base_layers",
			  p, 14, refs, err);
}

static int scan_tx(struct moat_db *db, const json_t *doc, const struct console_scan_head *h,
		   struct moat_error *err)
{
	static const char *const clear[] = { "DELETE FROM layers WHERE image = ?",
					     "DELETE FROM packages WHERE image = ?",
					     "DELETE FROM findings WHERE image = ?" };
	struct moat_db_val d = moat_db_text(h->digest);
	struct scan_stats st = { 0 };
	json_t *map = json_object();
	int r = 0;

	for (size_t i = 0; i < 3 && r == 0; i++)
		r = moat_db_exec(db, clear[i], &d, 1, NULL, err);
	if (r == 0)
		r = put_layers(db, h->digest, doc, h->base_layers, map, err);
	if (r == 0)
		r = put_packages(db, h->digest, doc, err);
	if (r == 0)
		r = put_findings(db, h->digest, doc, map, h->base_layers, &st, err);
	if (r == 0)
		r = put_image(db, h, &st, err);
	if (r == 0)
		r = console_risk_refresh(db, h->digest, true, err);
	json_decref(map);
	return r;
}

int moat_console_ingest_scan(struct moat_console *c, const json_t *doc, const char *by,
			     char digest[72], struct moat_error *err)
{
	struct console_scan_head h;
	int r = console_scan_head(doc, &h, err);

	if (r < 0)
		return r;
	pthread_mutex_lock(&c->mu);
	r = moat_db_begin(c->db, err);
	if (r == 0 && (r = scan_tx(c->db, doc, &h, err)) == 0 &&
	    (r = console_audit(c, by, "scan.upload", h.digest, err)) == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	pthread_mutex_unlock(&c->mu);
	if (r == 0)
		snprintf(digest, 72, "%s", h.digest);
	return r;
}
