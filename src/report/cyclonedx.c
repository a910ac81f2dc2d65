/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cyclonedx.c - CycloneDX 1.6 (or 1.5) JSON for one image, plus what both SBOM writers
 * share: timestamp and serial checks, the image's oci purl and package purls.
 *
 * Shape: metadata.component is the image (type container), components are the
 * OS (type operating-system) and one library per package, and one dependency
 * entry says the image depends on all of them. Every bom-ref is unique: a
 * package's purl the first time it is seen, "moat:pkg:<index>" otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/hmap.h"
#include "base/jsonw.h"
#include "moat-config.h"
#include "moat/limits.h"
#include "sbom.h"

#define CDX_IMAGE_REF "moat:image"
#define CDX_OS_REF "moat:os"
/* "YYYY-MM-DDThh:mm:ssZ" */
#define TIMESTAMP_LEN 20
#define UUID_LEN 36

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Two digits at s within [lo, hi]. */
static bool two_digits_in(const char *s, int lo, int hi)
{
	int v;

	if (!is_digit(s[0]) || !is_digit(s[1]))
		return false;
	v = (s[0] - '0') * 10 + (s[1] - '0');
	return v >= lo && v <= hi;
}

/* Only the one RFC 3339 form every consumer accepts: SPDX 2.3 requires UTC
 * with 'Z' and no fraction, and CycloneDX's date-time takes it too. */
static bool timestamp_valid(const char *ts)
{
	if (strlen(ts) != TIMESTAMP_LEN)
		return false;
	for (int i = 0; i < 4; i++) {
		if (!is_digit(ts[i]))
			return false;
	}
	return ts[4] == '-' && two_digits_in(ts + 5, 1, 12) && ts[7] == '-' &&
	       two_digits_in(ts + 8, 1, 31) && ts[10] == 'T' && two_digits_in(ts + 11, 0, 23) &&
	       ts[13] == ':' && two_digits_in(ts + 14, 0, 59) && ts[16] == ':' &&
	       two_digits_in(ts + 17, 0, 60) && ts[19] == 'Z';
}

static int timestamp_now(struct moat_arena *arena, const char **ret_ts)
{
	char buf[TIMESTAMP_LEN + 1];
	time_t now = time(NULL);
	struct tm tm;

	if (now == (time_t)-1 || !gmtime_r(&now, &tm))
		return -errno;
	if (strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) != TIMESTAMP_LEN)
		return MOAT_E_INTERNAL;
	*ret_ts = moat_arena_strdup(arena, buf);
	return *ret_ts ? 0 : -ENOMEM;
}

/* The pattern CycloneDX's serialNumber demands: lowercase 8-4-4-4-12 hex. */
static bool uuid_valid(const char *u)
{
	if (strlen(u) != UUID_LEN)
		return false;
	for (int i = 0; i < UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? u[i] != '-' : !(is_digit(u[i]) || (u[i] >= 'a' && u[i] <= 'f')))
			return false;
	}
	return true;
}

/* RFC 4122 version 4: random bits with the version and variant fields set. */
static int uuid_random(struct moat_arena *arena, const char **ret_uuid)
{
	uint8_t b[16];
	ssize_t n = getrandom(b, sizeof(b), 0);

	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(b))
		return -EIO;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	*ret_uuid = moat_arena_printf(arena,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		b[12], b[13], b[14], b[15]);
	return *ret_uuid ? 0 : -ENOMEM;
}

/* The oci purl name: last path fragment of the repository, without tag or digest. */
static const char *oci_name(struct moat_arena *arena, const char *ref)
{
	const char *at = strchr(ref, '@');
	size_t len = at ? (size_t)(at - ref) : strlen(ref);
	const char *start = ref;
	size_t name_len;

	for (size_t i = 0; i < len; i++) {
		if (ref[i] == '/')
			start = ref + i + 1;
	}
	name_len = len - (size_t)(start - ref);
	for (size_t i = 0; i < name_len; i++) {
		if (start[i] == ':') {
			name_len = i;
			break;
		}
	}
	return name_len ? moat_arena_strndup(arena, start, name_len) : NULL;
}

