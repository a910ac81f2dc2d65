/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cis_test.c - the CIS Docker parsers (daemon.json, dockerd flags, command
 * lines, systemd units, audit rules) from tables, the catalogue's shape and
 * control mapping, and the evaluation of hand-made facts (a daemon and two
 * containers as the engine describes them).
 */
#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "comply/cis-docker.h"
#include "comply/controls.h"
#include "comply/k8s.h"
#include "comply/cis-int.h"
#include "harness.h"
#include "moat/error.h"
#include "policy/policy.h"

static void test_cis__daemon_json(void)
{
	static const struct {
		const char *in;
		int rc;
	} rows[] = {
		{"{\"icc\": false, \"live-restore\": true}", 0},
		{"{}", 0},
		{"[1,2]", MOAT_E_FORMAT},
		{"{\"icc\": ", MOAT_E_FORMAT},
		{"", MOAT_E_FORMAT},
		{"\"str\"", MOAT_E_FORMAT},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_error err = {0};
		json_t *obj = NULL;
		int r = moat_cis_parse_daemon_json(rows[i].in, strlen(rows[i].in), "daemon.json", &obj,
						   &err);

		CHECK_INT(r, rows[i].rc);
		if (r == 0)
			CHECK(json_is_object(obj));
		else
			CHECK(strstr(err.msg, "daemon.json") != NULL);
		json_decref(obj);
	}
}

static void test_cis__daemon_args(void)
{
	static const struct {
		const char *argv[8];
		const char *want; /* JSON */
	} rows[] = {
		{{"dockerd", "--icc=false", "--live-restore"}, "{\"icc\":false,\"live-restore\":true}"},
		{{"dockerd", "-H", "unix:///x.sock", "-H=tcp://0.0.0.0:2375"},
		 "{\"hosts\":[\"unix:///x.sock\",\"tcp://0.0.0.0:2375\"]}"},
		{{"dockerd", "--host", "fd://", "--config-file", "/e/d.json"},
		 "{\"hosts\":[\"fd://\"],\"config-file\":\"/e/d.json\"}"},
		{{"dockerd", "--default-ulimit", "nofile=1024:2048", "--log-opt=max-size=10m"},
		 "{\"default-ulimits\":{\"nofile\":\"1024:2048\"},\"log-opts\":{\"max-size\":\"10m\"}}"},
		{{"dockerd", "--insecure-registry", "a:5000", "--insecure-registry=b"},
		 "{\"insecure-registries\":[\"a:5000\",\"b\"]}"},
		{{"dockerd", "-D", "-l", "debug", "--userland-proxy=0"},
		 "{\"debug\":true,\"log-level\":\"debug\",\"userland-proxy\":false}"},
		{{"dockerd", "--tlsverify", "--tlscacert=/c.pem", "--no-new-privileges=true"},
		 "{\"tlsverify\":true,\"tlscacert\":\"/c.pem\",\"no-new-privileges\":true}"},
		/* an unknown flag takes the next word unless it is a flag */
		{{"dockerd", "--future", "v", "--later", "--icc=bogus"},
		 "{\"future\":\"v\",\"later\":true,\"icc\":\"bogus\"}"},
		{{"dockerd", "positional", "--", "--icc=false"}, "{}"},
		{{"dockerd", "-Hunix:///a", "--storage-opt", "dm.basesize=20G"},
		 "{\"hosts\":[\"unix:///a\"],\"storage-opts\":[\"dm.basesize=20G\"]}"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t argc = 0;
		json_t *got = NULL, *want = json_loads(rows[i].want, 0, NULL);

		while (argc < 8 && rows[i].argv[argc])
			argc++;
		CHECK_INT(moat_cis_parse_daemon_args(rows[i].argv, argc, &got, NULL), 0);
		if (!json_equal(got, want)) {
			char *s = json_dumps(got, JSON_COMPACT);

			printf("# row %zu: got %s, want %s\n", i, s, rows[i].want);
			free(s);
			CHECK(0);
		}
		json_decref(got);
		json_decref(want);
	}
}

static void test_cis__cmdline(void)
{
	struct moat_arena *a = moat_arena_open(1 << 20);
	static const char nul[] = "/usr/sbin/dockerd\0-H\0fd://\0\0--icc=false\0";
	const char **argv;
	size_t argc;

	CHECK_INT(moat_cis_split_cmdline(nul, sizeof(nul) - 1, false, a, &argv, &argc, NULL), 0);
	CHECK_INT(argc, 4);
	CHECK_STR(argv[3], "--icc=false");
	CHECK_INT(moat_cis_split_cmdline(" /usr/bin/dockerd  -H fd://\t--containerd=/c.sock ", 50,
					 true, a, &argv, &argc, NULL),
		  0);
	CHECK_INT(argc, 4);
	CHECK_STR(argv[0], "/usr/bin/dockerd");
	CHECK_STR(argv[3], "--containerd=/c.sock");
	moat_arena_close(a);
}

static void test_cis__unit(void)
{
	static const struct {
		const char *text, *section, *key, *want;
		int rc;
	} rows[] = {
		{"[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/dockerd -H fd://\n", "Service",
		 "ExecStart", "/usr/bin/dockerd -H fd://", 0},
		/* a drop-in's empty assignment resets, the next one wins */
		{"[Service]\nExecStart=/a\nExecStart=\nExecStart=/b --icc=false\n", "Service", "ExecStart",
		 "/b --icc=false", 0},
		{"[Service]\nExecStart=/a\nExecStart=\n", "Service", "ExecStart", NULL, 0},
		{"[Service]\nExecStart=/usr/bin/dockerd \\\n  --live-restore\n", "Service", "ExecStart",
		 "/usr/bin/dockerd    --live-restore", 0},
		{"# comment\n; other\n[Install]\nExecStart=/no\n[Service]\n  User = root \n", "Service",
		 "User", "root", 0},
		{"[Service]\nExecStart=/a\n", "Unit", "ExecStart", NULL, 0},
		{"[Service\nExecStart=/a\n", "Service", "ExecStart", NULL, MOAT_E_FORMAT},
		{"[Service]\njust words\n", "Service", "ExecStart", NULL, MOAT_E_FORMAT},
	};
	struct moat_arena *a = moat_arena_open(1 << 20);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *v = "unset";
		struct moat_error err = {0};
		int r = moat_cis_unit_value(rows[i].text, strlen(rows[i].text), rows[i].section,
					    rows[i].key, a, &v, &err);

		CHECK_INT(r, rows[i].rc);
		if (r == 0 && rows[i].want)
			CHECK_STR(v, rows[i].want);
		else if (r == 0)
			CHECK(v == NULL);
		else
			CHECK(strstr(err.msg, "line") != NULL);
	}
	moat_arena_close(a);
}

