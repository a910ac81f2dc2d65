/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spdx.c - SPDX 2.3 JSON for one image, and SPDX licence id/expression checks.
 *
 * Shape: the document DESCRIBES the image package (purpose CONTAINER), which
 * CONTAINS the OS package (OPERATING_SYSTEM) and one LIBRARY package per
 * moat_pkg. Licence fields are NOASSERTION unless the package's licence is a
 * valid SPDX expression of ids we know; licenseConcluded stays NOASSERTION
 * because moat reads what a package declares and concludes nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "base/jsonw.h"
#include "sbom.h"

/* Nesting of parentheses accepted in a licence expression. */
#define LICENSE_EXPR_DEPTH 16
/* Bytes of a package name kept in its SPDXID; the index keeps ids unique. */
#define SPDXID_NAME_MAX 64

/*
 * Licence ids common in distro and language packages. Every entry is on the
 * SPDX licence list and in CycloneDX's spdx.schema.json enum (report_test
 * checks that), so emitting one as license.id can never fail validation.
 * Deprecated ids (GPL-2.0, GPL-2.0+, ...) are kept: Alpine and RPM still use them.
 */
static const char *const known_ids[] = {
	"0BSD", "AFL-2.1", "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.0",
	"Apache-1.1", "Apache-2.0", "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0",
	"Beerware", "BlueOak-1.0.0", "BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent",
	"BSD-3-Clause", "BSD-4-Clause", "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0", "CC-BY-4.0",
	"CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "CDDL-1.1", "curl", "EPL-1.0",
	"EPL-2.0", "FSFAP", "FSFUL", "FSFULLR", "GFDL-1.2-only", "GFDL-1.2-or-later",
	"GFDL-1.3-only", "GFDL-1.3-or-later", "GPL-1.0", "GPL-1.0+", "GPL-1.0-only",
	"GPL-1.0-or-later", "GPL-2.0", "GPL-2.0+", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0",
	"GPL-3.0+", "GPL-3.0-only", "GPL-3.0-or-later", "HPND", "ICU", "IJG", "Info-ZIP", "ISC",
	"LGPL-2.0", "LGPL-2.0+", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1+",
	"LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0", "LGPL-3.0+", "LGPL-3.0-only",
	"LGPL-3.0-or-later", "Libpng", "libpng-2.0", "libtiff", "MIT", "MIT-0", "MIT-CMU",
	"MPL-1.1", "MPL-2.0", "MPL-2.0-no-copyleft-exception", "NCSA", "NTP", "OFL-1.1",
	"OLDAP-2.8", "OpenSSL", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby",
	"Sleepycat", "Spencer-94", "TCL", "Unicode-DFS-2016", "Unlicense", "Vim", "W3C", "WTFPL",
	"X11", "Zlib", "zlib-acknowledgement", "ZPL-2.1", NULL,
};

static const char *const known_exceptions[] = {
	"Autoconf-exception-2.0", "Autoconf-exception-3.0", "Bison-exception-2.2",
	"Classpath-exception-2.0", "Font-exception-2.0", "GCC-exception-2.0", "GCC-exception-3.1",
	"Libtool-exception", "Linux-syscall-note", "LLVM-exception",
	"OpenJDK-assembly-exception-1.0", "openvpn-openssl-exception", "Qt-LGPL-exception-1.1",
	NULL,
};

const char *const *report_spdx_known_ids(void)
{
	return known_ids;
}

const char *const *report_spdx_known_exceptions(void)
{
	return known_exceptions;
}

/* SPDX says ids match case-insensitively; we always write the listed spelling. */
static const char *table_lookup(const char *const *table, const char *s, size_t len)
{
	for (size_t i = 0; table[i]; i++) {
		if (strlen(table[i]) == len && strncasecmp(table[i], s, len) == 0)
			return table[i];
	}
	return NULL;
}

const char *report_spdx_license_id(const char *id, size_t len)
{
	return id ? table_lookup(known_ids, id, len) : NULL;
}

/* Licence expression parser (SPDX 2.3 Annex D): OR < AND < WITH, '+' suffix, parens. */
struct lic_lexer {
	const char *p;
	struct moat_buf *out;
	int depth;
	int err;                          /* first error; parsing stops there */
};

struct lic_token {
	const char *s;
	size_t len;
};

