/* SPDX-License-Identifier: Apache-2.0 */
/*
 * content.c - content findings (secrets, weak passwords, malware,
 * misconfiguration; detect/detect.h) in every report format. The evidence
 * they carry is already masked by the scanner: writers never see a secret.
 */
#include <stdio.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/term.h"
#include "detect/detect.h"
#include "report.h"

static void kstr_opt(struct moat_jw *jw, const char *key, const char *value)
{
	if (value)
		moat_jw_kstr(jw, key, value);
}

/* "references": the equivalent upstream rules, when the finding names any. */
static void references(struct moat_jw *jw, const struct moat_finding *f)
{
	if (!f->references || !f->references[0])
		return;
	moat_jw_key(jw, "references");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; f->references[i]; i++)
		moat_jw_str(jw, f->references[i]);
	moat_jw_arr_end(jw);
}

void moat_report_json_content(struct moat_jw *jw, const struct moat_finding_list *list)
{
	for (size_t i = 0; list && i < list->count; i++) {
		const struct moat_finding *f = list->items[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "kind", f->kind);
		moat_jw_kstr(jw, "id", f->id);
		moat_jw_kstr(jw, "severity", f->severity);
		moat_jw_kstr(jw, "title", f->title);
		kstr_opt(jw, "message", f->message);
		references(jw, f);
		moat_jw_key(jw, "layer");
		if (f->layer)
			moat_jw_str(jw, f->layer);
		else
			moat_jw_null(jw);
		moat_jw_key(jw, "layer_index");
		if (f->layer_index >= 0)
			moat_jw_int(jw, f->layer_index);
		else
			moat_jw_null(jw);
		kstr_opt(jw, "path", f->path);
		kstr_opt(jw, "source", f->source);
		kstr_opt(jw, "field", f->field);
		if (f->line)
			moat_jw_kuint(jw, "line", f->line);
		moat_jw_kstr(jw, "owner", f->owner ? f->owner : "unknown");
		kstr_opt(jw, "match", f->match);
		kstr_opt(jw, "fingerprint", f->fingerprint);
		kstr_opt(jw, "rule", f->rule);
		kstr_opt(jw, "sha256", f->sha256);
		kstr_opt(jw, "note", f->note);
		moat_jw_obj_end(jw);
	}
}

/* "path:line" or "config Env" / "history created_by". */
static void where(struct moat_buf *out, const struct moat_finding *f)
{
	if (f->path) {
		moat_buf_putc(out, '/');
		moat_term_str(out, f->path);
	} else {
		moat_buf_appendf(out, "%s %s", f->source ? f->source : "?", f->field ? f->field : "");
	}
	if (f->line)
		moat_buf_appendf(out, ":%u", f->line);
}

void moat_report_table_content(struct moat_buf *out, const struct moat_finding_list *list)
{
	if (!list)
		return;
	moat_buf_appendf(out, "\nContent findings: %zu\n", list->count);
	for (size_t i = 0; i < list->count; i++) {
		const struct moat_finding *f = list->items[i];

		moat_buf_appendf(out, "  %-8s %-9s ", f->severity, f->kind);
		moat_term_str(out, f->id);
		moat_buf_append_str(out, "  ");
		where(out, f);
		if (f->layer_index >= 0)
			moat_buf_appendf(out, "  layer %d", f->layer_index + 1);
		moat_buf_appendf(out, " (%s)\n      ", f->owner ? f->owner : "unknown");
		moat_term_str(out, f->title);
		if (f->match) {
			moat_buf_append_str(out, ": ");
			moat_term_str(out, f->match);
		}
		if (f->message) {
			moat_buf_append_str(out, ": ");
			moat_term_str(out, f->message);
		}
		if (f->note) {
			moat_buf_append_str(out, " [");
			moat_term_str(out, f->note);
			moat_buf_putc(out, ']');
		}
		if (f->rule) {
			moat_buf_append_str(out, "\n      rule ");
			moat_term_str(out, f->rule);
			if (f->sha256) {
				moat_buf_append_str(out, "  sha256 ");
				moat_term_str(out, f->sha256);
			}
		}
		moat_buf_putc(out, '\n');
	}
}

