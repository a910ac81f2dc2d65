/* SPDX-License-Identifier: Apache-2.0 */
/* match.c - find the advisories that apply to each installed package. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "image/image.h"
#include "moat/error.h"
#include "sbom/os.h"
#include "vuln/version.h"
#include "vuln/vulndb.h"
#include "match.h"

static const struct {
	const char *purl_type;
	const char *ecosystem;
} lang_ecosystems[] = {
	{ "pypi", "PyPI" },       { "golang", "Go" },        { "npm", "npm" },
	{ "cargo", "crates.io" }, { "maven", "Maven" },      { "gem", "RubyGems" },
	{ "composer", "Packagist" }, { "nuget", "NuGet" },
};

/* "3.18.4" -> "3.18": Alpine's secdb and OSV name branches by major.minor. */
static int major_minor(const char *v, char *buf, size_t len)
{
	const char *dot = strchr(v, '.');
	size_t n = dot ? strcspn(dot + 1, ".") + (size_t)(dot - v) + 1 : strlen(v);

	return snprintf(buf, len, "%.*s", (int)n, v);
}

static const char *os_ecosystem(const struct moat_os *os, const char *type, char *buf, size_t len)
{
	const char *vid = os->version_id;
	char mm[32];

	if (!os->id)
		return NULL;
	if (!strcmp(type, "deb") && !strcmp(os->id, "debian")) {
		if (!vid)   /* testing/sid carry no VERSION_ID */
			return "Debian:unstable";
		snprintf(buf, len, "Debian:%.*s", (int)strcspn(vid, "."), vid);
		return buf;
	}
	if (!strcmp(type, "deb") && !strcmp(os->id, "ubuntu") && vid) {
		snprintf(buf, len, "Ubuntu:%s", vid);
		return buf;
	}
	if (!strcmp(type, "apk") && !strcmp(os->id, "alpine") && vid) {
		major_minor(vid, mm, sizeof(mm));
		snprintf(buf, len, "Alpine:v%s", mm);
		return buf;
	}
	if (!strcmp(type, "rpm") && vid) {
		static const struct { const char *id, *eco; } rpm[] = {
			{ "rhel", "Red Hat" }, { "almalinux", "AlmaLinux" },
			{ "rocky", "Rocky Linux" }, { "opensuse-leap", "openSUSE" },
			{ "sles", "SUSE" }, { "amzn", "Amazon Linux" }, { "fedora", "Fedora" },
		};
		for (size_t i = 0; i < sizeof(rpm) / sizeof(rpm[0]); i++)
			if (!strcmp(os->id, rpm[i].id)) {
				snprintf(buf, len, "%s:%.*s", rpm[i].eco, (int)strcspn(vid, "."), vid);
				return buf;
			}
	}
	return NULL;
}

const char *moat_match_ecosystem(const struct moat_os *os, const struct moat_pkg *pkg, char *buf,
				 size_t len)
{
	for (size_t i = 0; i < sizeof(lang_ecosystems) / sizeof(lang_ecosystems[0]); i++)
		if (!strcmp(pkg->type, lang_ecosystems[i].purl_type))
			return lang_ecosystems[i].ecosystem;
	return os_ecosystem(os, pkg->type, buf, len);
}

int moat_severity_rank(const char *severity)
{
	static const char *const order[] = { "negligible", "low", "medium", "high", "critical" };

	for (int i = 0; severity && i < 5; i++)
		if (!strcmp(severity, order[i]))
			return i;
	return -1;
}

const char *moat_vuln_status_name(enum moat_vuln_status status)
{
	switch (status) {
	case MOAT_VULN_FIXED: return "fixed";
	case MOAT_VULN_AFFECTED: return "affected";
	case MOAT_VULN_WONT_FIX: return "wont-fix";
	}
	return "affected";
}

