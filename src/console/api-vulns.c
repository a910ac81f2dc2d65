/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-vulns.c - GET /vulnerabilities: the findings of every image grouped
 * by CVE (worst severity first, then the highest risk score in its
 * environment, then the number of images), each with the images and
 * packages it is in. ?q= narrows to CVE ids or package names containing
 * the text, ?severity= to one severity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

/* Images listed per CVE (the count is always whole). */
#define VULN_IMAGES_MAX 200

#define SEV_RANK "CASE severity WHEN 'critical' THEN 5 WHEN 'high' THEN 4 WHEN 'medium' " \
	"THEN 3 WHEN 'low' THEN 2 WHEN 'negligible' THEN 1 ELSE 0 END"

static const char *const sev_names[] = { "unknown", "negligible", "low", "medium", "high",
					 "critical" };

static int64_t num(const struct moat_db_val *v)
{
	return v->type == MOAT_DB_INT ? v->i : 0;
}

static int cve_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	int64_t rank;

	if (n < 5 || c[0].type != MOAT_DB_TEXT)
		return 0;
	rank = num(&c[1]);
	return json_array_append_new(ctx, json_pack(
		"{s:s,s:s,s:I,s:I,s:I,s:[],s:[]}", "id", c[0].s, "severity",
		sev_names[rank >= 0 && rank <= 5 ? rank : 0], "risk_max", (json_int_t)num(&c[2]),
		"images_count", (json_int_t)num(&c[3]), "findings_count", (json_int_t)num(&c[4]),
		"packages", "images"));
}

static void add_package(json_t *pkgs, const char *name)
{
	const json_t *v;
	size_t i;

	if (!name)
		return;
	json_array_foreach(pkgs, i, v)
		if (!strcmp(json_string_value(v), name))
			return;
	json_array_append_new(pkgs, json_string(name));
}

/* One image's finding of the CVE; the first one also gives the CVE's facts. */
static int image_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	json_t *cve = ctx, *doc, *refs, *raised;
	static const char *const facts[] = { "title", "cvss", "kev", "epss", "published" };

	if (n < 4)
		return -1;
	doc = console_doc_json(&c[2]);
	refs = console_doc_json(&c[3]);
	if (!json_object_get(cve, "title"))
		for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
			json_object_set(cve, facts[i], json_object_get(doc, facts[i]) ?
					json_object_get(doc, facts[i]) : json_null());
	add_package(json_object_get(cve, "packages"), moat_json_str(doc, "package"));
	raised = json_object_get(doc, "risk_raised_by");
	json_array_append_new(json_object_get(cve, "images"), json_pack(
		"{s:o,s:O,s:s?,s:s?,s:s?,s:s?,s:I,s:o}", "digest", console_text_json(&c[0]),
		"ref", json_array_size(refs) ? json_array_get(refs, 0) : json_null(),
		"package", moat_json_str(doc, "package"),
		"installed_version", moat_json_str(doc, "installed_version"),
		"fixed_version", moat_json_str(doc, "fixed_version"),
		"owner", moat_json_str(doc, "owner"), "risk", (json_int_t)num(&c[1]),
		"risk_raised_by", json_is_array(raised) ? json_incref(raised) : json_array()));
	json_decref(doc);
	json_decref(refs);
	return 0;
}

/* The WHERE clause for ?q= and ?severity=; false when answered 400. */
static bool filters(struct console_call *call, char *where, size_t len, struct moat_db_val *p,
		    size_t *np, char *like, size_t like_len)
{
	const char *q = moat_server_req_arg(call->req, "q");
	const char *sev = moat_server_req_arg(call->req, "severity");
	bool sev_ok = false;

	snprintf(where, len, "WHERE kind = 'vuln'");
	if (q && q[0]) {
		if (strlen(q) > 200) {
			console_reply_error(call, 400, "?q= is over 200 bytes");
			return false;
		}
		/* LIKE's own wildcards in q are literal text here */
		size_t o = 0;
		for (const char *s = q; *s && o + 3 < like_len; s++) {
			if (*s == '%' || *s == '_' || *s == '\\')
				like[o++] = '\\';
			like[o++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
		}
		like[o] = '\0';
		snprintf(where + strlen(where), len - strlen(where), " AND (LOWER(fid) LIKE ? "
			 "ESCAPE '\\' OR LOWER(package) LIKE ? ESCAPE '\\')");
		p[(*np)++] = moat_db_text(like);
		p[(*np)++] = moat_db_text(like);
	}
	if (sev && sev[0]) {
		for (size_t i = 0; i < sizeof(sev_names) / sizeof(sev_names[0]); i++)
			sev_ok |= !strcmp(sev, sev_names[i]);
		if (!sev_ok) {
			console_reply_error(call, 400, "?severity= is critical, high, medium, low, "
					    "negligible or unknown");
			return false;
		}
		snprintf(where + strlen(where), len - strlen(where), " AND severity = ?");
		p[(*np)++] = moat_db_text(sev);
	}
	return true;
}

void console_api_vulnerabilities(struct console_call *call)
{
	struct moat_error err = { 0 };
	struct moat_db_val p[8];
	char where[256], sql[1024], like[420], pat[424];
	int64_t limit, offset, total = 0;
	size_t np = 0;
	json_t *cves, *cve;
	size_t i;
	int r;

	if (!console_paging(call, &limit, &offset) ||
	    !filters(call, where, sizeof(where), p, &np, like, sizeof(like)))
		return;
	snprintf(pat, sizeof(pat), "%%%s%%", like);
	for (i = 0; i < np; i++)
		if (p[i].s == like)
			p[i] = moat_db_text(pat);
	cves = json_array();
	pthread_mutex_lock(&call->c->mu);
	snprintf(sql, sizeof(sql), "SELECT COUNT(DISTINCT fid) FROM findings %s", where);
	r = moat_db_int_query(call->c->db, sql, p, np, 0, &total, &err);
	p[np] = moat_db_int(limit);
	p[np + 1] = moat_db_int(offset);
	snprintf(sql, sizeof(sql), "SELECT fid, MAX(" SEV_RANK "), MAX(risk), COUNT(DISTINCT "
		 "image), COUNT(*) FROM findings %s GROUP BY fid ORDER BY 2 DESC, 3 DESC, 4 DESC, "
		 "fid LIMIT ? OFFSET ?", where);
	if (r == 0)
		r = moat_db_query(call->c->db, sql, p, np + 2, cve_row, cves, &err);
	json_array_foreach(cves, i, cve) {
		struct moat_db_val q[] = { moat_db_text(moat_json_str(cve, "id")),
					   moat_db_int(VULN_IMAGES_MAX) };

		if (r == 0)
			r = moat_db_query(call->c->db, "SELECT f.image, f.risk, f.doc, i.refs FROM "
					  "findings f JOIN images i ON i.digest = f.image WHERE "
					  "f.kind = 'vuln' AND f.fid = ? ORDER BY f.risk DESC, f.image, "
					  "f.idx LIMIT ?", q, 2, image_row, cve, &err);
	}
	pthread_mutex_unlock(&call->c->mu);
	if (r < 0) {
		json_decref(cves);
		console_reply_db(call, &err);
		return;
	}
	console_reply_json(call, 200, json_pack("{s:I,s:o}", "total", (json_int_t)total,
						"vulnerabilities", cves));
}
