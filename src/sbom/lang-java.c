/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-java.c - Maven packages inside Java archives (.jar .war .ear .par and
 * Jenkins .jpi/.hpi), including archives nested in them.
 *
 * What a jar says about itself, best first: each META-INF/maven/G/A/
 * pom.properties names one Maven artifact (a shaded jar carries several, and
 * each becomes a package). Without any, the MANIFEST.MF main section and the
 * file name ("commons-io-2.11.0.jar") give name and version, but a Maven
 * group only when the jar states one: Group-Id, Implementation-Vendor-Id
 * (what Maven's archiver writes for the groupId), or a Bundle-SymbolicName
 * "GROUP.ARTIFACT" ending in the artifact's name. Otherwise the purl is
 * pkg:generic/NAME@VERSION: a guessed group (a vendor name, a package
 * prefix) would claim an identity and match advisories of another artifact.
 * Archives inside the archive (WEB-INF/lib, BOOT-INF/lib, an ear's lib/) are
 * read from memory, up to MOAT_LIMIT_ZIP_DEPTH deep, and their packages are
 * reported as "outer.jar!/BOOT-INF/lib/x.jar". Entry names are used only if
 * they are safe (no "..", not absolute); the rest are skipped.
 *
 * Licences: the pom.xml beside each pom.properties (META-INF/maven/G/A/)
 * lists the artifact's <licenses>; each <name> is mapped to its SPDX id
 * where license-text.c knows the spelling, else kept as written, and
 * several are alternatives (joined with OR). A pom that inherits its
 * licence from a parent pom not in the jar gives none.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/digest.h"
#include "base/zip.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "lang.h"
#include "license-text.h"

/* pom.properties and MANIFEST.MF are a few hundred bytes; a 1 MiB one is not real. */
#define META_MAX ((uint64_t)1 << 20)
/* A nested jar is held in memory with its parents: 4 levels of 128 MiB at most. */
#define NESTED_MAX ((uint64_t)128 << 20)

static const char *const archive_suffixes[] = { ".jar", ".war", ".ear", ".par", ".jpi", ".hpi" };

static bool is_archive_name(struct moat_slice name)
{
	if (name.len < 5)
		return false;
	for (size_t i = 0; i < sizeof(archive_suffixes) / sizeof(archive_suffixes[0]); i++)
		if (strncasecmp((const char *)name.ptr + name.len - 4, archive_suffixes[i], 4) == 0)
			return true;
	return false;
}

static bool java_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	return size > 0 && is_archive_name(moat_slice_make(path, len));
}

struct jar_ctx {
	struct moat_lang *lang;
	const struct moat_file_visit *file;
	struct moat_error *err;
	struct moat_buf meta;      /* one pom.properties or manifest at a time */
	uint64_t extracted;        /* budget shared by the archive and its nested ones */
	const char *sha256;        /* "sha256:<hex>" of the archive being read */
};

/* ---- pom.properties ---- */

struct pom {
	struct moat_slice group, artifact, version;
};

/* Java properties as Maven writes them: key=value (or key: value), '#' and
 * '!' comments. Escapes and continuations do not occur in these keys. */
static void parse_pom(struct moat_slice in, struct pom *pom)
{
	struct moat_slice line;

	memset(pom, 0, sizeof(*pom));
	while (moat_slice_line(&in, &line)) {
		struct moat_slice key;
		long eq;
		long colon;

		line = moat_slice_trim(line);
		if (!line.len || line.ptr[0] == '#' || line.ptr[0] == '!')
			continue;
		eq = moat_slice_find(line, '=');
		colon = moat_slice_find(line, ':');
		if (eq < 0 || (colon >= 0 && colon < eq))
			eq = colon;
		if (eq < 0)
			continue;
		key = moat_slice_trim(moat_slice_make(line.ptr, (size_t)eq));
		line = moat_slice_trim(moat_slice_make(line.ptr + eq + 1, line.len - (size_t)eq - 1));
		if (moat_slice_eq_str(key, "groupId"))
			pom->group = line;
		else if (moat_slice_eq_str(key, "artifactId"))
			pom->artifact = line;
		else if (moat_slice_eq_str(key, "version"))
			pom->version = line;
	}
}

/* ---- MANIFEST.MF ---- */

enum mf_field {
	MF_NAME, MF_BUNDLE_NAME, MF_SHORT_NAME, MF_EXTENSION_NAME, MF_IMPL_TITLE, MF_SPEC_TITLE,
	MF_IMPL_VERSION, MF_SPEC_VERSION, MF_PLUGIN_VERSION, MF_BUNDLE_VERSION,
	MF_SPEC_VENDOR, MF_IMPL_VENDOR, MF_IMPL_VENDOR_ID, MF_BUNDLE_SYMBOLIC_NAME, MF_GROUP_ID,
	MF_COUNT
};

static const char *const mf_keys[MF_COUNT] = {
	"Name", "Bundle-Name", "Short-Name", "Extension-Name", "Implementation-Title",
	"Specification-Title", "Implementation-Version", "Specification-Version",
	"Plugin-Version", "Bundle-Version", "Specification-Vendor", "Implementation-Vendor",
	"Implementation-Vendor-Id", "Bundle-SymbolicName", "Group-Id",
};

/* The main section (up to the first empty line) with continuation lines
 * (72-byte wrapping: a line starting with one space) joined in place. */
static void parse_manifest(struct moat_buf *mf, struct moat_slice fields[MF_COUNT])
{
	uint8_t *p = mf->data;
	size_t w = 0;
	struct moat_slice in, line;

	memset(fields, 0, sizeof(*fields) * MF_COUNT);
	for (size_t r = 0; r < mf->len; r++) {
		size_t nl = mf->data[r] == '\r' && r + 1 < mf->len && mf->data[r + 1] == '\n' ? 2 :
			    mf->data[r] == '\n' || mf->data[r] == '\r' ? 1 : 0;

		if (nl && r + nl < mf->len && mf->data[r + nl] == ' ') {
			r += nl; /* drop the line break and the one leading space */
			continue;
		}
		p[w++] = mf->data[r];
	}
	in = moat_slice_make(p, w);
	while (moat_slice_line(&in, &line)) {
		struct moat_slice key;

		if (!line.len)
			break;
		if (!moat_slice_split(&line, ':', &key))
			continue;
		for (size_t i = 0; i < MF_COUNT; i++)
			if (moat_slice_eq_str(key, mf_keys[i]) && !fields[i].len)
				fields[i] = moat_slice_trim(line);
	}
}

/* Syft's test for a manifest value that can serve as a group id: dotted, one
 * word; OSGi directives (";singleton:=true") cut off. */
static struct moat_slice as_group_id(struct moat_slice v)
{
	long semi = moat_slice_find(v, ';');

	if (semi >= 0)
		v = moat_slice_trim(moat_slice_make(v.ptr, (size_t)semi));
	if (moat_slice_find(v, '.') < 0 || moat_slice_find(v, ' ') >= 0)
		return moat_slice_make(NULL, 0);
	return v;
}

static struct moat_slice first_of(const struct moat_slice *f, const enum mf_field *order, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f[order[i]].len)
			return f[order[i]];
	return moat_slice_make(NULL, 0);
}

