/* SPDX-License-Identifier: Apache-2.0 */
/* k8s_test.c - the YAML stream reader (documents, lines), the Kubernetes
 * manifest checks (paths, lines, Lists, Helm sources, RBAC joins), the node
 * checks on a fixture tree, and the catalogue against docs/k8s-checks.md. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/yaml.h"
#include "comply/controls.h"
#include "comply/k8s.h"
#include "harness.h"
#include "moat/error.h"

static struct moat_error err;

static void test_k8s__yaml_stream(void)
{
	static const char text[] = "a: 1\n"
				   "b:\n"
				   "  - x\n"
				   "  - y: &an 2\n"
				   "---\n"
				   "---\n"
				   "# comment\n"
				   "c: *an2\n";
	static const char ok[] = "a: 1\nb:\n  - x\n  - {y: 2}\n---\n---\n# comment\nc: [3]\n";
	struct moat_yaml_stream s;
	json_t *b;

	/* anchors are per document: the alias in the third document is unknown */
	CHECK_INT(moat_yaml_parse_stream((const uint8_t *)text, strlen(text), "t", 1 << 20, 16, 10,
					 &s, &err),
		  MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "t: line 8") != NULL);
	CHECK_INT(s.n, 0);
	CHECK_INT(moat_yaml_parse_stream((const uint8_t *)ok, strlen(ok), "t", 1 << 20, 16, 10, &s,
					 &err),
		  0);
	CHECK_INT(s.n, 3);
	CHECK(json_is_null(s.docs[1]));
	CHECK_INT(s.doc_lines[0], 1);
	CHECK_INT(s.doc_lines[2], 8);
	b = json_object_get(s.docs[0], "b");
	CHECK_INT(moat_yaml_line_key(s.lines, s.docs[0], "a"), 1);
	CHECK_INT(moat_yaml_line_key(s.lines, s.docs[0], "b"), 2);
	CHECK_INT(moat_yaml_line_idx(s.lines, b, 0), 3);
	CHECK_INT(moat_yaml_line_idx(s.lines, b, 1), 4);
	CHECK_INT(moat_yaml_line_key(s.lines, json_array_get(b, 1), "y"), 4);
	CHECK_INT(moat_yaml_line_key(s.lines, s.docs[2], "c"), 8);
	CHECK_INT(moat_yaml_line_key(s.lines, s.docs[0], "zz"), 0);
	moat_yaml_stream_release(&s);
	CHECK_INT(moat_yaml_parse_stream((const uint8_t *)ok, strlen(ok), "t", 1 << 20, 16, 2, &s,
					 &err),
		  MOAT_E_LIMIT);
}

static const struct moat_k8s_finding *find(struct moat_k8s_scan *s, const char *id,
					   const char *name, size_t *count)
{
	size_t n;
	const struct moat_k8s_finding *f = moat_k8s_findings(s, &n), *first = NULL;

	*count = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].check->info.id, id) && (!name || !strcmp(f[i].name, name))) {
			(*count)++;
			first = first ? first : &f[i];
		}
	return first;
}

static struct moat_k8s_scan *scan_text(const char *path, const char *text)
{
	struct moat_k8s_scan *s = NULL;

	CHECK_INT(moat_k8s_open(&s, &err), 0);
	CHECK_INT(moat_k8s_add(s, path, (const uint8_t *)text, strlen(text), &err), 0);
	CHECK_INT(moat_k8s_finish(s, &err), 0);
	return s;
}

