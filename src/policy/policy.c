/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy.c - load a policy file (YAML or JSON) into struct moat_policy, with
 * every key checked: a typo in a security policy must fail loudly, never
 * weaken it in silence. The format is in docs/policy.md.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/yaml.h"
#include "moat/error.h"
#include "policy-int.h"
#include "vuln/match.h"

#define POLICY_MAX_BYTES (1u << 20)
#define POLICY_MAX_DEPTH 16u
#define POLICY_MAX_LIST 4096u
#define POLICY_MAX_SCAN_TIMEOUT 600u

int moat_policy_severity_list(const char *list, unsigned *ret_mask)
{
	char word[32];
	unsigned mask = 0;

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		int rank;

		if (n == 0 || n >= sizeof(word))
			return -EINVAL;
		memcpy(word, p, n);
		word[n] = '\0';
		rank = strcmp(word, "unknown") != 0 ? moat_severity_rank(word) : -1;
		if (rank < 0 && strcmp(word, "unknown") != 0)
			return -EINVAL;
		mask |= 1u << (rank + 1);
		p += n + (p[n] == ',');
	}
	*ret_mask = mask;
	return 0;
}

int moat_policy_severity_mask(const json_t *v, unsigned *ret_mask)
{
	json_t *item;
	unsigned mask = 0;
	size_t i;

	if (json_is_string(v))
		return moat_policy_severity_list(json_string_value(v), ret_mask);
	if (!json_is_array(v) || json_array_size(v) == 0)
		return -EINVAL;
	json_array_foreach(v, i, item) {
		unsigned one;

		if (!json_is_string(item) || moat_policy_severity_list(json_string_value(item), &one))
			return -EINVAL;
		mask |= one;
	}
	*ret_mask = mask;
	return 0;
}

static void strs_release(struct policy_strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

bool policy_strs_has(const struct policy_strs *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->items[i], v))
			return true;
	return false;
}

void moat_policy_free(struct moat_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->rules && i < policy_n_rule_defs; i++) {
		strs_release(&p->rules[i].list);
		strs_release(&p->rules[i].registries);
		strs_release(&p->rules[i].repos);
		strs_release(&p->rules[i].digests);
	}
	free(p->rules);
	strs_release(&p->namespaces);
	strs_release(&p->exclude_namespaces);
	strs_release(&p->images);
	json_decref(p->match_labels);
	json_decref(p->doc);
	json_decref(p->comply);
	free(p->origin);
	free(p);
}

static int bad(struct moat_error *err, const char *origin, const char *key, const char *want)
{
	return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: want %s", origin, key, want);
}

/* A list of non-empty strings (a single string counts as a list of one). */
static int load_strs(json_t *v, const char *origin, const char *key,
		     struct policy_strs *out, struct moat_error *err)
{
	json_t *item;
	size_t i;

	if (json_is_string(v)) {
		json_t *one = json_pack("[O]", v);
		int r = one ? load_strs(one, origin, key, out, err) : -ENOMEM;

		json_decref(one);
		return r;
	}
	if (!json_is_array(v) || json_array_size(v) > POLICY_MAX_LIST)
		return bad(err, origin, key, "a list of strings");
	out->items = calloc(json_array_size(v) + 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	json_array_foreach(v, i, item) {
		if (!json_is_string(item) || json_string_length(item) == 0 ||
		    strlen(json_string_value(item)) != json_string_length(item))
			return bad(err, origin, key, "a list of non-empty strings");
		out->items[out->n] = strdup(json_string_value(item));
		if (!out->items[out->n])
			return -ENOMEM;
		out->n++;
	}
	return 0;
}

int policy_parse_action(const json_t *v, enum moat_policy_action *ret)
{
	const char *s = json_string_value(v);

	if (json_is_false(v))
		return *ret = MOAT_POLICY_OFF, 0;
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "off") || !strcmp(s, "disabled"))
		*ret = MOAT_POLICY_OFF;
	else if (!strcmp(s, "alert") || !strcmp(s, "warn"))
		*ret = MOAT_POLICY_ALERT;
	else if (!strcmp(s, "block") || !strcmp(s, "deny"))
		*ret = MOAT_POLICY_BLOCK;
	else
		return -EINVAL;
	return 0;
}

/* rules.ID: ACTION, or {enabled: bool, action: ACTION, <list key>: [...]}. */
static int load_rule(const struct policy_rule_def *def, json_t *v, const char *origin,
		     struct policy_rule *rule, struct moat_error *err)
{
	char key[96];
	const char *k;
	json_t *item;
	int r;

