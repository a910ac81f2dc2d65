/* SPDX-License-Identifier: Apache-2.0 */
/* cpolicy_test.c - the console's baseline and firewall policies and scopes
 * as a defender reads them (src/defend/cpolicy.h), and scoped runtime
 * policies (src/defend/rules-policy.h). */
#include <jansson.h>
#include <string.h>

#include "defend/cpolicy.h"
#include "defend/rules-policy.h"
#include "defend/rules.h"
#include "harness.h"
#include "moat/error.h"

#define IMG_ID "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static json_t *doc(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fprintf(stderr, "bad test JSON: %s\n", je.text);
	return j;
}

static void test_cpolicy__scope(void)
{
	struct moat_scope s;
	struct moat_error err = { 0 };
	struct moat_scope_target web = { IMG_ID, "shop/web:1", "prod",
					 "moat.tier=web\napp=shop\n" };
	struct moat_scope_target batch = { IMG_ID, "shop/web:1", "dev", "moat.tier=batch\n" };
	struct moat_scope_target bare = { NULL, NULL, NULL, NULL };
	json_t *j = doc("{\"images\":[\"shop/*\"],\"namespaces\":[\"pro?\"],"
			"\"labels\":[\"moat.tier=w*\",\"nothere\"]}");

	CHECK_INT(moat_scope_parse(j, "t", &s, &err), 0);
	CHECK(moat_scope_matches(&s, &web));
	CHECK(!moat_scope_matches(&s, &batch));
	CHECK(!moat_scope_matches(&s, &bare));
	moat_scope_release(&s);
	json_decref(j);
	/* a label by its key alone; an image by id prefix or "name" for name:latest */
	j = doc("{\"labels\":[\"app\"],\"images\":[\"0123456789ab\",\"nginx\"]}");
	CHECK_INT(moat_scope_parse(j, "t", &s, &err), 0);
	CHECK(moat_scope_matches(&s, &web));
	CHECK(!moat_scope_matches(&s, &batch));
	moat_scope_release(&s);
	json_decref(j);
	CHECK(moat_cpol_image_matches("nginx", "sha256:ff", "nginx:latest"));
	CHECK(moat_cpol_image_matches("sha256:abc", "sha256:ff", "repo@sha256:abc"));
	CHECK(!moat_cpol_image_matches("shop/*", "sha256:ff", "other/web:1"));
	/* empty: everything; unknown key or wrong type: refused */
	CHECK_INT(moat_scope_parse(NULL, "t", &s, &err), 0);
	CHECK(moat_scope_matches(&s, &bare));
	j = doc("{\"pods\":[\"x\"]}");
	CHECK_INT(moat_scope_parse(j, "t", &s, &err), MOAT_E_FORMAT);
	json_decref(j);
	j = doc("{\"images\":\"x\"}");
	CHECK_INT(moat_scope_parse(j, "t", &s, &err), MOAT_E_FORMAT);
	json_decref(j);
}

