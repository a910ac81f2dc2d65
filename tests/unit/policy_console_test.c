/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy_console_test.c - the console's admission, trusted-images and
 * vulnerability policies as engine policies (policy-console.c), and the
 * overlays admission decides with after the local policy (admit/overlay.c).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit/admit.h"
#include "base/arena.h"
#include "console-answer.h"
#include "harness.h"
#include "moat/error.h"
#include "policy/policy.h"

static enum moat_verdict_state fake_state = MOAT_VERDICT_PASS;

static int fake_lookup(void *ctx, const char *image, unsigned flags, unsigned timeout,
		       struct moat_arena *arena, struct moat_image_verdict *ret)
{
	(void)image;
	(void)flags;
	(void)timeout;
	(void)arena;
	(*(int *)ctx)++;
	memset(ret, 0, sizeof(*ret));
	ret->state = fake_state;
	ret->summary = fake_state == MOAT_VERDICT_FAIL ? "CVE-9 (openssl, critical)" : NULL;
	return 0;
}

/* Translate policies, put them in force, decide w; reasons and warnings as one line each. */
static int run(const char *policies, const struct moat_workload *w, bool transfer,
	       char *reasons, char *warnings, size_t len, struct moat_error *err)
{
	static int calls;
	struct moat_policy *base = NULL, **list = NULL;
	struct moat_admit_overlays *o = NULL;
	struct moat_arena *a = moat_arena_open(1 << 20);
	struct moat_verdict_source own = { fake_lookup, &calls };
	struct moat_decision d = { .allow = true };
	json_t *doc = answer(policies);
	size_t n = 0;
	int r;

	CHECK(doc != NULL);
	CHECK_INT(moat_policy_default(&base, NULL), 0);
	r = moat_policy_from_console(doc, base, &list, &n, err);
	if (r == 0) {
		CHECK_INT(moat_admit_overlays_new(&o), 0);
		CHECK_INT(moat_admit_overlays_set(o, list, n, NULL, "e1"), 0);
		CHECK_INT(moat_admit_overlays_decide(o, w, &own, false, transfer, a, &d), 0);
		snprintf(reasons, len, "%s", moat_decision_summary(&d, false, a));
		snprintf(warnings, len, "%s", moat_decision_summary(&d, true, a));
		r = d.allow ? 1 : 2;
		moat_admit_overlays_free(o);
	}
	moat_policy_free(base);
	moat_arena_close(a);
	json_decref(doc);
	return r;
}

