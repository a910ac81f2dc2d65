/* SPDX-License-Identifier: Apache-2.0 */
/* comply-k8s.c - moat.comply/v1 reports of the Kubernetes checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/term.h"
#include "comply-k8s.h"
#include "comply-report.h"
#include "comply/controls.h"
#include "comply/k8s.h"
#include "moat/error.h"
#include "sarif.h"

static void json_finding(struct moat_jw *jw, const struct moat_k8s_finding *f)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "file", f->file);
	moat_jw_kuint(jw, "document", f->doc);
	if (f->source)
		moat_jw_kstr(jw, "helm_source", f->source);
	moat_jw_kstr(jw, "kind", f->kind);
	moat_jw_kstr(jw, "name", f->name);
	if (f->namespace)
		moat_jw_kstr(jw, "namespace", f->namespace);
	moat_jw_kstr(jw, "path", f->path);
	if (f->line)
		moat_jw_kuint(jw, "line", f->line);
	moat_jw_kstr(jw, "message", f->message);
	moat_jw_obj_end(jw);
}

/* A check's references (pss:, cis-k8s:, ...) and then its framework controls. */
static size_t tags_of(const struct moat_k8s_result *c, const char **out, size_t cap)
{
	size_t n = 0;

	while (n < 5 && c->controls[n] && n + 1 < cap) {
		out[n] = c->controls[n];
		n++;
	}
	return n + moat_controls_of(c->themes, out + n, cap - n);
}

static void json_check(struct moat_jw *jw, const struct moat_k8s_report *rep, size_t i)
{
	const struct moat_k8s_result *c = &rep->checks[i];
	const char *tags[MOAT_CONTROLS_MAX + 5];
	size_t n = tags_of(c, tags, MOAT_CONTROLS_MAX + 5);

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", c->id);
	moat_jw_kstr(jw, "title", c->title);
	moat_jw_kstr(jw, "result", c->result);
	moat_jw_kstr(jw, "level", c->level);
	moat_jw_kstr(jw, "evidence", c->evidence ? c->evidence : "");
	moat_jw_kstr(jw, "remediation", c->remediation ? c->remediation : "");
	moat_report_comply_action_controls(jw, rep->actions ? rep->actions[i] : NULL, tags, n);
	if (c->n_findings) {
		moat_jw_key(jw, "findings");
		moat_jw_arr_begin(jw);
		for (size_t k = 0; k < c->n_findings; k++)
			json_finding(jw, c->findings[k]);
		moat_jw_arr_end(jw);
	}
	moat_jw_obj_end(jw);
}

/* The checks as the per-control view sees them (malloc'd, NULL on ENOMEM). */
static struct moat_comply_row *rows_of(const struct moat_k8s_report *rep)
{
	struct moat_comply_row *rows = calloc(rep->n_checks + 1, sizeof(*rows));

	for (size_t i = 0; rows && i < rep->n_checks; i++)
		rows[i] = (struct moat_comply_row){.id = rep->checks[i].id,
						   .result = rep->checks[i].result,
						   .themes = rep->checks[i].themes};
	return rows;
}

int moat_report_k8s_comply_json(struct moat_buf *out, const struct moat_k8s_report *rep,
				struct moat_error *err)
{
	static const char *const results[] = {"PASS", "WARN", "INFO", "NOTE"};
	struct moat_comply_row *rows = NULL;
	struct moat_jw jw;
	int r;

	if (rep->framework && !(rows = rows_of(rep)))
		return moat_error_set(err, -ENOMEM, "writing JSON: out of memory");
	moat_jw_init(&jw, out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", "moat.comply/v1");
	moat_jw_kstr(&jw, "benchmark", rep->benchmark);
	moat_jw_kstr(&jw, "target", rep->target);
	if (rep->n_files) {
		moat_jw_kuint(&jw, "files_checked", rep->n_files);
		moat_jw_kuint(&jw, "objects_checked", rep->n_objects);
	}
	moat_jw_key(&jw, "checks");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < rep->n_checks; i++)
		json_check(&jw, rep, i);
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "summary");
	moat_jw_obj_begin(&jw);
	for (size_t k = 0; k < 4; k++) {
		size_t n = 0;

		for (size_t i = 0; i < rep->n_checks; i++)
			n += !strcmp(rep->checks[i].result, results[k]);
		moat_jw_kuint(&jw, results[k], n);
	}
	moat_jw_obj_end(&jw);
	if (rows)
		moat_report_comply_controls_json(&jw, rep->framework, rows, rep->n_checks);
	free(rows);
	if (rep->actions)
		moat_jw_kbool(&jw, "failed", rep->failed);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "writing JSON: %s", moat_strerror(r)) : 0;
}