static void test_k8s__paths_and_lines(void)
{
	static const char text[] = "apiVersion: v1\n"
				   "kind: Service\n"
				   "metadata: {name: svc}\n"
				   "---\n"
				   "# Source: chart/templates/deploy.yaml\n"
				   "apiVersion: apps/v1\n"
				   "kind: Deployment\n"
				   "metadata:\n"
				   "  name: web\n"
				   "  namespace: default\n"
				   "spec:\n"
				   "  template:\n"
				   "    spec:\n"
				   "      hostPID: true\n"
				   "      containers:\n"
				   "      - name: app\n"
				   "        image: nginx\n"
				   "        securityContext:\n"
				   "          privileged: true\n"
				   "          capabilities: {add: [SYS_ADMIN]}\n";
	struct moat_k8s_scan *s = scan_text("m.yaml", text);
	const struct moat_k8s_finding *f;
	size_t n;

	f = find(s, "MOAT-K8S-001", "web", &n);
	CHECK_INT(n, 1);
	CHECK(f && f->doc == 1 && f->line == 19);
	CHECK_STR(f ? f->path : NULL, "spec.template.spec.containers[0].securityContext.privileged");
	CHECK_STR(f ? f->source : NULL, "chart/templates/deploy.yaml");
	CHECK_STR(f ? f->kind : NULL, "Deployment");
	f = find(s, "MOAT-K8S-002", "web", &n);
	CHECK(f && f->line == 14 && n == 1);
	f = find(s, "MOAT-K8S-016", "web", &n);
	CHECK(f && n == 1);
	CHECK_STR(f ? f->path : NULL,
		  "spec.template.spec.containers[0].securityContext.capabilities.add[0]");
	f = find(s, "MOAT-K8S-040", "web", &n);
	CHECK(f && f->line == 17 && n == 1);
	f = find(s, "MOAT-K8S-054", "web", &n);
	CHECK(f && f->line == 10);
	CHECK_INT(moat_k8s_objects(s, MOAT_K8S_WORKLOAD), 1);
	CHECK_INT(moat_k8s_objects(s, MOAT_K8S_N_SCOPES), 2);
	moat_k8s_close(s);
}

/* A pod that meets the restricted level has no pod-security finding. */
static void test_k8s__restricted_pod_clean(void)
{
	static const char text[] =
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n"
		"{\"apiVersion\": \"apps/v1\", \"kind\": \"CronJob\", \"metadata\": {\"name\": "
		"\"ok\", \"namespace\": \"app\"},\n"
		" \"spec\": {\"jobTemplate\": {\"spec\": {\"template\": {\"spec\": {\n"
		"  \"automountServiceAccountToken\": false, \"serviceAccountName\": \"job\",\n"
		"  \"securityContext\": {\"runAsNonRoot\": true, \"seccompProfile\": {\"type\": "
		"\"RuntimeDefault\"}},\n"
		"  \"containers\": [{\"name\": \"c\", \"image\": \"r/i@sha256:00\",\n"
		"   \"securityContext\": {\"allowPrivilegeEscalation\": false, "
		"\"readOnlyRootFilesystem\": true, \"capabilities\": {\"drop\": [\"ALL\"], \"add\": "
		"[\"NET_BIND_SERVICE\"]}}}]}}}}}},\n"
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"bad\"},\n"
		" \"spec\": {\"securityContext\": {\"runAsUser\": 0}, \"containers\": [{\"name\": "
		"\"c\", \"image\": \"i:1\"}]}}]}\n";
	struct moat_k8s_scan *s = scan_text("l.json", text);
	size_t n, bad = 0;
	const struct moat_k8s_finding *f = moat_k8s_findings(s, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, "ok") && !strcmp(f[i].check->family, "pod-security")) {
			printf("# unexpected %s %s\n", f[i].check->info.id, f[i].path);
			bad++;
		}
	CHECK_INT(bad, 0);
	f = find(s, "MOAT-K8S-008", "bad", &n);
	CHECK(f && n == 1);
	CHECK_STR(f ? f->path : NULL, "items[1].spec.securityContext.runAsUser");
	CHECK(f && f->line == 9);
	find(s, "MOAT-K8S-007", "bad", &n);
	CHECK_INT(n, 1);
	find(s, "MOAT-K8S-055", "bad", &n);
	CHECK_INT(n, 1);
	moat_k8s_close(s);
}