/*
 * pkg:oci/NAME@sha256:...?arch=..: the purl type's version is the artifact
 * digest a registry serves, i.e. the manifest digest. The config digest (image
 * id) is not pullable, so without a manifest digest there is no purl.
 */
static const char *image_purl(struct moat_arena *arena, const struct moat_image_meta *meta)
{
	const char *name;

	if (!meta->ref || !meta->manifest_digest ||
	    !moat_digest_valid(meta->manifest_digest, strlen(meta->manifest_digest)))
		return NULL;
	name = oci_name(arena, meta->ref);
	if (!name)
		return NULL;
	return moat_purl_make(arena, "oci", NULL, name, meta->manifest_digest, meta->architecture,
			      NULL, NULL);
}

/* os-release ID to the purl namespace (vendor) the distro ecosystems use. */
static const struct {
	const char *os_id;
	const char *vendor;
} purl_vendors[] = {
	{ "almalinux", "almalinux" }, { "alpine", "alpine" },   { "amzn", "amazon" },
	{ "centos", "centos" },       { "debian", "debian" },   { "fedora", "fedora" },
	{ "ol", "oracle" },           { "opensuse", "opensuse" },
	{ "opensuse-leap", "opensuse" }, { "opensuse-tumbleweed", "opensuse" },
	{ "rhel", "redhat" },         { "rocky", "rocky" },     { "sles", "suse" },
	{ "ubuntu", "ubuntu" },       { "wolfi", "wolfi" },
};

/* Vendor from the OS id, else from the distro qualifier ("debian-12"). */
static const char *purl_vendor(struct moat_arena *arena, const struct moat_os *os,
			       const char *distro)
{
	const char *id = os ? os->id : NULL;
	const char *dash;

	if (!id && distro) {
		dash = strrchr(distro, '-');
		id = dash ? moat_arena_strndup(arena, distro, (size_t)(dash - distro)) : distro;
	}
	for (size_t i = 0; id && i < sizeof(purl_vendors) / sizeof(purl_vendors[0]); i++) {
		if (strcmp(purl_vendors[i].os_id, id) == 0)
			return purl_vendors[i].vendor;
	}
	return id;
}

/* upstream=SRC, or SRC@SRCVER when the source version differs (as syft writes it). */
static const char *purl_upstream(struct moat_arena *arena, const struct moat_pkg *pkg)
{
	if (!pkg->source_name || !*pkg->source_name)
		return NULL;
	if (pkg->source_version && *pkg->source_version &&
	    strcmp(pkg->source_version, pkg->version) != 0)
		return moat_arena_printf(arena, "%s@%s", pkg->source_name, pkg->source_version);
	if (strcmp(pkg->source_name, pkg->name) == 0)
		return NULL;
	return pkg->source_name;
}

/* The cataloger's purl, or one derived the same way for packages that lack it. */
static const char *pkg_purl(struct moat_arena *arena, const struct moat_os *os,
			    const struct moat_pkg *pkg)
{
	const char *ns = NULL;

	if (pkg->purl && *pkg->purl)
		return pkg->purl;
	if (strcmp(pkg->type, "deb") == 0 || strcmp(pkg->type, "apk") == 0 ||
	    strcmp(pkg->type, "rpm") == 0)
		ns = purl_vendor(arena, os, pkg->distro);
	return moat_purl_make(arena, pkg->type, ns, pkg->name, pkg->version, pkg->arch,
			      pkg->distro, purl_upstream(arena, pkg));
}

static int ctx_fail(struct moat_error *err, int code, const char *what)
{
	return moat_error_set(err, code, "sbom: %s", what);
}

static int ctx_ids(struct report_sbom_ctx *ctx, const struct moat_sbom_input *in,
		   struct moat_error *err)
{
	int r;

