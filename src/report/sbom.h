/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbom.h - SBOM documents for one scanned image: CycloneDX 1.6 or 1.5 and SPDX 2.3 JSON.
 *
 * Both writers describe the same thing: the image as the root (type container),
 * the operating system when one was detected, and one entry per package, with
 * the image depending on / containing all of them. Output is deterministic given
 * timestamp and serial: same input, same bytes.
 */
#ifndef MOAT_REPORT_SBOM_H
#define MOAT_REPORT_SBOM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/hmap.h"
#include "image/image.h"
#include "moat/error.h"
#include "sbom/os.h"
#include "sbom/pkg.h"

struct moat_arena;

/* Everything is borrowed for the duration of the call. */
struct moat_sbom_input {
	const struct moat_image_meta *meta;   /* image metadata: ref, digests, layers; required */
	const struct moat_os *os;             /* may be NULL or have NULL fields */
	const struct moat_pkg_list *pkgs;     /* NULL = no packages */
	const char *tool_version;             /* "0.1.0"; NULL = MOAT_VERSION */
	const char *timestamp;                /* "YYYY-MM-DDThh:mm:ssZ"; NULL = now */
	const char *serial;                   /* "urn:uuid:<lowercase uuid>"; NULL = random v4 */
	const struct moat_vuln_list *vulns;   /* CycloneDX only: a "vulnerabilities" array */
	unsigned cdx_minor;                   /* CycloneDX 1.6 (6, also for 0) or 1.5 (5) */
	bool files;                           /* list each package's files with their
					       * recorded digests (pkg->file_hashes) */
};

struct moat_jw;
struct moat_vuln_list;
/* The CycloneDX "vulnerabilities" member (same shape in 1.5 and 1.6) (cyclonedx-vuln.c); bom_refs are
 * the components' refs, parallel to pkgs->items. */
void report_cdx_vulnerabilities(struct moat_jw *jw, const struct moat_vuln_list *vulns,
				const struct moat_pkg_list *pkgs, const char *const *bom_refs);

/*
 * Append a CycloneDX JSON document (1.6 unless in->cdx_minor is 5) to out.
 * Returns 0, MOAT_E_USAGE for a missing meta, a malformed timestamp/serial
 * or a version other than 1.5/1.6, MOAT_E_LIMIT when out's maximum
 * is hit, or -ENOMEM. On failure out is truncated back to its length at entry
 * and err (may be NULL) says why.
 */
int moat_sbom_cyclonedx(struct moat_buf *out, const struct moat_sbom_input *in,
			struct moat_error *err);
/* Same contract, SPDX 2.3 JSON. */
int moat_sbom_spdx(struct moat_buf *out, const struct moat_sbom_input *in, struct moat_error *err);

/*
 * Module-private: shared by cyclonedx.c and spdx.c, not for other modules.
 * NEEDSWORK: these belong in a report-int.h / sbom-common.c of their own; they
 * live here because this change was limited to sbom.h, cyclonedx.c and spdx.c.
 */

/* What both writers need, resolved once per document. Strings live in arena. */
struct report_sbom_ctx {
	struct moat_arena *arena;         /* scratch, owned by the writer */
	const char *timestamp;            /* validated or now */
	const char *uuid;                 /* the bare uuid (36 chars), validated or random */
	const char *tool_version;
	const char *image_name;           /* never NULL: ref, else config digest, else "image" */
	const char *image_purl;           /* pkg:oci/... or NULL without a manifest digest */
	const char **pkg_purls;           /* per package: pkg->purl or derived; may be NULL */
	const struct moat_pkg **pkg_ptrs; /* keys of pkg_index */
	size_t *pkg_at;                   /* values of pkg_index */
	struct moat_hmap pkg_index;       /* package pointer -> index in in->pkgs */
};

/* Fill ctx from in (creating ctx->arena). Returns 0 or a negative code with err set. */
int report_sbom_ctx_init(struct report_sbom_ctx *ctx, const struct moat_sbom_input *in,
			 struct moat_error *err);
void report_sbom_ctx_release(struct report_sbom_ctx *ctx);
/* CycloneDX "hashes" ({alg, content}) or SPDX "checksums" ({algorithm,
 * checksumValue}) for n digests; nothing when n is 0. */
void report_sbom_hashes(struct moat_jw *jw, const struct moat_pkg_hash *hashes, size_t n,
			bool spdx);
/* Index of a package in in->pkgs (for pkg->deps), or -1. */
long report_sbom_pkg_index(const struct report_sbom_ctx *ctx, const struct moat_pkg *pkg);

/*
 * SPDX license handling (spdx.c). Known ids come from a curated table of
 * licences common in distro packages, each of which is on the SPDX licence list
 * (the unit test checks the table against the vendored CycloneDX spdx.schema.json).
 */

/* Canonical spelling of a known SPDX licence id (case-insensitive match), or NULL. */
const char *report_spdx_license_id(const char *id, size_t len);
/* Canonical form of a valid SPDX licence expression made of known ids, AND, OR,
 * WITH <known exception>, '+' and parentheses, or NULL when it is not one. */
const char *report_spdx_license_expr(struct moat_arena *arena, const char *expr);
/* For tests: the curated id and exception tables, NULL-terminated. */
const char *const *report_spdx_known_ids(void);
const char *const *report_spdx_known_exceptions(void);

#endif
