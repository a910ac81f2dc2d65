/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rules-policy.c - a console policy document (GET /defenders/self/policy,
 * or the defender's cached copy) through the overlay parser, then laid over a
 * small ruleset; and through the baseline/firewall policy parser, whose
 * policies are then matched against a container.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "defend/cpolicy.h"
#include "defend/rules-policy.h"
#include "defend/rules.h"
#include "moat/error.h"
#include "uplink/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char rules[] = "rules:\n"
		"  - {id: a-one, severity: warning, when: {field: evt.kind, equals: exec}}\n"
		"  - {id: b-one, severity: warning, action: kill, when: {field: evt.kind, equals: exec}}\n";
	struct moat_scope_target t = { "sha256:0123456789abcdef", "shop/web:1", "prod",
				       "tier=web\napp=x\n" };
	struct moat_rules_overlay *ov = NULL;
	struct moat_cpolicy *cp = NULL;
	struct moat_ruleset *rs = NULL;
	enum moat_state_mode mode;
	enum moat_rule_action action = MOAT_ACTION_ALERT;
	uint64_t learn;
	const char *name;
	struct moat_error err = { 0 };
	json_t *doc;

	if (size > MOAT_POLICY_MAX)
		return 0;
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!doc)
		return 0;
	if (moat_rules_overlay_parse(json_object_get(doc, "policies"), &ov, &err) == 0 &&
	    moat_rules_open(&rs, &err) == 0 &&
	    moat_rules_load(rs, (const uint8_t *)rules, strlen(rules), "fuzz", &err) == 0)
		moat_rules_overlay_apply(ov, rs, NULL, NULL);
	moat_rules_overlay_resolve(ov, "a-one", &t, &action);
	if (moat_cpolicy_parse(json_object_get(doc, "policies"), &cp, &err) == 0) {
		moat_cpolicy_baseline(cp, &t, &mode, &learn, &name);
		moat_cpolicy_firewall(cp, &t);
	}
	moat_cpolicy_free(cp);
	moat_rules_close(rs);
	moat_rules_overlay_free(ov);
	json_decref(doc);
	return 0;
}
