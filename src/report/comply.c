/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply.c - `moat comply docker` reports: moat.comply/v1 JSON, a table,
 * SARIF; and the per-control view of a compliance framework that every
 * `moat comply` target (docker, k8s, node) prints with --compliance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/term.h"
#include "comply-report.h"
#include "comply/cis-docker.h"
#include "comply/controls.h"
#include "moat/error.h"
#include "sarif.h"

static const char *level_name(unsigned level)
{
	return level == 1 ? "Level 1" : "Level 2";
}

/* One check as the per-control view sees it. */
static struct moat_comply_row row_of(const struct moat_cis_result *r)
{
	return (struct moat_comply_row){.id = r->check->id,
					.result = moat_cis_verdict_name(r->verdict),
					.themes = r->check->themes};
}

/* FAIL when a check serving ctl WARNs, PASS when one passes and none warns,
 * REVIEW when they are all manual or not applicable (or there are none). */
static const char *control_status(const struct moat_control *ctl, const struct moat_comply_row *rows,
				  size_t n)
{
	bool pass = false;

	for (size_t i = 0; i < n; i++) {
		if (!moat_control_serves(ctl, rows[i].themes))
			continue;
		if (!strcmp(rows[i].result, "WARN"))
			return "FAIL";
		pass |= !strcmp(rows[i].result, "PASS");
	}
	return pass ? "PASS" : "REVIEW";
}

void moat_report_comply_controls_json(struct moat_jw *jw, const char *framework,
				      const struct moat_comply_row *rows, size_t n)
{
	size_t nc;
	const struct moat_control *ctl = moat_controls(framework, &nc);

	moat_jw_key(jw, "compliance");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "framework", framework);
	moat_jw_key(jw, "controls");
	moat_jw_arr_begin(jw);
	for (size_t c = 0; c < nc; c++) {
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "id", ctl[c].id);
		moat_jw_kstr(jw, "title", ctl[c].title);
		moat_jw_kstr(jw, "status", control_status(&ctl[c], rows, n));
		moat_jw_key(jw, "checks");
		moat_jw_arr_begin(jw);
		for (size_t i = 0; i < n; i++) {
			if (!moat_control_serves(&ctl[c], rows[i].themes))
				continue;
			moat_jw_obj_begin(jw);
			moat_jw_kstr(jw, "id", rows[i].id);
			moat_jw_kstr(jw, "result", rows[i].result);
			moat_jw_obj_end(jw);
		}
		moat_jw_arr_end(jw);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

void moat_report_comply_controls_table(struct moat_buf *out, const char *framework,
				       const struct moat_comply_row *rows, size_t n)
{
	size_t nc;
	const struct moat_control *ctl = moat_controls(framework, &nc);

	moat_buf_appendf(out, "\nCompliance: %s\n", framework);
	for (size_t c = 0; c < nc; c++) {
		bool first = true;

		moat_term_pad(out, control_status(&ctl[c], rows, n), 8);
		moat_term_pad(out, ctl[c].id, 30);
		moat_term_str(out, ctl[c].title);
		moat_buf_append_str(out, "\n        checks:");
		for (size_t i = 0; i < n; i++) {
			if (!moat_control_serves(&ctl[c], rows[i].themes))
				continue;
			moat_buf_appendf(out, "%s %s=%s", first ? "" : ",", rows[i].id,
					 rows[i].result);
			first = false;
		}
		moat_buf_append_str(out, first ? " none\n" : "\n");
	}
}

void moat_report_comply_action_controls(struct moat_jw *jw, const char *action,
					const char *const *controls, size_t n)
{
	if (action)
		moat_jw_kstr(jw, "action", action);
	moat_jw_key(jw, "controls");
	moat_jw_arr_begin(jw);
	for (size_t k = 0; k < n; k++)
		moat_jw_str(jw, controls[k]);
	moat_jw_arr_end(jw);
}

/* The docker report's rows for the per-control view (malloc'd; NULL on ENOMEM). */
static struct moat_comply_row *docker_rows(const struct moat_comply_result *res)
{
	struct moat_comply_row *rows = calloc(res->report->count + 1, sizeof(*rows));

	for (size_t i = 0; rows && i < res->report->count; i++)
		rows[i] = row_of(&res->report->items[i]);
	return rows;
}

static void json_check(struct moat_jw *jw, const struct moat_comply_result *res, size_t i)
{
	const struct moat_cis_result *r = &res->report->items[i];
	const char *ids[MOAT_CONTROLS_MAX];
	size_t n = moat_controls_of(r->check->themes, ids, MOAT_CONTROLS_MAX);

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", r->check->id);
	moat_jw_kstr(jw, "title", r->check->title);
	moat_jw_kstr(jw, "result", moat_cis_verdict_name(r->verdict));
	moat_jw_kstr(jw, "level", level_name(r->check->level));
	moat_jw_kbool(jw, "automated", r->check->automated);
	moat_jw_kstr(jw, "evidence", r->evidence);
	moat_jw_kstr(jw, "remediation", r->check->remediation);
	moat_report_comply_action_controls(jw, res->actions ? res->actions[i] : NULL, ids, n);
	moat_jw_obj_end(jw);
}

static size_t count(const struct moat_comply_result *res, enum moat_cis_verdict v)
{
	size_t n = 0;

	for (size_t i = 0; i < res->report->count; i++)
		n += res->report->items[i].verdict == v;
	return n;
}