/* The name advisories use for this package, and the version to compare. */
static void match_key(const struct moat_pkg *pkg, const char **ret_name, const char **ret_version)
{
	*ret_name = pkg->name;
	*ret_version = pkg->version;
	/* Distro advisories name source packages and source versions (a binNMU
	 * "+b1" binary still carries its source's fix). */
	if (moat_pkg_is_os(pkg)) {
		if (pkg->source_name && *pkg->source_name)
			*ret_name = pkg->source_name;
		if (!strcmp(pkg->type, "deb") && pkg->source_version && *pkg->source_version)
			*ret_version = pkg->source_version;
	}
	/* Go's toolchain: the Go vulndb writes "1.21.3" where binaries say "go1.21.3". */
	if (!strcmp(pkg->type, "golang") && !strncmp(*ret_version, "go", 2))
		*ret_version += 2;
}

/* Does the entry apply to version? Sets *ret_fixed to the fix of the interval. */
static int entry_applies(enum moat_vscheme scheme, const struct moat_vulndb_entry *e,
			 const char *version, bool *ret_hit, const char **ret_fixed,
			 struct moat_error *err)
{
	bool in = false;
	int r = 0;

	*ret_hit = false;
	*ret_fixed = NULL;
	if (e->status == MOAT_ADV_NOT_AFFECTED)
		return 0;
	if (!e->n_ranges && !e->n_versions) {
		/* No ranges: "open" / "will not fix" entries cover every version. */
		*ret_hit = e->status == MOAT_ADV_UNFIXED || e->status == MOAT_ADV_WONT_FIX;
		return 0;
	}
	/* Ranges first: a version listed in versions[] too still gets its
	 * interval's fix. */
	for (size_t i = 0; i < e->n_ranges && !in && r == 0; i++) {
		r = moat_ranges_contain(scheme, e->range_type, &e->ranges[i], 1, version, &in, err);
		if (in)
			*ret_fixed = e->ranges[i].fixed;
	}
	/* An explicit listing holds even when the version does not parse. */
	for (size_t i = 0; i < e->n_versions && !in; i++)
		in = !strcmp(e->versions[i], version);
	if (in && r < 0)
		memset(err, 0, sizeof(*err));
	*ret_hit = in;
	return in ? 0 : r;
}

static const char *severity_from_score(double score)
{
	if (score < 0)
		return NULL;
	if (score >= 9.0)
		return "critical";
	if (score >= 7.0)
		return "high";
	if (score >= 4.0)
		return "medium";
	if (score > 0)
		return "low";
	return "negligible";
}

/* Debian urgencies and feed words onto our scale. */
static const char *vendor_to_severity(const char *vendor)
{
	static const struct { const char *word, *sev; } map[] = {
		{ "unimportant", "negligible" }, { "negligible", "negligible" },
		{ "low", "low" }, { "medium", "medium" }, { "moderate", "medium" },
		{ "high", "high" }, { "important", "high" }, { "critical", "critical" },
	};

	for (size_t i = 0; vendor && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(vendor, map[i].word, strlen(map[i].word)))
			return map[i].sev;
	return NULL;
}

/* "debian-12" -> "debian-urgency" (the tracker's word), "alpine-3.19" ->
 * "alpine-severity". */
static const char *vendor_source(struct moat_arena *arena, const struct moat_pkg *pkg)
{
	const char *d = pkg->distro ? pkg->distro : pkg->type;
	size_t n = strcspn(d, "-");

	if (!strcmp(pkg->type, "deb") && !strncmp(d, "debian", n))
		return "debian-urgency";
	return moat_arena_printf(arena, "%.*s-severity", (int)n, d);
}

static void take_vendor(struct moat_arena *arena, struct moat_vuln_finding *f)
{
	const char *sev = vendor_to_severity(f->vendor_severity);

	if (sev) {
		f->severity = sev;
		f->severity_source = vendor_source(arena, f->pkg);
	}
}

/* The severity and who gave it. A distribution rates the flaw as it
 * affects its build (often lower than upstream's CVSS): for OS packages
 * its word comes first. Otherwise CVSS first (comparable across feeds),
 * then the record's own word, then the vendor's. */