static void test_cpolicy__baseline_firewall(void)
{
	struct moat_cpolicy *cp = NULL;
	struct moat_error err = { 0 };
	struct moat_scope_target web = { IMG_ID, "shop/web:1", "prod", "tier=web\n" };
	struct moat_scope_target db = { IMG_ID, "shop/db:1", "prod", "tier=db\n" };
	enum moat_state_mode mode;
	uint64_t learn = 0;
	const char *name = NULL;
	const struct moat_cpol *fw;
	json_t *j = doc("[{\"kind\":\"baseline\",\"name\":\"learn-all\",\"enabled\":true,"
			"\"mode\":\"block\",\"rules\":{\"mode\":\"learn\"}},"
			"{\"kind\":\"baseline\",\"name\":\"web-enforce\",\"enabled\":true,"
			"\"mode\":\"block\",\"rules\":{\"images\":[\"shop/web*\"],\"mode\":\"enforce\","
			"\"learn_minutes\":30}},"
			"{\"kind\":\"baseline\",\"name\":\"dry\",\"enabled\":true,\"mode\":\"alert\","
			"\"rules\":{\"images\":[\"shop/db*\"],\"mode\":\"enforce\"}},"
			"{\"kind\":\"baseline\",\"name\":\"off\",\"enabled\":false,\"mode\":\"block\","
			"\"rules\":{\"mode\":\"bogus\"}},"
			"{\"kind\":\"firewall\",\"name\":\"no-db\",\"enabled\":true,\"mode\":\"block\","
			"\"rules\":{\"deny\":[{\"from\":\"*\",\"to\":\"image:shop/db:1\",\"port\":5432,"
			"\"proto\":\"tcp\"}],\"allow\":[{\"from\":\"image:shop/web:1\",\"to\":\"cidr:10.0.0.0/8\"}],"
			"\"default\":\"deny\",\"scope\":{\"labels\":[\"tier=web\"]}}},"
			"{\"kind\":\"runtime\",\"name\":\"rt\",\"enabled\":true,\"mode\":\"block\","
			"\"rules\":{\"rules\":[\"x\"]}}]");

	CHECK_INT(moat_cpolicy_parse(j, &cp, &err), 0);
	CHECK_INT(moat_cpolicy_count(cp), 4);
	/* the strictest that applies wins; a dry run's enforce is alert */
	CHECK_INT(moat_cpolicy_baseline(cp, &web, &mode, &learn, &name), 1);
	CHECK_INT(mode, MOAT_STATE_ENFORCE);
	CHECK_INT(learn, 1800);
	CHECK_STR(name, "web-enforce");
	CHECK_INT(moat_cpolicy_baseline(cp, &db, &mode, &learn, &name), 1);
	CHECK_INT(mode, MOAT_STATE_ALERT);
	CHECK_STR(name, "dry");
	/* the firewall policy: its scope, denials first, default deny */
	CHECK(moat_cpolicy_firewall(cp, &web) == 1ull << 3);
	CHECK(moat_cpolicy_firewall(cp, &db) == 0);
	fw = moat_cpolicy_get(cp, 3);
	CHECK(fw->block && fw->default_deny && fw->n_flows == 2);
	CHECK(fw->flows[0].deny && fw->flows[0].port == 5432 && fw->flows[0].proto == MOAT_NET_TCP);
	CHECK_INT(fw->flows[0].to.kind, MOAT_NET_TO_IMAGE);
	CHECK(!fw->flows[1].deny && fw->flows[1].to.kind == MOAT_NET_TO_CIDR &&
	      fw->flows[1].port == 0 && fw->flows[1].proto == MOAT_NET_ANY);
	CHECK_STR(fw->flows[0].id, "console:no-db");
	CHECK_STR(fw->flows[1].from, "shop/web:1");
	moat_cpolicy_free(cp);
	json_decref(j);
	CHECK_INT(moat_cpolicy_parse(NULL, &cp, &err), MOAT_E_FORMAT);
}

