/* SPDX-License-Identifier: Apache-2.0 */
/* html.c - one self-contained HTML page: summary, findings by layer, packages. */
#include <string.h>

#include "base/warn.h"
#include "moat/error.h"
#include "vuln/match.h"
#include "vuln/owner.h"
#include "report.h"

static const char style[] =
	"body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;width:100%;margin:1em 0}"
	"td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
	"th{background:#f4f4f4}.critical{color:#fff;background:#8b0000}.high{background:#f08080}"
	".medium{background:#ffd27f}.low{background:#fff3b0}.negligible,.unknown{background:#eee}"
	"code{font-size:12px}h2{margin-top:2em}.sum span{margin-right:1.5em}";

static void esc(struct moat_buf *out, const char *s)
{
	moat_report_xml_escape(out, s ? s : "");
}

static void summary(struct moat_buf *out, const struct moat_scan_result *res)
{
	static const char *const names[] = { "critical", "high", "medium", "low", "negligible",
					     "unknown" };
	size_t counts[6] = { 0 };

	for (size_t i = 0; res->vulns && i < res->vulns->count; i++) {
		const struct moat_vuln_finding *f = res->vulns->items[i];
		int rank = moat_severity_rank(f->severity);

		if (!f->suppressed)
			counts[rank < 0 ? 5 : 4 - rank]++;
	}
	moat_buf_append_str(out, "<p class=sum>");
	for (int i = 0; i < 6; i++)
		moat_buf_appendf(out, "<span class=%s>&nbsp;%zu %s&nbsp;</span>", names[i], counts[i],
				 names[i]);
	moat_buf_append_str(out, "</p>\n");
	if (res->base && res->base->n_layers) {
		moat_buf_append_str(out, "<p>Base image: <b>");
		esc(out, res->base->name);
		moat_buf_appendf(out, "</b> (bottom %zu layers)</p>\n", res->base->n_layers);
	}
	if (res->gate && res->gate->enabled) {
		moat_buf_append_str(out, "<p>Gate <code>");
		esc(out, res->gate->rule);
		moat_buf_appendf(out, "</code>: <b>%s</b> (%zu findings break it)</p>\n",
				 res->gate->failed ? "FAILED" : "passed", res->gate->n_breaking);
	}
}

static void finding_row(struct moat_buf *out, const struct moat_vuln_finding *f)
{
	moat_buf_appendf(out, "<tr><td>%d</td><td class=", f->risk.score);
	esc(out, f->severity);
	moat_buf_append_str(out, ">");
	esc(out, f->severity);
	moat_buf_append_str(out, "</td><td>");
	esc(out, f->id);
	moat_buf_append_str(out, "</td><td>");
	esc(out, f->pkg->name);
	moat_buf_append_str(out, "</td><td>");
	esc(out, f->installed_version);
	moat_buf_append_str(out, "</td><td>");
	esc(out, f->fixed_version ? f->fixed_version : "(no fix)");
	moat_buf_append_str(out, "</td><td>");
	esc(out, f->owner);
	moat_buf_appendf(out, "</td><td>%s</td></tr>\n", f->kev ? "KEV" : "");
}

static void findings(struct moat_buf *out, const struct moat_scan_result *res)
{
	const struct moat_image_meta *m = res->meta;

	for (int l = -1; l < (int)m->n_layers; l++) {
		bool header = false;

		for (size_t i = 0; res->vulns && i < res->vulns->count; i++) {
			const struct moat_vuln_finding *f = res->vulns->items[i];

			if (f->suppressed || f->pkg->layer_index != l)
				continue;
			if (!header) {
				moat_buf_appendf(out, "<h3>Layer %d</h3><p><code>", l + 1);
				esc(out, l >= 0 ? m->layers[l].created_by : "unknown layer");
				moat_buf_append_str(out, "</code></p>\n<table><tr><th>Risk</th>"
						    "<th>Severity</th><th>ID</th><th>Package</th>"
						    "<th>Installed</th><th>Fixed</th><th>Owner</th>"
						    "<th>Exploited</th></tr>\n");
				header = true;
			}
			finding_row(out, f);
		}
		if (header)
			moat_buf_append_str(out, "</table>\n");
	}
}

static void packages(struct moat_buf *out, const struct moat_pkg_list *pkgs)
{
	moat_buf_appendf(out, "<h2>Packages (%zu)</h2>\n<table><tr><th>Name</th><th>Version</th>"
			 "<th>Type</th><th>Layer</th></tr>\n", pkgs->count);
	for (size_t i = 0; i < pkgs->count; i++) {
		const struct moat_pkg *p = pkgs->items[i];

		moat_buf_append_str(out, "<tr><td>");
		esc(out, p->name);
		moat_buf_append_str(out, "</td><td>");
		esc(out, p->version);
		moat_buf_append_str(out, "</td><td>");
		esc(out, p->type);
		moat_buf_appendf(out, "</td><td>%d</td></tr>\n", p->layer_index + 1);
	}
	moat_buf_append_str(out, "</table>\n");
}

/* What the scan skipped: the findings above may be incomplete. */
static void warnings(struct moat_buf *out, const struct moat_warnings *w)
{
	if (!moat_warnings_total(w))
		return;
	moat_buf_appendf(out, "<h2>Warnings (%zu)</h2>\n<p>The scan skipped content; findings may "
			 "be incomplete.</p>\n<table><tr><th>Code</th><th>Layer</th><th>Path</th>"
			 "<th>Message</th></tr>\n", moat_warnings_total(w));
	for (size_t i = 0; i < w->count; i++) {
		moat_buf_append_str(out, "<tr><td>");
		esc(out, w->items[i].code);
		moat_buf_append_str(out, "</td><td><code>");
		esc(out, w->items[i].layer_id);
		moat_buf_append_str(out, "</code></td><td><code>");
		esc(out, w->items[i].path);
		moat_buf_append_str(out, "</code></td><td>");
		esc(out, w->items[i].message);
		moat_buf_append_str(out, "</td></tr>\n");
	}
	if (w->dropped)
		moat_buf_appendf(out, "<tr><td colspan=4>%zu more not listed</td></tr>\n", w->dropped);
	moat_buf_append_str(out, "</table>\n");
}

int moat_report_html(struct moat_buf *out, const struct moat_scan_result *res,
		     struct moat_error *err)
{
	const char *image = res->meta->ref ? res->meta->ref : res->meta->config_digest;

	moat_buf_append_str(out, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
			    "<meta http-equiv=Content-Security-Policy content=\"default-src 'none';"
			    " style-src 'unsafe-inline'\"><title>moat: ");
	esc(out, image);
	moat_buf_appendf(out, "</title><style>%s</style></head><body>\n<h1>", style);
	esc(out, image);
	moat_buf_append_str(out, "</h1>\n<p>");
	esc(out, res->os && res->os->pretty_name ? res->os->pretty_name : "unknown OS");
	moat_buf_appendf(out, ", %zu layers, %zu packages</p>\n", res->meta->n_layers,
			 res->pkgs->count);
	if (res->vulns) {
		moat_buf_append_str(out, "<h2>Vulnerabilities</h2>\n");
		summary(out, res);
		findings(out, res);
	} else {
		moat_buf_append_str(out, "<p>No vulnerability DB was used.</p>\n");
	}
	moat_report_html_content(out, res->content);
	warnings(out, res->warnings);
	packages(out, res->pkgs);
	moat_buf_append_str(out, "</body></html>\n");
	if (!out->data)
		return moat_error_set(err, MOAT_E_LIMIT, "writing HTML: out of memory");
	return 0;
}