int moat_report_k8s_comply_table(struct moat_buf *out, const struct moat_k8s_report *rep,
				 struct moat_error *err)
{
	struct moat_comply_row *rows = NULL;
	size_t warn = 0;
	int r;

	if (rep->framework && !(rows = rows_of(rep)))
		return moat_error_set(err, -ENOMEM, "writing the table: out of memory");
	for (size_t i = 0; i < rep->n_checks; i++)
		warn += !strcmp(rep->checks[i].result, "WARN");
	moat_buf_appendf(out, "Benchmark %s (%s): %zu checks, %zu WARN\n\n", rep->benchmark,
			 rep->target, rep->n_checks, warn);
	for (size_t i = 0; i < rep->n_checks; i++) {
		const struct moat_k8s_result *c = &rep->checks[i];

		moat_buf_append_str(out, "[");
		moat_buf_append_str(out, c->result);
		moat_buf_append_str(out, "] ");
		moat_term_pad(out, c->id, 13);
		moat_term_pad(out, c->level, 11);
		moat_term_str(out, c->title);
		if (rep->actions && !strcmp(rep->actions[i], "block"))
			moat_buf_append_str(out, " (block)");
		moat_buf_putc(out, '\n');
		if (c->evidence && *c->evidence && strcmp(c->result, "PASS") != 0) {
			moat_buf_append_str(out, "       ");
			moat_term_str(out, c->evidence);
			moat_buf_putc(out, '\n');
		}
	}
	if (rows)
		moat_report_comply_controls_table(out, rep->framework, rows, rep->n_checks);
	free(rows);
	if (rep->actions)
		moat_buf_appendf(out, "\nPolicy: %s\n",
				 rep->failed ? "FAILED (a blocking check warns)" : "passed");
	r = moat_buf_putc(out, 0);
	if (r == 0)
		out->len--;
	return r < 0 ? moat_error_set(err, r, "writing the table: %s", moat_strerror(r)) : 0;
}

static void sarif_rule(struct moat_jw *jw, const struct moat_k8s_result *c)
{
	const char *tags[MOAT_CONTROLS_MAX + 5];
	size_t n = tags_of(c, tags, MOAT_CONTROLS_MAX + 5);

	moat_jw_obj_begin(jw);
	moat_sarif_rule_text(jw, c->id, c->title, c->remediation);
	moat_jw_key(jw, "properties");
	moat_jw_obj_begin(jw);
	moat_sarif_tags(jw, "compliance", tags, n);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

static void sarif_result(struct moat_jw *jw, const struct moat_k8s_report *rep, size_t rule,
			 const char *uri, unsigned line, const char *msg)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ruleId", rep->checks[rule].id);
	moat_jw_kuint(jw, "ruleIndex", rule);
	moat_jw_kstr(jw, "level",
		     rep->actions && !strcmp(rep->actions[rule], "block") ? "error" : "warning");
	moat_sarif_message(jw, msg);
	moat_jw_key(jw, "locations");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_sarif_physical_location_line(jw, uri, line);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

int moat_report_k8s_comply_sarif(struct moat_buf *out, const struct moat_k8s_report *rep,
				 struct moat_error *err)
{
	struct moat_jw jw;

	moat_jw_init(&jw, out, true);
	moat_sarif_open_run(&jw);
	moat_jw_key(&jw, "rules");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < rep->n_checks; i++)
		sarif_rule(&jw, &rep->checks[i]);
	moat_sarif_begin_results(&jw);
	for (size_t i = 0; i < rep->n_checks; i++) {
		const struct moat_k8s_result *c = &rep->checks[i];

		for (size_t k = 0; k < c->n_findings; k++)
			sarif_result(&jw, rep, i, c->findings[k]->file, c->findings[k]->line,
				     c->findings[k]->message);
		if (!c->n_findings && !strcmp(c->result, "WARN"))
			sarif_result(&jw, rep, i, rep->target, 0, c->evidence ? c->evidence : c->title);
	}
	return moat_sarif_end(&jw, out, true, err);
}
