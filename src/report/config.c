/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - `moat config` reports: moat.config/v1 JSON, a table, SARIF. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsonw.h"
#include "base/term.h"
#include "comply/misconfig.h"
#include "config-report.h"
#include "image/image.h"
#include "moat/error.h"
#include "sarif.h"
#include "vuln/match.h"

static const char *layer_id(const struct moat_config_result *res, int index)
{
	if (!res->image || index < 0 || (size_t)index >= res->image->n_layers)
		return NULL;
	return res->image->layers[index].diff_id;
}

static void json_finding(struct moat_jw *jw, const struct moat_config_result *res,
			 const struct moat_misconfig *f)
{
	const struct moat_check_info *c = f->check;

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "kind", "misconfig");
	moat_jw_kstr(jw, "id", c->id);
	moat_jw_kstr(jw, "severity", c->severity);
	moat_jw_kstr(jw, "title", c->title);
	moat_jw_kstr(jw, "message", f->message);
	moat_jw_kstr(jw, "remediation", c->remediation);
	if (f->file)
		moat_jw_kstr(jw, "file", f->file);
	if (f->source)
		moat_jw_kstr(jw, "source", f->source);
	if (f->path)
		moat_jw_kstr(jw, "path", f->path);
	if (layer_id(res, f->layer_index)) {
		moat_jw_kstr(jw, "layer", layer_id(res, f->layer_index));
		moat_jw_kint(jw, "layer_index", f->layer_index);
	}
	if (f->line)
		moat_jw_kuint(jw, "line", f->line);
	if (f->doc) {
		moat_jw_kuint(jw, "document", f->doc - 1);
		moat_jw_kstr(jw, "object", f->object);
	}
	moat_jw_key(jw, "references");
	moat_jw_arr_begin(jw);
	for (size_t r = 0; r < 4 && c->references[r]; r++)
		moat_jw_str(jw, c->references[r]);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

int moat_report_config_json(struct moat_buf *out, const struct moat_config_result *res, bool pretty,
			    struct moat_error *err)
{
	static const char *const sev[] = {"critical", "high", "medium", "low"};
	const struct moat_misconfig_list *l = res->findings;
	struct moat_jw jw;
	int r;

	moat_jw_init(&jw, out, pretty);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", "moat.config/v1");
	if (res->image && res->image->ref)
		moat_jw_kstr(&jw, "image", res->image->ref);
	moat_jw_kuint(&jw, "files_checked", res->n_files);
	moat_jw_kuint(&jw, "manifests_checked", res->n_manifests);
	moat_jw_key(&jw, "findings");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < l->count; i++)
		json_finding(&jw, res, &l->items[i]);
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "summary");
	moat_jw_obj_begin(&jw);
	for (size_t s = 0; s < 4; s++) {
		size_t n = 0;

		for (size_t i = 0; i < l->count; i++)
			n += !strcmp(l->items[i].check->severity, sev[s]);
		moat_jw_kuint(&jw, sev[s], n);
	}
	moat_jw_obj_end(&jw);
	if (res->fail_on) {
		moat_jw_key(&jw, "gate");
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "fail_on", res->fail_on);
		moat_jw_kbool(&jw, "failed", res->failed);
		moat_jw_obj_end(&jw);
	}
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0 && pretty)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "writing JSON: %s", moat_strerror(r)) : 0;
}

/* Where a finding is: FILE:LINE, image path, or history entry. */
static void where(struct moat_buf *out, const struct moat_misconfig *f)
{
	char num[32];

	if (f->file) {
		moat_term_str(out, f->file);
	} else if (f->path) {
		moat_buf_putc(out, '/');
		moat_term_str(out, f->path);
	} else {
		moat_buf_append_str(out, f->source ? f->source : "image");
	}
	if (f->line) {
		snprintf(num, sizeof(num), f->file ? ":%u" : " #%u", f->line);
		moat_buf_append_str(out, num);
	}
	if (f->doc) {
		snprintf(num, sizeof(num), " doc %u ", f->doc - 1);
		moat_buf_append_str(out, num);
		moat_term_str(out, f->path);
	}
}

int moat_report_config_table(struct moat_buf *out, const struct moat_config_result *res,
			     struct moat_error *err)
{
	const struct moat_misconfig_list *l = res->findings;
	int r;

