/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_comply_console_test.c - the console's compliance policies as the
 * comply: section of engine policies (moat_policy_comply_from_console), the
 * strictest action per check with a local file (moat_policy_comply_merged),
 * and the webhook's translation of them (benchmark k8s only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console-answer.h"
#include "harness.h"
#include "moat/error.h"
#include "policy/policy.h"

static int pull(const char *policies, const char *bench, struct moat_policy ***list,
		size_t *n, char *tmpl, struct moat_error *err)
{
	json_t *doc = answer(policies);
	int r;

	CHECK(doc != NULL);
	r = moat_policy_comply_from_console(doc, bench, list, n, tmpl, 32, err);
	json_decref(doc);
	return r;
}

static const char *act(const struct moat_policy *local, struct moat_policy **list, size_t n,
		       const char *bench, const char *id)
{
	static const char *const names[] = { "off", "alert", "block" };

	return names[moat_policy_comply_merged(local, list, n, bench, id)];
}

static void test_comply_console__translate(void)
{
	struct moat_policy **list = NULL;
	struct moat_error err = {0};
	char tmpl[32] = "x";
	size_t n = 9;

	/* k8s: MOAT-K8S-00* block but 002 off; another policy alerts on 056;
	 * one for docker only and one disabled are not taken */
	CHECK_INT(pull("[{\"id\":\"p1\",\"kind\":\"compliance\",\"name\":\"psa\",\"enabled\":true,"
		       "\"mode\":\"alert\",\"rules\":{\"benchmark\":\"k8s\",\"checks\":"
		       "[\"MOAT-K8S-00*\"],\"disable\":[\"MOAT-K8S-002\"],\"action\":\"block\","
		       "\"templates\":[\"cis-k8s\",\"pci\"]}},"
		       "{\"id\":\"p2\",\"kind\":\"compliance\",\"name\":\"probes\",\"enabled\":true,"
		       "\"mode\":\"alert\",\"rules\":{\"checks\":[\"MOAT-K8S-056\",\"5.5\"]}},"
		       "{\"id\":\"p3\",\"kind\":\"compliance\",\"name\":\"dk\",\"enabled\":true,"
		       "\"mode\":\"block\",\"rules\":{\"benchmark\":\"docker\"}},"
		       "{\"id\":\"p4\",\"kind\":\"compliance\",\"name\":\"off\",\"enabled\":false,"
		       "\"mode\":\"block\",\"rules\":{}},"
		       "{\"id\":\"p5\",\"kind\":\"runtime\",\"name\":\"rt\",\"enabled\":true,"
		       "\"mode\":\"block\",\"rules\":{}}]", "k8s", &list, &n, tmpl, &err), 0);
	CHECK_INT((int)n, 2);
	CHECK_STR(tmpl, "pci");
	CHECK_STR(act(NULL, list, n, "k8s", "MOAT-K8S-001"), "block");
	CHECK_STR(act(NULL, list, n, "k8s", "MOAT-K8S-002"), "off");     /* disable */
	CHECK_STR(act(NULL, list, n, "k8s", "MOAT-K8S-056"), "alert");
	CHECK_STR(act(NULL, list, n, "k8s", "MOAT-K8S-030"), "alert");   /* nobody speaks */
	CHECK(!moat_policy_scoped(list[0]));
	moat_policy_list_free(list, n);

	/* docker: p3 (mode block) everything; p2's 5.5 at alert: block wins */
	CHECK_INT(pull("[{\"id\":\"p2\",\"kind\":\"compliance\",\"name\":\"probes\",\"enabled\":true,"
		       "\"mode\":\"alert\",\"rules\":{\"checks\":[\"5.5\"]}},"
		       "{\"id\":\"p3\",\"kind\":\"compliance\",\"name\":\"dk\",\"enabled\":true,"
		       "\"mode\":\"block\",\"rules\":{\"benchmark\":\"docker\",\"disable\":[\"2.*\"],"
		       "\"scope\":{\"images\":[\"nginx*\"]}}}]", "docker", &list, &n, NULL, &err), 0);
	CHECK_INT((int)n, 2);
	CHECK_STR(act(NULL, list, n, "docker", "5.5"), "block");
	CHECK_STR(act(NULL, list, n, "docker", "2.13"), "off");
	CHECK(moat_policy_scoped(list[1]));
	moat_policy_list_free(list, n);
}

