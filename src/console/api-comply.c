/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-comply.c - compliance results in the console. `moat comply docker|
 * k8s|node --console URL --token T` posts its moat.comply/v1 report (POST
 * /compliance); the newest report per node, benchmark and target is kept.
 * GET /compliance answers per check (its result on every node, the
 * evidence of those that fail) and per template (each framework a check's
 * controls name: NIST 800-190, PCI DSS, HIPAA, GDPR; a control FAILs when
 * one of its checks WARNs anywhere), plus the images' own compliance
 * findings (scans with misconfig checks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

#define COMPLY_MAX_CHECKS 5000
#define COMPLY_MAX_CONTROLS 64

static const char *const results[] = { "PASS", "WARN", "INFO", "NOTE" };
#define N_RESULTS (sizeof(results) / sizeof(results[0]))

/* A string member of at most max bytes (no NULs); missing is fine unless need. */
static int str_field(const json_t *o, const char *key, size_t max, bool need, const char *where,
		     struct moat_error *err)
{
	const json_t *v = json_object_get(o, key);

	if (!v && !need)
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v) || (need && !json_string_length(v)))
		return moat_error_set(err, MOAT_E_FORMAT, "%s\"%s\" is not a string of 1 to %zu "
				      "bytes", where, key, max);
	return 0;
}

static int check_parse(const json_t *c, size_t i, struct moat_error *err)
{
	const json_t *controls = json_object_get(c, "controls"), *v;
	const char *res;
	char where[48];
	bool ok = false;
	size_t k;
	int r;

	snprintf(where, sizeof(where), "checks[%zu]: ", i);
	if (!json_is_object(c))
		return moat_error_set(err, MOAT_E_FORMAT, "checks[%zu] is not an object", i);
	if ((r = str_field(c, "id", 64, true, where, err)) < 0 ||
	    (r = str_field(c, "result", 8, true, where, err)) < 0 ||
	    (r = str_field(c, "title", 1024, false, where, err)) < 0 ||
	    (r = str_field(c, "level", 64, false, where, err)) < 0 ||
	    (r = str_field(c, "evidence", 65536, false, where, err)) < 0 ||
	    (r = str_field(c, "remediation", 4096, false, where, err)) < 0)
		return r;
	res = moat_json_str(c, "result");
	for (k = 0; k < N_RESULTS; k++)
		ok |= !strcmp(res, results[k]);
	if (!ok)
		return moat_error_set(err, MOAT_E_FORMAT, "checks[%zu]: \"result\" is not PASS, "
				      "WARN, INFO or NOTE", i);
	if (controls && (!json_is_array(controls) || json_array_size(controls) > COMPLY_MAX_CONTROLS))
		return moat_error_set(err, MOAT_E_FORMAT, "checks[%zu]: \"controls\" is not an "
				      "array of at most %d", i, COMPLY_MAX_CONTROLS);
	json_array_foreach(controls, k, v)
		if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 128)
			return moat_error_set(err, MOAT_E_FORMAT, "checks[%zu]: controls[%zu] is "
					      "not a string of 1 to 128 bytes", i, k);
	return 0;
}

