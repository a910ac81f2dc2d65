/* SPDX-License-Identifier: Apache-2.0 */
/* policy_test.c - the policy engine, the authz and AdmissionReview decoders. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "admit/admit.h"
#include "base/arena.h"
#include "base/json.h"
#include "harness.h"
#include "moat/error.h"
#include "policy/policy.h"

static struct moat_policy *load_str(const char *yaml_or_json, struct moat_error *err)
{
	struct moat_policy *p = NULL;
	json_t *doc = json_loads(yaml_or_json, 0, NULL);

	if (!doc)
		return NULL;
	if (moat_policy_from_json(doc, "test.json", &p, err) < 0)
		p = NULL;
	json_decref(doc);
	return p;
}

static void test_policy__image_ref(void)
{
	static const struct { const char *in, *reg, *repo, *tag, *digest; } rows[] = {
		{ "nginx", "docker.io", "library/nginx", "latest", "" },
		{ "nginx:1.25", "docker.io", "library/nginx", "1.25", "" },
		{ "bitnami/redis:7", "docker.io", "bitnami/redis", "7", "" },
		{ "localhost:5000/a/b:t", "localhost:5000", "a/b", "t", "" },
		{ "localhost/app", "localhost", "app", "latest", "" },
		{ "ghcr.io/o/r@sha256:abcd", "ghcr.io", "o/r", "", "sha256:abcd" },
		{ "quay.io/o/r:1@sha256:ab", "quay.io", "o/r", "1", "sha256:ab" },
		{ "sha256:0123", "", "", "", "sha256:0123" },
	};
	struct moat_image_ref r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(moat_image_ref_parse(rows[i].in, &r), 0);
		CHECK_STR(r.registry, rows[i].reg);
		CHECK_STR(r.repo, rows[i].repo);
		CHECK_STR(r.tag, rows[i].tag);
		CHECK_STR(r.digest, rows[i].digest);
	}
	CHECK(moat_image_ref_parse("bad image", &r) < 0);
	CHECK(moat_image_ref_parse("", &r) < 0);
	CHECK(moat_image_ref_parse("a\nb", &r) < 0);
}

static void test_policy__path_clean(void)
{
	static const struct { const char *in, *out; } rows[] = {
		{ "/var/run/docker.sock", "/var/run/docker.sock" },
		{ "//var//run/./docker.sock/", "/var/run/docker.sock" },
		{ "/tmp/../var/run/docker.sock", "/var/run/docker.sock" },
		{ "/../../..", "/" },
		{ "relative/x", "/relative/x" },
		{ "/", "/" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		moat_policy_path_clean(rows[i].in, out, sizeof(out));
		CHECK_STR(out, rows[i].out);
	}
}

/* A container with the given settings under the built-in default. */
static bool default_allows(const struct moat_workload *w, const char **ret_rule)
{
	struct moat_policy *p = NULL;
	struct moat_arena *a = moat_arena_open(1 << 20);
	struct moat_decision d;
	bool allow;

	CHECK_INT(moat_policy_default(&p, NULL), 0);
	CHECK_INT(moat_policy_decide(p, w, NULL, false, a, &d), 0);
	allow = d.allow;
	*ret_rule = d.n_reasons ? d.reasons[0].rule : "";
	moat_arena_close(a);
	moat_policy_free(p);
	return allow;
}

static void test_policy__defaults(void)
{
	static const char *const sock[] = { "/var/run/docker.sock" };
	static const char *const run[] = { "/run" };
	static const char *const root[] = { "/" };
	static const char *const sneaky[] = { "/tmp/../var//run/containerd/containerd.sock" };
	static const char *const data[] = { "/srv/data" };
	static const char *const caps[] = { "SYS_ADMIN" };
	struct moat_container c = { .image = "nginx:1" };
	struct moat_workload w = { .kind = "container", .containers = &c, .n_containers = 1 };
	const char *rule;

	CHECK(default_allows(&w, &rule));
	c.privileged = true;
	CHECK(!default_allows(&w, &rule));
	CHECK_STR(rule, "privileged");
	c.privileged = false;
	const char *const *mounts[] = { sock, run, root, sneaky };
	for (size_t i = 0; i < 4; i++) {
		c.host_paths = mounts[i];
		c.n_host_paths = 1;
		CHECK(!default_allows(&w, &rule));
		CHECK_STR(rule, "engine_socket");
	}
	c.host_paths = data;
	CHECK(default_allows(&w, &rule));
	c.host_paths = NULL;
	c.n_host_paths = 0;
	c.cap_add = caps;
	c.n_cap_add = 1;
	CHECK(default_allows(&w, &rule)); /* off in the default */
	w.host_uts = true;
	CHECK(default_allows(&w, &rule));
	w.host_ipc = true;
	CHECK(!default_allows(&w, &rule));
	CHECK_STR(rule, "host_ipc");
	w.host_ipc = false;
	w.host_network = true;
	CHECK(!default_allows(&w, &rule));
	w.host_network = false;
	w.host_pid = true;
	CHECK(!default_allows(&w, &rule));
	CHECK_STR(rule, "host_pid");
}