static struct lic_token lic_peek(struct lic_lexer *lx)
{
	const char *p = lx->p;
	size_t len = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	lx->p = p;
	if (*p == '(' || *p == ')')
		return (struct lic_token){ p, 1 };
	while (p[len] && p[len] != ' ' && p[len] != '\t' && p[len] != '\n' && p[len] != '\r' &&
	       p[len] != '(' && p[len] != ')')
		len++;
	return (struct lic_token){ p, len };
}

static bool lic_is(struct lic_token t, const char *word)
{
	return t.len == strlen(word) && memcmp(t.s, word, t.len) == 0;
}

/* "LicenseRef-" idstring, idstring = [A-Za-z0-9.-]+ (SPDX 2.3 annex D). */
static bool lic_is_ref(struct lic_token t)
{
	if (t.len <= 11 || memcmp(t.s, "LicenseRef-", 11) != 0)
		return false;
	for (size_t i = 11; i < t.len; i++)
		if (!isalnum((unsigned char)t.s[i]) && t.s[i] != '.' && t.s[i] != '-')
			return false;
	return true;
}

static void lic_emit(struct lic_lexer *lx, const char *s, size_t len)
{
	if (!lx->err)
		lx->err = moat_buf_append(lx->out, s, len);
}

static void lic_or(struct lic_lexer *lx);

/* license-id ['+'] [WITH exception-id], or '(' expression ')' */
static void lic_simple(struct lic_lexer *lx)
{
	struct lic_token t = lic_peek(lx);
	bool plus;
	const char *id;

	if (lic_is(t, "(")) {
		if (++lx->depth > LICENSE_EXPR_DEPTH) {
			lx->err = MOAT_E_LIMIT;
			return;
		}
		lx->p++;
		lic_emit(lx, "(", 1);
		lic_or(lx);
		if (lx->err)
			return;
		if (!lic_is(lic_peek(lx), ")")) {
			lx->err = MOAT_E_FORMAT;
			return;
		}
		lx->p++;
		lic_emit(lx, ")", 1);
		lx->depth--;
		return;
	}
	/* A document-local id ("LicenseRef-public-domain", from a Debian
	 * copyright file): valid as is; the SPDX writer declares it. */
	if (lic_is_ref(t)) {
		lx->p += t.len;
		lic_emit(lx, t.s, t.len);
		return;
	}
	/* Exact ids first: the deprecated "GPL-2.0+" is an id of its own. */
	id = report_spdx_license_id(t.s, t.len);
	plus = !id && t.len > 1 && t.s[t.len - 1] == '+';
	if (plus)
		id = report_spdx_license_id(t.s, t.len - 1);
	if (!id) {
		lx->err = MOAT_E_FORMAT;
		return;
	}
	lx->p += t.len;
	lic_emit(lx, id, strlen(id));
	if (plus)
		lic_emit(lx, "+", 1);
	if (!lic_is(lic_peek(lx), "WITH"))
		return;
	lx->p += 4;
	t = lic_peek(lx);
	id = table_lookup(known_exceptions, t.s, t.len);
	if (!id) {
		lx->err = MOAT_E_FORMAT;
		return;
	}
	lx->p += t.len;
	lic_emit(lx, " WITH ", 6);
	lic_emit(lx, id, strlen(id));
}

static void lic_and(struct lic_lexer *lx)
{
	lic_simple(lx);
	while (!lx->err && lic_is(lic_peek(lx), "AND")) {
		lx->p += 3;
		lic_emit(lx, " AND ", 5);
		lic_simple(lx);
	}
}

static void lic_or(struct lic_lexer *lx)
{
	lic_and(lx);
	while (!lx->err && lic_is(lic_peek(lx), "OR")) {
		lx->p += 2;
		lic_emit(lx, " OR ", 4);
		lic_and(lx);
	}
}

const char *report_spdx_license_expr(struct moat_arena *arena, const char *expr)
{
	struct moat_buf out;
	struct lic_lexer lx = { .p = expr, .out = &out };
	const char *result = NULL;

	if (!expr)
		return NULL;
	/* Canonical output only drops or adds single spaces. */
	moat_buf_init(&out, 2 * strlen(expr) + 16);
	lic_or(&lx);
	if (!lx.err && lic_peek(&lx).len == 0 && out.len > 0)
		result = moat_arena_strndup(arena, (const char *)out.data, out.len);
	moat_buf_release(&out);
	return result;
}

/* SPDX writer proper. */