	snprintf(key, sizeof(key), "rules.%s", def->id);
	if (!json_is_object(v))
		return policy_parse_action(v, &rule->action) ? bad(err, origin, key, "off, alert or block") : 0;
	if (def->builtin == MOAT_POLICY_OFF)
		rule->action = MOAT_POLICY_BLOCK; /* naming a rule with parameters turns it on */
	json_object_foreach(v, k, item) {
		bool is_trust = !strcmp(def->id, "trusted_images");

		if (!strcmp(k, "action")) {
			if (policy_parse_action(item, &rule->action))
				return bad(err, origin, key, "action off, alert or block");
		} else if (!strcmp(k, "enabled")) {
			if (!json_is_boolean(item))
				return bad(err, origin, key, "enabled: true or false");
		} else if (def->list_key && !strcmp(k, def->list_key)) {
			if ((r = load_strs(item, origin, key, &rule->list, err)) < 0)
				return r;
		} else if (is_trust && !strcmp(k, "registries")) {
			if ((r = load_strs(item, origin, key, &rule->registries, err)) < 0)
				return r;
		} else if (is_trust && !strcmp(k, "repos")) {
			if ((r = load_strs(item, origin, key, &rule->repos, err)) < 0)
				return r;
		} else if (is_trust && !strcmp(k, "digests")) {
			if ((r = load_strs(item, origin, key, &rule->digests, err)) < 0)
				return r;
		} else {
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: unknown key '%s'", origin,
					      key, k);
		}
	}
	if (json_is_false(json_object_get(v, "enabled")))
		rule->action = MOAT_POLICY_OFF;
	return 0;
}

static int load_rules(struct moat_policy *p, json_t *rules, struct moat_error *err)
{
	const char *k;
	json_t *v;
	int r;

	if (!json_is_object(rules))
		return bad(err, p->origin, "rules", "a mapping of rule id to action");
	json_object_foreach(rules, k, v) {
		size_t i;

		for (i = 0; i < policy_n_rule_defs; i++)
			if (!strcmp(policy_rule_defs[i].id, k))
				break;
		if (i == policy_n_rule_defs)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: rules: unknown rule '%s' "
					      "(see docs/policy.md)", p->origin, k);
		if ((r = load_rule(&policy_rule_defs[i], v, p->origin, &p->rules[i], err)) < 0)
			return r;
	}
	return 0;
}

static int load_admission(struct moat_policy *p, json_t *a, struct moat_error *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(a))
		return bad(err, p->origin, "admission", "a mapping");
	json_object_foreach(a, k, v) {
		const char *s = json_string_value(v);

		if (!strcmp(k, "failure")) {
			if (!s || (strcmp(s, "open") != 0 && strcmp(s, "closed") != 0))
				return bad(err, p->origin, "admission.failure", "open or closed");
			p->fail_open = !strcmp(s, "open");
		} else if (!strcmp(k, "scan")) {
			if (s && !strcmp(s, "background"))
				p->scan_mode = MOAT_POLICY_SCAN_BACKGROUND;
			else if (s && !strcmp(s, "sync"))
				p->scan_mode = MOAT_POLICY_SCAN_SYNC;
			else if (s && !strcmp(s, "none"))
				p->scan_mode = MOAT_POLICY_SCAN_NONE;
			else
				return bad(err, p->origin, "admission.scan", "background, sync or none");
		} else if (!strcmp(k, "scan_timeout")) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > POLICY_MAX_SCAN_TIMEOUT)
				return bad(err, p->origin, "admission.scan_timeout", "1-600 seconds");
			p->scan_timeout = (unsigned)json_integer_value(v);
		} else {
			return moat_error_set(err, MOAT_E_FORMAT, "%s: admission: unknown key '%s'",
					      p->origin, k);
		}
	}
	return 0;
}

/* {key: value} with string values, as Kubernetes matchLabels. */
static int load_labels(json_t *v, const char *origin, const char *key, json_t **ret,
		       struct moat_error *err)
{
	const char *k;
	json_t *item;

	if (!json_is_object(v))
		return bad(err, origin, key, "a mapping of label to value");
	json_object_foreach(v, k, item)
		if (!json_is_string(item))
			return bad(err, origin, key, "string label values");
	*ret = json_incref(v);
	return 0;
}

