/* SPDX-License-Identifier: Apache-2.0 */
/* notify.c - distribution and Harbor push notifications (notify.h). */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "moat/error.h"
#include "notify.h"

struct sink {
	struct moat_registry_pushed *out;
	size_t max;
	size_t n;
	size_t skipped;
};

static bool is_manifest_type(const char *mt)
{
	/* Distribution also notifies every blob; only manifests are images. */
	return !mt || strstr(mt, "manifest") || strstr(mt, "index") ||
	       !strcmp(mt, MOAT_REGISTRY_MEDIA_OCI_MANIFEST);
}

static int add(struct sink *s, const char *repo, const char *digest, const char *tag,
	       struct moat_error *err)
{
	struct moat_registry_pushed *p;

	if (!repo || !digest || !moat_registry_repo_valid(repo, strlen(repo)) ||
	    strlen(digest) >= MOAT_DIGEST_STR_MAX || !moat_digest_valid(digest, strlen(digest)) ||
	    (tag && *tag && !moat_registry_tag_valid(tag, strlen(tag)))) {
		s->skipped++;
		return 0;
	}
	if (s->n == s->max)
		return moat_error_set(err, MOAT_E_LIMIT, "notification: more than %zu images",
				      s->max);
	p = &s->out[s->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->repo, sizeof(p->repo), "%s", repo);
	snprintf(p->digest, sizeof(p->digest), "%s", digest);
	if (tag)
		snprintf(p->tag, sizeof(p->tag), "%s", tag);
	return 0;
}

static int distribution(struct sink *s, const json_t *events, struct moat_error *err)
{
	size_t i;
	json_t *ev;
	int r;

	json_array_foreach(events, i, ev) {
		const json_t *target = json_object_get(ev, "target");
		const char *action = moat_json_str(ev, "action");

		if (!action || strcmp(action, "push") != 0 ||
		    !is_manifest_type(moat_json_str(target, "mediaType")))
			continue;
		r = add(s, moat_json_str(target, "repository"), moat_json_str(target, "digest"),
			moat_json_str(target, "tag"), err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Harbor gives the repository once and a tag per resource. */
static int harbor(struct sink *s, const json_t *data, struct moat_error *err)
{
	const char *repo = moat_json_str(json_object_get(data, "repository"), "repo_full_name");
	size_t i;
	json_t *res;
	int r;

	json_array_foreach(json_object_get(data, "resources"), i, res) {
		r = add(s, repo, moat_json_str(res, "digest"), moat_json_str(res, "tag"), err);
		if (r < 0)
			return r;
	}
	return 0;
}

int moat_registry_notify_parse(const void *body, size_t len, struct moat_registry_pushed *ret,
			       size_t max, size_t *ret_n, size_t *ret_skipped,
			       struct moat_error *err)
{
	struct sink s = { ret, max, 0, 0 };
	json_t *doc = NULL;
	const char *type;
	int r = moat_json_parse(body, len, MOAT_REGISTRY_NOTIFY_MAX, "notification", &doc, err);

	*ret_n = 0;
	*ret_skipped = 0;
	if (r < 0)
		return r;
	type = moat_json_str(doc, "type");
	if (json_is_array(json_object_get(doc, "events")))
		r = distribution(&s, json_object_get(doc, "events"), err);
	else if (type && json_is_object(json_object_get(doc, "event_data")))
		r = !strcmp(type, "PUSH_ARTIFACT") || !strcmp(type, "pushImage")
			    ? harbor(&s, json_object_get(doc, "event_data"), err) : 0;
	else
		r = moat_error_set(err, MOAT_E_FORMAT, "notification: neither a distribution "
				   "envelope (events) nor a Harbor webhook (type, event_data)");
	json_decref(doc);
	*ret_n = s.n;
	*ret_skipped = s.skipped;
	return r;
}