static void test_cis__audit(void)
{
	static const char rules[] =
		"## docker\n"
		"-w /usr/bin/dockerd -p wa -k docker\n"
		"# -w /commented -k x\n"
		"-a always,exit -F path=/run/containerd -F perm=war -k docker\n"
		"-a exit,always -F arch=b64 -F dir=/etc/docker -k docker\n"
		"   -w   /var/lib/docker\n"
		"-D\n-b 8192\n-w\n";
	struct moat_arena *a = moat_arena_open(1 << 20);
	const char **paths;
	size_t n;

	CHECK_INT(moat_cis_audit_paths(rules, sizeof(rules) - 1, a, &paths, &n, NULL), 0);
	CHECK_INT(n, 4);
	CHECK_STR(paths[0], "/usr/bin/dockerd");
	CHECK_STR(paths[1], "/run/containerd");
	CHECK_STR(paths[2], "/etc/docker");
	CHECK_STR(paths[3], "/var/lib/docker");
	CHECK(paths[4] == NULL);
	moat_arena_close(a);
}

/* Ids in benchmark order, unique; each serves controls of every framework
 * it is tagged for, and every control is served by a check of some
 * benchmark (CIS Docker, Kubernetes manifests, Kubernetes nodes). */
static void test_cis__catalogue(void)
{
	static const char *const fw[] = {"nist-800-190", "pci", "hipaa", "gdpr"};
	size_t n, nk, nn;
	const struct moat_cis_check *c = moat_cis_checks(&n);
	const struct moat_k8s_check *k = moat_k8s_checks(&nk);
	const struct moat_k8s_node_check *node = moat_k8s_node_checks(&nn);

	CHECK_INT(n, 108);
	CHECK_STR(c[0].id, "1.1.1");
	CHECK_STR(c[n - 1].id, "6.2");
	for (size_t i = 0; i < n; i++) {
		const char *ids[MOAT_CONTROLS_MAX];

		CHECK(moat_cis_check_find(c[i].id) == &c[i]);
		CHECK(moat_controls_of(c[i].themes, ids, MOAT_CONTROLS_MAX) >= 2);
		CHECK(c[i].level == 1 || c[i].level == 2);
		CHECK(c[i].remediation && *c[i].remediation);
	}
	for (size_t f = 0; f < 4; f++) {
		size_t nc;
		const struct moat_control *ctl = moat_controls(fw[f], &nc);

		CHECK(nc >= 7);
		for (size_t j = 0; j < nc; j++) {
			size_t served = 0;

			for (size_t i = 0; i < n; i++)
				served += moat_control_serves(&ctl[j], c[i].themes);
			for (size_t i = 0; i < nk; i++)
				served += moat_control_serves(&ctl[j], k[i].themes);
			for (size_t i = 0; i < nn; i++)
				served += moat_control_serves(&ctl[j], node[i].themes);
			if (!served)
				printf("# %s serves no check\n", ctl[j].id);
			CHECK(served > 0);
		}
	}
	CHECK(moat_controls("sox", &n) == NULL);
}

