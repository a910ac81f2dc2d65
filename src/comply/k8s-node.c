/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-node.c - CIS Kubernetes Benchmark 1.9 node checks that files show:
 * permissions and owners of the control plane and kubelet files (1.1.x,
 * 4.1.x), API server / controller manager / scheduler / etcd flags read
 * from the static pod manifests (1.2-1.4, 2.x), and the kubelet config file
 * (4.2.x, with the KubeletConfiguration v1beta1 defaults for absent fields).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/yaml.h"
#include "k8s.h"
#include "moat/error.h"

#define NODE_MAX_FILE (4u << 20)

enum { POD_API, POD_CM, POD_SCHED, POD_ETCD, KUBELET, N_SRC };

struct node_ctx {
	const char *root;
	struct moat_arena *arena;
	struct moat_k8s_result *res;
	size_t n, cap;
	json_t *src[N_SRC];	   /* container of each static pod; the kubelet config */
	const char *src_path[N_SRC];
	int r;
};

static const char *const pod_files[] = {
	"etc/kubernetes/manifests/kube-apiserver.yaml",
	"etc/kubernetes/manifests/kube-controller-manager.yaml",
	"etc/kubernetes/manifests/kube-scheduler.yaml", "etc/kubernetes/manifests/etcd.yaml"};
static const char *const kubelet_files[] = {"var/lib/kubelet/config.yaml",
					    "etc/kubernetes/kubelet/kubelet-config.json",
					    "etc/kubernetes/kubelet-config.yaml", NULL};

