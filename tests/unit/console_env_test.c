/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console_env_test.c - what the console learns about where images run and
 * what it accepts beside scans: the risk model over a finding as JSON (the
 * same score as over the struct), published ports, Kubernetes facts of a
 * container, each policy kind's rules, moat.comply/v1 reports.
 */
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console/console-int.h"
#include "harness.h"
#include "moat/error.h"
#include "risk/risk.h"
#include "vuln/match.h"

static json_t *parse(const char *text)
{
	json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

	if (!v)
		abort();
	return v;
}

/* The JSON path gives what the struct path gives, factor by factor. */
static void test_env__risk_json_same_model(void)
{
	struct moat_vuln_finding f = { 0 };
	struct moat_risk_context ctx;
	struct moat_risk via_json;
	json_t *doc, *back;

	moat_risk_context_init(&ctx);
	ctx.now = 1790000000; /* 2026 */
	ctx.privileged = 1;
	ctx.runtime_alerts = 3;
	f.severity = "high";
	f.cvss_score = 7.5;
	f.cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
	f.status = MOAT_VULN_FIXED;
	f.kev = true;
	f.epss = 0.3;
	f.published = "2021-05-01";
	moat_risk_score(&ctx, &f);
	doc = parse("{\"kind\":\"vuln\",\"severity\":\"high\",\"cvss\":{\"version\":\"3.1\","
		    "\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\",\"score\":7.5},"
		    "\"status\":\"fixed\",\"kev\":true,\"epss\":0.3,\"published\":\"2021-05-01\"}");
	moat_risk_score_json(&ctx, doc, &via_json);
	CHECK_INT(via_json.score, f.risk.score);
	CHECK_INT((int)via_json.n_factors, (int)f.risk.n_factors);
	for (size_t i = 0; i < f.risk.n_factors; i++) {
		CHECK_STR(via_json.factors[i].name, f.risk.factors[i].name);
		CHECK(via_json.factors[i].weight == f.risk.factors[i].weight);
	}
	CHECK_INT(via_json.score, 100); /* clamped */
	/* the environment read back from the factors */
	back = moat_risk_json(&via_json);
	moat_risk_context_init(&ctx);
	moat_risk_context_from_factors(&ctx, back);
	CHECK_INT(ctx.privileged, 1);
	CHECK_INT(ctx.runtime_alerts, 1);
	CHECK_INT(ctx.runs_as_root, -1);
	CHECK(moat_risk_factor_is_env("internet-facing"));
	CHECK(!moat_risk_factor_is_env("exploited-in-the-wild"));
	CHECK(!moat_risk_factor_is_env(NULL));
	CHECK(moat_risk_user_is_root(""));
	CHECK(moat_risk_user_is_root("0:0"));
	CHECK(!moat_risk_user_is_root("1000"));
	json_decref(back);
	json_decref(doc);
}