int console_comply_parse(const json_t *doc, struct console_comply_head *h, struct moat_error *err)
{
	const json_t *checks, *c;
	size_t i;
	int r;

	memset(h, 0, sizeof(*h));
	if (!json_is_object(doc))
		return moat_error_set(err, MOAT_E_FORMAT, "the report is not a JSON object");
	if (!moat_json_str(doc, "schema") || strcmp(moat_json_str(doc, "schema"), "moat.comply/v1") != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "\"schema\" is not \"moat.comply/v1\" "
				      "(send what `moat comply docker --format json` prints)");
	if ((r = str_field(doc, "benchmark", 128, true, "", err)) < 0 ||
	    (r = str_field(doc, "target", 1024, false, "", err)) < 0 ||
	    (r = str_field(doc, "node", 256, false, "", err)) < 0)
		return r;
	checks = json_object_get(doc, "checks");
	if (!json_is_array(checks) || json_array_size(checks) > COMPLY_MAX_CHECKS)
		return moat_error_set(err, MOAT_E_FORMAT, "\"checks\" is not an array of at most %d",
				      COMPLY_MAX_CHECKS);
	json_array_foreach(checks, i, c)
		if ((r = check_parse(c, i, err)) < 0)
			return r;
	h->benchmark = moat_json_str(doc, "benchmark");
	h->target = moat_json_str(doc, "target") ? moat_json_str(doc, "target") : "";
	h->node = moat_json_str(doc, "node") && moat_json_str(doc, "node")[0] ?
		  moat_json_str(doc, "node") : "unknown";
	for (i = 0; i < json_array_size(checks); i++)
		h->warn += !strcmp(moat_json_str(json_array_get(checks, i), "result"), "WARN");
	return 0;
}

/* ---- POST /compliance ---- */

static int comply_store(struct moat_console *c, const json_t *doc,
			const struct console_comply_head *h, const char *by, char id[25],
			struct moat_error *err)
{
	char key[1600], hash[MOAT_DIGEST_STR_MAX];
	char *text = json_dumps(doc, JSON_COMPACT);
	int r;

	snprintf(key, sizeof(key), "%s\n%s\n%s", h->node, h->benchmark, h->target);
	if (!text || moat_sha256_str(key, strlen(key), hash) < 0) {
		free(text);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	/* the first 96 bits of the key's sha256, as hex */
	memcpy(id, strchr(hash, ':') ? strchr(hash, ':') + 1 : hash, 24);
	id[24] = '\0';
	struct moat_db_val p[] = {
		moat_db_text(id), moat_db_text(h->node), moat_db_text(h->benchmark),
		moat_db_text(h->target), moat_db_int(moat_time_now_us()), moat_db_int(h->warn),
		moat_db_text(text),
	};
	pthread_mutex_lock(&c->mu);
	r = moat_db_begin(c->db, err);
	if (r == 0)
		r = moat_db_exec(c->db, "INSERT INTO comply_reports (id, node, benchmark, target, "
				 "received, warn, doc) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
				 "UPDATE SET received = excluded.received, warn = excluded.warn, doc = "
				 "excluded.doc", p, 7, NULL, err);
	if (r == 0)
		r = console_audit(c, by, "compliance.upload", id, err);
	if (r == 0)
		r = moat_db_commit(c->db, err);
	if (r < 0)
		moat_db_rollback(c->db);
	pthread_mutex_unlock(&c->mu);
	free(text);
	return r;
}

void console_api_compliance_post(struct console_call *call)
{
	struct console_comply_head h;
	struct moat_error err = { 0 };
	json_t *doc = console_body_object(call);
	char id[25];

	if (!doc)
		return;
	if (console_comply_parse(doc, &h, &err) < 0)
		console_reply_error(call, 400, "%s", err.msg);
	else if (comply_store(call->c, doc, &h, call->who.name, id, &err) < 0)
		console_reply_db(call, &err);
	else
		console_reply_json(call, 201, json_pack("{s:s,s:s,s:s,s:I}", "id", id, "node", h.node,
							"benchmark", h.benchmark, "warn",
							(json_int_t)h.warn));
	json_decref(doc);
}

/* ---- GET /compliance ---- */

struct comply_view {
	json_t *reports;        /* array */
	json_t *checks;         /* "benchmark\ncheck id" -> check */
	json_t *controls;       /* control id -> {id, template, checks{}, warn, pass} */
};

static void count_result(json_t *counts, const char *res)
{
	json_object_set_new(counts, res, json_integer(moat_json_int(counts, res, 0) + 1));
}

static void add_control(struct comply_view *v, const char *control, const char *check,
			const char *res)
{
	json_t *ctl = json_object_get(v->controls, control);
	const char *colon = strchr(control, ':');

	if (!ctl) {
		ctl = json_pack("{s:s,s:s%,s:{},s:{}}", "id", control, "template", control,
				colon ? (size_t)(colon - control) : strlen(control), "checks", "counts");
		json_object_set_new(v->controls, control, ctl);
	}
	json_object_set_new(json_object_get(ctl, "checks"), check, json_true());
	count_result(json_object_get(ctl, "counts"), res);
}

/* One stored report into the per-check and per-control views. */
static void view_report(struct comply_view *v, const json_t *doc, const char *node,
			const char *target)
{
	const char *bench = moat_json_str(doc, "benchmark");
	const json_t *c, *ctl;
	size_t i, k;

	json_array_foreach(json_object_get(doc, "checks"), i, c) {
		const char *id = moat_json_str(c, "id"), *res = moat_json_str(c, "result");
		char key[256];
		json_t *chk;

		if (!id || !res || !bench)
			continue;
		snprintf(key, sizeof(key), "%s\n%s", bench, id);
		chk = json_object_get(v->checks, key);
		if (!chk) {
			chk = json_pack("{s:s,s:s,s:s?,s:s?,s:O,s:{},s:[]}", "id", id, "benchmark", bench,
					"title", moat_json_str(c, "title"), "level",
					moat_json_str(c, "level"), "controls",
					json_is_array(json_object_get(c, "controls")) ?
					json_object_get(c, "controls") : json_array(),
					"results", "failing");
			json_object_set_new(v->checks, key, chk);
		}
		count_result(json_object_get(chk, "results"), res);
		if (!strcmp(res, "WARN"))
			json_array_append_new(json_object_get(chk, "failing"), json_pack(
				"{s:s,s:s,s:s?}", "node", node, "target", target, "evidence",
				moat_json_str(c, "evidence")));
		json_array_foreach(json_object_get(c, "controls"), k, ctl)
			if (json_is_string(ctl))
				add_control(v, json_string_value(ctl), id, res);
	}
}

static json_t *member_or(const json_t *obj, const char *key, bool (*is)(const json_t *),
			 json_t *def)
{
	json_t *v = json_object_get(obj, key);

	if (v && is(v)) {
		json_decref(def);
		return json_incref(v);
	}
	return def;
}

static bool is_object(const json_t *v) { return json_is_object(v); }
static bool is_array(const json_t *v) { return json_is_array(v); }
static bool is_string(const json_t *v) { return json_is_string(v); }

static int report_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	struct comply_view *v = ctx;
	json_t *doc;