static void add(struct node_ctx *c, const char *id, const char *title, const char *result,
		const char *remediation, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(struct node_ctx *c, const char *id, const char *title, const char *result,
		const char *remediation, const char *fmt, ...)
{
	struct moat_k8s_result *r;
	char ev[1024];
	va_list ap;

	if (c->r)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;

		c->res = moat_arena_grow(c->arena, c->res, c->n, cap, sizeof(*c->res));
		if (!c->res) {
			c->r = -ENOMEM;
			return;
		}
		c->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(ev, sizeof(ev), fmt, ap);
	va_end(ap);
	r = &c->res[c->n++];
	*r = (struct moat_k8s_result){.id = id, .title = title, .result = result,
				      .level = "L1", .remediation = remediation,
				      .evidence = moat_arena_strdup(c->arena, ev)};
	r->controls[0] = moat_arena_printf(c->arena, "cis-k8s:%s", id);
	r->themes = moat_k8s_node_check_find(id) ? moat_k8s_node_check_find(id)->themes : 0;
	if (!r->evidence || !r->controls[0])
		c->r = -ENOMEM;
}

static char *host_path(struct node_ctx *c, const char *rel)
{
	const char *sep = c->root[0] && c->root[strlen(c->root) - 1] == '/' ? "" : "/";

	while (*rel == '/')
		rel++;
	return moat_arena_printf(c->arena, "%s%s%s", c->root, sep, rel);
}

/* ---- files: permissions and owners ---- */

struct file_check {
	const char *perm_id, *own_id, *what;
	const char *paths[4]; /* the first that exists */
	unsigned max_mode;
};

static void check_stat(struct node_ctx *c, const char *perm_id, const char *own_id,
		       const char *what, const char *path, unsigned max_mode)
{
	char title[256];
	struct stat st;
	unsigned mode;

	if (!path || stat(path, &st) < 0) {
		snprintf(title, sizeof(title), "%s file permissions are %o or more restrictive", what,
			 max_mode);
		add(c, perm_id, moat_arena_strdup(c->arena, title), "INFO", "",
		    "%s: not present", path ? path : what);
		snprintf(title, sizeof(title), "%s file ownership is root:root", what);
		if (own_id)
			add(c, own_id, moat_arena_strdup(c->arena, title), "INFO", "",
			    "%s: not present", path ? path : what);
		return;
	}
	mode = st.st_mode & 07777;
	snprintf(title, sizeof(title), "%s file permissions are %o or more restrictive", what,
		 max_mode);
	add(c, perm_id, moat_arena_strdup(c->arena, title), (mode & ~max_mode) ? "WARN" : "PASS",
	    moat_arena_printf(c->arena, "chmod %o %s", max_mode, path), "%s: mode %o", path, mode);
	if (!own_id)
		return;
	snprintf(title, sizeof(title), "%s file ownership is root:root", what);
	add(c, own_id, moat_arena_strdup(c->arena, title),
	    st.st_uid == 0 && st.st_gid == 0 ? "PASS" : "WARN",
	    moat_arena_printf(c->arena, "chown root:root %s", path), "%s: owner %u:%u", path,
	    (unsigned)st.st_uid, (unsigned)st.st_gid);
}

static void check_files(struct node_ctx *c)
{
	static const struct file_check files[] = {
		{"1.1.1", "1.1.2", "API server pod specification",
		 {"etc/kubernetes/manifests/kube-apiserver.yaml"}, 0600},
		{"1.1.3", "1.1.4", "Controller manager pod specification",
		 {"etc/kubernetes/manifests/kube-controller-manager.yaml"}, 0600},
		{"1.1.5", "1.1.6", "Scheduler pod specification",
		 {"etc/kubernetes/manifests/kube-scheduler.yaml"}, 0600},
		{"1.1.7", "1.1.8", "etcd pod specification", {"etc/kubernetes/manifests/etcd.yaml"},
		 0600},
		{"1.1.13", "1.1.14", "admin.conf", {"etc/kubernetes/admin.conf",
						      "etc/kubernetes/super-admin.conf"}, 0600},
		{"1.1.15", "1.1.16", "scheduler.conf", {"etc/kubernetes/scheduler.conf"}, 0600},
		{"1.1.17", "1.1.18", "controller-manager.conf",
		 {"etc/kubernetes/controller-manager.conf"}, 0600},
		{"4.1.1", "4.1.2", "kubelet service",
		 {"etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
		  "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
		  "lib/systemd/system/kubelet.service", "etc/systemd/system/kubelet.service"}, 0600},
		{"4.1.3", "4.1.4", "kube-proxy kubeconfig",
		 {"var/lib/kube-proxy/kubeconfig.conf", "etc/kubernetes/proxy.conf",
		  "var/lib/kube-proxy/kubeconfig"}, 0600},
		{"4.1.5", "4.1.6", "kubelet.conf", {"etc/kubernetes/kubelet.conf"}, 0600},
		{"4.1.9", "4.1.10", "kubelet config.yaml",
		 {"var/lib/kubelet/config.yaml", "etc/kubernetes/kubelet/kubelet-config.json",
		  "etc/kubernetes/kubelet-config.yaml"}, 0600},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const char *found = NULL;
		struct stat st;

		for (size_t k = 0; k < 4 && files[i].paths[k] && !found; k++) {
			char *p = host_path(c, files[i].paths[k]);

			if (p && stat(p, &st) == 0)
				found = p;
		}
		check_stat(c, files[i].perm_id, files[i].own_id, files[i].what,
			   found ? found : host_path(c, files[i].paths[0]), files[i].max_mode);
	}
}

/* 1.1.19-1.1.21: the PKI directory is root's, certificates and keys 600. */
static void check_pki(struct node_ctx *c)
{
	static const char *const sub[] = {"", "etcd/"};
	static const char *const names[] = {"ca", "apiserver", "apiserver-kubelet-client",
					    "front-proxy-ca", "front-proxy-client", "sa",
					    "apiserver-etcd-client", "server", "peer",
					    "healthcheck-client", NULL};
	char *dir = host_path(c, "etc/kubernetes/pki");
	struct stat st;
	unsigned bad_crt = 0, bad_key = 0, bad_own = 0, seen = 0;
	char first[3][512] = {"", "", ""};

	if (!dir || stat(dir, &st) < 0) {
		add(c, "1.1.19", "Kubernetes PKI directory and file ownership is root:root", "INFO",
		    "", "%s: not present", dir ? dir : "pki");
		add(c, "1.1.20", "Kubernetes PKI certificate file permissions are 600 or more "
		    "restrictive", "INFO", "", "%s: not present", dir ? dir : "pki");
		add(c, "1.1.21", "Kubernetes PKI key file permissions are 600", "INFO", "",
		    "%s: not present", dir ? dir : "pki");
		return;
	}
	bad_own += st.st_uid != 0 || st.st_gid != 0;
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; names[i]; i++)
			for (size_t k = 0; k < 3; k++) {
				static const char *const ext[] = {".crt", ".key", ".pub"};
				char *p = moat_arena_printf(c->arena, "%s/%s%s%s", dir, sub[s],
							    names[i], ext[k]);

				if (!p || stat(p, &st) < 0)
					continue;
				seen++;
				if (st.st_uid || st.st_gid) {
					bad_own++;
					snprintf(first[0], sizeof(first[0]), "%s", p);
				}
				if (k != 1 && (st.st_mode & 0177)) {
					bad_crt++;
					snprintf(first[1], sizeof(first[1]), "%s mode %o", p,
						 st.st_mode & 07777);
				}
				if (k == 1 && (st.st_mode & 0177)) {
					bad_key++;
					snprintf(first[2], sizeof(first[2]), "%s mode %o", p,
						 st.st_mode & 07777);
				}
			}
	add(c, "1.1.19", "Kubernetes PKI directory and file ownership is root:root",
	    bad_own ? "WARN" : "PASS", "chown -R root:root /etc/kubernetes/pki/",
	    "%u of %u files not root:root %s", bad_own, seen, first[0]);
	add(c, "1.1.20", "Kubernetes PKI certificate file permissions are 600 or more restrictive",
	    bad_crt ? "WARN" : "PASS", "chmod -R 600 /etc/kubernetes/pki/*.crt",
	    "%u certificates too open %s", bad_crt, first[1]);
	add(c, "1.1.21", "Kubernetes PKI key file permissions are 600", bad_key ? "WARN" : "PASS",
	    "chmod -R 600 /etc/kubernetes/pki/*.key", "%u keys too open %s", bad_key, first[2]);
}

