/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h - push notifications from registries, parsed into images to scan.
 *
 * Two shapes are understood: the distribution registry's notifications
 * envelope ({"events": [{"action": "push", "target": {"mediaType",
 * "repository", "digest", "tag"}, "request": {"host"}}]}; blob pushes and
 * pulls are ignored) and Harbor's webhook ({"type": "PUSH_ARTIFACT",
 * "event_data": {"repository": {"repo_full_name"}, "resources": [{"digest",
 * "tag", "resource_url"}]}}). The body is untrusted: bounded, every name
 * checked against the reference grammar (fuzz/fuzz-registry-notify.c).
 */
#ifndef MOAT_REGISTRY_NOTIFY_H
#define MOAT_REGISTRY_NOTIFY_H

#include <stddef.h>

#include "registry/parse.h"

struct moat_error;

/* A notification body larger than this is refused. */
#define MOAT_REGISTRY_NOTIFY_MAX (1u << 20)
/* Images taken from one notification. */
#define MOAT_REGISTRY_NOTIFY_IMAGES 64u

struct moat_registry_pushed {
	char repo[MOAT_REGISTRY_MAX_REPO];
	char digest[MOAT_DIGEST_STR_MAX];
	char tag[MOAT_REGISTRY_MAX_TAG];        /* "" when the push named none */
};

/*
 * Parse one notification body. *ret_n (at most max) pushed images, in
 * order, duplicates kept. Returns 0 (also when nothing in it is a push),
 * MOAT_E_FORMAT when it is neither shape, MOAT_E_LIMIT past the bounds.
 * Entries with a bad repository or digest are skipped and counted in
 * *ret_skipped.
 */
int moat_registry_notify_parse(const void *body, size_t len, struct moat_registry_pushed *ret,
			       size_t max, size_t *ret_n, size_t *ret_skipped,
			       struct moat_error *err);

#endif