	if (in->timestamp) {
		if (!timestamp_valid(in->timestamp))
			return ctx_fail(err, MOAT_E_USAGE, "timestamp is not YYYY-MM-DDThh:mm:ssZ");
		ctx->timestamp = in->timestamp;
	} else {
		r = timestamp_now(ctx->arena, &ctx->timestamp);
		if (r < 0)
			return ctx_fail(err, r, "cannot read the clock");
	}
	if (in->serial) {
		if (strncmp(in->serial, "urn:uuid:", 9) != 0 || !uuid_valid(in->serial + 9))
			return ctx_fail(err, MOAT_E_USAGE, "serial is not urn:uuid:<lowercase uuid>");
		ctx->uuid = in->serial + 9;
	} else {
		r = uuid_random(ctx->arena, &ctx->uuid);
		if (r < 0)
			return ctx_fail(err, r, "cannot get random bytes for the serial");
	}
	return 0;
}

int report_sbom_ctx_init(struct report_sbom_ctx *ctx, const struct moat_sbom_input *in,
			 struct moat_error *err)
{
	const struct moat_image_meta *meta = in ? in->meta : NULL;
	size_t n = in && in->pkgs ? in->pkgs->count : 0;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	if (!meta)
		return ctx_fail(err, MOAT_E_USAGE, "no image metadata");
	ctx->arena = moat_arena_open(MOAT_LIMIT_ARENA_BYTES);
	if (!ctx->arena)
		return ctx_fail(err, -ENOMEM, "out of memory");
	r = ctx_ids(ctx, in, err);
	if (r < 0)
		return r;
	ctx->tool_version = in->tool_version ? in->tool_version : MOAT_VERSION;
	ctx->image_name = meta->ref ? meta->ref : meta->config_digest ? meta->config_digest : "image";
	ctx->image_purl = image_purl(ctx->arena, meta);
	ctx->pkg_purls = moat_arena_newarray(ctx->arena, const char *, n ? n : 1);
	if (!ctx->pkg_purls)
		return ctx_fail(err, MOAT_E_LIMIT, "package table too large");
	for (size_t i = 0; i < n; i++)
		ctx->pkg_purls[i] = pkg_purl(ctx->arena, in->os, in->pkgs->items[i]);
	/* Package pointer -> index, for the dependency edges. Keys are the
	 * pointer values, kept in the arena. */
	ctx->pkg_ptrs = moat_arena_newarray(ctx->arena, const struct moat_pkg *, n ? n : 1);
	ctx->pkg_at = moat_arena_newarray(ctx->arena, size_t, n ? n : 1);
	if (!ctx->pkg_ptrs || !ctx->pkg_at)
		return ctx_fail(err, MOAT_E_LIMIT, "package table too large");
	moat_hmap_init(&ctx->pkg_index);
	for (size_t i = 0; i < n; i++) {
		ctx->pkg_ptrs[i] = in->pkgs->items[i];
		ctx->pkg_at[i] = i;
		/* keyed by the package's address: the pointer's own bytes */
		if (moat_hmap_put(&ctx->pkg_index, (const char *)&ctx->pkg_ptrs[i],
				  sizeof(ctx->pkg_ptrs[i]), /* NOLINT(bugprone-sizeof-expression) */
				  &ctx->pkg_at[i]) < 0)
			return ctx_fail(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void report_sbom_hashes(struct moat_jw *jw, const struct moat_pkg_hash *hashes, size_t n,
			bool spdx)
{
	if (!n)
		return;
	moat_jw_key(jw, spdx ? "checksums" : "hashes");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < n; i++) {
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, spdx ? "algorithm" : "alg", moat_hash_name(hashes[i].alg, spdx));
		moat_jw_kstr(jw, spdx ? "checksumValue" : "content", hashes[i].hex);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

long report_sbom_pkg_index(const struct report_sbom_ctx *ctx, const struct moat_pkg *pkg)
{
	const size_t *at = moat_hmap_get(&ctx->pkg_index, (const char *)&pkg,
					 sizeof(pkg)); /* NOLINT(bugprone-sizeof-expression) */

	return at ? (long)*at : -1;
}

void report_sbom_ctx_release(struct report_sbom_ctx *ctx)
{
	moat_hmap_release(&ctx->pkg_index);
	moat_arena_close(ctx->arena);
	ctx->arena = NULL;
}

/* CycloneDX writer proper. */

struct cdx {
	struct moat_jw jw;
	struct report_sbom_ctx ctx;
	const struct moat_sbom_input *in;
	const char **bom_refs;            /* per package */
};

static void cdx_prop(struct moat_jw *jw, const char *name, const char *value)
{
	if (!value)
		return;
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "name", name);
	moat_jw_kstr(jw, "value", value);
	moat_jw_obj_end(jw);
}

static void cdx_prop_int(struct cdx *c, const char *name, long long value)
{
	cdx_prop(&c->jw, name, moat_arena_printf(c->ctx.arena, "%lld", value));
}

static void cdx_tools(struct cdx *c)
{
	struct moat_jw *jw = &c->jw;

	/* 1.5 deprecates the tools array; the object form lists tools as components. */
	moat_jw_key(jw, "tools");
	moat_jw_obj_begin(jw);
	moat_jw_key(jw, "components");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "type", "application");
	moat_jw_kstr(jw, "name", "moat");
	moat_jw_kstr(jw, "version", c->ctx.tool_version);
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

static void cdx_image_props(struct cdx *c, const struct moat_image_meta *meta)
{
	struct moat_jw *jw = &c->jw;

	moat_jw_key(jw, "properties");
	moat_jw_arr_begin(jw);
	cdx_prop(jw, "moat:image:source", meta->source);
	cdx_prop(jw, "moat:image:manifest_digest", meta->manifest_digest);
	cdx_prop(jw, "moat:image:config_digest", meta->config_digest);
	cdx_prop(jw, "moat:image:os", meta->os);
	cdx_prop(jw, "moat:image:architecture", meta->architecture);
	cdx_prop(jw, "moat:image:variant", meta->variant);
	cdx_prop(jw, "moat:image:created", meta->created);
	/* Properties keep their order, so the layers read bottom to top. */
	for (size_t i = 0; i < meta->n_layers; i++)
		cdx_prop(jw, "moat:image:layer_diff_id", meta->layers[i].diff_id);
	moat_jw_arr_end(jw);
}

static void cdx_metadata(struct cdx *c)
{
	const struct moat_image_meta *meta = c->in->meta;
	struct moat_jw *jw = &c->jw;

	moat_jw_key(jw, "metadata");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "timestamp", c->ctx.timestamp);
	cdx_tools(c);
	moat_jw_key(jw, "component");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "bom-ref", CDX_IMAGE_REF);
	moat_jw_kstr(jw, "type", "container");
	moat_jw_kstr(jw, "name", c->ctx.image_name);
	if (meta->config_digest)
		moat_jw_kstr(jw, "version", meta->config_digest);
	if (c->ctx.image_purl)
		moat_jw_kstr(jw, "purl", c->ctx.image_purl);
	cdx_image_props(c, meta);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

/* license.id only for a known SPDX id (the schema enum rejects anything else),
 * expression only once validated, the raw text as license.name otherwise. */
static void cdx_licenses(struct cdx *c, const char *license)
{
	struct moat_jw *jw = &c->jw;
	const char *id;
	const char *expr = NULL;

	if (!license || !*license)
		return;
	id = report_spdx_license_id(license, strlen(license));
	if (!id)
		expr = report_spdx_license_expr(c->ctx.arena, license);
	moat_jw_key(jw, "licenses");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	if (expr) {
		moat_jw_kstr(jw, "expression", expr);
	} else {
		moat_jw_key(jw, "license");
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, id ? "id" : "name", id ? id : license);
		moat_jw_obj_end(jw);
	}
	moat_jw_obj_end(jw);
	moat_jw_arr_end(jw);
}