/* "commons-io-2.11.0" -> "commons-io", "2.11.0": the version starts at the
 * first '-' followed by a digit. */
static void split_file_name(struct moat_slice base, struct moat_slice *name,
			    struct moat_slice *version)
{
	*name = base;
	*version = moat_slice_make(NULL, 0);
	for (size_t i = 0; i + 1 < base.len; i++) {
		if (base.ptr[i] == '-' && base.ptr[i + 1] >= '0' && base.ptr[i + 1] <= '9') {
			*name = moat_slice_make(base.ptr, i);
			*version = moat_slice_make(base.ptr + i + 1, base.len - i - 1);
			return;
		}
	}
}

/* ---- packages ---- */

static int add_maven(struct jar_ctx *jc, const char *where, struct moat_slice group,
		     struct moat_slice artifact, struct moat_slice version, bool known,
		     const char *license)
{
	struct moat_arena *a = moat_lang_arena(jc->lang);
	char *g = moat_arena_strndup(a, (const char *)group.ptr, group.len);
	char *art = moat_arena_strndup(a, (const char *)artifact.ptr, artifact.len);
	char *v = moat_arena_strndup(a, (const char *)version.ptr, version.len);
	char *name = group.len ? moat_arena_printf(a, "%s:%s", g ? g : "", art ? art : "") : art;
	struct moat_pkg *pkg = name && v ? moat_lang_pkg_new(jc->lang, "maven", name, v,
							   "installed") : NULL;

	if (!pkg)
		return moat_error_set(jc->err, MOAT_E_LIMIT, "out of scan memory");
	if (known)
		pkg->purl = moat_purl_make(a, "maven", group.len ? g : NULL, art, v, NULL, NULL,
					   NULL);
	else /* no stated group: claim no Maven identity */
		pkg->purl = moat_purl_make(a, "generic", NULL, art, v, NULL, NULL, NULL);
	pkg->db_path = where;
	pkg->license = license;
	if (jc->sha256 && moat_pkg_add_hash(a, pkg, MOAT_HASH_SHA256, jc->sha256 + 7,
					    strlen(jc->sha256 + 7)) == MOAT_E_LIMIT)
		return moat_error_set(jc->err, MOAT_E_LIMIT, "out of scan memory");
	return moat_lang_add(jc->lang, jc->file, pkg, jc->err);
}

