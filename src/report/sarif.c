/* SPDX-License-Identifier: Apache-2.0 */
/* sarif.c - SARIF 2.1.0: one rule per vulnerability id, one result per finding. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "base/hmap.h"
#include "base/jsonw.h"
#include "base/warn.h"
#include "moat/error.h"
#include "vuln/match.h"
#include "moat-config.h"
#include "report.h"
#include "sarif.h"

/* GitHub code scanning reads "security-severity" (a CVSS-like number) and
 * SARIF's level: critical/high are errors, medium warnings, the rest notes. */
/* "message": {"text": TEXT} */
static void message(struct moat_jw *jw, const char *text)
{
	moat_jw_key(jw, "message");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "text", text);
	moat_jw_obj_end(jw);
}

/* "physicalLocation": {"artifactLocation": {"uri": URI}} */
static void physical_location(struct moat_jw *jw, const char *uri)
{
	moat_sarif_physical_location_line(jw, uri, 0);
}

static const char *level_of(const char *severity)
{
	int rank = moat_severity_rank(severity);

	return rank >= 3 ? "error" : rank == 2 ? "warning" : "note";
}

static const char *security_severity(const struct moat_vuln_finding *f, char *buf, size_t len)
{
	static const char *const by_rank[] = { "0.0", "2.0", "5.5", "8.0", "9.5" };
	int rank = moat_severity_rank(f->severity);

	if (f->cvss_score >= 0) {
		snprintf(buf, len, "%.1f", f->cvss_score);
		return buf;
	}
	return rank >= 0 ? by_rank[rank] : "5.0";
}

static void rule(struct moat_jw *jw, const struct moat_vuln_finding *f)
{
	char sev[16];

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", f->id);
	moat_jw_key(jw, "shortDescription");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "text", f->summary && *f->summary ? f->summary : f->id);
	moat_jw_obj_end(jw);
	moat_jw_kstr(jw, "helpUri", !strncmp(f->id, "CVE-", 4)
			 ? "https://security-tracker.debian.org/tracker/" : "https://osv.dev/");
	moat_jw_key(jw, "defaultConfiguration");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "level", level_of(f->severity));
	moat_jw_obj_end(jw);
	moat_jw_key(jw, "properties");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "security-severity", security_severity(f, sev, sizeof(sev)));
	moat_jw_key(jw, "tags");
	moat_jw_arr_begin(jw);
	moat_jw_str(jw, "security");
	moat_jw_str(jw, "vulnerability");
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

static void result(struct moat_jw *jw, const struct moat_vuln_finding *f, size_t rule_index,
		   const char *image)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s %s in %s %s (%s); fixed in %s; layer %s; owner %s; risk %d",
		 f->severity, f->id, f->pkg->name, f->installed_version, f->pkg->type,
		 f->fixed_version ? f->fixed_version : "no release yet",
		 f->pkg->layer ? f->pkg->layer : "unknown", f->owner, f->risk.score);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ruleId", f->id);
	moat_jw_kuint(jw, "ruleIndex", rule_index);
	moat_jw_kstr(jw, "level", level_of(f->severity));
	message(jw, msg);
	moat_jw_key(jw, "locations");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	physical_location(jw, f->pkg->db_path ? f->pkg->db_path : image);
	moat_jw_key(jw, "logicalLocations");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "name", f->pkg->name);
	moat_jw_kstr(jw, "fullyQualifiedName", f->pkg->purl ? f->pkg->purl : f->pkg->name);
	moat_jw_kstr(jw, "kind", "package");
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_key(jw, "partialFingerprints");
	moat_jw_obj_begin(jw);
	snprintf(msg, sizeof(msg), "%s/%s/%s", f->id, f->pkg->name, f->installed_version);
	moat_jw_kstr(jw, "moat/v1", msg);
	moat_jw_obj_end(jw);
	moat_jw_key(jw, "properties");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "image", image);
	moat_jw_kstr(jw, "owner", f->owner);
	moat_jw_kint(jw, "risk", f->risk.score);
	moat_jw_kbool(jw, "kev", f->kev);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

/* The run's one invocation: it succeeded, and each warning (something the
 * scan skipped) is a tool execution notification, so code scanning shows
 * that the results may be incomplete. */
static void invocations(struct moat_jw *jw, const struct moat_warnings *warnings)
{
	moat_jw_key(jw, "invocations");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kbool(jw, "executionSuccessful", true);
	moat_jw_key(jw, "toolExecutionNotifications");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; warnings && i < warnings->count; i++) {
		const struct moat_warning *w = &warnings->items[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "level", "warning");
		moat_jw_key(jw, "descriptor");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "id", w->code);
		moat_jw_obj_end(jw);
		message(jw, w->message);
		if (w->path) {
			moat_jw_key(jw, "locations");
			moat_jw_arr_begin(jw);
			moat_jw_obj_begin(jw);
			physical_location(jw, w->path);
			moat_jw_obj_end(jw);
			moat_jw_arr_end(jw);
		}
		moat_jw_key(jw, "properties");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "layer", w->layer_id);
		moat_jw_obj_end(jw);
		moat_jw_obj_end(jw);
	}
	if (warnings && warnings->dropped) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%zu more warnings not listed", warnings->dropped);
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "level", "warning");
		moat_jw_key(jw, "descriptor");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "id", "warnings-dropped");
		moat_jw_obj_end(jw);
		message(jw, msg);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
}

