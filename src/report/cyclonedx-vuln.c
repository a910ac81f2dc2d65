/* SPDX-License-Identifier: Apache-2.0 */
/* cyclonedx-vuln.c - findings as CycloneDX 1.5/1.6 vulnerabilities (VDR). */
#include <string.h>

#include "base/jsonw.h"
#include "vuln/match.h"
#include "sbom.h"

static const char *source_url(const char *id)
{
	if (!strncmp(id, "CVE-", 4))
		return "https://nvd.nist.gov/vuln/detail/";
	if (!strncmp(id, "GHSA-", 5))
		return "https://github.com/advisories/";
	return "https://osv.dev/vulnerability/";
}

static const char *bom_ref_of(const struct moat_pkg *pkg, const struct moat_pkg_list *pkgs,
			      const char *const *bom_refs)
{
	for (size_t i = 0; pkgs && i < pkgs->count; i++)
		if (pkgs->items[i] == pkg)
			return bom_refs[i];
	return NULL;
}

static void rating(struct moat_jw *jw, const struct moat_vuln_finding *f)
{
	moat_jw_key(jw, "ratings");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	if (f->cvss_score >= 0) {
		moat_jw_key(jw, "score");
		moat_jw_double(jw, f->cvss_score);
	}
	/* CycloneDX severities: critical high medium low info none unknown. */
	moat_jw_kstr(jw, "severity", !strcmp(f->severity, "negligible") ? "info" : f->severity);
	if (f->cvss_version)
		moat_jw_kstr(jw, "method", !strcmp(f->cvss_version, "4.0") ? "CVSSv4"
					   : !strcmp(f->cvss_version, "3.0") ? "CVSSv3" : "CVSSv31");
	if (f->cvss_vector)
		moat_jw_kstr(jw, "vector", f->cvss_vector);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
}

static void one(struct moat_jw *jw, const struct moat_vuln_finding *f, const char *ref)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", f->id);
	moat_jw_key(jw, "source");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "url", source_url(f->id));
	moat_jw_obj_end(jw);
	rating(jw, f);
	if (f->summary)
		moat_jw_kstr(jw, "description", f->summary);
	if (f->fixed_version)
		moat_jw_kstr(jw, "recommendation", "upgrade");
	moat_jw_key(jw, "affects");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ref", ref);
	moat_jw_key(jw, "versions");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "version", f->installed_version);
	moat_jw_kstr(jw, "status", "affected");
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_key(jw, "properties");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "name", "moat:fixed_version");
	moat_jw_kstr(jw, "value", f->fixed_version ? f->fixed_version : "");
	moat_jw_obj_end(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "name", "moat:owner");
	moat_jw_kstr(jw, "value", f->owner);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

void report_cdx_vulnerabilities(struct moat_jw *jw, const struct moat_vuln_list *vulns,
				const struct moat_pkg_list *pkgs, const char *const *bom_refs)
{
	moat_jw_key(jw, "vulnerabilities");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < vulns->count; i++) {
		const struct moat_vuln_finding *f = vulns->items[i];
		const char *ref = bom_ref_of(f->pkg, pkgs, bom_refs);

		if (!f->suppressed && ref)
			one(jw, f, ref);
	}
	moat_jw_arr_end(jw);
}