static void test_policy_console__admission(void)
{
	struct moat_container c = { .name = "app", .image = "ghcr.io/acme/app:1",
				    .privileged = true, .run_as_root = true };
	struct moat_workload w = { .kind = "Pod", .namespace = "prod", .containers = &c,
				   .n_containers = 1 };
	struct moat_error err = { 0 };
	char r[2048], wn[2048];
	static const char priv_block[] = "[{\"id\":\"p1\",\"kind\":\"admission\",\"name\":\"np\","
		"\"enabled\":true,\"mode\":\"block\",\"rules\":{\"deny_privileged\":true,"
		"\"deny_root\":false,\"scope\":{\"namespaces\":[\"prod\"]}}}]";

	CHECK_INT(run(priv_block, &w, false, r, wn, sizeof(r), &err), 2);
	CHECK_STR(r, "privileged: privileged container (console policy np (p1))");
	CHECK(strstr(wn, "run_as_root") == NULL);       /* false: not turned on */
	CHECK(strstr(wn, "unscanned") == NULL);         /* every other rule off */
	w.namespace = "dev";                            /* out of its scope */
	CHECK_INT(run(priv_block, &w, false, r, wn, sizeof(r), &err), 1);
	CHECK_STR(r, "");
	w.namespace = "prod";
	/* mode alert: a warning; disabled: nothing; other kinds: not ours */
	CHECK_INT(run("[{\"id\":\"p2\",\"kind\":\"admission\",\"name\":\"root\",\"enabled\":true,"
		      "\"mode\":\"alert\",\"rules\":{\"deny_root\":true,\"deny_host_pid\":true}},"
		      "{\"id\":\"p3\",\"kind\":\"admission\",\"name\":\"off\",\"enabled\":false,"
		      "\"mode\":\"block\",\"rules\":{\"deny_privileged\":true}},"
		      "{\"id\":\"p4\",\"kind\":\"runtime\",\"name\":\"rt\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"whatever\":1}}]", &w, false, r, wn, sizeof(r),
		      &err), 1);
	CHECK_STR(wn, "run_as_root: may run as root (not forced to a non-root user) (console "
		  "policy root (p2))");
	/* scope.images: globs over the reference */
	CHECK_INT(run("[{\"id\":\"p5\",\"kind\":\"admission\",\"name\":\"i\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"deny_privileged\":true,\"scope\":{\"images\":"
		      "[\"docker.io/library/*\"]}}}]", &w, false, r, wn, sizeof(r), &err), 1);
	c.image = "nginx:1.25";
	CHECK_INT(run("[{\"id\":\"p5\",\"kind\":\"admission\",\"name\":\"i\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"deny_privileged\":true,\"scope\":{\"images\":"
		      "[\"docker.io/library/*\"]}}}]", &w, false, r, wn, sizeof(r), &err), 2);
	/* labels "k=v" */
	json_t *labels = json_pack("{s:s}", "team", "pay");
	w.labels = labels;
	CHECK_INT(run("[{\"id\":\"p6\",\"kind\":\"admission\",\"name\":\"l\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"deny_privileged\":true,\"scope\":{\"labels\":"
		      "[\"team=web\"]}}}]", &w, false, r, wn, sizeof(r), &err), 1);
	CHECK_INT(run("[{\"id\":\"p6\",\"kind\":\"admission\",\"name\":\"l\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"deny_privileged\":true,\"scope\":{\"labels\":"
		      "[\"team=pay\"]}}}]", &w, false, r, wn, sizeof(r), &err), 2);
	w.labels = NULL;
	json_decref(labels);
}

static void test_policy_console__trusted(void)
{
	struct moat_container c = { .name = "app", .image = "evil.example.net/x/app:1" };
	struct moat_workload w = { .kind = "Pod", .namespace = "prod", .containers = &c,
				   .n_containers = 1 };
	struct moat_error err = { 0 };
	char r[2048], wn[2048];
	static const char trust[] = "[{\"id\":\"t1\",\"kind\":\"trusted-images\",\"name\":\"t\","
		"\"enabled\":true,\"mode\":\"block\",\"rules\":{\"allow\":[\"registry.example.com\","
		"\"ghcr.io/acme/*\",\"127.0.0.1:5000/app:1.*\"]}}]";

	CHECK_INT(run(trust, &w, false, r, wn, sizeof(r), &err), 2);
	CHECK(strstr(r, "trusted_images: image evil.example.net/x/app:1 is not from a trusted") !=
	      NULL);
	CHECK_INT(run(trust, &w, true, r, wn, sizeof(r), &err), 2);     /* a docker pull too */
	const char *const ok[] = { "registry.example.com/a/b:2", "ghcr.io/acme/web@sha256:ab",
				   "127.0.0.1:5000/app:1.4" };
	for (size_t i = 0; i < 3; i++) {
		c.image = ok[i];
		CHECK_INT(run(trust, &w, false, r, wn, sizeof(r), &err), 1);
	}
	c.image = "127.0.0.1:5000/app:2.0";                     /* the tag glob does not match */
	CHECK_INT(run(trust, &w, false, r, wn, sizeof(r), &err), 2);
	/* require_digest at alert */
	c.image = "registry.example.com/a/b:2";
	CHECK_INT(run("[{\"id\":\"t2\",\"kind\":\"trusted-images\",\"name\":\"d\",\"enabled\":true,"
		      "\"mode\":\"alert\",\"rules\":{\"require_digest\":true}}]", &w, false, r, wn,
		      sizeof(r), &err), 1);
	CHECK(strstr(wn, "require_digest: image registry.example.com/a/b:2 is named by a tag") !=
	      NULL);
	c.image = "registry.example.com/a/b@sha256:ab";
	CHECK_INT(run("[{\"id\":\"t2\",\"kind\":\"trusted-images\",\"name\":\"d\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"require_digest\":true}}]", &w, false, r, wn,
		      sizeof(r), &err), 1);
}