/* Rules are unique by id: index of each finding's rule, in first-seen order. */
static int rule_indexes(const struct moat_vuln_list *vulns, size_t *idx, size_t *ret_n_rules)
{
	struct moat_hmap seen;
	size_t n = 0;
	int r = 0;

	moat_hmap_init(&seen);
	for (size_t i = 0; i < vulns->count && r == 0; i++) {
		const char *id = vulns->items[i]->id;
		void *hit = moat_hmap_get(&seen, id, strlen(id));

		if (hit) {
			idx[i] = (size_t)(uintptr_t)hit - 1;
			continue;
		}
		idx[i] = n++;
		r = moat_hmap_put(&seen, id, strlen(id), (void *)(uintptr_t)n);
	}
	moat_hmap_release(&seen);
	*ret_n_rules = n;
	return r;
}

int moat_report_sarif(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err)
{
	static const struct moat_vuln_list none;
	const struct moat_vuln_list *vulns = res->vulns ? res->vulns : &none;
	const char *image = res->meta->ref ? res->meta->ref : "image";
	size_t *idx = calloc(vulns->count + 1, sizeof(*idx)), n_rules = 0, next_rule = 0;
	struct moat_jw jw;
	int r;

	if (!idx || rule_indexes(vulns, idx, &n_rules) < 0) {
		free(idx);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	moat_jw_init(&jw, out, true);
	moat_sarif_open_run(&jw);
	moat_jw_key(&jw, "rules");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < vulns->count; i++)
		if (idx[i] == next_rule) {
			rule(&jw, vulns->items[i]);
			next_rule++;
		}
	moat_report_sarif_content_rules(&jw, res->content);
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_key(&jw, "results");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < vulns->count; i++)
		if (!vulns->items[i]->suppressed)
			result(&jw, vulns->items[i], idx[i], image);
	moat_report_sarif_content_results(&jw, res->content, next_rule, image);
	moat_jw_arr_end(&jw);
	invocations(&jw, res->warnings);
	moat_jw_obj_end(&jw);
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	free(idx);
	(void)n_rules; /* every rule is written by the loop above */
	r = moat_jw_finish(&jw);
	return r < 0 ? moat_error_set(err, r, "writing SARIF: %s", moat_strerror(r)) : 0;
}

void moat_sarif_open_run(struct moat_jw *jw)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
	moat_jw_kstr(jw, "version", "2.1.0");
	moat_jw_key(jw, "runs");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_key(jw, "tool");
	moat_jw_obj_begin(jw);
	moat_jw_key(jw, "driver");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "name", "moat");
	moat_jw_kstr(jw, "version", MOAT_VERSION);
	moat_jw_kstr(jw, "informationUri", "https://github.com/moat-security/moat");
}

void moat_sarif_message(struct moat_jw *jw, const char *text)
{
	message(jw, text);
}

void moat_sarif_physical_location_line(struct moat_jw *jw, const char *uri, unsigned line)
{
	moat_jw_key(jw, "physicalLocation");
	moat_jw_obj_begin(jw);
	moat_jw_key(jw, "artifactLocation");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "uri", uri);
	moat_jw_obj_end(jw);
	if (line) {
		moat_jw_key(jw, "region");
		moat_jw_obj_begin(jw);
		moat_jw_kuint(jw, "startLine", line);
		moat_jw_obj_end(jw);
	}
	moat_jw_obj_end(jw);
}

const char *moat_sarif_level(const char *severity)
{
	return level_of(severity);
}

void moat_sarif_rule_text(struct moat_jw *jw, const char *id, const char *title, const char *help)
{
	moat_jw_kstr(jw, "id", id);
	moat_jw_key(jw, "shortDescription");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "text", title);
	moat_jw_obj_end(jw);
	moat_jw_key(jw, "help");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "text", help ? help : "");
	moat_jw_obj_end(jw);
}

void moat_sarif_tags(struct moat_jw *jw, const char *kind, const char *const *tags, size_t n)
{
	moat_jw_key(jw, "tags");
	moat_jw_arr_begin(jw);
	moat_jw_str(jw, "security");
	moat_jw_str(jw, kind);
	for (size_t i = 0; i < n && tags[i]; i++)
		moat_jw_str(jw, tags[i]);
	moat_jw_arr_end(jw);
}

void moat_sarif_begin_results(struct moat_jw *jw)
{
	moat_jw_arr_end(jw); /* rules */
	moat_jw_obj_end(jw); /* driver */
	moat_jw_obj_end(jw); /* tool */
	moat_jw_key(jw, "results");
	moat_jw_arr_begin(jw);
}

int moat_sarif_end(struct moat_jw *jw, struct moat_buf *out, bool newline, struct moat_error *err)
{
	int r;

	moat_jw_arr_end(jw); /* results */
	moat_jw_obj_end(jw); /* the run */
	moat_jw_arr_end(jw); /* runs */
	moat_jw_obj_end(jw);
	r = moat_jw_finish(jw);
	if (r == 0 && newline)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "writing SARIF: %s", moat_strerror(r)) : 0;
}