/* ---- values: flags of static pods, fields of the kubelet config ---- */

static json_t *load(struct node_ctx *c, const char *path)
{
	struct moat_buf buf;
	struct moat_error err = {0};
	json_t *j = NULL;

	moat_buf_init(&buf, 0);
	if (moat_read_file(path, NODE_MAX_FILE, &buf, &err) == 0 &&
	    moat_yaml_parse(buf.data ? buf.data : (const uint8_t *)"", buf.len, path, NODE_MAX_FILE,
			    64, &j, &err) < 0)
		j = NULL;
	moat_buf_release(&buf);
	return j;
}

/* The value of --name in a static pod's command and args ("" for a bare flag). */
static const char *flag(struct node_ctx *c, int src, const char *name)
{
	static const char *const lists[] = {"command", "args"};
	size_t n = strlen(name);

	for (size_t l = 0; l < 2; l++) {
		json_t *a = json_object_get(c->src[src], lists[l]);

		for (size_t i = 0; i < json_array_size(a); i++) {
			const char *w = json_string_value(json_array_get(a, i));

			if (!w || strncmp(w, "--", 2) != 0 || strncmp(w + 2, name, n) != 0)
				continue;
			if (w[2 + n] == '=')
				return w + 3 + n;
			if (!w[2 + n]) {
				const char *next = json_string_value(json_array_get(a, i + 1));

				return next && strncmp(next, "--", 2) != 0 ? next : "";
			}
		}
	}
	return NULL;
}

/* A kubelet config field by dotted path, as text. */
static const char *field(struct node_ctx *c, const char *path)
{
	json_t *cur = c->src[KUBELET];
	char key[64];

	while (*path && cur) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
		path += n + (path[n] == '.');
	}
	if (json_is_string(cur))
		return json_string_value(cur);
	if (json_is_boolean(cur))
		return json_is_true(cur) ? "true" : "false";
	if (json_is_integer(cur))
		return moat_arena_printf(c->arena, "%lld", (long long)json_integer_value(cur));
	if (json_is_array(cur)) {
		struct moat_buf b;
		const char *s;

		moat_buf_init(&b, 0);
		for (size_t i = 0; i < json_array_size(cur); i++) {
			moat_buf_append_str(&b, i ? "," : "");
			moat_buf_append_str(&b, json_string_value(json_array_get(cur, i)) ?: "");
		}
		s = moat_arena_strndup(c->arena, b.data ? (const char *)b.data : "", b.len);
		moat_buf_release(&b);
		return s;
	}
	return NULL;
}

enum op { EQ, NE, SET, UNSET, HAS, HASNOT, GE, STRONG };

