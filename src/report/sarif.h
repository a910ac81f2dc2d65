/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sarif.h - the SARIF 2.1.0 pieces every SARIF writer shares (sarif.c):
 * the document and tool driver, messages, locations, levels.
 */
#ifndef MOAT_REPORT_SARIF_H
#define MOAT_REPORT_SARIF_H

#include <stdbool.h>
#include <stddef.h>

struct moat_buf;
struct moat_error;
struct moat_jw;

/* {"$schema", "version", "runs": [{"tool": {"driver": {name, version,
 * informationUri ... -- left open: the caller adds "rules", closes the driver
 * and the tool, writes "results" and closes the run, runs and document. */
void moat_sarif_open_run(struct moat_jw *jw);
/* "message": {"text": TEXT} */
void moat_sarif_message(struct moat_jw *jw, const char *text);
/* "physicalLocation": {"artifactLocation": {"uri": URI}, "region": {"startLine": LINE}};
 * no region when line is 0. */
void moat_sarif_physical_location_line(struct moat_jw *jw, const char *uri, unsigned line);
/* SARIF level of a severity word: critical/high error, medium warning, else note. */
const char *moat_sarif_level(const char *severity);

/* "id", "shortDescription": {"text": TITLE}, "help": {"text": HELP} of the
 * rule object the caller opened (HELP NULL: ""). */
void moat_sarif_rule_text(struct moat_jw *jw, const char *id, const char *title, const char *help);
/* "tags": ["security", KIND, TAGS[0..n) up to a NULL]. */
void moat_sarif_tags(struct moat_jw *jw, const char *kind, const char *const *tags, size_t n);
/* After the rules: close "rules", the driver and the tool; open "results". */
void moat_sarif_begin_results(struct moat_jw *jw);
/* After the results: close them, the run, "runs" and the document, finish
 * (and a newline). 0, or the error in err. */
int moat_sarif_end(struct moat_jw *jw, struct moat_buf *out, bool newline, struct moat_error *err);

#endif