static const char *sarif_level(const char *severity)
{
	int rank = moat_detect_severity_rank(severity);

	return rank >= 3 ? "error" : rank == 2 ? "warning" : "note";
}

/* The index of the first finding with f's id: one SARIF rule per id. */
static size_t first_of(const struct moat_finding_list *list, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(list->items[j]->id, list->items[i]->id))
			return j;
	return i;
}

size_t moat_report_sarif_content_rules(struct moat_jw *jw, const struct moat_finding_list *list)
{
	static const char *const sev_num[] = { "0.0", "2.0", "5.5", "8.0", "9.5" };
	size_t n = 0;

	for (size_t i = 0; list && i < list->count; i++) {
		const struct moat_finding *f = list->items[i];

		if (first_of(list, i) != i)
			continue;
		n++;
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "id", f->id);
		moat_jw_key(jw, "shortDescription");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "text", f->kind && !strcmp(f->kind, "password") ? f->id : f->title);
		moat_jw_obj_end(jw);
		moat_jw_key(jw, "defaultConfiguration");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "level", sarif_level(f->severity));
		moat_jw_obj_end(jw);
		moat_jw_key(jw, "properties");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "security-severity", sev_num[moat_detect_severity_rank(f->severity)]);
		moat_jw_key(jw, "tags");
		moat_jw_arr_begin(jw);
		moat_jw_str(jw, "security");
		moat_jw_str(jw, f->kind);
		moat_jw_arr_end(jw);
		references(jw, f);
		moat_jw_obj_end(jw);
		moat_jw_obj_end(jw);
	}
	return n;
}

void moat_report_sarif_content_results(struct moat_jw *jw, const struct moat_finding_list *list,
				       size_t first_rule, const char *image)
{
	size_t rule = first_rule;
	char msg[1024];

	for (size_t i = 0; list && i < list->count; i++) {
		const struct moat_finding *f = list->items[i];
		size_t first = first_of(list, i), idx = first_rule;

		/* Rules were written in order of first appearance. */
		for (size_t j = 0; j < first; j++)
			idx += first_of(list, j) == j;
		if (first == i)
			rule++;
		snprintf(msg, sizeof(msg), "%s: %s%s%s%s%s; layer %s; owner %s%s%s", f->severity,
			 f->title, f->match ? ": " : "", f->match ? f->match : "",
			 f->message ? ": " : "", f->message ? f->message : "",
			 f->layer ? f->layer : "unknown", f->owner ? f->owner : "unknown",
			 f->note ? "; " : "", f->note ? f->note : "");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "ruleId", f->id);
		moat_jw_kuint(jw, "ruleIndex", idx);
		moat_jw_kstr(jw, "level", sarif_level(f->severity));
		moat_jw_key(jw, "message");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "text", msg);
		moat_jw_obj_end(jw);
		moat_jw_key(jw, "locations");
		moat_jw_arr_begin(jw);
		moat_jw_obj_begin(jw);
		moat_jw_key(jw, "physicalLocation");
		moat_jw_obj_begin(jw);
		moat_jw_key(jw, "artifactLocation");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "uri", f->path ? f->path : image);
		moat_jw_obj_end(jw);
		if (f->line) {
			moat_jw_key(jw, "region");
			moat_jw_obj_begin(jw);
			moat_jw_kuint(jw, "startLine", f->line);
			moat_jw_obj_end(jw);
		}
		moat_jw_obj_end(jw);
		moat_jw_obj_end(jw);
		moat_jw_arr_end(jw);
		if (f->fingerprint) {
			moat_jw_key(jw, "partialFingerprints");
			moat_jw_obj_begin(jw);
			moat_jw_kstr(jw, "moat/v1", f->fingerprint);
			moat_jw_obj_end(jw);
		}
		moat_jw_key(jw, "properties");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "kind", f->kind);
		moat_jw_kstr(jw, "image", image);
		moat_jw_kstr(jw, "owner", f->owner ? f->owner : "unknown");
		kstr_opt(jw, "layer", f->layer);
		kstr_opt(jw, "source", f->source);
		kstr_opt(jw, "rule", f->rule);
		kstr_opt(jw, "sha256", f->sha256);
		moat_jw_obj_end(jw);
		moat_jw_obj_end(jw);
	}
	(void)rule;
}