struct spdx_pkg_view {
	const char *spdxid;
	const char *name;
	const char *version;              /* NULL = omitted */
	const char *purl;                 /* NULL = no externalRefs */
	const char *license;              /* valid expression or NULL */
	const char *purpose;              /* primaryPackagePurpose */
	const char *description;
	const char *source_info;
	const struct moat_pkg_hash *hashes;
	size_t n_hashes;
};

struct spdx {
	struct moat_jw jw;
	struct report_sbom_ctx ctx;
	const struct moat_sbom_input *in;
	const char **ids;                 /* per package SPDXID */
};

/* SPDXIDs allow only [a-zA-Z0-9.-]; anything else becomes '-'. */
static int spdxid_put(struct moat_buf *b, const char *s, size_t max)
{
	int r = 0;

	for (size_t i = 0; s[i] && i < max && r == 0; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-';

		if (!ok)
			c = '-';
		r = moat_buf_putc(b, c);
	}
	return r;
}

/*
 * SPDXRef-Package-<type>-<name>-<index>. The index is the only part after the
 * last '-' and no two packages share one, so ids are unique whatever the names.
 */
static const char *spdxid_for(struct moat_arena *arena, const struct moat_pkg *pkg, size_t i)
{
	struct moat_buf b;
	const char *id = NULL;

	int r;

	moat_buf_init(&b, 0);
	r = moat_buf_append_str(&b, "SPDXRef-Package-");
	if (r == 0)
		r = spdxid_put(&b, pkg->type, SPDXID_NAME_MAX);
	if (r == 0)
		r = moat_buf_putc(&b, '-');
	if (r == 0)
		r = spdxid_put(&b, pkg->name, SPDXID_NAME_MAX);
	if (r == 0)
		r = moat_buf_appendf(&b, "-%zu", i);
	if (r == 0)
		id = moat_arena_strndup(arena, (const char *)b.data, b.len);
	moat_buf_release(&b);
	return id;
}

static int spdx_ids(struct spdx *s)
{
	size_t n = s->in->pkgs ? s->in->pkgs->count : 0;

	s->ids = moat_arena_newarray(s->ctx.arena, const char *, n ? n : 1);
	if (!s->ids)
		return MOAT_E_LIMIT;
	for (size_t i = 0; i < n; i++) {
		s->ids[i] = spdxid_for(s->ctx.arena, s->in->pkgs->items[i], i);
		if (!s->ids[i])
			return MOAT_E_LIMIT;
	}
	return 0;
}

static void spdx_purl_ref(struct moat_jw *jw, const char *purl)
{
	moat_jw_key(jw, "externalRefs");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "referenceCategory", "PACKAGE-MANAGER");
	moat_jw_kstr(jw, "referenceType", "purl");
	moat_jw_kstr(jw, "referenceLocator", purl);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
}

static void spdx_package(struct moat_jw *jw, const struct spdx_pkg_view *v)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "name", v->name);
	moat_jw_kstr(jw, "SPDXID", v->spdxid);
	if (v->version)
		moat_jw_kstr(jw, "versionInfo", v->version);
	moat_jw_kstr(jw, "downloadLocation", "NOASSERTION");
	/* No file list: filesAnalyzed true would demand a verification code. */
	moat_jw_kbool(jw, "filesAnalyzed", false);
	moat_jw_kstr(jw, "licenseConcluded", "NOASSERTION");
	moat_jw_kstr(jw, "licenseDeclared", v->license ? v->license : "NOASSERTION");
	moat_jw_kstr(jw, "copyrightText", "NOASSERTION");
	report_sbom_hashes(jw, v->hashes, v->n_hashes, true);
	if (v->description)
		moat_jw_kstr(jw, "description", v->description);
	if (v->source_info)
		moat_jw_kstr(jw, "sourceInfo", v->source_info);
	if (v->purl)
		spdx_purl_ref(jw, v->purl);
	moat_jw_kstr(jw, "primaryPackagePurpose", v->purpose);
	moat_jw_obj_end(jw);
}

static void spdx_image(struct spdx *s)
{
	const struct moat_image_meta *meta = s->in->meta;
	struct spdx_pkg_view v = {
		.spdxid = "SPDXRef-Image",
		.name = s->ctx.image_name,
		.version = meta->config_digest,
		.purl = s->ctx.image_purl,
		.purpose = "CONTAINER",
	};

	if (meta->manifest_digest)
		v.source_info = moat_arena_printf(s->ctx.arena, "image manifest %s",
						  meta->manifest_digest);
	spdx_package(&s->jw, &v);
}