static void pick_severity(struct moat_arena *arena, struct moat_vuln_finding *f,
			  const char *record_word)
{
	const char *sev;

	f->severity = NULL;
	if (moat_pkg_is_os(f->pkg))
		take_vendor(arena, f);
	if (!f->severity && (sev = severity_from_score(f->cvss_score)) != NULL) {
		f->severity = sev;
		f->severity_source = f->cvss_source && strstr(f->cvss_source, "nvd@nist.gov") ? "nvd"
											       : "osv";
	}
	if (!f->severity && record_word && strcmp(record_word, "unknown") != 0) {
		f->severity = record_word;
		f->severity_source = "advisory";
	}
	if (!f->severity)
		take_vendor(arena, f);
	if (!f->severity)
		f->severity = "unknown";
}

static int fill_vuln(const struct moat_vulndb *db, struct moat_arena *arena,
		     struct moat_vuln_finding *f, struct moat_error *err)
{
	struct moat_vulndb_vuln v;
	int r = moat_vulndb_vuln(db, f->id, &v, err);

	f->cvss_score = -1;
	f->epss = -1;
	f->epss_percentile = -1;
	if (r == MOAT_E_NOTFOUND) {
		memset(err, 0, sizeof(*err));
		pick_severity(arena, f, NULL);
		return 0;
	}
	if (r < 0)
		return r;
	f->summary = v.summary;
	f->published = v.published;
	if (v.cvss3_vector || v.cvss3_score >= 0) {
		f->cvss_version = v.cvss3_vector && !strncmp(v.cvss3_vector, "CVSS:3.0", 8) ? "3.0"
											: "3.1";
		f->cvss_vector = v.cvss3_vector;
		f->cvss_score = v.cvss3_score;
		f->cvss_source = v.cvss_source;
	} else if (v.cvss4_vector || v.cvss4_score >= 0) {
		f->cvss_version = "4.0";
		f->cvss_vector = v.cvss4_vector;
		f->cvss_score = v.cvss4_score;
	}
	f->kev = v.kev;
	f->kev_date_added = v.kev_date_added;
	f->epss = v.epss;
	f->epss_percentile = v.epss_percentile;
	f->aliases = moat_arena_calloc(arena, v.n_aliases + 1, sizeof(*f->aliases));
	if (!f->aliases)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < v.n_aliases; i++)
		f->aliases[f->n_aliases++] = moat_vulndb_vuln_alias(db, &v, i);
	pick_severity(arena, f, v.severity);
	return 0;
}

/* Ids and aliases already reported for one package: a flaw that several
 * feeds describe (a DSA, its CVE, a GHSA) is one finding. */
static bool seen(const struct moat_hmap *ids, const struct moat_vuln_finding *f)
{
	if (moat_hmap_get(ids, f->id, strlen(f->id)))
		return true;
	for (size_t a = 0; a < f->n_aliases; a++)
		if (f->aliases[a] && moat_hmap_get(ids, f->aliases[a], strlen(f->aliases[a])))
			return true;
	return false;
}

static int remember(struct moat_hmap *ids, struct moat_vuln_finding *f)
{
	int r = moat_hmap_put(ids, f->id, strlen(f->id), f);

	for (size_t a = 0; r == 0 && a < f->n_aliases; a++)
		if (f->aliases[a])
			r = moat_hmap_put(ids, f->aliases[a], strlen(f->aliases[a]), f);
	return r;
}

static int list_add(struct moat_arena *arena, struct moat_vuln_list *list,
		    struct moat_vuln_finding *f, struct moat_error *err)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct moat_vuln_finding **items =
			moat_arena_grow(arena, list->items, list->count, cap,
					sizeof(struct moat_vuln_finding *)); /* NOLINT(bugprone-sizeof-expression) */

		if (!items)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		list->items = items;
		list->cap = cap;
	}
	list->items[list->count++] = f;
	return 0;
}

static enum moat_vuln_status status_of(const struct moat_vulndb_entry *e, const char *fixed)
{
	if (fixed && *fixed)
		return MOAT_VULN_FIXED;
	return e->status == MOAT_ADV_WONT_FIX ? MOAT_VULN_WONT_FIX : MOAT_VULN_AFFECTED;
}