static void cdx_os(struct cdx *c)
{
	const struct moat_os *os = c->in->os;
	struct moat_jw *jw = &c->jw;

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "bom-ref", CDX_OS_REF);
	moat_jw_kstr(jw, "type", "operating-system");
	moat_jw_kstr(jw, "name", os->id);
	if (os->version_id)
		moat_jw_kstr(jw, "version", os->version_id);
	if (os->pretty_name)
		moat_jw_kstr(jw, "description", os->pretty_name);
	moat_jw_key(jw, "properties");
	moat_jw_arr_begin(jw);
	cdx_prop(jw, "moat:os:codename", os->codename);
	cdx_prop(jw, "moat:os:id_like", os->id_like);
	cdx_prop(jw, "moat:os:source", os->source);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
}

/* --files: the files a package manager recorded a digest for (dpkg
 * md5sums), as file components inside the package's. */
static void cdx_files(struct cdx *c, const struct moat_pkg *pkg)
{
	struct moat_jw *jw = &c->jw;

	if (!pkg->n_file_hashes)
		return;
	moat_jw_key(jw, "components");
	moat_jw_arr_begin(jw);
	for (size_t k = 0; k < pkg->n_file_hashes; k++) {
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "type", "file");
		moat_jw_kstr(jw, "name", moat_arena_printf(c->ctx.arena, "/%s",
							   pkg->file_hashes[k].path));
		report_sbom_hashes(jw, &pkg->file_hashes[k].hash, 1, false);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

static void cdx_pkg(struct cdx *c, size_t i)
{
	const struct moat_pkg *pkg = c->in->pkgs->items[i];
	struct moat_jw *jw = &c->jw;

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "bom-ref", c->bom_refs[i]);
	moat_jw_kstr(jw, "type", "library");
	moat_jw_kstr(jw, "name", pkg->name);
	moat_jw_kstr(jw, "version", pkg->version);
	cdx_licenses(c, pkg->license);
	report_sbom_hashes(jw, pkg->hashes, pkg->n_hashes, false);
	if (c->ctx.pkg_purls[i])
		moat_jw_kstr(jw, "purl", c->ctx.pkg_purls[i]);
	moat_jw_key(jw, "properties");
	moat_jw_arr_begin(jw);
	cdx_prop(jw, "moat:package_type", pkg->type);
	cdx_prop(jw, "moat:layer", pkg->layer);
	if (pkg->layer_index >= 0)
		cdx_prop_int(c, "moat:layer_index", pkg->layer_index);
	cdx_prop(jw, "moat:source_name", pkg->source_name);
	cdx_prop(jw, "moat:source_version", pkg->source_version);
	cdx_prop(jw, "moat:db_path", pkg->db_path);
	cdx_prop(jw, "moat:evidence", pkg->evidence);
	for (size_t l = 0; l < pkg->n_locations; l++)
		cdx_prop(jw, "moat:location", pkg->locations[l]);
	if (pkg->os_package)
		cdx_prop(jw, "moat:os_package", pkg->os_package->name);
	moat_jw_arr_end(jw);
	if (c->in->files)
		cdx_files(c, pkg);
	moat_jw_obj_end(jw);
}