static void test_k8s__rbac(void)
{
	static const char text[] = "kind: Role\n"
				   "apiVersion: rbac.authorization.k8s.io/v1\n"
				   "metadata: {name: r, namespace: ns}\n"
				   "rules:\n"
				   "- apiGroups: ['']\n"
				   "  resources: [secrets, pods/exec]\n"
				   "  verbs: [get, create]\n"
				   "---\n"
				   "kind: RoleBinding\n"
				   "apiVersion: rbac.authorization.k8s.io/v1\n"
				   "metadata: {name: b, namespace: ns}\n"
				   "roleRef: {kind: Role, name: r}\n"
				   "subjects: [{kind: Group, name: system:authenticated}]\n"
				   "---\n"
				   "kind: ClusterRoleBinding\n"
				   "apiVersion: rbac.authorization.k8s.io/v1\n"
				   "metadata: {name: admin}\n"
				   "roleRef: {kind: ClusterRole, name: cluster-admin}\n";
	struct moat_k8s_scan *s = scan_text("r.yaml", text);
	const struct moat_k8s_finding *f;
	size_t n;

	f = find(s, "MOAT-K8S-061", "r", &n);
	CHECK(f && n == 1 && f->line == 5);
	CHECK_STR(f ? f->path : NULL, "rules[0]");
	find(s, "MOAT-K8S-063", "r", &n);
	CHECK_INT(n, 1);
	find(s, "MOAT-K8S-062", "r", &n);
	CHECK_INT(n, 0);
	f = find(s, "MOAT-K8S-061", "b", &n);
	CHECK(f && n == 1 && f->line == 12);
	find(s, "MOAT-K8S-072", "b", &n);
	CHECK_INT(n, 1);
	find(s, "MOAT-K8S-071", "admin", &n);
	CHECK_INT(n, 1);
	find(s, "MOAT-K8S-054", NULL, &n);
	CHECK_INT(n, 0);
	moat_k8s_close(s);
}

static void test_k8s__bad_input(void)
{
	static const char text[] = "kind: Pod\napiVersion: v1\nspec: [\n";
	struct moat_k8s_scan *s = NULL;
	size_t n;

	CHECK_INT(moat_k8s_open(&s, &err), 0);
	CHECK_INT(moat_k8s_add(s, "bad.yaml", (const uint8_t *)text, strlen(text), &err),
		  MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "bad.yaml: line") != NULL);
	CHECK_INT(moat_k8s_finish(s, &err), 0);
	moat_k8s_findings(s, &n);
	CHECK_INT(n, 0);
	moat_k8s_close(s);
}

static void put(const char *dir, const char *rel, const char *text, mode_t mode)
{
	char path[512], sub[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(p - path), path);
		mkdir(sub, 0755);
	}
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static const char *result_of(const struct moat_k8s_result *r, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].id, id))
			return r[i].result;
	return "missing";
}