/* A Maven group the manifest states, or an empty slice. */
static struct moat_slice stated_group(const struct moat_slice *f, struct moat_slice artifact)
{
	struct moat_slice g = as_group_id(f[MF_GROUP_ID]);
	struct moat_slice bsn;

	if (!g.len)
		g = as_group_id(f[MF_IMPL_VENDOR_ID]);
	if (g.len)
		return g;
	bsn = as_group_id(f[MF_BUNDLE_SYMBOLIC_NAME]);
	if (artifact.len && bsn.len > artifact.len + 1 &&
	    bsn.ptr[bsn.len - artifact.len - 1] == '.' &&
	    !memcmp(bsn.ptr + bsn.len - artifact.len, artifact.ptr, artifact.len))
		return moat_slice_make(bsn.ptr, bsn.len - artifact.len - 1);
	return moat_slice_make(NULL, 0);
}

/* The text between <tag> and </tag> from *in on, consuming it. */
static bool xml_element(struct moat_slice *in, const char *open, const char *close,
			struct moat_slice *ret)
{
	const uint8_t *a = memmem(in->ptr, in->len, open, strlen(open));
	const uint8_t *b;
	size_t off;

	if (!a)
		return false;
	off = (size_t)(a - in->ptr) + strlen(open);
	b = memmem(in->ptr + off, in->len - off, close, strlen(close));
	if (!b)
		return false;
	*ret = moat_slice_make(in->ptr + off, (size_t)(b - (in->ptr + off)));
	off = (size_t)(b - in->ptr) + strlen(close);
	*in = moat_slice_make(in->ptr + off, in->len - off);
	return true;
}

/* <licenses><license><name>...</name></license>...</licenses>, names
 * mapped to SPDX where known and joined with OR. */
static const char *pom_licenses(struct moat_arena *a, struct moat_slice xml)
{
	struct moat_slice block, lic, name;
	struct moat_buf b;
	const char *out = NULL;
	size_t n = 0;
	int r = 0;

	if (!xml_element(&xml, "<licenses>", "</licenses>", &block))
		return NULL;
	moat_buf_init(&b, 4096);
	while (r == 0 && n < 8 && xml_element(&block, "<license>", "</license>", &lic)) {
		const char *id;

		if (!xml_element(&lic, "<name>", "</name>", &name))
			continue;
		name = moat_slice_trim(name);
		if (!name.len || name.len > 200 || memchr(name.ptr, '<', name.len) ||
		    memchr(name.ptr, '\0', name.len))
			continue;
		id = moat_license_from_name((const char *)name.ptr, name.len);
		r = (n++ && moat_buf_append_str(&b, " OR ") < 0) ||
		    (id ? moat_buf_append_str(&b, id) : moat_buf_append(&b, name.ptr, name.len)) < 0;
	}
	if (r == 0 && n)
		out = moat_arena_strndup(a, (const char *)b.data, b.len);
	moat_buf_release(&b);
	return out;
}