	if (n < 7)
		return -1;
	doc = console_doc_json(&c[6]);
	json_array_append_new(v->reports, json_pack(
		"{s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "id", console_text_json(&c[0]),
		"node", console_text_json(&c[1]), "benchmark", console_text_json(&c[2]),
		"target", console_text_json(&c[3]), "received", console_time_json(&c[4]),
		"warn", (json_int_t)(c[5].type == MOAT_DB_INT ? c[5].i : 0),
		"summary", member_or(doc, "summary", is_object, json_object()),
		"failed", json_boolean(json_is_true(json_object_get(doc, "failed")))));
	if (json_is_object(doc))
		view_report(v, doc, c[1].type == MOAT_DB_TEXT ? c[1].s : "",
			    c[3].type == MOAT_DB_TEXT ? c[3].s : "");
	json_decref(doc);
	return 0;
}

/* Controls grouped by template; each control FAIL, PASS or REVIEW. */
static json_t *templates_of(json_t *controls)
{
	json_t *by = json_object(), *out = json_array(), *t;
	const char *key;
	json_t *ctl;

	json_object_foreach(controls, key, ctl) {
		const json_t *counts = json_object_get(ctl, "counts");
		const char *status = moat_json_int(counts, "WARN", 0) ? "FAIL" :
				     moat_json_int(counts, "PASS", 0) ? "PASS" : "REVIEW";
		const char *tname = moat_json_str(ctl, "template");
		json_t *checks = json_array();
		const char *ck;
		json_t *unused;

		t = json_object_get(by, tname);
		if (!t) {
			t = json_pack("{s:s,s:[],s:{s:i,s:i,s:i}}", "name", tname, "controls",
				      "summary", "FAIL", 0, "PASS", 0, "REVIEW", 0);
			json_object_set_new(by, tname, t);
		}
		json_object_foreach(json_object_get(ctl, "checks"), ck, unused)
			json_array_append_new(checks, json_string(ck));
		json_array_append_new(json_object_get(t, "controls"), json_pack(
			"{s:s,s:s,s:o}", "id", key, "status", status, "checks", checks));
		count_result(json_object_get(t, "summary"), status);
	}
	json_object_foreach(by, key, t)
		json_array_append(out, t);
	json_decref(by);
	return out;
}

