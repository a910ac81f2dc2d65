/* SPDX-License-Identifier: Apache-2.0 */
/* junit.c - JUnit XML for Jenkins and GitLab: one test case per gate check. */
#include <stdio.h>
#include <string.h>

#include "base/warn.h"
#include "moat/error.h"
#include "vuln/match.h"
#include "report.h"

void moat_report_xml_escape(struct moat_buf *out, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++) {
		switch (*p) {
		case '&': moat_buf_append_str(out, "&amp;"); break;
		case '<': moat_buf_append_str(out, "&lt;"); break;
		case '>': moat_buf_append_str(out, "&gt;"); break;
		case '"': moat_buf_append_str(out, "&quot;"); break;
		case '\'': moat_buf_append_str(out, "&#39;"); break;
		default:
			/* XML 1.0 forbids most control characters even escaped. */
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
				moat_buf_putc(out, '?');
			else
				moat_buf_putc(out, *p);
		}
	}
}

struct check {
	char name[96];
	int rank;           /* severity rank, or -2 for any */
	bool fixable;
	int risk;           /* <0: not a risk check */
};

static bool breaks(const struct check *c, const struct moat_vuln_finding *f)
{
	if (c->risk >= 0)
		return f->risk.score >= c->risk;
	if (c->rank != -2 && moat_severity_rank(f->severity) != c->rank)
		return false;
	return !c->fixable || f->fixed_version;
}

static size_t make_checks(const struct moat_gate *g, struct check *checks)
{
	static const char *const names[] = { "unknown", "negligible", "low", "medium", "high",
					     "critical" };
	size_t n = 0;

	for (int bit = 5; g && bit >= 0; bit--) {
		if (!(g->fail_on & (1u << bit)))
			continue;
		snprintf(checks[n].name, sizeof(checks[n].name), "no %s vulnerabilities%s", names[bit],
			 g->fail_on_fixable ? " with a fix" : "");
		checks[n].rank = bit - 1;
		checks[n].fixable = g->fail_on_fixable;
		checks[n++].risk = -1;
	}
	if (g && g->fail_on_fixable && !g->fail_on) {
		snprintf(checks[n].name, sizeof(checks[n].name), "no fixable vulnerabilities");
		checks[n].rank = -2;
		checks[n].fixable = true;
		checks[n++].risk = -1;
	}
	if (g && g->fail_on_risk >= 0) {
		snprintf(checks[n].name, sizeof(checks[n].name), "no finding with risk %d or more",
			 g->fail_on_risk);
		checks[n].rank = -2;
		checks[n++].risk = g->fail_on_risk;
	}
	return n;
}

static void testcase(struct moat_buf *out, const struct check *c, const struct moat_scan_result *res,
		     size_t *ret_failed)
{
	size_t hits = 0;

	for (size_t i = 0; res->vulns && i < res->vulns->count; i++)
		hits += !res->vulns->items[i]->suppressed && breaks(c, res->vulns->items[i]);
	moat_buf_append_str(out, "    <testcase classname=\"moat.gate\" name=\"");
	moat_report_xml_escape(out, c->name);
	moat_buf_append_str(out, "\">\n");
	if (hits) {
		moat_buf_appendf(out, "      <failure type=\"vulnerability\" message=\"%zu finding%s\">",
				 hits, hits == 1 ? "" : "s");
		for (size_t i = 0; i < res->vulns->count; i++) {
			const struct moat_vuln_finding *f = res->vulns->items[i];
			char line[512];

			if (f->suppressed || !breaks(c, f))
				continue;
			snprintf(line, sizeof(line), "%s %s %s %s -> %s (layer %s, owner %s, risk %d)\n",
				 f->id, f->severity, f->pkg->name, f->installed_version,
				 f->fixed_version ? f->fixed_version : "no fix", f->pkg->layer ? f->pkg->layer : "?",
				 f->owner, f->risk.score);
			moat_report_xml_escape(out, line);
		}
		moat_buf_append_str(out, "</failure>\n");
		(*ret_failed)++;
	}
	moat_buf_append_str(out, "    </testcase>\n");
}

/* What the scan skipped: not a failed check (--strict makes it one through
 * the exit code), but a CI page should show that the results may be incomplete. */
static void system_err(struct moat_buf *out, const struct moat_warnings *warnings)
{
	if (!moat_warnings_total(warnings))
		return;
	moat_buf_append_str(out, "    <system-err>");
	for (size_t i = 0; i < warnings->count; i++) {
		const struct moat_warning *w = &warnings->items[i];

		moat_buf_append_str(out, "warning: ");
		moat_report_xml_escape(out, w->code);
		moat_buf_append_str(out, ": ");
		moat_report_xml_escape(out, w->message);
		if (w->layer_id) {
			moat_buf_append_str(out, " (layer ");
			moat_report_xml_escape(out, w->layer_id);
			moat_buf_putc(out, ')');
		}
		moat_buf_putc(out, '\n');
	}
	if (warnings->dropped)
		moat_buf_appendf(out, "warning: %zu more warnings not listed\n", warnings->dropped);
	moat_buf_append_str(out, "</system-err>\n");
}

int moat_report_junit(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err)
{
	struct check checks[8];
	size_t n = make_checks(res->gate && res->gate->enabled ? res->gate : NULL, checks);
	size_t failed = 0;
	struct moat_buf body;
	const char *image = res->meta->ref ? res->meta->ref : "image";

	/* Without a gate, one informational check: the scan itself. */
	if (!n) {
		snprintf(checks[0].name, sizeof(checks[0].name), "vulnerability scan (no gate set)");
		checks[0].rank = -3; /* matches nothing */
		checks[0].fixable = false;
		checks[0].risk = -1;
		n = 1;
	}
	moat_buf_init(&body, 0);
	for (size_t i = 0; i < n; i++)
		testcase(&body, &checks[i], res, &failed);
	n += moat_report_junit_content(&body, res->content, &failed);
	moat_buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	moat_buf_appendf(out, "<testsuites name=\"moat\" tests=\"%zu\" failures=\"%zu\">\n", n, failed);
	moat_buf_append_str(out, "  <testsuite name=\"moat scan ");
	moat_report_xml_escape(out, image);
	moat_buf_appendf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", n,
			 failed);
	moat_buf_append(out, body.data ? (const char *)body.data : "", body.len);
	system_err(out, res->warnings);
	moat_buf_append_str(out, "  </testsuite>\n</testsuites>\n");
	moat_buf_release(&body);
	if (!out->data)
		return moat_error_set(err, MOAT_E_LIMIT, "writing JUnit: out of memory");
	return 0;
}