/* The licence in the pom.xml beside pom.properties entry i, or NULL. */
static const char *pom_xml_license(struct jar_ctx *jc, struct moat_zip *zip, size_t i)
{
	const struct moat_zip_entry *e = moat_zip_entry(zip, i);
	struct moat_arena *a = moat_lang_arena(jc->lang);
	size_t dir = e->name.len - strlen("pom.properties");
	char *name = moat_arena_printf(a, "%.*spom.xml", (int)dir, (const char *)e->name.ptr);
	struct moat_error why = { 0 };
	const char *license = NULL;
	struct moat_buf xml;
	long x;

	if (!name || (x = moat_zip_find(zip, moat_slice_str(name))) < 0)
		return NULL;
	moat_buf_init(&xml, 0);
	if (moat_zip_extract(zip, (size_t)x, META_MAX, &xml, &why) == 0)
		license = pom_licenses(a, moat_slice_make(xml.data, xml.len));
	moat_buf_release(&xml);
	return license;
}

static int from_pom(struct jar_ctx *jc, struct moat_zip *zip, size_t i, const char *where,
		    size_t *found)
{
	struct pom pom;
	int r = moat_zip_extract(zip, i, META_MAX, &jc->meta, jc->err);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		moat_lang_warn(jc->lang, jc->file, moat_lang_code(jc->err->code), "%s: %s", where,
			       jc->err->msg);
		return 0;
	}
	parse_pom(moat_slice_make(jc->meta.data, jc->meta.len), &pom);
	if (!pom.artifact.len || !pom.version.len)
		return 0;
	(*found)++;
	return add_maven(jc, where, pom.group, pom.artifact, pom.version, true,
			 pom_xml_license(jc, zip, i));
}

/* No pom.properties: manifest fields and the archive's own file name. */
static int from_manifest(struct jar_ctx *jc, struct moat_zip *zip, const char *where,
			 struct moat_slice file_base)
{
	static const enum mf_field names[] = { MF_NAME, MF_BUNDLE_NAME, MF_SHORT_NAME,
					       MF_EXTENSION_NAME, MF_IMPL_TITLE };
	static const enum mf_field versions[] = { MF_IMPL_VERSION, MF_SPEC_VERSION,
						  MF_PLUGIN_VERSION, MF_BUNDLE_VERSION };
	struct moat_slice f[MF_COUNT] = { 0 };
	struct moat_slice name, version, group = { 0 };
	long mi = moat_zip_find(zip, MOAT_SLICE_LIT("META-INF/MANIFEST.MF"));
	int r = mi < 0 ? 0 : moat_zip_extract(zip, (size_t)mi, META_MAX, &jc->meta, jc->err);

	if (r == -ENOMEM)
		return r;
	if (r < 0)
		moat_lang_warn(jc->lang, jc->file, moat_lang_code(jc->err->code), "%s: %s", where,
			       jc->err->msg);
	else if (mi >= 0)
		parse_manifest(&jc->meta, f);
	split_file_name(file_base, &name, &version);
	if (!name.len)
		name = first_of(f, names, sizeof(names) / sizeof(names[0]));
	if (!version.len)
		version = first_of(f, versions, sizeof(versions) / sizeof(versions[0]));
	group = stated_group(f, name);
	if (!name.len || !version.len)
		return 0;
	return add_maven(jc, where, group, name, version, group.len > 0, NULL);
}

static bool is_pom_properties(const struct moat_zip_entry *e)
{
	return e->name_safe && moat_slice_startswith(e->name, "META-INF/maven/") &&
	       moat_slice_endswith(e->name, "/pom.properties");
}

/* The file name without directories and archive suffix. */
static struct moat_slice base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *bang = strrchr(path, '!');
	struct moat_slice s;

	if (bang && (!slash || bang > slash))
		slash = bang;
	s = moat_slice_str(slash ? slash + 1 : path);
	if (s.len > 4)
		s.len -= 4;
	return s;
}

static int read_archive(struct jar_ctx *jc, const uint8_t *data, size_t len, const char *where,
			unsigned depth);