static void test_policy_console__vulnerability(void)
{
	struct moat_container c = { .name = "app", .image = "ghcr.io/acme/app:1" };
	struct moat_workload w = { .kind = "Pod", .namespace = "prod", .containers = &c,
				   .n_containers = 1 };
	struct moat_policy *base = NULL, **list = NULL;
	struct moat_error err = { 0 };
	char r[2048], wn[2048], *gate;
	size_t n = 0;
	json_t *doc = answer("[{\"id\":\"v1\",\"kind\":\"vulnerability\",\"name\":\"v\","
			     "\"enabled\":true,\"mode\":\"block\",\"rules\":{\"max_severity\":"
			     "\"high\",\"severity\":[\"medium\"],\"fixable_only\":true,"
			     "\"max_risk\":80,\"ignore\":[\"CVE-1\"]}},"
			     "{\"id\":\"a1\",\"kind\":\"admission\",\"name\":\"a\",\"enabled\":true,"
			     "\"mode\":\"alert\",\"rules\":{\"max_risk\":100,\"require_scan\":true}}]");

	CHECK_INT(moat_policy_default(&base, NULL), 0);
	CHECK_INT(moat_policy_from_console(doc, base, &list, &n, &err), 0);
	CHECK_INT((int)n, 2);
	CHECK(moat_policy_has_vuln_gate(list[0]));
	CHECK(!moat_policy_has_vuln_gate(list[1]));     /* max_risk 100: nothing is over it */
	json_t *g = moat_policy_gate_doc(list[0]);
	gate = json_dumps(g, JSON_SORT_KEYS | JSON_COMPACT);
	CHECK_STR(gate, "{\"fail_on\":[\"medium\",\"critical\"],\"fail_on_fixable\":true,"
		  "\"fail_on_risk\":81,\"ignore\":[{\"id\":\"CVE-1\"}]}");
	free(gate);
	json_decref(g);
	/* another policy's thresholds, another hash: verdicts are not shared */
	CHECK(strcmp(moat_policy_hash(list[0]), moat_policy_hash(base)) != 0);
	moat_policy_list_free(list, n);
	moat_policy_free(base);
	json_decref(doc);

	fake_state = MOAT_VERDICT_FAIL;
	CHECK_INT(run("[{\"id\":\"v1\",\"kind\":\"vulnerability\",\"name\":\"v\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"max_severity\":\"high\"}}]", &w, false, r, wn,
		      sizeof(r), &err), 2);
	CHECK(strstr(r, "vulnerabilities: image ghcr.io/acme/app:1 fails the vulnerability policy: "
		     "CVE-9") != NULL);
	fake_state = MOAT_VERDICT_UNKNOWN;
	CHECK_INT(run("[{\"id\":\"a1\",\"kind\":\"admission\",\"name\":\"a\",\"enabled\":true,"
		      "\"mode\":\"block\",\"rules\":{\"require_scan\":true}}]", &w, false, r, wn,
		      sizeof(r), &err), 2);
	CHECK(strstr(r, "unscanned: image ghcr.io/acme/app:1 has not been scanned") != NULL);
	fake_state = MOAT_VERDICT_PASS;
}