static const struct moat_cis_result *find(const struct moat_cis_report *r, const char *id)
{
	for (size_t i = 0; i < r->count; i++)
		if (!strcmp(r->items[i].check->id, id))
			return &r->items[i];
	return NULL;
}

/* Evaluation of facts as the engine reports them: no host files needed for
 * the daemon settings and container checks asserted here. */
static void test_cis__evaluate(void)
{
	struct moat_arena *a = moat_arena_open(8 << 20);
	struct moat_cis_facts f = {0};
	struct cis_ctr ctrs[2] = {{0}};
	struct moat_cis_report rep;
	static const struct {
		const char *id;
		enum moat_cis_verdict v;
		const char *needle;
	} want[] = {
		{"2.2", MOAT_CIS_PASS, NULL},	       {"2.5", MOAT_CIS_WARN, "reg.local:5000"},
		{"2.7", MOAT_CIS_WARN, "without TLS"}, {"2.13", MOAT_CIS_PASS, "syslog"},
		{"2.15", MOAT_CIS_PASS, NULL},	       {"2.18", MOAT_CIS_WARN, NULL},
		{"4.1", MOAT_CIS_WARN, "web"},	       {"5.4", MOAT_CIS_WARN, "web:SYS_ADMIN"},
		{"5.5", MOAT_CIS_WARN, "web"},	       {"5.6", MOAT_CIS_WARN, "web:/etc/ssl"},
		{"5.7", MOAT_CIS_WARN, "web"},	       {"5.8", MOAT_CIS_WARN, "web:443"},
		{"5.11", MOAT_CIS_WARN, "web"},	       {"5.13", MOAT_CIS_WARN, "web"},
		{"5.14", MOAT_CIS_WARN, "web:0.0.0.0"}, {"5.15", MOAT_CIS_WARN, "web:on-failure"},
		{"5.16", MOAT_CIS_PASS, NULL},	       {"5.24", MOAT_CIS_WARN, "web"},
		{"5.26", MOAT_CIS_WARN, "web"},	       {"5.29", MOAT_CIS_WARN, "web"},
		{"5.32", MOAT_CIS_WARN, "web:/run"},    {"6.2", MOAT_CIS_INFO, "3 total/2 running"},
		{"4.2", MOAT_CIS_NOTE, NULL},
	};

	f.arena = a;
	f.sock_path = "/nonexistent/docker.sock";
	f.info = json_loads("{\"LoggingDriver\":\"syslog\",\"LiveRestoreEnabled\":true,"
			    "\"Driver\":\"overlay2\",\"Swarm\":{\"LocalNodeState\":\"inactive\"},"
			    "\"RegistryConfig\":{\"IndexConfigs\":{\"reg.local:5000\":{\"Secure\":false}},"
			    "\"InsecureRegistryCIDRs\":[\"127.0.0.0/8\"]}}",
			    0, NULL);
	f.version = json_loads("{\"Version\":\"99.0.0\",\"Experimental\":true}", 0, NULL);
	f.networks = json_array();
	f.flags = json_loads("{\"hosts\":[\"tcp://0.0.0.0:2375\"]}", 0, NULL);
	f.effective = json_loads("{\"icc\":false,\"hosts\":[\"tcp://0.0.0.0:2375\"]}", 0, NULL);
	ctrs[0].name = "web";
	ctrs[0].inspect = json_loads(
		"{\"Config\":{\"User\":\"\"},\"HostConfig\":{\"Privileged\":true,"
		"\"CapAdd\":[\"CAP_CHOWN\",\"SYS_ADMIN\"],\"RestartPolicy\":{\"Name\":\"on-failure\","
		"\"MaximumRetryCount\":10},\"Memory\":0},"
		"\"Mounts\":[{\"Source\":\"/etc/ssl\",\"RW\":true},{\"Source\":\"/run\",\"RW\":false}],"
		"\"NetworkSettings\":{\"Ports\":{\"443/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"443\"}]}},"
		"\"State\":{}}",
		0, NULL);
	ctrs[0].top = json_loads("{\"Titles\":[\"UID\",\"PID\",\"CMD\"],\"Processes\":[[\"root\",\"1\","
				 "\"/usr/sbin/sshd -D\"]]}",
				 0, NULL);
	ctrs[0].execs = (json_t *[]){json_loads("{\"ProcessConfig\":{\"user\":\"root\"}}", 0, NULL)};
	ctrs[0].n_execs = 1;
	ctrs[1].name = "ok";
	ctrs[1].inspect = json_loads(
		"{\"Config\":{\"User\":\"app\"},\"HostConfig\":{\"ReadonlyRootfs\":true,\"Memory\":1,"
		"\"PidsLimit\":10,\"SecurityOpt\":[\"no-new-privileges\"],"
		"\"RestartPolicy\":{\"Name\":\"no\"}},\"State\":{\"Health\":{\"Status\":\"healthy\"}}}",
		0, NULL);
	f.ctrs = ctrs;
	f.n_ctrs = 2;
	f.n_ctrs_all = 3;
	f.n_ctrs_running = 2;
	CHECK_INT(moat_cis_evaluate(&f, a, &rep, NULL), 0);
	CHECK_INT(rep.count, 108);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct moat_cis_result *r = find(&rep, want[i].id);

		CHECK(r != NULL);
		if (!r)
			continue;
		if (r->verdict != want[i].v || (want[i].needle && !strstr(r->evidence, want[i].needle))) {
			printf("# %s: %s \"%s\", want %s with \"%s\"\n", want[i].id,
			       moat_cis_verdict_name(r->verdict), r->evidence,
			       moat_cis_verdict_name(want[i].v), want[i].needle ? want[i].needle : "");
			CHECK(0);
		}
	}
	json_decref(ctrs[0].execs[0]);
	ctrs[0].n_execs = 0;
	moat_cis_facts_free(&f);
	moat_arena_close(a);
}