static int read_nested(struct jar_ctx *jc, struct moat_zip *zip, size_t i, const char *where,
		       unsigned depth)
{
	const struct moat_zip_entry *e = moat_zip_entry(zip, i);
	struct moat_arena *a = moat_lang_arena(jc->lang);
	const char *inner = moat_arena_printf(a, "%s!/%.*s", where, (int)e->name.len,
					      (const char *)e->name.ptr);
	struct moat_buf buf;
	int r;

	if (!inner)
		return moat_error_set(jc->err, MOAT_E_LIMIT, "out of scan memory");
	moat_buf_init(&buf, 0);
	r = moat_zip_extract(zip, i, NESTED_MAX, &buf, jc->err);
	if (r == 0)
		r = read_archive(jc, buf.data, buf.len, inner, depth + 1);
	else if (r != -ENOMEM) {
		moat_lang_warn(jc->lang, jc->file, moat_lang_code(jc->err->code), "%s: %s", where,
			       jc->err->msg);
		r = 0;
	}
	moat_buf_release(&buf);
	return r;
}

/* One archive level: its own packages, then the archives inside it. */
static int read_archive(struct jar_ctx *jc, const uint8_t *data, size_t len, const char *where,
			unsigned depth)
{
	struct moat_zip_limits zl = { .total_used = &jc->extracted,
				      .max_total = moat_lang_limits(jc->lang)->capture_total };
	struct moat_zip *zip;
	size_t found = 0;
	const char *outer_sha = jc->sha256;
	char hex[MOAT_DIGEST_STR_MAX];
	int r = moat_zip_open(data, len, &zl, where, &zip, jc->err);

	if (r < 0) {
		if (r != -ENOMEM)
			moat_lang_warn(jc->lang, jc->file, moat_lang_code(jc->err->code), "%s",
				       jc->err->msg);
		return r == -ENOMEM ? r : 0;
	}
	/* The archive's own hash (an SBOM's component hash); its packages share it. */
	jc->sha256 = moat_sha256_str(data, len, hex) == 0 ?
		moat_arena_strdup(moat_lang_arena(jc->lang), hex) : NULL;
	for (size_t i = 0; i < moat_zip_count(zip) && r >= 0; i++)
		if (is_pom_properties(moat_zip_entry(zip, i)))
			r = from_pom(jc, zip, i, where, &found);
	if (r >= 0 && found == 0)
		r = from_manifest(jc, zip, where, base_name(where));
	jc->sha256 = outer_sha;
	for (size_t i = 0; i < moat_zip_count(zip) && r >= 0; i++) {
		const struct moat_zip_entry *e = moat_zip_entry(zip, i);

		if (e->is_dir || !is_archive_name(e->name))
			continue;
		if (!e->name_safe) {
			/* A class loader may still open it: say it was not read. */
			moat_lang_warn(jc->lang, jc->file, "lang-entry-unsafe-name",
				       "%s!/%.*s: archive entry with an unsafe name; not read",
				       where, (int)e->name.len, (const char *)e->name.ptr);
			continue;
		}
		if (depth + 1 >= MOAT_LIMIT_ZIP_DEPTH) {
			moat_lang_warn(jc->lang, jc->file, "lang-nesting-too-deep",
				       "%s!/%.*s: nested deeper than %u archives; not read",
				       where, (int)e->name.len, (const char *)e->name.ptr,
				       MOAT_LIMIT_ZIP_DEPTH);
			continue;
		}
		r = read_nested(jc, zip, i, where, depth);
	}
	moat_zip_close(zip);
	return r;
}

static int java_read(struct moat_lang *lang, const struct moat_file_visit *file,
		     struct moat_reader *content, struct moat_error *err)
{
	struct jar_ctx jc = { .lang = lang, .file = file, .err = err };
	struct moat_buf data;
	const char *where = moat_arena_strndup(moat_lang_arena(lang), file->path, file->path_len);
	int r;

	if (!where)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	moat_buf_init(&data, 0);
	moat_buf_init(&jc.meta, 0);
	r = moat_lang_read_all(lang, file, content, moat_lang_limits(lang)->capture_bytes, &data,
			       err);
	if (r == 0)
		r = read_archive(&jc, data.data, data.len, where, 0);
	moat_buf_release(&data);
	moat_buf_release(&jc.meta);
	if (r == -ENOMEM)
		return moat_error_set(err, r, "out of memory");
	return r < 0 ? r : 0;
}

const struct moat_lang_cataloger moat_lang_java = {
	.name = "java",
	.match = java_match,
	.read = java_read,
};