static int load_scope(struct moat_policy *p, json_t *s, struct moat_error *err)
{
	const char *k;
	json_t *v;
	int r = 0;

	if (!json_is_object(s))
		return bad(err, p->origin, "scope", "a mapping");
	json_object_foreach(s, k, v) {
		if (!strcmp(k, "namespaces"))
			r = load_strs(v, p->origin, "scope.namespaces", &p->namespaces, err);
		else if (!strcmp(k, "exclude_namespaces"))
			r = load_strs(v, p->origin, "scope.exclude_namespaces",
				      &p->exclude_namespaces, err);
		else if (!strcmp(k, "images"))
			r = load_strs(v, p->origin, "scope.images", &p->images, err);
		else if (!strcmp(k, "match_labels"))
			r = load_labels(v, p->origin, "scope.match_labels", &p->match_labels, err);
		else
			return moat_error_set(err, MOAT_E_FORMAT, "%s: scope: unknown key '%s'",
					      p->origin, k);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The `moat scan --policy` keys: thresholds and the ignore list. */
static int load_vuln_key(struct moat_policy *p, const char *k, json_t *v,
			 struct moat_error *err)
{
	struct moat_policy_vuln *pv = &p->vuln;
	json_t *item;
	size_t i;

	if (!strcmp(k, "fail_on"))
		return moat_policy_severity_mask(v, &pv->fail_on) ?
		       bad(err, p->origin, k, "a list of severities (critical, high, medium, "
			   "low, negligible, unknown)") : 0;
	if (!strcmp(k, "severity"))
		return moat_policy_severity_mask(v, &pv->severity) ?
		       bad(err, p->origin, k, "a list of severities") : 0;
	if (!strcmp(k, "fail_on_fixable") || !strcmp(k, "ignore_unfixed")) {
		if (!json_is_boolean(v))
			return bad(err, p->origin, k, "true or false");
		*(!strcmp(k, "ignore_unfixed") ? &pv->ignore_unfixed : &pv->fail_on_fixable) =
			json_is_true(v);
		return 0;
	}
	if (!strcmp(k, "fail_on_risk")) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
			return bad(err, p->origin, k, "a risk score 0-100");
		pv->fail_on_risk = (int)json_integer_value(v);
		return 0;
	}
	/* ignore */
	if (!json_is_array(v))
		return bad(err, p->origin, k, "a list of {id, package, reason}");
	json_array_foreach(v, i, item)
		if (!json_is_object(item) || !json_is_string(json_object_get(item, "id")))
			return bad(err, p->origin, k, "a list of {id, package, reason}");
	pv->ignore = v;
	return 0;
}

/* A list of non-empty strings, or absent. */
static bool str_list(const json_t *v)
{
	const json_t *item;
	size_t i;

	if (!v)
		return true;
	if (!json_is_array(v) || !json_array_size(v) || json_array_size(v) > POLICY_MAX_LIST)
		return false;
	json_array_foreach(v, i, item)
		if (!json_is_string(item) || !json_string_length(item) ||
		    strlen(json_string_value(item)) != json_string_length(item))
			return false;
	return true;
}

/* secrets: {allow: [{path, rules, fingerprints, reason}]}: secret findings
 * a team has looked at and accepted (test fixtures, published example keys). */
static int load_secrets(struct moat_policy *p, json_t *v, struct moat_error *err)
{
	static const char want[] = "a list of {path, rules, fingerprints, reason} (at least one "
				   "of path, rules, fingerprints)";
	const char *k;
	json_t *allow, *item, *x;
	size_t i;

	if (!json_is_object(v))
		return bad(err, p->origin, "secrets", "a mapping with `allow`");
	json_object_foreach(v, k, x)
		if (strcmp(k, "allow") != 0)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: secrets: unknown key '%s'",
					      p->origin, k);
	allow = json_object_get(v, "allow");
	if (!json_is_array(allow) || json_array_size(allow) > POLICY_MAX_LIST)
		return bad(err, p->origin, "secrets.allow", want);
	json_array_foreach(allow, i, item) {
		const json_t *path = json_object_get(item, "path");
		const json_t *reason = json_object_get(item, "reason");

		if (!json_is_object(item))
			return bad(err, p->origin, "secrets.allow", want);
		json_object_foreach(item, k, x)
			if (strcmp(k, "path") != 0 && strcmp(k, "rules") != 0 &&
			    strcmp(k, "fingerprints") != 0 && strcmp(k, "reason") != 0)
				return moat_error_set(err, MOAT_E_FORMAT, "%s: secrets.allow[%zu]: "
						      "unknown key '%s'", p->origin, i, k);
		if ((path && (!json_is_string(path) || !json_string_length(path))) ||
		    (reason && !json_is_string(reason)) ||
		    !str_list(json_object_get(item, "rules")) ||
		    !str_list(json_object_get(item, "fingerprints")) ||
		    (!path && !json_object_get(item, "rules") &&
		     !json_object_get(item, "fingerprints")))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: secrets.allow[%zu]: want %s",
					      p->origin, i, want);
	}
	p->vuln.secret_allow = allow;
	return 0;
}

