/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s.h - Kubernetes manifest checks: Pod Security Standards (baseline and
 * restricted, control by control), CIS Kubernetes 5.x policies, RBAC,
 * service accounts, resources, images, probes.
 *
 * Input is any number of YAML/JSON files: several documents per file, `kind:
 * List` objects (`kubectl get -o yaml`), Helm-rendered output (`# Source:`
 * comments name each document's template). Workloads are Pod, Deployment,
 * DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob,
 * PodTemplate and OpenShift DeploymentConfig (the pod template at its path);
 * RBAC is Role, ClusterRole, RoleBinding, ClusterRoleBinding; ServiceAccount.
 * Other kinds load and count but no check applies to them.
 *
 * Every finding names its file, the document index in the file (0-based),
 * the YAML path inside the document (spec.template.spec.containers[0].
 * securityContext.privileged; items[N]. first for List members) and the line
 * of that key, or of the nearest enclosing node when the key is missing.
 * docs/k8s-checks.md describes every check.
 */
#ifndef MOAT_COMPLY_K8S_H
#define MOAT_COMPLY_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "misconfig.h"

struct moat_error;
struct moat_k8s_scan;

/* Bounds of one manifest file. */
#define MOAT_K8S_MAX_FILE_BYTES (64u << 20)
#define MOAT_K8S_MAX_DOCS 100000u
#define MOAT_K8S_MAX_DEPTH 64u

/* What objects a check looks at (for PASS versus "nothing to check"). */
enum moat_k8s_scope {
	MOAT_K8S_WORKLOAD,
	MOAT_K8S_RBAC_ROLE,
	MOAT_K8S_RBAC_BINDING,
	MOAT_K8S_SERVICE_ACCOUNT,
	MOAT_K8S_ANY, /* every namespaced object */
	MOAT_K8S_N_SCOPES
};

/* One check: static data. info.references: "pss:baseline/privileged",
 * "cis-k8s:5.2.2", "kube-linter:privileged-container", "kubescape:RULE". */
struct moat_k8s_check {
	struct moat_check_info info; /* id MOAT-K8S-NNN */
	const char *pss;	     /* "baseline", "restricted" or NULL */
	const char *family;	     /* "pod-security", "rbac", "resources", ... */
	enum moat_k8s_scope scope;
	unsigned themes;	     /* MOAT_T_* bits: the controls it serves (controls.h) */
};

struct moat_k8s_finding {
	const struct moat_k8s_check *check;
	const char *file;
	unsigned doc;	    /* document index in the file, 0-based */
	const char *source; /* Helm "# Source:" template of the document, or NULL */
	const char *kind;
	const char *name;      /* metadata.name ("" when absent) */
	const char *namespace; /* metadata.namespace, or NULL */
	const char *path;      /* YAML path inside the document */
	unsigned line;	       /* 1-based, 0 unknown */
	const char *message;
};

/* Every manifest check in id order; the one with this id or NULL. */
const struct moat_k8s_check *moat_k8s_checks(size_t *ret_n);
const struct moat_k8s_check *moat_k8s_check_find(const char *id);

int moat_k8s_open(struct moat_k8s_scan **ret, struct moat_error *err);
void moat_k8s_close(struct moat_k8s_scan *scan);

/* Load the manifests in data (named path in findings and errors) and check
 * them. Documents that are not Kubernetes objects (no apiVersion and kind)
 * are skipped. Returns 0, MOAT_E_FORMAT (not YAML/JSON, with line and
 * column), MOAT_E_LIMIT or -ENOMEM; on failure nothing of the file is kept. */
int moat_k8s_add(struct moat_k8s_scan *scan, const char *path, const uint8_t *data, size_t len,
		 struct moat_error *err);
/* Check one parsed object (an AdmissionReview's request.object): origin
 * names it in findings (their file), kind overrides the object's own (NULL:
 * its "kind"); no lines. The object is borrowed until close. MOAT_E_FORMAT
 * when it is not a mapping with a kind, -ENOMEM. */
int moat_k8s_add_object(struct moat_k8s_scan *scan, const char *origin, json_t *obj,
			const char *kind, struct moat_error *err);
/* True for the kinds some check looks at (workloads, RBAC, ServiceAccount). */
bool moat_k8s_checked_kind(const char *kind);
/* Checks that need every object (bindings to a role loaded later). Call
 * once after the last moat_k8s_add(). */
int moat_k8s_finish(struct moat_k8s_scan *scan, struct moat_error *err);

/* Findings, sorted by file, document, line, id (valid until close). */
const struct moat_k8s_finding *moat_k8s_findings(const struct moat_k8s_scan *scan, size_t *ret_n);
/* Kubernetes objects loaded, all or of one scope. */
size_t moat_k8s_objects(const struct moat_k8s_scan *scan, enum moat_k8s_scope scope);

/* Append every finding to out as a moat config finding (source
 * "kubernetes", path = YAML path, message naming the object). */
int moat_k8s_to_misconfig(const struct moat_k8s_scan *scan, struct moat_arena *arena,
			  struct moat_misconfig_list *out, struct moat_error *err);

/* True when a file name is worth reading as a manifest in a directory walk. */
bool moat_k8s_file_name(const char *name);

/* One line of a moat.comply/v1 report (manifest or node check). */
struct moat_k8s_result {
	const char *id;
	const char *title;
	const char *result; /* "PASS", "WARN", "INFO", "NOTE" */
	const char *level;  /* PSS "baseline"/"restricted", else CIS "L1"/"L2" */
	const char *evidence;
	const char *remediation;
	const char *controls[5]; /* references (pss:, cis-k8s:, ...), NULL-ended */
	unsigned themes;	 /* MOAT_T_* bits: the framework controls it serves */
	const struct moat_k8s_finding **findings; /* manifest checks: the findings */
	size_t n_findings;
};

/* The manifest checks of scan as moat.comply/v1 lines, one per check: WARN
 * with findings, PASS when objects of its scope were checked, else INFO. */
int moat_k8s_results(const struct moat_k8s_scan *scan, struct moat_arena *arena,
		     struct moat_k8s_result **ret, size_t *ret_n, struct moat_error *err);

/* A node check: its CIS Kubernetes 1.9 id and the themes that map it to
 * framework controls (its title and verdict come from moat_k8s_node()). */
struct moat_k8s_node_check {
	const char *id;
	unsigned themes;
};

/* Every node check in report order; the one with this id or NULL. */
const struct moat_k8s_node_check *moat_k8s_node_checks(size_t *ret_n);
const struct moat_k8s_node_check *moat_k8s_node_check_find(const char *id);

/* CIS Kubernetes 1.9 node checks (sections 1, 2 and 4) on the files below
 * root ("/" for the host): kubelet config and service files, static pod
 * manifests in etc/kubernetes/manifests and their flags, kubeconfigs, PKI.
 * A check whose file is absent is INFO. */
int moat_k8s_node(const char *root, struct moat_arena *arena, struct moat_k8s_result **ret,
		  size_t *ret_n, struct moat_error *err);

#endif
