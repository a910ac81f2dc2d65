/* SPDX-License-Identifier: Apache-2.0 */
/* suppress.c - ignore files and VEX statements. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "moat/error.h"
#include "match.h"
#include "suppress.h"

#define DOC_MAX_BYTES (16u << 20)

static bool id_matches(const struct moat_vuln_finding *f, const char *id)
{
	if (!strcmp(f->id, id))
		return true;
	for (size_t i = 0; i < f->n_aliases; i++)
		if (f->aliases[i] && !strcmp(f->aliases[i], id))
			return true;
	return false;
}

/* A product/package reference: a name, or a purl compared without its
 * qualifiers and, when the reference has none, without its version. */
static bool pkg_matches(const struct moat_vuln_finding *f, const char *ref)
{
	const char *purl = f->pkg->purl;
	size_t ref_len, purl_len;

	if (!ref || !*ref)
		return true;
	if (strncmp(ref, "pkg:", 4) != 0)
		return !strcmp(ref, f->pkg->name) ||
		       (f->pkg->source_name && !strcmp(ref, f->pkg->source_name));
	if (!purl)
		return false;
	ref_len = strcspn(ref, "?#");
	purl_len = strcspn(purl, "?#");
	if (!memchr(ref, '@', ref_len))
		purl_len = strcspn(purl, "@?#");
	return ref_len == purl_len && !strncmp(ref, purl, ref_len);
}

static void suppress(struct moat_vuln_list *list, const char *id, const char *pkg,
		     const char *reason)
{
	for (size_t i = 0; i < list->count; i++) {
		struct moat_vuln_finding *f = list->items[i];

		if (!f->suppressed && id_matches(f, id) && pkg_matches(f, pkg))
			f->suppressed = reason;
	}
}

static bool expired(const char *word)
{
	struct tm tm = { 0 };
	char today[11];
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	return strcmp(word + 4, today) < 0;
}

int moat_suppress_ignore_file(const char *path, struct moat_vuln_list *list,
			      struct moat_error *err)
{
	struct moat_buf doc;
	char *save = NULL;
	size_t lineno = 0;
	int r;

	moat_buf_init(&doc, 0);
	if ((r = moat_read_file(path, DOC_MAX_BYTES, &doc, err)) < 0)
		goto out;
	for (char *line = strtok_r((char *)doc.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		char *words[3] = { 0 }, *wsave = NULL;
		size_t n = 0;
		bool dead = false;

		lineno++;
		if (hash)
			*hash = '\0';
		for (char *w = strtok_r(line, " \t\r", &wsave); w; w = strtok_r(NULL, " \t\r", &wsave)) {
			if (!strncmp(w, "exp:", 4) && strlen(w) == 14) {
				dead = expired(w);
				continue;
			}
			if (n == 2) {
				r = moat_error_set(err, MOAT_E_FORMAT, "%s: line %zu: want "
						   "ID [PACKAGE] [exp:YYYY-MM-DD] [# reason]",
						   path, lineno);
				goto out;
			}
			words[n++] = w;
		}
		if (n && !dead)
			suppress(list, words[0], words[1], "ignore file");
	}
out:
	moat_buf_release(&doc);
	return r;
}

/* OpenVEX: statements[].{vulnerability (string or {name}), products[] (string or {@id}), status}. */
static void openvex(const json_t *doc, struct moat_vuln_list *list)
{
	const json_t *stmt;
	size_t i;

	json_array_foreach(json_object_get(doc, "statements"), i, stmt) {
		const json_t *vuln = json_object_get(stmt, "vulnerability");
		const char *id = json_is_string(vuln) ? json_string_value(vuln)
						      : moat_json_str(vuln, "name");
		const char *status = moat_json_str(stmt, "status");
		const json_t *products = json_object_get(stmt, "products"), *p;
		size_t k;

		if (!id || !status || (strcmp(status, "not_affected") != 0 && strcmp(status, "fixed") != 0))
			continue;
		if (!json_array_size(products))
			suppress(list, id, NULL, "vex: not affected");
		json_array_foreach(products, k, p) {
			const char *ref = json_is_string(p) ? json_string_value(p)
							    : moat_json_str(p, "@id");

			/* An image-level product (oci purl) covers every package in it. */
			suppress(list, id, ref && !strncmp(ref, "pkg:oci/", 8) ? NULL : ref,
				 !strcmp(status, "fixed") ? "vex: fixed" : "vex: not affected");
		}
	}
}

/* CycloneDX VEX: vulnerabilities[].{id, analysis.state, affects[].ref}. */
static void cyclonedx_vex(const json_t *doc, struct moat_vuln_list *list)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, v) {
		const char *id = moat_json_str(v, "id");
		const char *state = moat_json_str(json_object_get(v, "analysis"), "state");
		const json_t *affects = json_object_get(v, "affects"), *a;
		size_t k;

		if (!id || !state || (strcmp(state, "not_affected") != 0 &&
				      strcmp(state, "false_positive") != 0 &&
				      strncmp(state, "resolved", 8) != 0))
			continue;
		if (!json_array_size(affects))
			suppress(list, id, NULL, "vex: not affected");
		json_array_foreach(affects, k, a) {
			const char *ref = moat_json_str(a, "ref");

			suppress(list, id, ref && !strncmp(ref, "pkg:", 4) ? ref : NULL,
				 "vex: not affected");
		}
	}
}

int moat_suppress_vex(const char *path, struct moat_vuln_list *list, struct moat_error *err)
{
	struct moat_buf text;
	json_t *doc;
	int r;

	moat_buf_init(&text, 0);
	r = moat_read_file(path, DOC_MAX_BYTES, &text, err);
	if (r == 0)
		r = moat_json_parse(text.data, text.len, DOC_MAX_BYTES, path, &doc, err);
	moat_buf_release(&text);
	if (r < 0)
		return r;
	if (json_object_get(doc, "statements"))
		openvex(doc, list);
	else if (json_object_get(doc, "bomFormat") || json_object_get(doc, "vulnerabilities"))
		cyclonedx_vex(doc, list);
	else
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: neither OpenVEX (statements) nor "
				   "CycloneDX VEX (vulnerabilities)", path);
	json_decref(doc);
	return r;
}