static int load_doc(struct moat_policy *p, struct moat_error *err)
{
	static const char *const vuln_keys[] = { "fail_on", "severity", "fail_on_fixable",
						 "ignore_unfixed", "fail_on_risk", "ignore" };
	const char *k;
	json_t *v;
	int r = 0;

	if (json_is_null(p->doc))
		return 0; /* an empty file: the built-in defaults */
	if (!json_is_object(p->doc))
		return bad(err, p->origin, "top level", "a mapping");
	json_object_foreach(p->doc, k, v) {
		bool vk = false;

		for (size_t i = 0; i < sizeof(vuln_keys) / sizeof(vuln_keys[0]); i++)
			vk |= !strcmp(k, vuln_keys[i]);
		if (vk)
			r = load_vuln_key(p, k, v, err);
		else if (!strcmp(k, "rules"))
			r = load_rules(p, v, err);
		else if (!strcmp(k, "secrets"))
			r = load_secrets(p, v, err);
		else if (!strcmp(k, "admission"))
			r = load_admission(p, v, err);
		else if (!strcmp(k, "scope"))
			r = load_scope(p, v, err);
		else if (!strcmp(k, "comply"))
			r = policy_load_comply(p, v, err);
		else if (!strcmp(k, "version"))
			r = json_is_integer(v) && json_integer_value(v) == 1 ? 0 :
			    bad(err, p->origin, k, "1");
		else if (!strcmp(k, "name") || !strcmp(k, "description"))
			r = json_is_string(v) ? 0 : bad(err, p->origin, k, "a string");
		else
			return moat_error_set(err, MOAT_E_FORMAT, "%s: unknown key '%s' (see "
					      "docs/policy.md)", p->origin, k);
		if (r < 0)
			return r;
	}
	return 0;
}

static struct moat_policy *policy_new(const char *origin)
{
	struct moat_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->origin = strdup(origin);
	p->rules = calloc(policy_n_rule_defs, sizeof(*p->rules));
	if (!p->origin || !p->rules) {
		moat_policy_free(p);
		return NULL;
	}
	for (size_t i = 0; i < policy_n_rule_defs; i++)
		p->rules[i].action = policy_rule_defs[i].builtin;
	p->vuln.fail_on_risk = -1;
	p->scan_timeout = 20;
	return p;
}

int moat_policy_from_json(const json_t *doc, const char *origin, struct moat_policy **ret,
			  struct moat_error *err)
{
	struct moat_policy *p = policy_new(origin);
	char *canon;
	int r;

	if (!p)
		return moat_error_set(err, -ENOMEM, "out of memory");
	p->doc = json_deep_copy(doc);
	if (!p->doc) {
		moat_policy_free(p);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	if ((r = load_doc(p, err)) < 0) {
		moat_policy_free(p);
		return r == -ENOMEM ? moat_error_set(err, r, "out of memory") : r;
	}
	canon = json_dumps(p->doc, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
	if (!canon || moat_sha256_str(canon, strlen(canon), p->hash) < 0) {
		free(canon);
		moat_policy_free(p);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	free(canon);
	*ret = p;
	return 0;
}

int moat_policy_default(struct moat_policy **ret, struct moat_error *err)
{
	json_t *doc = json_null();

	return moat_policy_from_json(doc, "built-in default policy", ret, err);
}

int moat_policy_load(const char *path, struct moat_policy **ret, struct moat_error *err)
{
	struct moat_buf text;
	json_t *doc = NULL;
	int r;

	moat_buf_init(&text, 0);
	if ((r = moat_read_file(path, POLICY_MAX_BYTES, &text, err)) >= 0 &&
	    (r = moat_yaml_parse(text.data, text.len, path, POLICY_MAX_BYTES, POLICY_MAX_DEPTH,
				 &doc, err)) >= 0) {
		r = moat_policy_from_json(doc, path, ret, err);
		json_decref(doc);
	}
	moat_buf_release(&text);
	return r;
}

const struct moat_policy_vuln *moat_policy_vuln(const struct moat_policy *p)
{
	return &p->vuln;
}

bool moat_policy_has_vuln_gate(const struct moat_policy *p)
{
	return p->vuln.fail_on || p->vuln.fail_on_fixable || p->vuln.fail_on_risk >= 0;
}

const char *moat_policy_hash(const struct moat_policy *p)
{
	return p->hash;
}

const char *moat_policy_origin(const struct moat_policy *p)
{
	return p->origin;
}

bool moat_policy_fail_open(const struct moat_policy *p)
{
	return p->fail_open;
}

enum moat_policy_scan_mode moat_policy_scan_mode(const struct moat_policy *p)
{
	return p->scan_mode;
}

unsigned moat_policy_scan_timeout(const struct moat_policy *p)
{
	return p->scan_timeout;
}

enum moat_policy_action moat_policy_rule_action(const struct moat_policy *p, const char *id)
{
	for (size_t i = 0; i < policy_n_rule_defs; i++)
		if (!strcmp(policy_rule_defs[i].id, id))
			return p->rules[i].action;
	return MOAT_POLICY_OFF;
}