/* Images' compliance findings (kind misconfig or compliance), per check. */
static int image_check_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	json_t *by = ctx, *chk, *doc, *refs;

	if (n < 5 || c[0].type != MOAT_DB_TEXT)
		return 0;
	chk = json_object_get(by, c[0].s);
	if (!chk) {
		doc = console_doc_json(&c[4]);
		chk = json_pack("{s:s,s:o,s:o,s:o,s:[]}", "id", c[0].s, "severity",
				console_text_json(&c[1]), "title",
				member_or(doc, "title", is_string, json_null()), "references",
				member_or(doc, "references", is_array, json_array()), "images");
		json_decref(doc);
		json_object_set_new(by, c[0].s, chk);
	}
	refs = console_doc_json(&c[3]);
	json_array_append_new(json_object_get(chk, "images"), json_pack(
		"{s:o,s:O}", "digest", console_text_json(&c[2]), "ref",
		json_array_size(refs) ? json_array_get(refs, 0) : json_null()));
	json_decref(refs);
	return 0;
}

static json_t *values(json_t *obj)
{
	json_t *arr = json_array(), *v;
	const char *k;

	json_object_foreach(obj, k, v)
		json_array_append(arr, v);
	json_decref(obj);
	return arr;
}

void console_api_compliance(struct console_call *call)
{
	struct comply_view v = { json_array(), json_object(), json_object() };
	struct moat_error err = { 0 };
	json_t *imgs = json_object();
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = moat_db_query(call->c->db, "SELECT id, node, benchmark, target, received, warn, doc "
			  "FROM "
			  "comply_reports ORDER BY node, benchmark, target LIMIT 1000", NULL, 0,
			  report_row, &v, &err);
	if (r == 0)
		r = moat_db_query(call->c->db, "SELECT f.fid, f.severity, f.image, i.refs, f.doc FROM "
				  "findings f JOIN images i ON i.digest = f.image WHERE f.kind IN "
				  "('misconfig', 'compliance') ORDER BY f.fid, f.image LIMIT 20000",
				  NULL, 0, image_check_row, imgs, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		json_decref(v.reports);
		json_decref(v.checks);
		json_decref(v.controls);
		json_decref(imgs);
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:o,s:o,s:o,s:o}", "reports", v.reports,
						"checks", values(v.checks), "templates",
						templates_of(v.controls), "image_checks",
						values(imgs)));
	json_decref(v.controls);
}

/* GET /compliance/policies: the enabled compliance policies, what `moat
 * comply --console` enforces, with an etag. Its own read so a CI token
 * (role ci) sees these and no other policy. */
void console_api_compliance_policies(struct console_call *call)
{
	struct moat_error err = { 0 };
	char etag[MOAT_DIGEST_STR_MAX] = "";
	json_t *arr = NULL;
	int r;

	pthread_mutex_lock(&call->c->mu);
	r = console_policy_set(call->c, CONSOLE_POLICY_COMPLIANCE, &arr, etag, &err);
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:s,s:o}", "etag", etag, "policies", arr));
}
