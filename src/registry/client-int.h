/* SPDX-License-Identifier: Apache-2.0 */
/* client-int.h - the registry handle, shared by client.c and content.c. */
#ifndef MOAT_REGISTRY_CLIENT_INT_H
#define MOAT_REGISTRY_CLIENT_INT_H

#include <stdbool.h>
#include <time.h>

#include "parse.h"
#include "registry-int.h"

struct moat_error;
struct moat_http;
struct moat_http_resp;

/* Bearer tokens kept per handle (one per scope: a scan needs one). */
#define REGISTRY_TOKENS 16u
#define REGISTRY_MAX_ACCEPT 6u

struct registry_token {
	char scope[MOAT_REGISTRY_MAX_SCOPE];
	char *header;                   /* "Authorization: Bearer ..." */
	time_t expires;
};

struct moat_registry {
	struct moat_http *http;
	char host[MOAT_REGISTRY_MAX_HOST];
	char scheme[8];                 /* "https" or "http" */
	bool plain_ok;                  /* loopback or --insecure-registry */
	const char *const *insecure;    /* borrowed from the opts */
	enum moat_registry_scheme auth; /* what the registry asked for so far */
	struct moat_registry_challenge challenge;
	struct registry_creds creds;
	struct registry_token tokens[REGISTRY_TOKENS];
	unsigned ntokens;
	unsigned requests;
	unsigned retries;
	long budget_ms;                 /* opts.budget_ms, 0 = none */
	struct timespec deadline;       /* CLOCK_MONOTONIC, with budget_ms */
};

struct registry_req {
	const char *method;             /* NULL = GET */
	const char *path;               /* "/v2/..." on the registry, or an absolute URL */
	const char *scope;              /* "repository:REPO:pull", "registry:catalog:*" */
	const char *const *accept;      /* "Accept: ..." lines, NULL-terminated */
	bool follow;                    /* follow redirects (blobs live on storage hosts) */
};

/* Send with auth and retries. On 0, *ret is a response of any status but
 * 401 (after one authentication round), 429 and 502-504 (after retries). */
int registry_send(struct moat_registry *reg, const struct registry_req *rq,
		  struct moat_http_resp **ret, struct moat_error *err);
/* Absolute URL for a registry path. */
int registry_url(const struct moat_registry *reg, const char *path, char *out, size_t size,
		 struct moat_error *err);

#endif
