/* SPDX-License-Identifier: Apache-2.0 */
/* findings.c - vulnerability findings in the JSON and table reports. */
#include <stdio.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/term.h"
#include "vuln/match.h"
#include "vuln/owner.h"
#include "vuln/vulndb.h"
#include "report.h"

static void kstr_or_null(struct moat_jw *jw, const char *key, const char *value)
{
	moat_jw_key(jw, key);
	if (value)
		moat_jw_str(jw, value);
	else
		moat_jw_null(jw);
}

static void kdouble_or_null(struct moat_jw *jw, const char *key, double value)
{
	moat_jw_key(jw, key);
	if (value >= 0)
		moat_jw_double(jw, value);
	else
		moat_jw_null(jw);
}

static void write_risk(struct moat_jw *jw, const struct moat_risk *risk)
{
	moat_jw_key(jw, "risk");
	moat_jw_obj_begin(jw);
	moat_jw_kint(jw, "score", risk->score);
	moat_jw_key(jw, "factors");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < risk->n_factors; i++) {
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "name", risk->factors[i].name);
		moat_jw_key(jw, "weight");
		moat_jw_double(jw, risk->factors[i].weight);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

static void write_cvss(struct moat_jw *jw, const struct moat_vuln_finding *f)
{
	moat_jw_key(jw, "cvss");
	if (!f->cvss_version) {
		moat_jw_null(jw);
		return;
	}
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "version", f->cvss_version);
	kstr_or_null(jw, "vector", f->cvss_vector);
	kdouble_or_null(jw, "score", f->cvss_score);
	kstr_or_null(jw, "source", f->cvss_source);
	moat_jw_obj_end(jw);
}

static void write_finding(struct moat_jw *jw, const struct moat_vuln_finding *f)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "kind", "vuln");
	moat_jw_kstr(jw, "id", f->id);
	moat_jw_key(jw, "aliases");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < f->n_aliases; i++)
		if (f->aliases[i])
			moat_jw_str(jw, f->aliases[i]);
	moat_jw_arr_end(jw);
	moat_jw_kstr(jw, "severity", f->severity);
	kstr_or_null(jw, "severity_source", f->severity_source);
	kstr_or_null(jw, "vendor_severity", f->vendor_severity);
	write_cvss(jw, f);
	moat_jw_kstr(jw, "package", f->pkg->name);
	moat_jw_kstr(jw, "type", f->pkg->type);
	kstr_or_null(jw, "purl", f->pkg->purl);
	kstr_or_null(jw, "source_name", f->pkg->source_name);
	moat_jw_kstr(jw, "installed_version", f->installed_version);
	kstr_or_null(jw, "fixed_version", f->fixed_version);
	moat_jw_kstr(jw, "status", moat_vuln_status_name(f->status));
	kstr_or_null(jw, "note", f->note);
	kstr_or_null(jw, "layer", f->pkg->layer);
	kstr_or_null(jw, "created_by", f->created_by);
	moat_jw_kstr(jw, "owner", f->owner);
	kstr_or_null(jw, "base_image", f->base_image);
	write_risk(jw, &f->risk);
	moat_jw_kbool(jw, "kev", f->kev);
	kstr_or_null(jw, "kev_date_added", f->kev_date_added);
	kdouble_or_null(jw, "epss", f->epss);
	kdouble_or_null(jw, "epss_percentile", f->epss_percentile);
	kstr_or_null(jw, "published", f->published);
	kstr_or_null(jw, "title", f->summary);
	kstr_or_null(jw, "suppressed", f->suppressed);
	moat_jw_obj_end(jw);
}

void moat_report_json_vulns(struct moat_jw *jw, const struct moat_vuln_list *vulns)
{
	for (size_t i = 0; i < vulns->count; i++)
		if (!vulns->items[i]->suppressed)
			write_finding(jw, vulns->items[i]);
}

static void count_severities(const struct moat_vuln_list *vulns, size_t counts[6])
{
	memset(counts, 0, 6 * sizeof(counts[0]));
	for (size_t i = 0; i < vulns->count; i++)
		if (!vulns->items[i]->suppressed)
			counts[moat_severity_rank(vulns->items[i]->severity) + 1]++;
}