static bool spdx_has_os(const struct spdx *s)
{
	return s->in->os && s->in->os->id && *s->in->os->id;
}

static void spdx_os(struct spdx *s)
{
	const struct moat_os *os = s->in->os;
	struct spdx_pkg_view v = {
		.spdxid = "SPDXRef-OperatingSystem",
		.name = os->id,
		.version = os->version_id,
		.purpose = "OPERATING_SYSTEM",
		.description = os->pretty_name,
	};

	spdx_package(&s->jw, &v);
}

/* Where the package was found, in words, so a reader can go and look. */
static const char *spdx_source_info(struct moat_arena *arena, const struct moat_pkg *pkg)
{
	const char *db = pkg->db_path ? pkg->db_path : "an unknown database";

	if (pkg->layer && pkg->layer_index >= 0)
		return moat_arena_printf(arena, "found by moat in %s, layer %d (%s)", db,
					 pkg->layer_index, pkg->layer);
	if (pkg->layer)
		return moat_arena_printf(arena, "found by moat in %s, layer %s", db, pkg->layer);
	return moat_arena_printf(arena, "found by moat in %s", db);
}

static void spdx_pkg(struct spdx *s, size_t i)
{
	const struct moat_pkg *pkg = s->in->pkgs->items[i];
	struct spdx_pkg_view v = {
		.spdxid = s->ids[i],
		.name = pkg->name,
		.version = pkg->version,
		.purl = s->ctx.pkg_purls[i],
		.license = report_spdx_license_expr(s->ctx.arena, pkg->license),
		.purpose = "LIBRARY",
		.source_info = spdx_source_info(s->ctx.arena, pkg),
		.hashes = pkg->hashes,
		.n_hashes = pkg->n_hashes,
	};

	spdx_package(&s->jw, &v);
}

static void spdx_relationship(struct moat_jw *jw, const char *from, const char *type,
			      const char *to)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "spdxElementId", from);
	moat_jw_kstr(jw, "relationshipType", type);
	moat_jw_kstr(jw, "relatedSpdxElement", to);
	moat_jw_obj_end(jw);
}

static void spdx_relationships(struct spdx *s)
{
	size_t n = s->in->pkgs ? s->in->pkgs->count : 0;
	struct moat_jw *jw = &s->jw;

	moat_jw_key(jw, "relationships");
	moat_jw_arr_begin(jw);
	spdx_relationship(jw, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image");
	if (spdx_has_os(s))
		spdx_relationship(jw, "SPDXRef-Image", "CONTAINS", "SPDXRef-OperatingSystem");
	for (size_t i = 0; i < n; i++)
		spdx_relationship(jw, "SPDXRef-Image", "CONTAINS", s->ids[i]);
	for (size_t i = 0; s->in->files && i < n; i++) {
		const struct moat_pkg *p = s->in->pkgs->items[i];

		for (size_t k = 0; k < p->n_file_hashes; k++)
			spdx_relationship(jw, s->ids[i], "CONTAINS",
					  moat_arena_printf(s->ctx.arena, "SPDXRef-File-%zu-%zu", i, k));
	}
	/* What each package's database says it needs (dpkg Depends, ...). */
	for (size_t i = 0; i < n; i++) {
		const struct moat_pkg *p = s->in->pkgs->items[i];

		for (size_t d = 0; d < p->n_deps; d++) {
			long j = report_sbom_pkg_index(&s->ctx, p->deps[d]);

			if (j >= 0 && (size_t)j != i)
				spdx_relationship(jw, s->ids[i], "DEPENDS_ON", s->ids[j]);
		}
	}
	moat_jw_arr_end(jw);
}

/* Every LicenseRef- a package's licenseDeclared uses must be declared in
 * the document (SPDX 2.3 section 10). The text is the package's own
 * copyright file, which the image holds and the SBOM does not copy. */
static void spdx_extracted(struct spdx *s)
{
	size_t n = s->in->pkgs ? s->in->pkgs->count : 0;
	struct moat_jw *jw = &s->jw;
	struct moat_hmap seen;
	bool open = false;

	moat_hmap_init(&seen);
	for (size_t i = 0; i < n; i++) {
		const char *e = report_spdx_license_expr(s->ctx.arena, s->in->pkgs->items[i]->license);

		for (const char *p = e ? strstr(e, "LicenseRef-") : NULL; p; p = strstr(p, "LicenseRef-")) {
			size_t len = strcspn(p, " ()");

			if (!moat_hmap_get(&seen, p, len)) {
				if (moat_hmap_put(&seen, p, len, (void *)s) < 0)
					break;
				if (!open) {
					moat_jw_key(jw, "hasExtractedLicensingInfos");
					moat_jw_arr_begin(jw);
					open = true;
				}
				moat_jw_obj_begin(jw);
				moat_jw_kstr(jw, "licenseId", moat_arena_strndup(s->ctx.arena, p, len));
				moat_jw_kstr(jw, "name", moat_arena_strndup(s->ctx.arena, p + 11, len - 11));
				moat_jw_kstr(jw, "extractedText",
					     "NOASSERTION: named by the package's copyright file in the image");
				moat_jw_obj_end(jw);
			}
			p += len;
		}
	}
	if (open)
		moat_jw_arr_end(jw);
	moat_hmap_release(&seen);
}

/* --files: each file a package manager recorded a digest for (dpkg
 * md5sums), with that digest. */
static void spdx_files(struct spdx *s)
{
	size_t n = s->in->pkgs ? s->in->pkgs->count : 0;
	struct moat_jw *jw = &s->jw;

	if (!s->in->files)
		return;
	moat_jw_key(jw, "files");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < n; i++) {
		const struct moat_pkg *p = s->in->pkgs->items[i];

		for (size_t k = 0; k < p->n_file_hashes; k++) {
			const struct moat_pkg_file_hash *f = &p->file_hashes[k];

			moat_jw_obj_begin(jw);
			moat_jw_kstr(jw, "SPDXID",
				     moat_arena_printf(s->ctx.arena, "SPDXRef-File-%zu-%zu", i, k));
			moat_jw_kstr(jw, "fileName", moat_arena_printf(s->ctx.arena, "./%s", f->path));
			report_sbom_hashes(jw, &f->hash, 1, true);
			moat_jw_obj_end(jw);
		}
	}
	moat_jw_arr_end(jw);
}