/* One test case per content kind that ran; each finding is a failure line. */
size_t moat_report_junit_content(struct moat_buf *out, const struct moat_finding_list *list,
				 size_t *ret_failed)
{
	static const char *const kinds[] = { "secret", "password", "malware", "misconfig" };
	size_t n = 0;

	for (size_t k = 0; list && k < 4; k++) {
		size_t count = 0;

		for (size_t i = 0; i < list->count; i++)
			count += !strcmp(list->items[i]->kind, kinds[k]);
		if (!count && k >= 2)
			continue; /* malware/misconfig: a case only when they report */
		n++;
		moat_buf_appendf(out, "    <testcase classname=\"moat.content\" name=\"%s\">\n",
				 kinds[k]);
		if (count) {
			moat_buf_appendf(out, "      <failure message=\"%zu %s finding%s\">", count,
					 kinds[k], count == 1 ? "" : "s");
			for (size_t i = 0; i < list->count; i++) {
				const struct moat_finding *f = list->items[i];
				char line[32] = "";

				if (strcmp(f->kind, kinds[k]) != 0)
					continue;
				if (f->line)
					snprintf(line, sizeof(line), ":%u", f->line);
				moat_buf_appendf(out, "%s %s ", f->severity, f->id);
				moat_report_xml_escape(out, f->path ? f->path : f->source);
				moat_buf_append_str(out, line);
				moat_buf_append_str(out, " (");
				moat_report_xml_escape(out, f->title);
				if (f->match || f->message) {
					moat_buf_append_str(out, ": ");
					moat_report_xml_escape(out, f->match ? f->match : f->message);
				}
				moat_buf_appendf(out, "; owner %s)\n", f->owner ? f->owner : "unknown");
			}
			moat_buf_append_str(out, "</failure>\n");
			(*ret_failed)++;
		}
		moat_buf_append_str(out, "    </testcase>\n");
	}
	return n;
}

void moat_report_html_content(struct moat_buf *out, const struct moat_finding_list *list)
{
	if (!list)
		return;
	moat_buf_appendf(out, "<h2>Content findings (%zu)</h2>\n<table><tr><th>severity</th>"
			 "<th>kind</th><th>rule</th><th>where</th><th>layer</th><th>owner</th>"
			 "<th>finding</th></tr>\n", list->count);
	for (size_t i = 0; i < list->count; i++) {
		const struct moat_finding *f = list->items[i];

		moat_buf_append_str(out, "<tr><td class=");
		moat_report_xml_escape(out, f->severity);
		moat_buf_putc(out, '>');
		moat_report_xml_escape(out, f->severity);
		moat_buf_append_str(out, "</td><td>");
		moat_report_xml_escape(out, f->kind);
		moat_buf_append_str(out, "</td><td><code>");
		moat_report_xml_escape(out, f->id);
		moat_buf_append_str(out, "</code></td><td><code>");
		moat_report_xml_escape(out, f->path ? f->path : f->source);
		if (f->line)
			moat_buf_appendf(out, ":%u", f->line);
		moat_buf_append_str(out, "</code></td><td>");
		if (f->layer_index >= 0)
			moat_buf_appendf(out, "%d", f->layer_index + 1);
		moat_buf_append_str(out, "</td><td>");
		moat_report_xml_escape(out, f->owner ? f->owner : "unknown");
		moat_buf_append_str(out, "</td><td>");
		moat_report_xml_escape(out, f->title);
		if (f->match) {
			moat_buf_append_str(out, ": <code>");
			moat_report_xml_escape(out, f->match);
			moat_buf_append_str(out, "</code>");
		}
		if (f->message) {
			moat_buf_append_str(out, ": ");
			moat_report_xml_escape(out, f->message);
		}
		if (f->note) {
			moat_buf_append_str(out, " <i>");
			moat_report_xml_escape(out, f->note);
			moat_buf_append_str(out, "</i>");
		}
		moat_buf_append_str(out, "</td></tr>\n");
	}
	moat_buf_append_str(out, "</table>\n");
}