static bool cdx_has_os(const struct cdx *c)
{
	return c->in->os && c->in->os->id && *c->in->os->id;
}

static size_t cdx_n_pkgs(const struct cdx *c)
{
	return c->in->pkgs ? c->in->pkgs->count : 0;
}

/* purl when unique, else an index-based ref: bom-refs must not repeat. */
static int cdx_bom_refs(struct cdx *c)
{
	size_t n = cdx_n_pkgs(c);
	struct moat_hmap seen;
	int r = 0;

	c->bom_refs = moat_arena_newarray(c->ctx.arena, const char *, n ? n : 1);
	if (!c->bom_refs)
		return MOAT_E_LIMIT;
	moat_hmap_init(&seen);
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *purl = c->ctx.pkg_purls[i];

		if (purl && !moat_hmap_get(&seen, purl, strlen(purl))) {
			c->bom_refs[i] = purl;
			r = moat_hmap_put(&seen, purl, strlen(purl), (void *)c->bom_refs);
		} else {
			c->bom_refs[i] = moat_arena_printf(c->ctx.arena, "moat:pkg:%zu", i);
			if (!c->bom_refs[i])
				r = MOAT_E_LIMIT;
		}
	}
	moat_hmap_release(&seen);
	return r;
}

static void cdx_components(struct cdx *c)
{
	moat_jw_key(&c->jw, "components");
	moat_jw_arr_begin(&c->jw);
	if (cdx_has_os(c))
		cdx_os(c);
	for (size_t i = 0; i < cdx_n_pkgs(c); i++)
		cdx_pkg(c, i);
	moat_jw_arr_end(&c->jw);
}