static void spdx_creation_info(struct spdx *s)
{
	struct moat_jw *jw = &s->jw;

	moat_jw_key(jw, "creationInfo");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "created", s->ctx.timestamp);
	moat_jw_key(jw, "creators");
	moat_jw_arr_begin(jw);
	moat_jw_str(jw, moat_arena_printf(s->ctx.arena, "Tool: moat-%s", s->ctx.tool_version));
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

static void spdx_document(struct spdx *s)
{
	size_t n = s->in->pkgs ? s->in->pkgs->count : 0;
	struct moat_jw *jw = &s->jw;

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "spdxVersion", "SPDX-2.3");
	moat_jw_kstr(jw, "dataLicense", "CC0-1.0");
	moat_jw_kstr(jw, "SPDXID", "SPDXRef-DOCUMENT");
	moat_jw_kstr(jw, "name", s->ctx.image_name);
	/* A URI unique to this document; no '#', which SPDX reserves for element refs. */
	moat_jw_kstr(jw, "documentNamespace",
		     moat_arena_printf(s->ctx.arena, "urn:uuid:%s", s->ctx.uuid));
	spdx_creation_info(s);
	moat_jw_key(jw, "packages");
	moat_jw_arr_begin(jw);
	spdx_image(s);
	if (spdx_has_os(s))
		spdx_os(s);
	for (size_t i = 0; i < n; i++)
		spdx_pkg(s, i);
	moat_jw_arr_end(jw);
	spdx_files(s);
	spdx_extracted(s);
	spdx_relationships(s);
	moat_jw_obj_end(jw);
}

int moat_sbom_spdx(struct moat_buf *out, const struct moat_sbom_input *in, struct moat_error *err)
{
	struct spdx s = { .in = in };
	size_t start = out->len;
	int r;

	r = report_sbom_ctx_init(&s.ctx, in, err);
	if (r == 0) {
		r = spdx_ids(&s);
		if (r < 0)
			moat_error_set(err, r, "spdx: %s", moat_strerror(r));
	}
	if (r == 0) {
		moat_jw_init(&s.jw, out, true);
		spdx_document(&s);
		r = moat_jw_finish(&s.jw);
		if (r < 0)
			moat_error_set(err, r, "spdx: %s", moat_strerror(r));
	}
	if (r < 0 && out->data) {
		/* Never leave half a document behind. */
		out->len = start;
		out->data[start] = '\0';
	}
	report_sbom_ctx_release(&s.ctx);
	return r;
}