/* What the console lets through but a defender must refuse, each naming the policy. */
static void test_cpolicy__bad(void)
{
	static const char *const bad[] = {
		"[{\"kind\":\"firewall\",\"name\":\"p1\",\"enabled\":true,\"rules\":{\"deny\":"
		"[{\"from\":\"*\",\"to\":\"nowhere\"}]}}]",
		"[{\"kind\":\"firewall\",\"name\":\"p2\",\"enabled\":true,\"rules\":{\"allow\":"
		"[{\"from\":\"*\",\"to\":\"cidr:10.0.0.0/99\"}]}}]",
		"[{\"kind\":\"firewall\",\"name\":\"p3\",\"enabled\":true,\"rules\":{\"allow\":"
		"[{\"from\":\"*\",\"to\":\"*\",\"port\":70000}]}}]",
		"[{\"kind\":\"firewall\",\"name\":\"p4\",\"enabled\":true,\"rules\":{\"default\":\"maybe\"}}]",
		"[{\"kind\":\"baseline\",\"name\":\"p5\",\"enabled\":true,\"rules\":{\"mode\":\"sleep\"}}]",
		"[{\"kind\":\"baseline\",\"name\":\"p6\",\"enabled\":true,\"rules\":{\"mode\":\"learn\","
		"\"learn_minutes\":0}}]",
		"[{\"kind\":\"baseline\",\"name\":\"p7\",\"enabled\":true,\"rules\":{\"mode\":\"learn\","
		"\"scope\":{\"labels\":[\"\"]}}}]",
		"[{\"kind\":\"baseline\",\"name\":\"p8\",\"enabled\":true,\"rules\":[]}]",
	};
	char want[8];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct moat_cpolicy *cp = NULL;
		struct moat_error err = { 0 };
		json_t *j = doc(bad[i]);

		CHECK_INT(moat_cpolicy_parse(j, &cp, &err), MOAT_E_FORMAT);
		snprintf(want, sizeof(want), "p%zu", i + 1);
		CHECK(cp == NULL && strstr(err.msg, want) != NULL);
		json_decref(j);
	}
}

/* Scoped runtime policies: left out of the ruleset, resolved per container. */
static void test_cpolicy__runtime_scope(void)
{
	static const char rules[] = "rules:\n"
		"  - {id: a-one, severity: warning, when: {field: evt.kind, equals: exec}}\n"
		"  - {id: b-one, severity: warning, when: {field: evt.kind, equals: exec}}\n";
	struct moat_scope_target prod = { IMG_ID, "shop/web:1", "prod", "" };
	struct moat_scope_target dev = { IMG_ID, "shop/web:1", "dev", "" };
	struct moat_rules_overlay *ov = NULL;
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	enum moat_rule_action a;
	size_t dropped = 9, changed = 9;
	json_t *j = doc("[{\"kind\":\"runtime\",\"name\":\"prod-kill\",\"enabled\":true,"
			"\"mode\":\"block\",\"rules\":{\"rules\":[\"a-*\"],\"action\":\"kill\","
			"\"disable\":[\"b-one\"],\"scope\":{\"namespaces\":[\"prod\"]}}},"
			"{\"kind\":\"runtime\",\"name\":\"all\",\"enabled\":true,\"mode\":\"block\","
			"\"rules\":{\"rules\":[\"b-one\"],\"action\":\"stop\",\"scope\":{}}}]");

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(moat_rules_load(rs, (const uint8_t *)rules, strlen(rules), "t.yaml", &err), 0);
	CHECK_INT(moat_rules_overlay_parse(j, &ov, &err), 0);
	CHECK(moat_rules_overlay_scoped(ov));
	moat_rules_overlay_apply(ov, rs, &dropped, &changed);
	CHECK_INT(dropped, 0);
	CHECK_INT(changed, 1);  /* b-one -> stop (an empty scope is everywhere) */
	a = MOAT_ACTION_ALERT;
	CHECK(moat_rules_overlay_resolve(ov, "a-one", &prod, &a) && a == MOAT_ACTION_KILL);
	a = MOAT_ACTION_ALERT;
	CHECK(moat_rules_overlay_resolve(ov, "a-one", &dev, &a) && a == MOAT_ACTION_ALERT);
	CHECK(!moat_rules_overlay_resolve(ov, "b-one", &prod, &a));
	CHECK(moat_rules_overlay_resolve(ov, "b-one", &dev, &a));
	moat_rules_overlay_free(ov);
	moat_rules_close(rs);
	json_decref(j);
}

int main(void)
{
	MOAT_RUN(test_cpolicy__scope);
	MOAT_RUN(test_cpolicy__baseline_firewall);
	MOAT_RUN(test_cpolicy__bad);
	MOAT_RUN(test_cpolicy__runtime_scope);
	return moat_test_done();
}