static void test_policy__secret_allow(void)
{
	struct moat_error err = { 0 };
	struct moat_policy *p = load_str("{\"secrets\": {\"allow\": [{\"path\": \"srv/*\"}, "
					 "{\"rules\": [\"jwt\"], \"fingerprints\": [\"0123\"], "
					 "\"reason\": \"ok\"}]}}", &err);

	CHECK(p != NULL);
	if (!p)
		return;
	CHECK(json_array_size(moat_policy_vuln(p)->secret_allow) == 2);
	moat_policy_free(p);
}

static void test_policy__load_errors(void)
{
	static const struct { const char *doc, *want; } rows[] = {
		{ "{\"fail_onn\": [\"high\"]}", "unknown key 'fail_onn'" },
		{ "{\"fail_on\": [\"nonsense\"]}", "fail_on" },
		{ "{\"fail_on_risk\": 101}", "fail_on_risk" },
		{ "{\"rules\": {\"privilegd\": \"block\"}}", "unknown rule 'privilegd'" },
		{ "{\"rules\": {\"privileged\": \"deny-ish\"}}", "rules.privileged" },
		{ "{\"rules\": {\"host_path\": {\"prefix\": [\"/etc\"]}}}", "unknown key 'prefix'" },
		{ "{\"rules\": {\"cap_add\": {\"allow\": [1]}}}", "rules.cap_add" },
		{ "{\"admission\": {\"failure\": \"maybe\"}}", "admission.failure" },
		{ "{\"admission\": {\"scan_timeout\": 0}}", "scan_timeout" },
		{ "{\"scope\": {\"match_labels\": {\"a\": 1}}}", "scope.match_labels" },
		{ "{\"version\": 2}", "version" },
		{ "[1]", "top level" },
		{ "{\"secrets\": {\"alow\": []}}", "unknown key 'alow'" },
		{ "{\"secrets\": {\"allow\": [{\"reason\": \"x\"}]}}", "secrets.allow[0]" },
		{ "{\"secrets\": {\"allow\": [{\"rules\": \"jwt\"}]}}", "secrets.allow[0]" },
		{ "{\"secrets\": {\"allow\": [{\"path\": \"a/*\", \"fingerprint\": [\"ab\"]}]}}",
		  "unknown key 'fingerprint'" },
		{ "{\"secrets\": {\"allow\": [{\"fingerprints\": []}]}}", "secrets.allow[0]" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_error err = { 0 };
		struct moat_policy *p = load_str(rows[i].doc, &err);

		CHECK(p == NULL);
		CHECK_INT(err.code, MOAT_E_FORMAT);
		if (!strstr(err.msg, rows[i].want) || !strstr(err.msg, "test.json"))
			printf("# row %zu: '%s' lacks '%s'\n", i, err.msg, rows[i].want);
		CHECK(strstr(err.msg, rows[i].want) != NULL);
		moat_policy_free(p);
	}
}

struct fake_verdicts {
	enum moat_verdict_state state;
	int calls;
	unsigned last_flags;
};

static int fake_lookup(void *ctx, const char *image, unsigned flags, unsigned timeout,
		       struct moat_arena *arena, struct moat_image_verdict *ret)
{
	struct fake_verdicts *f = ctx;

	(void)image;
	(void)timeout;
	(void)arena;
	f->calls++;
	f->last_flags = flags;
	memset(ret, 0, sizeof(*ret));
	ret->state = f->state;
	ret->digest = "sha256:feed";
	ret->summary = f->state == MOAT_VERDICT_FAIL ? "CVE-1 (openssl, fixed in 3)" : "boom";
	return 0;
}

static void decide(const char *policy, const struct moat_workload *w, struct fake_verdicts *f,
		   bool dry, bool *ret_allow, char *reasons, char *warnings, size_t len)
{
	struct moat_error err = { 0 };
	struct moat_policy *p = load_str(policy, &err);
	struct moat_arena *a = moat_arena_open(1 << 20);
	struct moat_verdict_source src = { fake_lookup, f };
	struct moat_decision d = { 0 };

	if (!p)
		printf("# policy: %s\n", err.msg);
	CHECK(p != NULL);
	if (p) {
		CHECK_INT(moat_policy_decide(p, w, f ? &src : NULL, dry, a, &d), 0);
		snprintf(reasons, len, "%s", moat_decision_summary(&d, false, a));
		snprintf(warnings, len, "%s", moat_decision_summary(&d, true, a));
		*ret_allow = d.allow;
	}
	moat_arena_close(a);
	moat_policy_free(p);
}

static void test_policy__rules_and_verdicts(void)
{
	static const char *const caps[] = { "CAP_NET_BIND_SERVICE", "sys_ptrace" };
	static const char *const paths[] = { "/etc/ssl" };
	struct moat_container c = { .name = "app", .image = "ghcr.io/acme/app:1", .cap_add = caps,
				    .n_cap_add = 2, .host_paths = paths, .n_host_paths = 1 };
	struct moat_workload w = { .kind = "Pod", .namespace = "prod", .containers = &c,
				   .n_containers = 1 };
	struct fake_verdicts f = { .state = MOAT_VERDICT_PASS };
	char r[2048], wn[2048];
	bool allow = false;

	/* alert-only rules warn; a named allow list; enabled: false */
	decide("{\"rules\": {\"cap_add\": {\"action\": \"alert\", \"allow\": [\"NET_BIND_SERVICE\"]},"
	       "\"host_path\": {\"enabled\": false, \"prefixes\": [\"/etc\"]}}}", &w, &f, false,
	       &allow, r, wn, sizeof(r));
	CHECK(allow);
	CHECK(strstr(wn, "cap_add: adds capability sys_ptrace") != NULL);
	CHECK(strstr(wn, "host_path") == NULL);
	decide("{\"rules\": {\"host_path\": {\"prefixes\": [\"/etc\"]}}}", &w, &f, false, &allow, r,
	       wn, sizeof(r));
	CHECK(!allow);
	CHECK(strstr(r, "host_path: mounts host path /etc/ssl (under /etc)") != NULL);
	/* trusted images: registry, repo glob, digest */
	decide("{\"rules\": {\"trusted_images\": {\"registries\": [\"docker.io\"]}}}", &w, &f, false,
	       &allow, r, wn, sizeof(r));
	CHECK(!allow);
	CHECK(strstr(r, "trusted_images") != NULL);
	decide("{\"rules\": {\"trusted_images\": {\"repos\": [\"ghcr.io/acme/*\"]}}}", &w, &f, false,
	       &allow, r, wn, sizeof(r));
	CHECK(allow);
	decide("{\"rules\": {\"trusted_images\": {\"digests\": [\"sha256:feed\"]}}}", &w, &f, false,
	       &allow, r, wn, sizeof(r));
	CHECK(allow);
	/* vulnerability verdicts */
	f.state = MOAT_VERDICT_FAIL;
	decide("{}", &w, &f, false, &allow, r, wn, sizeof(r));
	CHECK(!allow);
	CHECK(strstr(r, "vulnerabilities: image ghcr.io/acme/app:1 fails the vulnerability "
		     "policy: CVE-1 (openssl, fixed in 3)") != NULL);
	decide("{\"rules\": {\"vulnerabilities\": \"alert\"}}", &w, &f, false, &allow, r, wn,
	       sizeof(r));
	CHECK(allow);
	/* unscanned: alert by default, block on request ("only scanned images run") */
	f.state = MOAT_VERDICT_UNKNOWN;
	decide("{}", &w, &f, false, &allow, r, wn, sizeof(r));
	CHECK(allow);
	CHECK(strstr(wn, "unscanned") != NULL);
	CHECK_INT(f.last_flags, 0);
	decide("{\"rules\": {\"unscanned\": \"block\"}, \"admission\": {\"scan\": \"sync\"}}", &w,
	       &f, false, &allow, r, wn, sizeof(r));
	CHECK(!allow);
	CHECK_INT(f.last_flags, MOAT_VERDICT_SYNC);
	decide("{\"admission\": {\"scan\": \"sync\"}}", &w, &f, true, &allow, r, wn, sizeof(r));
	CHECK_INT(f.last_flags, MOAT_VERDICT_PEEK); /* dry run: no side effects */
	/* failure modes */
	f.state = MOAT_VERDICT_ERROR;
	decide("{}", &w, &f, false, &allow, r, wn, sizeof(r));
	CHECK(!allow);
	CHECK(strstr(r, "scan_error") != NULL);
	decide("{\"admission\": {\"failure\": \"open\"}}", &w, &f, false, &allow, r, wn, sizeof(r));
	CHECK(allow);
	CHECK(strstr(wn, "failure mode open") != NULL);
}

static void test_policy__isolation_rules(void)
{
	static const char *const devs[] = { "/dev/fuse", "/dev/../dev/mem" };
	static const char *const from[] = { "db" };
	struct moat_container c = { .name = "app", .image = "x", .devices = devs, .n_devices = 1,
				    .volumes_from = from, .n_volumes_from = 1 };
	struct moat_workload w = { .kind = "container", .host_userns = true, .containers = &c,
				   .n_containers = 1 };
	char r[2048], wn[2048];
	bool allow = false;

	/* all four are off in the built-in default */
	decide("{}", &w, NULL, false, &allow, r, wn, sizeof(r));
	CHECK(allow);
	decide("{\"rules\": {\"host_devices\": {\"allow\": [\"/dev/fuse\"]}, \"host_userns\": "
	       "\"block\", \"host_cgroupns\": \"block\", \"volumes_from\": \"alert\"}}", &w, NULL,
	       false, &allow, r, wn, sizeof(r));
	CHECK(!allow);
	CHECK(strstr(r, "host_devices") == NULL); /* /dev/fuse is allowed */
	CHECK(strstr(r, "host_userns: runs in the host user namespace") != NULL);
	CHECK(strstr(r, "host_cgroupns") == NULL);
	CHECK(strstr(wn, "volumes_from: inherits the mounts of container db") != NULL);
	c.n_devices = 2;
	w.host_userns = false;
	w.host_cgroupns = true;
	decide("{\"rules\": {\"host_devices\": {\"allow\": [\"/dev/fuse\"]}, \"host_cgroupns\": "
	       "\"block\"}}", &w, NULL, false, &allow, r, wn, sizeof(r));
	CHECK(!allow);
	CHECK(strstr(r, "host_devices: gets host device /dev/../dev/mem") != NULL);
	CHECK(strstr(r, "host_cgroupns: shares the host cgroup namespace") != NULL);
}

static void test_policy__scope(void)
{
	struct moat_container c = { .image = "x", .privileged = true };
	json_t *labels = json_pack("{s:s}", "team", "pay");
	struct moat_workload w = { .kind = "Pod", .namespace = "kube-system", .labels = labels,
				   .containers = &c, .n_containers = 1 };
	char r[1024], wn[1024];
	bool allow = false;

	decide("{\"scope\": {\"exclude_namespaces\": [\"kube-system\"]}}", &w, NULL, false, &allow,
	       r, wn, sizeof(r));
	CHECK(allow);
	decide("{\"scope\": {\"namespaces\": [\"kube-system\"], \"match_labels\": {\"team\": \"pay\"}}}",
	       &w, NULL, false, &allow, r, wn, sizeof(r));
	CHECK(!allow);
	decide("{\"scope\": {\"match_labels\": {\"team\": \"web\"}}}", &w, NULL, false, &allow, r,
	       wn, sizeof(r));
	CHECK(allow);
	json_decref(labels);
}

/* An authz request for POST uri with body (NULL = none). */
static int authz(const char *method, const char *uri, const char *body, struct moat_arena *a,
		 struct moat_authz_req *ret)
{
	char b64[4096] = "";
	char *doc;
	int r;

	if (body)
		EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)body, (int)strlen(body));
	if (asprintf(&doc, "{\"User\":\"alice\",\"RequestMethod\":\"%s\",\"RequestUri\":\"%s\"%s%s%s}",
		     method, uri, body ? ",\"RequestBody\":\"" : "", body ? b64 : "",
		     body ? "\"" : "") < 0)
		return -1;
	r = moat_authz_decode((const uint8_t *)doc, strlen(doc), a, ret, NULL);
	free(doc);
	return r;
}

