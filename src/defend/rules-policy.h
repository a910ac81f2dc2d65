/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-policy.h - the console's runtime policies laid over the rules a
 * defender loaded from its rule directory (docs/console.md, "Defender
 * policy"). A policy of kind "runtime" holds
 *
 *   {"disable": [GLOB...], "rules": [GLOB...], "action": "alert|kill|stop|pause|isolate"}
 *
 * Rules whose id matches a "disable" glob are dropped. Rules matching a
 * "rules" glob get "action" when the policy's mode is "block", and are
 * held to "alert" when it is "alert" (a dry run of a response). Later
 * policies win over earlier ones; other kinds are ignored here.
 */
#ifndef MOAT_DEFEND_RULES_POLICY_H
#define MOAT_DEFEND_RULES_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "defend/rules.h"

struct moat_error;
struct moat_ruleset;
struct moat_rules_overlay;
struct moat_scope_target;

#define MOAT_OVERLAY_MAX_ENTRIES 4096u
#define MOAT_OVERLAY_MAX_GLOB 256u
#define MOAT_OVERLAY_MAX_SCOPES 64u

/* The console's policy list ([{"kind","mode","rules":{...}}...]). A bad
 * runtime policy is MOAT_E_FORMAT naming it (nothing is applied then). */
int moat_rules_overlay_parse(const json_t *policies, struct moat_rules_overlay **ret,
			     struct moat_error *err);
void moat_rules_overlay_free(struct moat_rules_overlay *ov);
/* Apply to rs (NULL ov: nothing); *ret_dropped and *ret_changed (may be NULL) count. */
void moat_rules_overlay_apply(const struct moat_rules_overlay *ov, struct moat_ruleset *rs,
			      size_t *ret_dropped, size_t *ret_changed);

/* Does ov hold policies with a scope? */
bool moat_rules_overlay_scoped(const struct moat_rules_overlay *ov);
/* For rule_id matching in container t: false when a scoped policy turns
 * the rule off there, else true with *action set by the scoped policies
 * that apply (unchanged when none does). ov NULL: true. */
bool moat_rules_overlay_resolve(const struct moat_rules_overlay *ov, const char *rule_id,
				const struct moat_scope_target *t, enum moat_rule_action *action);

#endif