void moat_report_json_summary(struct moat_jw *jw, const struct moat_scan_result *res)
{
	static const char *const names[] = { "unknown", "negligible", "low", "medium", "high",
					     "critical" };
	size_t counts[6];

	count_severities(res->vulns, counts);
	moat_jw_key(jw, "vulnerabilities");
	moat_jw_obj_begin(jw);
	for (int i = 5; i >= 0; i--)
		moat_jw_kuint(jw, names[i], counts[i]);
	moat_jw_kuint(jw, "suppressed", res->n_suppressed);
	if (res->base) {
		moat_jw_key(jw, "base_image");
		if (res->base->n_layers) {
			moat_jw_obj_begin(jw);
			kstr_or_null(jw, "name", res->base->name);
			moat_jw_kuint(jw, "layers", res->base->n_layers);
			moat_jw_kstr(jw, "from", res->base->how);
			moat_jw_obj_end(jw);
		} else {
			moat_jw_null(jw);
		}
	}
	if (res->db) {
		moat_jw_key(jw, "db");
		moat_jw_obj_begin(jw);
		moat_jw_kint(jw, "built", res->db->built);
		kstr_or_null(jw, "checksum", res->db->checksum);
		moat_jw_obj_end(jw);
	}
	moat_jw_obj_end(jw);
	if (!res->gate || !res->gate->enabled)
		return;
	moat_jw_key(jw, "gate");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "rule", res->gate->rule);
	moat_jw_kstr(jw, "result", res->gate->failed ? "fail" : "pass");
	moat_jw_key(jw, "breaking");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < res->gate->n_breaking; i++) {
		const struct moat_vuln_finding *f = res->gate->breaking[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "id", f->id);
		moat_jw_kstr(jw, "package", f->pkg->name);
		moat_jw_kstr(jw, "severity", f->severity);
		kstr_or_null(jw, "fixed_version", f->fixed_version);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

static void table_layer(struct moat_buf *out, const struct moat_vuln_list *vulns, int layer,
			const char *created_by)
{
	bool header = false;

	for (size_t i = 0; i < vulns->count; i++) {
		const struct moat_vuln_finding *f = vulns->items[i];

		if (f->suppressed || f->pkg->layer_index != layer)
			continue;
		if (!header) {
			if (layer >= 0) {
				const char *cb = created_by ? created_by : "(no history)";
				size_t n = strcspn(cb, "\n");

				moat_buf_appendf(out, "\n  layer %d  ", layer + 1);
				moat_term_escape(out, cb, n > 70 ? 70 : n);
				moat_buf_putc(out, '\n');
			} else {
				moat_buf_append_str(out, "\n  layer unknown\n");
			}
			header = true;
		}
		/* The id and versions come from the DB, the name from the image: all escaped. */
		moat_buf_append_str(out, "    ");
		moat_term_pad(out, f->id, 20);
		moat_buf_appendf(out, " %-9s %3d  ", f->severity, f->risk.score);
		moat_term_pad(out, f->pkg->name, 24);
		moat_buf_putc(out, ' ');
		moat_term_pad(out, f->installed_version, 22);
		moat_buf_append_str(out, " -> ");
		moat_term_pad(out, f->fixed_version ? f->fixed_version : "(no fix)", 22);
		moat_buf_putc(out, ' ');
		moat_term_pad(out, f->owner, 7);
		moat_term_str(out, f->severity_source ? f->severity_source : "-");
		moat_buf_putc(out, '\n');
	}
}

void moat_report_table_vulns(struct moat_buf *out, const struct moat_scan_result *res)
{
	const struct moat_image_meta *m = res->meta;
	size_t counts[6];

	count_severities(res->vulns, counts);
	moat_buf_appendf(out, "\nVulnerabilities: %zu critical, %zu high, %zu medium, %zu low, "
			 "%zu negligible, %zu unknown", counts[5], counts[4], counts[3], counts[2],
			 counts[1], counts[0]);
	if (res->n_suppressed)
		moat_buf_appendf(out, " (%zu suppressed)", res->n_suppressed);
	moat_buf_putc(out, '\n');
	if (res->base && res->base->n_layers) {
		moat_buf_append_str(out, "Base image: ");
		moat_term_str(out, res->base->name ? res->base->name : "?");
		moat_buf_appendf(out, " (bottom %zu layers, from %s)\n", res->base->n_layers,
				 res->base->how);
	} else {
		moat_buf_append_str(out, "Base image: unknown (use --base-image)\n");
	}
	moat_buf_appendf(out, "    %-20s %-9s %3s  %-24s %-22s    %-22s %-7s %s\n", "ID",
			 "SEVERITY", "RSK", "PACKAGE", "INSTALLED", "FIXED", "OWNER", "RATED BY");
	for (size_t l = 0; l < m->n_layers; l++)
		table_layer(out, res->vulns, (int)l, m->layers[l].created_by);
	table_layer(out, res->vulns, -1, NULL);
	if (res->gate && res->gate->enabled) {
		moat_buf_append_str(out, "\nGate ");
		moat_term_str(out, res->gate->rule);
		moat_buf_appendf(out, ": %s", res->gate->failed ? "FAILED" : "passed");
		if (res->gate->failed)
			moat_buf_appendf(out, " (%zu findings break it)", res->gate->n_breaking);
		moat_buf_putc(out, '\n');
	}
}