static void test_k8s__node(void)
{
	char dir[] = "/tmp/moat-k8s-node.XXXXXX";
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_k8s_result *r = NULL;
	size_t n = 0;

	CHECK(mkdtemp(dir) != NULL);
	put(dir, "etc/kubernetes/manifests/kube-apiserver.yaml",
	    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n"
	    "    - --anonymous-auth=false\n    - --authorization-mode=Node,RBAC\n"
	    "    - --profiling\n    - 'true'\n    - --audit-log-maxage=7\n",
	    0600);
	put(dir, "var/lib/kubelet/config.yaml",
	    "kind: KubeletConfiguration\nauthentication:\n  anonymous: {enabled: true}\n"
	    "readOnlyPort: 10255\npodPidsLimit: 4096\n",
	    0644);
	CHECK_INT(moat_k8s_node(dir, arena, &r, &n, &err), 0);
	CHECK(n >= 60);
	CHECK_STR(result_of(r, n, "1.1.1"), "PASS");
	CHECK_STR(result_of(r, n, "1.1.2"), "PASS");
	CHECK_STR(result_of(r, n, "1.1.3"), "INFO");
	CHECK_STR(result_of(r, n, "1.2.1"), "PASS");
	CHECK_STR(result_of(r, n, "1.2.6"), "PASS");
	CHECK_STR(result_of(r, n, "1.2.8"), "PASS");
	CHECK_STR(result_of(r, n, "1.2.15"), "WARN");
	CHECK_STR(result_of(r, n, "1.2.17"), "WARN");
	CHECK_STR(result_of(r, n, "1.2.16"), "WARN");
	CHECK_STR(result_of(r, n, "1.3.2"), "INFO");
	CHECK_STR(result_of(r, n, "4.1.9"), "WARN");
	CHECK_STR(result_of(r, n, "4.2.1"), "WARN");
	CHECK_STR(result_of(r, n, "4.2.2"), "PASS");
	CHECK_STR(result_of(r, n, "4.2.4"), "WARN");
	CHECK_STR(result_of(r, n, "4.2.6"), "PASS");
	CHECK_STR(result_of(r, n, "4.2.13"), "PASS");
	/* every result has a row in the node table (its themes), and each row a result */
	for (size_t i = 0; i < n; i++) {
		const struct moat_k8s_node_check *c = moat_k8s_node_check_find(r[i].id);

		if (!c || c->themes != r[i].themes || !r[i].themes)
			printf("# node check %s: no themes\n", r[i].id);
		CHECK(c && c->themes == r[i].themes && r[i].themes);
	}
	{
		size_t nn;
		const struct moat_k8s_node_check *c = moat_k8s_node_checks(&nn);

		CHECK_INT(nn, n);
		for (size_t i = 0; i < nn; i++)
			CHECK(strcmp(result_of(r, n, c[i].id), "missing") != 0);
	}
	CHECK_INT(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	moat_arena_close(arena);
}

/* Every manifest and node check serves a control of each framework. */
static void test_k8s__controls(void)
{
	static const char *const fw[] = {"NIST-800-190:", "PCI-DSS-4.0:", "HIPAA:", "GDPR:"};
	size_t n, nn;
	const struct moat_k8s_check *c = moat_k8s_checks(&n);
	const struct moat_k8s_node_check *node = moat_k8s_node_checks(&nn);

	for (size_t i = 0; i < n + nn; i++) {
		const char *ids[MOAT_CONTROLS_MAX];
		const char *id = i < n ? c[i].info.id : node[i - n].id;
		size_t k = moat_controls_of(i < n ? c[i].themes : node[i - n].themes, ids,
					    MOAT_CONTROLS_MAX);

		for (size_t f = 0; f < 4; f++) {
			bool found = false;

			for (size_t j = 0; j < k; j++)
				found |= !strncmp(ids[j], fw[f], strlen(fw[f]));
			if (!found)
				printf("# %s maps to no %s control\n", id, fw[f]);
			CHECK(found);
		}
		CHECK(i >= n || moat_k8s_node_check_find(id) == NULL);
	}
	CHECK(moat_k8s_node_check_find("1.2.1") != NULL && moat_k8s_node_check_find("9.9") == NULL);
}

/* Every check in docs/k8s-checks.md with its severity, and no stray ids. */
static void test_k8s__catalogue_documented(void)
{
	const char *src = getenv("MOAT_SRC");
	char path[4096];
	struct moat_buf doc;
	size_t n;
	const struct moat_k8s_check *c = moat_k8s_checks(&n);

	snprintf(path, sizeof(path), "%s/docs/k8s-checks.md", src ? src : ".");
	moat_buf_init(&doc, 0);
	CHECK(moat_read_file(path, 1 << 20, &doc, &err) == 0);
	CHECK(n >= 55);
	for (size_t i = 0; doc.data && i < n; i++) {
		char row[128];

		snprintf(row, sizeof(row), "| %s | %s |", c[i].info.id, c[i].info.severity);
		if (!strstr((const char *)doc.data, row)) {
			printf("# %s missing from docs/k8s-checks.md\n", row);
			CHECK(0);
		}
		CHECK(moat_k8s_check_find(c[i].info.id) == &c[i]);
		CHECK(i == 0 || strcmp(c[i - 1].info.id, c[i].info.id) < 0);
	}
	moat_buf_release(&doc);
}

int main(void)
{
	MOAT_RUN(test_k8s__yaml_stream);
	MOAT_RUN(test_k8s__paths_and_lines);
	MOAT_RUN(test_k8s__restricted_pod_clean);
	MOAT_RUN(test_k8s__rbac);
	MOAT_RUN(test_k8s__bad_input);
	MOAT_RUN(test_k8s__node);
	MOAT_RUN(test_k8s__controls);
	MOAT_RUN(test_k8s__catalogue_documented);
	return moat_test_done();
}