static void test_env__ports(void)
{
	static const struct {
		const char *json;
		bool published, outside;
	} cases[] = {
		{ "8080", true, true },
		{ "0", false, false },
		{ "70000", false, false },
		{ "\"0.0.0.0:8443->443/tcp\"", true, true },
		{ "\"127.0.0.1:8443->443/tcp\"", true, false },
		{ "\"[::1]:8443->443/tcp\"", true, false },
		{ "\"8080:80\"", true, true },
		{ "\"127.0.0.1:9000:9000\"", true, false },
		{ "\"80/tcp\"", false, false },
		{ "\"\"", false, false },
		{ "{\"ip\":\"0.0.0.0\",\"public\":80,\"private\":80}", true, true },
		{ "{\"ip\":\"127.0.0.1\",\"public\":80}", true, false },
		{ "{\"IP\":\"::\",\"PublicPort\":81,\"PrivatePort\":80}", true, true },
		{ "{\"private\":80}", false, false },
		{ "{\"public\":\"80\"}", false, false },
		{ "null", false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *p = parse(cases[i].json);
		bool outside = true;

		CHECK(console_port_published(p, &outside) == cases[i].published);
		CHECK(outside == cases[i].outside);
		json_decref(p);
	}
}

static void test_env__k8s(void)
{
	json_t *c, *k;

	c = parse("{\"labels\":{\"io.kubernetes.pod.name\":\"db-0\","
		  "\"io.kubernetes.pod.namespace\":\"shop\"}}");
	k = console_container_k8s(c);
	CHECK(k && !strcmp(moat_json_str(k, "pod"), "db-0") &&
	      !strcmp(moat_json_str(k, "namespace"), "shop"));
	json_decref(k);
	json_decref(c);
	c = parse("{\"labels\":{\"io.kubernetes.container.name\":\"db\"}}");
	k = console_container_k8s(c);
	CHECK(json_is_object(k) && json_object_size(k) == 0); /* managed, pod unknown */
	json_decref(k);
	json_decref(c);
	c = parse("{\"pod\":\"web-1\",\"namespace\":\"default\"}"); /* as alerts carry it */
	k = console_container_k8s(c);
	CHECK(k && !strcmp(moat_json_str(k, "pod"), "web-1"));
	json_decref(k);
	json_decref(c);
	c = parse("{\"labels\":{\"com.docker.compose.project\":\"x\"},\"name\":\"web\"}");
	CHECK(console_container_k8s(c) == NULL);
	json_decref(c);
}

static void test_env__policy_rules(void)
{
	static const struct {
		const char *kind, *rules, *error; /* NULL: accepted */
	} cases[] = {
		{ "vulnerability", "{\"severity\":[\"critical\",\"high\"],\"fixable_only\":false,"
		  "\"max_risk\":null,\"ignore\":[]}", NULL },
		{ "vulnerability", "{\"max_severity\":\"high\"}", NULL },
		{ "vulnerability", "{\"severity\":[\"urgent\"]}", "rules.severity" },
		{ "vulnerability", "{\"max_risk\":101}", "rules.max_risk" },
		{ "vulnerability", "{\"sevrity\":[]}", "rules.sevrity: not a rule" },
		{ "compliance", "{\"templates\":[\"cis-docker\"],\"checks\":[],"
		  "\"severity\":[\"critical\"]}", NULL },
		{ "compliance", "{\"benchmark\":\"k8s\",\"checks\":[\"MOAT-K8S-00*\"],"
		  "\"disable\":[\"MOAT-K8S-002\"],\"action\":\"block\",\"templates\":[\"pci\"],"
		  "\"scope\":{\"namespaces\":[\"prod\"]}}", NULL },
		{ "compliance", "{\"benchmark\":\"swarm\"}", "rules.benchmark: one of docker" },
		{ "compliance", "{\"benchmark\":\"docker\",\"checks\":[\"MOAT-K8S-001\"]}",
		  "rules.checks[0]: 'MOAT-K8S-001' is no check of docker" },
		{ "compliance", "{\"disable\":[\"9.*\"]}", "rules.disable[0]" },
		{ "compliance", "{\"action\":\"kill\"}", "rules.action: one of alert, block" },
		{ "compliance", "{\"templates\":[\"sox\"]}", "rules.templates" },
		{ "runtime", "{\"rules\":[\"read-shadow\"],\"action\":\"alert\","
		  "\"scope\":{\"images\":[],\"namespaces\":[]}}", NULL },
		{ "runtime", "{\"scope\":{\"clusters\":[]}}", "rules.scope.clusters" },
		{ "baseline", "{\"images\":[],\"mode\":\"alert\",\"learn_minutes\":60}", NULL },
		{ "baseline", "{\"learn_minutes\":0}", "rules.learn_minutes" },
		{ "baseline", "{\"mode\":\"enforce\",\"scope\":{\"labels\":[\"tier=web\"]}}", NULL },
		{ "baseline", "{\"scope\":{\"pods\":[]}}", "rules.scope.pods" },
		{ "firewall", "{\"allow\":[{\"from\":\"image:a\",\"to\":\"image:b\",\"port\":5432,"
		  "\"proto\":\"tcp\"}],\"deny\":[]}", NULL },
		{ "firewall", "{\"deny\":[{\"from\":\"a\",\"to\":\"b\",\"proto\":\"icmp\"}]}",
		  "rules.deny[0]" },
		{ "waf", "{\"upstream\":\"http://127.0.0.1:8080\",\"paranoia\":1,"
		  "\"allow_paths\":[],\"mask\":[\"credit-card\"]}", NULL },
		{ "waf", "{\"upstream\":\"ftp://x\"}", "rules.upstream" },
		{ "admission", "{\"deny_privileged\":true,\"deny_root\":false,"
		  "\"deny_host_network\":true,\"require_scan\":true,\"max_severity\":\"high\"}",
		  NULL },
		{ "admission", "{\"deny_root\":\"yes\"}", "rules.deny_root" },
		{ "trusted-images", "{\"allow\":[\"registry.example.com/*\"],"
		  "\"require_digest\":false,\"description\":\"ours only\"}", NULL },
		{ "trusted-images", "{\"allow\":[\"\"]}", "rules.allow" },
		{ "nonsense", "{}", "rules" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = parse(cases[i].rules);
		char msg[512] = "";
		bool ok = console_policy_rules_check(cases[i].kind, r, msg, sizeof(msg));

		if (!cases[i].error) {
			CHECK(ok);
		} else {
			CHECK(!ok);
			CHECK(strstr(msg, cases[i].error) != NULL);
		}
		json_decref(r);
	}
}

static void test_env__comply_parse(void)
{
	struct console_comply_head h;
	struct moat_error err = { 0 };
	json_t *d;

	d = parse("{\"schema\":\"moat.comply/v1\",\"benchmark\":\"cis-docker-1.6\","
		  "\"target\":\"/run/docker.sock\",\"checks\":[{\"id\":\"5.4\",\"result\":\"WARN\","
		  "\"controls\":[\"PCI-DSS-4.0:2.2.6\"]},{\"id\":\"2.2\",\"result\":\"PASS\"}]}");
	CHECK_INT(console_comply_parse(d, &h, &err), 0);
	CHECK_STR(h.node, "unknown");
	CHECK_STR(h.benchmark, "cis-docker-1.6");
	CHECK_INT(h.warn, 1);
	json_decref(d);
	d = parse("{\"schema\":\"moat.comply/v1\",\"benchmark\":\"b\",\"checks\":[{\"id\":\"1\","
		  "\"result\":\"FINE\"}]}");
	CHECK(console_comply_parse(d, &h, &err) < 0);
	CHECK(strstr(err.msg, "checks[0]") != NULL);
	json_decref(d);
	d = parse("{\"schema\":\"moat.comply/v1\",\"benchmark\":\"b\",\"checks\":[{\"id\":\"1\","
		  "\"result\":\"PASS\",\"controls\":[7]}]}");
	CHECK(console_comply_parse(d, &h, &err) < 0);
	CHECK(strstr(err.msg, "controls[0]") != NULL);
	json_decref(d);
	d = parse("{\"schema\":\"moat.scan/v1\"}");
	CHECK(console_comply_parse(d, &h, &err) < 0);
	json_decref(d);
}

int main(void)
{
	MOAT_RUN(test_env__risk_json_same_model);
	MOAT_RUN(test_env__ports);
	MOAT_RUN(test_env__k8s);
	MOAT_RUN(test_env__policy_rules);
	MOAT_RUN(test_env__comply_parse);
	return moat_test_done();
}