static void test_policy__authz_decode(void)
{
	struct moat_arena *a = moat_arena_open(1 << 20);
	struct moat_authz_req r;
	const struct moat_container *c;

	CHECK_INT(authz("POST", "/v1.41/containers/create?name=x",
			"{\"Image\":\"alpine\",\"User\":\"0:0\",\"HostConfig\":{\"privileged\":false,"
			"\"PRIVILEGED\":true,\"Binds\":[\"/srv:/srv:ro\",\"vol:/data\"],"
			"\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/etc\",\"Target\":\"/e\"},"
			"{\"Type\":\"volume\",\"VolumeOptions\":{\"DriverConfig\":{\"Options\":"
			"{\"device\":\"/root\"}}}}],\"PidMode\":\"host\",\"NetworkMode\":\"none\","
			"\"IpcMode\":\"host\",\"UTSMode\":\"host\",\"CapAdd\":[\"NET_ADMIN\"],"
			"\"\xc5\xbf""ecurityOpt\":[\"seccomp=unconfined\",\"apparmor:unconfined\"]}}",
			a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_CREATE);
	CHECK_STR(r.user, "alice");
	c = r.workload.containers;
	CHECK_STR(c->image, "alpine");
	CHECK(c->privileged);        /* Go: case-insensitive, the last one wins */
	CHECK(c->run_as_root);
	CHECK(c->seccomp_unconfined); /* U+017F folds to 's' as in Go */
	CHECK(c->apparmor_unconfined);
	CHECK_INT(c->n_host_paths, 3);
	CHECK_STR(c->host_paths[0], "/srv");
	CHECK_STR(c->host_paths[1], "/etc");
	CHECK_STR(c->host_paths[2], "/root");
	CHECK_INT(c->n_cap_add, 1);
	CHECK(r.workload.host_pid && r.workload.host_ipc && r.workload.host_uts);
	CHECK(!r.workload.host_network);
	/* devices, user and cgroup namespaces, --volumes-from and what it inherits */
	CHECK_INT(authz("POST", "/v1.41/containers/create",
			"{\"Image\":\"a\",\"HostConfig\":{\"Binds\":[\"/srv:/srv\"],"
			"\"Devices\":[{\"PathOnHost\":\"/dev/sda\",\"PathInContainer\":\"/dev/x\"}],"
			"\"DeviceCgroupRules\":[\"c *:* rwm\"],\"UsernsMode\":\"host\","
			"\"CgroupnsMode\":\"host\",\"VolumesFrom\":[\"src:ro\",\"b\"]}}", a, &r), 0);
	c = r.workload.containers;
	CHECK(r.workload.host_userns && r.workload.host_cgroupns);
	CHECK_INT(c->n_devices, 2);
	CHECK_STR(c->devices[0], "/dev/sda");
	CHECK_STR(c->devices[1], "cgroup rule 'c *:* rwm'");
	CHECK_INT(c->n_volumes_from, 2);
	CHECK_STR(c->volumes_from[0], "src");
	{
		json_t *src = json_loads("{\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
					 "\"/run/docker.sock\"},{\"Type\":\"volume\",\"Source\":"
					 "\"/var/lib/docker/volumes/v/_data\"}]}", 0, NULL);
		json_t *docs[2] = { src, NULL };

		CHECK_INT(moat_authz_inherit(&r, docs, a), 0);
		CHECK_INT(c->n_host_paths, 2);
		CHECK_STR(c->host_paths[0], "/srv");
		CHECK_STR(c->host_paths[1], "/run/docker.sock");
		json_decref(src);
	}
	/* path tricks reach the same handler */
	CHECK_INT(authz("POST", "/v1.41//containers/./create", "{\"Image\":\"a\"}", a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_CREATE);
	CHECK_INT(authz("POST", "/containers%2Fcreate", "{\"Image\":\"a\"}", a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_CREATE);
	/* a create the engine did not show us is an error, never an allow */
	CHECK_INT(authz("POST", "/v1.41/containers/create", NULL, a, &r), MOAT_E_FORMAT);
	CHECK_INT(authz("POST", "/v1.41/containers/create", "[1]", a, &r), MOAT_E_FORMAT);
	CHECK_INT(authz("POST", "/v1.41/containers/abc/exec", "{\"Privileged\":true}", a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_EXEC);
	CHECK(r.workload.containers[0].privileged);
	CHECK_INT(authz("POST", "/v1.41/images/create?fromImage=evil.io%2Fx&tag=1", NULL, a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_PULL);
	CHECK_STR(r.target, "evil.io/x:1");
	CHECK_INT(authz("POST", "/v1.41/images/create?fromImage=x&tag=sha256:ab", NULL, a, &r), 0);
	CHECK_STR(r.target, "x@sha256:ab");
	CHECK_INT(authz("POST", "/v1.41/images/reg.io/a/b/push?tag=2", NULL, a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_PUSH);
	CHECK_STR(r.target, "reg.io/a/b:2");
	CHECK_INT(authz("POST", "/v1.41/volumes/create",
			"{\"Name\":\"v\",\"DriverOpts\":{\"o\":\"bind\",\"device\":\"/var/run\"}}",
			a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_CREATE);
	CHECK_STR(r.workload.containers[0].host_paths[0], "/var/run");
	CHECK_INT(authz("GET", "/v1.41/containers/json", NULL, a, &r), 0);
	CHECK_INT(r.kind, MOAT_AUTHZ_OTHER);
	CHECK(moat_authz_decode((const uint8_t *)"{", 1, a, &r, NULL) < 0);
	moat_arena_close(a);
}

static void test_policy__review_decode(void)
{
	static const char doc[] =
		"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		"\"request\":{\"uid\":\"u1\",\"kind\":{\"kind\":\"CronJob\"},\"operation\":\"CREATE\","
		"\"namespace\":\"ns\",\"dryRun\":true,\"object\":{\"metadata\":{\"name\":\"cj\"},"
		"\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"metadata\":{\"annotations\":"
		"{\"container.apparmor.security.beta.kubernetes.io/main\":\"unconfined\"}},"
		"\"spec\":{\"hostNetwork\":true,\"securityContext\":{\"runAsUser\":1000},"
		"\"volumes\":[{\"name\":\"s\",\"hostPath\":{\"path\":\"/var/run/docker.sock\"}}],"
		"\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\",\"securityContext\":"
		"{\"privileged\":true,\"runAsUser\":0}}],"
		"\"containers\":[{\"name\":\"main\",\"image\":\"app:1\",\"volumeMounts\":"
		"[{\"name\":\"s\",\"mountPath\":\"/s\"}],\"securityContext\":{\"capabilities\":"
		"{\"add\":[\"SYS_ADMIN\"]},\"seccompProfile\":{\"type\":\"Unconfined\"}}}]}}}}}}}}";
	struct moat_arena *a = moat_arena_open(1 << 20);
	struct moat_review rv;
	struct moat_decision d = { .allow = false };
	struct moat_buf out;
	const struct moat_container *c;

	CHECK_INT(moat_review_decode((const uint8_t *)doc, sizeof(doc) - 1, a, &rv, NULL), 0);
	CHECK(rv.supported && rv.dry_run);
	CHECK_STR(rv.uid, "u1");
	CHECK_STR(rv.workload.namespace, "ns");
	CHECK_INT(rv.workload.n_containers, 2);
	CHECK(rv.workload.host_network);
	c = &rv.workload.containers[0];
	CHECK_STR(c->name, "init");
	CHECK(c->privileged && c->run_as_root && c->n_host_paths == 0);
	c = &rv.workload.containers[1];
	CHECK(!c->privileged && !c->run_as_root && c->seccomp_unconfined && c->apparmor_unconfined);
	CHECK_INT(c->n_host_paths, 1);
	CHECK_INT(c->n_cap_add, 1);
	moat_buf_init(&out, 0);
	CHECK_INT(moat_review_encode(&rv, &d, a, &out), 0);
	CHECK(memmem(out.data, out.len, "\"uid\":\"u1\",\"allowed\":false", 26) != NULL);
	moat_buf_release(&out);
	CHECK(moat_review_decode((const uint8_t *)"{\"apiVersion\":\"v1\"}", 19, a, &rv, NULL) < 0);
	moat_arena_close(a);
}

static struct moat_policy *policy_of(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL);
	struct moat_policy *p = NULL;

	CHECK(doc != NULL);
	CHECK_INT(moat_policy_from_json(doc, "test", &p, NULL), 0);
	json_decref(doc);
	return p;
}

static const struct moat_finding_msg *msg_of(const struct moat_finding_msg *m, size_t n,
					     const char *rule)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(m[i].rule, rule))
			return &m[i];
	return NULL;
}

/* The manifest checks in admission: block denies naming the check and its
 * path, alert warns, off and a policy without comply.k8s do nothing. */
static void test_policy__review_checks(void)
{
	static const char pod[] =
		"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
		"{\"uid\":\"u2\",\"kind\":{\"kind\":\"Pod\"},\"operation\":\"CREATE\",\"object\":"
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":"
		"{\"hostNetwork\":true,\"containers\":[{\"name\":\"c\",\"image\":\"app:1\","
		"\"securityContext\":{\"privileged\":true}}]}}}}";
	static const char role[] =
		"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
		"{\"uid\":\"u3\",\"kind\":{\"kind\":\"ClusterRole\"},\"operation\":\"CREATE\","
		"\"object\":{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":"
		"\"ClusterRole\",\"metadata\":{\"name\":\"r\"},\"rules\":[{\"apiGroups\":[\"*\"],"
		"\"resources\":[\"*\"],\"verbs\":[\"*\"]}]}}}";
	struct moat_policy *p = policy_of(
		"{\"comply\":{\"k8s\":{\"default\":\"off\",\"checks\":{\"MOAT-K8S-001\":\"block\","
		"\"MOAT-K8S-004\":\"alert\",\"MOAT-K8S-060\":\"alert\"}}}}");
	struct moat_policy *none = policy_of("{\"rules\":{\"privileged\":\"off\"}}");
	struct moat_arena *a = moat_arena_open(1 << 20);
	struct moat_review rv;
	struct moat_decision d = { .allow = true };
	const struct moat_finding_msg *m;

	CHECK(moat_policy_comply_has(p, "k8s") && !moat_policy_comply_has(none, "k8s"));
	CHECK_INT(moat_review_decode((const uint8_t *)pod, sizeof(pod) - 1, a, &rv, NULL), 0);
	CHECK_INT(moat_review_checks(none, &rv, a, &d, NULL), 0);
	CHECK(d.allow && d.n_reasons == 0 && d.n_warnings == 0);
	CHECK_INT(moat_review_checks(p, &rv, a, &d, NULL), 0);
	CHECK(!d.allow);
	CHECK_INT(d.n_reasons, 1);
	CHECK_INT(d.n_warnings, 1);
	m = msg_of(d.reasons, d.n_reasons, "MOAT-K8S-001");
	CHECK(m && !strncmp(m->msg, "spec.containers[0].securityContext.privileged: ", 47));
	m = msg_of(d.warnings, d.n_warnings, "MOAT-K8S-004");
	CHECK(m && !strncmp(m->msg, "spec.hostNetwork: ", 18));
	CHECK(strstr(moat_decision_summary(&d, false, a), "MOAT-K8S-001: spec.containers[0]") != NULL);
	d = (struct moat_decision){ .allow = true };
	CHECK_INT(moat_review_decode((const uint8_t *)role, sizeof(role) - 1, a, &rv, NULL), 0);
	CHECK(!rv.supported);
	CHECK_INT(moat_review_checks(p, &rv, a, &d, NULL), 0);
	CHECK(d.allow && d.n_reasons == 0);
	CHECK(msg_of(d.warnings, d.n_warnings, "MOAT-K8S-060") != NULL);
	moat_arena_close(a);
	moat_policy_free(p);
	moat_policy_free(none);
}

int main(void)
{
	MOAT_RUN(test_policy__image_ref);
	MOAT_RUN(test_policy__path_clean);
	MOAT_RUN(test_policy__defaults);
	MOAT_RUN(test_policy__load_errors);
	MOAT_RUN(test_policy__secret_allow);
	MOAT_RUN(test_policy__rules_and_verdicts);
	MOAT_RUN(test_policy__isolation_rules);
	MOAT_RUN(test_policy__scope);
	MOAT_RUN(test_policy__authz_decode);
	MOAT_RUN(test_policy__review_decode);
	MOAT_RUN(test_policy__review_checks);
	return moat_test_done();
}