static void test_policy_console__bad(void)
{
	static const struct { const char *policies, *want; } rows[] = {
		{ "{}", "want {\"policies\": [...]}" },
		{ "[1]", "policies[0]: want {kind, name" },
		{ "[{\"id\":\"b\",\"kind\":\"admission\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"maybe\",\"rules\":{}}]", "console policy n (b): mode: want alert or block" },
		{ "[{\"id\":\"b\",\"kind\":\"admission\",\"name\":\"n\",\"enabled\":\"yes\","
		  "\"mode\":\"block\",\"rules\":{}}]", "enabled: want true or false" },
		{ "[{\"id\":\"b\",\"kind\":\"admission\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":{\"deny_privilegd\":true}}]",
		  "rules.deny_privilegd: not a rule of an admission policy" },
		{ "[{\"id\":\"b\",\"kind\":\"admission\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":{\"deny_root\":1}}]", "rules.deny_root: want true" },
		{ "[{\"id\":\"b\",\"kind\":\"admission\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":{\"scope\":{\"labels\":[\"team\"]}}}]",
		  "rules.scope.labels: want \"key=value\"" },
		{ "[{\"id\":\"b\",\"kind\":\"vulnerability\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":{\"max_risk\":101}}]", "rules.max_risk: want 0-100" },
		{ "[{\"id\":\"b\",\"kind\":\"vulnerability\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":{\"severity\":[\"urgent\"]}}]",
		  "rules.severity: want an array of severities" },
		{ "[{\"id\":\"b\",\"kind\":\"trusted-images\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":{\"allow\":\"registry.example.com\"}}]",
		  "rules.allow: want an array" },
		{ "[{\"id\":\"b\",\"kind\":\"trusted-images\",\"name\":\"n\",\"enabled\":true,"
		  "\"mode\":\"block\",\"rules\":[]}]", "rules: want an object" },
	};
	struct moat_workload w = { .kind = "Pod" };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_error err = { 0 };
		char r[256], wn[256];

		CHECK_INT(run(rows[i].policies, &w, false, r, wn, sizeof(r), &err), MOAT_E_FORMAT);
		if (!strstr(err.msg, rows[i].want))
			printf("# row %zu: %s\n", i, err.msg);
		CHECK(strstr(err.msg, rows[i].want) != NULL);
	}
}

/* The stricter wins: the merge keeps every reason once. */
static void test_policy_console__merge(void)
{
	struct moat_arena *a = moat_arena_open(1 << 16);
	struct moat_finding_msg r1[] = { { "privileged", "app", "privileged container" } };
	struct moat_finding_msg r2[] = { { "privileged", "app", "privileged container" },
					 { "trusted_images", "app", "untrusted" } };
	struct moat_finding_msg w2[] = { { "require_digest", NULL, "by tag" } };
	struct moat_decision d = { .allow = false, .reasons = r1, .n_reasons = 1 };
	struct moat_decision add = { .allow = false, .reasons = r2, .n_reasons = 2,
				     .warnings = w2, .n_warnings = 1, .failed_open = true };
	struct moat_decision ok = { .allow = true };

	CHECK_INT(moat_decision_merge(&d, &add, a), 0);
	CHECK_INT((int)d.n_reasons, 2);
	CHECK_INT((int)d.n_warnings, 1);
	CHECK(!d.allow && d.failed_open);
	CHECK_INT(moat_decision_merge(&ok, &(struct moat_decision){ .warnings = w2,
								    .n_warnings = 1 }, a), 0);
	CHECK(ok.allow);
	moat_arena_close(a);
}

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* The scanner the verdict cache calls: records the thresholds file it was given. */
static char scanned_gates[8][64];
static int n_scans;

static void fake_scan(void *ctx, const char *key, const char *gate, struct moat_verdict_result *ret)
{
	(void)ctx;
	(void)key;
	if (n_scans < 8)
		snprintf(scanned_gates[n_scans], sizeof(scanned_gates[0]), "%s", gate ? gate : "-");
	n_scans++;
	ret->state = gate && strstr(gate, "strict") ? MOAT_VERDICT_FAIL : MOAT_VERDICT_PASS;
	if (strstr(key, "dead")) {   /* a scan that cannot run */
		ret->state = MOAT_VERDICT_ERROR;
		snprintf(ret->summary, sizeof(ret->summary), "registry unreachable");
	}
}

/* Verdicts under a console policy's thresholds are keyed by their hash:
 * other thresholds scan again (with their file), the same ones do not. */
static void test_policy_console__gate_verdicts(void)
{
	char dir[] = "/tmp/moat-gate-test.XXXXXX";
	struct moat_verdicts_opts vo = { .policy_hash = "local", .scan = fake_scan };
	struct moat_verdicts *v = NULL;
	struct moat_verdict_gate strict = { .hash = "sha256:aa", .path = "/gates/strict.json" };
	struct moat_verdict_gate loose = { .hash = "sha256:bb", .path = "/gates/loose.json" };
	struct moat_arena *a = moat_arena_open(1 << 16);
	struct moat_image_verdict iv;

	CHECK(mkdtemp(dir) != NULL);
	vo.state_dir = dir;
	CHECK_INT(moat_verdicts_open(&vo, &v, NULL), 0);
	strict.verdicts = loose.verdicts = v;
	CHECK_INT(moat_verdicts_gate_lookup(&strict, "reg/app@sha256:11", MOAT_VERDICT_SYNC, 10, a,
					    &iv), 0);
	CHECK_INT(iv.state, MOAT_VERDICT_FAIL);
	CHECK_INT(moat_verdicts_gate_lookup(&loose, "reg/app@sha256:11", MOAT_VERDICT_SYNC, 10, a,
					    &iv), 0);
	CHECK_INT(iv.state, MOAT_VERDICT_PASS);
	CHECK_INT(moat_verdicts_lookup(v, "reg/app@sha256:11", MOAT_VERDICT_SYNC, 10, a, &iv), 0);
	CHECK_INT(iv.state, MOAT_VERDICT_PASS);
	CHECK_INT(moat_verdicts_gate_lookup(&strict, "reg/app@sha256:11", MOAT_VERDICT_SYNC, 10, a,
					    &iv), 0);
	CHECK_INT(iv.state, MOAT_VERDICT_FAIL);
	CHECK_INT(n_scans, 3);                  /* the second strict lookup: cached */
	CHECK_STR(scanned_gates[0], "/gates/strict.json");
	CHECK_STR(scanned_gates[1], "/gates/loose.json");
	CHECK_STR(scanned_gates[2], "-");
	/* the heartbeat's counts: three verdicts held, one failed scan named */
	struct moat_verdicts_stats st;

	moat_verdicts_stats(v, &st);
	CHECK_INT(st.cached, 3);
	CHECK_INT(st.done, 3);
	CHECK_INT(st.failed, 0);
	CHECK_INT(st.queued, 0);
	CHECK_INT(moat_verdicts_lookup(v, "reg/broken@sha256:dead", MOAT_VERDICT_SYNC, 10, a, &iv), 0);
	moat_verdicts_stats(v, &st);
	CHECK_INT(st.cached, 4);
	CHECK_INT(st.failed, 1);
	CHECK_STR(st.last_error, "registry unreachable");
	moat_verdicts_close(v);
	moat_arena_close(a);
	CHECK_INT(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* The decisions the audit wrote, for the heartbeat: allowed (warned
 * included), denied, warned. */
static void test_policy_console__audit_counts(void)
{
	char dir[] = "/tmp/moat-audit-test.XXXXXX", path[64];
	struct moat_finding_msg m = { "trusted_images", NULL, "not trusted" };
	struct moat_decision allow = { .allow = true }, deny = { .allow = false, .reasons = &m,
								 .n_reasons = 1 };
	struct moat_decision warn = { .allow = true, .warnings = &m, .n_warnings = 1 };
	struct moat_audit_counts ac;
	struct moat_audit *au = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	moat_audit_counts(NULL, &ac);
	CHECK_INT(ac.allowed + ac.denied + ac.warned, 0);
	CHECK_INT(moat_audit_open(path, &au, NULL), 0);
	CHECK_INT(moat_audit_write(au, "docker", "create", "c", "", "a:1", &allow, false), 0);
	CHECK_INT(moat_audit_write(au, "docker", "create", "c", "", "a:1", &deny, false), 0);
	CHECK_INT(moat_audit_write(au, "docker", "pull", "c", "", "a:1", &warn, false), 0);
	moat_audit_counts(au, &ac);
	CHECK_INT(ac.allowed, 2);
	CHECK_INT(ac.denied, 1);
	CHECK_INT(ac.warned, 1);
	moat_audit_close(au);
	CHECK_INT(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	MOAT_RUN(test_policy_console__admission);
	MOAT_RUN(test_policy_console__trusted);
	MOAT_RUN(test_policy_console__vulnerability);
	MOAT_RUN(test_policy_console__bad);
	MOAT_RUN(test_policy_console__merge);
	MOAT_RUN(test_policy_console__gate_verdicts);
	MOAT_RUN(test_policy_console__audit_counts);
	return moat_test_done();
}