struct value_check {
	const char *id;
	int src;
	const char *key; /* flag, or kubelet field; "a+b": both must pass */
	enum op op;
	const char *want;
	const char *def; /* the value when absent, or NULL */
	const char *title;
};

static bool list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t k = strcspn(p, ",");

		if (k == n && !strncmp(p, word, n))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

static bool strong_ciphers(const char *v)
{
	static const char *const ok[] = {
		"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
		"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
		"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
		"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
		NULL};

	for (const char *p = v; *p;) {
		size_t k = strcspn(p, ","), i;

		for (i = 0; ok[i] && !(strlen(ok[i]) == k && !strncmp(p, ok[i], k)); i++)
			;
		if (!ok[i])
			return false;
		p += k + (p[k] == ',');
	}
	return *v != 0;
}

static bool pass_one(const struct value_check *v, const char *val)
{
	if (!val)
		val = v->def;
	switch (v->op) {
	case EQ:
		return val && !strcmp(val, v->want);
	case NE:
		return !val || strcmp(val, v->want) != 0;
	case SET:
		return val && *val;
	case UNSET:
		return !val;
	case HAS:
		return val && list_has(val, v->want);
	case HASNOT:
		return !val || !list_has(val, v->want);
	case GE:
		return val && strtol(val, NULL, 10) >= strtol(v->want, NULL, 10);
	case STRONG:
		return val && strong_ciphers(val);
	}
	return false;
}

static void check_value(struct node_ctx *c, const struct value_check *v)
{
	char key[128];
	char ev[512] = "";
	bool ok = true;
	size_t used = 0;

	if (!c->src[v->src]) {
		add(c, v->id, v->title, "INFO", "", "%s: not present or not readable",
		    c->src_path[v->src]);
		return;
	}
	for (const char *p = v->key; *p;) {
		size_t k = strcspn(p, "+");
		const char *val;

		snprintf(key, sizeof(key), "%.*s", (int)k, p);
		val = v->src == KUBELET ? field(c, key) : flag(c, v->src, key);
		ok &= pass_one(v, val);
		used += (size_t)snprintf(ev + used, used < sizeof(ev) ? sizeof(ev) - used : 0,
					 "%s%s%s=%s", used ? ", " : "", v->src == KUBELET ? "" : "--",
					 key, val ? val : "(unset)");
		if (used >= sizeof(ev))
			used = sizeof(ev) - 1;
		p += k + (p[k] == '+');
	}
	add(c, v->id, v->title, ok ? "PASS" : "WARN",
	    moat_arena_printf(c->arena, "Edit %s: %s", c->src_path[v->src], v->title), "%s: %s",
	    c->src_path[v->src], ev);
}

#define A POD_API
#define M POD_CM
#define S POD_SCHED
#define E POD_ETCD
#define K KUBELET

