/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-comply.c - the comply: section of a policy file: per benchmark
 * (docker; k8s and node for the Kubernetes commands), a default action and
 * one action per check id, which `moat comply` applies: off drops the
 * check, alert reports it, block also fails the run when it WARNs. The
 * admission webhook applies the k8s section to each object it admits.
 *
 *   comply:
 *     docker:
 *       default: alert
 *       checks: {"5.5": block, "2.13": off, "5.32": {action: block}}
 */
#include <errno.h>
#include <string.h>

#include "moat/error.h"
#include "policy-int.h"

/* Check ids a policy may name per benchmark, at most. */
#define COMPLY_MAX_CHECKS 1024

static const char *const benchmarks[] = {"docker", "k8s", "node"};

static int bad(struct moat_error *err, const char *origin, const char *key, const char *want)
{
	return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: want %s", origin, key, want);
}

/* ID: ACTION, or {action: ACTION, enabled: bool}. */
static int load_check(const char *origin, const char *key, json_t *v,
		      enum moat_policy_action *ret, struct moat_error *err)
{
	const char *k;
	json_t *item;

	*ret = MOAT_POLICY_ALERT;
	if (!json_is_object(v))
		return policy_parse_action(v, ret) ? bad(err, origin, key, "off, alert or block") : 0;
	json_object_foreach(v, k, item) {
		if (!strcmp(k, "action")) {
			if (policy_parse_action(item, ret))
				return bad(err, origin, key, "action off, alert or block");
		} else if (!strcmp(k, "enabled")) {
			if (!json_is_boolean(item))
				return bad(err, origin, key, "enabled: true or false");
		} else {
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: unknown key '%s'", origin,
					      key, k);
		}
	}
	if (json_is_false(json_object_get(v, "enabled")))
		*ret = MOAT_POLICY_OFF;
	return 0;
}

static int load_bench(struct moat_policy *p, const char *bench, json_t *v, json_t *out,
		      struct moat_error *err)
{
	char key[160];
	enum moat_policy_action a = MOAT_POLICY_ALERT;
	json_t *checks = json_object();
	const char *k;
	json_t *item;
	int r;

	if (!checks || json_object_set_new(out, "checks", checks) < 0)
		return -ENOMEM;
	snprintf(key, sizeof(key), "comply.%s", bench);
	if (!json_is_object(v))
		return bad(err, p->origin, key, "a mapping with default and checks");
	json_object_foreach(v, k, item) {
		if (!strcmp(k, "default")) {
			if (policy_parse_action(item, &a))
				return bad(err, p->origin, key, "default: off, alert or block");
		} else if (!strcmp(k, "checks")) {
			const char *id;
			json_t *c;

			if (!json_is_object(item) || json_object_size(item) > COMPLY_MAX_CHECKS)
				return bad(err, p->origin, key, "checks: a mapping of check id to action");
			json_object_foreach(item, id, c) {
				enum moat_policy_action ca;

				snprintf(key, sizeof(key), "comply.%s.checks.%.64s", bench, id);
				if ((r = load_check(p->origin, key, c, &ca, err)) < 0)
					return r;
				if (json_object_set_new(checks, id, json_integer(ca)) < 0)
					return -ENOMEM;
			}
		} else {
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: unknown key '%s'",
					      p->origin, key, k);
		}
	}
	return json_object_set_new(out, "default", json_integer(a)) < 0 ? -ENOMEM : 0;
}

int policy_load_comply(struct moat_policy *p, json_t *v, struct moat_error *err)
{
	const char *bench;
	json_t *item;
	int r;

	if (!json_is_object(v))
		return bad(err, p->origin, "comply", "a mapping of benchmark (docker, k8s, node)");
	json_decref(p->comply);
	p->comply = json_object();
	if (!p->comply)
		return -ENOMEM;
	json_object_foreach(v, bench, item) {
		json_t *out = json_object();
		bool known = false;

		for (size_t i = 0; i < sizeof(benchmarks) / sizeof(benchmarks[0]); i++)
			known |= !strcmp(bench, benchmarks[i]);
		if (!known) {
			json_decref(out);
			return moat_error_set(err, MOAT_E_FORMAT, "%s: comply: unknown benchmark '%s' "
					      "(docker, k8s, node)", p->origin, bench);
		}
		if (!out || json_object_set_new(p->comply, bench, out) < 0)
			return -ENOMEM;
		if ((r = load_bench(p, bench, item, out, err)) < 0)
			return r;
	}
	return 0;
}

enum moat_policy_action moat_policy_comply_action(const struct moat_policy *p, const char *bench,
						  const char *id)
{
	const json_t *b = p ? json_object_get(p->comply, bench) : NULL;
	const json_t *c = json_object_get(json_object_get(b, "checks"), id);

	if (json_is_integer(c))
		return (enum moat_policy_action)json_integer_value(c);
	if (json_is_integer(json_object_get(b, "default")))
		return (enum moat_policy_action)json_integer_value(json_object_get(b, "default"));
	return MOAT_POLICY_ALERT;
}

const char *moat_policy_comply_unknown(const struct moat_policy *p, const char *bench,
				       bool (*known)(const char *id))
{
	const json_t *b = p ? json_object_get(p->comply, bench) : NULL;
	const char *id;
	json_t *c;

	json_object_foreach(json_object_get(b, "checks"), id, c)
		if (!known(id))
			return id;
	return NULL;
}

bool moat_policy_comply_has(const struct moat_policy *p, const char *bench)
{
	return p && json_object_get(p->comply, bench) != NULL;
}

bool moat_policy_comply_explicit(const struct moat_policy *p, const char *bench, const char *id,
				 enum moat_policy_action *ret)
{
	const json_t *b = p ? json_object_get(p->comply, bench) : NULL;
	const json_t *c = json_object_get(json_object_get(b, "checks"), id);

	if (!json_is_integer(c))
		return false;
	*ret = (enum moat_policy_action)json_integer_value(c);
	return true;
}

bool moat_policy_scoped(const struct moat_policy *p)
{
	return p && (p->namespaces.n || p->exclude_namespaces.n || p->images.n ||
		     json_object_size(p->match_labels));
}

/* The local file's word counts when it has the benchmark's section (its
 * default speaks for every check); a console policy's only for the checks
 * it names. Among those that speak, the strictest action wins. */
enum moat_policy_action moat_policy_comply_merged(const struct moat_policy *local,
						  struct moat_policy *const *console, size_t n,
						  const char *bench, const char *id)
{
	enum moat_policy_action act = MOAT_POLICY_ALERT, a;
	bool spoke = false;

	if (moat_policy_comply_has(local, bench)) {
		act = moat_policy_comply_action(local, bench, id);
		spoke = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (!moat_policy_comply_explicit(console[i], bench, id, &a))
			continue;
		act = spoke && act > a ? act : a;
		spoke = true;
	}
	return act;
}
