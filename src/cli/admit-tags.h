/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admit-tags.h - the webhook's verdict key for an image reference. Tags
 * move: a verdict cached under "app:1" would admit whatever is pushed under
 * that tag later, unscanned. So a tag is resolved to the digest it points at
 * now (a HEAD of its manifest at the registry), else to the image id of the
 * local engine's copy, and verdicts are kept under that. Answers are
 * remembered for a short while (ttl_sec), failures too, so a busy cluster
 * does not ask the registry on every pod and an unreachable one costs one
 * try per reference per period.
 */
#ifndef MOAT_CLI_ADMIT_TAGS_H
#define MOAT_CLI_ADMIT_TAGS_H

#include <stddef.h>

struct admit_tags;

#define ADMIT_TAGS_TTL_SEC 30u
/* A tag's resolution is on the request path, under the API server's
 * webhook timeout (10 s by default, often less): a registry that does not
 * answer (blackholed, a listening socket that never accepts) costs at most
 * this, connect, TLS, auth, retries and all; then the key falls back to
 * the engine's image id or the reference. */
#define ADMIT_TAGS_CONNECT_SEC 2
#define ADMIT_TAGS_BUDGET_MS 2500L
#define ADMIT_TAGS_SLOTS 512u

struct admit_tags_opts {
	const char *cacert;                     /* registry TLS CA bundle, or NULL */
	const char *const *insecure;            /* hosts with plain HTTP allowed, NULL-terminated */
	unsigned ttl_sec;                       /* 0: ADMIT_TAGS_TTL_SEC */
	/* The local engine's image id for a reference (0), or not there (non-zero). */
	int (*engine_id)(void *ctx, const char *image, char *id, size_t len);
	void *ctx;
};

/* NULL when out of memory (then every reference is its own key). */
struct admit_tags *admit_tags_new(const struct admit_tags_opts *o);
void admit_tags_free(struct admit_tags *t);
/* key: the reference itself when it names a digest; "REGISTRY/REPO@DIGEST"
 * when the registry resolves its tag; the engine's image id; else the
 * reference. 0, or -ENAMETOOLONG. Any thread. */
int admit_tags_key(struct admit_tags *t, const char *image, char *key, size_t len);

#endif