static const struct value_check values[] = {
	{"1.2.1", A, "anonymous-auth", EQ, "false", "true", "--anonymous-auth is false"},
	{"1.2.2", A, "token-auth-file", UNSET, NULL, NULL, "--token-auth-file is not set"},
	{"1.2.4", A, "kubelet-client-certificate+kubelet-client-key", SET, NULL, NULL,
	 "--kubelet-client-certificate and --kubelet-client-key are set"},
	{"1.2.5", A, "kubelet-certificate-authority", SET, NULL, NULL,
	 "--kubelet-certificate-authority is set"},
	{"1.2.6", A, "authorization-mode", HASNOT, "AlwaysAllow", "AlwaysAllow",
	 "--authorization-mode is not AlwaysAllow"},
	{"1.2.7", A, "authorization-mode", HAS, "Node", "AlwaysAllow",
	 "--authorization-mode includes Node"},
	{"1.2.8", A, "authorization-mode", HAS, "RBAC", "AlwaysAllow",
	 "--authorization-mode includes RBAC"},
	{"1.2.9", A, "enable-admission-plugins", HAS, "EventRateLimit", NULL,
	 "admission control plugin EventRateLimit is set"},
	{"1.2.10", A, "enable-admission-plugins", HASNOT, "AlwaysAdmit", NULL,
	 "admission control plugin AlwaysAdmit is not set"},
	{"1.2.11", A, "enable-admission-plugins", HAS, "AlwaysPullImages", NULL,
	 "admission control plugin AlwaysPullImages is set"},
	{"1.2.12", A, "disable-admission-plugins", HASNOT, "ServiceAccount", NULL,
	 "admission control plugin ServiceAccount is set"},
	{"1.2.13", A, "disable-admission-plugins", HASNOT, "NamespaceLifecycle", NULL,
	 "admission control plugin NamespaceLifecycle is set"},
	{"1.2.14", A, "enable-admission-plugins", HAS, "NodeRestriction", NULL,
	 "admission control plugin NodeRestriction is set"},
	{"1.2.15", A, "profiling", EQ, "false", "true", "--profiling is false"},
	{"1.2.16", A, "audit-log-path", SET, NULL, NULL, "--audit-log-path is set"},
	{"1.2.17", A, "audit-log-maxage", GE, "30", NULL, "--audit-log-maxage is 30 or more"},
	{"1.2.18", A, "audit-log-maxbackup", GE, "10", NULL, "--audit-log-maxbackup is 10 or more"},
	{"1.2.19", A, "audit-log-maxsize", GE, "100", NULL, "--audit-log-maxsize is 100 or more"},
	{"1.2.21", A, "service-account-lookup", EQ, "true", "true",
	 "--service-account-lookup is true"},
	{"1.2.22", A, "service-account-key-file", SET, NULL, NULL,
	 "--service-account-key-file is set"},
	{"1.2.23", A, "etcd-certfile+etcd-keyfile", SET, NULL, NULL,
	 "--etcd-certfile and --etcd-keyfile are set"},
	{"1.2.24", A, "tls-cert-file+tls-private-key-file", SET, NULL, NULL,
	 "--tls-cert-file and --tls-private-key-file are set"},
	{"1.2.25", A, "client-ca-file", SET, NULL, NULL, "--client-ca-file is set"},
	{"1.2.26", A, "etcd-cafile", SET, NULL, NULL, "--etcd-cafile is set"},
	{"1.2.27", A, "encryption-provider-config", SET, NULL, NULL,
	 "--encryption-provider-config is set"},
	{"1.2.29", A, "tls-cipher-suites", STRONG, NULL, NULL,
	 "API server uses strong cryptographic ciphers only"},
	{"1.3.1", M, "terminated-pod-gc-threshold", SET, NULL, NULL,
	 "--terminated-pod-gc-threshold is set"},
	{"1.3.2", M, "profiling", EQ, "false", "true", "controller manager --profiling is false"},
	{"1.3.3", M, "use-service-account-credentials", EQ, "true", "false",
	 "--use-service-account-credentials is true"},
	{"1.3.4", M, "service-account-private-key-file", SET, NULL, NULL,
	 "--service-account-private-key-file is set"},
	{"1.3.5", M, "root-ca-file", SET, NULL, NULL, "--root-ca-file is set"},
	{"1.3.6", M, "feature-gates", HASNOT, "RotateKubeletServerCertificate=false", NULL,
	 "RotateKubeletServerCertificate is true"},
	{"1.3.7", M, "bind-address", EQ, "127.0.0.1", "0.0.0.0",
	 "controller manager --bind-address is 127.0.0.1"},
	{"1.4.1", S, "profiling", EQ, "false", "true", "scheduler --profiling is false"},
	{"1.4.2", S, "bind-address", EQ, "127.0.0.1", "0.0.0.0",
	 "scheduler --bind-address is 127.0.0.1"},
	{"2.1", E, "cert-file+key-file", SET, NULL, NULL, "etcd --cert-file and --key-file are set"},
	{"2.2", E, "client-cert-auth", EQ, "true", "false", "etcd --client-cert-auth is true"},
	{"2.3", E, "auto-tls", NE, "true", NULL, "etcd --auto-tls is not true"},
	{"2.4", E, "peer-cert-file+peer-key-file", SET, NULL, NULL,
	 "etcd --peer-cert-file and --peer-key-file are set"},
	{"2.5", E, "peer-client-cert-auth", EQ, "true", "false",
	 "etcd --peer-client-cert-auth is true"},
	{"2.6", E, "peer-auto-tls", NE, "true", NULL, "etcd --peer-auto-tls is not true"},
	/* kubelet: KubeletConfiguration v1beta1 defaults when a field is absent */
	{"4.2.1", K, "authentication.anonymous.enabled", EQ, "false", "false",
	 "kubelet anonymous authentication is off"},
	{"4.2.2", K, "authorization.mode", NE, "AlwaysAllow", "Webhook",
	 "kubelet authorization mode is not AlwaysAllow"},
	{"4.2.3", K, "authentication.x509.clientCAFile", SET, NULL, NULL,
	 "kubelet client CA file is set"},
	{"4.2.4", K, "readOnlyPort", EQ, "0", "0", "kubelet read-only port is 0"},
	{"4.2.5", K, "streamingConnectionIdleTimeout", HASNOT, "0", "4h0m0s",
	 "kubelet streaming connection idle timeout is not 0"},
	{"4.2.6", K, "makeIPTablesUtilChains", EQ, "true", "true",
	 "kubelet makeIPTablesUtilChains is true"},
	{"4.2.9", K, "tlsCertFile+tlsPrivateKeyFile", SET, NULL, NULL,
	 "kubelet tlsCertFile and tlsPrivateKeyFile are set"},
	{"4.2.10", K, "rotateCertificates", NE, "false", "true",
	 "kubelet rotateCertificates is not false"},
	{"4.2.11", K, "featureGates.RotateKubeletServerCertificate", NE, "false", "true",
	 "kubelet RotateKubeletServerCertificate is true"},
	{"4.2.12", K, "tlsCipherSuites", STRONG, NULL, NULL,
	 "kubelet uses strong cryptographic ciphers only"},
	{"4.2.13", K, "podPidsLimit", GE, "1", NULL, "kubelet podPidsLimit is set"},
};

