/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry.h - an OCI distribution API client (registry v2) over net/http.
 *
 * One handle talks to one registry host: it finds the scheme (https, and
 * plain http only for 127.0.0.0/8, ::1, localhost and hosts given as
 * insecure, as Docker does), answers 401 challenges with Basic credentials
 * or a Bearer token (fetched from the realm, cached per scope until it
 * expires), retries 429/5xx and dropped connections with backoff that
 * honours Retry-After, and bounds every document it reads. Credentials come
 * from the docker CLI's config (see creds.c).
 *
 * TLS is verified against the system store or opts.cacert; only a host in
 * opts.insecure skips verification. Unlike Docker, loopback hosts are not
 * implicitly exempt from verification: they may fall back to plain http
 * when they do not speak TLS, but a TLS registry with an unknown CA fails.
 *
 * A handle is not thread-safe: one per thread.
 */
#ifndef MOAT_REGISTRY_H
#define MOAT_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/reader.h"
#include "registry/parse.h"

struct moat_error;
struct moat_registry;
struct moat_registry_blob;

/* One page of _catalog or tags/list. */
#define MOAT_REGISTRY_MAX_LIST (4u << 20)
/* Attempts per request for 429, 5xx and dropped connections. */
#define MOAT_REGISTRY_ATTEMPTS 4
/* Longest Retry-After we wait. */
#define MOAT_REGISTRY_MAX_RETRY_AFTER_SEC 30

struct moat_registry_opts {
	const char *cacert;                     /* PEM bundle; NULL = system store */
	const char *const *insecure;            /* hosts ("HOST[:PORT]") allowed plain
						 * http and unverified TLS; NULL-terminated */
	const char *docker_config;              /* dir of config.json; NULL = $DOCKER_CONFIG
						 * or ~/.docker */
	int timeout_sec;                        /* 0 = net/http's default */
	long budget_ms;                         /* > 0: wall time for everything the handle
						 * does from open on (every request, retry and
						 * backoff), for lookups on a caller's clock
						 * (admission); a credential helper has its own
						 * 15 s. 0 = none */
};

/* The API host of a registry as image references name it: docker.io is
 * served by registry-1.docker.io; any other name is its own host. */
const char *moat_registry_api_host(const char *registry);

/* Connect (GET /v2/) and learn the scheme and the auth challenge. Errors
 * name the host: -ECONNREFUSED, MOAT_E_VERIFY (TLS), MOAT_E_RUNTIME (not a
 * registry), and config.json errors. */
int moat_registry_open(const char *host, const struct moat_registry_opts *opts,
		       struct moat_registry **ret, struct moat_error *err);
void moat_registry_close(struct moat_registry *reg);
/* "https" or "http". */
const char *moat_registry_scheme(const struct moat_registry *reg);
/* Requests sent so far, and how many were retries (429, 5xx, dropped). */
unsigned moat_registry_requests(const struct moat_registry *reg);
unsigned moat_registry_retries(const struct moat_registry *reg);

struct moat_registry_manifest {
	char digest[MOAT_DIGEST_STR_MAX];       /* of these bytes */
	char media_type[128];
	char index_digest[MOAT_DIGEST_STR_MAX]; /* the index it was picked from, or "" */
	struct moat_buf data;                   /* the manifest as served */
};
void moat_registry_manifest_init(struct moat_registry_manifest *m);
void moat_registry_manifest_release(struct moat_registry_manifest *m);

/*
 * GET a manifest by tag or digest. A manifest list / OCI index is resolved
 * to the entry for `platform` (NULL = linux/amd64) and that manifest is
 * fetched by digest. A digest reference is checked against the bytes.
 * Docker schema 1 is MOAT_E_UNSUPPORTED; 404 is MOAT_E_NOTFOUND.
 */
int moat_registry_manifest_get(struct moat_registry *reg, const char *repo, const char *ref,
			       const struct moat_registry_platform *platform,
			       struct moat_registry_manifest *out, struct moat_error *err);
/* The digest a tag points at (HEAD, else GET and hash), index or manifest. */
int moat_registry_manifest_digest(struct moat_registry *reg, const char *repo, const char *tag,
				  char out[MOAT_DIGEST_STR_MAX], struct moat_error *err);

/* A small blob (config), whole and verified against digest. */
int moat_registry_blob_get(struct moat_registry *reg, const char *repo, const char *digest,
			   size_t max, struct moat_buf *out, struct moat_error *err);
/*
 * A blob as a stream (redirects to storage followed). The reader checks the
 * digest as the bytes pass and fails the read that ends the stream with
 * MOAT_E_VERIFY on a mismatch, and past `size` bytes with MOAT_E_LIMIT, so
 * a consumer never sees a clean end of a wrong blob. Valid until
 * moat_registry_blob_close.
 */
int moat_registry_blob_open(struct moat_registry *reg, const char *repo, const char *digest,
			    uint64_t size, struct moat_registry_blob **ret_blob,
			    struct moat_reader *ret_body, struct moat_error *err);
void moat_registry_blob_close(struct moat_registry_blob *blob);

/* Every repository of /v2/_catalog, page by page (Link rel="next"). fn
 * returning < 0 stops. At most `max` names. */
int moat_registry_catalog(struct moat_registry *reg, size_t max,
			  int (*fn)(void *ctx, const char *repo), void *ctx,
			  struct moat_error *err);
/* Every tag of repo (tags/list, paginated the same way). */
int moat_registry_tags(struct moat_registry *reg, const char *repo, size_t max,
		       int (*fn)(void *ctx, const char *tag), void *ctx, struct moat_error *err);

#endif