	if (res->image) {
		moat_buf_append_str(out, "Image: ");
		moat_term_str(out, res->image->ref);
		moat_buf_putc(out, '\n');
	}
	moat_buf_appendf(out, "Checked %zu Dockerfile%s, %zu manifest%s%s: %zu finding%s\n\n",
			 res->n_files, res->n_files == 1 ? "" : "s", res->n_manifests,
			 res->n_manifests == 1 ? "" : "s", res->image ? " and the image" : "",
			 l->count, l->count == 1 ? "" : "s");
	for (size_t i = 0; i < l->count; i++) {
		const struct moat_misconfig *f = &l->items[i];

		moat_term_pad(out, f->check->severity, 9);
		moat_term_pad(out, f->check->id, 13);
		where(out, f);
		moat_buf_append_str(out, "\n         ");
		moat_term_str(out, f->check->title);
		moat_buf_append_str(out, ": ");
		moat_term_str(out, f->message);
		moat_buf_putc(out, '\n');
	}
	if (res->fail_on)
		moat_buf_appendf(out, "\nGate --fail-on %s: %s\n", res->fail_on,
				 res->failed ? "FAILED" : "passed");
	r = moat_buf_putc(out, 0);
	if (r == 0)
		out->len--;
	return r < 0 ? moat_error_set(err, r, "writing the table: %s", moat_strerror(r)) : 0;
}

static void sarif_rule(struct moat_jw *jw, const struct moat_check_info *c)
{
	static const char *const by_rank[] = {"0.0", "2.0", "5.5", "8.0", "9.5"};
	int rank = moat_severity_rank(c->severity);

	moat_jw_obj_begin(jw);
	moat_sarif_rule_text(jw, c->id, c->title, c->remediation);
	moat_jw_key(jw, "defaultConfiguration");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "level", moat_sarif_level(c->severity));
	moat_jw_obj_end(jw);
	moat_jw_key(jw, "properties");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "security-severity", rank >= 0 ? by_rank[rank] : "5.0");
	moat_sarif_tags(jw, "misconfiguration", c->references, 4);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

static void sarif_result(struct moat_jw *jw, const struct moat_config_result *res,
			 const struct moat_misconfig *f, size_t rule_index)
{
	const char *uri = f->file			  ? f->file
			  : f->path			  ? f->path
			  : res->image && res->image->ref ? res->image->ref
							  : "image";

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ruleId", f->check->id);
	moat_jw_kuint(jw, "ruleIndex", rule_index);
	moat_jw_kstr(jw, "level", moat_sarif_level(f->check->severity));
	moat_sarif_message(jw, f->message);
	moat_jw_key(jw, "locations");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_sarif_physical_location_line(jw, uri, f->file ? f->line : 0);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	if (!f->file) {
		moat_jw_key(jw, "properties");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "source", f->source);
		if (layer_id(res, f->layer_index))
			moat_jw_kstr(jw, "layer", layer_id(res, f->layer_index));
		moat_jw_obj_end(jw);
	}
	moat_jw_obj_end(jw);
}

/* Index of c in rules[0..n), appending it when new. */
static size_t rule_index(const struct moat_check_info **rules, size_t *n,
			 const struct moat_check_info *c)
{
	for (size_t i = 0; i < *n; i++)
		if (rules[i] == c)
			return i;
	rules[*n] = c;
	return (*n)++;
}

int moat_report_config_sarif(struct moat_buf *out, const struct moat_config_result *res,
			     struct moat_error *err)
{
	const struct moat_misconfig_list *l = res->findings;
	/* one rule per check that fired (Dockerfile and Kubernetes catalogues), first seen first */
	const struct moat_check_info **rules = calloc(l->count + 1, sizeof(void *));
	size_t *rule_of = calloc(l->count + 1, sizeof(*rule_of)), n_rules = 0;
	struct moat_jw jw;

	if (!rules || !rule_of) {
		free(rules);
		free(rule_of);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < l->count; i++)
		rule_of[i] = rule_index(rules, &n_rules, l->items[i].check);
	moat_jw_init(&jw, out, true);
	moat_sarif_open_run(&jw);
	moat_jw_key(&jw, "rules");
	moat_jw_arr_begin(&jw);
	for (size_t c = 0; c < n_rules; c++)
		sarif_rule(&jw, rules[c]);
	moat_sarif_begin_results(&jw);
	for (size_t i = 0; i < l->count; i++)
		sarif_result(&jw, res, &l->items[i], rule_of[i]);
	free(rules);
	free(rule_of);
	return moat_sarif_end(&jw, out, false, err);
}
