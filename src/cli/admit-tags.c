/* SPDX-License-Identifier: Apache-2.0 */
/* admit-tags.c - tags resolved to digests for the webhook's verdicts (admit-tags.h). */
#include "admit-tags.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/digest.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "policy/policy.h"
#include "registry/registry.h"

#define REF_MAX 1024u

struct slot {
	char ref[REF_MAX];
	char key[REF_MAX];
	time_t at;
};

struct admit_tags {
	struct admit_tags_opts o;
	pthread_mutex_t mu;
	struct slot slots[ADMIT_TAGS_SLOTS];    /* direct-mapped by the reference's hash */
};

struct admit_tags *admit_tags_new(const struct admit_tags_opts *o)
{
	struct admit_tags *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.ttl_sec)
		t->o.ttl_sec = ADMIT_TAGS_TTL_SEC;
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void admit_tags_free(struct admit_tags *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static struct slot *slot_of(struct admit_tags *t, const char *ref)
{
	return &t->slots[moat_hash_bytes(ref, strlen(ref)) % ADMIT_TAGS_SLOTS];
}

/* "REGISTRY/REPO@DIGEST" from the registry, or -1. */
static int from_registry(struct admit_tags *t, const struct moat_image_ref *ref, char *key,
			 size_t len)
{
	const char *host = moat_registry_api_host(ref->registry);
	struct moat_registry_opts ro = { .cacert = t->o.cacert, .insecure = t->o.insecure,
					 .timeout_sec = ADMIT_TAGS_CONNECT_SEC,
					 .budget_ms = ADMIT_TAGS_BUDGET_MS };
	struct moat_registry *reg = NULL;
	struct moat_error err = { 0 };
	char digest[MOAT_DIGEST_STR_MAX];
	int r = moat_registry_open(host, &ro, &reg, &err);

	if (r == 0)
		r = moat_registry_manifest_digest(reg, ref->repo, ref->tag[0] ? ref->tag : "latest",
						  digest, &err);
	moat_registry_close(reg);
	if (r < 0)
		return -1;
	return (size_t)snprintf(key, len, "%s/%s@%s", ref->registry, ref->repo, digest) < len
		       ? 0 : -1;
}

static void resolve(struct admit_tags *t, const char *image, const struct moat_image_ref *ref,
		    char *key, size_t len)
{
	if (from_registry(t, ref, key, len) == 0)
		return;
	if (t->o.engine_id && t->o.engine_id(t->o.ctx, image, key, len) == 0)
		return;
	snprintf(key, len, "%s", image);
}

int admit_tags_key(struct admit_tags *t, const char *image, char *key, size_t len)
{
	struct moat_image_ref ref;
	char fresh[REF_MAX];
	time_t now = time(NULL);
	struct slot *s;

	if (strlen(image) >= REF_MAX || len < REF_MAX)
		return -ENAMETOOLONG;
	/* a digest names the bytes; something unparsable is its own key */
	if (!t || moat_image_ref_parse(image, &ref) < 0 || ref.digest[0] || !ref.repo[0]) {
		snprintf(key, len, "%s", image);
		return 0;
	}
	s = slot_of(t, image);
	pthread_mutex_lock(&t->mu);
	if (!strcmp(s->ref, image) && now - s->at < (time_t)t->o.ttl_sec) {
		snprintf(key, len, "%s", s->key);
		pthread_mutex_unlock(&t->mu);
		return 0;
	}
	pthread_mutex_unlock(&t->mu);
	/* outside the lock: a registry round trip must not hold up other pods */
	resolve(t, image, &ref, fresh, sizeof(fresh));
	pthread_mutex_lock(&t->mu);
	snprintf(s->ref, sizeof(s->ref), "%s", image);
	snprintf(s->key, sizeof(s->key), "%s", fresh);
	s->at = now;
	pthread_mutex_unlock(&t->mu);
	snprintf(key, len, "%s", fresh);
	return 0;
}
