/* SPDX-License-Identifier: Apache-2.0 */
/* comply-k8s.c - moat.comply/v1 reports of the Kubernetes checks. */
#include <stdio.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/term.h"
#include "comply-k8s.h"
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

static void json_check(struct moat_jw *jw, const struct moat_k8s_result *c)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", c->id);
	moat_jw_kstr(jw, "title", c->title);
	moat_jw_kstr(jw, "result", c->result);
	moat_jw_kstr(jw, "level", c->level);
	moat_jw_kstr(jw, "evidence", c->evidence ? c->evidence : "");
	moat_jw_kstr(jw, "remediation", c->remediation ? c->remediation : "");
	moat_jw_key(jw, "controls");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < 5 && c->controls[i]; i++)
		moat_jw_str(jw, c->controls[i]);
	moat_jw_arr_end(jw);
	if (c->n_findings) {
		moat_jw_key(jw, "findings");
		moat_jw_arr_begin(jw);
		for (size_t i = 0; i < c->n_findings; i++)
			json_finding(jw, c->findings[i]);
		moat_jw_arr_end(jw);
	}
	moat_jw_obj_end(jw);
}

int moat_report_k8s_comply_json(struct moat_buf *out, const struct moat_k8s_report *rep,
				struct moat_error *err)
{
	static const char *const results[] = {"PASS", "WARN", "INFO", "NOTE"};
	struct moat_jw jw;
	int r;

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
		json_check(&jw, &rep->checks[i]);
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
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "writing JSON: %s", moat_strerror(r)) : 0;
}

int moat_report_k8s_comply_table(struct moat_buf *out, const struct moat_k8s_report *rep,
				 struct moat_error *err)
{
	size_t warn = 0;
	int r;

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
		moat_buf_putc(out, '\n');
		if (c->evidence && *c->evidence && strcmp(c->result, "PASS") != 0) {
			moat_buf_append_str(out, "       ");
			moat_term_str(out, c->evidence);
			moat_buf_putc(out, '\n');
		}
	}
	r = moat_buf_putc(out, 0);
	if (r == 0)
		out->len--;
	return r < 0 ? moat_error_set(err, r, "writing the table: %s", moat_strerror(r)) : 0;
}

static void sarif_rule(struct moat_jw *jw, const struct moat_k8s_result *c)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", c->id);
	moat_jw_key(jw, "shortDescription");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "text", c->title);
	moat_jw_obj_end(jw);
	moat_jw_key(jw, "help");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "text", c->remediation ? c->remediation : "");
	moat_jw_obj_end(jw);
	moat_jw_key(jw, "properties");
	moat_jw_obj_begin(jw);
	moat_jw_key(jw, "tags");
	moat_jw_arr_begin(jw);
	moat_jw_str(jw, "security");
	moat_jw_str(jw, "compliance");
	for (size_t i = 0; i < 5 && c->controls[i]; i++)
		moat_jw_str(jw, c->controls[i]);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

static void sarif_result(struct moat_jw *jw, const struct moat_k8s_result *c, size_t rule,
			 const char *uri, unsigned line, const char *msg)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ruleId", c->id);
	moat_jw_kuint(jw, "ruleIndex", rule);
	moat_jw_kstr(jw, "level", "warning");
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
	int r;

	moat_jw_init(&jw, out, true);
	moat_sarif_open_run(&jw);
	moat_jw_key(&jw, "rules");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < rep->n_checks; i++)
		sarif_rule(&jw, &rep->checks[i]);
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_key(&jw, "results");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < rep->n_checks; i++) {
		const struct moat_k8s_result *c = &rep->checks[i];

		for (size_t k = 0; k < c->n_findings; k++)
			sarif_result(&jw, c, i, c->findings[k]->file, c->findings[k]->line,
				     c->findings[k]->message);
		if (!c->n_findings && !strcmp(c->result, "WARN"))
			sarif_result(&jw, c, i, rep->target, 0, c->evidence ? c->evidence : c->title);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "writing SARIF: %s", moat_strerror(r)) : 0;
}