static bool known(const char *id)
{
	return moat_cis_check_find(id) != NULL;
}

/* The policy's comply: section: actions per check, default, bad input. */
static void test_cis__policy(void)
{
	struct moat_policy *p = NULL;
	struct moat_error err = {0};
	json_t *doc = json_loads("{\"comply\":{\"docker\":{\"default\":\"block\",\"checks\":"
				 "{\"5.5\":\"off\",\"2.1\":{\"action\":\"alert\"},"
				 "\"9.9\":{\"enabled\":false}}}}}",
				 0, NULL);

	CHECK_INT(moat_policy_from_json(doc, "p.yaml", &p, &err), 0);
	CHECK_INT(moat_policy_comply_action(p, "docker", "5.5"), MOAT_POLICY_OFF);
	CHECK_INT(moat_policy_comply_action(p, "docker", "2.1"), MOAT_POLICY_ALERT);
	CHECK_INT(moat_policy_comply_action(p, "docker", "5.4"), MOAT_POLICY_BLOCK);
	CHECK_INT(moat_policy_comply_action(p, "k8s", "5.4"), MOAT_POLICY_ALERT);
	CHECK_STR(moat_policy_comply_unknown(p, "docker", known), "9.9");
	moat_policy_free(p);
	json_decref(doc);
	doc = json_loads("{\"comply\":{\"docker\":{\"checks\":{\"5.5\":\"maybe\"}}}}", 0, NULL);
	CHECK(moat_policy_from_json(doc, "p.yaml", &p, &err) == MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "comply.docker.checks.5.5") != NULL);
	json_decref(doc);
	doc = json_loads("{\"comply\":{\"windows\":{}}}", 0, NULL);
	CHECK(moat_policy_from_json(doc, "p.yaml", &p, &err) == MOAT_E_FORMAT);
	json_decref(doc);
	CHECK_INT(moat_policy_comply_action(NULL, "docker", "5.5"), MOAT_POLICY_ALERT);
}

int main(void)
{
	MOAT_RUN(test_cis__daemon_json);
	MOAT_RUN(test_cis__daemon_args);
	MOAT_RUN(test_cis__cmdline);
	MOAT_RUN(test_cis__unit);
	MOAT_RUN(test_cis__audit);
	MOAT_RUN(test_cis__catalogue);
	MOAT_RUN(test_cis__evaluate);
	MOAT_RUN(test_cis__policy);
	return moat_test_done();
}