/* The image depends on everything in it; each package on what its package
 * database says it needs (OS packages: dpkg Depends/Pre-Depends). Packages
 * with no known relations get no entry, which CycloneDX reads as
 * "dependencies unknown" rather than "none". */
static void cdx_dependencies(struct cdx *c)
{
	struct moat_jw *jw = &c->jw;

	moat_jw_key(jw, "dependencies");
	moat_jw_arr_begin(jw);
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ref", CDX_IMAGE_REF);
	moat_jw_key(jw, "dependsOn");
	moat_jw_arr_begin(jw);
	if (cdx_has_os(c))
		moat_jw_str(jw, CDX_OS_REF);
	for (size_t i = 0; i < cdx_n_pkgs(c); i++)
		moat_jw_str(jw, c->bom_refs[i]);
	moat_jw_arr_end(jw);
	moat_jw_obj_end(jw);
	for (size_t i = 0; i < cdx_n_pkgs(c); i++) {
		const struct moat_pkg *p = c->in->pkgs->items[i];
		bool open = false;

		for (size_t d = 0; d < p->n_deps; d++) {
			long j = report_sbom_pkg_index(&c->ctx, p->deps[d]);

			if (j < 0 || (size_t)j == i)
				continue;
			if (!open) {
				moat_jw_obj_begin(jw);
				moat_jw_kstr(jw, "ref", c->bom_refs[i]);
				moat_jw_key(jw, "dependsOn");
				moat_jw_arr_begin(jw);
				open = true;
			}
			moat_jw_str(jw, c->bom_refs[j]);
		}
		if (open) {
			moat_jw_arr_end(jw);
			moat_jw_obj_end(jw);
		}
	}
	moat_jw_arr_end(jw);
}

static void cdx_document(struct cdx *c)
{
	struct moat_jw *jw = &c->jw;
	/* What moat writes is the same in both versions; 1.6 only adds. */
	bool v15 = c->in->cdx_minor == 5;

	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "$schema", v15 ? "http://cyclonedx.org/schema/bom-1.5.schema.json"
				       : "http://cyclonedx.org/schema/bom-1.6.schema.json");
	moat_jw_kstr(jw, "bomFormat", "CycloneDX");
	moat_jw_kstr(jw, "specVersion", v15 ? "1.5" : "1.6");
	moat_jw_kstr(jw, "serialNumber", moat_arena_printf(c->ctx.arena, "urn:uuid:%s",
							   c->ctx.uuid));
	moat_jw_kint(jw, "version", 1);
	cdx_metadata(c);
	cdx_components(c);
	cdx_dependencies(c);
	if (c->in->vulns)
		report_cdx_vulnerabilities(jw, c->in->vulns, c->in->pkgs, c->bom_refs);
	moat_jw_obj_end(jw);
}

int moat_sbom_cyclonedx(struct moat_buf *out, const struct moat_sbom_input *in,
			struct moat_error *err)
{
	struct cdx c = { .in = in };
	size_t start = out->len;
	int r;

	if (in && in->cdx_minor && in->cdx_minor != 5 && in->cdx_minor != 6)
		return moat_error_set(err, MOAT_E_USAGE, "cyclonedx: version 1.%u is not 1.5 or 1.6",
				      in->cdx_minor);
	r = report_sbom_ctx_init(&c.ctx, in, err);
	if (r == 0) {
		r = cdx_bom_refs(&c);
		if (r < 0)
			moat_error_set(err, r, "cyclonedx: %s", moat_strerror(r));
	}
	if (r == 0) {
		moat_jw_init(&c.jw, out, true);
		cdx_document(&c);
		r = moat_jw_finish(&c.jw);
		if (r < 0)
			moat_error_set(err, r, "cyclonedx: %s", moat_strerror(r));
	}
	if (r < 0 && out->data) {
		/* Never leave half a document behind. */
		out->len = start;
		out->data[start] = '\0';
	}
	report_sbom_ctx_release(&c.ctx);
	return r;
}
