/* SPDX-License-Identifier: Apache-2.0 */
/* rules-policy.c - console runtime policies over a ruleset (rules-policy.h). */
#include "defend/rules-policy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "defend/cpolicy.h"
#include "defend/lua.h"
#include "defend/rules-int.h"
#include "moat/error.h"

struct entry {
	char glob[MOAT_OVERLAY_MAX_GLOB + 1];
	bool drop;
	enum moat_rule_action action;
	int scope;                      /* index in scopes; -1: every container */
};

struct moat_rules_overlay {
	struct entry *e;
	size_t n;
	struct moat_scope scopes[MOAT_OVERLAY_MAX_SCOPES];
	size_t n_scopes;
	size_t n_scoped;                /* entries with a scope */
};

static int action_parse(const char *s, enum moat_rule_action *ret)
{
	static const char *const names[] = { "alert", "kill", "stop", "pause", "isolate" };
	static const enum moat_rule_action vals[] = { MOAT_ACTION_ALERT, MOAT_ACTION_KILL,
						      MOAT_ACTION_STOP, MOAT_ACTION_PAUSE,
						      MOAT_ACTION_ISOLATE };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*ret = vals[i];
			return 0;
		}
	return MOAT_E_FORMAT;
}

static int add_globs(struct moat_rules_overlay *ov, const json_t *list, bool drop,
		     enum moat_rule_action action, int scope, const char *where,
		     struct moat_error *err)
{
	const json_t *g;
	size_t i;

	if (!list)
		return 0;
	if (!json_is_array(list))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: want a list of rule ids or globs",
				      where);
	json_array_foreach(list, i, g) {
		const char *s = json_string_value(g);

		if (!s || !s[0] || strlen(s) > MOAT_OVERLAY_MAX_GLOB)
			return moat_error_set(err, MOAT_E_FORMAT, "%s[%zu]: want a rule id or glob "
					      "of 1 to %u characters", where, i, MOAT_OVERLAY_MAX_GLOB);
		if (ov->n >= MOAT_OVERLAY_MAX_ENTRIES)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u rule entries in "
					      "all policies", where, MOAT_OVERLAY_MAX_ENTRIES);
		memcpy(ov->e[ov->n].glob, s, strlen(s) + 1);
		ov->e[ov->n].drop = drop;
		ov->e[ov->n].action = action;
		ov->e[ov->n].scope = scope;
		ov->n_scoped += scope >= 0;
		ov->n++;
	}
	return 0;
}

static int parse_one(struct moat_rules_overlay *ov, const json_t *pol, size_t idx,
		     struct moat_error *err)
{
	const json_t *rules = json_object_get(pol, "rules");
	const char *mode = moat_json_str(pol, "mode");
	const char *act = json_is_object(rules) ? moat_json_str(rules, "action") : NULL;
	enum moat_rule_action action = MOAT_ACTION_ALERT;
	struct moat_scope sc;
	int scope = -1;
	char where[96];
	int r;

	snprintf(where, sizeof(where), "runtime policy %.40s",
		 moat_json_str(pol, "name") ? moat_json_str(pol, "name") : "?");
	if (!json_is_object(rules))
		return moat_error_set(err, MOAT_E_FORMAT, "policies[%zu] (%s): \"rules\" is not an "
				      "object", idx, where);
	if (act && action_parse(act, &action) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: action '%.40s': alert, kill, stop, "
				      "pause or isolate", where, act);
	/* mode alert: a dry run, the listed rules only alert */
	if (!mode || strcmp(mode, "block") != 0)
		action = MOAT_ACTION_ALERT;
	if ((r = moat_scope_parse(json_object_get(rules, "scope"), where, &sc, err)) < 0)
		return r;
	if (sc.n_images + sc.n_namespaces + sc.n_labels == 0) {
		moat_scope_release(&sc);        /* an empty scope: every container */
	} else if (ov->n_scopes == MOAT_OVERLAY_MAX_SCOPES) {
		moat_scope_release(&sc);
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u runtime policies with "
				      "a scope", where, MOAT_OVERLAY_MAX_SCOPES);
	} else {
		scope = (int)ov->n_scopes;
		ov->scopes[ov->n_scopes++] = sc;
	}
	r = add_globs(ov, json_object_get(rules, "disable"), true, action, scope, where, err);
	if (r < 0)
		return r;
	return add_globs(ov, json_object_get(rules, "rules"), false, action, scope, where, err);
}

static int parse_each(const json_t *pol, const char *kind, size_t idx, void *ctx,
		      struct moat_error *err)
{
	(void)kind;
	return parse_one(ctx, pol, idx, err);
}

int moat_rules_overlay_parse(const json_t *policies, struct moat_rules_overlay **ret,
			     struct moat_error *err)
{
	static const char *const kinds[] = { "runtime", NULL };
	struct moat_rules_overlay *ov = calloc(1, sizeof(*ov));
	int r;

	*ret = NULL;
	if (ov)
		ov->e = calloc(MOAT_OVERLAY_MAX_ENTRIES, sizeof(*ov->e));
	if (!ov || !ov->e) {
		moat_rules_overlay_free(ov);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	r = moat_cpolicy_foreach(policies, kinds, parse_each, ov, err);
	if (r < 0) {
		moat_rules_overlay_free(ov);
		return r;
	}
	*ret = ov;
	return 0;
}

void moat_rules_overlay_free(struct moat_rules_overlay *ov)
{
	if (!ov)
		return;
	for (size_t i = 0; i < ov->n_scopes; i++)
		moat_scope_release(&ov->scopes[i]);
	free(ov->e);
	free(ov);
}

static bool matches(const struct entry *e, const char *id)
{
	return fnmatch(e->glob, id, 0) == 0;
}

void moat_rules_overlay_apply(const struct moat_rules_overlay *ov, struct moat_ruleset *rs,
			      size_t *ret_dropped, size_t *ret_changed)
{
	size_t dropped = 0, changed = 0, kept = 0;

	for (size_t i = 0; ov && i < rs->n; i++) {
		struct moat_rule *rule = &rs->rules[i];
		enum moat_rule_action action = rule->action;
		bool drop = false;

		for (size_t k = 0; k < ov->n; k++) {
			if (ov->e[k].scope >= 0 || !matches(&ov->e[k], rule->id))
				continue;
			if (ov->e[k].drop)
				drop = true;
			else
				action = ov->e[k].action;
		}
		if (drop) {
			moat_lua_close(rule->lua);
			dropped++;
			continue;
		}
		changed += action != rule->action;
		rule->action = action;
		if (kept != i)
			rs->rules[kept] = *rule;
		kept++;
	}
	if (ov)
		rs->n = kept;
	if (ret_dropped)
		*ret_dropped = dropped;
	if (ret_changed)
		*ret_changed = changed;
}

bool moat_rules_overlay_scoped(const struct moat_rules_overlay *ov)
{
	return ov && ov->n_scoped;
}

bool moat_rules_overlay_resolve(const struct moat_rules_overlay *ov, const char *rule_id,
				const struct moat_scope_target *t, enum moat_rule_action *action)
{
	bool keep = true;

	for (size_t k = 0; ov && ov->n_scoped && k < ov->n; k++) {
		const struct entry *e = &ov->e[k];

		if (e->scope < 0 || !matches(e, rule_id) ||
		    !moat_scope_matches(&ov->scopes[e->scope], t))
			continue;
		if (e->drop)
			keep = false;
		else
			*action = e->action;
	}
	return keep;
}