int moat_report_comply_json(struct moat_buf *out, const struct moat_comply_result *res,
			    bool pretty, struct moat_error *err)
{
	static const enum moat_cis_verdict all[] = {MOAT_CIS_PASS, MOAT_CIS_WARN, MOAT_CIS_INFO,
						    MOAT_CIS_NOTE};
	struct moat_comply_row *rows = NULL;
	struct moat_jw jw;
	int r;

	moat_jw_init(&jw, out, pretty);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", "moat.comply/v1");
	moat_jw_kstr(&jw, "benchmark", res->benchmark);
	if (res->target)
		moat_jw_kstr(&jw, "target", res->target);
	moat_jw_key(&jw, "checks");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < res->report->count; i++)
		json_check(&jw, res, i);
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "summary");
	moat_jw_obj_begin(&jw);
	for (size_t v = 0; v < 4; v++)
		moat_jw_kuint(&jw, moat_cis_verdict_name(all[v]), count(res, all[v]));
	moat_jw_obj_end(&jw);
	if (res->framework && !(rows = docker_rows(res)))
		return moat_error_set(err, -ENOMEM, "writing JSON: out of memory");
	if (rows)
		moat_report_comply_controls_json(&jw, res->framework, rows, res->report->count);
	free(rows);
	if (res->actions)
		moat_jw_kbool(&jw, "failed", res->failed);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0 && pretty)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "writing JSON: %s", moat_strerror(r)) : 0;
}

int moat_report_comply_table(struct moat_buf *out, const struct moat_comply_result *res,
			     struct moat_error *err)
{
	struct moat_comply_row *rows = NULL;
	int r;

	moat_buf_appendf(out, "CIS Docker Benchmark 1.6 (%s)", res->benchmark);
	if (res->target) {
		moat_buf_append_str(out, " on ");
		moat_term_str(out, res->target);
	}
	moat_buf_putc(out, '\n');
	for (size_t i = 0; i < res->report->count; i++) {
		const struct moat_cis_result *x = &res->report->items[i];

		moat_buf_putc(out, '[');
		moat_buf_append_str(out, moat_cis_verdict_name(x->verdict));
		moat_buf_append_str(out, "] ");
		moat_term_pad(out, x->check->id, 7);
		moat_term_str(out, x->check->title);
		if (res->actions && !strcmp(res->actions[i], "block"))
			moat_buf_append_str(out, " (block)");
		moat_buf_append_str(out, "\n              ");
		moat_term_str(out, x->evidence);
		moat_buf_putc(out, '\n');
	}
	moat_buf_appendf(out, "\n%zu checks: %zu PASS, %zu WARN, %zu INFO, %zu NOTE\n",
			 res->report->count, count(res, MOAT_CIS_PASS), count(res, MOAT_CIS_WARN),
			 count(res, MOAT_CIS_INFO), count(res, MOAT_CIS_NOTE));
	if (res->framework && !(rows = docker_rows(res)))
		return moat_error_set(err, -ENOMEM, "writing the table: out of memory");
	if (rows)
		moat_report_comply_controls_table(out, res->framework, rows, res->report->count);
	free(rows);
	if (res->actions)
		moat_buf_appendf(out, "\nPolicy: %s\n",
				 res->failed ? "FAILED (a blocking check warns)" : "passed");
	r = moat_buf_putc(out, 0);
	if (r == 0)
		out->len--;
	return r < 0 ? moat_error_set(err, r, "writing the table: %s", moat_strerror(r)) : 0;
}

static void sarif_rule(struct moat_jw *jw, const struct moat_cis_result *r)
{
	const char *ids[MOAT_CONTROLS_MAX];
	size_t n = moat_controls_of(r->check->themes, ids, MOAT_CONTROLS_MAX);

	moat_jw_obj_begin(jw);
	moat_sarif_rule_text(jw, r->check->id, r->check->title, r->check->remediation);
	moat_jw_key(jw, "properties");
	moat_jw_obj_begin(jw);
	moat_sarif_tags(jw, "cis-docker-1.6", ids, n);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

int moat_report_comply_sarif(struct moat_buf *out, const struct moat_comply_result *res,
			     struct moat_error *err)
{
	struct moat_jw jw;
	size_t rule = 0;

	moat_jw_init(&jw, out, true);
	moat_sarif_open_run(&jw);
	moat_jw_key(&jw, "rules");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < res->report->count; i++)
		sarif_rule(&jw, &res->report->items[i]);
	moat_sarif_begin_results(&jw);
	for (size_t i = 0; i < res->report->count; i++, rule++) {
		const struct moat_cis_result *x = &res->report->items[i];

		if (x->verdict != MOAT_CIS_WARN)
			continue;
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "ruleId", x->check->id);
		moat_jw_kuint(&jw, "ruleIndex", rule);
		moat_jw_kstr(&jw, "level",
			     res->actions && !strcmp(res->actions[i], "block") ? "error" : "warning");
		moat_sarif_message(&jw, x->evidence);
		moat_jw_key(&jw, "locations");
		moat_jw_arr_begin(&jw);
		moat_jw_obj_begin(&jw);
		moat_sarif_physical_location_line(&jw, res->target ? res->target : "docker", 0);
		moat_jw_obj_end(&jw);
		moat_jw_arr_end(&jw);
		moat_jw_obj_end(&jw);
	}
	return moat_sarif_end(&jw, out, false, err);
}