/* 4.1.7/4.1.8: the client CA file the kubelet config names. */
static void check_client_ca(struct node_ctx *c)
{
	const char *ca = c->src[KUBELET] ? field(c, "authentication.x509.clientCAFile") : NULL;

	check_stat(c, "4.1.7", "4.1.8", "Client certificate authorities",
		   ca ? host_path(c, ca) : NULL, 0600);
}

/* 1.1.11/1.1.12: etcd's --data-dir is 700 and owned by etcd. */
static void check_etcd_dir(struct node_ctx *c)
{
	const char *d = c->src[POD_ETCD] ? flag(c, POD_ETCD, "data-dir") : NULL;
	char *p = d ? host_path(c, d) : NULL;
	struct stat st;

	if (!p || stat(p, &st) < 0) {
		add(c, "1.1.11", "etcd data directory permissions are 700 or more restrictive",
		    "INFO", "", "%s: not present", p ? p : "etcd --data-dir");
		return;
	}
	add(c, "1.1.11", "etcd data directory permissions are 700 or more restrictive",
	    (st.st_mode & 077) ? "WARN" : "PASS", moat_arena_printf(c->arena, "chmod 700 %s", d),
	    "%s: mode %o", p, st.st_mode & 07777);
}

int moat_k8s_node(const char *root, struct moat_arena *arena, struct moat_k8s_result **ret,
		  size_t *ret_n, struct moat_error *err)
{
	struct node_ctx c = {.root = root && *root ? root : "/", .arena = arena};

	for (int i = 0; i < POD_ETCD + 1; i++) {
		json_t *pod;

		c.src_path[i] = host_path(&c, pod_files[i]);
		pod = c.src_path[i] ? load(&c, c.src_path[i]) : NULL;
		/* the control plane component is the pod's first container */
		c.src[i] = json_incref(json_array_get(
			json_object_get(json_object_get(pod, "spec"), "containers"), 0));
		json_decref(pod);
	}
	c.src_path[KUBELET] = host_path(&c, kubelet_files[0]);
	for (size_t i = 0; kubelet_files[i] && !c.src[KUBELET]; i++) {
		char *p = host_path(&c, kubelet_files[i]);
		struct stat st;

		if (p && stat(p, &st) == 0) {
			c.src_path[KUBELET] = p;
			c.src[KUBELET] = load(&c, p);
		}
	}
	check_files(&c);
	check_etcd_dir(&c);
	check_pki(&c);
	check_client_ca(&c);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		check_value(&c, &values[i]);
	for (int i = 0; i < N_SRC; i++)
		json_decref(c.src[i]);
	if (c.r)
		return moat_error_set(err, c.r, "node checks: out of memory");
	*ret = c.res;
	*ret_n = c.n;
	return 0;
}