static int match_entries(const struct moat_vulndb *db, const struct moat_image_meta *meta,
			 const struct moat_pkg *pkg, enum moat_vscheme scheme, const char *version,
			 struct moat_vulndb_cursor *cur, struct moat_hmap *ids,
			 struct moat_arena *arena, struct moat_vuln_list *out, struct moat_error *err);

static int match_pkg(const struct moat_vulndb *db, const struct moat_os *os,
		     const struct moat_image_meta *meta, const struct moat_pkg *pkg,
		     struct moat_arena *arena, struct moat_vuln_list *out, struct moat_error *err)
{
	char ecobuf[64];
	const char *eco = moat_match_ecosystem(os, pkg, ecobuf, sizeof(ecobuf));
	const char *name, *version;
	enum moat_vscheme scheme;
	struct moat_vulndb_cursor cur;
	struct moat_hmap ids;
	int r;

	/* Its OS package is matched through the distribution's advisories,
	 * which know about backported fixes; upstream ranges do not. */
	if (!eco || pkg->os_package)
		return 0;
	scheme = moat_vscheme_for(eco);
	match_key(pkg, &name, &version);
	if ((r = moat_vulndb_find(db, eco, name, &cur)) < 0)
		return r;
	moat_hmap_init(&ids);
	r = match_entries(db, meta, pkg, scheme, version, &cur, &ids, arena, out, err);
	moat_hmap_release(&ids);
	return r;
}

static int match_entries(const struct moat_vulndb *db, const struct moat_image_meta *meta,
			 const struct moat_pkg *pkg, enum moat_vscheme scheme, const char *version,
			 struct moat_vulndb_cursor *cur, struct moat_hmap *ids,
			 struct moat_arena *arena, struct moat_vuln_list *out, struct moat_error *err)
{
	struct moat_vulndb_entry e;
	const char *fixed;
	bool hit;
	int r;

	while (moat_vulndb_next(cur, &e)) {
		r = entry_applies(scheme, &e, version, &hit, &fixed, err);
		if (r == MOAT_E_FORMAT || r == MOAT_E_LIMIT) {
			/* An unparsable version in one advisory must not hide the others. */
			memset(err, 0, sizeof(*err));
			continue;
		}
		if (r < 0)
			return r;
		if (!hit || moat_hmap_get(ids, e.vuln_id, strlen(e.vuln_id)))
			continue;
		struct moat_vuln_finding *f = moat_arena_zalloc(arena, sizeof(*f));

		if (!f)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		f->pkg = pkg;
		f->id = e.vuln_id;
		f->installed_version = pkg->version;
		f->fixed_version = fixed;
		f->status = status_of(&e, fixed);
		f->note = e.note;
		f->vendor_severity = e.severity;
		f->owner = "unknown";
		if (meta && pkg->layer_index >= 0 && (size_t)pkg->layer_index < meta->n_layers)
			f->created_by = meta->layers[pkg->layer_index].created_by;
		if ((r = fill_vuln(db, arena, f, err)) < 0)
			return r;
		if (seen(ids, f))
			continue;
		if (remember(ids, f) < 0)
			return moat_error_set(err, -ENOMEM, "out of memory");
		if ((r = list_add(arena, out, f, err)) < 0)
			return r;
	}
	return 0;
}

int moat_vuln_match(const struct moat_vulndb *db, const struct moat_os *os,
		    const struct moat_image_meta *meta, const struct moat_pkg_list *pkgs,
		    struct moat_arena *arena, struct moat_vuln_list *out, struct moat_error *err)
{
	for (size_t i = 0; i < pkgs->count; i++) {
		int r = match_pkg(db, os, meta, pkgs->items[i], arena, out, err);

		if (r < 0)
			return moat_error_prefix(err, "matching %s %s: ", pkgs->items[i]->name,
						 pkgs->items[i]->version);
	}
	return 0;
}