static void test_comply_console__merge(void)
{
	struct moat_policy **list = NULL, *local = NULL;
	struct moat_error err = {0};
	json_t *file = json_loads("{\"comply\":{\"k8s\":{\"default\":\"alert\",\"checks\":{"
				  "\"MOAT-K8S-001\":\"off\",\"MOAT-K8S-004\":\"block\","
				  "\"MOAT-K8S-056\":\"off\"}}}}", 0, NULL);
	size_t n = 0;

	CHECK_INT(moat_policy_from_json(file, "local.yaml", &local, &err), 0);
	CHECK_INT(pull("[{\"id\":\"p1\",\"kind\":\"compliance\",\"name\":\"c\",\"enabled\":true,"
		       "\"mode\":\"block\",\"rules\":{\"benchmark\":\"k8s\",\"checks\":"
		       "[\"MOAT-K8S-001\",\"MOAT-K8S-004\"],\"disable\":[\"MOAT-K8S-03*\"],"
		       "\"action\":\"alert\"}}]", "k8s", &list, &n, NULL, &err), 0);
	/* the stricter wins either way: local off < console alert; local block > alert */
	CHECK_STR(act(local, list, n, "k8s", "MOAT-K8S-001"), "alert");
	CHECK_STR(act(local, list, n, "k8s", "MOAT-K8S-004"), "block");
	/* the file's default speaks for every check: console off does not lower it */
	CHECK_STR(act(local, list, n, "k8s", "MOAT-K8S-030"), "alert");
	CHECK_STR(act(local, list, n, "k8s", "MOAT-K8S-056"), "off");
	CHECK_STR(act(local, NULL, 0, "k8s", "MOAT-K8S-004"), "block");
	CHECK_STR(act(NULL, list, n, "k8s", "MOAT-K8S-030"), "off");
	moat_policy_list_free(list, n);
	moat_policy_free(local);
	json_decref(file);
}

static void test_comply_console__bad(void)
{
	static const struct {
		const char *rules, *error;
	} cases[] = {
		{ "{\"benchmark\":\"k9s\"}", "rules.benchmark: want docker, k8s or node" },
		{ "{\"checks\":\"MOAT-K8S-001\"}", "rules.checks: want an array" },
		{ "{\"disable\":[\"\"]}", "rules.disable: want an array" },
		{ "{\"action\":\"kill\"}", "rules.action: want alert or block" },
		{ "{\"templates\":[1]}", "rules.templates" },
		{ "{\"severity\":[\"urgent\"]}", "rules.severity" },
		{ "{\"scope\":{\"pods\":[]}}", "rules.scope" },
		{ "{\"checks\":[],\"enforce\":true}", "rules.enforce: not a rule of a compliance" },
		{ "[]", "rules: want an object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct moat_policy **list = NULL;
		struct moat_error err = {0};
		char text[512];
		size_t n = 0;

		snprintf(text, sizeof(text), "[{\"id\":\"p1\",\"kind\":\"compliance\",\"name\":\"c\","
			 "\"enabled\":true,\"mode\":\"block\",\"rules\":%s}]", cases[i].rules);
		CHECK_INT(pull(text, "k8s", &list, &n, NULL, &err), MOAT_E_FORMAT);
		if (!strstr(err.msg, cases[i].error))
			fprintf(stderr, "case %zu: %s\n", i, err.msg);
		CHECK(strstr(err.msg, cases[i].error) != NULL);
		CHECK(strstr(err.msg, "console policy c (p1)") != NULL);
	}
	CHECK(moat_policy_comply_glob_known("k8s", "MOAT-K8S-0[0-4]*"));
	CHECK(moat_policy_comply_glob_known(NULL, "5.5"));
	CHECK(!moat_policy_comply_glob_known("k8s", "5.5"));
	CHECK(!moat_policy_comply_glob_known(NULL, "MOAT-K8S-999"));
}

/* The webhook's translation: compliance policies for k8s (or all
 * benchmarks) become comply.k8s; docker-only ones are left out. */
static void test_comply_console__admission(void)
{
	struct moat_policy *base = NULL, **list = NULL;
	struct moat_error err = {0};
	json_t *doc = answer("[{\"id\":\"p1\",\"kind\":\"compliance\",\"name\":\"k\",\"enabled\":true,"
			     "\"mode\":\"block\",\"rules\":{\"checks\":[\"MOAT-K8S-001\"],"
			     "\"scope\":{\"namespaces\":[\"prod\"]}}},"
			     "{\"id\":\"p2\",\"kind\":\"compliance\",\"name\":\"d\",\"enabled\":true,"
			     "\"mode\":\"block\",\"rules\":{\"benchmark\":\"docker\"}}]");
	size_t n = 0;

	CHECK_INT(moat_policy_default(&base, NULL), 0);
	CHECK_INT(moat_policy_from_console(doc, base, &list, &n, &err), 0);
	CHECK_INT((int)n, 1);
	CHECK(moat_policy_comply_has(list[0], "k8s"));
	CHECK(!moat_policy_comply_has(list[0], "docker"));
	CHECK_INT(moat_policy_comply_action(list[0], "k8s", "MOAT-K8S-001"), MOAT_POLICY_BLOCK);
	CHECK_INT(moat_policy_comply_action(list[0], "k8s", "MOAT-K8S-004"), MOAT_POLICY_OFF);
	CHECK_INT(moat_policy_rule_action(list[0], "privileged"), MOAT_POLICY_OFF);
	CHECK(moat_policy_scoped(list[0]));
	moat_policy_list_free(list, n);
	moat_policy_free(base);
	json_decref(doc);
}

int main(void)
{
	MOAT_RUN(test_comply_console__translate);
	MOAT_RUN(test_comply_console__merge);
	MOAT_RUN(test_comply_console__bad);
	MOAT_RUN(test_comply_console__admission);
	return moat_test_done();
}
