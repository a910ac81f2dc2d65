/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.h - the registry's untrusted text, parsed with fixed bounds:
 * WWW-Authenticate challenges, Link headers, image references, and the
 * platform pick from a manifest list / OCI index. No I/O here, so each has a
 * fuzz target (fuzz/fuzz-registry-*.c).
 */
#ifndef MOAT_REGISTRY_PARSE_H
#define MOAT_REGISTRY_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/digest.h"
#include "base/slice.h"

struct moat_error;

#define MOAT_REGISTRY_MEDIA_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MOAT_REGISTRY_MEDIA_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MOAT_REGISTRY_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MOAT_REGISTRY_MEDIA_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
/* The distribution spec lets registries refuse manifests over 4 MiB. */
#define MOAT_REGISTRY_MAX_MANIFEST (4u << 20)

#define MOAT_REGISTRY_MAX_HOST 256u
#define MOAT_REGISTRY_MAX_REPO 256u
#define MOAT_REGISTRY_MAX_TAG 128u
/* A realm URL, and a scope list ("repository:a/b:pull repository:c:pull"). */
#define MOAT_REGISTRY_MAX_REALM 1024u
#define MOAT_REGISTRY_MAX_SCOPE 1024u
/* Challenges read from one WWW-Authenticate value, and auth-params per challenge. */
#define MOAT_REGISTRY_MAX_CHALLENGES 8u
#define MOAT_REGISTRY_MAX_PARAMS 16u

enum moat_registry_scheme {
	MOAT_REGISTRY_AUTH_NONE,
	MOAT_REGISTRY_AUTH_BASIC,
	MOAT_REGISTRY_AUTH_BEARER,
};

struct moat_registry_challenge {
	enum moat_registry_scheme scheme;
	char realm[MOAT_REGISTRY_MAX_REALM];
	char service[MOAT_REGISTRY_MAX_HOST];
	char scope[MOAT_REGISTRY_MAX_SCOPE];
	char error[64];                 /* "invalid_token", "insufficient_scope", ... */
};

/*
 * RFC 9110 section 11.6.1: `challenge = auth-scheme [ 1*SP ( token68 /
 * #auth-param ) ]`, several challenges comma-separated. Fills *ret with the
 * Bearer challenge if there is one, else Basic. Returns 0, MOAT_E_FORMAT for
 * bad syntax (message says where), MOAT_E_UNSUPPORTED when only other
 * schemes are offered, MOAT_E_LIMIT past the bounds above.
 */
int moat_registry_parse_challenge(const char *value, size_t len,
				  struct moat_registry_challenge *ret, struct moat_error *err);

/*
 * The URL of the rel="next" link of a Link header (RFC 8288), as the
 * distribution API paginates /v2/_catalog and tags/list: `</v2/_catalog?
 * last=x&n=100>; rel="next"`. Returns 1 and next, 0 when there is no next
 * link, MOAT_E_FORMAT or MOAT_E_LIMIT.
 */
int moat_registry_parse_link(const char *value, size_t len, char *next, size_t next_size,
			     struct moat_error *err);

/* "HOST[:PORT]/REPO[:TAG|@DIGEST]" split and checked (distribution's grammar,
 * lowercase repository components). tag is "latest" when neither is given. */
struct moat_registry_ref {
	char host[MOAT_REGISTRY_MAX_HOST];
	char repo[MOAT_REGISTRY_MAX_REPO];
	char tag[MOAT_REGISTRY_MAX_TAG];        /* "" with a digest */
	char digest[MOAT_DIGEST_STR_MAX];       /* "" with a tag */
};
int moat_registry_ref_parse(const char *s, struct moat_registry_ref *ret,
			    struct moat_error *err);
bool moat_registry_repo_valid(const char *repo, size_t len);
bool moat_registry_tag_valid(const char *tag, size_t len);

/* "os/arch[/variant]", e.g. "linux/arm64/v8". */
struct moat_registry_platform {
	char os[32];
	char arch[32];
	char variant[32];               /* "" = any */
};
int moat_registry_platform_parse(const char *s, struct moat_registry_platform *ret,
				 struct moat_error *err);

/*
 * The manifests[] entry of an index or manifest list for the platform:
 * same os and architecture, and the variant when one was asked for (else the
 * entry without a variant first, like containerd's matcher). Entries that
 * are not images (attestations: platform unknown/unknown) never match.
 * Returns the descriptor (borrowed from index), or NULL with err naming the
 * platforms that are there.
 */
const json_t *moat_registry_pick_platform(const json_t *index,
					  const struct moat_registry_platform *want,
					  struct moat_error *err);

/* An OCI index or Docker manifest list. */
bool moat_registry_media_is_index(const char *media_type);
/*
 * A manifest as served: JSON, schemaVersion 2 (schema 1 is
 * MOAT_E_UNSUPPORTED), its media type (own mediaType, else Content-Type
 * ctype, else by shape) into ret_type, and the fields that type needs
 * (manifests[], or config and layers[]). *ret_doc is the caller's to free.
 */
int moat_registry_manifest_parse(const void *data, size_t len, struct moat_slice ctype,
				 const char *what, char *ret_type, size_t type_size,
				 json_t **ret_doc, struct moat_error *err);

#endif
